// The files of a compilation (compiler/sources.hpp): disjoint offsets, unit lines, and
// turning a module's unit line back into a file and line.

#include "compiler/sources.hpp"

#include <doctest/doctest.h>

#include "compiler/diagnostics.hpp"

using namespace covenant;
using namespace covenant::compiler;

TEST_CASE("library files follow the root in compilation offsets and unit lines") {
  SourceFile root("plan.cvn", "contract P version 1\nentry e() {}\n");
  Sources sources(root);
  auto money = sources.add("stdlib/money.cvn", "library money\n\nfn f() {}\n");
  auto dates = sources.add("stdlib/dates.cvn", "library dates\n");
  REQUIRE(money);
  REQUIRE(dates);
  CHECK(sources.size() == 3);
  CHECK(money->index() == 1);
  CHECK(money->base() == root.text().size() + 1);
  CHECK(dates->base() == money->base() + money->text().size() + 1);
  // The end of a file (where "expected ... found end of file" points) is still that file.
  CHECK(&sources.file_of(static_cast<uint32_t>(root.text().size())) == &root);
  CHECK(&sources.file_of(money->base()) == money.get());
  uint32_t fn = money->base() + 15;  // `fn` on line 3
  CHECK(money->line_col(fn) == LineCol{3, 1});
  CHECK(sources.unit_line_col(fn) == LineCol{kLinesPerFile + 3, 1});
  CHECK(sources.unit_line_col(9) == LineCol{1, 10});
  CHECK(sources.where(fn) == "stdlib/money.cvn:3:1");
  CHECK(sources.slice({fn, fn + 2}) == "fn");
  CHECK(sources.unit_line_col(dates->base()) == LineCol{2 * kLinesPerFile + 1, 1});
}

TEST_CASE("module_location names the library a unit line belongs to") {
  vm::Module m;
  m.metadata = {{"source", "plan.cvn"}, {"source.1", "stdlib/money.cvn 0123abcd"},
                {"source.2", "libs/my lib.cvn ff00"}};
  CHECK(module_location(m, 12, 5) == "plan.cvn:12:5");
  CHECK(module_location(m, kLinesPerFile + 7, 3) == "stdlib/money.cvn:7:3");
  CHECK(module_location(m, 2 * kLinesPerFile + 1, 1) == "libs/my lib.cvn:1:1");
  // A file the metadata does not name: the unit line as it is, never taken for line 4.
  CHECK(module_location(m, 3 * kLinesPerFile + 4, 2) == "plan.cvn:3000004:2");
}

TEST_CASE("diagnostics in a library render with its name and a note in another file") {
  SourceFile root("plan.cvn", "contract P version 1\nconst fee: Int = 1\n");
  Sources sources(root);
  auto lib = sources.add("stdlib/money.cvn", "library money\nconst fee: Int = 2\n");
  Diagnostics diags;
  diags.add_source(lib);
  uint32_t lib_fee = lib->base() + 20;
  Diagnostic& d = diags.report(Diag::duplicate_name, {27, 30}, "`fee` is already declared in library money");
  d.notes.push_back({{lib_fee, lib_fee + 3}, "`fee` is declared here"});
  diags.report(Diag::unknown_name, {lib_fee, lib_fee + 3}, "in the library");
  CHECK(render_all(root, diags) ==
        "plan.cvn:2:7: error[E0202]: `fee` is already declared in library money\n"
        " 2 | const fee: Int = 1\n"
        "   |       ^~~\n"
        "stdlib/money.cvn:2:7: note: `fee` is declared here\n"
        " 2 | const fee: Int = 2\n"
        "   |       ^~~\n"
        "stdlib/money.cvn:2:7: error[E0201]: in the library\n"
        " 2 | const fee: Int = 2\n"
        "   |       ^~~\n"
        "2 errors\n");
}
