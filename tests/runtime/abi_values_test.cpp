#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "runtime/abi.hpp"

using namespace covenant::runtime;

namespace {

const std::string kAbi = R"({"contract":"Clinic","version":1,"entries":[
  {"name":"bill","params":[{"name":"c","type":"Claim"},{"name":"when","type":"Option<Date>"}],
   "result":"Result"},
  {"name":"ping","params":[],"result":null}],
 "records":[
  {"name":"Line","fields":[{"name":"code","type":"Code"},{"name":"billed","type":"Money<USD>"},
    {"name":"units","type":"Int"}]},
  {"name":"Claim","fields":[{"name":"patient","type":"Pseudonym"},{"name":"fingerprint","type":"Hash"},
    {"name":"lines","type":"List<Line, 3>"},{"name":"kind","type":"Kind"},{"name":"urgent","type":"Bool"},
    {"name":"coins","type":"Rate"},{"name":"wait","type":"Duration"},{"name":"fee","type":"Money<JPY>"}]},
  {"name":"Result","fields":[{"name":"paid","type":"Money<USD>"},{"name":"note","type":"Option<Code>"}]}],
 "enums":[{"name":"Kind","variants":["office","hospital"]}]})";

const Abi& abi() {
  static const Abi parsed = [] {
    auto a = Abi::parse(kAbi);
    REQUIRE_MESSAGE(a.has_value(), (a.has_value() ? "" : a.error()));
    return std::move(a).value();
  }();
  return parsed;
}

const AbiType& type(const char* name) {
  const AbiType* t = abi().type_named(name);
  REQUIRE(t != nullptr);
  return *t;
}

int64_t word_at(const std::vector<uint8_t>& b, size_t at) {
  int64_t v;
  std::memcpy(&v, b.data() + at, 8);
  return v;
}

// The word a scalar JSON value encodes to.
int64_t word(const char* type_name, const std::string& json) {
  auto b = encode_value(type(type_name), json);
  REQUIRE_MESSAGE(b.has_value(), (b.has_value() ? "" : b.error()));
  return word_at(*b, 0);
}

std::string error(const char* type_name, const std::string& json, const char* what = "x") {
  auto b = encode_value(type(type_name), json, what);
  REQUIRE(!b.has_value());
  return b.error();
}

// encode then print: the canonical form of `json`.
std::string canonical(const char* type_name, const std::string& json) {
  auto b = encode_value(type(type_name), json);
  REQUIRE_MESSAGE(b.has_value(), (b.has_value() ? "" : b.error()));
  return value_json(type(type_name), *b);
}

std::vector<uint8_t> words(std::initializer_list<int64_t> ws) {
  std::vector<uint8_t> out(ws.size() * 8);
  size_t i = 0;
  for (int64_t w : ws) std::memcpy(out.data() + 8 * i++, &w, 8);
  return out;
}

const std::string kHashHex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

}  // namespace

TEST_CASE("scalar JSON forms encode to the layout's words") {
  CHECK(word("Bool", "true") == 1);
  CHECK(word("Bool", "false") == 0);
  CHECK(word("Int", "-9223372036854775808") == INT64_MIN);
  CHECK(word("Int", "42") == 42);
  CHECK(word("Money<USD>", R"("1500.00 USD")") == 150000);
  CHECK(word("Money<USD>", R"("1500 USD")") == 150000);
  CHECK(word("Money<USD>", R"("0.5 USD")") == 50);
  CHECK(word("Money<USD>", R"("-3.50 USD")") == -350);
  CHECK(word("Money<USD>", R"("-92233720368547758.08 USD")") == INT64_MIN);
  CHECK(word("Money<JPY>", R"("1250 JPY")") == 1250);
  CHECK(word("Rate", R"("12.5%")") == 125'000'000);
  CHECK(word("Rate", R"("100%")") == 1'000'000'000);
  CHECK(word("Rate", R"("0.0000001%")") == 1);
  CHECK(word("Rate", R"("150bp")") == 15'000'000);
  CHECK(word("Rate", R"("0.00001bp")") == 1);
  CHECK(word("Rate", R"("-2%")") == -20'000'000);
  CHECK(word("Date", R"("1970-01-01")") == 0);
  CHECK(word("Date", R"("2027-03-01")") == 20878);
  CHECK(word("Date", R"("0001-01-01")") == -719162);
  CHECK(word("Date", R"("2024-02-29")") == 19782);
  CHECK(word("Kind", R"("hospital")") == 1);

  auto d = encode_value(type("Duration"), R"({"months":2,"days":-3})");
  REQUIRE(d.has_value());
  CHECK(*d == words({2, -3}));
  d = encode_value(type("Duration"), R"({"days":30})");
  REQUIRE(d.has_value());
  CHECK(*d == words({0, 30}));

  auto c = encode_value(type("Code"), R"("99213")");
  REQUIRE(c.has_value());
  CHECK(c->size() == 16);
  CHECK(std::string(c->begin(), c->begin() + 5) == "99213");
  CHECK((*c)[5] == 0);
  CHECK(encode_value(type("Code"), R"("ABCDEFGHIJKLMNOP")").has_value());

  auto h = encode_value(type("Hash"), "\"" + kHashHex + "\"");
  REQUIRE(h.has_value());
  CHECK((*h)[0] == 0x00);
  CHECK((*h)[1] == 0x11);
  CHECK((*h)[15] == 0xff);
  CHECK(encode_value(type("Pseudonym"), "\"" + std::string(64, 'A') + "\"").has_value());
}

TEST_CASE("every bad scalar names the path and what was expected") {
  CHECK(error("Bool", "1") == "x: expected true or false, found 1");
  CHECK(error("Int", "1.5") == "x: expected an integer, found 1.5");
  CHECK(error("Int", "\"3\"") == "x: expected an integer, found \"3\"");
  CHECK(error("Int", "9223372036854775808") ==
        "x: expected an integer in the 64-bit range, found 9223372036854775808");
  CHECK(error("Money<USD>", "12.5") == "x: expected an amount like \"12.50 USD\", found 12.5");
  CHECK(error("Money<USD>", R"("12.5")") == "x: expected an amount like \"12.50 USD\", found \"12.5\"");
  CHECK(error("Money<USD>", R"("3.00 EUR")") ==
        "x: expected an amount in USD like \"12.50 USD\", found \"3.00 EUR\"");
  CHECK(error("Money<USD>", R"("1.234 USD")") ==
        "x: expected at most 2 decimals for USD, found \"1.234 USD\"");
  CHECK(error("Money<USD>", R"("1.500 USD")") ==
        "x: expected at most 2 decimals for USD, found \"1.500 USD\"");
  CHECK(error("Money<JPY>", R"("12.5 JPY")") ==
        "x: expected at most 0 decimals for JPY, found \"12.5 JPY\"");
  CHECK(error("Money<JPY>", R"("x JPY")") == "x: expected an amount like \"12 JPY\", found \"x JPY\"");
  CHECK(error("Money<USD>", R"("92233720368547758.08 USD")") ==
        "x: expected an amount within the 64-bit range of minor units, found \"92233720368547758.08 USD\"");
  for (const char* bad : {R"(". USD")", R"("1. USD")", R"(".5 USD")", R"("+1 USD")", R"("1,000 USD")",
                          R"("1.00  USD")", R"("USD")"})
    CHECK(error("Money<USD>", bad).find("expected an amount like") != std::string::npos);
  CHECK(error("Rate", "0.2") == "x: expected a rate like \"12.5%\" or \"150bp\", found 0.2");
  CHECK(error("Rate", R"("12.5")") == "x: expected a rate like \"12.5%\" or \"150bp\", found \"12.5\"");
  CHECK(error("Rate", R"("0.00000001%")") ==
        "x: expected at most 7 decimals in a percentage, found \"0.00000001%\"");
  CHECK(error("Rate", R"("0.000001bp")") ==
        "x: expected at most 5 decimals in basis points, found \"0.000001bp\"");
  CHECK(error("Rate", R"("1000000000000%")") ==
        "x: expected a rate within the 64-bit range of billionths, found \"1000000000000%\"");
  CHECK(error("Date", R"("2027-3-1")") == "x: expected a date like \"2027-03-01\", found \"2027-3-1\"");
  CHECK(error("Date", "20878") == "x: expected a date like \"2027-03-01\", found 20878");
  CHECK(error("Date", R"("2027-02-29")") ==
        "x: expected a calendar date of years 1..9999, found \"2027-02-29\"");
  CHECK(error("Date", R"("0000-01-01")").find("years 1..9999") != std::string::npos);
  CHECK(error("Date", R"("2027-13-01")").find("years 1..9999") != std::string::npos);
  CHECK(error("Duration", R"({"weeks":1})") ==
        "x: expected a duration like {\"months\":1,\"days\":15}, found {\"weeks\":1}");
  CHECK(error("Duration", R"({"days":1.5})") == "x.days: expected an integer, found 1.5");
  const std::string code_expected =
      "x: expected a code of 1 to 16 printable ASCII characters without spaces, like \"99213\"";
  CHECK(error("Code", R"("")") == code_expected + ", found \"\"");
  CHECK(error("Code", R"("99 213")") == code_expected + ", found \"99 213\"");
  CHECK(error("Code", R"("ABCDEFGHIJKLMNOPQ")") == code_expected + ", found \"ABCDEFGHIJKLMNOPQ\"");
  CHECK(error("Code", "99213") == code_expected + ", found 99213");
  CHECK(error("Hash", R"("abc")") == "x: expected 64 hex digits, found \"abc\"");
  CHECK(error("Pseudonym", "\"" + std::string(63, '0') + "g\"").find("expected 64 hex digits") == 3);
  CHECK(error("Kind", R"("clinic")") == "x: expected one of \"office\", \"hospital\", found \"clinic\"");
  CHECK(error("Int", "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]") ==
        "x: expected an integer, found [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22...");
  CHECK(error("Int", "{").find("x: not valid JSON (") == 0);
}

TEST_CASE("parameters: an object with exactly the entry's parameters") {
  const AbiEntry& bill = *abi().find("bill");
  const std::string line = R"({"code":"99214","billed":"130.00 USD","units":1})";
  const std::string claim = R"({"patient":")" + kHashHex + R"(","fingerprint":")" + kHashHex +
                            R"(","lines":[)" + line + "," + line +
                            R"(],"kind":"office","urgent":false,"coins":"20%",)"
                            R"("wait":{"months":0,"days":0},"fee":"500 JPY"})";
  auto block = encode_params(bill, R"({"when":"2027-03-01","c":)" + claim + "}");
  REQUIRE_MESSAGE(block.has_value(), (block.has_value() ? "" : block.error()));
  REQUIRE(block->size() == bill.param_size);
  CHECK(word_at(*block, 64) == 2);                     // lines.length
  CHECK(word_at(*block, 64 + 8 + 16) == 13000);        // lines[0].billed
  CHECK(word_at(*block, 64 + 8 + 32 + 24) == 1);       // lines[1].units
  CHECK(word_at(*block, 64 + 8 + 64) == 0);            // lines[2] stays zero
  CHECK(word_at(*block, 184) == 200'000'000);          // coins
  CHECK(word_at(*block, 216) == 1);                    // when: some
  CHECK(word_at(*block, 224) == 20878);
  // The printed form of each parameter is the canonical JSON of what was given.
  const AbiParam& c = bill.params[0];
  CHECK(value_json(*c.type, std::span(*block).subspan(c.offset, c.type->size)) == claim);

  auto none = encode_params(bill, R"({"c":)" + claim + R"(,"when":null})");
  REQUIRE(none.has_value());
  CHECK(word_at(*none, 216) == 0);

  auto ping = encode_params(*abi().find("ping"), "{}");
  REQUIRE(ping.has_value());
  CHECK(ping->empty());

  auto err = [&](const std::string& args) {
    auto r = encode_params(bill, args);
    REQUIRE(!r.has_value());
    return r.error();
  };
  auto with_line = [&](const std::string& bad_line) {
    std::string c2 = claim;
    c2.replace(c2.rfind(line), line.size(), bad_line);
    return R"({"when":null,"c":)" + c2 + "}";
  };
  CHECK(err("[1]") == "arguments: expected an object with the parameters of bill (c, when), found [1]");
  CHECK(err("{").find("arguments: not valid JSON (") == 0);
  CHECK(err(R"({"when":null})") == "c: missing, expected Claim");
  CHECK(err(R"({"c":1,"when":null,"extra":2})") ==
        "extra: unknown parameter; bill takes c, when");
  CHECK(err(R"({"when":null,"when":null})") == "when: given twice");
  CHECK(err(R"({"c":1,"when":null})") ==
        "c: expected a Claim object with fields patient, fingerprint, lines, kind, urgent, "
        "coins, wait, fee, found 1");
  CHECK(err(R"({"c":)" + claim + R"(,"when":"tomorrow"})") ==
        "when: expected a date like \"2027-03-01\", found \"tomorrow\"");
  CHECK(err(with_line(R"({"code":"99214","billed":12.5,"units":1})")) ==
        "c.lines[1].billed: expected an amount like \"12.50 USD\", found 12.5");
  CHECK(err(with_line(R"({"code":"99214","units":1})")) ==
        "c.lines[1].billed: missing, expected Money<USD>");
  CHECK(err(with_line(R"({"code":"99214","billed":"1.00 USD","units":1,"bill":1})")) ==
        "c.lines[1].bill: unknown field; Line has code, billed, units");
  std::string four = claim;
  four.replace(four.find(line), line.size(), line + "," + line + "," + line);
  CHECK(err(R"({"when":null,"c":)" + four + "}") == "c.lines: expected at most 3 values, found 4");
  std::string not_list = claim;
  not_list.replace(not_list.find("[" + line), 2 * line.size() + 3, "{}");
  CHECK(err(R"({"when":null,"c":)" + not_list + "}") ==
        "c.lines: expected an array of at most 3 Line values, found {}");

  auto empty = encode_params(*abi().find("ping"), R"({"x":1})");
  REQUIRE(!empty.has_value());
  CHECK(empty.error() == "x: unknown parameter; ping takes none");
}

TEST_CASE("value_json writes the canonical forms") {
  CHECK(canonical("Rate", R"("20%")") == R"("20%")");
  CHECK(canonical("Rate", R"("12.50%")") == R"("12.5%")");
  CHECK(canonical("Rate", R"("15bp")") == R"("0.15%")");
  CHECK(canonical("Rate", R"("0.0000001%")") == R"("0.0000001%")");
  CHECK(canonical("Rate", R"("-0.5%")") == R"("-0.5%")");
  CHECK(canonical("Rate", R"("0%")") == R"("0%")");
  CHECK(canonical("Money<USD>", R"("130 USD")") == R"("130.00 USD")");
  CHECK(canonical("Money<USD>", R"("-0.05 USD")") == R"("-0.05 USD")");
  CHECK(canonical("Money<USD>", R"("-3.5 USD")") == R"("-3.50 USD")");
  CHECK(canonical("Money<USD>", R"("-92233720368547758.08 USD")") == R"("-92233720368547758.08 USD")");
  CHECK(canonical("Money<JPY>", R"("-1250 JPY")") == R"("-1250 JPY")");
  CHECK(canonical("Date", R"("9999-12-31")") == R"("9999-12-31")");
  CHECK(canonical("Date", R"("0001-01-01")") == R"("0001-01-01")");
  CHECK(canonical("Duration", R"({"days":3})") == R"({"months":0,"days":3})");
  CHECK(canonical("Hash", "\"" + std::string(64, 'F') + "\"") == "\"" + std::string(64, 'f') + "\"");
  CHECK(canonical("Code", R"("J9\"x")") == R"("J9\"x")");
  CHECK(canonical("Option<Code>", "null") == "null");
  CHECK(canonical("Option<Code>", R"("A1")") == R"("A1")");
  CHECK(canonical("Option<Option<Int>>", "3") == "3");
  CHECK(canonical("List<Int, 3>", "[]") == "[]");
  CHECK(canonical("List<Bool, 3>", "[true,false]") == "[true,false]");
  CHECK(canonical("Result", R"({"note":null,"paid":"1 USD"})") == R"({"paid":"1.00 USD","note":null})");

  // Bytes no valid value has still print, as numbers.
  CHECK(value_json(type("Bool"), words({2})) == "2");
  CHECK(value_json(type("Kind"), words({7})) == "7");
  CHECK(value_json(type("Date"), words({-719163})) == "-719163");
  CHECK(value_json(type("Date"), words({INT64_MAX})) == "9223372036854775807");
  CHECK(value_json(type("Int"), words({INT64_MIN})) == "-9223372036854775808");
  // A list prints its length's worth of elements, clamped to the bound.
  CHECK(value_json(type("List<Int, 3>"), words({5, 1, 2, 3})) == "[1,2,3]");
  CHECK(value_json(type("List<Int, 3>"), words({-1, 1, 2, 3})) == "[1,2,3]");
  CHECK(value_json(type("List<Int, 3>"), words({2, 1, 2, 3})) == "[1,2]");
  // Bytes past the end read as zero.
  CHECK(value_json(type("Duration"), words({4})) == R"({"months":4,"days":0})");
  CHECK(value_json(type("Code"), {}) == R"("")");
}
