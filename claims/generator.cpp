#include "claims/generator.hpp"

#include "claims/civil_date.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <span>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace covenant::claims {

// Embedded at build time by cmake/embed.cmake (claims/CMakeLists.txt).
namespace tables {
extern const std::span<const uint8_t> kFeeScheduleCsv;
extern const std::span<const uint8_t> kUncoveredCodesCsv;
}  // namespace tables

namespace {

// ---- randomness ------------------------------------------------------------------------------
// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014; the constants of Vigna's reference code). Sampling below uses only integer
// multiplies and shifts, so a seed gives the same draws everywhere.

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

struct Rng {
  uint64_t state;
  uint64_t next() { return mix64(state += 0x9E3779B97F4A7C15ULL); }
  // Uniform in [0, n) for 1 <= n < 2^32: the high 32 bits scaled by n (Lemire's
  // multiply-shift without the rejection step; the bias is below n / 2^32).
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * n) >> 32); }
  int32_t between(int32_t lo, int32_t hi) {
    return lo + static_cast<int32_t>(below(static_cast<uint32_t>(hi - lo + 1)));
  }
  bool chance(uint32_t per10k) { return below(10000) < per10k; }
};

// ---- calendar (days since 1970-01-01; claims/civil_date.hpp) ---------------------------------

// 0 Sunday .. 6 Saturday (1970-01-01 was a Thursday).
unsigned weekday(int32_t day) {
  return static_cast<unsigned>(((day % 7) + 11) % 7);
}

// ---- the plan's tables -----------------------------------------------------------------------

std::string_view text_of(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Calls `row(first, second)` for every line of a two-column CSV after its header.
template <typename Row>
void for_each_row(std::string_view csv, Row row) {
  size_t pos = csv.find('\n');
  while (pos != std::string_view::npos && pos + 1 < csv.size()) {
    const size_t start = pos + 1;
    size_t end = csv.find('\n', start);
    if (end == std::string_view::npos) end = csv.size();
    std::string_view line = csv.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t comma = line.find(',');
    if (comma != std::string_view::npos) row(line.substr(0, comma), line.substr(comma + 1));
    pos = end < csv.size() ? end : std::string_view::npos;
  }
}

// "3342.87" → 334287; the schedule has two decimals on every row (derive_fee_schedule.py).
int64_t parse_cents(std::string_view text) {
  int64_t cents = 0;
  int decimals = -1;
  for (char c : text) {
    if (c == '.') {
      decimals = 0;
      continue;
    }
    cents = cents * 10 + (c - '0');
    if (decimals >= 0) ++decimals;
  }
  for (; decimals < 2; ++decimals)
    cents *= 10;
  return cents;
}

const std::unordered_map<std::string_view, int64_t>& fee_schedule() {
  static const std::unordered_map<std::string_view, int64_t> schedule = [] {
    std::unordered_map<std::string_view, int64_t> m;
    for_each_row(
        text_of(tables::kFeeScheduleCsv),
        [&](std::string_view code, std::string_view rate) { m[code] = parse_cents(rate); });
    return m;
  }();
  return schedule;
}

struct UncoveredCode {
  std::string_view code;
  bool drug;  // else durable medical equipment
};

const std::vector<UncoveredCode>& uncovered_codes() {
  static const std::vector<UncoveredCode> codes = [] {
    std::vector<UncoveredCode> v;
    for_each_row(text_of(tables::kUncoveredCodesCsv),
                 [&](std::string_view code, std::string_view kind) {
                   v.push_back({code, kind == "drug"});
                 });
    return v;
  }();
  return codes;
}

// std.codes `cpt_advanced_imaging`: ranges compare text byte by byte, as the language does.
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kAdvancedImaging = {{
    {"70450", "70498"},
    {"70540", "70559"},
    {"71250", "71275"},
    {"71550", "71555"},
    {"72125", "72159"},
    {"72191", "72198"},
    {"73200", "73225"},
    {"73700", "73725"},
    {"74150", "74185"},
    {"75557", "75574"},
    {"78811", "78816"},
}};

// commercial_ppo.cvn `units_per_day` and `bundled_into`.
constexpr std::array<std::pair<std::string_view, int64_t>, 14> kUnitsPerDay = {{
    {"29877", 1},
    {"29881", 1},
    {"43235", 1},
    {"43239", 1},
    {"45378", 1},
    {"45385", 1},
    {"70551", 1},
    {"70553", 1},
    {"72148", 1},
    {"74176", 1},
    {"74177", 1},
    {"96413", 1},
    {"G0463", 2},
    {"J9271", 400},
}};

struct PairRow {
  std::string_view included;
  PairEdit edit;
};
constexpr std::array<PairRow, 6> kBundledInto = {{
    {"29877", {"29881", true}},
    {"43235", {"43239", false}},
    {"45378", {"45385", false}},
    {"70551", {"70553", false}},
    {"74176", {"74177", false}},
    {"96365", {"96413", true}},
}};

// ---- what is billed: episodes of outpatient care ------------------------------------------------
// Each claim is one episode: its primary service (by weight), for some a companion line (the
// drug of an infusion), then ancillary services up to the claim's number of lines. Every
// code here has a rate on the fee schedule (checked when the generator starts); no episode
// holds both codes of a `bundled_into` pair or bills a code over its `units_per_day` limit,
// so CO-97 and CO-151 come only from the stated shares. Diagnoses are ICD-10-CM (FY2026,
// billable codes, written without the dot), first-listed first.

enum ItemFlag : uint8_t {
  kSided = 1,      // a paired organ or limb: LT or RT
  kScreening = 2,  // half the time a screening (modifier 33, first diagnosis Z1211)
  kProcedure = 4,  // with an emergency visit, the visit carries modifier 25
};

struct Item {
  std::string_view code;
  uint16_t weight;
  uint16_t units_min;
  uint16_t units_max;
  uint8_t flags;
  std::span<const std::string_view> diagnoses = {};  // empty: the episode's
};

struct Episode {
  std::string_view name;
  uint16_t weight;  // per 1,000 template claims
  bool emergency;   // place of service 23 and every day of the week alike
  std::span<const Item> primary;
  std::span<const Item> companion;  // empty, or one of these always follows the primary
  std::span<const Item> extras;
  std::span<const std::string_view> diagnoses;
};

constexpr Item kClinicPrimary[] = {{"G0463", 1, 1, 1, 0}};
constexpr Item kClinicExtras[] = {
    {"71046", 1, 1, 1, 0}, {"93005", 1, 1, 1, 0}, {"86580", 1, 1, 1, 0},      {"96372", 1, 1, 1, 0},
    {"J1885", 1, 1, 2, 0}, {"G0008", 1, 1, 1, 0}, {"73030", 1, 1, 1, kSided}, {"76700", 1, 1, 1, 0},
};
constexpr std::string_view kClinicDx[] = {"I10",   "E119",   "E785",   "J069", "M5450",
                                          "R109",  "Z0000",  "J45909", "N390", "R42",
                                          "R0602", "M25561", "K219",   "E039", "R5383"};

constexpr Item kEdPrimary[] = {
    {"99281", 4, 1, 1, 0},  {"99282", 12, 1, 1, 0}, {"99283", 34, 1, 1, 0},
    {"99284", 33, 1, 1, 0}, {"99285", 17, 1, 1, 0},
};
constexpr Item kEdExtras[] = {
    {"71046", 1, 1, 1, 0},          {"93005", 1, 1, 1, 0},      {"96374", 1, 1, 1, kProcedure},
    {"96372", 1, 1, 1, kProcedure}, {"J1885", 1, 1, 2, 0},      {"70450", 1, 1, 1, 0},
    {"74177", 1, 1, 1, 0},          {"73610", 1, 1, 1, kSided}, {"72100", 1, 1, 1, 0},
    {"71250", 1, 1, 1, 0},
};
constexpr std::string_view kEdDx[] = {"R0789", "R079",  "S0990XA", "J189",    "N390", "R519",
                                      "R55",   "R1031", "N200",    "S93401A", "R109", "R0602"};

constexpr std::string_view kChestDx[] = {"R0602", "R059", "J189", "R0789"};
constexpr std::string_view kShoulderDx[] = {"M25511", "M25512", "M19011"};
constexpr std::string_view kAnkleDx[] = {"S93401A", "M25571"};
constexpr std::string_view kLowBackDx[] = {"M5450", "M5416", "M48061"};
constexpr std::string_view kAbdomenDx[] = {"R1011", "K8020", "R109", "R1031", "N200"};
constexpr std::string_view kPelvisDx[] = {"R102", "N939"};
constexpr std::string_view kHeartDx[] = {"I10", "R0602", "I5022", "R011"};
constexpr std::string_view kHeadDx[] = {"G43909", "R519", "R42", "G40909"};
constexpr std::string_view kKneeDx[] = {"M25561", "S83241A", "M1711"};
constexpr std::string_view kHeadInjuryDx[] = {"R519", "S0990XA", "R42"};
constexpr std::string_view kLungDx[] = {"R918", "C3490", "J189"};
constexpr std::string_view kPetDx[] = {"C3490", "C50911", "C189"};
constexpr Item kImagingPrimary[] = {
    {"71046", 20, 1, 1, 0, kChestDx},     {"73030", 8, 1, 1, kSided, kShoulderDx},
    {"73610", 8, 1, 1, kSided, kAnkleDx}, {"72100", 10, 1, 1, 0, kLowBackDx},
    {"76700", 10, 1, 1, 0, kAbdomenDx},   {"76856", 8, 1, 1, 0, kPelvisDx},
    {"93306", 8, 1, 1, 0, kHeartDx},      {"70551", 5, 1, 1, 0, kHeadDx},
    {"70553", 4, 1, 1, 0, kHeadDx},       {"72148", 8, 1, 1, 0, kLowBackDx},
    {"73721", 5, 1, 1, kSided, kKneeDx},  {"74176", 3, 1, 1, 0, kAbdomenDx},
    {"74177", 6, 1, 1, 0, kAbdomenDx},    {"70450", 4, 1, 1, 0, kHeadInjuryDx},
    {"71250", 5, 1, 1, 0, kLungDx},       {"78815", 3, 1, 1, 0, kPetDx},
};
constexpr Item kImagingExtras[] = {
    {"71046", 1, 1, 1, 0}, {"72100", 1, 1, 1, 0}, {"76700", 1, 1, 1, 0}};
constexpr std::string_view kImagingDx[] = {"M5450", "M5416",  "G43909", "R519",  "R1031",
                                           "R109",  "M25561", "C3490",  "R0602", "M1711",
                                           "I10",   "N200",   "R918"};

// The screening encounter Z1211 is the first of the lower GI diagnoses (kScreening needs it).
constexpr std::string_view kLowerGiDx[] = {"Z1211", "K635", "D125", "K921", "R194", "K5900"};
constexpr std::string_view kUpperGiDx[] = {"K219", "R1310", "K2970", "R1013"};
constexpr Item kEndoscopyPrimary[] = {
    {"45378", 25, 1, 1, kScreening, kLowerGiDx}, {"G0121", 10, 1, 1, 0, kLowerGiDx},
    {"45380", 20, 1, 1, 0, kLowerGiDx},          {"45385", 15, 1, 1, 0, kLowerGiDx},
    {"43235", 12, 1, 1, 0, kUpperGiDx},          {"43239", 18, 1, 1, 0, kUpperGiDx},
};
constexpr Item kEndoscopyExtras[] = {
    {"88305", 1, 1, 3, 0}, {"88312", 1, 1, 1, 0}, {"96374", 1, 1, 1, 0}};
constexpr std::string_view kEndoscopyDx[] = {"Z1211", "K635", "D125", "K219",
                                             "R1310", "K921", "R109"};

constexpr std::string_view kCataractDx[] = {"H2511", "H2512", "H2513"};
constexpr std::string_view kJointDx[] = {"M1711", "M1712", "M25561", "M19011"};
constexpr Item kSurgeryPrimary[] = {
    {"66984", 30, 1, 1, kSided, kCataractDx}, {"29881", 15, 1, 1, kSided, kKneeDx},
    {"20610", 20, 1, 1, kSided, kJointDx},    {"64483", 15, 1, 1, 0, kLowBackDx},
    {"62323", 10, 1, 1, 0, kLowBackDx},
};
constexpr Item kSurgeryExtras[] = {
    {"96374", 1, 1, 1, 0}, {"J1885", 1, 1, 2, 0}, {"93005", 1, 1, 1, 0}};
// Knee surgery: 29877 is billed only as the included half of its pair.
constexpr std::string_view kSurgeryDx[] = {"M25561", "S83241A", "M1711"};

// Doses in billing units: pembrolizumab 200 mg flat (J9271, 1 mg), bevacizumab 5-15 mg/kg
// (J9035, 10 mg), trastuzumab 6 mg/kg (J9355, 10 mg), nivolumab 240 mg (J9299, 1 mg).
constexpr Item kChemoPrimary[] = {{"96413", 1, 1, 1, 0}};
constexpr Item kChemoDrugs[] = {
    {"J9271", 35, 200, 200, 0},
    {"J9035", 20, 40, 120, 0},
    {"J9355", 20, 30, 60, 0},
    {"J9299", 25, 240, 240, 0},
};
constexpr Item kChemoExtras[] = {
    {"96375", 1, 1, 1, 0}, {"96367", 1, 1, 1, 0}, {"96372", 1, 1, 1, 0}};
constexpr std::string_view kChemoDx[] = {"C50911", "C50912", "C3490", "C3491",
                                         "C189",   "C61",    "Z5111", "Z5112"};

// Infliximab 5 mg/kg (J1745, 10 mg units).
constexpr Item kInfusionPrimary[] = {{"96365", 1, 1, 1, 0}};
constexpr Item kInfusionDrugs[] = {{"J1745", 1, 30, 50, 0}};
constexpr Item kInfusionExtras[] = {{"96366", 1, 1, 2, 0}, {"96375", 1, 1, 1, 0}};
constexpr std::string_view kInfusionDx[] = {"K5090", "K5190", "M069", "L400"};

constexpr Item kPsychPrimary[] = {{"90834", 1, 1, 1, 0}};
constexpr std::string_view kPsychDx[] = {"F329", "F411", "F4310", "F331"};
constexpr Item kEyePrimary[] = {{"92014", 1, 1, 1, 0}};
constexpr std::string_view kEyeDx[] = {"H5213", "H2513", "H524", "E119"};
constexpr Item kRespiratoryPrimary[] = {{"94640", 1, 1, 2, 0}};
constexpr Item kRespiratoryExtras[] = {{"71046", 1, 1, 1, 0}};
constexpr std::string_view kRespiratoryDx[] = {"J45909", "J449", "J441", "J209", "R062"};
constexpr Item kVaccinePrimary[] = {{"G0008", 1, 1, 1, 0}};
constexpr std::string_view kVaccineDx[] = {"Z23"};
constexpr Item kTransfusionPrimary[] = {{"36430", 1, 1, 1, 0}};
constexpr Item kTransfusionExtras[] = {{"86900", 1, 1, 1, 0}, {"86901", 1, 1, 1, 0}};
constexpr std::string_view kTransfusionDx[] = {"D649", "D62", "D631"};
constexpr Item kCatheterPrimary[] = {{"51702", 1, 1, 1, 0}};
constexpr std::string_view kCatheterDx[] = {"R339", "N401"};

constexpr Episode kEpisodes[] = {
    {"clinic visit", 300, false, kClinicPrimary, {}, kClinicExtras, kClinicDx},
    {"emergency department", 200, true, kEdPrimary, {}, kEdExtras, kEdDx},
    {"imaging", 150, false, kImagingPrimary, {}, kImagingExtras, kImagingDx},
    {"endoscopy", 80, false, kEndoscopyPrimary, {}, kEndoscopyExtras, kEndoscopyDx},
    {"surgery", 55, false, kSurgeryPrimary, {}, kSurgeryExtras, kSurgeryDx},
    {"chemotherapy", 45, false, kChemoPrimary, kChemoDrugs, kChemoExtras, kChemoDx},
    {"infusion", 20, false, kInfusionPrimary, kInfusionDrugs, kInfusionExtras, kInfusionDx},
    {"psychotherapy", 50, false, kPsychPrimary, {}, {}, kPsychDx},
    {"eye exam", 30, false, kEyePrimary, {}, {}, kEyeDx},
    {"respiratory therapy", 30, false, kRespiratoryPrimary, {}, kRespiratoryExtras, kRespiratoryDx},
    {"vaccine", 25, false, kVaccinePrimary, {}, {}, kVaccineDx},
    {"transfusion", 8, false, kTransfusionPrimary, {}, kTransfusionExtras, kTransfusionDx},
    {"catheter", 7, false, kCatheterPrimary, {}, {}, kCatheterDx},
};
constexpr uint32_t kEpisodeWeightTotal = 1000;
constexpr size_t kSurgeryEpisode = 4;

// Lines per template claim, in 1/100: mostly one to three.
constexpr uint32_t kLineCountPercent[6] = {45, 30, 14, 6, 3, 2};
// Diagnoses per claim, in 1/100.
constexpr uint32_t kDiagnosisCountPercent[4] = {50, 30, 15, 5};
// Of the claims with more than one line (emergency visits aside), the share whose later lines
// are on later days (a recurring outpatient account billed on one claim), in 1/100.
constexpr uint32_t kSpreadDaysPercent = 10;
// Weekday weights out of 10, Sunday first: clinics are open on weekdays; the emergency
// department every day.
constexpr uint32_t kClinicWeekday[7] = {1, 10, 10, 10, 10, 10, 3};
constexpr uint32_t kEmergencyWeekday[7] = {9, 10, 9, 9, 9, 9, 9};
// Days from service to receipt of an original claim: 85% 5-40, 14% 41-180, the late share
// 181-360.
constexpr uint32_t kSlowFilingPer10k = 1400;
// A hospital's chargemaster markup over the fee schedule, in 1/1000, and the spread of one
// line around it.
constexpr int32_t kMarkupMin = 1500;
constexpr int32_t kMarkupMax = 4000;
constexpr int32_t kLineJitterMin = 950;
constexpr int32_t kLineJitterMax = 1050;
// Hospitals: one per 2,000 claims, between 3 and 500; a member goes to their own hospital
// three times in four.
constexpr uint64_t kClaimsPerProvider = 2000;
constexpr uint64_t kProvidersMin = 3;
constexpr uint64_t kProvidersMax = 500;
constexpr uint32_t kHomeProviderPercent = 75;
// How much care members need: weights of the share of members in each class (1/100).
constexpr uint32_t kIntensityPercent[4] = {55, 30, 12, 3};
constexpr uint32_t kIntensityWeight[4] = {1, 3, 8, 25};

// Modifiers: LT, RT (anatomic) and XU (distinct service) are HCPCS Level II modifiers (the
// 2019 HCPCS file); 59 (distinct procedural service), 25 (separately identifiable visit) and
// 33 (preventive service) are CPT modifiers, as std.codes names them.
constexpr std::string_view kModifiers[] = {"LT", "RT", "XU", "59", "25", "33"};
enum Modifier : uint8_t { kLt, kRt, kXu, k59, k25, k33 };

constexpr size_t kMaxLines = 6;

// ---- records of one batch ------------------------------------------------------------------

enum class Enrolment : uint8_t { full, late_start, early_end, never };

struct Member {
  char pseudonym[64];
  Enrolment enrolment;
  bool other_coverage;
  bool enrol_written;
  int32_t from, until;
  uint32_t home_provider;
  std::vector<int32_t> days;  // service days of its claims so far in the batch
};

struct Line {
  uint16_t code;  // index into State::codes
  uint8_t modifiers[2];
  uint8_t modifier_count;
  uint8_t pointers[2];
  uint8_t pointer_count;
  bool authorised;  // quotes a prior authorisation
  uint32_t units;
  int32_t day;
  int64_t charge;        // cents
  uint64_t auth_number;  // assigned when written
};

enum class Kind : uint8_t { original, duplicate, replacement, void_ };

struct ClaimRecord {
  uint32_t member;
  uint32_t provider;
  int32_t received;
  Kind kind;
  bool emergency;
  uint8_t line_count;
  uint8_t diagnosis_count;
  std::span<const std::string_view> pool;  // the diagnoses its services go with
  uint8_t diagnoses[4];                    // indices into `pool`
  uint32_t source;  // a copy or correction: the claim it copies, in the batch
  uint64_t id;      // assigned when written
  Line lines[kMaxLines];
};

struct CodeInfo {
  std::string_view text;
  int64_t rate;  // cents a unit; -1: not on the schedule
  bool prior_auth;
};

struct ResolvedItem {
  uint16_t code;
  uint32_t weight;
  uint16_t units_min, units_max;
  uint8_t flags;
  std::span<const std::string_view> diagnoses;
};

struct ResolvedEpisode {
  std::vector<ResolvedItem> primary, companion, extras;
  uint32_t primary_weight = 0, companion_weight = 0;
};

// Appends `v` in decimal, zero-padded to `width` digits.
void put_uint(std::string& out, uint64_t v, int width = 1) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < width)
    buf[n++] = '0';
  while (n > 0)
    out.push_back(buf[--n]);
}

void put_cents(std::string& out, int64_t cents) {
  put_uint(out, static_cast<uint64_t>(cents / 100));
  out.push_back('.');
  put_uint(out, static_cast<uint64_t>(cents % 100), 2);
}

}  // namespace

// ---- public table lookups -------------------------------------------------------------------

std::optional<int64_t> fee_schedule_cents(std::string_view code) {
  const auto& s = fee_schedule();
  auto it = s.find(code);
  if (it == s.end()) return std::nullopt;
  return it->second;
}

bool needs_prior_auth(std::string_view code) {
  if (code.starts_with("J9")) return true;
  for (const auto& [lo, hi] : kAdvancedImaging)
    if (lo <= code && code <= hi) return true;
  return false;
}

std::optional<int64_t> units_per_day_limit(std::string_view code) {
  for (const auto& [c, limit] : kUnitsPerDay)
    if (c == code) return limit;
  return std::nullopt;
}

std::optional<PairEdit> bundled_into(std::string_view code) {
  for (const auto& row : kBundledInto)
    if (row.included == code) return row.edit;
  return std::nullopt;
}

namespace {

// The Luhn digit of "80840" + the nine digits of `base` (45 CFR 162.406: the prefix adds 24).
unsigned npi_check_digit(uint64_t base) {
  unsigned sum = 24;
  for (int i = 0; i < 9; ++i) {
    unsigned d = static_cast<unsigned>(base % 10);
    base /= 10;
    if (i % 2 == 0) {  // the rightmost of the nine, and every other, is doubled
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - sum % 10) % 10;
}

}  // namespace

bool npi_check_digit_valid(std::string_view npi) {
  if (npi.size() != 10) return false;
  uint64_t base = 0;
  for (size_t i = 0; i < 10; ++i) {
    if (npi[i] < '0' || npi[i] > '9') return false;
    if (i < 9) base = base * 10 + static_cast<uint64_t>(npi[i] - '0');
  }
  return npi_check_digit(base) == static_cast<unsigned>(npi[9] - '0');
}

// ---- the generator --------------------------------------------------------------------------

struct ClaimGenerator::State {
  GeneratorOptions options;
  int32_t year_start = 0, year_end = 0;  // the plan year, both days included
  int id_width = 7;

  std::vector<CodeInfo> codes;
  std::unordered_map<std::string_view, uint16_t> code_index;
  std::vector<ResolvedEpisode> episodes;
  std::vector<uint16_t> uncovered;
  std::array<uint16_t, kUnitsPerDay.size()> limited{};
  std::array<uint16_t, kBundledInto.size()> pair_included{}, pair_column_one{};

  uint64_t provider_count = 0;
  uint64_t npi_offset = 0;
  uint64_t member_key = 0;

  // Formatted dates from `date_base` on, ten characters each.
  int32_t date_base = 0;
  std::vector<char> date_text;

  // The batch in progress.
  uint64_t batch = 0;
  uint64_t claims_done = 0;  // generated, in earlier batches and this one
  std::vector<Member> members;
  std::vector<uint32_t> member_slots;
  std::vector<ClaimRecord> claims;
  std::vector<uint64_t> order;  // (received - date_base) << 32 | index, sorted
  std::vector<uint32_t> candidates;
  size_t cursor = 0;

  uint64_t claims_written = 0;
  uint64_t calls_written = 0;
  uint64_t auth_numbers = 0;

  explicit State(const GeneratorOptions& o);
  uint16_t intern(std::string_view code);
  void generate_batch();
  void make_member(Rng& rng, Member& m, uint64_t global_index);
  int32_t draw_day(Rng& rng, Member& m, bool emergency);
  int32_t draw_lag(Rng& rng);
  void add_line(Rng& rng, ClaimRecord& c, uint16_t code, uint32_t units, int32_t day,
                uint8_t flags);
  void choose_diagnoses(Rng& rng, ClaimRecord& c);
  void make_template(Rng& rng, ClaimRecord& c, Member& m);
  void make_pair(Rng& rng, ClaimRecord& c, Member& m);
  void make_units_over(Rng& rng, ClaimRecord& c, Member& m);
  void add_uncovered(Rng& rng, ClaimRecord& c);
  void finish_original(Rng& rng, ClaimRecord& c);
  int64_t charge_for(Rng& rng, uint32_t provider, int64_t rate, uint32_t units) const;
  std::span<const std::string_view> diagnoses_of(uint16_t code) const;
  void put_date(std::string& out, int32_t day) const;
  void write_next(std::string& out);
};

ClaimGenerator::State::State(const GeneratorOptions& o) : options(o) {
  if (o.plan_year < 1900 || o.plan_year > 9000)
    throw std::invalid_argument("the plan year must be between 1900 and 9000");
  year_start = static_cast<int32_t>(days_from_civil(o.plan_year, 7, 1));
  year_end = static_cast<int32_t>(days_from_civil(o.plan_year + 1, 6, 30));
  for (uint64_t n = o.claims; n >= 10'000'000; n /= 10)
    ++id_width;

  // Every curated code must be priced: a code that left the schedule would turn a stated
  // share of paid services into CO-96 without anyone noticing.
  for (const Episode& e : kEpisodes) {
    ResolvedEpisode r;
    auto resolve = [&](std::span<const Item> items, std::vector<ResolvedItem>& into,
                       uint32_t* total) {
      for (const Item& it : items) {
        const uint16_t code = intern(it.code);
        if (codes[code].rate < 0)
          throw std::logic_error("generator code " + std::string(it.code) +
                                 " has no fee-schedule rate");
        into.push_back({code, it.weight, it.units_min, it.units_max, it.flags,
                        it.diagnoses.empty() ? e.diagnoses : it.diagnoses});
        if (total) *total += it.weight;
      }
    };
    resolve(e.primary, r.primary, &r.primary_weight);
    resolve(e.companion, r.companion, &r.companion_weight);
    resolve(e.extras, r.extras, nullptr);
    episodes.push_back(std::move(r));
  }
  for (size_t i = 0; i < kUnitsPerDay.size(); ++i)
    limited[i] = intern(kUnitsPerDay[i].first);
  for (size_t i = 0; i < kBundledInto.size(); ++i) {
    pair_included[i] = intern(kBundledInto[i].included);
    pair_column_one[i] = intern(kBundledInto[i].edit.column_one);
  }
  for (const UncoveredCode& u : uncovered_codes())
    uncovered.push_back(intern(u.code));

  provider_count = std::clamp<uint64_t>((o.claims + kClaimsPerProvider - 1) / kClaimsPerProvider,
                                        kProvidersMin, kProvidersMax);
  npi_offset = mix64(o.seed ^ 0x6E70692D6F666673ULL) % 100'000'000;
  member_key = mix64(o.seed ^ 0x6D656D6265722D6BULL);

  // Service days, authorisation windows and receipt dates all lie within these bounds.
  date_base = year_start - 64;
  const int32_t last = year_end + 800;
  date_text.resize(static_cast<size_t>(last - date_base + 1) * 10);
  for (int32_t d = date_base; d <= last; ++d)
    format_date(d).copy(&date_text[static_cast<size_t>(d - date_base) * 10], 10);
}

uint16_t ClaimGenerator::State::intern(std::string_view code) {
  auto [it, added] = code_index.try_emplace(code, static_cast<uint16_t>(codes.size()));
  if (added) codes.push_back({code, fee_schedule_cents(code).value_or(-1), needs_prior_auth(code)});
  return it->second;
}

void ClaimGenerator::State::put_date(std::string& out, int32_t day) const {
  const int64_t i = static_cast<int64_t>(day) - date_base;
  if (i >= 0 && static_cast<size_t>(i) * 10 < date_text.size()) {
    out.append(&date_text[static_cast<size_t>(i) * 10], 10);
    return;
  }
  out += format_date(day);
}

void ClaimGenerator::State::make_member(Rng& rng, Member& m, uint64_t global_index) {
  // The first 64 bits are a bijection of the member's number, so no two members share a
  // pseudonym; the rest only fills the width of a SHA-256 value.
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t words[4] = {mix64(member_key + global_index), rng.next(), rng.next(), rng.next()};
  for (int w = 0; w < 4; ++w)
    for (int i = 0; i < 16; ++i)
      m.pseudonym[w * 16 + i] = kHex[(words[w] >> (60 - 4 * i)) & 15];
  const uint32_t r = rng.below(10000);
  m.from = year_start;
  m.until = year_end;
  if (r < kNeverEnrolledPer10k) {
    m.enrolment = Enrolment::never;
  } else if (r < kNeverEnrolledPer10k + kPartYearPer10k / 2) {
    m.enrolment = Enrolment::late_start;  // hired during the year
    m.from = year_start + rng.between(30, 240);
  } else if (r < kNeverEnrolledPer10k + kPartYearPer10k) {
    m.enrolment = Enrolment::early_end;  // left the employer
    m.until = year_end - rng.between(30, 240);
  } else {
    m.enrolment = Enrolment::full;
  }
  m.other_coverage = rng.chance(kOtherCoveragePer10k);
  m.enrol_written = false;
  m.home_provider = rng.below(static_cast<uint32_t>(provider_count));
  m.days.clear();
}

int32_t ClaimGenerator::State::draw_day(Rng& rng, Member& m, bool emergency) {
  const uint32_t span = static_cast<uint32_t>(year_end - year_start + 1);
  const uint32_t* weights = emergency ? kEmergencyWeekday : kClinicWeekday;
  int32_t day = year_start;
  // A member's claims of one batch fall on different days (up to a few retries), so that
  // no duplicate or procedure pair arises beyond the stated shares.
  for (int attempt = 0; attempt < 8; ++attempt) {
    do {
      day = year_start + static_cast<int32_t>(rng.below(span));
    } while (rng.below(10) >= weights[weekday(day)]);
    if (std::find(m.days.begin(), m.days.end(), day) == m.days.end()) break;
  }
  m.days.push_back(day);
  return day;
}

int32_t ClaimGenerator::State::draw_lag(Rng& rng) {
  const uint32_t r = rng.below(10000);
  if (r < kLateFilingPer10k) return rng.between(181, 360);
  if (r < kLateFilingPer10k + kSlowFilingPer10k) return rng.between(41, 180);
  // Two draws averaged: most claims arrive two to four weeks after the service.
  return 5 + static_cast<int32_t>((rng.below(36) + rng.below(36)) / 2);
}

int64_t ClaimGenerator::State::charge_for(Rng& rng, uint32_t provider, int64_t rate,
                                          uint32_t units) const {
  const int64_t markup =
      kMarkupMin + static_cast<int64_t>(mix64(options.seed * 0x9E3779B97F4A7C15ULL + provider) %
                                        static_cast<uint64_t>(kMarkupMax - kMarkupMin + 1));
  const int64_t jitter = rng.between(kLineJitterMin, kLineJitterMax);
  // Half up to the cent: rate (cents) × units × markup/1000 × jitter/1000.
  return (rate * units * markup * jitter + 500'000) / 1'000'000;
}

void ClaimGenerator::State::add_line(Rng& rng, ClaimRecord& c, uint16_t code, uint32_t units,
                                     int32_t day, uint8_t flags) {
  Line& l = c.lines[c.line_count++];
  l = Line{};
  l.code = code;
  l.units = units;
  l.day = day;
  l.charge = charge_for(rng, c.provider, codes[code].rate, units);
  if (flags & kSided) l.modifiers[l.modifier_count++] = rng.below(2) ? kRt : kLt;
  l.authorised = codes[code].prior_auth;
}

std::span<const std::string_view> ClaimGenerator::State::diagnoses_of(uint16_t code) const {
  for (const ResolvedEpisode& e : episodes) {
    for (const auto& it : e.primary)
      if (it.code == code) return it.diagnoses;
    for (const auto& it : e.companion)
      if (it.code == code) return it.diagnoses;
  }
  return kEpisodes[kSurgeryEpisode].diagnoses;
}

void ClaimGenerator::State::choose_diagnoses(Rng& rng, ClaimRecord& c) {
  const auto pool = c.pool;
  uint32_t want = 1;
  for (uint32_t r = rng.below(100), acc = 0; want <= 4; ++want) {
    acc += kDiagnosisCountPercent[want - 1];
    if (r < acc) break;
  }
  want = std::min<uint32_t>(want, static_cast<uint32_t>(pool.size()));
  c.diagnosis_count = 0;
  while (c.diagnosis_count < want) {
    const uint8_t d = static_cast<uint8_t>(rng.below(static_cast<uint32_t>(pool.size())));
    if (std::find(c.diagnoses, c.diagnoses + c.diagnosis_count, d) ==
        c.diagnoses + c.diagnosis_count)
      c.diagnoses[c.diagnosis_count++] = d;
  }
  for (uint8_t i = 0; i < c.line_count; ++i) {
    Line& l = c.lines[i];
    l.pointer_count = 1;
    l.pointers[0] = i == 0 ? 1 : static_cast<uint8_t>(1 + rng.below(c.diagnosis_count));
    if (i == 0 && c.diagnosis_count >= 2 && rng.below(100) < 30) {
      l.pointers[1] = 2;
      l.pointer_count = 2;
    }
  }
}

void ClaimGenerator::State::make_template(Rng& rng, ClaimRecord& c, Member& m) {
  uint32_t pick = rng.below(kEpisodeWeightTotal);
  size_t e = 0;
  while (pick >= kEpisodes[e].weight)
    pick -= kEpisodes[e++].weight;
  const Episode& ep = kEpisodes[e];
  const ResolvedEpisode& re = episodes[e];
  c.emergency = ep.emergency;
  const int32_t day = draw_day(rng, m, ep.emergency);

  auto pick_item = [&](const std::vector<ResolvedItem>& items,
                       uint32_t total) -> const ResolvedItem& {
    uint32_t r = rng.below(total);
    size_t i = 0;
    while (r >= items[i].weight)
      r -= items[i++].weight;
    return items[i];
  };
  const ResolvedItem& first = pick_item(re.primary, re.primary_weight);
  c.pool = first.diagnoses;
  add_line(rng, c, first.code, static_cast<uint32_t>(rng.between(first.units_min, first.units_max)),
           day, first.flags);
  bool screening = false;
  if ((first.flags & kScreening) && rng.below(2) == 0) {
    screening = true;
    c.lines[0].modifiers[c.lines[0].modifier_count++] = k33;
  }
  if (!re.companion.empty()) {
    const ResolvedItem& drug = pick_item(re.companion, re.companion_weight);
    add_line(rng, c, drug.code, static_cast<uint32_t>(rng.between(drug.units_min, drug.units_max)),
             day, drug.flags);
  }

  uint32_t target = 1;
  for (uint32_t r = rng.below(100), acc = 0; target < kMaxLines; ++target) {
    acc += kLineCountPercent[target - 1];
    if (r < acc) break;
  }
  const bool spread = target > 1 && !ep.emergency && rng.below(100) < kSpreadDaysPercent;
  bool procedure = false;
  // Distinct ancillary services, drawn without replacement.
  uint32_t used = 0;  // bit i: extras[i] is on the claim
  const uint32_t extras = static_cast<uint32_t>(re.extras.size());
  while (c.line_count < target && std::popcount(used) < static_cast<int>(extras)) {
    uint32_t i = rng.below(extras);
    while (used & (1u << i))
      i = (i + 1) % extras;
    used |= 1u << i;
    const ResolvedItem& it = re.extras[i];
    int32_t d = day;
    if (spread) {
      const int32_t k = rng.between(1, 6);
      d = day + k <= year_end ? day + k : day - k;
    }
    add_line(rng, c, it.code, static_cast<uint32_t>(rng.between(it.units_min, it.units_max)), d,
             it.flags);
    procedure |= (it.flags & kProcedure) != 0;
  }
  if (ep.emergency && procedure) c.lines[0].modifiers[c.lines[0].modifier_count++] = k25;

  choose_diagnoses(rng, c);
  if (screening) {
    // A screening is filed under the screening encounter (the pool's first) first.
    for (uint8_t i = 0; i < c.diagnosis_count; ++i)
      if (c.diagnoses[i] == 0) std::swap(c.diagnoses[0], c.diagnoses[i]);
    c.diagnoses[0] = 0;
  }
}

void ClaimGenerator::State::make_pair(Rng& rng, ClaimRecord& c, Member& m) {
  const size_t p = rng.below(static_cast<uint32_t>(kBundledInto.size()));
  const uint16_t one = pair_column_one[p];
  const uint16_t included = pair_included[p];
  c.pool = diagnoses_of(one);
  c.emergency = false;
  const int32_t day = draw_day(rng, m, false);
  const bool sided = kBundledInto[p].included == "29877";
  const bool bypass = kBundledInto[p].edit.modifier_allowed && rng.below(100) < kPairBypassPercent;
  const bool included_first = rng.below(2) == 0;
  for (int i = 0; i < 2; ++i) {
    const bool is_included = (i == 0) == included_first;
    add_line(rng, c, is_included ? included : one, 1, day, 0);
    Line& l = c.lines[c.line_count - 1];
    if (sided && !is_included) l.modifiers[l.modifier_count++] = kRt;
    if (is_included && bypass) {
      // The left knee beside the right one, or a distinct service (XU, 59) for an infusion.
      l.modifiers[l.modifier_count++] = sided ? kLt : (rng.below(2) ? kXu : k59);
    }
  }
  choose_diagnoses(rng, c);
}

void ClaimGenerator::State::make_units_over(Rng& rng, ClaimRecord& c, Member& m) {
  const size_t k = rng.below(static_cast<uint32_t>(kUnitsPerDay.size()));
  const uint16_t code = limited[k];
  const int64_t limit = kUnitsPerDay[k].second;
  c.pool = diagnoses_of(code);
  c.emergency = false;
  const int32_t day = draw_day(rng, m, false);
  const uint32_t units =
      static_cast<uint32_t>(limit + 1 + rng.below(static_cast<uint32_t>(limit / 5 + 1)));
  if (codes[code].text.starts_with("J9")) {
    // A drug is given in an infusion: the administration line first (96413 is limited[11]).
    add_line(rng, c, limited[11], 1, day, 0);
  }
  add_line(rng, c, code, units, day, 0);
  choose_diagnoses(rng, c);
}

void ClaimGenerator::State::add_uncovered(Rng& rng, ClaimRecord& c) {
  const auto& list = uncovered_codes();
  const size_t u = rng.below(static_cast<uint32_t>(list.size()));
  if (c.line_count == kMaxLines) --c.line_count;
  Line& l = c.lines[c.line_count++];
  l = Line{};
  l.code = uncovered[u];
  l.day = c.lines[0].day;
  l.pointers[0] = 1;
  l.pointer_count = 1;
  // No rate to mark up: a drug is charged $5-$300 a unit (1-4 units), equipment $20-$900.
  if (list[u].drug) {
    l.units = static_cast<uint32_t>(rng.between(1, 4));
    l.charge = rng.between(500, 30000) * static_cast<int64_t>(l.units);
  } else {
    l.units = 1;
    l.charge = rng.between(2000, 90000);
  }
}

void ClaimGenerator::State::finish_original(Rng& rng, ClaimRecord& c) {
  int32_t last = c.lines[0].day;
  for (uint8_t i = 0; i < c.line_count; ++i) {
    Line& l = c.lines[i];
    last = std::max(last, l.day);
    if (l.authorised && rng.chance(kMissingAuthPer10k)) l.authorised = false;
  }
  c.received = last + draw_lag(rng);
}

void ClaimGenerator::State::generate_batch() {
  const uint64_t n = std::min<uint64_t>(kBatchClaims, options.claims - claims_done);
  Rng rng{mix64(options.seed) ^ mix64(batch * 0xD1B54A32D192ED03ULL + 1)};

  // Members of this batch, and a slot per unit of their need for care.
  const uint64_t member_count = (n + kClaimsPerMember - 1) / kClaimsPerMember;
  const uint64_t first_member = batch * (kBatchClaims / kClaimsPerMember);
  members.resize(member_count);
  member_slots.clear();
  for (uint64_t i = 0; i < member_count; ++i) {
    make_member(rng, members[i], first_member + i);
    uint32_t r = rng.below(100), cls = 0;
    while (r >= kIntensityPercent[cls])
      r -= kIntensityPercent[cls++];
    for (uint32_t s = 0; s < kIntensityWeight[cls]; ++s)
      member_slots.push_back(static_cast<uint32_t>(i));
  }

  claims.resize(n);
  candidates.clear();
  for (uint64_t i = 0; i < n; ++i) {
    ClaimRecord& c = claims[i];
    c = ClaimRecord{};
    const uint32_t r = rng.below(10000);
    Kind kind = Kind::original;
    if (r < kDuplicatePer10k)
      kind = Kind::duplicate;
    else if (r < kDuplicatePer10k + kReplacementPer10k)
      kind = Kind::replacement;
    else if (r < kDuplicatePer10k + kReplacementPer10k + kVoidPer10k)
      kind = Kind::void_;

    if (kind != Kind::original && !candidates.empty()) {
      // A copy or correction of an earlier original claim of an enrolled member, each
      // original at most once, so that every correction finds its claim still on file.
      const uint32_t j = rng.below(static_cast<uint32_t>(candidates.size()));
      const uint32_t source = candidates[j];
      candidates[j] = candidates.back();
      candidates.pop_back();
      c = claims[source];
      c.kind = kind;
      c.source = source;
      c.received = claims[source].received +
                   (kind == Kind::duplicate ? rng.between(3, 45) : rng.between(10, 60));
      if (kind == Kind::replacement) {
        // The corrected claim changes one charge by -20%..+20% (never by nothing).
        Line& l = c.lines[rng.below(c.line_count)];
        const int64_t changed = l.charge * rng.between(800, 1200) / 1000;
        l.charge = changed != l.charge ? changed : l.charge + 100;
      }
      continue;
    }

    Member& m = members[member_slots[rng.below(static_cast<uint32_t>(member_slots.size()))]];
    c.member = static_cast<uint32_t>(&m - members.data());
    c.provider = rng.below(100) < kHomeProviderPercent
                     ? m.home_provider
                     : rng.below(static_cast<uint32_t>(provider_count));
    c.kind = Kind::original;
    const uint32_t shape = rng.below(10000);
    if (shape < kPairEditPer10k) {
      make_pair(rng, c, m);
    } else if (shape < kPairEditPer10k + kUnitsOverPer10k) {
      make_units_over(rng, c, m);
    } else {
      make_template(rng, c, m);
      if (rng.chance(kUncoveredPer10k)) add_uncovered(rng, c);
    }
    finish_original(rng, c);
    if (m.enrolment != Enrolment::never) candidates.push_back(static_cast<uint32_t>(i));
  }

  order.resize(n);
  for (uint64_t i = 0; i < n; ++i)
    order[i] = (static_cast<uint64_t>(claims[i].received - date_base) << 32) | i;
  std::sort(order.begin(), order.end());
  cursor = 0;
  claims_done += n;
  ++batch;
}

void ClaimGenerator::State::write_next(std::string& out) {
  ClaimRecord& c = claims[static_cast<uint32_t>(order[cursor++])];
  Member& m = members[c.member];
  const std::string_view pseudonym(m.pseudonym, 64);

  if (!m.enrol_written && m.enrolment != Enrolment::never) {
    m.enrol_written = true;
    out.append(R"({"call":"enrol","args":{"member":")");
    out.append(pseudonym);
    out.append(R"(","from":")");
    put_date(out, m.from);
    out.append(R"(","until":")");
    put_date(out, m.until);
    out.append("\"}}\n");
    ++calls_written;
  }

  const ClaimRecord* source = c.kind == Kind::original ? nullptr : &claims[c.source];
  for (uint8_t i = 0; i < c.line_count; ++i) {
    Line& l = c.lines[i];
    if (!l.authorised) continue;
    if (source) {
      // A copy quotes the authorisation of the claim it copies, already on file.
      l.auth_number = source->lines[i].auth_number;
      continue;
    }
    l.auth_number = ++auth_numbers;
    // Issued up to three weeks before the service, valid for 60 days, for the units billed.
    const int32_t from = l.day - 1 - static_cast<int32_t>(mix64(l.auth_number ^ options.seed) % 21);
    out.append(R"({"call":"authorise","args":{"number":"PA-)");
    put_uint(out, l.auth_number, 8);
    out.append(R"(","a":{"member":")");
    out.append(pseudonym);
    out.append(R"(","code":")");
    out.append(codes[l.code].text);
    out.append(R"(","valid":{"from":")");
    put_date(out, from);
    out.append(R"(","until":")");
    put_date(out, from + 59);
    out.append(R"("},"units":)");
    put_uint(out, l.units);
    out.append("}}}\n");
    ++calls_written;
  }

  c.id = ++claims_written;
  out.append(R"({"id":"C-)");
  put_uint(out, c.id, id_width);
  out.append(R"(","member":")");
  out.append(pseudonym);
  out.append(R"(","provider":")");
  {
    const uint64_t base = 100'000'000 + (c.provider * 7919ULL + npi_offset) % 100'000'000;
    put_uint(out, base * 10 + npi_check_digit(base));
  }
  out.append(R"(","currency":"USD","received":")");
  put_date(out, c.received);
  switch (c.kind) {
    case Kind::original:
    case Kind::duplicate:
      out.append(R"(","frequency":"original","replaces":null)");
      break;
    case Kind::replacement:
      out.append(R"(","frequency":"replacement","replaces":"C-)");
      break;
    case Kind::void_:
      out.append(R"(","frequency":"void","replaces":"C-)");
      break;
  }
  if (c.kind == Kind::replacement || c.kind == Kind::void_) {
    put_uint(out, source->id, id_width);
    out.push_back('"');
  }
  out.append(R"(,"diagnoses":[)");
  const auto pool = c.pool;
  for (uint8_t i = 0; i < c.diagnosis_count; ++i) {
    if (i) out.push_back(',');
    out.push_back('"');
    out.append(pool[c.diagnoses[i]]);
    out.push_back('"');
  }
  out.append(m.other_coverage ? R"(],"other_coverage":true,"lines":[)"
                              : R"(],"other_coverage":false,"lines":[)");
  for (uint8_t i = 0; i < c.line_count; ++i) {
    const Line& l = c.lines[i];
    out.append(i ? R"(,{"code":")" : R"({"code":")");
    out.append(codes[l.code].text);
    out.append(R"(","modifiers":[)");
    for (uint8_t k = 0; k < l.modifier_count; ++k) {
      if (k) out.push_back(',');
      out.push_back('"');
      out.append(kModifiers[l.modifiers[k]]);
      out.push_back('"');
    }
    out.append(R"(],"units":)");
    put_uint(out, l.units);
    out.append(R"(,"charge":")");
    put_cents(out, l.charge);
    out.append(R"(","service_date":")");
    put_date(out, l.day);
    out.append(c.emergency ? R"(","place":"23","diagnosis_pointers":[)"
                           : R"(","place":"22","diagnosis_pointers":[)");
    for (uint8_t k = 0; k < l.pointer_count; ++k) {
      if (k) out.push_back(',');
      put_uint(out, l.pointers[k]);
    }
    if (l.authorised) {
      out.append(R"(],"prior_auth":"PA-)");
      put_uint(out, l.auth_number, 8);
      out.append("\"}");
    } else {
      out.append(R"(],"prior_auth":null})");
    }
  }
  out.append("]}\n");
}

ClaimGenerator::ClaimGenerator(const GeneratorOptions& options)
    : state_(std::make_unique<State>(options)) {}
ClaimGenerator::~ClaimGenerator() = default;

bool ClaimGenerator::next(std::string& out) {
  State& s = *state_;
  if (s.cursor == s.claims.size() || s.claims.empty()) {
    if (s.claims_done >= s.options.claims) return false;
    s.generate_batch();
  }
  s.write_next(out);
  return true;
}

bool ClaimGenerator::write_all(std::FILE* out) {
  constexpr size_t kFlushAt = size_t{1} << 20;
  std::string buffer;
  buffer.reserve(kFlushAt + 16 * 1024);
  bool more = true;
  while (more) {
    while (buffer.size() < kFlushAt && (more = next(buffer))) {
    }
    if (!buffer.empty() && std::fwrite(buffer.data(), 1, buffer.size(), out) != buffer.size())
      return false;
    buffer.clear();
  }
  return std::fflush(out) == 0;
}

uint64_t ClaimGenerator::claims_written() const {
  return state_->claims_written;
}
uint64_t ClaimGenerator::calls_written() const {
  return state_->calls_written;
}

}  // namespace covenant::claims
