#include "compiler/abi.hpp"

#include <doctest/doctest.h>

#include <string>

#include "compiler/syntax/parse.hpp"
#include "runtime/abi.hpp"

using namespace covenant;
using namespace covenant::compiler;

namespace {

// A contract whose entries, records and enums use every kind of value type.
const char* kContract = R"(contract Clinic version 3
currency USD

enum Kind { office, hospital }
record Line { code: Code, billed: Money, units: Int }
record Claim {
  patient: Pseudonym, fingerprint: Hash, lines: List<Line, 3>, kind: Kind,
  urgent: Bool, coins: Rate, wait: Duration, fee: Money<JPY>, seen: Option<Date>,
}
record Result { paid: Money, note: Option<Code> }

fn helper(x: Int) -> Int { return x }

entry bill(c: Claim, when: Option<Date>) -> Result {
  return Result { paid: 0.00 USD, note: none }
}

entry ping() {
  return
}

test "t" {
  expect helper(1) == 1
}
)";

std::string abi_of(const std::string& text) {
  SourceFile source("clinic.cvn", text);
  Diagnostics diags;
  auto contract = parse(source, diags);
  REQUIRE_MESSAGE(contract.has_value(), (diags.all().empty() ? "" : diags.all()[0].message));
  auto checked = check(source, *contract, diags, CheckOptions{});
  REQUIRE_MESSAGE(checked.has_value(), (diags.all().empty() ? "" : diags.all()[0].message));
  return abi_json(*checked);
}

}  // namespace

TEST_CASE("abi_json lists entries, records and enums in declaration order") {
  std::string json = abi_of(kContract);
  CHECK(json ==
        R"({"contract":"Clinic","version":3,"entries":[)"
        R"({"name":"bill","params":[{"name":"c","type":"Claim"},{"name":"when","type":"Option<Date>"}],"result":"Result"},)"
        R"({"name":"ping","params":[],"result":null}],)"
        R"("records":[{"name":"Line","fields":[{"name":"code","type":"Code"},{"name":"billed","type":"Money<USD>"},{"name":"units","type":"Int"}]},)"
        R"({"name":"Claim","fields":[{"name":"patient","type":"Pseudonym"},{"name":"fingerprint","type":"Hash"},)"
        R"({"name":"lines","type":"List<Line, 3>"},{"name":"kind","type":"Kind"},{"name":"urgent","type":"Bool"},)"
        R"({"name":"coins","type":"Rate"},{"name":"wait","type":"Duration"},{"name":"fee","type":"Money<JPY>"},)"
        R"({"name":"seen","type":"Option<Date>"}]},)"
        R"({"name":"Result","fields":[{"name":"paid","type":"Money<USD>"},{"name":"note","type":"Option<Code>"}]}],)"
        R"("enums":[{"name":"Kind","variants":["office","hospital"]}]})");
  CHECK(abi_of(kContract) == json);  // deterministic
}

TEST_CASE("the runtime reads the compiler's ABI back with the compiler's layout") {
  SourceFile source("clinic.cvn", kContract);
  Diagnostics diags;
  auto contract = parse(source, diags);
  REQUIRE(contract.has_value());
  auto checked = check(source, *contract, diags, CheckOptions{});
  REQUIRE(checked.has_value());
  auto abi = runtime::Abi::parse(abi_json(*checked));
  REQUIRE_MESSAGE(abi.has_value(), (abi.has_value() ? "" : abi.error()));
  for (const FunctionInfo& f : checked->functions) {
    const runtime::AbiEntry* e = abi->find(f.name);
    CHECK((e != nullptr) == f.is_entry);
    if (e == nullptr) continue;
    CHECK(e->param_size == f.param_size);
    CHECK(e->result_size == f.result->size);
    REQUIRE(e->params.size() == f.params.size());
    for (size_t i = 0; i < f.params.size(); ++i) {
      CHECK(e->params[i].type->name == f.params[i]->name());
      CHECK(e->params[i].type->size == f.params[i]->size);
    }
  }
  for (const Type* r : checked->records) {
    const runtime::AbiType* t = abi->type_named(r->name());
    REQUIRE(t != nullptr);
    CHECK(t->size == r->size);
    REQUIRE(t->fields.size() == r->record->fields.size());
    for (size_t i = 0; i < t->fields.size(); ++i) {
      CHECK(t->fields[i].offset == r->record->fields[i].offset);
      CHECK(t->fields[i].type->name == r->record->fields[i].type->name());
      CHECK(t->fields[i].type->size == r->record->fields[i].type->size);
    }
  }
}
