#pragma once
/// \file
/// The abstract syntax tree of a Covenant contract or library file, as the parser produces it. Every node
/// carries the `Span` of source text it came from. Literals keep the parts the parser read
/// (digits, currency, unit); their values and every rule about types are checked by the
/// semantic passes, which annotate `Expr::type` and the resolution fields marked "sema".
///
/// The grammar, in EBNF (docs/LANGUAGE.md is the reference with the rules):
///
///   file       = ( header | library ) { setting } { use } { decl } ;
///   header     = "contract" ident "version" int ;
///   library    = "library" ident ;                 (a library has no settings: E0408)
///   setting    = "currency" CURRENCY | "rounding" ident ;
///   use        = "use" "std" "." ident [ "." "{" ident { "," ident } [","] "}" ] ;
///   decl       = const | table | codes | record | enum | event | state | function | test ;
///   const      = "const" ident ":" type "=" expr ;
///   table      = "table" ident ":" type "->" type "=" ( "{" [ entry { "," entry } [","] ] "}"
///                                                   | "csv" string ) ;
///   entry      = expr "=>" expr ;
///   codes      = "codes" ident "=" pattern { "," pattern } ;
///   pattern    = string [ ".." string ] ;          (a string ending in "*" is a prefix)
///   record     = "record" ident "{" [ field { "," field } [","] ] "}" ;
///   field      = ident ":" type ;
///   enum       = "enum" ident "{" ident { "," ident } [","] "}" ;
///   event      = "event" ident "{" [ field { "," field } [","] ] "}" ;
///   state      = "state" ident ":" type ;
///   function   = ( "fn" | "entry" ) ident "(" [ param { "," param } ] ")" [ "->" type ] block ;
///   param      = ident ":" type ;
///   test       = "test" string block ;
///   type       = ident [ "<" typearg { "," typearg } ">" ] ;
///   typearg    = type | int ;
///   block      = "{" { stmt } "}" ;
///   stmt       = ( "let" | "var" ) ident [ ":" type ] "=" expr
///              | place ( "=" | "+=" | "-=" ) expr
///              | "if" expr block [ "else" ( block | if-stmt ) ]
///              | "for" ident "in" ( expr [ "max" expr ] | expr ".." expr ) block
///              | "while" expr block                     (parsed so it can be refused)
///              | "match" expr "{" { pattern-arm } "}"    (arms: pattern "=>" block)
///              | "require" expr "else" deny
///              | deny | "return" [ expr ] | "break" | "continue"
///              | "expect" [ "denied" ] expr
///              | "emit" expr
///              | expr ;
///   deny       = "deny" "(" [ expr "," ] string ")" ;
///   place      = ident { "." ident | "[" expr "]" } ;
///   expr       = "if" expr "then" expr "else" expr | or ;
///   or         = and { "or" and } ;
///   and        = not { "and" not } ;
///   not        = "not" not | cmp ;
///   cmp        = sum [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" ) sum
///                    | "within" sum ".." sum ] ;
///   sum        = product { ( "+" | "-" ) product } ;
///   product    = unary { ( "*" | "/" | "%" ) unary } ;
///   unary      = "-" unary | postfix ;
///   postfix    = primary { "." ident [ args ] | "[" expr "]" } ;
///   primary    = literal | ident args | ident "{" [ init { "," init } [","] ] "}" | ident
///              | "[" [ expr { "," expr } [","] ] "]" | "(" expr ")"
///              | "match" expr "{" { pattern "=>" expr [","] } "}"
///              | "some" "(" expr ")" | "none" ;
///   args       = "(" [ expr { "," expr } ] ")" ;
///   init       = ident ":" expr ;
///   match pattern = "_" | "none" | "some" "(" ident ")" | ident [ "." ident ] ;
///   literal    = int | decimal CURRENCY | number "%" | number "bp" | int DURATION_UNIT
///              | date | string | hash | "true" | "false" ;
///   int        = digit { digit | "_" } ;          decimal = int "." digit { digit | "_" } ;
///   date       = 4 digits "-" 2 digits "-" 2 digits ;   (a single token, no spaces)
///   hash       = "0x" 64 hex digits ;
///   DURATION_UNIT = "day" | "days" | "month" | "months" | "year" | "years" ;
///   CURRENCY   = three upper-case letters (USD, EUR, CNY, GBP, JPY, ...) ;
///
/// Comments run from `//` to the end of the line. `=>`-arms of a `match` statement are blocks;
/// a `match` in expression position has expression arms.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "compiler/source.hpp"

namespace covenant::compiler {

struct Type;  // compiler/sema/types.hpp: a checked type, owned by the type table.

namespace ast {

/// A name as written, with where.
struct Ident {
  std::string name;
  Span span;
};

/// A type as written: `Int`, `Money<EUR>`, `List<Line, 50>`, `Map<Hash, Accum>`, `Claim`.
struct TypeExpr {
  Ident name;
  /// Type arguments in order; an integer argument (`50` in `List<Line, 50>`) is a TypeExpr
  /// whose `number` is set and whose name is empty.
  std::vector<TypeExpr> args;
  std::optional<uint64_t> number;
  Span span;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;

/// A `{ ... }` sequence of statements.
struct Block {
  std::vector<StmtPtr> stmts;
  Span span;
};

/// Binary and unary operators. `or_` is resolved by sema: logical or on Bool operands,
/// "value or default" when the left operand is an Option.
enum class Op : uint8_t {
  add, sub, mul, div, rem,
  eq, ne, lt, le, gt, ge,
  and_, or_, not_, neg,
  in,  ///< `code in codeset`, `x in set_state`, `x in list`.
};

/// How `op` is written in source: "+", "==", "and", "in", ...
std::string_view op_text(Op op);

/// What a name, call, method or field turned out to be (set by sema, with `ref_index`).
enum class Ref : uint8_t {
  none,
  local,      ///< A parameter, `let`/`var`, loop variable or match binding: index = local id.
  constant,   ///< A `const`: index = its position in Checked::constants.
  table,      ///< index = position in Checked::tables.
  state,      ///< index = position in Checked::states.
  codeset,    ///< index = position in Checked::codesets.
  variant,    ///< `Enum.variant` or a bare variant name: index = the tag.
  function,   ///< A call of a `fn` or `entry`: index = position in Checked::functions.
  builtin,    ///< A builtin function or method: index = a sema::Builtin.
  field,      ///< A record field: index = position in the record.
};

/// What an expression is.
enum class ExprKind : uint8_t {
  int_lit,       ///< `1_500`: int_value.
  money_lit,     ///< `1_500.00 USD`: text = digits as written ("1_500.00"), currency = "USD".
  rate_lit,      ///< `12.5%` or `15bp`: text = number as written, unit = "%" or "bp".
  duration_lit,  ///< `6 months`: int_value = amount, unit = "day"|"month"|"year" (singular).
  date_lit,      ///< `2027-03-01`: year/month/day in int_value/int_value2/int_value3.
  string_lit,    ///< `"99213"`: text = the characters between the quotes (escapes resolved).
  hash_lit,      ///< `0x...` (64 hex digits): text = the hex digits.
  bool_lit,      ///< `true`/`false`: int_value = 1 or 0.
  none_lit,      ///< `none`.
  some,          ///< `some(x)`: args[0].
  name,          ///< A variable, constant, table, state or enum name: text.
  unary,         ///< op in {neg, not_}: args[0].
  binary,        ///< args[0] op args[1].
  within,        ///< `args[0] within args[1]..args[2]` (inclusive at both ends).
  call,          ///< `text(args...)`: a function, entry or builtin.
  method,        ///< `args[0].text(args[1..])`: a method of a value, state or table.
  field,         ///< `args[0].text`: a record field, a date part, or `Enum.variant`.
  index,         ///< `args[0][args[1]]`: a list element or a table lookup.
  record_lit,    ///< `text { inits }`.
  list_lit,      ///< `[args...]`.
  if_expr,       ///< `if args[0] then args[1] else args[2]`.
  match_expr,    ///< `match args[0] { arms }` with expression arms.
};

/// A `match` pattern.
struct Pattern {
  enum class Kind : uint8_t { wildcard, none, some, variant } kind = Kind::wildcard;
  Ident binding;        ///< some: the name bound to the inner value.
  Ident qualifier;      ///< variant: `Enum` in `Enum.variant` (empty when unqualified).
  Ident variant;        ///< variant: the variant name.
  Span span;
  // Set by sema.
  uint32_t tag = 0;     ///< variant: the enum tag.
  uint32_t local = 0;   ///< some: the local id of `binding`.
};

/// One `pattern => ...` arm. A match expression's arms use `value`; a match statement's use
/// `body`.
struct MatchArm {
  Pattern pattern;
  ExprPtr value;
  Block body;
  Span span;
};

/// `name: value` in a record literal.
struct FieldInit {
  Ident name;
  ExprPtr value;
};

/// An expression. Which fields are meaningful depends on `kind` (see ExprKind).
struct Expr {
  ExprKind kind = ExprKind::int_lit;
  Span span;
  Op op = Op::add;
  std::string text;      ///< Name, method, field, literal digits or string contents.
  std::string currency;  ///< money_lit: the currency code.
  std::string unit;      ///< rate_lit: "%" or "bp"; duration_lit: "day", "month" or "year".
  int64_t int_value = 0;
  int64_t int_value2 = 0;
  int64_t int_value3 = 0;
  Span name_span;        ///< call/method/field/record_lit: span of the name (`text`).
  std::vector<ExprPtr> args;
  std::vector<FieldInit> inits;  ///< record_lit.
  std::vector<MatchArm> arms;    ///< match_expr.

  // Set by sema.
  const Type* type = nullptr;  ///< The checked type (never null after a successful check).
  Ref ref = Ref::none;         ///< name/call/method/field/index: what it refers to.
  uint32_t ref_index = 0;      ///< See Ref.
  /// binary `or_` on an Option: true (value or default); a Money `*`/`/` that rounds: true.
  bool flag = false;
};

/// What a statement is.
enum class StmtKind : uint8_t {
  let,         ///< `let name [: type] = value`
  var,         ///< `var name [: type] = value`
  assign,      ///< `target = value`, or `target op= value` (op = add or sub).
  if_,         ///< `if cond then_block [else else_block]` (else-if: else_block holds one if_).
  for_,        ///< `for name in value [max loop_max] then_block`, or a range `for name in value..range_end`.
  while_,      ///< `while cond then_block`: parsed so that sema can refuse it (E0402).
  match,       ///< `match value { arms }` with block arms.
  require,     ///< `require cond else deny(...)`.
  deny,        ///< `deny([code,] "reason")`.
  return_,     ///< `return [value]`.
  break_,
  continue_,
  expect,      ///< `expect [denied] value` (tests only).
  emit,        ///< `emit value`: value is a value of an `event` type.
  expr,        ///< An expression evaluated for its effect (calls).
};

/// A statement. Which fields are meaningful depends on `kind`.
struct Stmt {
  StmtKind kind = StmtKind::expr;
  Span span;
  Ident name;                       ///< let/var/for: the bound name.
  std::optional<TypeExpr> type;     ///< let/var: the declared type, if written.
  ExprPtr target;                   ///< assign: a name, field or index expression.
  std::optional<Op> compound;       ///< assign: add for `+=`, sub for `-=`.
  ExprPtr value;                    ///< let/var/assign/for/match/return/expect/expr; deny code.
  ExprPtr cond;                     ///< if/while/require.
  ExprPtr range_end;                ///< for over `value..range_end`.
  ExprPtr loop_max;                 ///< for over a state: `max loop_max`, the most keys visited.
  Block then_block;                 ///< if/for/while body.
  std::optional<Block> else_block;  ///< if.
  std::vector<MatchArm> arms;       ///< match.
  std::string reason;               ///< deny/require: the reason text.
  Span reason_span;
  ExprPtr deny_code;                ///< deny/require: the optional code expression.
  bool expect_denied = false;       ///< expect: `expect denied call(...)`.
  // Set by sema.
  uint32_t local = 0;               ///< let/var/for: the local id of `name`.
  uint32_t index = 0;               ///< deny/require: deny number; expect: expect number.
};

/// `contract Name version N` (or `library name`) and the settings that follow it.
struct Header {
  bool library = false;   ///< `library name`: a file of declarations for contracts to use.
  Ident name;
  int64_t version = 0;    ///< 0 for a library.
  Span span;
  std::optional<Ident> currency;  ///< `currency USD`: what plain `Money` means.
  std::optional<Ident> rounding;  ///< `rounding half_up`: the mode of Money × Rate and Money / Int.
};

struct ConstDecl {
  Ident name;
  TypeExpr type;
  ExprPtr value;
  Span span;
};

struct TableEntry {
  ExprPtr key;
  ExprPtr value;
};

struct TableDecl {
  Ident name;
  TypeExpr key;
  TypeExpr value;
  std::vector<TableEntry> entries;     ///< Inline entries.
  std::optional<std::string> csv;      ///< `csv "file.csv"`: path relative to the contract.
  Span csv_span;
  Span span;
};

/// One member of a `codes` set: `"99213"`, `"99202".."99215"` or `"J9*"`.
struct CodePattern {
  std::string low;                   ///< The code, range start or prefix (without the `*`).
  std::optional<std::string> high;   ///< Range end.
  bool prefix = false;               ///< Written with a trailing `*`.
  Span span;
};

struct CodesDecl {
  Ident name;
  std::vector<CodePattern> patterns;
  Span span;
};

struct FieldDecl {
  Ident name;
  TypeExpr type;
};

struct RecordDecl {
  Ident name;
  std::vector<FieldDecl> fields;
  Span span;
};

struct EnumDecl {
  Ident name;
  std::vector<Ident> variants;
  Span span;
};

/// `event Name { field: Type, ... }`: a record type whose values `emit` records in the call's
/// events (its number is its position among the contract's events).
struct EventDecl {
  Ident name;
  std::vector<FieldDecl> fields;
  Span span;
};

struct StateDecl {
  Ident name;
  TypeExpr type;  ///< `Map<K, V>` or `Set<K>`.
  Span span;
};

struct Param {
  Ident name;
  TypeExpr type;
};

/// `fn` (a helper) or `entry` (callable by transactions).
struct FunctionDecl {
  bool is_entry = false;
  Ident name;
  std::vector<Param> params;
  std::optional<TypeExpr> result;
  Block body;
  Span span;
};

struct TestDecl {
  std::string name;
  Span name_span;
  Block body;
  Span span;
};

using Decl = std::variant<ConstDecl, TableDecl, CodesDecl, RecordDecl, EnumDecl, EventDecl,
                          StateDecl, FunctionDecl, TestDecl>;

/// `use std.name` (every declaration of library `name`) or `use std.name.{A, B}` (those).
struct UseDecl {
  Ident library;                             ///< The library's name.
  std::optional<std::vector<Ident>> names;   ///< The names listed; nullopt for all of them.
  Span span;
};

/// A whole contract or library file. After the driver links the libraries a contract uses
/// (compiler/libraries.hpp), `decls` holds theirs too, before the file's own.
struct Contract {
  Header header;
  std::vector<UseDecl> uses;  ///< In source order.
  std::vector<Decl> decls;    ///< In source order.
};

}  // namespace ast
}  // namespace covenant::compiler
