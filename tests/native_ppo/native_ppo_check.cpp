// The native PPO check: bench/native_ppo (the commercial PPO plan written in C++) must answer
// exactly as contracts/claims/commercial_ppo.cvn compiled and run on the VM. A deterministic
// stream of calls (SplitMix64) is made of enrolments, authorisations, claims and read-backs:
// members enrolled over various periods and some never, authorisations right and wrong,
// claims on time and late, duplicates and repeats, replacements and voids of earlier claims
// (and of withdrawn, foreign and unknown ones), procedure pairs with and without bypass
// modifiers, units over the day's limit, emergency visits, preventive services, secondary
// coverage and members who reach the out-of-pocket maximum. Each call goes to both with the
// same state history; every field of every answer is compared (a denial by code and reason).
//
// Prints how often each outcome and each CARC occurred, so coverage is visible, and the
// native plan's claims per second over the same stream. Fails at the first difference,
// printing the call and both answers.
//
//   covenant-native-ppo-check [claims] [--native-only]
//
// `claims` defaults to 30000; --native-only skips the VM and only times the native plan on
// the stream (for measuring it on more claims than the VM can run through quickly).

#include <openssl/sha.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "bench/native_ppo/commercial_ppo.hpp"
#include "compiler/driver.hpp"
#include "runtime/abi.hpp"
#include "runtime/contract_call.hpp"
#include "runtime/memory_state.hpp"
#include "vm/machine.hpp"

namespace fs = std::filesystem;
using namespace covenant;
using native_ppo::Adjudication;
using native_ppo::Accumulator;
using native_ppo::ClaimStatus;
using native_ppo::Code;
using native_ppo::Group;
using native_ppo::LineAdjudication;

namespace {

const fs::path kContract = fs::path(COVENANT_SOURCE_DIR) / "contracts/claims/commercial_ppo.cvn";
const fs::path kFeeSchedule = fs::path(COVENANT_SOURCE_DIR) / "contracts/claims/commercial_ppo_fee_schedule.csv";

// ---- values --------------------------------------------------------------------------------

struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [lo, hi].
  int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1)); }
  /// True with probability `p` percent.
  bool chance(double p) { return static_cast<double>(next() % 1'000'000) < p * 10'000.0; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[next() % v.size()]; }
};

std::string hex_sha256(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) out += digits[b >> 4], out += digits[b & 15];
  return out;
}

/// Hex of the SHA-256 of an identifier, computed once: claims and members reach the VM as
/// the hashes of their identifiers, as the simulator sends them.
const std::string& hashed(const std::string& id) {
  static std::unordered_map<std::string, std::string> cache;
  auto [it, added] = cache.try_emplace(id);
  if (added) it->second = hex_sha256(id);
  return it->second;
}

int64_t day(int64_t y, int64_t m, int64_t d) { return runtime::days_from_civil(y, m, d); }

std::string date_text(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04" PRId64 "-%02" PRId64 "-%02" PRId64, y, m, d);
  return buf;
}

std::string money_text(int64_t cents) {
  const uint64_t mag = cents < 0 ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%02" PRIu64 " USD", cents < 0 ? "-" : "", mag / 100, mag % 100);
  return buf;
}

std::string quoted(const std::string& s) { return runtime::json_string(s); }

// ---- the stream of calls --------------------------------------------------------------------

struct Enrol {
  std::string member;
  int64_t from, until;
};
struct Authorise {
  std::string number;
  native_ppo::Authorisation a;
};
struct ClaimCall {
  claims::Claim claim;
};
struct RemittanceOf {
  std::string claim;
};
struct Remitted {
  std::string claim;
  int64_t number;
};
struct Accumulated {
  std::string member;
  int64_t plan_year;
};
using Call = std::variant<Enrol, Authorise, ClaimCall, RemittanceOf, Remitted, Accumulated>;

std::string args_json(const Enrol& e) {
  return "{\"member\":\"" + hashed(e.member) + "\",\"from\":\"" + date_text(e.from) + "\",\"until\":\"" +
         date_text(e.until) + "\"}";
}

std::string args_json(const Authorise& x) {
  return "{\"number\":" + quoted(x.number) + ",\"a\":{\"member\":\"" + hashed(x.a.member) + "\",\"code\":" +
         quoted(x.a.code) + ",\"valid\":{\"from\":\"" + date_text(x.a.from) + "\",\"until\":\"" +
         date_text(x.a.until) + "\"},\"units\":" + std::to_string(x.a.units) + "}}";
}

std::string args_json(const ClaimCall& x) {
  const claims::Claim& c = x.claim;
  static const char* frequencies[] = {"original", "replacement", "void"};
  std::string j = "{\"c\":{\"id\":\"" + hashed(c.id) + "\",\"member\":\"" + hashed(c.member) +
                  "\",\"provider\":" + quoted(c.provider) + ",\"received\":\"" + date_text(c.received) +
                  "\",\"frequency\":\"" + frequencies[static_cast<int>(c.frequency)] + "\",\"replaces\":" +
                  (c.replaces ? "\"" + hashed(*c.replaces) + "\"" : std::string("null")) + ",\"diagnoses\":[";
  for (size_t i = 0; i < c.diagnoses.size(); ++i) j += (i ? "," : "") + quoted(c.diagnoses[i]);
  j += std::string("],\"other_coverage\":") + (c.other_coverage ? "true" : "false") + ",\"lines\":[";
  for (size_t i = 0; i < c.lines.size(); ++i) {
    const claims::Line& l = c.lines[i];
    j += (i ? ",{" : "{");
    j += "\"code\":" + quoted(l.code) + ",\"modifiers\":[";
    for (size_t m = 0; m < l.modifiers.size(); ++m) j += (m ? "," : "") + quoted(l.modifiers[m]);
    j += "],\"units\":" + std::to_string(l.units) + ",\"charge\":\"" + money_text(l.charge) + "\",\"service_date\":\"" +
         date_text(l.service_date) + "\",\"place\":" + quoted(l.place) + ",\"diagnosis_pointers\":[";
    for (size_t p = 0; p < l.diagnosis_pointers.size(); ++p)
      j += (p ? "," : "") + std::to_string(l.diagnosis_pointers[p]);
    j += "],\"prior_auth\":" + (l.prior_auth ? quoted(*l.prior_auth) : std::string("null")) + "}";
  }
  return j + "]}}";
}

std::string args_json(const RemittanceOf& x) { return "{\"claim\":\"" + hashed(x.claim) + "\"}"; }
std::string args_json(const Remitted& x) {
  return "{\"claim\":\"" + hashed(x.claim) + "\",\"number\":" + std::to_string(x.number) + "}";
}
std::string args_json(const Accumulated& x) {
  return "{\"member\":\"" + hashed(x.member) + "\",\"plan_year\":" + std::to_string(x.plan_year) + "}";
}

const char* entry_name(const Call& c) {
  static const char* names[] = {"enrol", "authorise", "adjudicate", "remittance_of", "remitted", "accumulated"};
  return names[c.index()];
}

/// Claims (and the calls around them) as a payer sees them over two and a half years.
class Generator {
 public:
  Generator(uint64_t seed, std::vector<std::string> schedule_codes)
      : rng_{seed}, schedule_codes_(std::move(schedule_codes)) {}

  std::vector<Call> make(size_t claims) {
    const int64_t start = day(2026, 7, 1);
    const int64_t span = 900;
    for (int i = 0; i < kMembers; ++i) {
      const std::string m = member(i);
      other_coverage_.push_back(rng_.chance(15));
      if (rng_.chance(95)) {
        // Mostly covered throughout, some for a shorter time (CO-26, CO-27 around the ends).
        const int64_t from = start - rng_.range(0, 500);
        const int64_t length = rng_.chance(80) ? rng_.range(1300, 2200) : rng_.range(60, 1300);
        calls_.push_back(Enrol{m, from, from + length});
      }
    }
    for (size_t n = 0; n < claims; ++n) {
      today_ = start + static_cast<int64_t>(n) * span / static_cast<int64_t>(claims);
      if (rng_.chance(0.8)) re_enrol();
      claim(n);
      if (rng_.chance(6)) read_back();
    }
    return std::move(calls_);
  }

 private:
  static constexpr int kMembers = 2500;

  static std::string member(int i) { return "member-" + std::to_string(i); }

  void re_enrol() {
    const int i = static_cast<int>(rng_.range(0, kMembers - 1));
    const int64_t from = today_ - rng_.range(-60, 400);
    // Now and then a period that ends before it starts (denied).
    const int64_t until = rng_.chance(5) ? from - rng_.range(1, 30) : from + rng_.range(30, 900);
    calls_.push_back(Enrol{member(i), from, until});
  }

  void read_back() {
    const int kind = static_cast<int>(rng_.range(0, 2));
    if (kind == 0 || history_.empty()) {
      calls_.push_back(Accumulated{member(static_cast<int>(rng_.range(0, kMembers - 1))), rng_.range(2024, 2029)});
      return;
    }
    const std::string id = rng_.chance(5) ? "CLM-unknown" : rng_.pick(history_).id;
    if (kind == 1)
      calls_.push_back(RemittanceOf{id});
    else
      calls_.push_back(Remitted{id, rng_.range(0, 7)});
  }

  // A member: mostly a busy few hundred (who meet deductibles and out-of-pocket maxima),
  // sometimes someone never enrolled.
  std::string pick_member() {
    if (rng_.chance(2)) return "stranger-" + std::to_string(rng_.range(0, 400));
    if (rng_.chance(60)) return member(static_cast<int>(rng_.range(0, 299)));
    return member(static_cast<int>(rng_.range(0, kMembers - 1)));
  }

  std::string provider() {
    static const std::vector<std::string> npis = {"1234567893", "1972902351", "1497758544", "1003000126",
                                                  "1285677807"};
    return rng_.chance(70) ? npis[rng_.next() % 2] : rng_.pick(npis);
  }

  int64_t rate_guess(const std::string& code) {
    static const std::map<std::string, int64_t> rates = {
        {"G0463", 136'02}, {"99285", 608'43}, {"70551", 243'77}, {"70553", 356'43}, {"45378", 950'10},
        {"G0121", 950'10}, {"29877", 3342'87}, {"29881", 3342'87}, {"66984", 2357'81}, {"71046", 88'91},
        {"J9271", 61'25}};
    auto it = rates.find(code);
    return it == rates.end() ? rng_.range(20'00, 3'000'00) : it->second;
  }

  struct Choice {
    std::string code;
    int64_t units = 1;
    std::string place = "22";
  };

  Choice pick_code() {
    Choice c;
    const int64_t r = rng_.range(0, 999);
    static const std::vector<std::string> imaging = {"70551", "70553", "72148", "74176", "74177"};
    static const std::vector<std::string> other_imaging = {"70450", "70496", "71250", "71275", "72125",
                                                           "73221", "74150", "75571", "78815", "70540"};
    static const std::vector<std::string> uncovered = {"99213", "0042T", "A0428", "99499", "T1015", "Z9999"};
    if (r < 150) {
      c.code = "G0463";
      if (rng_.chance(12)) c.units = rng_.range(2, 3);
    } else if (r < 250) {
      c.code = "9928" + std::to_string(rng_.range(1, 5));
      if (rng_.chance(70)) c.place = "23";
    } else if (r < 290) {
      c.code = rng_.chance(50) ? "G0121" : "G0105";
    } else if (r < 340) {
      c.code = rng_.chance(50) ? "45378" : "45385";
    } else if (r < 370) {
      c.code = rng_.chance(50) ? "43235" : "43239";
    } else if (r < 420) {
      c.code = rng_.chance(50) ? "29877" : "29881";
    } else if (r < 520) {
      c.code = rng_.pick(imaging);
      if (rng_.chance(5)) c.units = 2;
    } else if (r < 550) {
      c.code = rng_.pick(other_imaging);
    } else if (r < 600) {
      c.code = "J9271";
      c.units = rng_.chance(20) ? rng_.range(380, 450) : rng_.range(50, 400);
    } else if (r < 620) {
      c.code = "J9" + std::to_string(rng_.range(0, 399) + 100);  // J9100..J9499, some without a rate
      c.units = rng_.range(1, 20);
    } else if (r < 660) {
      c.code = rng_.chance(50) ? "96413" : "96365";
    } else if (r < 690) {
      c.code = "66984";
    } else if (r < 720) {
      c.code = "71046";
    } else if (r < 750) {
      c.code = "20610";
    } else if (r < 790) {
      c.code = rng_.pick(uncovered);
    } else {
      c.code = rng_.pick(schedule_codes_);
      if (rng_.chance(5)) c.units = rng_.range(2, 4);
    }
    return c;
  }

  std::vector<std::string> pick_modifiers() {
    static const std::vector<std::string> pool = {"59", "76", "77", "91", "XS", "XU", "XE", "LT", "RT", "33",
                                                  "25", "26", "TC", "F1", "F10", "T5", "E1", "50", "GA"};
    std::vector<std::string> out;
    if (rng_.chance(70)) return out;
    const int64_t n = rng_.chance(80) ? 1 : rng_.range(2, 4);
    for (int64_t i = 0; i < n; ++i) out.push_back(rng_.pick(pool));
    return out;
  }

  // An authorisation for `line` of `member`, mostly right, sometimes for someone or something
  // else, another window, too few units, a number already taken or no unit at all.
  std::string authorise_for(const std::string& m, const claims::Line& line) {
    Authorise a;
    a.number = "PA-" + std::to_string(next_auth_++);
    if (rng_.chance(2) && next_auth_ > 2) a.number = "PA-" + std::to_string(rng_.range(1, next_auth_ - 2));
    a.a.member = rng_.chance(92) ? m : member(static_cast<int>(rng_.range(0, kMembers - 1)));
    a.a.code = rng_.chance(92) ? line.code : "70553";
    a.a.from = line.service_date - rng_.range(0, 40);
    a.a.until = line.service_date + rng_.range(0, 60);
    if (rng_.chance(6)) a.a.until = line.service_date - rng_.range(1, 10);  // expired
    a.a.units = line.code == "J9271" ? rng_.range(300, 1200) : rng_.range(1, 3);
    if (rng_.chance(2)) a.a.units = 0;
    calls_.push_back(a);
    return a.number;
  }

  void claim(size_t n) {
    const int64_t roll = rng_.range(0, 999);
    if (roll < 80 && !history_.empty()) return duplicate(n);
    if (roll < 140 && !history_.empty()) return correction(n, claims::Frequency::replacement);
    if (roll < 180 && !history_.empty()) return correction(n, claims::Frequency::void_);
    claims::Claim c;
    c.id = "CLM-" + std::to_string(n);
    c.member = pick_member();
    c.provider = provider();
    c.received = today_;
    static const std::vector<std::string> diagnoses = {"K635", "Z1211", "R0789", "E119", "I10", "M1711",
                                                       "C3490", "S83241A", "H2513", "J189"};
    const int64_t nd = rng_.range(1, 4);
    for (int64_t i = 0; i < nd; ++i) c.diagnoses.push_back(rng_.pick(diagnoses));
    const int64_t member_index = c.member.starts_with("member-") ? std::stoll(c.member.substr(7)) : 0;
    c.other_coverage = other_coverage_[static_cast<size_t>(member_index)] != rng_.chance(3);
    // The day of service: mostly within a month, sometimes late, now and then in the future.
    const int64_t lag = rng_.chance(85)   ? rng_.range(0, 30)
                        : rng_.chance(55) ? rng_.range(31, 180)
                        : rng_.chance(90) ? rng_.range(170, 420)
                                          : -rng_.range(1, 5);
    const int64_t base = today_ - lag;
    const int64_t lines = rng_.chance(10) ? rng_.range(4, 6) : rng_.range(1, 3);
    for (int64_t i = 0; i < lines; ++i) {
      claims::Line l;
      Choice ch = pick_code();
      // Pairs: the column-one code beside its included one, the same day.
      if (i > 0 && rng_.chance(30)) {
        static const std::map<std::string, std::string> partner = {
            {"29877", "29881"}, {"29881", "29877"}, {"43235", "43239"}, {"43239", "43235"},
            {"45378", "45385"}, {"45385", "45378"}, {"70551", "70553"}, {"70553", "70551"},
            {"74176", "74177"}, {"74177", "74176"}, {"96365", "96413"}, {"96413", "96365"}};
        auto it = partner.find(c.lines.back().code);
        if (it != partner.end()) ch = Choice{it->second, 1, "22"};
      }
      l.code = ch.code;
      l.units = ch.units;
      l.place = ch.place;
      l.modifiers = pick_modifiers();
      if (ch.code == "45378" && rng_.chance(20)) l.modifiers = {"33"};
      l.service_date = rng_.chance(75) ? base : base - rng_.range(0, 3);
      const int64_t rate = rate_guess(l.code);
      l.charge = rng_.chance(5) ? rng_.range(0, 100'00) : rate * l.units * rng_.range(60, 300) / 100;
      if (rng_.chance(0.3)) l.units = 0;
      if (rng_.chance(0.3)) l.charge = -rng_.range(1, 100'00);
      l.diagnosis_pointers = {1};
      if (nd > 1 && rng_.chance(40)) l.diagnosis_pointers.push_back(rng_.range(2, nd));
      if (rng_.chance(2)) l.diagnosis_pointers.clear();
      if (rng_.chance(2)) l.diagnosis_pointers.push_back(rng_.chance(50) ? 0 : nd + 1);
      const bool auth_code = l.code.starts_with("J9") || l.code.starts_with("7");
      if (auth_code) {
        if (rng_.chance(80))
          l.prior_auth = authorise_for(c.member, l);
        else if (rng_.chance(40))
          l.prior_auth = "PA-" + std::to_string(rng_.range(1, next_auth_ + 10));
      } else if (rng_.chance(2)) {
        l.prior_auth = "PA-" + std::to_string(rng_.range(1, next_auth_ + 10));
      }
      c.lines.push_back(std::move(l));
    }
    // Malformed claims: no lines, an original that names a claim, a used claim number.
    if (rng_.chance(0.3)) c.lines.clear();
    if (rng_.chance(0.5) && !history_.empty()) c.replaces = rng_.pick(history_).id;
    if (rng_.chance(0.7) && !history_.empty()) c.id = rng_.pick(history_).id;
    remember(c);
  }

  // The same service billed again: as it was, or with a repeat modifier, received later.
  void duplicate(size_t n) {
    claims::Claim c = rng_.pick(history_);
    c.id = "CLM-" + std::to_string(n);
    c.frequency = claims::Frequency::original;
    c.replaces.reset();
    c.received = std::max(c.received, today_ - rng_.range(0, 20));
    for (claims::Line& l : c.lines) {
      if (rng_.chance(25)) l.modifiers = {rng_.chance(50) ? "76" : rng_.chance(50) ? "77" : "91"};
      if (rng_.chance(20)) l.service_date -= 1;
    }
    remember(c);
  }

  // A replacement or void of an earlier claim: mostly the member's own and still active,
  // sometimes one already withdrawn, another member's, or one never filed.
  void correction(size_t n, claims::Frequency frequency) {
    claims::Claim c = rng_.pick(history_);
    const std::string corrected = c.id;
    c.id = "CLM-" + std::to_string(n);
    c.frequency = frequency;
    c.replaces = corrected;
    if (rng_.chance(3)) c.replaces = "CLM-never-filed";
    if (rng_.chance(3)) c.member = pick_member();
    if (rng_.chance(1)) c.replaces.reset();
    c.received = std::max(c.received, today_ - rng_.range(0, 60));
    if (frequency == claims::Frequency::replacement) {
      for (claims::Line& l : c.lines)
        if (rng_.chance(50)) l.charge = l.charge * rng_.range(50, 120) / 100;
      if (c.lines.size() > 1 && rng_.chance(30)) c.lines.pop_back();
      if (rng_.chance(1)) c.lines.front().units = 0;
    }
    if (rng_.chance(1)) c.lines.clear();
    remember(c);
  }

  void remember(const claims::Claim& c) {
    calls_.push_back(ClaimCall{c});
    if (!c.lines.empty()) history_.push_back(c);
    if (history_.size() > 4000) history_.erase(history_.begin(), history_.begin() + 1000);
  }

  SplitMix64 rng_;
  std::vector<std::string> schedule_codes_;
  std::vector<bool> other_coverage_;
  std::vector<claims::Claim> history_;
  std::vector<Call> calls_;
  int64_t today_ = 0;
  int64_t next_auth_ = 1;
};

// ---- the two answers ---------------------------------------------------------------------------

/// One answer of either side, in one shape: a denial (code, reason), or a result. Identifiers
/// are the hex of their hashes, as the VM holds them.
struct Answer {
  bool denied = false;
  std::optional<int64_t> code;
  std::string reason;
  std::optional<Adjudication> adjudication;
  std::optional<LineAdjudication> line;
  std::optional<Accumulator> accumulator;
};

const char* group_name(Group g) {
  static const char* names[] = {"co", "oa", "pi", "pr"};
  return names[static_cast<int>(g)];
}

const char* status_name(ClaimStatus s) {
  static const char* names[] = {"primary", "refused", "forwarded", "reversal"};
  return names[static_cast<int>(s)];
}

std::string describe(const LineAdjudication& l) {
  std::ostringstream o;
  o << "    line " << l.number << " " << l.code.text() << " " << date_text(l.service_date) << " x" << l.units
    << ": submitted " << money_text(l.submitted) << ", allowed " << money_text(l.allowed) << ", deductible "
    << money_text(l.deductible) << ", copay " << money_text(l.copay) << ", coinsurance " << money_text(l.coinsurance)
    << ", paid " << money_text(l.paid) << ", patient " << money_text(l.patient) << ", secondary "
    << money_text(l.secondary) << ", adjustments [";
  for (uint8_t i = 0; i < l.adjustment_count; ++i)
    o << (i ? ", " : "") << group_name(l.adjustments[i].group) << "-" << l.adjustments[i].reason << " "
      << money_text(l.adjustments[i].amount);
  o << "]\n";
  return o.str();
}

std::string describe(const Answer& a) {
  if (a.denied)
    return "  denied: code " + (a.code ? std::to_string(*a.code) : std::string("none")) + ", \"" + a.reason + "\"\n";
  std::string out;
  if (a.adjudication) {
    const Adjudication& x = *a.adjudication;
    out += "  claim " + x.claim + " member " + x.member + " status " + status_name(x.status) + ": submitted " +
           money_text(x.submitted) + ", paid " + money_text(x.paid) + ", patient " + money_text(x.patient) +
           ", secondary " + money_text(x.secondary) + "\n";
    for (uint8_t i = 0; i < x.line_count; ++i) out += describe(x.lines[i]);
  }
  if (a.line) out += describe(*a.line);
  if (a.accumulator)
    out += "  deductible " + money_text(a.accumulator->deductible) + ", out of pocket " +
           money_text(a.accumulator->out_of_pocket) + "\n";
  return out.empty() ? "  ok\n" : out;
}

bool same(const Answer& a, const Answer& b) {
  if (a.denied != b.denied || a.code != b.code || a.reason != b.reason) return false;
  if (a.adjudication.has_value() != b.adjudication.has_value() || a.line != b.line || a.accumulator != b.accumulator)
    return false;
  if (a.adjudication) {
    const Adjudication &x = *a.adjudication, &y = *b.adjudication;
    if (x.claim != y.claim || x.member != y.member || x.status != y.status || x.submitted != y.submitted ||
        x.paid != y.paid || x.patient != y.patient || x.secondary != y.secondary || x.line_count != y.line_count)
      return false;
    for (uint8_t i = 0; i < x.line_count; ++i)
      if (!(x.lines[i] == y.lines[i])) return false;
  }
  return true;
}

/// The native answer of `x`'s adjudication, identifiers hashed.
Answer native_answer(const native_ppo::Outcome& o) {
  Answer a;
  if (o.kind == native_ppo::Outcome::Kind::denied) {
    a.denied = true;
    a.code = o.denial.code;
    a.reason = std::string(o.denial.reason);
    return a;
  }
  if (o.kind == native_ppo::Outcome::Kind::invalid) {
    a.denied = true;
    a.reason = "invalid: " + std::string(o.invalid_reason);
    return a;
  }
  a.adjudication = o.adjudication;
  a.adjudication->claim = hashed(o.adjudication.claim);
  a.adjudication->member = hashed(o.adjudication.member);
  return a;
}

Answer native_denial(const std::optional<native_ppo::Denial>& d) {
  Answer a;
  if (d) a.denied = true, a.code = d->code, a.reason = std::string(d->reason);
  return a;
}

// ---- reading the VM's result through the ABI ----------------------------------------------------

struct Reader {
  std::span<const uint8_t> bytes;

  int64_t word(size_t at) const {
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) v |= static_cast<uint64_t>(bytes[at + i]) << (8 * i);
    return static_cast<int64_t>(v);
  }
  std::string hex(size_t at) const {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < 32; ++i) out += digits[bytes[at + i] >> 4], out += digits[bytes[at + i] & 15];
    return out;
  }
  Code code(size_t at) const {
    std::string text;
    for (size_t i = 0; i < 16 && bytes[at + i] != 0; ++i) text += static_cast<char>(bytes[at + i]);
    return Code::of(text);
  }
};

/// The offset of field `name` of record `t`; throws if it has none (the contract changed).
const runtime::AbiField& field(const runtime::AbiType& t, std::string_view name) {
  for (const runtime::AbiField& f : t.fields)
    if (f.name == name) return f;
  throw std::runtime_error("record " + t.name + " has no field " + std::string(name));
}

template <class E>
E enum_at(const Reader& r, const runtime::AbiType& record, std::string_view name, std::vector<std::string> names) {
  const runtime::AbiField& f = field(record, name);
  const int64_t tag = r.word(f.offset);
  if (tag < 0 || static_cast<size_t>(tag) >= f.type->variants.size())
    throw std::runtime_error("enum tag out of range in " + std::string(name));
  const std::string& variant = f.type->variants[static_cast<size_t>(tag)];
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == variant) return static_cast<E>(i);
  throw std::runtime_error("unknown variant " + variant);
}

LineAdjudication read_line(const Reader& all, size_t base, const runtime::AbiType& t) {
  Reader r{all.bytes.subspan(base, t.size)};
  LineAdjudication l;
  auto money = [&](std::string_view n) { return r.word(field(t, n).offset); };
  l.number = money("number");
  l.code = r.code(field(t, "code").offset);
  l.service_date = money("service_date");
  l.units = money("units");
  l.submitted = money("submitted");
  l.allowed = money("allowed");
  l.deductible = money("deductible");
  l.copay = money("copay");
  l.coinsurance = money("coinsurance");
  l.paid = money("paid");
  l.patient = money("patient");
  l.secondary = money("secondary");
  const runtime::AbiField& adj = field(t, "adjustments");
  const runtime::AbiType& at = *adj.type->elem;
  const int64_t n = r.word(adj.offset);
  if (n < 0 || n > 4) throw std::runtime_error("adjustments length " + std::to_string(n));
  l.adjustment_count = static_cast<uint8_t>(n);
  for (int64_t i = 0; i < n; ++i) {
    Reader a{r.bytes.subspan(adj.offset + 8 + static_cast<size_t>(i) * at.size, at.size)};
    l.adjustments[static_cast<size_t>(i)] =
        native_ppo::Adjustment{enum_at<Group>(a, at, "group", {"co", "oa", "pi", "pr"}),
                               a.word(field(at, "reason").offset), a.word(field(at, "amount").offset)};
  }
  return l;
}

Adjudication read_adjudication(std::span<const uint8_t> bytes, const runtime::AbiType& t) {
  Reader r{bytes};
  Adjudication x;
  x.claim = r.hex(field(t, "claim").offset);
  x.member = r.hex(field(t, "member").offset);
  x.status = enum_at<ClaimStatus>(r, t, "status", {"primary", "refused", "forwarded", "reversal"});
  x.submitted = r.word(field(t, "submitted").offset);
  x.paid = r.word(field(t, "paid").offset);
  x.patient = r.word(field(t, "patient").offset);
  x.secondary = r.word(field(t, "secondary").offset);
  const runtime::AbiField& lines = field(t, "lines");
  const int64_t n = r.word(lines.offset);
  if (n < 0 || n > 6) throw std::runtime_error("lines length " + std::to_string(n));
  x.line_count = static_cast<uint8_t>(n);
  for (int64_t i = 0; i < n; ++i)
    x.lines[static_cast<size_t>(i)] =
        read_line(r, lines.offset + 8 + static_cast<size_t>(i) * lines.type->elem->size, *lines.type->elem);
  return x;
}

/// The contract compiled and loaded, with its state.
struct Vm {
  compiler::Compilation compilation;
  std::optional<runtime::LoadedContract> contract;
  runtime::MemoryState state;
  runtime::CallContext context;
  vm::Machine machine;
  std::chrono::nanoseconds busy{0};  ///< Time inside call_entry.

  /// Runs `entry` with `args` and turns the outcome into an Answer; a fault or a refused
  /// argument block is an error (thrown).
  Answer call(const std::string& entry_name, const std::string& args) {
    const runtime::AbiEntry* entry = contract->abi().find(entry_name);
    if (entry == nullptr) throw std::runtime_error("no entry " + entry_name);
    auto input = runtime::encode_params(*entry, args);
    if (!input) throw std::runtime_error("the arguments do not encode: " + input.error() + "\n  " + args);
    const uint64_t mark = state.checkpoint();
    const auto t0 = std::chrono::steady_clock::now();
    runtime::CallOutcome out = runtime::call_entry(machine, *contract, *entry, *input,
                                                   compilation.packaged->gas_bound.at(entry_name), context);
    busy += std::chrono::steady_clock::now() - t0;
    Answer a;
    if (out.status != runtime::CallStatus::ok) {
      state.rollback(mark);
      if (out.status != runtime::CallStatus::denied)
        throw std::runtime_error("the VM failed: " + out.reason + " at " +
                                 runtime::outcome_location(*contract, out) + "\n  " + args);
      a.denied = true;
      a.code = out.deny_code;
      a.reason = out.reason;
      return a;
    }
    state.commit();
    if (entry_name == "adjudicate" || entry_name == "remittance_of")
      a.adjudication = read_adjudication(out.output, *entry->result);
    else if (entry_name == "remitted")
      a.line = read_line(Reader{out.output}, 0, *entry->result);
    else if (entry_name == "accumulated")
      a.accumulator = Accumulator{Reader{out.output}.word(field(*entry->result, "deductible").offset),
                                  Reader{out.output}.word(field(*entry->result, "out_of_pocket").offset)};
    return a;
  }
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::vector<std::string> schedule_codes() {
  std::vector<std::string> codes;
  std::ifstream in(kFeeSchedule);
  std::string row;
  std::getline(in, row);
  while (std::getline(in, row))
    if (auto comma = row.find(','); comma != std::string::npos) codes.push_back(row.substr(0, comma));
  return codes;
}

/// Runs `call` on the native plan.
Answer run_native(native_ppo::NativePpo& plan, const Call& call) {
  return std::visit(
      [&](const auto& x) -> Answer {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Enrol>) {
          return native_denial(plan.enrol(x.member, x.from, x.until));
        } else if constexpr (std::is_same_v<T, Authorise>) {
          return native_denial(plan.authorise(x.number, x.a));
        } else if constexpr (std::is_same_v<T, ClaimCall>) {
          return native_answer(plan.adjudicate(x.claim));
        } else if constexpr (std::is_same_v<T, RemittanceOf>) {
          Answer a;
          a.adjudication = plan.remittance_of(x.claim);
          if (!a.adjudication) return native_denial(native_ppo::Denial{std::nullopt, "no such claim on file"});
          a.adjudication->claim = hashed(a.adjudication->claim);
          a.adjudication->member = hashed(a.adjudication->member);
          return a;
        } else if constexpr (std::is_same_v<T, Remitted>) {
          Answer a;
          a.line = plan.remitted(x.claim, x.number);
          if (!a.line) return native_denial(native_ppo::Denial{std::nullopt, "no such line on file"});
          return a;
        } else {
          Answer a;
          a.accumulator = plan.accumulated(x.member, x.plan_year);
          return a;
        }
      },
      call);
}

/// Counts what the answer to `call` shows, by kind of outcome and CARC.
void tally(std::map<std::string, size_t>& counts, const Call& call, const Answer& a) {
  const std::string entry = entry_name(call);
  if (a.denied) {
    ++counts[entry + " denied: " + (a.code ? std::to_string(*a.code) + " " : "") + a.reason];
    return;
  }
  if (entry != "adjudicate") {
    ++counts[entry + " answered"];
    return;
  }
  const Adjudication& x = *a.adjudication;
  const claims::Claim& c = std::get<ClaimCall>(call).claim;
  static const char* frequencies[] = {"original", "replacement", "void"};
  ++counts[std::string("adjudicate: ") + frequencies[static_cast<int>(c.frequency)] + ", status " + status_name(x.status)];
  if (x.status == ClaimStatus::reversal) return;
  for (uint8_t i = 0; i < x.line_count; ++i) {
    const LineAdjudication& l = x.lines[i];
    if (l.allowed == 0 && l.adjustment_count == 1 && l.adjustments[0].group != Group::pr &&
        l.adjustments[0].reason != 45) {
      ++counts["line refused " + std::string(l.adjustments[0].group == Group::co ? "CO-" : "OA-") +
               std::to_string(l.adjustments[0].reason)];
      continue;
    }
    ++counts["line priced"];
    for (uint8_t k = 0; k < l.adjustment_count; ++k)
      ++counts["line priced, adjustment " + std::string(group_name(l.adjustments[k].group)) + "-" +
               std::to_string(l.adjustments[k].reason)];
    if (l.secondary > 0) ++counts["line priced, share forwarded to the secondary payer"];
    const claims::Line& src = c.lines[i];
    for (const std::string& m : src.modifiers) {
      if (m == "76" || m == "77" || m == "91") ++counts["line priced with a repeat modifier"];
      if ((m == "59" || m == "XS" || m == "LT" || m == "RT" || m == "XU") &&
          (src.code == "29877" || src.code == "96365"))
        ++counts["line priced: included code with a bypass modifier"];
    }
    if (src.code.starts_with("9928") && src.place == "23") ++counts["line priced: emergency room visit"];
    if (l.allowed > 0 && l.deductible + l.copay + l.coinsurance == 0 && l.copay == 0 &&
        !(src.code == "G0121" || src.code == "G0105"))
      ++counts["line priced at 100% (out-of-pocket maximum reached, or preventive)"];
  }
}

std::string call_text(const Call& call) {
  return std::visit([](const auto& x) { return std::string(entry_name(Call{x})) + " " + args_json(x); }, call);
}

/// The native plan alone over `calls`, from an empty state: prints its claims per second.
void time_native(const std::vector<Call>& calls) {
  native_ppo::NativePpo timed(kFeeSchedule);
  size_t checksum = 0, claim_calls = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const Call& call : calls) {
    if (const auto* c = std::get_if<ClaimCall>(&call)) {
      const native_ppo::Outcome o = timed.adjudicate(c->claim);
      checksum += static_cast<size_t>(o.adjudication.paid) + static_cast<size_t>(o.kind);
      ++claim_calls;
    } else if (const auto* e = std::get_if<Enrol>(&call)) {
      checksum += timed.enrol(e->member, e->from, e->until).has_value();
    } else if (const auto* a = std::get_if<Authorise>(&call)) {
      checksum += timed.authorise(a->number, a->a).has_value();
    }
  }
  const double native_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("native plan: %zu claims (%zu calls) in %.3f s, %.0f claims/s (checksum %zu)\n", claim_calls,
              calls.size(), native_s, static_cast<double>(claim_calls) / native_s, checksum);
}

std::vector<Call> stream(size_t claims) {
  Generator gen(0xC0FFEE'2027ull, schedule_codes());
  return gen.make(claims);
}

int check(size_t claims) {
  const auto t_compile = std::chrono::steady_clock::now();
  Vm vm;
  {
    compiler::SourceFile source(kContract.string(), read_text(kContract));
    compiler::Diagnostics diags;
    compiler::CompileRequest request;
    request.base_dir = kContract.parent_path();
    vm.compilation = compiler::compile(source, request, diags);
    if (diags.has_errors() || !vm.compilation.packaged) {
      std::printf("FAIL: %s does not compile:\n%s", kContract.c_str(), compiler::render_all(source, diags).c_str());
      return 1;
    }
    auto loaded = runtime::LoadedContract::load(vm.compilation.packaged->module);
    if (!loaded) {
      std::printf("FAIL: the module does not load: %s\n", loaded.error().c_str());
      return 1;
    }
    vm.contract.emplace(std::move(*loaded));
  }
  vm.context.state = &vm.state;
  vm.context.today = day(2027, 1, 1);
  std::printf("compiled %s in %.1f s\n", kContract.filename().c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t_compile).count());

  native_ppo::NativePpo plan(kFeeSchedule);
  const std::vector<Call> calls = stream(claims);

  std::map<std::string, size_t> counts;
  size_t claim_calls = 0;
  for (size_t i = 0; i < calls.size(); ++i) {
    const Call& call = calls[i];
    Answer expected;
    try {
      expected = vm.call(entry_name(call), std::visit([](const auto& x) { return args_json(x); }, call));
    } catch (const std::exception& e) {
      std::printf("FAIL at call %zu (%s): %s\n", i, entry_name(call), e.what());
      return 1;
    }
    const Answer got = run_native(plan, call);
    if (!same(expected, got)) {
      std::printf("FAIL: call %zu differs\n  %s\nthe contract on the VM:\n%sthe native plan:\n%s", i,
                  call_text(call).c_str(), describe(expected).c_str(), describe(got).c_str());
      return 1;
    }
    tally(counts, call, expected);
    if (call.index() == 2) ++claim_calls;
  }
  std::printf("%zu calls (%zu claims): the native plan answered every one as the contract did\n", calls.size(),
              claim_calls);
  for (const auto& [what, n] : counts) std::printf("  %7zu  %s\n", n, what.c_str());

  time_native(calls);
  std::printf("VM (call_entry only, every call): %.3f s\n", std::chrono::duration<double>(vm.busy).count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  size_t claims = 30'000;
  bool native_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--native-only")
      native_only = true;
    else
      claims = static_cast<size_t>(std::stoull(arg));
  }
  try {
    if (native_only) {
      time_native(stream(claims));
      return 0;
    }
    return check(claims);
  } catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
}
