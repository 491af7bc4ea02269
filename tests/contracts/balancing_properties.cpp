// Property test of contracts/claims/commercial_ppo.cvn: random claims (originals, corrections
// and voids, for a few members over a year and a half, with every kind of line the plan edits)
// adjudicated in sequence on the VM, the state carried from claim to claim. Every remittance
// is checked with independent arithmetic:
//   - the 835 balancing rule on every line: submitted − Σ adjustments = paid;
//   - the cost-share identities: allowed = paid + deductible + copay + coinsurance,
//     patient + secondary = deductible + copay + coinsurance = Σ PR adjustments;
//   - a refused line is one adjustment of its whole charge; a priced line's allowed amount is
//     min(charge, rate × units) from the fee schedule CSV; coinsurance is at most 20% of what
//     the copay and deductible leave (rounded half up);
//   - the claim totals are the sums of the lines; a reversal negates the claim it voids;
//   - the accumulators the contract reports equal the sums of the deductible and member share
//     of the lines still in force, never above $1,000 and $4,000, and nothing is charged to a
//     member past the out-of-pocket maximum.

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/contracts/contract_vm.hpp"

using namespace covenant::contract_tests;

namespace {

constexpr int kClaims = 10'000;
constexpr uint64_t kSeed = 0xc1a1'3835;
constexpr int64_t kDeductible = 100'000;  // cents
constexpr int64_t kOopMax = 400'000;

// Enum tags, in declaration order (stdlib/claims.cvn).
enum Group : int64_t { co = 0, oa = 1, pi = 2, pr = 3 };
enum Status : int64_t { primary = 0, refused = 1, forwarded = 2, reversal = 3 };
const std::set<int64_t> kRefusals = {16, 18, 26, 27, 29, 96, 97, 151, 197, 198};

struct Ymd {
  int64_t y, m, d;
};
Ymd civil(int64_t days) {
  std::string s = date_json(days);  // "\"YYYY-MM-DD\""
  return {std::stoll(s.substr(1, 4)), std::stoll(s.substr(6, 2)), std::stoll(s.substr(9, 2))};
}
int64_t plan_year(int64_t day) {
  Ymd d = civil(day);
  return d.m >= 7 ? d.y : d.y - 1;
}

std::map<std::string, int64_t> fee_schedule() {
  std::map<std::string, int64_t> out;
  std::istringstream in(read_source("contracts/claims/commercial_ppo_fee_schedule.csv"));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    size_t comma = line.find(',');
    std::string rate = line.substr(comma + 1);
    size_t dot = rate.find('.');
    out[line.substr(0, comma)] =
        std::stoll(rate.substr(0, dot)) * 100 + std::stoll(rate.substr(dot + 1));
  }
  return out;
}

std::array<uint8_t, 32> id_bytes(uint8_t tag, uint64_t n) {
  std::array<uint8_t, 32> b{};
  b[0] = tag;
  for (int i = 0; i < 8; ++i)
    b[31 - i] = static_cast<uint8_t>(n >> (8 * i));
  return b;
}

struct Code {
  const char* code;
  bool needs_auth;
  int64_t max_units;
};
// Codes with every edit of the plan: clinic and ER visits, preventive screening, imaging that
// needs authorisation, procedure pairs, a chemotherapy drug billed in milligrams, and codes
// with no rate (99213, 0042T).
constexpr Code kCodes[] = {
    {"G0463", false, 3},  {"99283", false, 1},  {"99285", false, 1}, {"G0121", false, 1},
    {"45378", false, 1},  {"45385", false, 1},  {"70551", true, 2},  {"70553", true, 1},
    {"72148", true, 1},   {"74176", true, 1},   {"74177", true, 1},  {"29877", false, 1},
    {"29881", false, 1},  {"43235", false, 1},  {"43239", false, 1}, {"96365", false, 2},
    {"96413", false, 2},  {"J9271", true, 450}, {"66984", false, 1}, {"71046", false, 2},
    {"20610", false, 2},  {"93306", false, 1},  {"99213", false, 1}, {"0042T", false, 1},
    {"J1885", false, 40},
};
constexpr const char* kModifiers[] = {"59", "XS", "LT", "RT", "76", "91", "33", "25", "TC"};
// Procedure pairs of the plan (column one, then the code it includes), billed together now
// and then so that the pair edit and its modifier bypass are exercised.
const std::map<std::string, const char*> kPairs = {{"29881", "29877"}, {"43239", "43235"},
                                                   {"45385", "45378"}, {"70553", "70551"},
                                                   {"74177", "74176"}, {"96413", "96365"}};

struct LineOnFile {
  bool counted = false;
  int64_t plan_year = 0, deductible = 0, out_of_pocket = 0;
};
struct ClaimOnFile {
  size_t member = 0;
  bool active = true;
  std::vector<LineOnFile> lines;
};

}  // namespace

TEST_CASE("commercial_ppo: every remittance balances; accumulators match the lines in force") {
  Contract ppo = Contract::from_file("contracts/claims/commercial_ppo.cvn");
  REQUIRE(ppo.ok());
  const std::map<std::string, int64_t> schedule = fee_schedule();
  REQUIRE(schedule.size() > 7'000);

  std::mt19937_64 rng(kSeed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const int64_t first_day = days_of(2027, 1, 1), last_day = days_of(2028, 6, 30);
  constexpr size_t kMembers = 300;
  std::vector<std::string> members;
  for (size_t m = 0; m < kMembers; ++m) {
    members.push_back(hex32_json(id_bytes(0xaa, m)));
    // Four members are covered for part of the period only (CO-26, CO-27).
    int64_t from = m < 4 ? days_of(2027, 3, 1) : first_day,
            until = m < 4 ? days_of(2027, 12, 31) : last_day;
    REQUIRE(ppo.call("enrol", "{\"member\": " + members[m] + ", \"from\": " + date_json(from) +
                                  ", \"until\": " + date_json(until) + "}")
                .kind == Outcome::Kind::ok);
    for (const Code& code : kCodes) {
      if (!code.needs_auth) continue;
      std::string number = std::string("\"A") + std::to_string(m) + code.code + "\"";
      Outcome a =
          ppo.call("authorise", "{\"number\": " + number + ", \"a\": {\"member\": " + members[m] +
                                    ", \"code\": \"" + code.code + "\", \"valid\": {\"from\": " +
                                    date_json(first_day) + ", \"until\": " + date_json(last_day) +
                                    "}, \"units\": " + std::to_string(code.max_units * 3) + "}}");
      REQUIRE(a.kind == Outcome::Kind::ok);
    }
  }

  std::map<std::pair<size_t, int64_t>, std::pair<int64_t, int64_t>>
      accumulators;  // (member, year) -> (ded, oop)
  std::map<uint64_t, ClaimOnFile> on_file;
  std::vector<uint64_t> ids;
  int ok = 0, denied = 0, lines = 0, priced = 0, reversals = 0, replacements = 0, at_oop_max = 0;
  int with_deductible = 0, with_copay = 0, with_coinsurance = 0, forwarded = 0;
  std::map<int64_t, int> refusals;
  int failures = 0;
  auto fail = [&](const std::string& what, const std::string& args, const View& result) {
    if (++failures <= 10)
      FAIL_CHECK(what << "\n  claim: " << args << "\n  remittance: " << result.json());
  };

  for (uint64_t n = 1; ok < kClaims && n < 3 * kClaims; ++n) {
    size_t member = static_cast<size_t>(uniform(0, kMembers - 1));
    int64_t received = uniform(first_day + 45, last_day);
    std::string frequency = "original", replaces = "null";
    uint64_t old = 0;
    int64_t roll = uniform(0, 99);
    if (roll < 15 && !ids.empty()) {
      old = ids[static_cast<size_t>(uniform(0, static_cast<int64_t>(ids.size()) - 1))];
      frequency = roll < 9 ? "replacement" : "void";
      replaces = hex32_json(id_bytes(0xc0, old));
      // Corrections are mostly the member's own claims; some name another's, to be refused.
      if (uniform(0, 4) != 0) member = on_file[old].member;
    }
    bool other_coverage = uniform(0, 6) == 0;
    size_t count = static_cast<size_t>(uniform(1, 6));
    std::string body;
    std::vector<std::pair<std::string, int64_t>> billed;  // code, units
    int64_t previous_day = 0;
    for (size_t i = 0; i < count; ++i) {
      // A third of the lines are visits (the copay classes); the rest any code, or the code
      // the line before includes.
      const Code* pick = &kCodes[uniform(0, static_cast<int64_t>(std::size(kCodes)) - 1)];
      if (uniform(0, 2) == 0) pick = &kCodes[uniform(0, 2)];
      auto pair = i ? kPairs.find(billed.back().first) : kPairs.end();
      if (pair != kPairs.end() && uniform(0, 1))
        for (const Code& c : kCodes)
          if (std::string(c.code) == pair->second) pick = &c;
      const Code& code = *pick;
      // Mostly a few units; sometimes a large drug dose.
      int64_t units =
          uniform(1, uniform(0, 9) == 0 ? code.max_units : std::min<int64_t>(code.max_units, 4));
      auto rate = schedule.find(code.code);
      int64_t list_price = rate == schedule.end() ? 20'000 : rate->second;
      // Charges from half to three times the schedule, a few of them zero.
      int64_t charge = uniform(0, 19) == 0 ? 0 : list_price * units * uniform(50, 300) / 100;
      int64_t day = received - (uniform(0, 9) == 0 ? uniform(0, 500) : uniform(0, 120));
      if (i && uniform(0, 1)) day = previous_day;
      previous_day = day;
      std::string modifiers = "[";
      for (int64_t k = uniform(0, 4) <= 2 ? 0 : uniform(1, 2); k > 0; --k)
        modifiers +=
            std::string(modifiers.size() > 1 ? "," : "") + "\"" + kModifiers[uniform(0, 8)] + "\"";
      modifiers += "]";
      int64_t pointer_roll = uniform(0, 29);
      std::string pointers = pointer_roll == 0 ? "[]" : pointer_roll == 1 ? "[3]" : "[1, 2]";
      std::string auth = "null";
      if (code.needs_auth && uniform(0, 9) != 0)
        auth = std::string("\"A") +
               std::to_string(uniform(0, 5) == 0 ? (member + 1) % kMembers : member) + code.code +
               "\"";
      body += std::string(i ? "," : "") + "{\"code\": \"" + code.code +
              "\", \"modifiers\": " + modifiers + ", \"units\": " + std::to_string(units) +
              ", \"charge\": " + money_json(charge, 2, "USD") +
              ", \"service_date\": " + date_json(day) + ", \"place\": \"" +
              (uniform(0, 3) ? "22" : "23") + "\", \"diagnosis_pointers\": " + pointers +
              ", \"prior_auth\": " + auth + "}";
      billed.emplace_back(code.code, units);
    }
    std::string args =
        "{\"c\": {\"id\": " + hex32_json(id_bytes(0xc0, n)) + ", \"member\": " + members[member] +
        ", \"provider\": \"" + (uniform(0, 3) ? "1234567893" : "1972902351") +
        "\", \"received\": " + date_json(received) + ", \"frequency\": \"" + frequency +
        "\", \"replaces\": " + replaces + ", \"diagnoses\": [\"K635\", \"Z1211\"], " +
        "\"other_coverage\": " + (other_coverage ? "true" : "false") + ", \"lines\": [" + body +
        "]}}";

    Outcome o = ppo.call("adjudicate", args);
    if (o.kind == Outcome::Kind::fault) {
      fail("adjudicate faulted: " + o.fault, args, View(nullptr, {}));
      continue;
    }
    if (o.kind == Outcome::Kind::denied) {
      ++denied;
      continue;
    }
    ++ok;
    View r = ppo.result("adjudicate", o);
    if (old != 0) {
      // The claim named was withdrawn: take back what it counted.
      ClaimOnFile& withdrawn = on_file[old];
      if (!withdrawn.active || withdrawn.member != member)
        fail("a correction of a claim not in force passed", args, r);
      for (const LineOnFile& l : withdrawn.lines) {
        if (!l.counted) continue;
        auto& acc = accumulators[{member, l.plan_year}];
        acc.first -= l.deductible;
        acc.second -= l.out_of_pocket;
      }
      withdrawn.active = false;
    }
    bool is_void = frequency == "void";
    if (is_void) ++reversals;
    if (frequency == "replacement") ++replacements;
    if ((r["status"].word() == reversal) != is_void) fail("reversal status", args, r);
    if (r["lines"].size() != (is_void ? on_file[old].lines.size() : count))
      fail("number of lines", args, r);

    ClaimOnFile claim{member, true, {}};
    int64_t submitted = 0, paid = 0, patient = 0, secondary = 0;
    int64_t sign = is_void ? -1 : 1;
    for (size_t i = 0; i < r["lines"].size(); ++i) {
      View l = r["lines"][i];
      ++lines;
      int64_t s = l["submitted"].word(), a = l["allowed"].word(), d = l["deductible"].word();
      int64_t cp = l["copay"].word(), ci = l["coinsurance"].word(), p = l["paid"].word();
      int64_t pt = l["patient"].word(), sec = l["secondary"].word();
      int64_t adjusted = 0, by_patient = 0;
      View adjustments = l["adjustments"];
      for (size_t k = 0; k < adjustments.size(); ++k) {
        adjusted += adjustments[k]["amount"].word();
        if (adjustments[k]["group"].word() == pr) by_patient += adjustments[k]["amount"].word();
      }
      submitted += s;
      paid += p;
      patient += pt;
      secondary += sec;
      int64_t owed = d + cp + ci;
      if (s - adjusted != p) fail("835 balance: submitted - adjustments != paid", args, r);
      if (a - owed != p) fail("allowed != paid + deductible + copay + coinsurance", args, r);
      if (pt + sec != owed || by_patient != owed) fail("patient share identities", args, r);
      if (sign * p < 0 || sign * p > sign * a || sign * a > sign * s || sign * d < 0 ||
          sign * cp < 0 || sign * ci < 0)
        fail("amounts out of order or of the wrong sign", args, r);
      if (!other_coverage && !is_void && sec != 0)
        fail("a secondary amount without a secondary payer", args, r);
      bool refusal = adjustments.size() == 1 && kRefusals.count(adjustments[0]["reason"].word());
      if (refusal) {
        ++refusals[adjustments[0]["reason"].word()];
        if (a != 0 || adjustments[0]["amount"].word() != s)
          fail("a refused line keeps part of its charge", args, r);
      }
      if (is_void) continue;
      const auto& [code, units] = billed[i];
      auto rate = schedule.find(code);
      if (rate == schedule.end() && !refusal) fail("a code without a rate was paid", args, r);
      if (refusal && adjustments[0]["reason"].word() == 96 && rate != schedule.end())
        fail("CO-96 for a code with a rate", args, r);
      LineOnFile kept;
      if (!refusal) {
        ++priced;
        if (a != std::min(s, rate->second * units))
          fail("allowed != min(charge, rate x units)", args, r);
        int64_t base = a - cp - d;
        if (ci > (base * 2 + 5) / 10) fail("coinsurance above 20% of the rest", args, r);
        int64_t year = plan_year(l["service_date"].word());
        auto& acc = accumulators[{member, year}];
        if (acc.second >= kOopMax) {
          ++at_oop_max;
          if (owed != 0) fail("a member share past the out-of-pocket maximum", args, r);
        }
        if (acc.first >= kDeductible && d != 0) fail("a deductible past the deductible", args, r);
        acc.first += d;
        acc.second += owed;
        with_deductible += d > 0;
        with_copay += cp > 0;
        with_coinsurance += ci > 0;
        forwarded += sec > 0;
        kept = {true, year, d, owed};
      }
      claim.lines.push_back(kept);
    }
    if (submitted != r["submitted"].word() || paid != r["paid"].word() ||
        patient != r["patient"].word() || secondary != r["secondary"].word())
      fail("claim totals are not the sums of the lines", args, r);
    if (!is_void) {
      on_file[n] = claim;
      ids.push_back(n);
    }
    // The contract's accumulators for the member, every plan year of the period.
    for (int64_t year = 2026; year <= 2027; ++year) {
      std::string q =
          "{\"member\": " + members[member] + ", \"plan_year\": " + std::to_string(year) + "}";
      Outcome acc = ppo.call("accumulated", q);
      REQUIRE(acc.kind == Outcome::Kind::ok);
      View v = ppo.result("accumulated", acc);
      auto expected = accumulators[{member, year}];
      if (v["deductible"].word() != expected.first ||
          v["out_of_pocket"].word() != expected.second || expected.first > kDeductible ||
          expected.second > kOopMax)
        fail("accumulators " + v.json() + " for plan year " + std::to_string(year) +
                 ", expected deductible " + std::to_string(expected.first) + " and out of pocket " +
                 std::to_string(expected.second),
             args, r);
    }
  }
  std::ostringstream refused;
  for (const auto& [reason, times] : refusals)
    refused << " " << reason << ":" << times;
  MESSAGE("commercial_ppo: " << ok << " random claims adjudicated (seed " << kSeed << "), "
                             << denied << " refused whole; " << lines << " lines, " << priced
                             << " priced; " << replacements << " replacements, " << reversals
                             << " voids; priced lines with a deductible " << with_deductible
                             << ", a copay " << with_copay << ", coinsurance " << with_coinsurance
                             << ", forwarded to a secondary payer " << forwarded
                             << ", past the out-of-pocket maximum " << at_oop_max
                             << "; refusals by CARC:" << refused.str());
  CHECK(failures == 0);
  CHECK(ok >= kClaims);
  // Every edit of the plan was exercised.
  for (int64_t reason : kRefusals)
    CHECK_MESSAGE(refusals[reason] > 0, "no line was refused with CARC " << reason);
  CHECK(at_oop_max > 100);
  CHECK(with_deductible > 1'000);
  CHECK(with_copay > 1'000);
  CHECK(with_coinsurance > 1'000);
  CHECK(forwarded > 100);
  CHECK(reversals > 100);
}
