#include "compiler/syntax/parse.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostics.hpp"
#include "compiler/source.hpp"
#include "compiler/syntax/print.hpp"

using namespace covenant::compiler;

namespace {

/// Parses `text` as a whole file; the dump when it parses, else "" (and the diagnostics in
/// `errors`).
struct Parsed {
  SourceFile source;
  Diagnostics diags;
  std::optional<ast::Contract> contract;

  explicit Parsed(std::string text) : source("t.cvn", std::move(text)) {
    contract = parse(source, diags);
  }
  std::string dump() const { return contract ? print_ast(source, *contract) : ""; }
  std::string errors() const { return render_all(source, diags); }
};

constexpr std::string_view kHeader = "contract T version 1\n";

/// The dump of `body` after a standard header, without the header line; fails the test with
/// the diagnostics when it does not parse.
std::string dump(std::string_view body) {
  Parsed p(std::string(kHeader) + std::string(body));
  INFO(p.errors());
  REQUIRE(p.contract.has_value());
  std::string out = p.dump();
  return out.substr(out.find('\n') + 1);
}

/// Removes the ` @l:c-l:c` span suffixes and `strip` leading spaces of every line.
std::string without_spans(const std::string& text, size_t strip) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    line = line.substr(0, line.rfind(" @"));
    out += line.substr(std::min(strip, line.size())) + "\n";
  }
  return out;
}

/// The tree of one expression, without spans.
std::string tree(std::string_view expr) {
  std::string d = dump("const x: T = " + std::string(expr) + "\n");
  // Lines: "  const x", "    type T", then the expression at indent 4.
  d = d.substr(d.find('\n') + 1);
  d = d.substr(d.find('\n') + 1);
  return without_spans(d, 4);
}

/// The statements of one function body, without spans.
std::string stmts(std::string_view body) {
  std::string d = dump("fn f() {\n" + std::string(body) + "\n}\n");
  d = d.substr(d.find('\n') + 1);  // fn f
  d = d.substr(d.find('\n') + 1);  // block
  return without_spans(d, 6);
}

/// The rendered diagnostics of a whole file (which must not parse).
std::string errors(std::string_view text) {
  Parsed p{std::string(text)};
  CHECK_FALSE(p.contract.has_value());
  return p.errors();
}

const char* const kRealistic = R"(contract PpoGold2027 version 1
currency USD
rounding half_up

const deductible:   Money = 1_500.00 USD
const oop_max:      Money = 6_000.00 USD
const coinsurance:  Rate  = 20%
const office_copay: Money = 25.00 USD

table fee_schedule: Code -> Money = {
  "99213" => 92.00 USD,
  "99214" => 130.00 USD,
  "80053" => 11.00 USD,
}

codes office_visits = "99202".."99215"
codes needs_prior_auth = "70551", "72148", "J9*"

state accumulators: Map<Pseudonym, Accum>
state seen_claims:  Set<Hash>

record Accum { deductible_met: Money, oop_met: Money }

entry adjudicate(c: Claim) -> Adjudication {
  require c.service_date within c.coverage_start..c.coverage_end
    else deny(Carc.coverage_ended, "service after coverage ended")
  require not seen_claims.contains(c.fingerprint)
    else deny(Carc.duplicate, "duplicate claim")
  seen_claims.add(c.fingerprint)

  var acc = accumulators.get(c.patient) or Accum { deductible_met: 0.00 USD, oop_met: 0.00 USD }
  var result = adjudication(c)
  for line in c.lines {                      // c.lines has a declared maximum length
    if line.code in needs_prior_auth and not line.prior_auth {
      result.refuse(line, Carc.prior_auth, "prior authorisation missing")
      continue
    }
    let allowed = min(line.billed, fee_schedule[line.code])
    let toward_deductible = min(allowed, deductible - acc.deductible_met)
    let copay = if line.code in office_visits then office_copay else 0.00 USD
    let coins = (allowed - toward_deductible - copay) * coinsurance
    let patient = min(toward_deductible + copay + coins, oop_max - acc.oop_met)
    acc.deductible_met += toward_deductible
    acc.oop_met += patient
    result.pay(line, allowed, allowed - patient, patient)
  }
  accumulators.put(c.patient, acc)
  return result
}

test "deductible applies before coinsurance" {
  let r = adjudicate(claim(line("99214", 200.00 USD), 2027-03-01))
  expect r.payer == 0.00 USD
  expect r.patient == 130.00 USD
}
)";

}  // namespace

TEST_SUITE("parse") {

// ---- Productions ----

TEST_CASE("header and settings") {
  Parsed p("// a comment first\ncontract PpoGold2027 version 1_2\ncurrency EUR\nrounding half_even\n");
  INFO(p.errors());
  REQUIRE(p.contract);
  CHECK(p.dump() ==
        "contract PpoGold2027 version 12 @2:1-2:33\n"
        "  currency EUR @3:10-3:13\n"
        "  rounding half_even @4:10-4:19\n");
  CHECK(p.contract->decls.empty());
}

TEST_CASE("const, state, record and enum declarations") {
  CHECK(dump("const limit: Money<EUR> = 10 EUR\n"
             "state seen: Set<Hash>\n"
             "record Accum { met: Money, lines: List<Line, 50>, }\n"
             "record Empty {}\n"
             "enum Tier { Gold, Silver }\n"
             "enum One { Only, }\n") ==
        "  const limit @2:1-2:33\n"
        "    type Money<EUR> @2:14-2:24\n"
        "    money 10 EUR @2:27-2:33\n"
        "  state seen @3:1-3:22\n"
        "    type Set<Hash> @3:13-3:22\n"
        "  record Accum @4:1-4:52\n"
        "    field met: Money @4:16-4:26\n"
        "    field lines: List<Line, 50> @4:28-4:49\n"
        "  record Empty @5:1-5:16\n"
        "  enum Tier @6:1-6:27\n"
        "    variant Gold @6:13-6:17\n"
        "    variant Silver @6:19-6:25\n"
        "  enum One @7:1-7:19\n"
        "    variant Only @7:12-7:16\n");
}

TEST_CASE("tables, inline and from a file") {
  CHECK(dump("table fees: Code -> Money = { \"99213\" => 92.00 USD, \"99214\" => 1 USD, }\n"
             "table empty: Code -> Int = {}\n"
             "table big: Code -> Money = csv \"fees/2027.csv\"\n") ==
        "  table fees @2:1-2:72\n"
        "    key Code @2:13-2:17\n"
        "    value Money @2:21-2:26\n"
        "    entry @2:31-2:51\n"
        "      string \"99213\" @2:31-2:38\n"
        "      money 92.00 USD @2:42-2:51\n"
        "    entry @2:53-2:69\n"
        "      string \"99214\" @2:53-2:60\n"
        "      money 1 USD @2:64-2:69\n"
        "  table empty @3:1-3:30\n"
        "    key Code @3:14-3:18\n"
        "    value Int @3:22-3:25\n"
        "  table big @4:1-4:47\n"
        "    key Code @4:12-4:16\n"
        "    value Money @4:20-4:25\n"
        "    csv \"fees/2027.csv\" @4:32-4:47\n");
}

TEST_CASE("code sets: single codes, ranges and prefixes") {
  CHECK(dump("codes visits = \"99202\"..\"99215\"\ncodes auth = \"70551\", \"J9*\", \"A0\"..\"A9\"\n") ==
        "  codes visits @2:1-2:32\n"
        "    code \"99202\"..\"99215\" @2:16-2:32\n"
        "  codes auth @3:1-3:40\n"
        "    code \"70551\" @3:14-3:21\n"
        "    code prefix \"J9\" @3:23-3:28\n"
        "    code \"A0\"..\"A9\" @3:30-3:40\n");
}

TEST_CASE("functions, entries and tests") {
  CHECK(dump("fn nothing() {}\nentry pay(c: Claim, n: Int) -> Money { return 1 USD }\ntest \"it works\" { }\n") ==
        "  fn nothing @2:1-2:16\n"
        "    block @2:14-2:16\n"
        "  entry pay @3:1-3:54\n"
        "    param c: Claim @3:11-3:19\n"
        "    param n: Int @3:21-3:27\n"
        "    result Money @3:32-3:37\n"
        "    block @3:38-3:54\n"
        "      return @3:40-3:52\n"
        "        money 1 USD @3:47-3:52\n"
        "  test \"it works\" @4:1-4:20\n"
        "    block @4:17-4:20\n");
}

TEST_CASE("types nest, and take numbers") {
  CHECK(dump("state s: Map<Hash, List<List<Int>, 1_000>>\n") ==
        "  state s @2:1-2:43\n"
        "    type Map<Hash, List<List<Int>, 1000>> @2:10-2:43\n");
}

TEST_CASE("let, var and assignment") {
  CHECK(stmts("let a = 1\nvar b: Money = 2 USD\nb = 3\nacc.met += x\nxs[i].y -= 1") ==
        "let a\n"
        "  int 1\n"
        "var b\n"
        "  type Money\n"
        "  money 2 USD\n"
        "assign =\n"
        "  name b\n"
        "  int 3\n"
        "assign +=\n"
        "  field met\n"
        "    name acc\n"
        "  name x\n"
        "assign -=\n"
        "  field y\n"
        "    index\n"
        "      name xs\n"
        "      name i\n"
        "  int 1\n");
}

TEST_CASE("if, else if and else") {
  CHECK(stmts("if a { x() } else if b { y() } else { z() }\nif c { }") ==
        "if\n"
        "  name a\n"
        "  block\n"
        "    expr\n"
        "      call x\n"
        "  block\n"
        "    if\n"
        "      name b\n"
        "      block\n"
        "        expr\n"
        "          call y\n"
        "      block\n"
        "        expr\n"
        "          call z\n"
        "if\n"
        "  name c\n"
        "  block\n");
}

TEST_CASE("for over a collection and over a range; while") {
  CHECK(stmts("for line in c.lines { break }\nfor i in 0..n { continue }\nwhile x { }") ==
        "for line\n"
        "  field lines\n"
        "    name c\n"
        "  block\n"
        "    break\n"
        "for i\n"
        "  int 0\n"
        "  name n\n"
        "  block\n"
        "    continue\n"
        "while\n"
        "  name x\n"
        "  block\n");
}

TEST_CASE("match statement with every pattern kind") {
  CHECK(stmts("match t {\n  Tier.Gold => { a() }\n  Silver => {}\n  some(v) => {}\n  none => {}\n  _ => {}\n}") ==
        "match\n"
        "  name t\n"
        "  arm Tier.Gold\n"
        "    block\n"
        "      expr\n"
        "        call a\n"
        "  arm Silver\n"
        "    block\n"
        "  arm some(v)\n"
        "    block\n"
        "  arm none\n"
        "    block\n"
        "  arm _\n"
        "    block\n");
}

TEST_CASE("require, deny, return, expect") {
  CHECK(stmts("require ok else deny(\"no\")\nrequire ok else deny(Carc.late, \"late\")\n"
              "deny(\"plain\")\ndeny(code, \"coded\")\nreturn\nreturn x\nexpect a == 1\nexpect denied f(1)") ==
        "require\n"
        "  name ok\n"
        "  reason \"no\"\n"
        "require\n"
        "  name ok\n"
        "  field late\n"
        "    name Carc\n"
        "  reason \"late\"\n"
        "deny\n"
        "  reason \"plain\"\n"
        "deny\n"
        "  name code\n"
        "  reason \"coded\"\n"
        "return\n"
        "return\n"
        "  name x\n"
        "expect\n"
        "  binary ==\n"
        "    name a\n"
        "    int 1\n"
        "expect denied\n"
        "  call f\n"
        "    int 1\n");
}

TEST_CASE("literals") {
  CHECK(tree("[1_000, 12.50 USD, 7 EUR, 12.5%, 15bp, 3 bp, 1 day, 6 months, 2 years, 2027-03-01, "
             "\"a\\\"b\\\\\", 0x00000000000000000000000000000000000000000000000000000000000000Af, "
             "true, false, none, some(1), 9223372036854775807]") ==
        "list\n"
        "  int 1000\n"
        "  money 12.50 USD\n"
        "  money 7 EUR\n"
        "  rate 12.5%\n"
        "  rate 15bp\n"
        "  rate 3bp\n"
        "  duration 1 day\n"
        "  duration 6 month\n"
        "  duration 2 year\n"
        "  date 2027-03-01\n"
        "  string \"a\\\"b\\\\\"\n"
        "  hash 0x00000000000000000000000000000000000000000000000000000000000000Af\n"
        "  bool true\n"
        "  bool false\n"
        "  none\n"
        "  some\n"
        "    int 1\n"
        "  int 9223372036854775807\n");
}

TEST_CASE("literal parts are kept as written") {
  Parsed p(std::string(kHeader) + "const x: T = 1_500.00 USD\n");
  REQUIRE(p.contract);
  const auto& c = std::get<ast::ConstDecl>(p.contract->decls[0]);
  CHECK(c.value->kind == ast::ExprKind::money_lit);
  CHECK(c.value->text == "1_500.00");
  CHECK(c.value->currency == "USD");
}

TEST_CASE("postfix chains associate left") {
  CHECK(tree("f(a).g()[0].k(R { x: 1, }, [b,])") ==
        "method k\n"
        "  index\n"
        "    method g\n"
        "      call f\n"
        "        name a\n"
        "    int 0\n"
        "  record R\n"
        "    init x\n"
        "      int 1\n"
        "  list\n"
        "    name b\n");
}

TEST_CASE("if and match expressions") {
  CHECK(tree("if a then 1 else 2") == "if-expr\n  name a\n  int 1\n  int 2\n");
  CHECK(tree("match t { A.b => 1, _ => 2, }") ==
        "match-expr\n  name t\n  arm A.b\n    int 1\n  arm _\n    int 2\n");
  // Arms separated by newlines, no commas.
  CHECK(tree("match o {\n  some(v) => v\n  none => 0\n}") ==
        "match-expr\n  name o\n  arm some(v)\n    name v\n  arm none\n    int 0\n");
}

// ---- Precedence and associativity ----

TEST_CASE("precedence: or < and < not < comparison < sum < product < unary < postfix") {
  CHECK(tree("a or b and c") == "binary or\n  name a\n  binary and\n    name b\n    name c\n");
  CHECK(tree("not a == b") == "unary not\n  binary ==\n    name a\n    name b\n");
  CHECK(tree("a + b * c - d") ==
        "binary -\n  binary +\n    name a\n    binary *\n      name b\n      name c\n  name d\n");
  CHECK(tree("a - b - c") == "binary -\n  binary -\n    name a\n    name b\n  name c\n");
  CHECK(tree("a / b % c") == "binary %\n  binary /\n    name a\n    name b\n  name c\n");
  CHECK(tree("-a.b * 2") == "binary *\n  unary -\n    field b\n      name a\n  int 2\n");
  CHECK(tree("- -x") == "unary -\n  unary -\n    name x\n");
  CHECK(tree("not not x") == "unary not\n  unary not\n    name x\n");
  CHECK(tree("x in s and not y") ==
        "binary and\n  binary in\n    name x\n    name s\n  unary not\n    name y\n");
  CHECK(tree("d within a + 1..b") ==
        "within\n  name d\n  binary +\n    name a\n    int 1\n  name b\n");
  CHECK(tree("(a or b) and c") == "binary and\n  binary or\n    name a\n    name b\n  name c\n");
  CHECK(tree("if a then b else c or d") ==
        "if-expr\n  name a\n  name b\n  binary or\n    name c\n    name d\n");
  CHECK(tree("a.get(k) or Accum {}") ==
        "binary or\n  method get\n    name a\n    name k\n  record Accum\n");
}

// ---- Spans ----

TEST_CASE("spans are exact byte ranges") {
  Parsed p(std::string(kHeader) +
           "fn f(c: Claim) -> Int {\n"
           "  let total = c.lines[0].amount + 1  // trailing comment\n"
           "  return total\n"
           "}\n");
  REQUIRE(p.contract);
  const auto& fn = std::get<ast::FunctionDecl>(p.contract->decls[0]);
  auto at = [&](Span s) {
    LineCol b = p.source.line_col(s.begin), e = p.source.line_col(s.end);
    return std::to_string(b.line) + ":" + std::to_string(b.column) + "-" + std::to_string(e.line) +
           ":" + std::to_string(e.column);
  };
  CHECK(at(fn.span) == "2:1-5:2");
  CHECK(at(fn.name.span) == "2:4-2:5");
  CHECK(at(fn.params[0].type.span) == "2:9-2:14");
  CHECK(at(fn.result->span) == "2:19-2:22");
  const ast::Stmt& let = *fn.body.stmts[0];
  CHECK(at(let.span) == "3:3-3:36");  // the comment is not part of the statement
  CHECK(at(let.name.span) == "3:7-3:12");
  const ast::Expr& sum = *let.value;
  CHECK(at(sum.span) == "3:15-3:36");
  const ast::Expr& amount = *sum.args[0];
  CHECK(amount.kind == ast::ExprKind::field);
  CHECK(at(amount.span) == "3:15-3:32");
  CHECK(at(amount.name_span) == "3:26-3:32");
  CHECK(p.source.slice(amount.args[0]->span) == "c.lines[0]");
  CHECK(at(fn.body.stmts[1]->span) == "4:3-4:15");
}

TEST_CASE("name spans of calls, methods and record literals") {
  Parsed p(std::string(kHeader) + "const x: T = f(1).m(2) + R { a: 1 }\n");
  REQUIRE(p.contract);
  const auto& c = std::get<ast::ConstDecl>(p.contract->decls[0]);
  const ast::Expr& m = *c.value->args[0];
  CHECK(p.source.slice(m.span) == "f(1).m(2)");
  CHECK(p.source.slice(m.name_span) == "m");
  CHECK(p.source.slice(m.args[0]->name_span) == "f");
  const ast::Expr& r = *c.value->args[1];
  CHECK(p.source.slice(r.span) == "R { a: 1 }");
  CHECK(p.source.slice(r.name_span) == "R");
}

// ---- Newlines and the other decisions the grammar leaves open ----

TEST_CASE("statements need no separators; newlines are whitespace") {
  CHECK(stmts("let a = 1 let b = 2") == "let a\n  int 1\nlet b\n  int 2\n");
  // A `-` at the start of a line continues the expression before it.
  CHECK(stmts("let y = a\n  - b") == "let y\n  binary -\n    name a\n    name b\n");
  // `return` takes a value only from its own line.
  CHECK(stmts("return\nx = 1") == "return\nassign =\n  name x\n  int 1\n");
  // A unit must be on its number's line.
  CHECK(stmts("var d = 6\nmonths = 3") ==
        "var d\n  int 6\nassign =\n  name months\n  int 3\n");
}

TEST_CASE("`%` right after a number is a rate; with a space it is the remainder") {
  CHECK(tree("12%") == "rate 12%\n");
  CHECK(tree("12 % 5") == "binary %\n  int 12\n  int 5\n");
}

TEST_CASE("no record literal in a condition before a block, unless parenthesised") {
  CHECK(stmts("if a == R { b() }") == "if\n  binary ==\n    name a\n    name R\n  block\n    expr\n      call b\n");
  CHECK(stmts("if a == (R { x: 1 }) { }") ==
        "if\n  binary ==\n    name a\n    record R\n      init x\n        int 1\n  block\n");
  CHECK(stmts("for x in xs { }") == "for x\n  name xs\n  block\n");
}

TEST_CASE("`if` and `match` at the start of a statement are the statement forms") {
  CHECK(errors(std::string(kHeader) + "fn f() { if a then 1 else 2 }\n") ==
        "t.cvn:2:15: error[E0102]: expected a block `{ ... }` after `a`\n"
        " 2 | fn f() { if a then 1 else 2 }\n"
        "   |               ^~~~\n"
        "1 error\n");
  CHECK(stmts("let v = if a then 1 else 2") == "let v\n  if-expr\n    name a\n    int 1\n    int 2\n");
}

TEST_CASE("identifiers may contain keywords, but are never one") {
  CHECK(tree("index + notable + iffy + in_range") ==
        "binary +\n  binary +\n    binary +\n      name index\n      name notable\n    name iffy\n  name in_range\n");
}

// ---- Diagnostics ----

TEST_CASE("E0101: unexpected input") {
  CHECK(errors(std::string(kHeader) + "fn f() { x = 1 ) }\n") ==
        "t.cvn:2:16: error[E0101]: unexpected `)`\n"
        " 2 | fn f() { x = 1 ) }\n"
        "   |                ^\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "let x = 1\n") ==
        "t.cvn:2:1: error[E0101]: unexpected `let`\n"
        " 2 | let x = 1\n"
        "   | ^~~\n"
        "   = hint: a declaration starts with `const`, `table`, `codes`, `record`, `enum`, "
        "`event`, `state`, `fn`, `entry` or `test`\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "const x: T = a < b < c\n") ==
        "t.cvn:2:20: error[E0101]: unexpected `<`\n"
        " 2 | const x: T = a < b < c\n"
        "   |                    ^\n"
        "   = hint: a declaration starts with `const`, `table`, `codes`, `record`, `enum`, "
        "`event`, `state`, `fn`, `entry` or `test`\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "\x01") ==
        "t.cvn:2:1: error[E0101]: unexpected byte 0x01\n"
        " 2 | \x01\n"
        "   | ^\n"
        "   = hint: a declaration starts with `const`, `table`, `codes`, `record`, `enum`, "
        "`event`, `state`, `fn`, `entry` or `test`\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "currency USD currency EUR\n") ==
        "t.cvn:2:23: error[E0101]: the currency is already set at 2:10\n"
        " 2 | currency USD currency EUR\n"
        "   |                       ^~~\n"
        "1 error\n");
}

TEST_CASE("E0102: something specific is missing") {
  CHECK(errors(std::string(kHeader) + "const x: Int =\n") ==
        "t.cvn:2:16: error[E0102]: expected an expression after `=`\n"
        " 2 | const x: Int =\n"
        "   |                ^\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "fn f() {\n  if x {\n    g()\n") ==
        "t.cvn:4:9: error[E0102]: expected `}` to close the block opened at 3:8\n"
        " 4 |     g()\n"
        "   |         ^\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "const x: Int = f(1, 2\n") ==
        "t.cvn:2:23: error[E0102]: expected `)` to close the `(` opened at 2:17\n"
        " 2 | const x: Int = f(1, 2\n"
        "   |                       ^\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "fn f() { let x: = 1 }\n") ==
        "t.cvn:2:17: error[E0102]: expected a type after `:`\n"
        " 2 | fn f() { let x: = 1 }\n"
        "   |                 ^\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "fn f() { deny(code) }\n") ==
        "t.cvn:2:19: error[E0102]: expected `,` after `code`\n"
        " 2 | fn f() { deny(code) }\n"
        "   |                   ^\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "codes c = 12\n") ==
        "t.cvn:2:11: error[E0102]: expected a code pattern (a string) after `=`\n"
        " 2 | codes c = 12\n"
        "   |           ^~\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "currency usd\n") ==
        "t.cvn:2:10: error[E0102]: expected a currency code (three upper-case letters, such as "
        "USD) after `currency`\n"
        " 2 | currency usd\n"
        "   |          ^~~\n"
        "1 error\n");
}

TEST_CASE("E0103: unterminated string") {
  CHECK(errors(std::string(kHeader) + "const s: Code = \"99213\nconst t: Int = 1\n") ==
        "t.cvn:2:17: error[E0103]: unterminated string\n"
        " 2 | const s: Code = \"99213\n"
        "   |                 ^~~~~~\n"
        "   = hint: close the string with `\"` on the same line\n"
        "1 error\n");
}

TEST_CASE("E0104: integer out of range") {
  CHECK(errors(std::string(kHeader) + "const n: Int = 9_223_372_036_854_775_808\n") ==
        "t.cvn:2:16: error[E0104]: integer literal `9_223_372_036_854_775_808` does not fit in 64 bits\n"
        " 2 | const n: Int = 9_223_372_036_854_775_808\n"
        "   |                ^~~~~~~~~~~~~~~~~~~~~~~~~\n"
        "   = hint: the largest integer is 9223372036854775807\n"
        "1 error\n");
}

TEST_CASE("E0105: malformed literals") {
  CHECK(errors(std::string(kHeader) + "const a: T = 12.50\n") ==
        "t.cvn:2:14: error[E0105]: the decimal number `12.50` needs a unit\n"
        " 2 | const a: T = 12.50\n"
        "   |              ^~~~~\n"
        "   = hint: write `12.50 USD` for money or `12.50%` for a rate\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "const h: Hash = 0xabc\n") ==
        "t.cvn:2:17: error[E0105]: a hash is `0x` followed by exactly 64 hex digits; this one has 3\n"
        " 2 | const h: Hash = 0xabc\n"
        "   |                 ^~~~~\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "const s: T = \"a\\nb\"\n") ==
        "t.cvn:2:16: error[E0105]: unknown escape `\\n` in a string\n"
        " 2 | const s: T = \"a\\nb\"\n"
        "   |                ^~\n"
        "   = hint: the only escapes are \\\" and \\\\\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "const n: T = 12abc\n") ==
        "t.cvn:2:14: error[E0105]: malformed number `12abc`\n"
        " 2 | const n: T = 12abc\n"
        "   |              ^~~~~\n"
        "   = hint: a number's unit is `%`, `bp`, a currency code such as USD, or a duration such "
        "as `days`\n"
        "1 error\n");
  CHECK(errors(std::string(kHeader) + "const d: T = 1.5 months\n") ==
        "t.cvn:2:14: error[E0105]: a duration is a whole number of months\n"
        " 2 | const d: T = 1.5 months\n"
        "   |              ^~~~~~~~~~\n"
        "   = hint: count a fraction in a smaller unit: `45 days`, not `1.5 months`\n"
        "1 error\n");
}

TEST_CASE("E0106: missing or garbled header") {
  CHECK(errors("const x: Int = 1\n") ==
        "t.cvn:1:1: error[E0106]: expected `contract Name version N` or `library name` at the start "
        "of the file, "
        "found `const`\n"
        " 1 | const x: Int = 1\n"
        "   | ^~~~~\n"
        "1 error\n");
  CHECK(errors("") ==
        "t.cvn:1:1: error[E0106]: expected `contract Name version N` or `library name` at the start "
        "of the file, "
        "found end of file\n"
        " 1 | \n"
        "   | ^\n"
        "1 error\n");
  CHECK(errors("contract Foo\nconst x: Int = 1\n") ==
        "t.cvn:2:1: error[E0106]: expected `version` after `Foo`\n"
        " 2 | const x: Int = 1\n"
        "   | ^~~~~\n"
        "1 error\n");
  CHECK(errors("contract Foo version one\n") ==
        "t.cvn:1:22: error[E0106]: expected a whole number after `version`\n"
        " 1 | contract Foo version one\n"
        "   |                      ^~~\n"
        "1 error\n");
}

TEST_CASE("every keyword is refused as an identifier") {
  const char* const keywords[] = {
      "contract", "version", "currency", "rounding", "const",  "table",  "csv",    "codes",
      "record",   "enum",    "state",    "fn",       "entry",  "test",   "let",    "var",
      "if",       "then",    "else",     "for",      "in",     "while",  "match",  "require",
      "deny",     "return",  "break",    "continue", "expect", "denied", "true",   "false",
      "and",      "or",      "not",      "within",   "some",   "none"};
  for (std::string kw : keywords) {
    CAPTURE(kw);
    Parsed p(std::string(kHeader) + "fn f() { let " + kw + " = 1 }\n");
    CHECK_FALSE(p.contract);
    REQUIRE(p.diags.all().size() >= 1);
    CHECK(p.diags.all()[0].message ==
          "expected a name after `let`, found the reserved word `" + kw + "`");
    Parsed q(std::string(kHeader) + "state " + kw + ": Int\n");
    CHECK_FALSE(q.contract);
  }
}

// ---- Recovery ----

TEST_CASE("two errors in one function give two diagnostics") {
  Parsed p(std::string(kHeader) +
           "fn f() {\n"
           "  let a =\n"
           "  let b = 1\n"
           "  let c = (2 +\n"
           "  g(b)\n"
           "}\n");
  CHECK_FALSE(p.contract);
  CHECK(p.errors() ==
        "t.cvn:4:3: error[E0102]: expected an expression after `=`\n"
        " 4 |   let b = 1\n"
        "   |   ^~~\n"
        "t.cvn:7:1: error[E0102]: expected `)` to close the `(` opened at 5:11\n"
        " 7 | }\n"
        "   | ^\n"
        "2 errors\n");
}

TEST_CASE("recovery at declarations and after an unclosed block") {
  CHECK(errors(std::string(kHeader) +
               "const a: Int = )\n"
               "const b: Int = 1\n"
               "fn f() {\n"
               "  if x {\n"
               "fn g() { return ] }\n"
               "record R { a Int }\n") ==
        "t.cvn:2:16: error[E0102]: expected an expression after `=`\n"
        " 2 | const a: Int = )\n"
        "   |                ^\n"
        "t.cvn:6:1: error[E0102]: expected `}` to close the block opened at 5:8\n"
        " 6 | fn g() { return ] }\n"
        "   | ^~\n"
        "t.cvn:6:17: error[E0101]: unexpected `]`\n"
        " 6 | fn g() { return ] }\n"
        "   |                 ^\n"
        "t.cvn:7:14: error[E0102]: expected `:` after `a`\n"
        " 7 | record R { a Int }\n"
        "   |              ^~~\n"
        "4 errors\n");
}

TEST_CASE("literal errors do not stop the parse, and are reported once") {
  Parsed p(std::string(kHeader) + "fn f() { x[12.5] = 1\n y = 12.5 }\n");
  CHECK_FALSE(p.contract);
  REQUIRE(p.diags.all().size() == 2);
  CHECK(p.diags.all()[0].diag == Diag::malformed_literal);
  CHECK(p.diags.all()[1].diag == Diag::malformed_literal);
}

// ---- Limits ----

TEST_CASE("deep nesting is a diagnostic, never a stack overflow") {
  std::string deep = std::string(kHeader) + "const x: Int = " + std::string(10000, '(') + "1" +
                     std::string(10000, ')') + "\n";
  Parsed p(deep);
  CHECK_FALSE(p.contract);
  REQUIRE(p.diags.all().size() == 1);
  CHECK(p.diags.all()[0].message == "nesting too deep (more than 64 levels)");

  std::string blocks = std::string(kHeader) + "fn f() {";
  for (int i = 0; i < 5000; ++i) blocks += "if x {";
  blocks += std::string(5001, '}') + "\n";
  Parsed b(blocks);
  REQUIRE(b.diags.all().size() == 1);
  CHECK(b.diags.all()[0].message == "nesting too deep (more than 64 levels)");

  std::string types = std::string(kHeader) + "state s: ";
  for (int i = 0; i < 5000; ++i) types += "List<";
  types += "Int" + std::string(5000, '>') + "\n";
  Parsed t(types);
  REQUIRE(t.diags.all().size() == 1);
  CHECK(t.diags.all()[0].message == "nesting too deep (more than 64 levels)");

  // Within the limit is fine.
  Parsed ok(std::string(kHeader) + "const x: Int = " + std::string(60, '(') + "1" +
            std::string(60, ')') + "\n");
  CHECK(ok.contract);
}

TEST_CASE("long operator chains and prefix runs are bounded too") {
  std::string chain = std::string(kHeader) + "const x: Int = 1";
  for (int i = 0; i < 20000; ++i) chain += " + 1";
  Parsed p(chain + "\n");
  REQUIRE(p.diags.all().size() == 1);
  CHECK(p.diags.all()[0].message == "expression too deep (more than 1000 nested operations)");

  Parsed q(std::string(kHeader) + "const x: Int = " + std::string(50000, '-') + "1\n");
  REQUIRE(q.diags.all().size() == 1);
  CHECK(q.diags.all()[0].message == "expression too deep (more than 1000 nested operations)");

  std::string fine = std::string(kHeader) + "const x: Int = 1";
  for (int i = 0; i < 500; ++i) fine += " + 1";
  CHECK(Parsed(fine + "\n").contract);
}

// ---- A realistic contract ----

TEST_CASE("a realistic contract parses") {
  Parsed p(kRealistic);
  INFO(p.errors());
  REQUIRE(p.contract);
  const ast::Contract& c = *p.contract;
  CHECK(c.header.name.name == "PpoGold2027");
  CHECK(c.header.currency->name == "USD");
  CHECK(c.header.rounding->name == "half_up");
  CHECK(c.decls.size() == 12);
  const auto& entry = std::get<ast::FunctionDecl>(c.decls[10]);
  CHECK(entry.is_entry);
  CHECK(entry.body.stmts.size() == 8);
  const ast::Stmt& loop = *entry.body.stmts[5];
  CHECK(loop.kind == ast::StmtKind::for_);
  CHECK(loop.then_block.stmts.size() == 9);
  CHECK(p.source.slice(loop.then_block.stmts[3]->value->span) ==
        "if line.code in office_visits then office_copay else 0.00 USD");
  // A parenthesised operand's span includes its parentheses.
  CHECK(p.source.slice(loop.then_block.stmts[4]->value->span) ==
        "(allowed - toward_deductible - copay) * coinsurance");
  // The dump is deterministic.
  CHECK(Parsed(kRealistic).dump() == p.dump());
}

TEST_CASE("hostile input never throws or crashes") {
  std::mt19937 rng(7);
  std::string base = kRealistic;
  using namespace std::literals;
  const std::string_view pieces[] = {"("sv, ")"sv,  "{"sv,   "}"sv,     "["sv,  "]"sv, "\""sv,
                                     "0x"sv, "12."sv, "//"sv, "\n"sv,    "let"sv, "if"sv, "match"sv,
                                     "=>"sv, ","sv,  "-"sv,   "not"sv,   "\x00"sv, "\xff"sv};
  for (int i = 0; i < 300; ++i) {
    std::string text = base;
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < edits; ++k) {
      size_t at = rng() % (text.size() + 1);
      if (rng() % 2) {
        text.insert(at, pieces[rng() % std::size(pieces)]);
      } else {
        text.erase(at, rng() % 20);
      }
    }
    Parsed p(text);
    CHECK(p.contract.has_value() != p.diags.has_errors());
    for (const Diagnostic& d : p.diags.all()) CHECK(d.span.end <= text.size());
  }
}

TEST_CASE("a 500-line contract parses quickly") {
  std::string text = std::string(kHeader);
  for (int i = 0; text.size() < 30000; ++i) {
    text += "fn helper" + std::to_string(i) + "(c: Claim, acc: Accum) -> Money {\n"
            "  let allowed = min(c.billed, fee_schedule[c.code])  // comment\n"
            "  let copay = if c.code in office_visits then office_copay else 0.00 USD\n"
            "  require c.service_date within c.start..c.end else deny(\"late\")\n"
            "  for line in c.lines {\n"
            "    if line.code in needs_prior_auth and not line.prior_auth { continue }\n"
            "    acc.oop_met += min(allowed + copay, oop_max - acc.oop_met)\n"
            "  }\n"
            "  return match c.tier { Tier.Gold => allowed, _ => copay }\n"
            "}\n";
  }
  SourceFile source("big.cvn", text);
  CHECK(source.line_count() >= 500);
  Diagnostics diags;
  auto start = std::chrono::steady_clock::now();
  auto contract = parse(source, diags);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(contract.has_value());
  // Generous: sanitized debug builds are ~100x slower than release (about 2 ms here).
  CHECK(took < std::chrono::seconds(2));
}

}  // TEST_SUITE

TEST_CASE("libraries, uses, events, emit and loops over a state") {
  Parsed lib("library codes\nuse std.money\nuse std.dates.{age, Period,}\n\nfn f(event: Date) -> Date {\n"
             "  return event\n}\n");
  INFO(lib.errors());
  REQUIRE(lib.contract.has_value());
  CHECK(without_spans(lib.dump(), 0) ==
        "library codes\n"
        "  use std.money\n"
        "  use std.dates.{age, Period}\n"
        "  fn f\n"
        "    param event: Date\n"
        "    result Date\n"
        "    block\n"
        "      return\n"
        "        name event\n");
  CHECK(without_spans(dump("event Paid { claim: Hash, amount: Int, }\n"), 0) ==
        "  event Paid\n"
        "    field claim: Hash\n"
        "    field amount: Int\n");
  CHECK(stmts("emit Paid { claim: h, amount: 1 }\nfor k in seen max limit {\n  event = k\n}") ==
        "emit\n"
        "  record Paid\n"
        "    init claim\n"
        "      name h\n"
        "    init amount\n"
        "      int 1\n"
        "for k\n"
        "  name seen\n"
        "  max\n"
        "    name limit\n"
        "  block\n"
        "    assign =\n"
        "      name event\n"
        "      name k\n");
  // `emit` is reserved; `event`, `use` and `library` are not.
  CHECK(errors(std::string(kHeader) + "const emit: Int = 1\n").find("found the reserved word `emit`") !=
        std::string::npos);
  CHECK(without_spans(dump("const use: Int = 1\nconst library: Int = 2\n"), 0) ==
        "  const use\n    type Int\n    int 1\n  const library\n    type Int\n    int 2\n");
}

TEST_CASE("a block left open before `use` or `event Name {` ends there") {
  CHECK(errors(std::string(kHeader) + "fn f() {\n  let x = 1\nevent Paid { a: Int }\n") ==
        "t.cvn:4:1: error[E0102]: expected `}` to close the block opened at 2:8\n"
        " 4 | event Paid { a: Int }\n"
        "   | ^~~~~\n"
        "1 error\n");
}
