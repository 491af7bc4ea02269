#include "claims/source.hpp"

#include <doctest/doctest.h>

#include "tests/claims/records.hpp"

using namespace covenant::claims;
using namespace covenant::claims::testing;

TEST_CASE("source: format names") {
  CHECK(parse_format("ndjson") == Format::ndjson);
  CHECK(parse_format("csv") == Format::csv);
  CHECK(parse_format("fhir") == Format::fhir);
  CHECK(parse_format("synthea") == Format::synthea);
  CHECK(!parse_format("json"));
  CHECK(!parse_format("CSV"));
  CHECK(!parse_format(""));
}

TEST_CASE("source: the format a path most likely holds") {
  ScratchDir dir;
  CHECK(guess_format("claims.csv") == Format::csv);
  CHECK(guess_format("CLAIMS.CSV") == Format::csv);
  CHECK(guess_format("claims.csv.gz") == Format::csv);
  CHECK(guess_format("bundle.json") == Format::fhir);
  CHECK(guess_format("bundle.json.gz") == Format::fhir);
  CHECK(guess_format("claims.ndjson") == Format::ndjson);
  CHECK(guess_format("claims.ndjson.gz") == Format::ndjson);
  CHECK(guess_format("no-such-claims-file") == Format::ndjson);
  CHECK(guess_format("-") == Format::ndjson);
  std::filesystem::create_directory(dir.path() / "fhir");
  CHECK(guess_format(dir.path() / "fhir") == Format::fhir);
  std::filesystem::create_directory(dir.path() / "synthea");
  std::ofstream(dir.path() / "synthea" / "claims.csv") << "Id\n";
  CHECK(guess_format(dir.path() / "synthea") == Format::synthea);
}

TEST_CASE("source: open_source reads files of each streamed format") {
  ScratchDir dir;
  auto ndjson = dir.write("c.ndjson",
                          R"({"id":"C-1","member":"M","received":"2027-03-10","lines":[{"code":"A","charge":1,"service_date":"2027-03-01"}]})");
  auto csv = dir.write("c.csv", "claim_id,member,received,code,charge,service_date\nC-1,M,2027-03-10,A,1,2027-03-01\n");
  for (auto [path, format] : {std::pair{ndjson, Format::ndjson}, std::pair{csv, Format::csv}}) {
    auto source = open_source(path, format);
    REQUIRE(source.has_value());
    CHECK((*source)->bytes_total() == std::filesystem::file_size(path));
    auto records = read_all(**source);
    REQUIRE(records.size() == 1);
    CHECK(claim_of(records[0]).id == "C-1");
    CHECK(claim_of(records[0]).location == path.string() + (format == Format::csv ? ":2" : ":1"));
    CHECK((*source)->bytes_read() == std::filesystem::file_size(path));
  }
  auto missing = open_source(dir.path() / "none.ndjson", Format::ndjson);
  REQUIRE(!missing.has_value());
  CHECK(missing.error().starts_with("cannot open "));
  CHECK(!open_source(dir.path(), Format::csv).has_value());
}
