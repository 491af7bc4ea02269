#include <doctest/doctest.h>

#include <string>

#include "claims/line_reader.hpp"
#include "claims/readers.hpp"
#include "tests/claims/records.hpp"

using namespace covenant::claims;
using namespace covenant::claims::testing;

namespace {

std::vector<Record> read_ndjson(std::string_view text) {
  auto source = ndjson_source(text_stream(text, "claims.ndjson"));
  return read_all(*source);
}

// The one problem `line` gives, as "location: reason".
std::string problem(std::string_view line) {
  auto records = read_ndjson(line);
  REQUIRE(records.size() == 1);
  return problem_of(records[0]);
}

// A valid claim with one line, `extra` members added to the claim and `line_extra` to its line.
std::string claim_json(const std::string& extra = "", const std::string& line_extra = "",
                       const std::string& charge = "\"125.50\"") {
  return R"({"id":"C-1","member":"M-7","received":"2027-03-10",)" + extra +
         R"("lines":[{"code":"99213","charge":)" + charge + R"(,"service_date":"2027-03-01")" +
         line_extra + "}]}";
}

constexpr int64_t k2027_03_10 = 20887;
constexpr int64_t k2027_03_01 = 20878;

}  // namespace

TEST_CASE("ndjson: a claim with every field") {
  auto records = read_ndjson(
      R"({"id":"C-1001","member":"M-1","provider":"1234567893","currency":"USD","received":"2027-03-10",)"
      R"("frequency":"replacement","replaces":"C-0999","diagnoses":["Z1211","R0789"],"other_coverage":true,)"
      R"("lines":[{"code":"45378","modifiers":["59","XS"],"units":2,"charge":"2000.00","service_date":"2027-03-01",)"
      R"("place":"22","diagnosis_pointers":[1,2],"prior_auth":"PA-1"},)"
      R"({"code":"71046","charge":50,"service_date":"2027-03-02"}],)"
      R"("enrolled":"2026-01-01","plan":3,"secondary_plan":null,"service":"wellness"})"
      "\n");
  REQUIRE(records.size() == 1);
  const Claim& c = claim_of(records[0]);
  CHECK(c.id == "C-1001");
  CHECK(c.member == "M-1");
  CHECK(c.provider == "1234567893");
  CHECK(c.currency == "USD");
  CHECK(c.received == k2027_03_10);
  CHECK(c.frequency == Frequency::replacement);
  CHECK(c.replaces == std::optional<std::string>("C-0999"));
  CHECK(c.diagnoses == std::vector<std::string>{"Z1211", "R0789"});
  CHECK(c.other_coverage);
  CHECK(c.enrolled == std::optional<int64_t>(20454));
  CHECK(c.plan == std::optional<int64_t>(3));
  CHECK(!c.secondary_plan);
  CHECK(c.service == "wellness");
  CHECK(c.location == "claims.ndjson:1");
  REQUIRE(c.lines.size() == 2);
  const Line& l = c.lines[0];
  CHECK(l.code == "45378");
  CHECK(l.modifiers == std::vector<std::string>{"59", "XS"});
  CHECK(l.units == 2);
  CHECK(l.charge == 200000);
  CHECK(l.service_date == k2027_03_01);
  CHECK(l.place == "22");
  CHECK(l.diagnosis_pointers == std::vector<int64_t>{1, 2});
  CHECK(l.prior_auth == std::optional<std::string>("PA-1"));
  CHECK(c.lines[1].charge == 5000);
  CHECK(c.lines[1].units == 1);
  CHECK(c.billed() == 205000);
}

TEST_CASE("ndjson: optional fields take their defaults") {
  auto records = read_ndjson(claim_json());
  REQUIRE(records.size() == 1);
  const Claim& c = claim_of(records[0]);
  CHECK(c.provider.empty());
  CHECK(c.currency == "USD");
  CHECK(c.frequency == Frequency::original);
  CHECK(!c.replaces);
  CHECK(c.diagnoses.empty());
  CHECK(!c.other_coverage);
  CHECK(!c.enrolled);
  CHECK(!c.plan);
  CHECK(c.service.empty());
  REQUIRE(c.lines.size() == 1);
  const Line& l = c.lines[0];
  CHECK(l.modifiers.empty());
  CHECK(l.units == 1);
  CHECK(l.charge == 12550);
  CHECK(l.place.empty());
  CHECK(l.diagnosis_pointers.empty());
  CHECK(!l.prior_auth);
}

TEST_CASE("ndjson: amounts are exact decimals in the claim's currency") {
  auto charge = [](const std::string& text, const std::string& currency = "") {
    std::string extra = currency.empty() ? "" : R"("currency":")" + currency + "\",";
    auto records = read_ndjson(claim_json(extra, "", text));
    REQUIRE(records.size() == 1);
    return claim_of(records[0]).lines[0].charge;
  };
  CHECK(charge("2000") == 200000);
  CHECK(charge("2000.5") == 200050);
  CHECK(charge("2000.50") == 200050);
  CHECK(charge("0.1") == 10);
  CHECK(charge("\"0.10\"") == 10);
  CHECK(charge("\"19.99 USD\"") == 1999);
  CHECK(charge("0") == 0);
  CHECK(charge("1500", "JPY") == 1500);
  CHECK(charge("\"1500 JPY\"", "JPY") == 1500);
  CHECK(charge("\"12.34 EUR\"", "EUR") == 1234);
  CHECK(charge("92233720368547758.07") == INT64_MAX);
}

TEST_CASE("ndjson: strings with escapes and members named with escapes") {
  auto records = read_ndjson(
      R"({"\u0069d":"C-\u0031\"x\"","member":"M\\1","received":"2027-03-10","lines":[{"c\u006fde":"A\/1","charge":1,"service_date":"2027-03-01"}]})");
  REQUIRE(records.size() == 1);
  const Claim& c = claim_of(records[0]);
  CHECK(c.id == "C-1\"x\"");
  CHECK(c.member == "M\\1");
  CHECK(c.lines[0].code == "A/1");
}

TEST_CASE("ndjson: calls between claims") {
  auto records = read_ndjson(
      R"({"call":"enrol","args":{"member":"M-1","from":"2027-01-01","until":"2027-12-31"}})" "\n"
      R"({"args":{"number":"PA-1","a":{"member":"M-2","code":"45378"}},"call":"authorise"})" "\n"
      R"({"call":"ping"})" "\n"
      R"({"call":"reset","args":{"year":2027, "list":[1, 2]}})" "\n");
  REQUIRE(records.size() == 4);
  for (const Record& r : records) REQUIRE(std::holds_alternative<Call>(r));
  const Call& enrol = std::get<Call>(records[0]);
  CHECK(enrol.entry == "enrol");
  CHECK(enrol.args_json == R"({"member":"M-1","from":"2027-01-01","until":"2027-12-31"})");
  CHECK(enrol.member == "M-1");
  CHECK(enrol.location == "claims.ndjson:1");
  const Call& authorise = std::get<Call>(records[1]);
  CHECK(authorise.entry == "authorise");
  CHECK(authorise.member == "M-2");
  CHECK(authorise.location == "claims.ndjson:2");
  const Call& ping = std::get<Call>(records[2]);
  CHECK(ping.args_json == "{}");
  CHECK(ping.member.empty());
  const Call& reset = std::get<Call>(records[3]);
  CHECK(reset.args_json == R"({"year":2027,"list":[1,2]})");
  CHECK(reset.member.empty());
}

TEST_CASE("ndjson: each malformed claim is one problem naming the field") {
  CHECK(problem(R"({"id":"C-1",)") .starts_with("claims.ndjson:1: not valid JSON ("));
  CHECK(problem("[1,2]") == "claims.ndjson:1: expected a JSON object");
  CHECK(problem("\"text\"") == "claims.ndjson:1: expected a JSON object");
  CHECK(problem(claim_json() + " x").starts_with("claims.ndjson:1: not valid JSON"));
  CHECK(problem(claim_json() + "{}") .starts_with("claims.ndjson:1: not valid JSON"));
  CHECK(problem(claim_json(R"("membr":"x",)")) == R"(claims.ndjson:1: unknown member "membr")");
  CHECK(problem(claim_json(R"("id":"C-2",)")) == R"(claims.ndjson:1: member "id" appears twice)");
  CHECK(problem(R"({"member":"M","received":"2027-03-10","lines":[]})") == "claims.ndjson:1: id: missing");
  CHECK(problem(R"({"id":"C","received":"2027-03-10","lines":[]})") == "claims.ndjson:1: member: missing");
  CHECK(problem(R"({"id":"C","member":"M","lines":[]})") == "claims.ndjson:1: received: missing");
  CHECK(problem(R"({"id":"C","member":"M","received":"2027-03-10"})") == "claims.ndjson:1: lines: missing");
  CHECK(problem(R"({"id":"C","member":"M","received":"2027-03-10","lines":[]})") ==
        "claims.ndjson:1: lines: empty (a claim has at least one line)");
  CHECK(problem(R"({"id":"","member":"M","received":"2027-03-10","lines":[]})") == "claims.ndjson:1: id: empty");
  CHECK(problem(R"({"id":7,"member":"M","received":"2027-03-10","lines":[]})") ==
        "claims.ndjson:1: id: expected a string");
  CHECK(problem(R"({"id":"C","member":"M","received":"2027-02-29","lines":[]})") ==
        R"(claims.ndjson:1: received: "2027-02-29" is not a date (YYYY-MM-DD))");
  CHECK(problem(R"({"id":"C","member":"M","received":"2027-3-1","lines":[]})") ==
        R"(claims.ndjson:1: received: "2027-3-1" is not a date (YYYY-MM-DD))");
  CHECK(problem(claim_json(R"("currency":"XYZ",)")) ==
        R"(claims.ndjson:1: currency: "XYZ" is not a supported currency (USD EUR GBP CHF CAD CNY JPY))");
  CHECK(problem(claim_json(R"("frequency":"adjusted",)")) ==
        R"(claims.ndjson:1: frequency: "adjusted" is not original, replacement or void)");
  CHECK(problem(claim_json(R"("frequency":"void",)")) ==
        "claims.ndjson:1: replaces: missing: a replacement or void names the claim it corrects");
  CHECK(problem(claim_json(R"("replaces":"C-0",)")) ==
        "claims.ndjson:1: replaces: an original claim replaces nothing (frequency is original)");
  CHECK(problem(claim_json(R"("replaces":"",)")) == "claims.ndjson:1: replaces: empty (null when there is none)");
  CHECK(problem(claim_json(R"("provider":"12 34",)")) ==
        R"(claims.ndjson:1: provider: "12 34" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(problem(claim_json(R"("diagnoses":["Z1211",""],)")) ==
        R"(claims.ndjson:1: diagnoses[1]: "" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(problem(claim_json(R"("diagnoses":"Z1211",)")) == "claims.ndjson:1: diagnoses: expected an array of codes");
  CHECK(problem(claim_json(R"("other_coverage":"no",)")) == "claims.ndjson:1: other_coverage: expected true or false");
  CHECK(problem(claim_json(R"("plan":"gold",)")) == "claims.ndjson:1: plan: expected an integer or null");
  CHECK(problem(claim_json(R"("enrolled":"soon",)")) ==
        R"(claims.ndjson:1: enrolled: "soon" is not a date (YYYY-MM-DD))");
  CHECK(problem(claim_json(R"("replaces":nul,)")).starts_with("claims.ndjson:1: not valid JSON"));
  CHECK(problem(claim_json(R"("service":"x","service":"y",)")) == R"(claims.ndjson:1: member "service" appears twice)");
  CHECK(problem(R"({"id":"C","member":"M","received":"2027-03-10","lines":{}})") ==
        "claims.ndjson:1: lines: expected an array of lines");
  CHECK(problem(R"({"id":"C","member":"M","received":"2027-03-10","lines":[1]})") ==
        "claims.ndjson:1: lines[0]: expected an object");
}

TEST_CASE("ndjson: each malformed line is one problem naming lines[i] and the field") {
  CHECK(problem(claim_json("", "", "\"12.345\"")) ==
        R"(claims.ndjson:1: lines[0].charge: "12.345" has more decimals than USD allows)");
  CHECK(problem(claim_json(R"("currency":"JPY",)", "", "12.5")) ==
        R"(claims.ndjson:1: lines[0].charge: "12.5" has more decimals than JPY allows)");
  CHECK(problem(claim_json("", "", "-5")) == R"(claims.ndjson:1: lines[0].charge: "-5" is negative)");
  CHECK(problem(claim_json("", "", "\"-5.00\"")) == R"(claims.ndjson:1: lines[0].charge: "-5.00" is negative)");
  CHECK(problem(claim_json("", "", "1e3")) == R"(claims.ndjson:1: lines[0].charge: "1e3" is not a decimal amount)");
  CHECK(problem(claim_json("", "", "\"12,50\"")) ==
        R"(claims.ndjson:1: lines[0].charge: "12,50" is not a decimal amount)");
  CHECK(problem(claim_json("", "", "\"12.\"")) == R"(claims.ndjson:1: lines[0].charge: "12." is not a decimal amount)");
  CHECK(problem(claim_json("", "", "\"12.00 EUR\"")) ==
        R"(claims.ndjson:1: lines[0].charge: "12.00 EUR" is in EUR, the claim in USD)");
  CHECK(problem(claim_json("", "", "\"12.00 usd\"")) ==
        R"(claims.ndjson:1: lines[0].charge: "12.00 usd" is not a decimal amount)");
  CHECK(problem(claim_json("", "", "true")) == "claims.ndjson:1: lines[0].charge: expected an amount (a number or a string)");
  CHECK(problem(claim_json("", "", "92233720368547758.08")) ==
        R"(claims.ndjson:1: lines[0].charge: "92233720368547758.08" is too large)");
  CHECK(problem(claim_json("", ",\"units\":0")) ==
        "claims.ndjson:1: lines[0].units: 0 is not a number of units (at least 1)");
  CHECK(problem(claim_json("", ",\"units\":1.5")) == "claims.ndjson:1: lines[0].units: expected an integer");
  CHECK(problem(claim_json("", ",\"code\":\"x\"")) == R"(claims.ndjson:1: lines[0]: member "code" appears twice)");
  CHECK(problem(claim_json("", ",\"cpt\":\"x\"")) == R"(claims.ndjson:1: lines[0]: unknown member "cpt")");
  CHECK(problem(claim_json("", ",\"modifiers\":[\"ABCDEFGHIJKLMNOPQ\"]")) ==
        R"(claims.ndjson:1: lines[0].modifiers[0]: "ABCDEFGHIJKLMNOPQ" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(problem(claim_json("", ",\"place\":\"2 2\"")) ==
        R"(claims.ndjson:1: lines[0].place: "2 2" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(problem(claim_json("", ",\"prior_auth\":\"\"")) ==
        R"(claims.ndjson:1: lines[0].prior_auth: "" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(problem(claim_json("", ",\"diagnosis_pointers\":[1]")) ==
        "claims.ndjson:1: lines[0].diagnosis_pointers[0]: 1 does not point at one of the claim's 0 diagnoses");
  CHECK(problem(claim_json(R"("diagnoses":["A1"],)", ",\"diagnosis_pointers\":[1,\"2\"]")) ==
        "claims.ndjson:1: lines[0].diagnosis_pointers[1]: expected an integer");
  CHECK(problem(claim_json("", ",\"service_date\":\"2027-13-01\"")) ==
        R"(claims.ndjson:1: lines[0]: member "service_date" appears twice)");
  CHECK(problem(R"({"id":"C","member":"M","received":"2027-03-10","lines":[{"code":"A","charge":1}]})") ==
        "claims.ndjson:1: lines[0].service_date: missing");
  CHECK(problem(R"({"id":"C","member":"M","received":"2027-03-10","lines":[{"code":"A","charge":1,"service_date":"2027-03-01"},{"code":"B","service_date":"2027-03-01"}]})") ==
        "claims.ndjson:1: lines[1].charge: missing");
  CHECK(problem(R"({"id":"C","member":"M","received":"2027-03-10","lines":[{"charge":1,"service_date":"2027-03-01"}]})") ==
        "claims.ndjson:1: lines[0].code: missing");
}

TEST_CASE("ndjson: malformed calls") {
  CHECK(problem(R"({"call":"enrol","args":[1]})") ==
        "claims.ndjson:1: args: expected an object (the entry's arguments by name)");
  CHECK(problem(R"({"call":7})") == "claims.ndjson:1: call: expected the entry's name, a string");
  CHECK(problem(R"({"call":""})") == "claims.ndjson:1: call: empty");
  CHECK(problem(R"({"args":{}})") == "claims.ndjson:1: call: missing");
  CHECK(problem(R"({"call":"a","call":"b"})") == R"(claims.ndjson:1: member "call" appears twice)");
  CHECK(problem(R"({"call":"enrol","member":"M"})") ==
        R"(claims.ndjson:1: unknown member "member" (a call has only "call" and "args"))");
  CHECK(problem(R"({"id":"C","call":"enrol"})") ==
        R"(claims.ndjson:1: unknown member "id" (a call has only "call" and "args"))");
  CHECK(problem(R"({"call":"enrol","args":{"a":tru}})").starts_with("claims.ndjson:1: not valid JSON"));
}

TEST_CASE("ndjson: reading goes on after a malformed record, with line numbers") {
  std::string text = claim_json() + "\n" +                              // 1
                     "{not json\n" +                                     // 2
                     "\n" +                                              // 3: blank
                     "   \t \n" +                                        // 4: blank
                     claim_json("", "", "\"1.001\"") + "\n" +            // 5
                     R"({"call":"enrol","args":{"member":"M-7"}})" "\n" +  // 6
                     claim_json(R"("provider":"P",)");                   // 7, no line break
  auto records = read_ndjson(text);
  REQUIRE(records.size() == 5);
  CHECK(claim_of(records[0]).location == "claims.ndjson:1");
  CHECK(problem_of(records[1]).starts_with("claims.ndjson:2: not valid JSON"));
  CHECK(problem_of(records[2]) == R"(claims.ndjson:5: lines[0].charge: "1.001" has more decimals than USD allows)");
  CHECK(std::get<Call>(records[3]).location == "claims.ndjson:6");
  CHECK(claim_of(records[4]).location == "claims.ndjson:7");
  CHECK(claim_of(records[4]).provider == "P");
}

TEST_CASE("ndjson: CRLF line ends and a byte-order mark") {
  std::string text = "\xEF\xBB\xBF" + claim_json() + "\r\n\r\n" + claim_json(R"("provider":"P",)") + "\r\n";
  auto records = read_ndjson(text);
  REQUIRE(records.size() == 2);
  CHECK(claim_of(records[0]).location == "claims.ndjson:1");
  CHECK(claim_of(records[1]).location == "claims.ndjson:3");
  CHECK(claim_of(records[1]).provider == "P");
}

TEST_CASE("ndjson: a reused record holds only the latest claim") {
  std::string text =
      R"({"id":"C-1","member":"M","received":"2027-03-10","diagnoses":["A1"],"plan":1,"lines":[{"code":"A","modifiers":["59"],"charge":1,"service_date":"2027-03-01","prior_auth":"X","diagnosis_pointers":[1]},{"code":"B","charge":2,"service_date":"2027-03-01"}]})"
      "\n" + claim_json();
  auto source = ndjson_source(text_stream(text, "c.ndjson"));
  Record record;
  REQUIRE(source->next(record));
  CHECK(claim_of(record).lines.size() == 2);
  REQUIRE(source->next(record));
  const Claim& c = claim_of(record);
  CHECK(c.id == "C-1");
  CHECK(c.diagnoses.empty());
  CHECK(!c.plan);
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0].code == "99213");
  CHECK(c.lines[0].modifiers.empty());
  CHECK(!c.lines[0].prior_auth);
  CHECK(c.lines[0].diagnosis_pointers.empty());
  CHECK(c.lines[0].charge == 12550);
  CHECK(!source->next(record));
  CHECK(source->bytes_read() == text.size());
  CHECK(source->bytes_total() == text.size());
}

TEST_CASE("ndjson: a line longer than 1 MiB is a problem and the next line is read") {
  std::string text = R"({"id":")" + std::string(LineReader::kMaxLine, 'x') + "\"}\n" + claim_json() + "\n";
  auto records = read_ndjson(text);
  REQUIRE(records.size() == 2);
  CHECK(problem_of(records[0]) == "claims.ndjson:1: line longer than 1 MiB");
  CHECK(claim_of(records[1]).location == "claims.ndjson:2");
}

TEST_CASE("ndjson: an empty input has no records") {
  CHECK(read_ndjson("").empty());
  CHECK(read_ndjson("\n\n  \n").empty());
}
