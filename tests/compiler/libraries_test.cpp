// Linking libraries (compiler/libraries.hpp) and what it means for a compiled contract: a
// library checked in the settings of each contract that uses it, imports that limit what a
// file sees, a library used twice linked once, code of a library located in its own file
// (diagnostics, faults, denials), a library compiled on its own, and the embedded standard
// library. The test libraries are in tests/compiler/libraries/.

#include "compiler/libraries.hpp"

#include <doctest/doctest.h>

#include <string>

#include "compiler/sources.hpp"
#include "compiler/std_library.hpp"
#include "compiler/syntax/parse.hpp"
#include "runtime/host_abi.hpp"
#include "tests/compiler/contract_runner.hpp"

using namespace covenant;
using namespace covenant::compiler;
using covenant::compiler::testing::build;
using covenant::compiler::testing::call;
using covenant::compiler::testing::word_at;
using covenant::compiler::testing::words;

namespace {

std::string metadata(const vm::Module& m, const std::string& key) {
  for (const auto& [k, v] : m.metadata)
    if (k == key) return v;
  return {};
}

// A contract in `currency` and `rounding` that shares an amount among `heads` with the
// shares library.
std::string sharing_contract(const std::string& currency, const std::string& rounding) {
  return "contract Sharing version 1\ncurrency " + currency + "\nrounding " + rounding +
         "\n\nuse std.shares\n\n"
         "entry share(m: Money, heads: Int) -> Money {\n"
         "  return per_head(m, heads).amount\n"
         "}\n";
}

}  // namespace

TEST_CASE("a library is checked in the currency and rounding of the contract that uses it") {
  auto usd = build("usd.cvn", sharing_contract("USD", "half_up"));
  REQUIRE_MESSAGE(usd.ok(), usd.diagnostics);
  auto jpy = build("jpy.cvn", sharing_contract("JPY", "up"));
  REQUIRE_MESSAGE(jpy.ok(), jpy.diagnostics);
  // The same library text: Money<USD> in cents rounded half up, Money<JPY> in yen rounded up.
  CHECK(metadata(usd.module(), "abi").find("\"type\":\"Money<USD>\"") != std::string::npos);
  CHECK(metadata(jpy.module(), "abi").find("\"type\":\"Money<JPY>\"") != std::string::npos);
  runtime::MemoryState state;
  auto a = call(usd, "share", words({1000, 3}), state);  // 10.00 USD / 3
  REQUIRE(a.outcome.ok());
  CHECK(word_at(a.output) == 333);
  auto b = call(usd, "share", words({5, 2}), state);  // 0.05 USD / 2, a tie: away from zero
  CHECK(word_at(b.output) == 3);
  auto c = call(jpy, "share", words({10, 3}), state);  // 10 JPY / 3, rounded up
  REQUIRE(c.outcome.ok());
  CHECK(word_at(c.output) == 4);
}

TEST_CASE("a contract without the settings a library needs is told so in the library") {
  auto b = build("bare.cvn", "contract Bare version 1\n\nuse std.shares\n\n"
                             "entry e(n: Int) -> Int {\n  return n\n}\n");
  CHECK(!b.ok());
  // The library's `Money` has no currency: reported at the library's lines, with its file.
  CHECK(b.diagnostics.find("libraries/shares.cvn:9:38: error[E0306]") != std::string::npos);
  CHECK(b.diagnostics.find("the currency of the contract that uses it") != std::string::npos);
}

TEST_CASE("use std.lib.{names} imports those names only") {
  auto ok = build("some.cvn", "contract Some version 1\ncurrency USD\nrounding down\n\n"
                              "use std.shares.{per_head, Share}\n\n"
                              "entry e(m: Money) -> Money {\n"
                              "  let s: Share = per_head(m, 2)\n"
                              "  return s.amount\n}\n");
  CHECK_MESSAGE(ok.ok(), ok.diagnostics);
  auto hidden = build("hidden.cvn", "contract Hidden version 1\ncurrency USD\nrounding down\n\n"
                                    "use std.shares.{per_head}\n\n"
                                    "entry e(m: Money) -> Int {\n"
                                    "  return max_heads\n}\n");
  CHECK(hidden.diagnostics.find("error[E0201]: unknown name `max_heads`") != std::string::npos);
  CHECK(hidden.diagnostics.find("use std.shares.{max_heads}") != std::string::npos);
  // What a library uses is not imported into the contract that uses the library.
  auto indirect = build("indirect.cvn", "contract Indirect version 1\ncurrency USD\nrounding down\n\n"
                                        "use std.tally\n\n"
                                        "entry e(m: Money) -> Money {\n"
                                        "  return weighted(m, 10%).amount\n}\n");
  CHECK(indirect.diagnostics.find("error[E0208]: unknown function `weighted`") != std::string::npos);
}

TEST_CASE("a library used by the contract and by another library is linked once") {
  auto b = build("twice.cvn", "contract Twice version 1\ncurrency EUR\nrounding half_even\n\n"
                              "use std.tally\nuse std.shares\n\n"
                              "entry e(m: Money, heads: Int) -> Money {\n"
                              "  return total(split_evenly(m, heads), 0 * m) + per_head(m, 1).amount\n}\n");
  REQUIRE_MESSAGE(b.ok(), b.diagnostics);
  const Sources& sources = *b.compilation.sources;
  REQUIRE(sources.size() == 3);
  CHECK(sources.file(1).name() == "libraries/tally.cvn");
  CHECK(sources.file(2).name() == "libraries/shares.cvn");
  int per_head = 0;
  for (const FunctionInfo& f : b.compilation.checked->functions) per_head += f.name == "per_head";
  CHECK(per_head == 1);
  runtime::MemoryState state;
  auto r = call(b, "e", words({1000, 4}), state);  // 4 x 2.50 + 10.00
  REQUIRE(r.outcome.ok());
  CHECK(word_at(r.output) == 2000);
}

TEST_CASE("a fault in library code is located at a unit line the module maps to the library") {
  auto b = build("fault.cvn", sharing_contract("USD", "half_up"));
  REQUIRE_MESSAGE(b.ok(), b.diagnostics);
  CHECK(metadata(b.module(), "source") == "fault.cvn");
  CHECK(metadata(b.module(), "source.1").starts_with("libraries/shares.cvn "));
  runtime::MemoryState state;
  auto r = call(b, "share", words({1000, 0}), state);
  REQUIRE(!r.outcome.ok());
  uint64_t code = r.outcome.fault->code;
  CHECK(runtime::fault_code_kind(code) == static_cast<uint64_t>(runtime::FaultKind::division_by_zero));
  // `amount / heads` is line 20, column 49 of libraries/shares.cvn, the first library.
  CHECK(runtime::fault_code_line(code) == kLinesPerFile + 20);
  CHECK(runtime::fault_code_column(code) == 49);
  CHECK(module_location(b.module(), runtime::fault_code_line(code), runtime::fault_code_column(code)) ==
        "libraries/shares.cvn:20:49");
  // The source map (from the DWARF line table) has rows in the library's line range.
  bool library_rows = false;
  for (const vm::SourceLoc& row : b.module().source_map) library_rows |= row.line / kLinesPerFile == 1;
  CHECK(library_rows);
}

TEST_CASE("a library compiled on its own exports its functions, and its tests run") {
  auto b = build("alone.cvn", R"(library shares_alone

record Pair { a: Money, b: Money }

fn halves(m: Money) -> Pair {
  return Pair { a: m / 2, b: m - m / 2 }
}

fn twice(n: Int) -> Int {
  return 2 * n
}

test "half_even and USD" {
  expect halves(0.05 USD).a == 0.02 USD
  expect twice(2) == 4
}
)", true);
  REQUIRE_MESSAGE(b.ok(), b.diagnostics);
  const Checked& checked = *b.compilation.checked;
  CHECK(checked.library);
  CHECK(checked.rounding == Rounding::half_even);
  CHECK(b.module().find_entry("__fn_0") != nullptr);
  CHECK(b.module().find_entry("__fn_1") != nullptr);
  CHECK(b.compilation.packaged->gas_bound.count("__fn_0") == 1);
  CHECK(metadata(b.module(), "abi").find("\"entries\":[]") != std::string::npos);
  runtime::MemoryState state;
  auto t = call(b, "__test_0", {}, state);
  CHECK(t.outcome.ok());
  CHECK(t.outcome.r0 == 0);

  // A library with neither functions nor tests still makes a module.
  auto data = build("data.cvn", "library data\n\nconst limit: Int = 3\n");
  REQUIRE_MESSAGE(data.ok(), data.diagnostics);
  CHECK(data.module().entries.size() == 1);
  CHECK(data.module().entries[0].name == "__library");
}

TEST_CASE("a library's own tests are not linked into a contract") {
  auto b = build("notests.cvn", sharing_contract("USD", "down"), true);
  REQUIRE_MESSAGE(b.ok(), b.diagnostics);
  CHECK(b.compilation.checked->tests.empty());
}

TEST_CASE("linking is deterministic and records every library's text") {
  auto a = build("same.cvn", sharing_contract("CHF", "half_up"));
  auto b = build("same.cvn", sharing_contract("CHF", "half_up"));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.compilation.bytes == b.compilation.bytes);
  std::string source1 = metadata(a.module(), "source.1");
  CHECK(source1.size() == std::string("libraries/shares.cvn ").size() + 64);
}

TEST_CASE("use is refused after a declaration, and a library name may be a reserved word") {
  SourceFile late("late.cvn", "contract Late version 1\nconst a: Int = 1\nuse std.money\n");
  Diagnostics diags;
  CHECK(!parse(late, diags));
  REQUIRE(!diags.all().empty());
  CHECK(diags.all()[0].message == "`use` comes before the declarations");
  SourceFile codes("codes.cvn", "library codes\nuse std.match.{a, b}\nconst x: Int = 1\n");
  Diagnostics diags2;
  auto parsed = parse(codes, diags2);
  REQUIRE(parsed);
  CHECK(parsed->header.library);
  CHECK(parsed->header.name.name == "codes");
  REQUIRE(parsed->uses.size() == 1);
  CHECK(parsed->uses[0].library.name == "match");
  CHECK(parsed->uses[0].names->size() == 2);
}

TEST_CASE("every embedded standard library file is the library its name says") {
  std::string previous;
  for (const EmbeddedFile& f : std_library_files()) {
    CHECK(std::string(f.name) > previous);
    previous = std::string(f.name);
    if (!f.name.ends_with(".cvn")) continue;
    SourceFile source("stdlib/" + std::string(f.name),
                      std::string(reinterpret_cast<const char*>(f.bytes.data()), f.bytes.size()));
    Diagnostics diags;
    auto parsed = parse(source, diags);
    CHECK_MESSAGE(parsed.has_value(), f.name);
    if (!parsed) continue;
    CHECK(parsed->header.library);
    CHECK(parsed->header.name.name + ".cvn" == f.name);
  }
  CHECK(!std_library_file("no such file.cvn"));
}
