// Cases of the CSV reader (csv.hpp) that Synthea's sample files do not exercise: quoted
// fields with commas, quotes and line breaks, CRLF rows, a byte-order mark, trailing empty
// fields, and the errors. Exit 0 when every case holds, 1 otherwise (naming each failure).

#include <iostream>
#include <string>
#include <vector>

#include "claims/csv_table.hpp"

using covenant::claims::CsvTable;

namespace {

int failures = 0;

void expect_rows(const std::string& name, const std::string& text,
                 const std::vector<std::vector<std::string>>& rows) {
  auto t = CsvTable::parse(text, name);
  if (!t) {
    std::cout << "FAIL " << name << ": " << t.error() << "\n";
    ++failures;
    return;
  }
  if (t->rows() != rows) {
    std::cout << "FAIL " << name << ": the records differ\n";
    ++failures;
  }
}

void expect_error(const std::string& name, const std::string& text, const std::string& error) {
  auto t = CsvTable::parse(text, name);
  if (t) {
    std::cout << "FAIL " << name << ": parsed, expected the error `" << error << "`\n";
    ++failures;
  } else if (t.error() != error) {
    std::cout << "FAIL " << name << ": error `" << t.error() << "`, expected `" << error << "`\n";
    ++failures;
  }
}

}  // namespace

int main() {
  expect_rows("plain", "a,b\n1,2\n3,4", {{"1", "2"}, {"3", "4"}});
  expect_rows("quoted", "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n", {{"x, y", "say \"hi\""}});
  expect_rows("line break in quotes", "a,b\r\n\"1\r\n2\",3\r\n", {{"1\r\n2", "3"}});
  expect_rows("empty fields", "a,b,c\n,,\n\"\",x,\n", {{"", "", ""}, {"", "x", ""}});
  expect_rows("byte-order mark", "\xEF\xBB\xBF" "a,b\n1,2\n", {{"1", "2"}});
  expect_rows("blank lines", "a,b\n\n1,2\n\n", {{"1", "2"}});
  expect_rows("trailing empty fields", "a,b\n1,2,\n", {{"1", "2"}});
  expect_error("unclosed", "a,b\n1,\"2\n3\n", "unclosed:2: a quoted field is not closed");
  expect_error("text after quote", "a,b\n\"1\"x,2\n", "text after quote:2: text after a closing quote");
  expect_error("stray quote", "a,b\n1\"2,3\n", "stray quote:2: a quote inside an unquoted field or after a closing quote");
  expect_error("too few", "a,b\n1,2\n\"x\ny\"\n3\n", "too few:3: expected 2 fields, found 1");
  expect_error("too many", "a,b\n1,2,3\n", "too many:2: expected 2 fields, found 3");
  expect_error("duplicate column", "a,a\n", "duplicate column:1: column `a` appears twice in the header");
  expect_error("empty", "", "empty:1: no header row");

  auto bom = CsvTable::parse("\xEF\xBB\xBF" "Id,Name\n", "bom");
  if (!bom || bom->header() != std::vector<std::string>{"Id", "Name"}) {
    std::cout << "FAIL byte-order mark: the header keeps it\n";
    ++failures;
  }
  auto t = CsvTable::parse("x,y\n1,2\n", "t");
  if (!t || t->column("y") != 1 || t->at(0, "y") != "2" || t->column("z") != CsvTable::npos ||
      t->require({"x", "z"}).has_value()) {
    std::cout << "FAIL columns: lookup by name\n";
    ++failures;
  }
  std::cout << (failures == 0 ? "PASS" : "FAIL") << ": CSV reader, " << failures << " failures\n";
  return failures == 0 ? 0 : 1;
}
