#include <doctest/doctest.h>

#include <string>

#include "claims/line_reader.hpp"
#include "claims/readers.hpp"
#include "tests/claims/records.hpp"

using namespace covenant::claims;
using namespace covenant::claims::testing;

namespace {

std::vector<Record> read_csv(std::string_view text) {
  auto source = csv_source(text_stream(text, "claims.csv"));
  return read_all(*source);
}

const std::string kHeader = "claim_id,member,received,code,charge,service_date\n";

// The problems of `text`, one per record, "" for a claim.
std::vector<std::string> outcomes(std::string_view text) {
  std::vector<std::string> out;
  for (const Record& r : read_csv(text)) out.push_back(problem_of(r));
  return out;
}

}  // namespace

TEST_CASE("csv: consecutive rows of a claim are its lines, columns in any order") {
  std::string text =
      "service,code,charge,claim_id,member,provider,received,frequency,replaces,diagnoses,other_coverage,"
      "currency,modifiers,units,service_date,place,diagnosis_pointers,prior_auth,enrolled,plan,secondary_plan\n"
      "wellness,45378,2000.00,C-1,M-1,1234567893,2027-03-10,replacement,C-0,Z1211;R0789,true,"
      "USD,59;XS,2,2027-03-01,22,1;2,PA-1,2026-01-01,3,\n"
      "wellness,71046,50 USD,C-1,M-1,1234567893,2027-03-10,replacement,C-0,Z1211;R0789,true,"
      "USD,,,2027-03-02,,,,2026-01-01,3,\n"
      "wellness,99213,10,C-2,M-2,,2027-03-11,,,,,,,,2027-03-03,11,,,2026-01-01,3,\n";
  auto records = read_csv(text);
  REQUIRE(records.size() == 2);
  const Claim& c = claim_of(records[0]);
  CHECK(c.id == "C-1");
  CHECK(c.member == "M-1");
  CHECK(c.provider == "1234567893");
  CHECK(c.received == 20887);
  CHECK(c.frequency == Frequency::replacement);
  CHECK(c.replaces == std::optional<std::string>("C-0"));
  CHECK(c.diagnoses == std::vector<std::string>{"Z1211", "R0789"});
  CHECK(c.other_coverage);
  CHECK(c.enrolled == std::optional<int64_t>(20454));
  CHECK(c.plan == std::optional<int64_t>(3));
  CHECK(!c.secondary_plan);
  CHECK(c.service == "wellness");
  CHECK(c.location == "claims.csv:2");
  REQUIRE(c.lines.size() == 2);
  CHECK(c.lines[0].code == "45378");
  CHECK(c.lines[0].modifiers == std::vector<std::string>{"59", "XS"});
  CHECK(c.lines[0].units == 2);
  CHECK(c.lines[0].charge == 200000);
  CHECK(c.lines[0].service_date == 20878);
  CHECK(c.lines[0].place == "22");
  CHECK(c.lines[0].diagnosis_pointers == std::vector<int64_t>{1, 2});
  CHECK(c.lines[0].prior_auth == std::optional<std::string>("PA-1"));
  CHECK(c.lines[1].charge == 5000);
  CHECK(c.lines[1].units == 1);
  CHECK(c.lines[1].modifiers.empty());
  CHECK(!c.lines[1].prior_auth);
  const Claim& d = claim_of(records[1]);
  CHECK(d.id == "C-2");
  CHECK(d.location == "claims.csv:4");
  CHECK(d.frequency == Frequency::original);
  CHECK(!d.other_coverage);
  CHECK(d.lines.size() == 1);
  CHECK(d.lines[0].place == "11");
}

TEST_CASE("csv: only the required columns, and defaults") {
  auto records = read_csv(kHeader + "C-1,M-1,2027-03-10,99213,125.5,2027-03-01");
  REQUIRE(records.size() == 1);
  const Claim& c = claim_of(records[0]);
  CHECK(c.currency == "USD");
  CHECK(c.provider.empty());
  CHECK(c.lines[0].charge == 12550);
  CHECK(c.lines[0].units == 1);
}

TEST_CASE("csv: RFC 4180 quoting, CRLF, a byte-order mark and blank lines") {
  std::string text = "\xEF\xBB\xBF" "claim_id,member,received,code,charge,service_date,prior_auth\r\n"
                     "\r\n"
                     "\"C,1\",\"M \"\"one\"\"\",2027-03-10,99213,\"1,0\",2027-03-01,\r\n"
                     "\"C-2\",\"M\nwith a line break\",2027-03-10,99213,1.00,2027-03-01,\"PA-9\"\r\n"
                     "C-3,M,2027-03-10,99213,2,2027-03-01,";  // no final line break
  auto records = read_csv(text);
  REQUIRE(records.size() == 3);
  CHECK(problem_of(records[0]) == R"(claims.csv:3: charge: "1,0" is not a decimal amount)");
  const Claim& c2 = claim_of(records[1]);
  CHECK(c2.id == "C-2");
  CHECK(c2.member == "M\nwith a line break");
  CHECK(c2.location == "claims.csv:4");
  CHECK(c2.lines[0].prior_auth == std::optional<std::string>("PA-9"));
  CHECK(claim_of(records[2]).id == "C-3");
  CHECK(claim_of(records[2]).location == "claims.csv:6");
  CHECK(claim_of(records[2]).lines[0].charge == 200);
}

TEST_CASE("csv: a header that cannot be read ends the input") {
  auto fatal = [](std::string_view text) {
    auto records = read_csv(text);
    REQUIRE(records.size() == 1);
    return problem_of(records[0]);
  };
  CHECK(fatal("") == "claims.csv: no header row");
  CHECK(fatal("\n\n") == "claims.csv: no header row");
  CHECK(fatal("claim_id,member,received,code,charge,service_date,cpt\nC,M,2027-03-10,A,1,2027-03-01,x\n") ==
        R"(claims.csv:1: header: unknown column "cpt")");
  CHECK(fatal("claim_id,member,member,received,code,charge,service_date\n") ==
        R"(claims.csv:1: header: column "member" appears twice)");
  CHECK(fatal("claim_id,member,received,code,service_date\n") == R"(claims.csv:1: header: no column "charge")");
  CHECK(fatal("claim_id,\"member\nreceived,code,charge,service_date\n") ==
        "claims.csv:1: header: a quoted field is not closed");
  CHECK(fatal("claim_id,mem\"ber,received,code,charge,service_date\n") ==
        "claims.csv:1: header: a quote inside an unquoted field");
}

TEST_CASE("csv: each malformed claim is one problem, and reading goes on") {
  std::string text = kHeader +
                     "C-1,M-1,2027-03-10,99213,1.00,2027-03-01\n"    // 2
                     "C-1,M-2,2027-03-10,99214,1.00,2027-03-01\n"    // 3: member differs
                     "C-2,M-1,2027-03-10,99213,1.001,2027-03-01\n"   // 4: bad charge
                     "C-3,M-1,2027-03-10,99213,1.00,2027-03-01\n"    // 5
                     "C-3,M-1,2027-03-10,99213,-1.00,2027-03-01\n"   // 6: bad charge on row 2
                     "C-4,M-1,2027-03-10,99213,1.00\n"               // 7: a field short
                     "C-5,M-1,2027-03-10,99213,1.00,2027-03-01\n"    // 8
                     "C-5,M-1,2027-03-10,99213,1.00,2027-03-01,x\n"  // 9: a field too many
                     ",M-1,2027-03-10,99213,1.00,2027-03-01\n"       // 10: no claim id
                     "C-6,M-1,2027-03-10,99213,1.00,2027-03-01\n"    // 11
                     "C-1,M-1,2027-03-10,99213,1.00,2027-03-01\n"    // 12: C-1 again
                     "C-1,M-1,2027-03-10,99213,1.00,2027-03-01\n"    // 13
                     "C-7,M-1,2027-03-10,99213,1.00,2027-03-01\n";   // 14
  CHECK(outcomes(text) == std::vector<std::string>{
                              R"(claims.csv:2: line 3: member: "M-2" differs from the claim's first row (line 2))",
                              R"(claims.csv:4: charge: "1.001" has more decimals than USD allows)",
                              R"(claims.csv:5: line 6: charge: "-1.00" is negative)",
                              "claims.csv:7: expected 6 fields, found 5",
                              "claims.csv:8: line 9: expected 6 fields, found 7",
                              "claims.csv:10: claim_id: empty",
                              "",
                              R"(claims.csv:12: claim "C-1" appears again at line 12; its rows must be consecutive)",
                              "",
                          });
}

TEST_CASE("csv: every field's mistakes name the column") {
  const std::string header =
      "claim_id,member,provider,received,frequency,replaces,diagnoses,other_coverage,currency,code,modifiers,"
      "units,charge,service_date,place,diagnosis_pointers,prior_auth,enrolled,plan,secondary_plan,service\n";
  // A valid row with field `column` set to `value`.
  auto with = [&](size_t column, const std::string& value) {
    std::vector<std::string> fields = {"C", "M", "P", "2027-03-10", "", "", "A1", "", "", "99213", "",
                                       "", "1.00", "2027-03-01", "", "", "", "", "", "", ""};
    fields[column] = value;
    std::string row;
    for (size_t i = 0; i < fields.size(); ++i) row += (i ? "," : "") + fields[i];
    auto records = read_csv(header + row + "\n");
    REQUIRE(records.size() == 1);
    return problem_of(records[0]);
  };
  CHECK(with(0, "C") == "");
  CHECK(with(1, "") == "claims.csv:2: member: empty");
  CHECK(with(2, "1 2") == R"(claims.csv:2: provider: "1 2" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(with(3, "2027-02-30") == R"(claims.csv:2: received: "2027-02-30" is not a date (YYYY-MM-DD))");
  CHECK(with(3, "") == R"(claims.csv:2: received: "" is not a date (YYYY-MM-DD))");
  CHECK(with(4, "7") == R"(claims.csv:2: frequency: "7" is not original, replacement or void)");
  CHECK(with(4, "void") == "claims.csv:2: replaces: empty: a replacement or void names the claim it corrects");
  CHECK(with(5, "C-0") == "claims.csv:2: replaces: an original claim replaces nothing (frequency is original)");
  CHECK(with(6, "A1;;B2") == R"(claims.csv:2: diagnoses: "" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(with(7, "yes") == R"(claims.csv:2: other_coverage: "yes" is not true, false, 1, 0 or empty)");
  CHECK(with(7, "TRUE") == "");
  CHECK(with(7, "0") == "");
  CHECK(with(8, "XYZ") == R"(claims.csv:2: currency: "XYZ" is not a supported currency (USD EUR GBP CHF CAD CNY JPY))");
  CHECK(with(8, "JPY") == R"(claims.csv:2: charge: "1.00" has more decimals than JPY allows)");
  CHECK(with(9, "") == R"(claims.csv:2: code: "" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(with(10, "59;") == R"(claims.csv:2: modifiers: "" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(with(11, "0") == R"(claims.csv:2: units: "0" is not a number of units (an integer, at least 1))");
  CHECK(with(11, "1.5") == R"(claims.csv:2: units: "1.5" is not a number of units (an integer, at least 1))");
  CHECK(with(12, "") == R"(claims.csv:2: charge: "" is not a decimal amount)");
  CHECK(with(12, "1.00 EUR") == R"(claims.csv:2: charge: "1.00 EUR" is in EUR, the claim in USD)");
  CHECK(with(13, "03/01/2027") == R"(claims.csv:2: service_date: "03/01/2027" is not a date (YYYY-MM-DD))");
  CHECK(with(14, "2 2") == R"(claims.csv:2: place: "2 2" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(with(15, "2") == "claims.csv:2: diagnosis_pointers: 2 does not point at one of the claim's 1 diagnoses");
  CHECK(with(15, "x") == R"(claims.csv:2: diagnosis_pointers: "x" is not an integer)");
  CHECK(with(16, "P A") == R"(claims.csv:2: prior_auth: "P A" is not a code (1 to 16 printable characters, no spaces))");
  CHECK(with(17, "2026") == R"(claims.csv:2: enrolled: "2026" is not a date (YYYY-MM-DD))");
  CHECK(with(18, "one") == R"(claims.csv:2: plan: "one" is not an integer)");
  CHECK(with(19, "2.0") == R"(claims.csv:2: secondary_plan: "2.0" is not an integer)");
}

TEST_CASE("csv: quoting mistakes in a row") {
  CHECK(outcomes(kHeader + "C-1,M\"x,2027-03-10,A,1,2027-03-01\nC-2,M,2027-03-10,A,1,2027-03-01\n") ==
        std::vector<std::string>{"claims.csv:2: a quote inside an unquoted field", ""});
  CHECK(outcomes(kHeader + "C-1,\"M\"x,2027-03-10,A,1,2027-03-01\n") ==
        std::vector<std::string>{"claims.csv:2: text after a closing quote"});
  // A quote-mistake row in the middle of a claim spoils the claim.
  CHECK(outcomes(kHeader + "C-1,M,2027-03-10,A,1,2027-03-01\nC-1,M,2027-03-10,A\",1,2027-03-01\n") ==
        std::vector<std::string>{"claims.csv:2: line 3: a quote inside an unquoted field"});
  CHECK(outcomes(kHeader + "C-1,M,2027-03-10,A,1,2027-03-01\nC-2,\"M,2027-03-10,A,1,2027-03-01\n") ==
        std::vector<std::string>{"", "claims.csv:3: a quoted field is not closed"});
}

TEST_CASE("csv: a row longer than 1 MiB is a problem and the next row is read") {
  std::string text = kHeader + "C-1," + std::string(LineReader::kMaxLine, 'm') + ",2027-03-10,A,1,2027-03-01\n" +
                     "C-2,M,2027-03-10,A,1,2027-03-01\n";
  CHECK(outcomes(text) == std::vector<std::string>{"claims.csv:2: line longer than 1 MiB", ""});
  std::string quoted = kHeader + "C-1,\"" + std::string(LineReader::kMaxLine / 2, 'm') + "\n" +
                       std::string(LineReader::kMaxLine / 2, 'm') + "\",2027-03-10,A,1,2027-03-01\n";
  CHECK(outcomes(quoted).front() == "claims.csv:2: a quoted field runs over more than 1 MiB");
}

TEST_CASE("csv: a reused record and progress") {
  std::string text = kHeader + "C-1,M,2027-03-10,A,1,2027-03-01\nC-1,M,2027-03-10,B,2,2027-03-01\n" +
                     "C-2,M,2027-03-10,C,3,2027-03-01\n";
  auto source = csv_source(text_stream(text, "x.csv"));
  Record record;
  REQUIRE(source->next(record));
  CHECK(claim_of(record).lines.size() == 2);
  CHECK(claim_of(record).billed() == 300);
  REQUIRE(source->next(record));
  CHECK(claim_of(record).lines.size() == 1);
  CHECK(claim_of(record).lines[0].code == "C");
  CHECK(!source->next(record));
  CHECK(!source->next(record));
  CHECK(source->bytes_read() == text.size());
  CHECK(source->bytes_total() == text.size());
}
