#include "runtime/abi.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace covenant::runtime;

namespace {

// One ABI with every kind of type; records refer to records declared after them.
const std::string kAbi = R"({"contract":"Clinic","version":2,"entries":[
  {"name":"bill","params":[{"name":"c","type":"Claim"},{"name":"when","type":"Option<Date>"}],
   "result":"Result"},
  {"name":"ping","params":[],"result":null}],
 "records":[
  {"name":"Claim","fields":[{"name":"patient","type":"Pseudonym"},{"name":"fingerprint","type":"Hash"},
    {"name":"lines","type":"List<Line, 3>"},{"name":"kind","type":"Kind"},{"name":"urgent","type":"Bool"},
    {"name":"coins","type":"Rate"},{"name":"wait","type":"Duration"},{"name":"fee","type":"Money<JPY>"}]},
  {"name":"Line","fields":[{"name":"code","type":"Code"},{"name":"billed","type":"Money<USD>"},
    {"name":"units","type":"Int"}]},
  {"name":"Result","fields":[{"name":"paid","type":"Money<USD>"},{"name":"note","type":"Option<Code>"}]}],
 "enums":[{"name":"Kind","variants":["office","hospital"]}]})";

std::string parse_error(const std::string& json) {
  auto abi = Abi::parse(json);
  REQUIRE(!abi.has_value());
  return abi.error();
}

}  // namespace

TEST_CASE("an ABI parses into types with the compiler's layout") {
  auto parsed = Abi::parse(kAbi);
  REQUIRE_MESSAGE(parsed.has_value(), (parsed.has_value() ? "" : parsed.error()));
  Abi abi = std::move(parsed).value();  // moving keeps the types in place
  CHECK(abi.contract() == "Clinic");
  CHECK(abi.version() == 2);
  REQUIRE(abi.entries().size() == 2);
  CHECK(abi.find("nope") == nullptr);

  const AbiEntry* bill = abi.find("bill");
  REQUIRE(bill != nullptr);
  REQUIRE(bill->params.size() == 2);
  const AbiType& claim = *bill->params[0].type;
  CHECK(claim.kind == AbiKind::record);
  CHECK(claim.name == "Claim");
  // patient 32, fingerprint 32, lines 8 + 3 x 32, kind, urgent, coins 8 each, wait 16, fee 8.
  CHECK(claim.size == 216);
  REQUIRE(claim.fields.size() == 8);
  CHECK(claim.fields[2].offset == 64);
  CHECK(claim.fields[3].offset == 168);
  CHECK(claim.fields[6].type->kind == AbiKind::duration);
  CHECK(claim.fields[7].type->currency == "JPY");
  CHECK(claim.fields[7].type->minor_digits == 0);
  const AbiType& lines = *claim.fields[2].type;
  CHECK(lines.kind == AbiKind::list);
  CHECK(lines.bound == 3);
  CHECK(lines.elem->size == 32);
  CHECK(lines.elem->fields[1].type->minor_digits == 2);
  CHECK(claim.fields[3].type->variants == std::vector<std::string>{"office", "hospital"});
  CHECK(bill->params[1].offset == 216);
  CHECK(bill->params[1].type->kind == AbiKind::option);
  CHECK(bill->params[1].type->size == 16);
  CHECK(bill->param_size == 232);
  REQUIRE(bill->result != nullptr);
  CHECK(bill->result_size == 32);
  CHECK(bill->result->fields[1].offset == 8);

  const AbiEntry* ping = abi.find("ping");
  REQUIRE(ping != nullptr);
  CHECK(ping->result == nullptr);
  CHECK(ping->result_size == 0);
  CHECK(ping->param_size == 0);

  REQUIRE(abi.records().size() == 3);
  CHECK(abi.records()[0] == &claim);
  REQUIRE(abi.enums().size() == 1);
  CHECK(abi.enums()[0] == claim.fields[3].type);
  // Types are interned: the same name is the same pointer.
  CHECK(abi.type_named("Claim") == &claim);
  CHECK(abi.type_named("List<Line, 3>") == &lines);
}

TEST_CASE("type_named builds types the entries do not mention") {
  auto abi = Abi::parse(kAbi);
  REQUIRE(abi.has_value());
  const AbiType* t = abi->type_named("List<Option<Money<EUR>>, 4>");
  REQUIRE(t != nullptr);
  CHECK(t->size == 8 + 4 * 16);
  CHECK(t->elem->elem->currency == "EUR");
  CHECK(abi->type_named("List<Option<Money<EUR>>, 4>") == t);
  CHECK(abi->type_named("Bool")->kind == AbiKind::bool_);
  CHECK(abi->type_named("Kind")->kind == AbiKind::enum_);
  CHECK(abi->type_named("Nope") == nullptr);
  CHECK(abi->type_named("Money<XYZ>") == nullptr);
  CHECK(abi->type_named("Int>") == nullptr);
}

TEST_CASE("malformed ABI text is rejected with a reason") {
  CHECK(parse_error("{") .find("invalid ABI: not JSON") == 0);
  CHECK(parse_error("[]") == "invalid ABI: ABI: expected an object");
  CHECK(parse_error(R"({"contract":"C","version":1,"entries":[],"records":[]})") ==
        "invalid ABI: ABI: missing member \"enums\"");
  CHECK(parse_error(R"({"contract":"C","version":1,"entries":[],"records":[],"enums":[],"x":1})") ==
        "invalid ABI: ABI: unknown member \"x\"");
  CHECK(parse_error(R"({"contract":"C","version":"1","entries":[],"records":[],"enums":[]})") ==
        "invalid ABI: version: expected an integer");
  auto with = [](const std::string& entries, const std::string& records = "",
                 const std::string& enums = "") {
    return parse_error(R"({"contract":"C","version":1,"entries":[)" + entries +
                       R"(],"records":[)" + records + R"(],"enums":[)" + enums + "]}");
  };
  CHECK(with(R"({"name":"e","params":[{"name":"x","type":"Money<XYZ>"}],"result":null})") ==
        "invalid ABI: entry e(x): unsupported currency \"XYZ\" in type \"Money<XYZ>\"");
  CHECK(with(R"({"name":"e","params":[{"name":"x","type":"Thing"}],"result":null})") ==
        "invalid ABI: entry e(x): unknown type \"Thing\"");
  CHECK(with(R"({"name":"e","params":[{"name":"x","type":"Int"},{"name":"x","type":"Int"}],"result":null})") ==
        "invalid ABI: entry e: parameter x declared twice");
  CHECK(with(R"({"name":"e","params":[],"result":null},{"name":"e","params":[],"result":null})") ==
        "invalid ABI: entry e: declared twice");
  CHECK(with(R"({"name":"e","params":[{"name":"x","type":"List<Int, 200000>"}],"result":null})") ==
        "invalid ABI: entry e(x): a value larger than 1 MiB in type \"List<Int, 200000>\"");
  CHECK(with(R"({"name":"e","params":[{"name":"x","type":"List<Int 3>"}],"result":null})")
            .find("expected `,`") != std::string::npos);
  CHECK(with(R"({"name":"","params":[],"result":null})") ==
        "invalid ABI: entries[0].name: expected an identifier");
  CHECK(with("", R"({"name":"A","fields":[{"name":"b","type":"B"}]},{"name":"B","fields":[{"name":"a","type":"Option<A>"}]})") ==
        "invalid ABI: record \"A\" contains itself");
  CHECK(with("", R"({"name":"Int","fields":[]})") ==
        "invalid ABI: record Int: the name of a built-in type");
  CHECK(with("", R"({"name":"A","fields":[]})", R"({"name":"A","variants":["x"]})") ==
        "invalid ABI: enum A: declared twice");
  CHECK(with("", "", R"({"name":"K","variants":["x","x"]})") ==
        "invalid ABI: enum K: variant x declared twice");
  CHECK(with("", "", R"({"name":"K","variants":[]})") == "invalid ABI: enum K: no variants");
  CHECK(with("", R"({"name":"A","fields":[{"name":"b","type":"Int"},{"name":"b","type":"Int"}]})") ==
        "invalid ABI: record A: field \"b\" declared twice");
}

TEST_CASE("json_string escapes quotes, backslashes and non-printable bytes") {
  CHECK(json_string("a\"b\\c") == R"("a\"b\\c")");
  CHECK(json_string(std::string("\n\x01\x7f\xc3", 4)) == R"("\u000a\u0001\u007f\u00c3")");
  CHECK(currency_digits("JPY") == 0);
  CHECK(currency_digits("CHF") == 2);
  CHECK(currency_digits("usd") == -1);
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(2027, 3, 1) == 20878);
}

TEST_CASE("events and keys: declared events render by name, keys as hex") {
  const std::string abi_text = R"({"contract":"Split","version":1,
    "entries":[{"name":"release","params":[{"name":"payee","type":"Key"}],"result":"Key"}],
    "records":[],"enums":[],
    "events":[{"name":"Released","index":0,"fields":[{"name":"payee","type":"Key"},
                                                     {"name":"amount","type":"Money<EUR>"}]}]})";
  auto parsed = Abi::parse(abi_text);
  REQUIRE_MESSAGE(parsed.has_value(), (parsed.has_value() ? "" : parsed.error()));
  const Abi& abi = *parsed;
  REQUIRE(abi.events().size() == 1);
  CHECK(abi.events()[0].type->size == 40);
  CHECK(abi.type_named("Released") == nullptr);  // an event is not a type
  const AbiEntry* release = abi.find("release");
  REQUIRE(release != nullptr);
  CHECK(release->params[0].type->kind == AbiKind::key);
  const std::string key(64, 'a');
  auto block = encode_params(*release, "{\"payee\":\"" + key + "\"}");
  REQUIRE(block.has_value());
  CHECK(value_json(*release->result, *block) == "\"" + key + "\"");

  std::vector<uint8_t> data(*block);
  data.resize(40, 0);
  data[32] = 0xe8;  // 1000 cents
  data[33] = 0x03;
  CHECK(abi.event_json(0, data) ==
        "{\"event\":\"Released\",\"data\":{\"payee\":\"" + key + "\",\"amount\":\"10.00 EUR\"}}");
  CHECK(abi.event_json(3, {data.data(), 2}) == "{\"event\":3,\"data\":\"aaaa\"}");

  // The events member is optional, but when present it must be well formed.
  CHECK(parse_error(R"({"contract":"S","version":1,"entries":[],"records":[],"enums":[],
    "events":[{"name":"E","index":4,"fields":[]}]})") == "invalid ABI: events[0].index: expected 0");
}
