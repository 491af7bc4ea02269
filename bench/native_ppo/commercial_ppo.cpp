#include "bench/native_ppo/commercial_ppo.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

// Comments name the line of contracts/claims/commercial_ppo.cvn (ppo:N) or of a standard
// library (claims.cvn:N, dates.cvn:N, money.cvn:N, codes.cvn:N) that each rule mirrors.

namespace covenant::native_ppo {

namespace {

// ---- the plan (ppo:58-75) -------------------------------------------------------------------

constexpr int64_t kPlanYearMonth = 7;       // ppo:58
constexpr int64_t kPlanYearDay = 1;         // ppo:59
constexpr int64_t kDeductible = 1'000'00;   // ppo:60, cents
constexpr int64_t kOopMax = 4'000'00;       // ppo:61
constexpr int64_t kFilingLimit = 180;       // ppo:62, days
constexpr int64_t kCorrectedFilingLimit = 365;  // ppo:63
constexpr Code kNoModifier = Code::of("--");    // ppo:65

// CARCs (claims.cvn:27-41).
constexpr int64_t kCarcDeductible = 1;
constexpr int64_t kCarcCoinsurance = 2;
constexpr int64_t kCarcCopay = 3;
constexpr int64_t kCarcMissingInformation = 16;
constexpr int64_t kCarcDuplicate = 18;
constexpr int64_t kCarcBeforeCoverage = 26;
constexpr int64_t kCarcAfterCoverage = 27;
constexpr int64_t kCarcTimelyFiling = 29;
constexpr int64_t kCarcNotInsured = 31;
constexpr int64_t kCarcFeeSchedule = 45;
constexpr int64_t kCarcNotCovered = 96;
constexpr int64_t kCarcBundled = 97;
constexpr int64_t kCarcFrequencyLimit = 151;
constexpr int64_t kCarcPriorAuthAbsent = 197;
constexpr int64_t kCarcPriorAuthExceeded = 198;

// A benefit (claims.cvn:122) in cents and billionths; the four of ppo:72-75.
struct Benefit {
  int64_t copay;
  bool deductible_applies;
  int64_t coinsurance;  // billionths: 20% = 200,000,000
};
constexpr Benefit kPreventive{0, false, 0};
constexpr Benefit kClinicVisit{30'00, false, 0};
constexpr Benefit kEmergency{250'00, true, 200'000'000};
constexpr Benefit kStandard{0, true, 200'000'000};

// ---- code sets (codes.cvn), with the compiler's semantics: exact codes, ranges compared
// byte by byte over the zero-padded text, prefixes over their first n bytes. ----------------

struct Pattern {
  Code low;
  Code high;
  uint8_t prefix = 0;  // > 0: match the first `prefix` bytes of `low`
};

constexpr Pattern exact(std::string_view c) { return {Code::of(c), Code::of(c), 0}; }
constexpr Pattern range(std::string_view lo, std::string_view hi) { return {Code::of(lo), Code::of(hi), 0}; }
constexpr Pattern prefix(std::string_view p) {
  return {Code::of(p), Code::of(p), static_cast<uint8_t>(p.size())};
}

constexpr bool matches(const Pattern& p, const Code& c) {
  if (p.prefix == 0) return p.low <= c && c <= p.high;
  const uint32_t n = p.prefix;
  const uint64_t hi_mask = n >= 8 ? ~uint64_t{0} : ~uint64_t{0} << (64 - 8 * n);
  const uint64_t lo_mask = n <= 8 ? 0 : n >= 16 ? ~uint64_t{0} : ~uint64_t{0} << (64 - 8 * (n - 8));
  return (c.hi & hi_mask) == (p.low.hi & hi_mask) && (c.lo & lo_mask) == (p.low.lo & lo_mask);
}

template <size_t N>
constexpr bool in_set(const std::array<Pattern, N>& set, const Code& c) {
  for (const Pattern& p : set)
    if (matches(p, c)) return true;
  return false;
}

// codes.cvn:57-59
constexpr std::array kCptAdvancedImaging{
    range("70450", "70498"), range("70540", "70559"), range("71250", "71275"), range("71550", "71555"),
    range("72125", "72159"), range("72191", "72198"), range("73200", "73225"), range("73700", "73725"),
    range("74150", "74185"), range("75557", "75574"), range("78811", "78816")};
// codes.cvn:60
constexpr std::array kCptEmergencyDepartmentVisits{range("99281", "99285")};
// codes.cvn:70-73
constexpr std::array kHcpcsChemotherapyDrugs{prefix("J9")};
constexpr std::array kHcpcsOutpatientClinicVisit{exact("G0463")};
constexpr std::array kHcpcsScreeningColonoscopy{exact("G0105"), exact("G0121")};
// codes.cvn:79-81
constexpr std::array kNcciBypassModifiers{
    exact("E1"), exact("E2"), exact("E3"), exact("E4"), exact("FA"), range("F1", "F9"), exact("LC"),
    exact("LD"), exact("LM"), exact("RC"), exact("RI"), exact("LT"), exact("RT"), exact("TA"),
    range("T1", "T9"), exact("24"), exact("25"), exact("57"), exact("58"), exact("78"), exact("79"),
    exact("27"), exact("59"), exact("91"), exact("XE"), exact("XP"), exact("XS"), exact("XU")};
// codes.cvn:84
constexpr std::array kRepeatServiceModifiers{exact("76"), exact("77"), exact("91")};
// codes.cvn:88
constexpr std::array kPreventiveServiceModifier{exact("33")};
// codes.cvn:129
constexpr std::array kPosEmergencyRoom{exact("23")};

// ppo:99
constexpr bool needs_prior_auth(const Code& code) {
  return in_set(kCptAdvancedImaging, code) || in_set(kHcpcsChemotherapyDrugs, code);
}

// ppo:104-119: units of a code per member, provider and day.
struct UnitsPerDay {
  Code code;
  int64_t most;
};
constexpr std::array kUnitsPerDay{
    UnitsPerDay{Code::of("29877"), 1}, UnitsPerDay{Code::of("29881"), 1}, UnitsPerDay{Code::of("43235"), 1},
    UnitsPerDay{Code::of("43239"), 1}, UnitsPerDay{Code::of("45378"), 1}, UnitsPerDay{Code::of("45385"), 1},
    UnitsPerDay{Code::of("70551"), 1}, UnitsPerDay{Code::of("70553"), 1}, UnitsPerDay{Code::of("72148"), 1},
    UnitsPerDay{Code::of("74176"), 1}, UnitsPerDay{Code::of("74177"), 1}, UnitsPerDay{Code::of("96413"), 1},
    UnitsPerDay{Code::of("G0463"), 2}, UnitsPerDay{Code::of("J9271"), 400}};

std::optional<int64_t> units_per_day(const Code& code) {
  for (const UnitsPerDay& u : kUnitsPerDay)
    if (u.code == code) return u.most;
  return std::nullopt;
}

// ppo:123-131: the code on the left is included in `column_one` the same day.
struct PairEdit {
  Code code;
  Code column_one;
  bool modifier_allowed;
};
constexpr std::array kBundledInto{
    PairEdit{Code::of("29877"), Code::of("29881"), true}, PairEdit{Code::of("43235"), Code::of("43239"), false},
    PairEdit{Code::of("45378"), Code::of("45385"), false}, PairEdit{Code::of("70551"), Code::of("70553"), false},
    PairEdit{Code::of("74176"), Code::of("74177"), false}, PairEdit{Code::of("96365"), Code::of("96413"), true}};

const PairEdit* bundled_into(const Code& code) {
  for (const PairEdit& p : kBundledInto)
    if (p.code == code) return &p;
  return nullptr;
}

// codes.cvn:93-121: any of a line's modifiers in the set.
template <size_t N>
bool any_modifier_in(const std::array<Code, 4>& modifiers, uint8_t count, const std::array<Pattern, N>& set) {
  for (uint8_t i = 0; i < count; ++i)
    if (in_set(set, modifiers[i])) return true;
  return false;
}

// ---- dates (days since 1970-01-01, proleptic Gregorian) -------------------------------------

constexpr int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr int64_t year_of(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (m <= 2);
}

// dates.cvn:72: a plan year is named by the calendar year it starts in.
constexpr int64_t plan_year_of(int64_t day) {
  const int64_t year = year_of(day);
  return day >= days_from_civil(year, kPlanYearMonth, kPlanYearDay) ? year : year - 1;
}

constexpr int64_t kFirstDay = days_from_civil(1, 1, 1);
constexpr int64_t kLastDay = days_from_civil(9999, 12, 31);

// ---- money -----------------------------------------------------------------------------------

// Money * Rate, rounded half up (the contract's `rounding half_up`; docs/LANGUAGE.md: the
// exact m × r / 10^9, its magnitude truncated, one unit more when the rest is half or more).
int64_t times_rate(int64_t cents, int64_t billionths) {
  __int128 p = static_cast<__int128>(cents) * billionths;
  const bool negative = p < 0;
  if (negative) p = -p;
  __int128 q = p / 1'000'000'000;
  if ((p % 1'000'000'000) * 2 >= 1'000'000'000) ++q;
  return static_cast<int64_t>(negative ? -q : q);
}

struct CostShare {
  int64_t deductible = 0;
  int64_t copay = 0;
  int64_t coinsurance = 0;
};

// claims.cvn:227: the copay, then the deductible, then coinsurance, all within the room left
// under the out-of-pocket maximum.
CostShare cost_share(int64_t allowed, const Benefit& b, int64_t deductible_left, int64_t oop_left) {
  CostShare s;
  int64_t room = std::max<int64_t>(oop_left, 0);
  s.copay = std::min(std::min(b.copay, allowed), room);
  room -= s.copay;
  if (b.deductible_applies) s.deductible = std::min(std::min(std::max<int64_t>(deductible_left, 0), allowed - s.copay), room);
  room -= s.deductible;
  s.coinsurance = std::min(times_rate(allowed - s.copay - s.deductible, b.coinsurance), room);
  return s;
}

// ---- the claim, checked against the contract's `Claim` record (claims.cvn:53-76) --------------

// A Code value: 1..16 printable ASCII characters, no spaces (docs/LANGUAGE.md, Literals).
bool valid_code(std::string_view text) {
  if (text.empty() || text.size() > 16) return false;
  for (char ch : text)
    if (ch <= ' ' || ch > '~') return false;
  return true;
}

bool valid_day(int64_t day) { return day >= kFirstDay && day <= kLastDay; }

// Why `c` cannot be a value of the contract's `Claim` record, or "".
std::string_view shape_problem(const claims::Claim& c) {
  if (c.lines.size() > kMaxLines) return "a claim holds at most 6 lines";
  if (c.diagnoses.size() > 12) return "a claim holds at most 12 diagnoses";
  if (!valid_code(c.provider)) return "the provider is not a code";
  if (!valid_day(c.received)) return "the received date is outside years 1..9999";
  for (const std::string& d : c.diagnoses)
    if (!valid_code(d)) return "a diagnosis is not a code";
  for (const claims::Line& l : c.lines) {
    if (!valid_code(l.code) || !valid_code(l.place)) return "a line's code or place is not a code";
    if (l.modifiers.size() > 4) return "a line holds at most 4 modifiers";
    for (const std::string& m : l.modifiers)
      if (!valid_code(m)) return "a modifier is not a code";
    if (l.diagnosis_pointers.size() > 4) return "a line holds at most 4 diagnosis pointers";
    if (!valid_day(l.service_date)) return "a service date is outside years 1..9999";
    if (l.prior_auth && !valid_code(*l.prior_auth)) return "an authorisation number is not a code";
  }
  return {};
}

// ---- state keys (ppo:138-156) ------------------------------------------------------------------

inline uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

inline uint64_t finish(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

// ppo:144: a member (by number, see State::member_ids), provider, day and code.
struct ServiceDay {
  uint32_t member = 0;
  int64_t day = 0;
  Code provider;
  Code code;
  friend bool operator==(const ServiceDay&, const ServiceDay&) = default;
};

struct ServiceDayHash {
  size_t operator()(const ServiceDay& s) const {
    uint64_t h = mix(s.member, static_cast<uint64_t>(s.day));
    h = mix(h, s.provider.hi);
    h = mix(h, s.provider.lo);
    h = mix(h, s.code.hi);
    h = mix(h, s.code.lo);
    return finish(h);
  }
};

// ppo:145: a service day and the line's first modifier.
struct ServiceKey {
  ServiceDay service;
  Code modifier;
  friend bool operator==(const ServiceKey&, const ServiceKey&) = default;
};

struct ServiceKeyHash {
  size_t operator()(const ServiceKey& k) const {
    return finish(mix(mix(ServiceDayHash{}(k.service), k.modifier.hi), k.modifier.lo));
  }
};

// ppo:134 with ppo:140: an authorisation and the units used of it.
struct AuthOnFile {
  uint32_t member = 0;
  Code code;
  int64_t from = 0;
  int64_t until = 0;
  int64_t units = 0;
  int64_t used = 0;  // authorised_units_used
};

// ppo:154: a line of a claim on file: its remittance, its service and what it counted.
struct LineOnFile {
  LineAdjudication remitted;
  ServiceKey service;
  AuthOnFile* auth = nullptr;  // the authorisation whose units it used (prior_auth of a code needing one)
  bool counted = false;
};

// ppo:152: a claim on file with its lines (lines_on_file, kept with the claim).
struct ClaimOnFile {
  uint32_t member = 0;
  ClaimStatus status = ClaimStatus::refused;
  bool active = false;
  std::vector<LineOnFile> lines;
};

// A member: the enrolment (ppo:138) and the accumulators of each plan year (ppo:141).
struct Member {
  std::string name;
  bool enrolled = false;
  int64_t from = 0;
  int64_t until = 0;
  std::vector<std::pair<int64_t, Accumulator>> years;

  Accumulator* year(int64_t plan_year) {
    for (auto& [y, acc] : years)
      if (y == plan_year) return &acc;
    return nullptr;
  }
  Accumulator& year_or_new(int64_t plan_year) {
    if (Accumulator* a = year(plan_year)) return *a;
    years.emplace_back(plan_year, Accumulator{});
    return years.back().second;
  }
};

// A line's fields as the rules read them, converted once.
struct LineView {
  const claims::Line* line = nullptr;
  Code code;
  Code place;
  std::array<Code, 4> modifiers{};
  uint8_t modifier_count = 0;
};

// ppo:263-271: what the line edits need to know of the claim.
struct ClaimContext {
  uint32_t member = 0;
  const Member* enrolment = nullptr;
  Code provider;
  int64_t received = 0;
  claims::Frequency frequency = claims::Frequency::original;
  int64_t diagnoses = 0;
  bool other_coverage = false;
  std::array<LineView, kMaxLines> lines;
  size_t line_count = 0;
};

struct Refusal {
  Group group;
  int64_t reason;
};

// claims.cvn:128: a line refused in full.
LineAdjudication refused_line(int64_t number, const LineView& v, const Refusal& r) {
  LineAdjudication l;
  l.number = number;
  l.code = v.code;
  l.service_date = v.line->service_date;
  l.units = v.line->units;
  l.submitted = v.line->charge;
  l.adjustment_count = 1;
  l.adjustments[0] = Adjustment{r.group, r.reason, v.line->charge};
  return l;
}

// claims.cvn:144: a priced line; zero amounts are not listed as adjustments.
LineAdjudication priced_line(int64_t number, const LineView& v, int64_t allowed, const CostShare& share,
                             bool to_secondary) {
  LineAdjudication l;
  l.number = number;
  l.code = v.code;
  l.service_date = v.line->service_date;
  l.units = v.line->units;
  l.submitted = v.line->charge;
  l.allowed = allowed;
  l.deductible = share.deductible;
  l.copay = share.copay;
  l.coinsurance = share.coinsurance;
  const int64_t owed = share.deductible + share.copay + share.coinsurance;
  l.paid = allowed - owed;
  (to_secondary ? l.secondary : l.patient) = owed;
  auto add = [&](Group g, int64_t reason, int64_t amount) { l.adjustments[l.adjustment_count++] = {g, reason, amount}; };
  if (v.line->charge > allowed) add(Group::co, kCarcFeeSchedule, v.line->charge - allowed);
  if (share.deductible > 0) add(Group::pr, kCarcDeductible, share.deductible);
  if (share.copay > 0) add(Group::pr, kCarcCopay, share.copay);
  if (share.coinsurance > 0) add(Group::pr, kCarcCoinsurance, share.coinsurance);
  return l;
}

// claims.cvn:177: every amount negated.
LineAdjudication reversed_line(const LineAdjudication& l) {
  LineAdjudication r = l;
  r.submitted = -l.submitted;
  r.allowed = -l.allowed;
  r.deductible = -l.deductible;
  r.copay = -l.copay;
  r.coinsurance = -l.coinsurance;
  r.paid = -l.paid;
  r.patient = -l.patient;
  r.secondary = -l.secondary;
  for (uint8_t i = 0; i < r.adjustment_count; ++i) r.adjustments[i].amount = -l.adjustments[i].amount;
  return r;
}

// Reads a fee schedule cell as written in the contract's CSV tables (docs/LANGUAGE.md,
// Tables): spaces around it ignored, RFC 4180 quotes removed.
std::string cell(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < text.size(); ++i) {
      out += text[i];
      if (text[i] == '"') ++i;
    }
    return out;
  }
  return std::string(text);
}

// Splits an RFC 4180 row at the commas outside quotes.
std::vector<std::string> split_row(const std::string& row) {
  std::vector<std::string> cells;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i <= row.size(); ++i) {
    if (i == row.size() || (row[i] == ',' && !quoted)) {
      cells.push_back(cell(std::string_view(row).substr(start, i - start)));
      start = i + 1;
    } else if (row[i] == '"') {
      quoted = !quoted;
    }
  }
  return cells;
}

// A Money<USD> cell: "92.00", "92.00 USD", "-1_500.5"; cents, or nullopt.
std::optional<int64_t> parse_cents(std::string_view text) {
  if (text.size() > 3 && text.substr(text.size() - 3) == "USD") {
    text.remove_suffix(3);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  }
  bool negative = false;
  if (!text.empty() && text.front() == '-') negative = true, text.remove_prefix(1);
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  int64_t whole = 0, cents = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] != '.'; ++i) {
    if (text[i] == '_') continue;
    if (text[i] < '0' || text[i] > '9' || whole > (INT64_MAX / 100 - 9) / 10) return std::nullopt;
    whole = whole * 10 + (text[i] - '0');
  }
  if (i < text.size()) {
    ++i;
    int digits = 0;
    for (; i < text.size(); ++i) {
      if (text[i] == '_') continue;
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      if (digits < 2) {
        cents = cents * 10 + (text[i] - '0');
      } else if (text[i] != '0') {
        return std::nullopt;  // more precision than a cent
      }
      ++digits;
    }
    if (digits == 1) cents *= 10;
  }
  const int64_t total = whole * 100 + cents;
  return negative ? -total : total;
}

// ---- the state ---------------------------------------------------------------------------------

struct CodeHash {
  size_t operator()(const Code& c) const { return finish(mix(c.hi, c.lo)); }
};

}  // namespace

struct NativePpo::State {
  std::unordered_map<Code, int64_t, CodeHash> fee_schedule;     // ppo:68
  std::unordered_map<std::string, uint32_t> member_ids;         // Pseudonym -> members[i]
  std::vector<Member> members;                                  // ppo:138, ppo:141
  std::unordered_map<std::string, AuthOnFile> authorisations;   // ppo:139, ppo:140
  std::unordered_map<ServiceDay, int64_t, ServiceDayHash> units_on_file;  // ppo:146
  std::unordered_set<ServiceKey, ServiceKeyHash> services_on_file;        // ppo:147
  std::unordered_map<std::string, ClaimOnFile> claims_on_file;            // ppo:155, ppo:156

  uint32_t member_id(const std::string& name) {
    auto [it, added] = member_ids.try_emplace(name, static_cast<uint32_t>(members.size()));
    if (added) members.push_back(Member{name});
    return it->second;
  }

  const Member* find_member(const std::string& name) const {
    auto it = member_ids.find(name);
    return it == member_ids.end() ? nullptr : &members[it->second];
  }

  static ServiceKey service_key(const ClaimContext& c, const LineView& v);
  std::optional<Refusal> first_refusal(const ClaimContext& c, const LineView& v, const ServiceKey& key,
                                       AuthOnFile*& auth) const;
  std::optional<Refusal> prior_auth_problem(const ClaimContext& c, const LineView& v, AuthOnFile*& auth) const;
  bool bundled(const ClaimContext& c, const LineView& v) const;
  LineAdjudication price(const ClaimContext& c, int64_t number, const LineView& v, const ServiceKey& key,
                         AuthOnFile* auth);
  void withdraw_line(const LineOnFile& l, uint32_t member);
  Adjudication remittance(const std::string& id, const ClaimOnFile& claim, bool reversal) const;
};

// ppo:339: the service of a line, under its first modifier or "--".
ServiceKey NativePpo::State::service_key(const ClaimContext& c, const LineView& v) {
  return ServiceKey{ServiceDay{c.member, v.line->service_date, c.provider, v.code},
                    v.modifier_count > 0 ? v.modifiers[0] : kNoModifier};
}

// ppo:278-320: the first rule that refuses a line, in the contract's order. The two checks
// that deny the whole claim (ppo:279-280) were made before anything was written.
std::optional<Refusal> NativePpo::State::first_refusal(const ClaimContext& c, const LineView& v,
                                                       const ServiceKey& key, AuthOnFile*& auth) const {
  const claims::Line& line = *v.line;
  // ppo:281, ppo:327: every pointer names a diagnosis, there is one; no service after receipt.
  bool pointers_valid = !line.diagnosis_pointers.empty();
  for (int64_t p : line.diagnosis_pointers)
    if (p < 1 || p > c.diagnoses) pointers_valid = false;
  if (!pointers_valid || line.service_date > c.received) return Refusal{Group::co, kCarcMissingInformation};
  // ppo:284-290: the coverage period, both ends covered.
  if (line.service_date < c.enrolment->from) return Refusal{Group::co, kCarcBeforeCoverage};
  if (line.service_date > c.enrolment->until) return Refusal{Group::co, kCarcAfterCoverage};
  // ppo:291-294, dates.cvn:109: received from the service date through the deadline.
  const int64_t limit = c.frequency == claims::Frequency::original ? kFilingLimit : kCorrectedFilingLimit;
  if (!(c.received >= line.service_date && c.received <= line.service_date + limit))
    return Refusal{Group::co, kCarcTimelyFiling};
  // ppo:295: paid before, unless marked a repeat.
  if (services_on_file.contains(key) && !any_modifier_in(v.modifiers, v.modifier_count, kRepeatServiceModifiers))
    return Refusal{Group::oa, kCarcDuplicate};
  // ppo:298
  if (!fee_schedule.contains(v.code)) return Refusal{Group::co, kCarcNotCovered};
  // ppo:301-306
  if (needs_prior_auth(v.code))
    if (auto problem = prior_auth_problem(c, v, auth)) return problem;
  // ppo:307
  if (bundled(c, v)) return Refusal{Group::co, kCarcBundled};
  // ppo:310-318: the day's units, whatever the modifier.
  if (auto most = units_per_day(v.code)) {
    auto it = units_on_file.find(key.service);
    const int64_t before = it == units_on_file.end() ? 0 : it->second;
    if (before + line.units > *most) return Refusal{Group::co, kCarcFrequencyLimit};
  }
  return std::nullopt;
}

// ppo:348-370: an authorisation of this member, code and day with the units left.
std::optional<Refusal> NativePpo::State::prior_auth_problem(const ClaimContext& c, const LineView& v,
                                                            AuthOnFile*& auth) const {
  if (!v.line->prior_auth) return Refusal{Group::co, kCarcPriorAuthAbsent};
  auto it = authorisations.find(*v.line->prior_auth);
  if (it == authorisations.end()) return Refusal{Group::co, kCarcPriorAuthAbsent};
  const AuthOnFile& a = it->second;
  const int64_t day = v.line->service_date;
  if (a.member != c.member || a.code != v.code || day < a.from || day > a.until)
    return Refusal{Group::co, kCarcPriorAuthAbsent};
  if (a.used + v.line->units > a.units) return Refusal{Group::co, kCarcPriorAuthExceeded};
  // The map's nodes are stable; pricing the line adds its units to this authorisation.
  auth = const_cast<AuthOnFile*>(&a);
  return std::nullopt;
}

// ppo:374-393: the column-one code on this claim the same day, or paid the same day before.
bool NativePpo::State::bundled(const ClaimContext& c, const LineView& v) const {
  const PairEdit* pair = bundled_into(v.code);
  if (pair == nullptr) return false;
  if (pair->modifier_allowed && any_modifier_in(v.modifiers, v.modifier_count, kNcciBypassModifiers)) return false;
  const int64_t day = v.line->service_date;
  for (size_t i = 0; i < c.line_count; ++i)
    if (c.lines[i].code == pair->column_one && c.lines[i].line->service_date == day) return true;
  auto it = units_on_file.find(ServiceDay{c.member, day, c.provider, pair->column_one});
  return it != units_on_file.end() && it->second > 0;
}

// ppo:399-421: prices a line that passed every edit and counts it.
LineAdjudication NativePpo::State::price(const ClaimContext& c, int64_t number, const LineView& v,
                                         const ServiceKey& key, AuthOnFile* auth) {
  const claims::Line& line = *v.line;
  const int64_t rate = fee_schedule.find(v.code)->second;
  const int64_t allowed = std::min(line.charge, rate * line.units);
  // ppo:77-88: the class of service picks the benefit (ppo:90-97).
  const Benefit* benefit = &kStandard;
  if (in_set(kHcpcsScreeningColonoscopy, v.code) ||
      any_modifier_in(v.modifiers, v.modifier_count, kPreventiveServiceModifier))
    benefit = &kPreventive;
  else if (in_set(kHcpcsOutpatientClinicVisit, v.code))
    benefit = &kClinicVisit;
  else if (in_set(kCptEmergencyDepartmentVisits, v.code) && in_set(kPosEmergencyRoom, v.place))
    benefit = &kEmergency;
  Accumulator& acc = members[c.member].year_or_new(plan_year_of(line.service_date));
  const CostShare share = cost_share(allowed, *benefit, kDeductible - acc.deductible, kOopMax - acc.out_of_pocket);
  acc.deductible += share.deductible;
  acc.out_of_pocket += share.deductible + share.copay + share.coinsurance;
  services_on_file.insert(key);
  units_on_file[key.service] += line.units;
  if (auth != nullptr) auth->used += line.units;
  return priced_line(number, v, allowed, share, c.other_coverage);
}

// ppo:432-458: takes back what a line of a withdrawn claim counted.
void NativePpo::State::withdraw_line(const LineOnFile& l, uint32_t member) {
  if (!l.counted) return;
  services_on_file.erase(l.service);
  auto it = units_on_file.find(l.service.service);
  const int64_t units = (it == units_on_file.end() ? 0 : it->second) - l.remitted.units;
  if (units > 0) {
    if (it == units_on_file.end())
      units_on_file.emplace(l.service.service, units);
    else
      it->second = units;
  } else if (it != units_on_file.end()) {
    units_on_file.erase(it);
  }
  if (l.auth != nullptr) l.auth->used -= l.remitted.units;
  Accumulator& acc = members[member].year_or_new(plan_year_of(l.remitted.service_date));
  acc.deductible -= l.remitted.deductible;
  acc.out_of_pocket -= l.remitted.deductible + l.remitted.copay + l.remitted.coinsurance;
}

// ppo:463-485: the remittance from the lines on file; a reversal negates every amount.
Adjudication NativePpo::State::remittance(const std::string& id, const ClaimOnFile& claim, bool reversal) const {
  Adjudication out;
  out.claim = id;
  out.member = members[claim.member].name;
  out.status = reversal ? ClaimStatus::reversal : claim.status;
  for (const LineOnFile& kept : claim.lines) {
    const LineAdjudication& l = out.lines[out.line_count++] = reversal ? reversed_line(kept.remitted) : kept.remitted;
    out.submitted += l.submitted;
    out.paid += l.paid;
    out.patient += l.patient;
    out.secondary += l.secondary;
  }
  return out;
}

std::string Code::text() const {
  std::string out;
  for (int i = 0; i < 16; ++i) {
    const uint64_t word = i < 8 ? hi : lo;
    const char ch = static_cast<char>((word >> (56 - 8 * (i % 8))) & 0xff);
    if (ch == 0) break;
    out += ch;
  }
  return out;
}

// ---- entries -----------------------------------------------------------------------------------

NativePpo::NativePpo(const std::filesystem::path& fee_schedule_csv) : s_(std::make_unique<State>()) {
  std::ifstream in(fee_schedule_csv, std::ios::binary);
  if (!in) throw std::runtime_error(fee_schedule_csv.string() + ": cannot be read");
  std::string row;
  size_t number = 0;
  bool header = true;
  while (std::getline(in, row)) {
    ++number;
    const std::string where = fee_schedule_csv.string() + ":" + std::to_string(number) + ": ";
    if (cell(row).empty()) continue;
    std::vector<std::string> cells = split_row(row);
    if (cells.size() != 2) throw std::runtime_error(where + "expected two cells");
    if (header) {
      header = false;
      continue;
    }
    if (!valid_code(cells[0])) throw std::runtime_error(where + "not a code: " + cells[0]);
    auto cents = parse_cents(cells[1]);
    if (!cents) throw std::runtime_error(where + "not an amount in USD: " + cells[1]);
    // A negative rate would make the contract deny every claim that priced such a code
    // (claims.cvn:148); a schedule holds none.
    if (*cents < 0) throw std::runtime_error(where + "a negative rate: " + cells[1]);
    if (!s_->fee_schedule.emplace(Code::of(cells[0]), *cents).second)
      throw std::runtime_error(where + "a code listed twice: " + cells[0]);
  }
  if (header) throw std::runtime_error(fee_schedule_csv.string() + ": no header row");
}

NativePpo::~NativePpo() = default;

size_t NativePpo::fee_schedule_size() const { return s_->fee_schedule.size(); }

// ppo:161-163, dates.cvn:15.
std::optional<Denial> NativePpo::enrol(const std::string& member, int64_t from, int64_t until) {
  if (until < from) return Denial{std::nullopt, "a period cannot end before it starts"};
  Member& m = s_->members[s_->member_id(member)];
  m.enrolled = true;
  m.from = from;
  m.until = until;
  return std::nullopt;
}

// ppo:166-170.
std::optional<Denial> NativePpo::authorise(const std::string& number, const Authorisation& a) {
  if (a.units <= 0) return Denial{std::nullopt, "an authorisation covers at least one unit"};
  if (s_->authorisations.contains(number)) return Denial{std::nullopt, "this authorisation number is taken"};
  s_->authorisations.emplace(number, AuthOnFile{s_->member_id(a.member), Code::of(a.code), a.from, a.until, a.units, 0});
  return std::nullopt;
}

// ppo:177-237.
Outcome NativePpo::adjudicate(const claims::Claim& c) {
  Outcome out;
  auto deny = [&out](int64_t code, std::string_view reason) {
    out.kind = Outcome::Kind::denied;
    out.denial = Denial{code, reason};
    return out;
  };
  if (std::string_view problem = shape_problem(c); !problem.empty()) {
    out.kind = Outcome::Kind::invalid;
    out.invalid_reason = problem;
    return out;
  }
  State& s = *s_;
  // ppo:178-180.
  if (c.lines.empty()) return deny(kCarcMissingInformation, "a claim needs at least one line");
  auto member_it = s.member_ids.find(c.member);
  if (member_it == s.member_ids.end() || !s.members[member_it->second].enrolled)
    return deny(kCarcNotInsured, "the member is not enrolled");
  const uint32_t member = member_it->second;
  if (s.claims_on_file.contains(c.id)) return deny(kCarcDuplicate, "this claim was already adjudicated");
  // ppo:181-191: what a correction names must be an active claim of the member.
  ClaimOnFile* old = nullptr;
  if (c.frequency == claims::Frequency::original) {
    if (c.replaces) return deny(kCarcMissingInformation, "an original claim replaces nothing");
  } else {
    if (!c.replaces) return deny(kCarcMissingInformation, "a replacement or void names the claim it corrects");
    auto it = s.claims_on_file.find(*c.replaces);
    if (it == s.claims_on_file.end() || !it->second.active)
      return deny(kCarcMissingInformation, "the claim to correct is not on file, or was withdrawn");
    if (it->second.member != member) return deny(kCarcMissingInformation, "the claim to correct is another member's");
    old = &it->second;
  }
  // ppo:279-280: a line without units or with a negative charge denies the whole claim. The
  // contract finds it while pricing, after the withdrawal; its denial undoes everything, so
  // checking first and writing nothing is the same. A void prices no line (ppo:200).
  if (c.frequency != claims::Frequency::void_) {
    for (const claims::Line& l : c.lines) {
      if (l.units <= 0) return deny(kCarcMissingInformation, "a line must bill at least one unit");
      if (l.charge < 0) return deny(kCarcMissingInformation, "a charge cannot be negative");
    }
  }
  // ppo:192-205: withdraw the corrected claim; a void answers its reversal.
  if (old != nullptr) {
    for (const LineOnFile& l : old->lines) s.withdraw_line(l, member);
    old->active = false;
    if (c.frequency == claims::Frequency::void_) {
      s.claims_on_file.emplace(c.id, ClaimOnFile{member, ClaimStatus::reversal, false, {}});
      // The emplace may rehash; `old` (a node) stays valid.
      out.adjudication = s.remittance(*c.replaces, *old, true);
      return out;
    }
  }
  // ppo:207-236: the lines in order, each refused or priced and kept on file.
  ClaimContext ctx;
  ctx.member = member;
  ctx.enrolment = &s.members[member];
  ctx.provider = Code::of(c.provider);
  ctx.received = c.received;
  ctx.frequency = c.frequency;
  ctx.diagnoses = static_cast<int64_t>(c.diagnoses.size());
  ctx.other_coverage = c.other_coverage;
  ctx.line_count = c.lines.size();
  for (size_t i = 0; i < ctx.line_count; ++i) {
    const claims::Line& l = c.lines[i];
    LineView& v = ctx.lines[i];
    v.line = &l;
    v.code = Code::of(l.code);
    v.place = Code::of(l.place);
    v.modifier_count = static_cast<uint8_t>(l.modifiers.size());
    for (size_t m = 0; m < l.modifiers.size(); ++m) v.modifiers[m] = Code::of(l.modifiers[m]);
  }
  ClaimOnFile claim{member, ClaimStatus::refused, true, {}};
  claim.lines.reserve(ctx.line_count);
  Adjudication& a = out.adjudication;
  for (size_t i = 0; i < ctx.line_count; ++i) {
    const LineView& v = ctx.lines[i];
    const int64_t number = static_cast<int64_t>(i) + 1;
    const ServiceKey key = State::service_key(ctx, v);
    AuthOnFile* auth = nullptr;
    LineOnFile kept;
    kept.service = key;
    if (auto refusal = s.first_refusal(ctx, v, key, auth)) {
      kept.remitted = refused_line(number, v, *refusal);
    } else {
      kept.remitted = s.price(ctx, number, v, key, auth);
      kept.auth = auth;
      kept.counted = true;
      claim.status = c.other_coverage ? ClaimStatus::forwarded : ClaimStatus::primary;
    }
    const LineAdjudication& l = a.lines[a.line_count++] = kept.remitted;
    a.submitted += l.submitted;
    a.paid += l.paid;
    a.patient += l.patient;
    a.secondary += l.secondary;
    claim.lines.push_back(kept);
  }
  a.claim = c.id;
  a.member = c.member;
  a.status = claim.status;
  s.claims_on_file.emplace(c.id, std::move(claim));
  return out;
}

// ppo:240-243.
std::optional<Adjudication> NativePpo::remittance_of(const std::string& claim) const {
  auto it = s_->claims_on_file.find(claim);
  if (it == s_->claims_on_file.end()) return std::nullopt;
  return s_->remittance(claim, it->second, false);
}

// ppo:246-249.
std::optional<LineAdjudication> NativePpo::remitted(const std::string& claim, int64_t number) const {
  auto it = s_->claims_on_file.find(claim);
  if (it == s_->claims_on_file.end() || number < 1 || number > static_cast<int64_t>(it->second.lines.size()))
    return std::nullopt;
  return it->second.lines[static_cast<size_t>(number - 1)].remitted;
}

// ppo:252-254.
Accumulator NativePpo::accumulated(const std::string& member, int64_t plan_year) const {
  const Member* m = s_->find_member(member);
  if (m == nullptr) return {};
  for (const auto& [y, acc] : m->years)
    if (y == plan_year) return acc;
  return {};
}

}  // namespace covenant::native_ppo
