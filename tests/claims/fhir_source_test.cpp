#include <doctest/doctest.h>
#include <zlib.h>

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "claims/civil_date.hpp"
#include "claims/readers.hpp"
#include "tests/claims/records.hpp"
#include "claims/short_id.hpp"

namespace covenant::claims {
namespace {

namespace fs = std::filesystem;

testing::Split read_text(const std::string& text, const std::string& name = "claims.json") {
  auto source = fhir_source(memory_stream(std::vector<uint8_t>(text.begin(), text.end()), name));
  return testing::read_split(*source);
}

// A gzip file's text, read without the readers.
std::string gunzip(const fs::path& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string text;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return text;
}

// How many Claim resources a JSON text holds, counted from its text: every
// `"resourceType"` followed by `: "Claim"`.
size_t count_claims(const std::string& text) {
  size_t count = 0;
  for (size_t at = text.find("\"resourceType\""); at != std::string::npos;
       at = text.find("\"resourceType\"", at + 1)) {
    size_t i = at + 14;
    while (i < text.size() && (text[i] == ' ' || text[i] == ':')) ++i;
    if (text.compare(i, 7, "\"Claim\"") == 0) ++count;
  }
  return count;
}

fs::path shared(const std::string& sub) { return fs::path(COVENANT_SHARED_DIR) / "data/claims" / sub; }

TEST_CASE("fhir: every Claim of the Synthea and SMART sample bundles is read, without problems") {
  struct File {
    std::string glob_dir;
    size_t expected;  // counted in the files with Python's json module
  };
  const File dirs[] = {{"synthea-2024-fhir", 62}, {"smart-on-fhir-r4-2019", 18}};
  if (!fs::is_directory(shared("synthea-2024-fhir")) || !fs::is_directory(shared("smart-on-fhir-r4-2019"))) {
    MESSAGE("skipped: no FHIR samples under " << shared("").string());
    return;
  }
  size_t total = 0;
  for (const File& d : dirs) {
    size_t in_dir = 0;
    for (const auto& entry : fs::directory_iterator(shared(d.glob_dir))) {
      if (!entry.path().string().ends_with(".json.gz")) continue;
      INFO("file " << entry.path().string());
      auto stream = open_stream(entry.path());
      REQUIRE_MESSAGE(stream.has_value(), (stream ? "" : stream.error()));
      auto source = fhir_source(std::move(*stream));
      testing::Split got = testing::read_split(*source);
      CHECK_MESSAGE(got.problems.empty(), testing::describe(got.problems));
      CHECK(got.claims.size() == count_claims(gunzip(entry.path())));
      CHECK(source->bytes_read() == source->bytes_total());
      for (const Claim& c : got.claims) {
        INFO("claim " << c.location);
        CHECK(!c.id.empty());
        CHECK(!c.member.empty());
        CHECK(c.provider.size() <= kShortIdMax);
        CHECK(c.currency == "USD");
        REQUIRE(!c.lines.empty());
        for (const Line& l : c.lines) {
          CHECK(!l.code.empty());
          CHECK(l.code.size() <= kShortIdMax);
          CHECK(l.units >= 1);
          CHECK(l.charge >= 0);
          CHECK(l.service_date > *parse_date("1900-01-01"));
        }
        CHECK(c.location.find(": Claim/" + c.id) != std::string::npos);
      }
      in_dir += got.claims.size();
    }
    CHECK(in_dir == d.expected);
    total += in_dir;
  }
  CHECK(total == 80);
}

TEST_CASE("fhir: a directory is read in name order, and Synthea's claims map as documented") {
  fs::path dir = shared("synthea-2024-fhir");
  if (!fs::is_directory(dir)) {
    MESSAGE("skipped: no FHIR samples at " << dir.string());
    return;
  }
  auto source = fhir_directory_source(dir);
  REQUIRE_MESSAGE(source.has_value(), (source ? "" : source.error()));
  testing::Split got = testing::read_split(**source);
  CHECK_MESSAGE(got.problems.empty(), testing::describe(got.problems));
  REQUIRE(got.claims.size() == 62);
  // Christeen33's file sorts before Temika453's.
  CHECK(got.claims.front().member == "edcd074e-b20a-2826-ff28-4677579314b1");
  CHECK(got.claims.back().member == "b37f7960-7e9e-f3f7-f891-79ae4f632406");
  CHECK((*source)->bytes_read() == (*source)->bytes_total());

  // The first claim: a well child visit and a finding, neither priced in the Claim (Synthea's
  // FHIR export prices procedures, immunizations and medications only), a diagnosis given by
  // reference only.
  const Claim& c = got.claims.front();
  CHECK(c.id == "1ae6e64f-6051-e300-11fb-1846b863ea3f");
  CHECK(c.provider == short_id("15e26ce3-9006-3ce2-9327-493180a15ec1"));
  CHECK(c.provider.size() == 16);
  CHECK(c.received == *parse_date("1996-10-22"));
  CHECK(c.diagnoses.empty());
  CHECK(c.frequency == Frequency::original);
  REQUIRE(c.lines.size() == 2);
  CHECK(c.lines[0].code == "410620009");
  CHECK(c.lines[1].code == "160968000");
  CHECK(c.lines[0].charge == 0);
  CHECK(c.lines[0].service_date == *parse_date("1996-10-22"));
  CHECK(c.lines[1].diagnosis_pointers.empty());  // its diagnosis has no code
}

TEST_CASE("fhir: a priced item's net is read exactly") {
  fs::path file = shared("smart-on-fhir-r4-2019/Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json.gz");
  if (!fs::exists(file)) {
    MESSAGE("skipped: no sample at " << file.string());
    return;
  }
  auto stream = open_stream(file);
  REQUIRE(stream.has_value());
  testing::Split got = testing::read_split(*fhir_source(std::move(*stream)));
  const Claim* c = nullptr;
  for (const Claim& claim : got.claims)
    if (claim.id == "35b40e83-4081-4ff0-9ae1-5ba12bf93869") c = &claim;
  REQUIRE(c != nullptr);
  CHECK(c->member == "018f428e-34f6-4707-8009-5ad742f901e7");
  REQUIRE(c->lines.size() == 2);
  CHECK(c->lines[1].code == "140");
  CHECK(c->lines[1].charge == 14052);  // "value": 140.52
  CHECK(c->lines[0].charge == 0);
  CHECK(c->billed() == 14052);
}

// A Bundle of claims: `claims` are the resources, comma-separated.
std::string bundle(const std::string& claims, const std::string& type = "transaction") {
  return "{\n \"resourceType\": \"Bundle\", \"type\": \"" + type + "\", \"entry\": [\n" + claims + "\n]}\n";
}

std::string entry(const std::string& resource) { return "{\"fullUrl\": \"urn:x\", \"resource\": " + resource + "}"; }

// A complete professional claim; `patch` is spliced in as extra members (JSON keeps the first
// of a repeated name, so a patch given first overrides the default after it).
std::string claim(const std::string& id, const std::string& patch = "") {
  return R"({"resourceType": "Claim", )" + patch + R"("id": ")" + id + R"(", "status": "active", "use": "claim",
  "patient": {"reference": "Patient/p-1"},
  "provider": {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}},
  "created": "2024-03-05T10:00:00-05:00",
  "billablePeriod": {"start": "2024-03-01"},
  "insurance": [{"sequence": 1, "focal": true, "coverage": {"display": "x"}, "preAuthRef": ["PA-7"]},
                {"sequence": 2, "focal": false, "coverage": {"display": "y"}}],
  "diagnosis": [{"sequence": 1, "diagnosisReference": {"reference": "Condition/c"}},
                {"sequence": 2, "diagnosisCodeableConcept": {"coding": [
                   {"system": "http://snomed.info/sct", "code": "44054006"},
                   {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}]}}],
  "item": [
    {"sequence": 1, "diagnosisSequence": [1, 2],
     "productOrService": {"coding": [{"system": "http://snomed.info/sct", "code": "185349003"},
                                     {"system": "http://www.ama-assn.org/go/cpt", "code": "99213"}]},
     "modifier": [{"coding": [{"code": "25"}]}],
     "servicedDate": "2024-03-02",
     "locationCodeableConcept": {"coding": [{"code": "11"}]},
     "net": {"value": 0.1, "currency": "USD"}},
    {"sequence": 2, "productOrService": {"coding": [{"code": "J3420"}]},
     "quantity": {"value": 3}, "unitPrice": {"value": 12.5E0, "currency": "USD"}},
    {"sequence": 3, "productOrService": {"coding": [{"code": "36415"}]},
     "servicedPeriod": {"start": "2024-03-04T08:00:00Z", "end": "2024-03-04T09:00:00Z"}}
  ]})";
}

TEST_CASE("fhir: the documented mapping of a Claim") {
  testing::Split got = read_text(bundle(entry(claim("c-1"))));
  REQUIRE_MESSAGE(got.problems.empty(), testing::describe(got.problems));
  REQUIRE(got.claims.size() == 1);
  const Claim& c = got.claims[0];
  CHECK(c.id == "c-1");
  CHECK(c.location == "claims.json: Claim/c-1");
  CHECK(c.member == "p-1");
  CHECK(c.provider == "1234567893");
  CHECK(c.received == *parse_date("2024-03-05"));  // the date as written, not in UTC
  CHECK(c.other_coverage);
  CHECK(c.diagnoses == std::vector<std::string>{"E119"});
  REQUIRE(c.lines.size() == 3);
  const Line& a = c.lines[0];
  CHECK(a.code == "99213");  // CPT preferred over SNOMED
  CHECK(a.modifiers == std::vector<std::string>{"25"});
  CHECK(a.charge == 10);
  CHECK(a.units == 1);
  CHECK(a.place == "11");
  CHECK(a.service_date == *parse_date("2024-03-02"));
  CHECK(a.diagnosis_pointers == std::vector<int64_t>{1});  // sequence 2 is the first coded one
  CHECK(a.prior_auth == std::optional<std::string>("PA-7"));
  const Line& b = c.lines[1];
  CHECK(b.units == 3);
  CHECK(b.charge == 3750);  // 12.50 × 3
  CHECK(b.service_date == *parse_date("2024-03-01"));  // billablePeriod.start
  CHECK(c.lines[2].charge == 0);  // no price: a $0 line
  CHECK(c.lines[2].service_date == *parse_date("2024-03-04"));
}

TEST_CASE("fhir: a single Claim, NDJSON, and other resources") {
  testing::Split single = read_text(claim("solo"));
  CHECK(single.claims.size() == 1);
  CHECK(single.problems.empty());

  std::string line = claim("n-1");
  std::erase(line, '\n');
  std::string line2 = claim("n-2");
  std::erase(line2, '\n');
  std::string text = line + "\n" + R"({"resourceType": "ExplanationOfBenefit", "id": "e"})" + "\n\n" +
                     "{not json\n" + line2 + "\r\n";
  for (const char* name : {"claims.ndjson", "claims.json"}) {
    INFO(name);
    testing::Split got = read_text(text, name);
    REQUIRE(got.claims.size() == 2);
    CHECK(got.claims[0].location == std::string(name) + ":1 (claim n-1)");
    CHECK(got.claims[1].location == std::string(name) + ":5 (claim n-2)");
    REQUIRE(got.problems.size() == 1);
    CHECK(got.problems[0].location == std::string(name) + ":4");
  }
  testing::Split empty = read_text("");
  CHECK(empty.claims.empty());
  CHECK(empty.problems.empty());
}

TEST_CASE("fhir: a malformed claim is a problem naming it, and reading goes on") {
  std::string entries = entry(claim("no-patient", R"("patient": {"display": "nobody"}, )")) + ",\n" +
                        entry(claim("bad-money", R"("item": [{"productOrService": {"coding": [{"code": "A"}]},
                                  "net": {"value": 12.345, "currency": "USD"}}], )")) + ",\n" +
                        entry(claim("bad-date", R"("created": "2024-02-30", )")) + ",\n" +
                        entry(claim("preauth", R"("use": "preauthorization", )")) + ",\n" +
                        entry(R"({"resourceType": "ExplanationOfBenefit", "id": "eob"})") + ",\n" +
                        entry(claim("two-currencies", R"("item": [
                                  {"productOrService": {"coding": [{"code": "A"}]}, "net": {"value": 1, "currency": "USD"}},
                                  {"productOrService": {"coding": [{"code": "B"}]}, "net": {"value": 1, "currency": "EUR"}}], )")) + ",\n" +
                        entry(claim("string-money", R"("item": [{"productOrService": {"coding": [{"code": "A"}]},
                                  "net": {"value": "12.00"}}], )")) + ",\n" +
                        entry(claim("bad-pointer", R"("item": [{"productOrService": {"coding": [{"code": "A"}]},
                                  "diagnosisSequence": [9]}], )")) + ",\n" +
                        entry(claim("fractional-units", R"("item": [{"productOrService": {"coding": [{"code": "A"}]},
                                  "quantity": {"value": 1.5}}], )")) + ",\n" +
                        entry(claim("no-items", R"("item": [], )")) + ",\n" +
                        entry(claim("good"));
  testing::Split got = read_text(bundle(entries));
  REQUIRE(got.claims.size() == 1);
  CHECK(got.claims[0].id == "good");
  REQUIRE(got.problems.size() == 9);
  const char* ids[] = {"no-patient", "bad-money", "bad-date", "preauth", "two-currencies",
                       "string-money", "bad-pointer", "fractional-units", "no-items"};
  for (size_t i = 0; i < 9; ++i) {
    INFO(got.problems[i].reason);
    CHECK(got.problems[i].location == std::string("claims.json: Claim/") + ids[i]);
  }
  CHECK(got.problems[0].reason == "no patient reference or identifier");
  CHECK(got.problems[1].reason == "item 1 net `12.345`: more than 2 decimals");
  CHECK(got.problems[2].reason == "created `2024-02-30` is not a date");
  CHECK(got.problems[3].reason == "use `preauthorization` is not a claim for payment");
  CHECK(got.problems[4].reason == "amounts in both USD and EUR");
}

TEST_CASE("fhir: Bundles of other types, broken JSON and unreadable input") {
  testing::Split history = read_text(bundle(entry(claim("h")), "history"));
  CHECK(history.claims.empty());
  REQUIRE(history.problems.size() == 1);
  CHECK(history.problems[0].location == "claims.json");

  testing::Split searchset = read_text(bundle(entry(claim("s")), "searchset"));
  CHECK(searchset.claims.size() == 1);

  // Brackets that do not match: the document is refused as a whole.
  std::string start = "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [\n" + entry(claim("first"));
  testing::Split unbalanced = read_text(start + ",\n{\"resource\": {\"resourceType\": \"Claim\", \"id\": ]]]\n");
  CHECK(unbalanced.claims.empty());
  REQUIRE(unbalanced.problems.size() == 1);
  CHECK(unbalanced.problems[0].location == "claims.json");
  // A malformed value found while reading: the claims before it are kept, the rest dropped.
  testing::Split broken = read_text(start + ",\n" + entry(claim("second", R"("extension": [nul], )")) + ",\n" +
                          entry(claim("third")) + "]}");
  CHECK(broken.claims.size() == 1);
  REQUIRE(broken.problems.size() == 1);
  CHECK(broken.problems[0].location == "claims.json");
  CHECK(broken.problems[0].reason.starts_with("not valid JSON"));

  testing::Split japanese = read_text(claim("yen", R"("item": [{"productOrService": {"coding": [{"code": "A"}]},
      "net": {"value": 1500, "currency": "JPY"}}], )"));
  REQUIRE(japanese.claims.size() == 1);
  CHECK(japanese.claims[0].currency == "JPY");
  CHECK(japanese.claims[0].lines[0].charge == 1500);
}

TEST_CASE("fhir: a directory without FHIR files, or missing, cannot be opened") {
  CHECK(!fhir_directory_source("/nonexistent/covenant"));
  if (fs::is_directory(shared("cms-opps-addendum-b"))) {
    auto none = fhir_directory_source(shared("cms-opps-addendum-b"));
    REQUIRE(!none);
    CHECK(none.error().find("no .json") != std::string::npos);
  }
}

}  // namespace
}  // namespace covenant::claims
