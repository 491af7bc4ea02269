#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "claims/civil_date.hpp"
#include "claims/csv_table.hpp"
#include "claims/decimal.hpp"
#include "claims/readers.hpp"
#include "tests/claims/records.hpp"
#include "claims/short_id.hpp"

namespace covenant::claims {
namespace {

namespace fs = std::filesystem;

// A fresh directory, removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "covenant-synthea-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }

 private:
  fs::path path_;
};

const fs::path kSample = fs::path(COVENANT_SHARED_DIR) / "data/claims/synthea-2024-csv-sample";

TEST_CASE("synthea: the 2024 sample reads as 62 claims whose lines are its CHARGE rows") {
  if (!fs::is_directory(kSample)) {
    MESSAGE("skipped: no Synthea sample at " << kSample.string());
    return;
  }
  auto source = synthea_source(kSample);
  REQUIRE_MESSAGE(source.has_value(), (source ? "" : source.error()));
  testing::Split got = testing::read_split(**source);
  CHECK_MESSAGE(got.problems.empty(), testing::describe(got.problems));
  CHECK((*source)->bytes_read() == (*source)->bytes_total());

  // The CHARGE rows counted and summed from the file itself, per claim.
  auto claims_csv = CsvTable::read(kSample / "claims.csv");
  auto tx = CsvTable::read(kSample / "claims_transactions.csv");
  REQUIRE(claims_csv.has_value());
  REQUIRE(tx.has_value());
  std::map<std::string, std::pair<size_t, int64_t>> charges;
  for (size_t r = 0; r < tx->size(); ++r)
    if (tx->at(r, "TYPE") == "CHARGE") {
      auto& [count, sum] = charges[tx->at(r, "CLAIMID")];
      ++count;
      sum += *parse_decimal(tx->at(r, "AMOUNT"), 2);
    }
  REQUIRE(got.claims.size() == claims_csv->size());
  CHECK(got.claims.size() == 62);

  std::set<std::string> ids;
  for (size_t i = 0; i < got.claims.size(); ++i) {
    const Claim& c = got.claims[i];
    INFO("claim " << c.id);
    ids.insert(c.id);
    CHECK(c.lines.size() == charges[c.id].first);
    CHECK(c.billed() == charges[c.id].second);  // CHARGE amounts only, never payments
    CHECK(c.currency == "USD");
    CHECK(c.provider.size() == 16);
    CHECK(c.enrolled.has_value());
    CHECK(*c.enrolled <= c.lines.front().service_date);
    CHECK(!c.service.empty());
    CHECK(c.other_coverage == c.secondary_plan.has_value());
    CHECK(c.location == (kSample / "claims.csv").string() + ": Claim/" + c.id);
    // Per member, in the order Synthea adjudicated: never before the previous claim's date.
    if (i > 0 && got.claims[i - 1].member == c.member) CHECK(got.claims[i - 1].received <= c.received);
  }
  CHECK(ids.size() == 62);

  // Temika453's first claim, by hand from the files: an ambulatory visit of 2014-05-06 under
  // Medicaid (plan 20001 of company 20000), with no secondary plan.
  const Claim* first = nullptr;
  for (const Claim& c : got.claims)
    if (c.id == "34adf0cb-891e-1278-1687-a85bc7fa1633") first = &c;
  REQUIRE(first != nullptr);
  CHECK(first->member == "b37f7960-7e9e-f3f7-f891-79ae4f632406");
  CHECK(first->service == "ambulatory");
  CHECK(first->lines.front().code == "185345009");
  CHECK(first->lines.front().charge == 8555);
  CHECK(first->lines.front().service_date == *parse_date("2014-05-06"));
  CHECK(first->provider == short_id("57e4e5fa-d68d-3caa-a5ad-37beb1b51207"));
  CHECK(first->plan == std::optional<int64_t>(20001));
  CHECK(!first->secondary_plan);
}

// A two-claim export: an encounter and the medication ordered during it, with payment rows
// that must not become lines.
void write_export(const TempDir& dir, bool with_companies) {
  dir.write("claims.csv",
            "Id,PATIENTID,APPOINTMENTID\n"
            "enc-claim,m1,e1\n"
            "med-claim,m1,e1\n"
            "orphan,m1,e-missing\n");
  dir.write("claims_transactions.csv",
            "ID,CLAIMID,CHARGEID,PATIENTID,TYPE,AMOUNT,METHOD,FROMDATE,TODATE,PLACEOFSERVICE,PROCEDURECODE,"
            "MODIFIER1,MODIFIER2,UNITS,PAYMENTS\n"
            "t1,enc-claim,2,m1,CHARGE,100.00,,2020-01-01T10:00:00Z,,org,E1,,,1,\n"
            "t2,enc-claim,3,m1,PAYMENT,,ECHECK,2020-01-01T10:00:00Z,,org,E1,,,,80.00\n"
            "t3,enc-claim,4,m1,CHARGE,5.5,,2020-01-01T10:05:00Z,,org,P1,25,,2,\n"
            "t4,med-claim,1,m1,CHARGE,20,,2020-01-01T10:30:00Z,,org,RX1,,,1,\n"
            "t5,orphan,5,m1,CHARGE,1,,2020-01-01T10:30:00Z,,org,X,,,1,\n");
  dir.write("encounters.csv",
            "Id,START,STOP,PAYER,ENCOUNTERCLASS\n"
            "e1,2020-01-01T10:00:00Z,2020-01-01T11:00:00Z,pay-a,ambulatory\n");
  dir.write("medications.csv", "START,ENCOUNTER,CODE,PAYER\n2020-01-01T10:30:00Z,e1,RX1,pay-a\n");
  dir.write("payer_transitions.csv",
            "PATIENT,START_DATE,END_DATE,PAYER,SECONDARY_PAYER\n"
            "m1,2019-06-01T00:00:00Z,2020-06-01T00:00:00Z,pay-a,pay-b\n");
  dir.write("payers.csv", "Id,NAME\npay-a,Aetna\npay-b,Own Co\n");
  dir.write("insurance_plans.csv", "Payer Id,Plan Id\n70000,70001\n99000,99001\n");
  if (with_companies) dir.write("insurance_companies.csv", "Id,Name\n70000,Aetna\n99000,Own Co\n");
}

TEST_CASE("synthea: a small export: order, plans, CHARGE rows only, problems") {
  TempDir dir;
  write_export(dir, true);
  auto source = synthea_source(dir.path());
  REQUIRE_MESSAGE(source.has_value(), (source ? "" : source.error()));
  testing::Split got = testing::read_split(**source);
  // The orphan (no encounter) is reported; its time unknown, it sorts first for its member.
  REQUIRE(got.problems.size() == 1);
  CHECK(got.problems[0].location.ends_with("claims.csv: Claim/orphan"));
  CHECK(got.problems[0].reason == "encounter e-missing is not in encounters.csv");
  REQUIRE(got.claims.size() == 2);
  // The medication is adjudicated when ordered (10:30), the encounter when it ends (11:00).
  const Claim& med = got.claims[0];
  const Claim& enc = got.claims[1];
  CHECK(med.id == "med-claim");
  CHECK(med.service == "medication");
  CHECK(enc.id == "enc-claim");
  CHECK(enc.service == "ambulatory");
  REQUIRE(enc.lines.size() == 2);  // the PAYMENT row is not a line
  CHECK(enc.lines[0].code == "E1");
  CHECK(enc.lines[0].charge == 10000);
  CHECK(enc.lines[1].code == "P1");
  CHECK(enc.lines[1].charge == 550);
  CHECK(enc.lines[1].units == 2);
  CHECK(enc.lines[1].modifiers == std::vector<std::string>{"25"});
  CHECK(enc.provider == "org");
  CHECK(enc.enrolled == parse_date("2019-06-01"));
  CHECK(enc.plan == std::optional<int64_t>(70001));
  CHECK(enc.secondary_plan == std::optional<int64_t>(99001));
  CHECK(enc.other_coverage);
  CHECK(enc.received == parse_date("2020-01-01"));
}

TEST_CASE("synthea: without its own insurance_companies.csv, Synthea's table is used") {
  TempDir dir;
  write_export(dir, false);
  auto source = synthea_source(dir.path());
  REQUIRE(source.has_value());
  testing::Split got = testing::read_split(**source);
  // Aetna is in Synthea's table; "Own Co" is not, so the claims whose period names it as the
  // secondary payer are problems.
  CHECK(got.claims.empty());
  REQUIRE(got.problems.size() == 3);
  CHECK(got.problems[1].reason == "payer Own Co is not in insurance_companies.csv");
}

TEST_CASE("synthea: a directory lacking files cannot be opened, naming them") {
  TempDir dir;
  dir.write("claims.csv", "Id,PATIENTID,APPOINTMENTID\n");
  auto source = synthea_source(dir.path());
  REQUIRE(!source);
  CHECK(source.error().find("claims_transactions.csv, encounters.csv") != std::string::npos);
  CHECK(source.error().find("insurance_plans.csv") != std::string::npos);
  CHECK(!synthea_source(dir.path() / "absent"));

  TempDir columns;
  write_export(columns, true);
  columns.write("encounters.csv", "Id,START,STOP,PAYER\n");
  auto missing_column = synthea_source(columns.path());
  REQUIRE(!missing_column);
  CHECK(missing_column.error().find("ENCOUNTERCLASS") != std::string::npos);
}

}  // namespace
}  // namespace covenant::claims
