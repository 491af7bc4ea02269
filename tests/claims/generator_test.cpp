// claims/generator: the synthetic claims of `covenant gen-claims` are reproducible, read as
// the NDJSON schema the simulator expects, hold together (enrolments, authorisations and
// corrections come before the claims that need them) and show the stated rates.

#include "claims/generator.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

using covenant::claims::ClaimGenerator;
using covenant::claims::GeneratorOptions;

std::string generate(uint64_t claims, uint64_t seed, int plan_year = 2026) {
  ClaimGenerator g(GeneratorOptions{claims, seed, plan_year});
  std::string out;
  while (g.next(out)) {
  }
  return out;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    REQUIRE(end != std::string_view::npos);  // every record ends with a newline
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool is_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool is_lower_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_money(std::string_view s) {
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || s.size() - dot != 3) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (i != dot && (s[i] < '0' || s[i] > '9')) return false;
  return true;
}

bool is_code(std::string_view s) {
  return !s.empty() && s.size() <= 16 && s.find(' ') == std::string_view::npos;
}

std::string_view str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  REQUIRE_MESSAGE(e[key].get_string().get(v) == simdjson::SUCCESS, "field ", key);
  return v;
}

int64_t integer(simdjson::dom::element e, const char* key) {
  int64_t v = 0;
  REQUIRE_MESSAGE(e[key].get_int64().get(v) == simdjson::SUCCESS, "field ", key);
  return v;
}

// Days since 1970-01-01 of a "YYYY-MM-DD" (only to compare and subtract dates).
int64_t days(std::string_view d) {
  int y = std::stoi(std::string(d.substr(0, 4)));
  const unsigned m = static_cast<unsigned>(std::stoi(std::string(d.substr(5, 2))));
  const unsigned day = static_cast<unsigned>(std::stoi(std::string(d.substr(8, 2))));
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// What a pass over the output counted, for the rate checks.
struct Tally {
  uint64_t claims = 0, originals = 0, replacements = 0, voids = 0;
  uint64_t duplicates = 0;  // originals equal to an earlier one but for id and received
  uint64_t pairs = 0, pairs_allowing = 0, pairs_bypassed = 0;
  uint64_t units_over = 0, uncovered = 0, late = 0;
  uint64_t auth_lines = 0, auth_missing = 0;
  uint64_t members = 0, never_enrolled = 0, part_year = 0;
  uint64_t other_coverage_claims = 0;
  uint64_t lines_up_to_3 = 0;  // claims of one to three lines
};

// Reads every record, checking the schema and the order of calls and claims; returns the tally.
Tally check_stream(std::string_view text, int plan_year) {
  Tally t;
  simdjson::dom::parser parser;
  struct Enrolment {
    int64_t from, until;
  };
  struct Authorisation {
    std::string member, code;
    int64_t from, until, units;
  };
  std::unordered_map<std::string, Enrolment> enrolled;
  std::unordered_map<std::string, Authorisation> authorisations;
  std::unordered_map<std::string, std::string> member_of_claim;
  std::unordered_set<std::string> members_seen;
  std::unordered_set<std::string> claim_bodies;  // member, provider and lines of each original
  const int64_t year_start = days(std::to_string(plan_year) + "-07-01");
  const int64_t year_end = days(std::to_string(plan_year + 1) + "-06-30");
  uint64_t expected_id = 1;

  for (std::string_view line : lines_of(text)) {
    simdjson::dom::element e;
    REQUIRE_MESSAGE(parser.parse(line.data(), line.size()).get(e) == simdjson::SUCCESS,
                    std::string(line));
    std::string_view call;
    if (e["call"].get_string().get(call) == simdjson::SUCCESS) {
      simdjson::dom::element args = e["args"];
      if (call == "enrol") {
        const std::string member(str(args, "member"));
        REQUIRE(is_lower_hex64(member));
        REQUIRE_MESSAGE(!members_seen.count(member), "enrolment after the member's first claim");
        REQUIRE(is_date(str(args, "from")));
        REQUIRE(is_date(str(args, "until")));
        const Enrolment en{days(str(args, "from")), days(str(args, "until"))};
        REQUIRE(en.from <= en.until);
        if (en.from != year_start || en.until != year_end) ++t.part_year;
        enrolled[member] = en;
      } else {
        REQUIRE(call == "authorise");
        const std::string number(str(args, "number"));
        REQUIRE(is_code(number));
        REQUIRE_MESSAGE(!authorisations.count(number), "authorisation number used twice");
        simdjson::dom::element a = args["a"];
        simdjson::dom::element valid = a["valid"];
        REQUIRE(is_date(str(valid, "from")));
        REQUIRE(is_date(str(valid, "until")));
        authorisations[number] = {std::string(str(a, "member")), std::string(str(a, "code")),
                                  days(str(valid, "from")), days(str(valid, "until")),
                                  integer(a, "units")};
        REQUIRE(authorisations[number].units > 0);
      }
      continue;
    }

    ++t.claims;
    const std::string id(str(e, "id"));
    REQUIRE(id.starts_with("C-"));
    CHECK(std::stoull(id.substr(2)) == expected_id++);
    const std::string member(str(e, "member"));
    REQUIRE(is_lower_hex64(member));
    if (members_seen.insert(member).second) {
      ++t.members;
      if (!enrolled.count(member)) ++t.never_enrolled;
    }
    const std::string_view provider = str(e, "provider");
    REQUIRE(covenant::claims::npi_check_digit_valid(provider));
    REQUIRE((provider[0] == '1' || provider[0] == '2'));
    REQUIRE(str(e, "currency") == "USD");
    const std::string_view received = str(e, "received");
    REQUIRE(is_date(received));
    bool other = false;
    REQUIRE(e["other_coverage"].get_bool().get(other) == simdjson::SUCCESS);
    if (other) ++t.other_coverage_claims;

    const std::string_view frequency = str(e, "frequency");
    std::string_view replaces;
    const bool has_replaces = e["replaces"].get_string().get(replaces) == simdjson::SUCCESS;
    if (frequency == "original") {
      REQUIRE(e["replaces"].is_null());
    } else {
      REQUIRE((frequency == "replacement" || frequency == "void"));
      REQUIRE(has_replaces);
      REQUIRE_MESSAGE(member_of_claim.count(std::string(replaces)),
                      "replaces a claim not yet written");
      REQUIRE_MESSAGE(member_of_claim[std::string(replaces)] == member,
                      "replaces another member's claim");
      ++(frequency == "void" ? t.voids : t.replacements);
    }
    member_of_claim[id] = member;

    simdjson::dom::array diagnoses;
    REQUIRE(e["diagnoses"].get_array().get(diagnoses) == simdjson::SUCCESS);
    const size_t diagnosis_count = diagnoses.size();
    REQUIRE(diagnosis_count >= 1);
    REQUIRE(diagnosis_count <= 12);
    for (simdjson::dom::element d : diagnoses) {
      std::string_view code;
      REQUIRE(d.get_string().get(code) == simdjson::SUCCESS);
      REQUIRE(is_code(code));
      REQUIRE(code.size() >= 3);
    }

    simdjson::dom::array lines;
    REQUIRE(e["lines"].get_array().get(lines) == simdjson::SUCCESS);
    REQUIRE(lines.size() >= 1);
    REQUIRE(lines.size() <= 6);
    if (lines.size() <= 3) ++t.lines_up_to_3;
    std::map<std::string, std::vector<std::string>> codes_on_day;  // day → codes (pair check)
    std::map<std::string, std::vector<std::string>> modifiers_of;  // code → first line's modifiers
    bool over = false, uncovered = false;
    int64_t latest = 0;
    for (simdjson::dom::element l : lines) {
      const std::string code(str(l, "code"));
      REQUIRE(is_code(code));
      simdjson::dom::array modifiers;
      REQUIRE(l["modifiers"].get_array().get(modifiers) == simdjson::SUCCESS);
      REQUIRE(modifiers.size() <= 4);
      std::vector<std::string> mods;
      for (simdjson::dom::element m : modifiers) {
        std::string_view s;
        REQUIRE(m.get_string().get(s) == simdjson::SUCCESS);
        REQUIRE(s.size() == 2);
        mods.emplace_back(s);
      }
      const int64_t units = integer(l, "units");
      REQUIRE(units >= 1);
      REQUIRE(is_money(str(l, "charge")));
      const std::string day(str(l, "service_date"));
      REQUIRE(is_date(day));
      const int64_t service = days(day);
      REQUIRE(service >= year_start);
      REQUIRE(service <= year_end);
      REQUIRE(service <= days(received));
      latest = std::max(latest, service);
      const std::string_view place = str(l, "place");
      REQUIRE((place == "22" || place == "23"));
      simdjson::dom::array pointers;
      REQUIRE(l["diagnosis_pointers"].get_array().get(pointers) == simdjson::SUCCESS);
      REQUIRE(pointers.size() >= 1);
      REQUIRE(pointers.size() <= 4);
      for (simdjson::dom::element p : pointers) {
        int64_t v = 0;
        REQUIRE(p.get_int64().get(v) == simdjson::SUCCESS);
        REQUIRE(v >= 1);
        REQUIRE(static_cast<size_t>(v) <= diagnosis_count);
      }
      std::string_view auth;
      const bool quoted = l["prior_auth"].get_string().get(auth) == simdjson::SUCCESS;
      if (!quoted) REQUIRE(l["prior_auth"].is_null());
      if (covenant::claims::needs_prior_auth(code)) {
        if (frequency == "original") {
          ++t.auth_lines;
          if (!quoted) ++t.auth_missing;
        }
      } else {
        REQUIRE(!quoted);
      }
      if (quoted) {
        REQUIRE_MESSAGE(authorisations.count(std::string(auth)),
                        "a claim quotes an authorisation not yet on file");
        const Authorisation& a = authorisations[std::string(auth)];
        CHECK(a.member == member);
        CHECK(a.code == code);
        CHECK(a.from <= service);
        CHECK(service <= a.until);
        CHECK(units <= a.units);
      }
      if (auto limit = covenant::claims::units_per_day_limit(code); limit && units > *limit)
        over = true;
      if (!covenant::claims::fee_schedule_cents(code)) uncovered = true;
      codes_on_day[day].push_back(code);
      modifiers_of.emplace(code, mods);
    }
    if (latest > 0 && days(received) - latest > 180 && frequency == "original") ++t.late;

    if (frequency == "original") {
      ++t.originals;
      // A duplicate is the same member, provider and lines as an earlier original claim.
      std::string body = member + "|" + std::string(provider) + "|";
      body += std::string(line.substr(line.find("\"lines\":")));
      if (!claim_bodies.insert(body).second) {
        ++t.duplicates;
        continue;
      }
      bool pair = false;
      for (const auto& [day, codes] : codes_on_day) {
        for (const std::string& c : codes) {
          auto edit = covenant::claims::bundled_into(c);
          if (!edit) continue;
          for (const std::string& with : codes) {
            if (with != edit->column_one) continue;
            pair = true;
            if (edit->modifier_allowed) {
              ++t.pairs_allowing;
              if (!modifiers_of[c].empty()) ++t.pairs_bypassed;
            } else {
              CHECK(modifiers_of[c].empty());
            }
          }
        }
      }
      t.pairs += pair;
      t.units_over += over;
      t.uncovered += uncovered;
    }
  }
  return t;
}

}  // namespace

TEST_CASE("gen-claims: the same options give the same bytes; another seed or year others") {
  const std::string a = generate(3000, 42);
  CHECK(a == generate(3000, 42));
  CHECK(a != generate(3000, 43));
  const std::string later = generate(3000, 42, 2027);
  CHECK(later != a);
  CHECK(later.find("\"service_date\":\"2027-07-") != std::string::npos);
  CHECK(a.find("\"service_date\":\"2026-07-") != std::string::npos);

  // write_all writes what next() appends.
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  ClaimGenerator g(GeneratorOptions{3000, 42, 2026});
  REQUIRE(g.write_all(f));
  CHECK(g.claims_written() == 3000);
  std::string back(static_cast<size_t>(std::ftell(f)), '\0');
  std::rewind(f);
  CHECK(std::fread(back.data(), 1, back.size(), f) == back.size());
  std::fclose(f);
  CHECK(back == a);
}

TEST_CASE("gen-claims: exactly --n claims, calls on top") {
  for (uint64_t n : {0ULL, 1ULL, 7ULL, 8ULL, 9ULL, 8193ULL}) {
    ClaimGenerator g(GeneratorOptions{n, 5, 2026});
    std::string out;
    while (g.next(out)) {
    }
    CHECK(g.claims_written() == n);
    uint64_t claim_lines = 0, call_lines = 0;
    for (std::string_view l : lines_of(out))
      ++(l.starts_with("{\"call\"") ? call_lines : claim_lines);
    CHECK(claim_lines == n);
    CHECK(call_lines == g.calls_written());
    std::string more;
    CHECK_FALSE(g.next(more));
    CHECK(more.empty());
  }
  CHECK_THROWS_AS(ClaimGenerator(GeneratorOptions{10, 1, 1899}), std::invalid_argument);
  CHECK_THROWS_AS(ClaimGenerator(GeneratorOptions{10, 1, 9001}), std::invalid_argument);
}

TEST_CASE("gen-claims: the schema, and calls and corrections before the claims that need them") {
  // Two batches and part of a third, in another plan year.
  const Tally t = check_stream(generate(20000, 9, 2030), 2030);
  CHECK(t.claims == 20000);
  CHECK(t.replacements > 0);
  CHECK(t.voids > 0);
  CHECK(t.duplicates > 0);
}

TEST_CASE("gen-claims: the stated rates, on 100,000 claims") {
  using namespace covenant::claims;
  const Tally t = check_stream(generate(100000, 2024), 2026);
  const double n = static_cast<double>(t.claims);
  auto near = [](double seen, double stated, double tolerance) {
    INFO("seen " << seen << ", stated " << stated);
    CHECK(seen >= stated * (1 - tolerance));
    CHECK(seen <= stated * (1 + tolerance));
  };
  near(t.duplicates / n, kDuplicatePer10k / 1e4, 0.15);
  near(t.replacements / n, kReplacementPer10k / 1e4, 0.15);
  near(t.voids / n, kVoidPer10k / 1e4, 0.2);
  near(t.pairs / n, kPairEditPer10k / 1e4, 0.15);
  near(static_cast<double>(t.pairs_bypassed) / static_cast<double>(t.pairs_allowing),
       kPairBypassPercent / 100.0, 0.2);
  near(t.units_over / n, kUnitsOverPer10k / 1e4, 0.25);
  // Of the original claims that are not pair or units-over claims.
  near(t.uncovered / n, kUncoveredPer10k / 1e4 * (1 - (kPairEditPer10k + kUnitsOverPer10k) / 1e4),
       0.15);
  near(t.late / n, kLateFilingPer10k / 1e4, 0.25);
  near(static_cast<double>(t.auth_missing) / static_cast<double>(t.auth_lines),
       kMissingAuthPer10k / 1e4, 0.2);
  const double members = static_cast<double>(t.members);
  near(members / n, 1.0 / kClaimsPerMember, 0.1);
  near(t.never_enrolled / members, kNeverEnrolledPer10k / 1e4, 0.4);
  near(t.part_year / members, kPartYearPer10k / 1e4, 0.25);
  // Members with a secondary payer, counted by their claims (heavier users weigh more).
  near(t.other_coverage_claims / n, kOtherCoveragePer10k / 1e4, 0.2);
  CHECK(t.lines_up_to_3 / n > 0.85);
}

TEST_CASE("gen-claims: the tables agree with the plan") {
  using namespace covenant::claims;
  CHECK(fee_schedule_cents("G0463") == 13602);
  CHECK(fee_schedule_cents("J9271") == 6125);
  CHECK(fee_schedule_cents("70551") == 24377);
  CHECK_FALSE(fee_schedule_cents("99213"));
  CHECK(needs_prior_auth("70553"));
  CHECK(needs_prior_auth("J9271"));
  CHECK(needs_prior_auth("78815"));
  CHECK_FALSE(needs_prior_auth("71046"));
  CHECK_FALSE(needs_prior_auth("J1745"));
  CHECK(npi_check_digit_valid("1234567893"));
  CHECK(npi_check_digit_valid("1972902351"));
  CHECK_FALSE(npi_check_digit_valid("1234567890"));
  CHECK_FALSE(npi_check_digit_valid("123456789"));

  // The `units_per_day` and `bundled_into` tables of the contract, read from its source.
  std::ifstream in(std::string(COVENANT_SOURCE_DIR) + "/contracts/claims/commercial_ppo.cvn");
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string source = ss.str();
  auto table = [&](std::string_view header) {
    const size_t start = source.find(header);
    REQUIRE(start != std::string::npos);
    return source.substr(start, source.find("\n}", start) - start);
  };
  size_t limits = 0;
  std::istringstream units(table("table units_per_day"));
  for (std::string row; std::getline(units, row);) {
    const size_t q = row.find('"');
    if (q == std::string::npos || row.find("=>") == std::string::npos) continue;
    const std::string code = row.substr(q + 1, row.find('"', q + 1) - q - 1);
    const int64_t limit = std::stoll(row.substr(row.find("=>") + 2));
    CHECK_MESSAGE(units_per_day_limit(code) == limit, code);
    ++limits;
  }
  CHECK(limits == 14);
  size_t pairs = 0;
  std::istringstream bundled(table("table bundled_into"));
  for (std::string row; std::getline(bundled, row);) {
    const size_t q = row.find('"');
    const size_t one = row.find("column_one: \"");
    if (q == std::string::npos || one == std::string::npos) continue;
    const std::string code = row.substr(q + 1, row.find('"', q + 1) - q - 1);
    const std::string column_one = row.substr(one + 13, 5);
    auto edit = bundled_into(code);
    REQUIRE_MESSAGE(edit, code);
    CHECK(edit->column_one == column_one);
    CHECK(edit->modifier_allowed == (row.find("modifier_allowed: true") != std::string::npos));
    ++pairs;
  }
  CHECK(pairs == 6);
  CHECK_FALSE(units_per_day_limit("71046"));
  CHECK_FALSE(bundled_into("29881"));
}
