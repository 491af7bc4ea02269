// The Covenant parser: a Boost.Spirit X3 grammar whose semantic actions build the ast.hpp
// nodes directly (no intermediate attribute structs beyond a few small carriers), plus a
// driver that recovers from errors at declaration and statement boundaries.
//
// Layout of this file:
//   1. lexical helpers and the parse state (diagnostics, depth, the "no record literal" flag);
//   2. token-level primitives written as X3 parsers (punctuation, keywords, names, numbers,
//      strings) and directives (bracket pairs with good messages, depth guard, same line);
//   3. the grammar: one x3::rule per EBNF production, each with its production as a comment;
//   4. the driver: header, declarations, recovery, and the public `parse`.
//
// Errors: `a > b` expectation points throw x3::expectation_failure whose `which()` is the
// name of what was expected ("an expression", "`)`"); the block parser and the driver catch
// them, report E0102, skip to a boundary and go on. Where no alternative matches at all the
// report is E0101 with the offending token quoted.

#include "compiler/syntax/parse.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include <boost/fusion/include/at_c.hpp>
#include <boost/spirit/home/x3.hpp>

#include "compiler/sources.hpp"

namespace covenant::compiler {
namespace parser {
namespace {

namespace x3 = boost::spirit::x3;
using boost::fusion::at_c;
using It = const char*;

// ------------------------------------------------------------------------------------------
// 1. Lexical helpers and state
// ------------------------------------------------------------------------------------------

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
constexpr bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Whitespace (newlines included: statements need no separators) and `//` comments.
It skip_trivia(It p, It end) {
  for (;;) {
    while (p != end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
                        *p == '\v')) {
      ++p;
    }
    if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
      while (p != end && *p != '\n') ++p;
      continue;
    }
    return p;
  }
}

/// Spaces and tabs only: a unit after a number must be on the number's line.
It skip_blanks(It p, It end) {
  while (p != end && (*p == ' ' || *p == '\t')) ++p;
  return p;
}

/// The identifier-shaped word at `p` (empty when `p` does not start one).
std::string_view word_at(It p, It end) {
  if (p == end || !is_ident_start(*p)) return {};
  It e = p;
  while (e != end && is_ident_char(*e)) ++e;
  return {p, static_cast<size_t>(e - p)};
}

// `library`, `use` and `event` are not reserved: they mean something only at the start of a
// file or of a declaration (`library name`, `use std.`, `event Name {`), and `event` is a
// natural name for a date or a parameter.
constexpr std::array<std::string_view, 39> kKeywords = {
    "contract", "version", "currency", "rounding", "const",  "table",  "csv",    "codes",
    "record",   "enum",    "state",    "fn",       "entry",  "test",   "let",    "var",
    "if",       "then",    "else",     "for",      "in",     "while",  "match",  "require",
    "deny",     "return",  "break",    "continue", "expect", "denied", "true",   "false",
    "and",      "or",      "not",      "within",   "some",   "none",   "emit"};

bool is_keyword(std::string_view w) {
  return std::find(kKeywords.begin(), kKeywords.end(), w) != kKeywords.end();
}

/// Keywords that start a declaration: recovery resumes at a line starting with one.
bool is_decl_keyword(std::string_view w) {
  static constexpr std::array<std::string_view, 9> kDecl = {
      "const", "table", "codes", "record", "enum", "state", "fn", "entry", "test"};
  return std::find(kDecl.begin(), kDecl.end(), w) != kDecl.end();
}

/// True when a declaration (or a `use`) starts at `p`: a declaration keyword, `use std`, or
/// `event Name {` (the unreserved words only in those shapes, so `event = ...` in a body is a
/// statement).
bool starts_declaration(It p, It end) {
  std::string_view w = word_at(p, end);
  if (is_decl_keyword(w)) return true;
  if (w != "use" && w != "event") return false;
  It q = skip_trivia(p + w.size(), end);
  std::string_view next = word_at(q, end);
  if (w == "use") return next == "std";
  if (next.empty()) return false;
  q = skip_trivia(q + next.size(), end);
  return q != end && *q == '{';
}

/// Keywords that can only start a statement: statement recovery stops at a line starting
/// with one even inside unbalanced brackets.
bool is_stmt_keyword(std::string_view w) {
  static constexpr std::array<std::string_view, 13> kStmt = {
      "let",  "var",    "for",    "while", "require",  "deny",
      "return", "break", "continue", "expect", "if", "match", "emit"};
  return std::find(kStmt.begin(), kStmt.end(), w) != kStmt.end();
}

/// True when only spaces and tabs separate `p` from the start of its line.
bool first_on_line(It p, It begin) {
  while (p != begin && (p[-1] == ' ' || p[-1] == '\t')) --p;
  return p == begin || p[-1] == '\n';
}

/// Moves `e` back over the whitespace and `//` comments that end the range [begin, e), where
/// `begin` starts a token (so a comment can start no earlier than `begin`).
It trim_trivia_end(It begin, It e) {
  for (;;) {
    while (e != begin && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r' ||
                          e[-1] == '\f' || e[-1] == '\v')) {
      --e;
    }
    It line = e;
    while (line != begin && line[-1] != '\n') --line;
    It comment = nullptr;
    for (It p = line; p < e; ++p) {
      if (*p == '"') {
        ++p;
        while (p < e && *p != '"' && *p != '\n') p += *p == '\\' ? 2 : 1;
      } else if (*p == '/' && p + 1 < e && p[1] == '/') {
        comment = p;
        break;
      }
    }
    if (comment == nullptr) return e;
    e = comment;
  }
}

/// One past the end of the token at `p`, for quoting it in a message and underlining it.
It token_end(It p, It end) {
  if (p == end) return p;
  char c = *p;
  if (is_ident_start(c)) {
    while (p != end && is_ident_char(*p)) ++p;
    return p;
  }
  if (is_digit(c)) {
    while (p != end && (is_ident_char(*p) || (*p == '.' && p + 1 != end && is_digit(p[1])))) ++p;
    return p;
  }
  if (c == '"') {
    It q = p + 1;
    while (q != end && *q != '"' && *q != '\n') q += (*q == '\\' && q + 1 != end && q[1] != '\n') ? 2 : 1;
    return q != end && *q == '"' ? q + 1 : q;
  }
  static constexpr std::array<std::string_view, 9> kTwo = {"==", "!=", "<=", ">=", "=>",
                                                           "->", "+=", "-=", ".."};
  for (std::string_view t : kTwo) {
    if (end - p >= 2 && std::string_view(p, 2) == t) return p + 2;
  }
  return p + 1;
}

/// How a message names the token at `p`: "`foo`", "end of file" or "byte 0x07".
std::string describe_token(It p, It end) {
  if (p == end) return "end of file";
  unsigned char c = static_cast<unsigned char>(*p);
  if (c < 0x20 || c >= 0x7f) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
    return buf;
  }
  std::string_view text(p, static_cast<size_t>(token_end(p, end) - p));
  if (text.size() > 40) return "`" + std::string(text.substr(0, 37)) + "...`";
  return "`" + std::string(text) + "`";
}

/// Nesting deeper than kMaxParseDepth, or an expression tree taller than kMaxExprHeight:
/// reported once, then the declaration is abandoned.
struct TooDeep {
  It where;
  bool expression = false;
};

/// A block still open when the next declaration (or the end of the file) starts: reported
/// once for the innermost block, then the driver resumes at that declaration.
struct UnclosedBlock {
  It where;
  std::string message;
};

/// Everything the grammar's actions and primitives share during one parse.
struct State {
  State(const SourceFile& src, Diagnostics& d)
      : source(src), diags(d), base(src.text().data()), end(base + src.text().size()),
        file_base(src.base()) {}

  const SourceFile& source;
  Diagnostics& diags;
  It base;
  It end;
  /// The compilation offset of `base` (source.hpp): every span is in compilation offsets.
  uint32_t file_base;
  int depth = 0;
  /// Set in the condition of `if`/`while`/`for`/`match`, where `name {` opens the block and
  /// is not a record literal; parentheses, brackets and braces clear it again.
  bool no_records = false;
  /// The most recently read token, for "expected X after `tok`".
  It last_begin = nullptr;
  It last_end = nullptr;
  /// Height of every expression node with children built during the current declaration
  /// (a node's address is reused only by a node that is measured again when built).
  std::unordered_map<const ast::Expr*, uint32_t> heights;
  /// Literal errors already reported: backtracking may lex the same literal twice.
  std::set<std::pair<uint32_t, uint16_t>> soft_seen;

  uint32_t offset(It p) const { return file_base + static_cast<uint32_t>(p - base); }
  /// The character at compilation offset `offset` (the inverse of `offset`).
  It at(uint32_t offset) const { return base + (offset - file_base); }
  Span span(It b, It e) const { return {offset(b), offset(e)}; }
  std::string position(It p) const {
    LineCol lc = source.line_col(offset(p));
    return std::to_string(lc.line) + ":" + std::to_string(lc.column);
  }
  /// The span of what a `raw[...]` directive matched, without the whitespace and comments
  /// that a failed look at the next token skipped after it.
  template <typename Range>
  Span span_of(Range const& r) const {
    return span(r.begin(), trim_trivia_end(r.begin(), r.end()));
  }

  void token(It b, It e) {
    last_begin = b;
    last_end = e;
  }

  /// Reports a malformed literal once, however often backtracking reads it.
  void soft(Diag d, Span sp, std::string message, std::string hint = {}) {
    if (soft_seen.insert({sp.begin, static_cast<uint16_t>(d)}).second) {
      diags.report(d, sp, std::move(message), std::move(hint));
    }
  }

  /// E0101 at the token at `p`.
  void unexpected(It p, std::string hint = {}) {
    p = skip_trivia(p, end);
    diags.report(Diag::syntax_unexpected, span(p, token_end(p, end)),
                 "unexpected " + describe_token(p, end), std::move(hint));
  }

  /// The message for a failed expectation: `which` is either a whole message ("expected `}`
  /// to close ...") or the name of what was expected, completed with the token before.
  std::string expected_message(It p, const std::string& which) const {
    if (which.starts_with("expected ")) return which;
    std::string msg = "expected " + which;
    if (last_end != nullptr && last_end <= p && skip_trivia(last_end, end) == p) {
      msg += " after `" + std::string(last_begin, last_end) + "`";
    }
    std::string_view w = word_at(p, end);
    if (which == "a name" && is_keyword(w)) {
      msg += ", found the reserved word `" + std::string(w) + "`";
    }
    return msg;
  }

  void expected(Diag d, It where, const std::string& which) {
    It p = skip_trivia(where, end);
    diags.report(d, span(p, token_end(p, end)), expected_message(p, which));
  }

  void too_deep(const TooDeep& e) {
    It p = skip_trivia(e.where, end);
    diags.report(Diag::syntax_unexpected, span(p, token_end(p, end)),
                 e.expression ? "expression too deep (more than " + std::to_string(kMaxExprHeight) +
                                    " nested operations)"
                              : "nesting too deep (more than " + std::to_string(kMaxParseDepth) +
                                    " levels)",
                 "split the expression or block into smaller named parts");
  }

  /// 1 for a leaf; else one more than the tallest child.
  uint32_t height(const ast::Expr& e) const {
    if (e.args.empty() && e.inits.empty() && e.arms.empty()) return 1;
    auto it = heights.find(&e);
    return it == heights.end() ? 1 : it->second;
  }

  /// Records the height of a node just built from its children. Every later phase walks the
  /// tree recursively (and so does ~Expr), so the height is bounded even where the parse
  /// itself was iterative (long operator chains, runs of `-`).
  void measure(ast::Expr& e) {
    uint32_t h = 0;
    for (const ast::ExprPtr& a : e.args) h = std::max(h, height(*a));
    for (const ast::FieldInit& i : e.inits) h = std::max(h, height(*i.value));
    for (const ast::MatchArm& arm : e.arms) h = std::max(h, height(*arm.value));
    if (++h > kMaxExprHeight) throw TooDeep{at(e.span.begin), true};
    heights[&e] = h;
  }
};

struct state_tag;

template <typename Ctx>
State& state_of(Ctx const& ctx) {
  return x3::get<state_tag>(ctx);
}

/// Restores `State::no_records` on every exit, exceptions included.
class RecordsGuard {
 public:
  RecordsGuard(State& s, bool no_records) : s_(s), saved_(s.no_records) { s.no_records = no_records; }
  ~RecordsGuard() { s_.no_records = saved_; }
  RecordsGuard(const RecordsGuard&) = delete;
  RecordsGuard& operator=(const RecordsGuard&) = delete;

 private:
  State& s_;
  bool saved_;
};

/// Counts one nesting level; throws TooDeep past the limit.
class DepthGuard {
 public:
  DepthGuard(State& s, It where) : s_(s) {
    if (++s_.depth > kMaxParseDepth) {
      --s_.depth;
      throw TooDeep{where};
    }
  }
  ~DepthGuard() { --s_.depth; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  State& s_;
};

// Small attribute carriers for productions whose parts are built before their owner.
struct StrTok {
  std::string text;
  Span span;
};
struct Args {
  std::vector<ast::ExprPtr> list;
  Span span;
};
struct Inits {
  std::vector<ast::FieldInit> list;
  Span span;
};
struct Suffix {  // `[expr]` with the span of the brackets.
  ast::ExprPtr expr;
  Span span;
};
struct DenyParts {
  ast::ExprPtr code;
  StrTok reason;
};
struct TableBody {
  std::vector<ast::TableEntry> entries;
  std::optional<std::string> csv;
  Span csv_span;
};

ast::ExprPtr make_expr(ast::ExprKind kind, Span span) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = kind;
  e->span = span;
  return e;
}

// ------------------------------------------------------------------------------------------
// 2. Token primitives and directives
// ------------------------------------------------------------------------------------------

template <typename Attr, typename Value>
void assign_attr(Attr& attr, Value&& v) {
  if constexpr (!std::is_same_v<std::remove_const_t<Attr>, x3::unused_type>) {
    attr = std::forward<Value>(v);
  }
}

/// Punctuation `text`, not followed by any character of `not_next` (so `=` does not match
/// the start of `==` or `=>`, nor `.` the start of `..`).
struct tok_parser : x3::parser<tok_parser> {
  using attribute_type = x3::unused_type;
  std::string_view text;
  std::string_view not_next;
  constexpr tok_parser(std::string_view t, std::string_view n = {}) : text(t), not_next(n) {}

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    It p = skip_trivia(first, last);
    if (static_cast<size_t>(last - p) < text.size() || std::string_view(p, text.size()) != text) {
      return false;
    }
    It e = p + text.size();
    if (e != last && not_next.find(*e) != std::string_view::npos) return false;
    state_of(ctx).token(p, e);
    first = e;
    return true;
  }
};

/// A keyword: the whole word `word`.
struct kw_parser : x3::parser<kw_parser> {
  using attribute_type = x3::unused_type;
  std::string_view word;
  constexpr explicit kw_parser(std::string_view w) : word(w) {}

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    It p = skip_trivia(first, last);
    if (word_at(p, last) != word) return false;
    state_of(ctx).token(p, p + word.size());
    first = p + word.size();
    return true;
  }
};

/// ident = letter-or-underscore { letter | digit | "_" }, and not a keyword.
struct ident_parser : x3::parser<ident_parser> {
  using attribute_type = ast::Ident;

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    It p = skip_trivia(first, last);
    std::string_view w = word_at(p, last);
    if (w.empty() || is_keyword(w)) return false;
    State& s = state_of(ctx);
    s.token(p, p + w.size());
    assign_attr(attr, ast::Ident{std::string(w), s.span(p, p + w.size())});
    first = p + w.size();
    return true;
  }
};

/// A library's name: any identifier-shaped word, reserved words included (`library codes`,
/// `use std.codes`): it names a file, never a value.
struct word_parser : x3::parser<word_parser> {
  using attribute_type = ast::Ident;

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    It p = skip_trivia(first, last);
    std::string_view w = word_at(p, last);
    if (w.empty()) return false;
    State& s = state_of(ctx);
    s.token(p, p + w.size());
    assign_attr(attr, ast::Ident{std::string(w), s.span(p, p + w.size())});
    first = p + w.size();
    return true;
  }
};

/// CURRENCY = three upper-case letters (a whole word).
bool currency_at(It p, It end) {
  return end - p >= 3 && is_upper(p[0]) && is_upper(p[1]) && is_upper(p[2]) &&
         (end - p == 3 || !is_ident_char(p[3]));
}

struct currency_parser : x3::parser<currency_parser> {
  using attribute_type = ast::Ident;

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    It p = skip_trivia(first, last);
    if (!currency_at(p, last)) return false;
    State& s = state_of(ctx);
    s.token(p, p + 3);
    assign_attr(attr, ast::Ident{std::string(p, 3), s.span(p, p + 3)});
    first = p + 3;
    return true;
  }
};

/// string = '"' { char | '\"' | '\\' } '"' on one line. An unterminated string (E0103) or an
/// unknown escape (E0105) is reported and the string still read, so parsing goes on.
struct string_parser : x3::parser<string_parser> {
  using attribute_type = StrTok;

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    It p = skip_trivia(first, last);
    if (p == last || *p != '"') return false;
    State& s = state_of(ctx);
    It q = p + 1;
    std::string text;
    bool closed = false;
    while (q != last && *q != '\n' && *q != '\r') {
      if (*q == '"') {
        closed = true;
        ++q;
        break;
      }
      if (*q == '\\' && q + 1 != last && (q[1] == '"' || q[1] == '\\')) {
        text += q[1];
        q += 2;
        continue;
      }
      if (*q == '\\') {
        It e = q + 1 == last || q[1] == '\n' || q[1] == '\r' ? q + 1 : q + 2;
        s.soft(Diag::malformed_literal, s.span(q, e),
               "unknown escape `" + std::string(q, e) + "` in a string",
               "the only escapes are \\\" and \\\\");
        q = e;
        continue;
      }
      text += *q++;
    }
    if (!closed) {
      s.soft(Diag::unterminated_string, s.span(p, q), "unterminated string",
             "close the string with `\"` on the same line");
    }
    s.token(p, q);
    assign_attr(attr, StrTok{std::move(text), s.span(p, q)});
    first = q;
    return true;
  }
};

/// Reads digits and `_` separators from `p`.
It digits_end(It p, It end) {
  while (p != end && (is_digit(*p) || *p == '_')) ++p;
  return p;
}

/// The value of digits with `_` separators, or nullopt when it does not fit in int64.
std::optional<int64_t> int_value(std::string_view digits) {
  uint64_t v = 0;
  for (char c : digits) {
    if (c == '_') continue;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return static_cast<int64_t>(v);
}

/// The number-shaped literals, read as one token:
///   hash     = "0x" 64 hex digits ;                    (other lengths: E0105)
///   date     = 4 digits "-" 2 digits "-" 2 digits ;    (no spaces)
///   number   = int [ "." digit { digit | "_" } ] ;
///   literal  = number "%"                              (the `%` directly after the number)
///            | number [blanks] ( "bp" | CURRENCY | DURATION_UNIT )   (on the same line)
///            | int ;                                   (a bare decimal: E0105)
/// `12 % 5` with a space is the remainder operator; `12%` is a rate.
struct number_parser : x3::parser<number_parser> {
  using attribute_type = ast::ExprPtr;

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    It p = skip_trivia(first, last);
    if (p == last || !is_digit(*p)) return false;
    State& s = state_of(ctx);
    ast::ExprPtr e = lex(s, p, last);
    s.token(p, p + (e->span.end - e->span.begin));
    first = s.at(e->span.end);
    assign_attr(attr, std::move(e));
    return true;
  }

  static ast::ExprPtr lex(State& s, It p, It last) {
    using ast::ExprKind;
    if (last - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
      It q = p + 2;
      while (q != last && is_hex(*q)) ++q;
      It e = q;
      while (e != last && is_ident_char(*e)) ++e;
      auto h = make_expr(ExprKind::hash_lit, s.span(p, e));
      h->text.assign(p + 2, q);
      if (e != q || q - (p + 2) != 64) {
        s.soft(Diag::malformed_literal, h->span,
               "a hash is `0x` followed by exactly 64 hex digits; this one has " +
                   std::to_string(e != q ? e - (p + 2) : q - (p + 2)) +
                   (e != q ? " characters, not all hex digits" : ""));
      }
      return h;
    }
    if (last - p >= 10 && is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]) &&
        p[4] == '-' && is_digit(p[5]) && is_digit(p[6]) && p[7] == '-' && is_digit(p[8]) &&
        is_digit(p[9]) && (last - p == 10 || !is_ident_char(p[10]))) {
      auto d = make_expr(ExprKind::date_lit, s.span(p, p + 10));
      d->int_value = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
      d->int_value2 = (p[5] - '0') * 10 + (p[6] - '0');
      d->int_value3 = (p[8] - '0') * 10 + (p[9] - '0');
      return d;
    }
    It num_end = digits_end(p, last);
    bool decimal = false;
    if (num_end != last && *num_end == '.' && num_end + 1 != last && is_digit(num_end[1])) {
      decimal = true;
      num_end = digits_end(num_end + 1, last);
    }
    std::string number(p, num_end);
    if (num_end != last && *num_end == '%') {
      auto r = make_expr(ExprKind::rate_lit, s.span(p, num_end + 1));
      r->text = number;
      r->unit = "%";
      return r;
    }
    It w = skip_blanks(num_end, last);
    std::string_view unit = word_at(w, last);
    It unit_end = w + unit.size();
    if (unit == "bp") {
      auto r = make_expr(ExprKind::rate_lit, s.span(p, unit_end));
      r->text = number;
      r->unit = "bp";
      return r;
    }
    if (currency_at(w, last)) {
      auto m = make_expr(ExprKind::money_lit, s.span(p, unit_end));
      m->text = number;
      m->currency = std::string(unit);
      return m;
    }
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kUnits = {{
        {"day", "day"}, {"days", "day"}, {"month", "month"},
        {"months", "month"}, {"year", "year"}, {"years", "year"}}};
    for (auto [written, singular] : kUnits) {
      if (unit != written) continue;
      auto d = make_expr(ExprKind::duration_lit, s.span(p, unit_end));
      d->unit = std::string(singular);
      if (decimal) {
        s.soft(Diag::malformed_literal, d->span, "a duration is a whole number of " +
                                                     std::string(singular) + "s",
               "count a fraction in a smaller unit: `45 days`, not `1.5 months`");
      } else if (auto v = int_value(number)) {
        d->int_value = *v;
      } else {
        s.soft(Diag::number_out_of_range, s.span(p, num_end),
               "integer literal `" + number + "` does not fit in 64 bits",
               "the largest integer is 9223372036854775807");
      }
      return d;
    }
    if (num_end != last && is_ident_char(*num_end)) {
      // `12abc`, `1_000x`: letters glued to a number that form no unit.
      It e = num_end;
      while (e != last && is_ident_char(*e)) ++e;
      auto bad = make_expr(ExprKind::int_lit, s.span(p, e));
      bad->text = std::string(p, e);
      s.soft(Diag::malformed_literal, bad->span, "malformed number `" + bad->text + "`",
             "a number's unit is `%`, `bp`, a currency code such as USD, or a duration "
             "such as `days`");
      return bad;
    }
    auto n = make_expr(ExprKind::int_lit, s.span(p, num_end));
    n->text = number;
    if (decimal) {
      s.soft(Diag::malformed_literal, n->span, "the decimal number `" + number + "` needs a unit",
             "write `" + number + " USD` for money or `" + number + "%` for a rate");
    } else if (auto v = int_value(number)) {
      n->int_value = *v;
    } else {
      s.soft(Diag::number_out_of_range, n->span,
             "integer literal `" + number + "` does not fit in 64 bits",
             "the largest integer is 9223372036854775807");
    }
    return n;
  }
};

/// A run of one prefix operator (`- - x`, `not not x`), at least one: the positions of each,
/// so that the operand's unary nodes are built in a loop rather than by recursion.
struct prefix_run_parser : x3::parser<prefix_run_parser> {
  using attribute_type = std::vector<It>;
  std::string_view text;
  std::string_view not_next;
  constexpr prefix_run_parser(std::string_view t, std::string_view n) : text(t), not_next(n) {}

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    std::vector<It> at;
    It p = first;
    for (;;) {
      It q = skip_trivia(p, last);
      if (static_cast<size_t>(last - q) < text.size() || std::string_view(q, text.size()) != text) break;
      It e = q + text.size();
      if (e != last && (not_next.find(*e) != std::string_view::npos ||
                        (is_ident_start(text[0]) && is_ident_char(*e)))) {
        break;
      }
      state_of(ctx).token(q, e);
      at.push_back(q);
      p = e;
    }
    if (at.empty()) return false;
    assign_attr(attr, std::move(at));
    first = p;
    return true;
  }
};

/// A table of operators for one precedence level, each with the characters that must not
/// follow it (`<` is not the start of `<=`); a word operator (`in`) must end its word.
template <typename T>
struct OpEntry {
  std::string_view text;
  std::string_view not_next;
  T value;
};

template <typename T>
struct op_parser : x3::parser<op_parser<T>> {
  using attribute_type = T;
  std::span<const OpEntry<T>> table;
  constexpr explicit op_parser(std::span<const OpEntry<T>> t) : table(t) {}

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
    It p = skip_trivia(first, last);
    for (const OpEntry<T>& op : table) {
      size_t n = op.text.size();
      if (static_cast<size_t>(last - p) < n || std::string_view(p, n) != op.text) continue;
      It e = p + n;
      if (e != last && is_ident_start(op.text[0]) && is_ident_char(*e)) continue;
      if (e != last && op.not_next.find(*e) != std::string_view::npos) continue;
      state_of(ctx).token(p, e);
      assign_attr(attr, op.value);
      first = e;
      return true;
    }
    return false;
  }
};

/// `open subject close` with the close expected: "expected `)` to close the `(` opened at
/// 3:10". Record literals are allowed again inside. Once `open` is read the subject is
/// expected too.
template <typename Subject>
struct enclosed_directive : x3::unary_parser<Subject, enclosed_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, enclosed_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  char open;
  char close;
  constexpr enclosed_directive(Subject const& s, char o, char c)
      : base_type(s), open(o), close(c) {}

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const {
    It p = skip_trivia(first, last);
    if (p == last || *p != open) return false;
    State& s = state_of(ctx);
    s.token(p, p + 1);
    It q = p + 1;
    {
      RecordsGuard records(s, false);
      if (!this->subject.parse(q, last, ctx, rctx, attr)) {
        boost::throw_exception(x3::expectation_failure<It>(q, x3::what(this->subject)));
      }
    }
    q = skip_trivia(q, last);
    if (q == last || *q != close) {
      boost::throw_exception(x3::expectation_failure<It>(
          q, "expected `" + std::string(1, close) + "` to close the `" + std::string(1, open) +
                 "` opened at " + s.position(p)));
    }
    s.token(q, q + 1);
    first = q + 1;
    return true;
  }
};

struct enclosed_gen {
  char open;
  char close;
  template <typename Subject>
  constexpr enclosed_directive<typename x3::extension::as_parser<Subject>::value_type> operator[](
      Subject const& subject) const {
    return {x3::as_parser(subject), open, close};
  }
};

constexpr enclosed_gen paren{'(', ')'};
constexpr enclosed_gen bracket{'[', ']'};
constexpr enclosed_gen brace{'{', '}'};

/// Parses the subject with record literals refused (conditions before a block).
template <typename Subject>
struct no_records_directive : x3::unary_parser<Subject, no_records_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, no_records_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  constexpr explicit no_records_directive(Subject const& s) : base_type(s) {}

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const {
    RecordsGuard records(state_of(ctx), true);
    return this->subject.parse(first, last, ctx, rctx, attr);
  }
};

/// Counts one nesting level for the subject (see DepthGuard).
template <typename Subject>
struct nested_directive : x3::unary_parser<Subject, nested_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, nested_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  constexpr explicit nested_directive(Subject const& s) : base_type(s) {}

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const {
    DepthGuard depth(state_of(ctx), first);
    return this->subject.parse(first, last, ctx, rctx, attr);
  }
};

/// Matches the subject only when it starts on the current line (no newline or comment
/// before it): `return` followed by a newline returns nothing.
template <typename Subject>
struct same_line_directive : x3::unary_parser<Subject, same_line_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, same_line_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  constexpr explicit same_line_directive(Subject const& s) : base_type(s) {}

  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const {
    It p = skip_blanks(first, last);
    if (p == last || *p == '\n' || *p == '\r' || (last - p >= 2 && p[0] == '/' && p[1] == '/')) {
      return false;
    }
    return this->subject.parse(first, last, ctx, rctx, attr);
  }
};

template <template <typename> class Directive>
struct directive_gen {
  template <typename Subject>
  constexpr Directive<typename x3::extension::as_parser<Subject>::value_type> operator[](
      Subject const& subject) const {
    return Directive<typename x3::extension::as_parser<Subject>::value_type>(x3::as_parser(subject));
  }
};

constexpr directive_gen<no_records_directive> no_records{};
constexpr directive_gen<nested_directive> nested{};
constexpr directive_gen<same_line_directive> same_line{};

/// Succeeds, reading nothing, where a record literal is allowed.
struct records_ok_parser : x3::parser<records_ok_parser> {
  using attribute_type = x3::unused_type;
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It&, It const&, Ctx const& ctx, RCtx&, Attr&) const {
    return !state_of(ctx).no_records;
  }
};

/// block = "{" { stmt } "}" ; declared here, defined after the statement rules.
struct block_parser : x3::parser<block_parser> {
  using attribute_type = ast::Block;
  template <typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const;
};

}  // namespace
}  // namespace parser
}  // namespace covenant::compiler

// What expectation failures say the parser expected. Actions and directives name what their
// subject names; tokens name themselves in backquotes.
namespace boost::spirit::x3 {
namespace cp = covenant::compiler::parser;
template <>
struct get_info<cp::tok_parser> {
  using result_type = std::string;
  std::string operator()(cp::tok_parser const& p) const { return "`" + std::string(p.text) + "`"; }
};
template <>
struct get_info<cp::prefix_run_parser> {
  using result_type = std::string;
  std::string operator()(cp::prefix_run_parser const& p) const { return "`" + std::string(p.text) + "`"; }
};
template <>
struct get_info<cp::kw_parser> {
  using result_type = std::string;
  std::string operator()(cp::kw_parser const& p) const { return "`" + std::string(p.word) + "`"; }
};
template <>
struct get_info<cp::ident_parser> {
  using result_type = std::string;
  std::string operator()(cp::ident_parser const&) const { return "a name"; }
};
template <>
struct get_info<cp::word_parser> {
  using result_type = std::string;
  std::string operator()(cp::word_parser const&) const { return "a library name"; }
};
template <>
struct get_info<cp::currency_parser> {
  using result_type = std::string;
  std::string operator()(cp::currency_parser const&) const {
    return "a currency code (three upper-case letters, such as USD)";
  }
};
template <>
struct get_info<cp::string_parser> {
  using result_type = std::string;
  std::string operator()(cp::string_parser const&) const { return "a string"; }
};
template <>
struct get_info<cp::number_parser> {
  using result_type = std::string;
  std::string operator()(cp::number_parser const&) const { return "a number"; }
};
template <>
struct get_info<cp::block_parser> {
  using result_type = std::string;
  std::string operator()(cp::block_parser const&) const { return "a block `{ ... }`"; }
};
template <typename S>
struct get_info<cp::enclosed_directive<S>> {
  using result_type = std::string;
  std::string operator()(cp::enclosed_directive<S> const& p) const {
    return "`" + std::string(1, p.open) + "`";
  }
};
template <typename S, typename A>
struct get_info<action<S, A>> {
  using result_type = std::string;
  std::string operator()(action<S, A> const& p) const { return what(p.subject); }
};
template <typename S>
struct get_info<cp::no_records_directive<S>> {
  using result_type = std::string;
  std::string operator()(cp::no_records_directive<S> const& p) const { return what(p.subject); }
};
template <typename S>
struct get_info<cp::nested_directive<S>> {
  using result_type = std::string;
  std::string operator()(cp::nested_directive<S> const& p) const { return what(p.subject); }
};
template <typename S>
struct get_info<raw_directive<S>> {
  using result_type = std::string;
  std::string operator()(raw_directive<S> const& p) const { return what(p.subject); }
};
// Composite expectation targets name their first part ("a name" for `ident "," ...`).
template <typename L, typename R>
struct get_info<sequence<L, R>> {
  using result_type = std::string;
  std::string operator()(sequence<L, R> const& p) const { return what(p.left); }
};
template <typename L, typename R>
struct get_info<alternative<L, R>> {
  using result_type = std::string;
  std::string operator()(alternative<L, R> const& p) const {
    return what(p.left) + " or " + what(p.right);
  }
};
template <typename S>
struct get_info<expect_directive<S>> {
  using result_type = std::string;
  std::string operator()(expect_directive<S> const& p) const { return what(p.subject); }
};
template <typename S>
struct get_info<optional<S>> {
  using result_type = std::string;
  std::string operator()(optional<S> const& p) const { return what(p.subject); }
};
template <typename S>
struct get_info<kleene<S>> {
  using result_type = std::string;
  std::string operator()(kleene<S> const& p) const { return what(p.subject); }
};
template <typename L, typename R>
struct get_info<list<L, R>> {
  using result_type = std::string;
  std::string operator()(list<L, R> const& p) const { return what(p.left); }
};
}  // namespace boost::spirit::x3

namespace covenant::compiler {
namespace parser {
namespace {

// ------------------------------------------------------------------------------------------
// 3. The grammar
// ------------------------------------------------------------------------------------------

using ast::ExprKind;
using ast::ExprPtr;
using ast::Op;
using ast::StmtKind;
using ast::StmtPtr;
using x3::_attr;
using x3::_val;

// Tokens.
constexpr tok_parser t_colon{":"}, t_comma{","}, t_assign{"=", "=>"}, t_fat_arrow{"=>"},
    t_arrow{"->"}, t_dot{".", "."}, t_range{".."}, t_lt{"<", "="}, t_gt{">"},
    t_rparen{")"};
constexpr kw_parser k_contract{"contract"}, k_version{"version"}, k_currency{"currency"},
    k_rounding{"rounding"}, k_const{"const"}, k_table{"table"}, k_csv{"csv"}, k_codes{"codes"},
    k_record{"record"}, k_enum{"enum"}, k_state{"state"}, k_fn{"fn"}, k_entry{"entry"},
    k_test{"test"}, k_let{"let"}, k_var{"var"}, k_if{"if"}, k_then{"then"}, k_else{"else"},
    k_for{"for"}, k_in{"in"}, k_while{"while"}, k_match{"match"}, k_require{"require"},
    k_deny{"deny"}, k_return{"return"}, k_break{"break"}, k_continue{"continue"},
    k_expect{"expect"}, k_denied{"denied"}, k_true{"true"}, k_false{"false"}, k_and{"and"},
    k_or{"or"}, k_within{"within"}, k_some{"some"}, k_none{"none"},
    k_underscore{"_"}, k_library{"library"}, k_use{"use"}, k_event{"event"}, k_emit{"emit"};
// Words with a meaning in one place only, not reserved: `std` after `use`, `max` in a loop
// over a state.
constexpr kw_parser w_std{"std"}, w_max{"max"};
constexpr ident_parser ident{};
constexpr word_parser library_name{};
constexpr currency_parser currency_code{};
constexpr string_parser string_tok{};
constexpr number_parser number{};
constexpr block_parser block{};
constexpr records_ok_parser records_ok{};
constexpr prefix_run_parser not_run{"not", ""}, minus_run{"-", "=>"};

constexpr std::array<OpEntry<Op>, 7> kCmpOps = {{{"==", "", Op::eq},
                                                 {"!=", "", Op::ne},
                                                 {"<=", "", Op::le},
                                                 {">=", "", Op::ge},
                                                 {"<", "", Op::lt},
                                                 {">", "", Op::gt},
                                                 {"in", "", Op::in}}};
constexpr std::array<OpEntry<Op>, 2> kSumOps = {{{"+", "=", Op::add}, {"-", "=>", Op::sub}}};
constexpr std::array<OpEntry<Op>, 3> kProductOps = {
    {{"*", "", Op::mul}, {"/", "/", Op::div}, {"%", "", Op::rem}}};
// assign op: 0 is plain `=`, 1 is `+=`, 2 is `-=`.
constexpr std::array<OpEntry<int>, 3> kAssignOps = {{{"=", "=>", 0}, {"+=", "", 1}, {"-=", "", 2}}};
constexpr op_parser<Op> cmp_op{kCmpOps}, sum_op{kSumOps}, product_op{kProductOps};
constexpr op_parser<int> assign_op{kAssignOps};

// Actions shared by many rules.
auto const set_val = [](auto& ctx) { _val(ctx) = std::move(_attr(ctx)); };
/// set_span for an expression node built from children: also measures its height.
auto const set_span_measured = [](auto& ctx) {
  _val(ctx)->span = state_of(ctx).span_of(_attr(ctx));
  state_of(ctx).measure(*_val(ctx));
};
auto const set_span = [](auto& ctx) {
  auto& v = _val(ctx);
  Span sp = state_of(ctx).span_of(_attr(ctx));
  if constexpr (requires { v->span; }) {
    v->span = sp;
  } else {
    v.span = sp;
  }
};

/// `lhs op rhs` as one node spanning both.
ExprPtr binary(State& s, Op op, ExprPtr lhs, ExprPtr rhs) {
  auto e = make_expr(ExprKind::binary, join(lhs->span, rhs->span));
  e->op = op;
  e->args.push_back(std::move(lhs));
  e->args.push_back(std::move(rhs));
  s.measure(*e);
  return e;
}

auto fold(Op op) {
  return [op](auto& ctx) { _val(ctx) = binary(state_of(ctx), op, std::move(_val(ctx)), std::move(_attr(ctx))); };
}
auto const fold_op = [](auto& ctx) {
  auto& a = _attr(ctx);
  _val(ctx) = binary(state_of(ctx), at_c<0>(a), std::move(_val(ctx)), std::move(at_c<1>(a)));
};

/// Wraps the operand in one unary node per prefix operator read, innermost last.
auto prefix(Op op) {
  return [op](auto& ctx) {
    State& s = state_of(ctx);
    auto& a = _attr(ctx);
    const std::vector<It>& at = at_c<0>(a);
    ExprPtr e = std::move(at_c<1>(a));
    for (auto it = at.rbegin(); it != at.rend(); ++it) {
      auto u = make_expr(ExprKind::unary, {s.offset(*it), e->span.end});
      u->op = op;
      u->args.push_back(std::move(e));
      s.measure(*u);
      e = std::move(u);
    }
    _val(ctx) = std::move(e);
  };
}

// Rules. Each is named by what an error message says was expected.
x3::rule<struct expr_id, ExprPtr> const expr = "an expression";
x3::rule<struct if_expr_id, ExprPtr> const if_expr = "an expression";
x3::rule<struct or_id, ExprPtr> const or_expr = "an expression";
x3::rule<struct and_id, ExprPtr> const and_expr = "an expression";
x3::rule<struct not_id, ExprPtr> const not_expr = "an expression";
x3::rule<struct cmp_id, ExprPtr> const cmp_expr = "an expression";
x3::rule<struct sum_id, ExprPtr> const sum_expr = "an expression";
x3::rule<struct product_id, ExprPtr> const product_expr = "an expression";
x3::rule<struct unary_id, ExprPtr> const unary_expr = "an expression";
x3::rule<struct postfix_id, ExprPtr> const postfix_expr = "an expression";
x3::rule<struct primary_id, ExprPtr> const primary = "an expression";
x3::rule<struct name_expr_id, ExprPtr> const name_expr = "an expression";
x3::rule<struct list_lit_id, ExprPtr> const list_lit = "an expression";
x3::rule<struct some_id, ExprPtr> const some_expr = "an expression";
x3::rule<struct match_expr_id, ExprPtr> const match_expr = "an expression";
x3::rule<struct args_id, Args> const args = "arguments";
x3::rule<struct inits_id, Inits> const record_inits = "field values";
x3::rule<struct index_id, Suffix> const index_suffix = "an index";
x3::rule<struct pattern_id, ast::Pattern> const pattern = "a pattern";
x3::rule<struct expr_arm_id, ast::MatchArm> const expr_arm = "a match arm";
x3::rule<struct type_id, ast::TypeExpr> const type = "a type";
x3::rule<struct type_arg_id, ast::TypeExpr> const type_arg = "a type or a number";

// expr = "if" expr "then" expr "else" expr | or ;
auto const expr_def = nested[if_expr[set_val] | or_expr[set_val]];

// if-expr = "if" expr "then" expr "else" expr ;
auto const if_expr_def = x3::raw[(k_if > expr > k_then > expr > k_else > expr)[([](auto& ctx) {
  auto& a = _attr(ctx);
  auto e = make_expr(ExprKind::if_expr, {});
  e->args.push_back(std::move(at_c<0>(a)));
  e->args.push_back(std::move(at_c<1>(a)));
  e->args.push_back(std::move(at_c<2>(a)));
  _val(ctx) = std::move(e);
})]][set_span_measured];

// or = and { "or" and } ;
auto const or_expr_def = and_expr[set_val] >> *(k_or > and_expr)[fold(Op::or_)];

// and = not { "and" not } ;
auto const and_expr_def = not_expr[set_val] >> *(k_and > not_expr)[fold(Op::and_)];

// not = "not" not | cmp ;   (a run of `not`s is read in a loop)
auto const not_expr_def = (not_run > cmp_expr)[prefix(Op::not_)] | cmp_expr[set_val];

// cmp = sum [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" ) sum | "within" sum ".." sum ] ;
// Comparisons do not chain: `a < b < c` stops after `a < b` (and the `<` is then unexpected).
auto const cmp_expr_def =
    sum_expr[set_val] >>
    -((cmp_op > sum_expr)[fold_op] |
      (k_within > sum_expr > t_range > sum_expr)[([](auto& ctx) {
        auto& a = _attr(ctx);
        auto& v = _val(ctx);
        auto e = make_expr(ExprKind::within, join(v->span, at_c<1>(a)->span));
        e->args.push_back(std::move(v));
        e->args.push_back(std::move(at_c<0>(a)));
        e->args.push_back(std::move(at_c<1>(a)));
        state_of(ctx).measure(*e);
        v = std::move(e);
      })]);

// sum = product { ( "+" | "-" ) product } ;
// A `-` at the start of a line continues the expression before it (a statement cannot
// usefully start with a negation), so `total\n  - discount` is one subtraction.
auto const sum_expr_def = product_expr[set_val] >> *(sum_op > product_expr)[fold_op];

// product = unary { ( "*" | "/" | "%" ) unary } ;
auto const product_expr_def = unary_expr[set_val] >> *(product_op > unary_expr)[fold_op];

// unary = "-" unary | postfix ;   (a run of `-`s is read in a loop)
auto const unary_expr_def = (minus_run > postfix_expr)[prefix(Op::neg)] | postfix_expr[set_val];

// postfix = primary { "." ident [ args ] | "[" expr "]" } ;
// Like the binary operators, `.` and `[` continue an expression across a newline.
auto const postfix_expr_def =
    primary[set_val] >>
    *((t_dot > ident >> -args)[([](auto& ctx) {
       auto& a = _attr(ctx);
       auto& v = _val(ctx);
       ast::Ident& name = at_c<0>(a);
       auto& call = at_c<1>(a);
       auto e = make_expr(call ? ExprKind::method : ExprKind::field,
                          {v->span.begin, call ? call->span.end : name.span.end});
       e->text = std::move(name.name);
       e->name_span = name.span;
       e->args.push_back(std::move(v));
       if (call) {
         for (auto& arg : call->list) e->args.push_back(std::move(arg));
       }
       state_of(ctx).measure(*e);
       v = std::move(e);
     })] |
      index_suffix[([](auto& ctx) {
        auto& v = _val(ctx);
        auto e = make_expr(ExprKind::index, {v->span.begin, _attr(ctx).span.end});
        e->args.push_back(std::move(v));
        e->args.push_back(std::move(_attr(ctx).expr));
        state_of(ctx).measure(*e);
        v = std::move(e);
      })]);

// index = "[" expr "]" ;
auto const index_suffix_def =
    x3::raw[bracket[expr[([](auto& ctx) { _val(ctx).expr = std::move(_attr(ctx)); })]]]
           [([](auto& ctx) { _val(ctx).span = state_of(ctx).span_of(_attr(ctx)); })];

// args = "(" [ expr { "," expr } ] ")" ;
auto const args_def =
    x3::raw[paren[-(expr[([](auto& ctx) { _val(ctx).list.push_back(std::move(_attr(ctx))); })] %
                    t_comma)]]
           [([](auto& ctx) { _val(ctx).span = state_of(ctx).span_of(_attr(ctx)); })];

// inits = "{" [ init { "," init } [","] ] "}" ;   init = ident ":" expr ;
auto const record_inits_def =
    x3::raw[brace[-((ident > t_colon > expr)[([](auto& ctx) {
                      auto& a = _attr(ctx);
                      _val(ctx).list.push_back({std::move(at_c<0>(a)), std::move(at_c<1>(a))});
                    })] %
                    t_comma) >>
                  -t_comma]]
           [([](auto& ctx) { _val(ctx).span = state_of(ctx).span_of(_attr(ctx)); })];

// primary = literal | ident args | ident "{" [ init { "," init } [","] ] "}" | ident
//         | "[" [ expr { "," expr } [","] ] "]" | "(" expr ")"
//         | "match" expr "{" { pattern "=>" expr [","] } "}" | "some" "(" expr ")" | "none" ;
// literal = int | decimal CURRENCY | number "%" | number "bp" | int DURATION_UNIT
//         | date | string | hash | "true" | "false" ;
// A parenthesised expression's span includes the parentheses (there is no node for them).
auto const primary_def =
    number[set_val] |
    string_tok[([](auto& ctx) {
      auto e = make_expr(ExprKind::string_lit, _attr(ctx).span);
      e->text = std::move(_attr(ctx).text);
      _val(ctx) = std::move(e);
    })] |
    x3::raw[k_true][([](auto& ctx) {
      auto e = make_expr(ExprKind::bool_lit, state_of(ctx).span_of(_attr(ctx)));
      e->int_value = 1;
      _val(ctx) = std::move(e);
    })] |
    x3::raw[k_false][([](auto& ctx) {
      _val(ctx) = make_expr(ExprKind::bool_lit, state_of(ctx).span_of(_attr(ctx)));
    })] |
    x3::raw[k_none][([](auto& ctx) {
      _val(ctx) = make_expr(ExprKind::none_lit, state_of(ctx).span_of(_attr(ctx)));
    })] |
    some_expr[set_val] | match_expr[set_val] | list_lit[set_val] |
    x3::raw[paren[expr[set_val]]][set_span] |
    name_expr[set_val];

// ident args | ident "{" inits "}" | ident ;   (no record literal in a condition before a block)
// The `(` of a call may be on the next line, like the operators: `f\n(x)` is a call.
auto const name_expr_def =
    ident[([](auto& ctx) {
      auto e = make_expr(ExprKind::name, _attr(ctx).span);
      e->text = std::move(_attr(ctx).name);
      _val(ctx) = std::move(e);
    })] >>
    -(args[([](auto& ctx) {
       auto& v = _val(ctx);
       v->kind = ExprKind::call;
       v->name_span = v->span;
       v->span.end = _attr(ctx).span.end;
       v->args = std::move(_attr(ctx).list);
       state_of(ctx).measure(*v);
     })] |
      (records_ok >> record_inits)[([](auto& ctx) {
        auto& v = _val(ctx);
        v->kind = ExprKind::record_lit;
        v->name_span = v->span;
        v->span.end = _attr(ctx).span.end;
        v->inits = std::move(_attr(ctx).list);
        state_of(ctx).measure(*v);
      })]);

// "[" [ expr { "," expr } [","] ] "]"
auto const list_lit_def =
    x3::raw[x3::eps[([](auto& ctx) { _val(ctx) = make_expr(ExprKind::list_lit, {}); })] >>
            bracket[-(expr[([](auto& ctx) { _val(ctx)->args.push_back(std::move(_attr(ctx))); })] %
                      t_comma) >>
                    -t_comma]][set_span_measured];

// "some" "(" expr ")"
auto const some_expr_def = x3::raw[(k_some > paren[expr])[([](auto& ctx) {
  auto e = make_expr(ExprKind::some, {});
  e->args.push_back(std::move(_attr(ctx)));
  _val(ctx) = std::move(e);
})]][set_span_measured];

// "match" expr "{" { pattern "=>" expr [","] } "}"   (arms separated by commas or newlines)
auto const match_expr_def =
    x3::raw[(k_match > no_records[expr])[([](auto& ctx) {
      auto e = make_expr(ExprKind::match_expr, {});
      e->args.push_back(std::move(_attr(ctx)));
      _val(ctx) = std::move(e);
    })] > brace[*expr_arm[([](auto& ctx) { _val(ctx)->arms.push_back(std::move(_attr(ctx))); })]]]
           [set_span_measured];

// arm = pattern "=>" expr [","] ;
auto const expr_arm_def = (pattern > t_fat_arrow > expr)[([](auto& ctx) {
  auto& a = _attr(ctx);
  ast::MatchArm& arm = _val(ctx);
  arm.pattern = std::move(at_c<0>(a));
  arm.value = std::move(at_c<1>(a));
  arm.span = join(arm.pattern.span, arm.value->span);
})] >> -t_comma;

// match pattern = "_" | "none" | "some" "(" ident ")" | ident [ "." ident ] ;
auto const pattern_def =
    x3::raw[k_underscore[([](auto& ctx) { _val(ctx).kind = ast::Pattern::Kind::wildcard; })] |
            k_none[([](auto& ctx) { _val(ctx).kind = ast::Pattern::Kind::none; })] |
            (k_some > paren[ident])[([](auto& ctx) {
              _val(ctx).kind = ast::Pattern::Kind::some;
              _val(ctx).binding = std::move(_attr(ctx));
            })] |
            (ident >> -(t_dot > ident))[([](auto& ctx) {
              auto& a = _attr(ctx);
              ast::Pattern& p = _val(ctx);
              p.kind = ast::Pattern::Kind::variant;
              if (at_c<1>(a)) {
                p.qualifier = std::move(at_c<0>(a));
                p.variant = std::move(*at_c<1>(a));
              } else {
                p.variant = std::move(at_c<0>(a));
              }
            })]][set_span];

// type = ident [ "<" typearg { "," typearg } ">" ] ;
auto const type_def = nested[x3::raw[ident[([](auto& ctx) { _val(ctx).name = std::move(_attr(ctx)); })] >>
                                     -(t_lt > type_arg[([](auto& ctx) { _val(ctx).args.push_back(std::move(_attr(ctx))); })] >>
                                       *(t_comma > type_arg[([](auto& ctx) { _val(ctx).args.push_back(std::move(_attr(ctx))); })]) > t_gt)]
                                 [set_span]];

// typearg = type | int ;
auto const type_arg_def =
    type[set_val] | number[([](auto& ctx) {
      const ExprPtr& n = _attr(ctx);
      if (n->kind != ExprKind::int_lit || n->int_value < 0) {
        x3::_pass(ctx) = false;
        return;
      }
      _val(ctx).number = static_cast<uint64_t>(n->int_value);
      _val(ctx).span = n->span;
    })];

BOOST_SPIRIT_DEFINE(expr, if_expr, or_expr, and_expr, not_expr, cmp_expr, sum_expr, product_expr,
                    unary_expr, postfix_expr, primary, name_expr, list_lit, some_expr, match_expr,
                    args, record_inits, index_suffix, pattern, expr_arm, type, type_arg)


// ---- Statements ----

x3::rule<struct stmt_id, StmtPtr> const stmt = "a statement";
x3::rule<struct let_id, StmtPtr> const let_stmt = "a statement";
x3::rule<struct let_kw_id, bool> const let_kw = "`let` or `var`";
x3::rule<struct if_stmt_id, StmtPtr> const if_stmt = "a statement";
x3::rule<struct for_id, StmtPtr> const for_stmt = "a statement";
x3::rule<struct while_id, StmtPtr> const while_stmt = "a statement";
x3::rule<struct match_stmt_id, StmtPtr> const match_stmt = "a statement";
x3::rule<struct stmt_arm_id, ast::MatchArm> const stmt_arm = "a match arm";
x3::rule<struct require_id, StmtPtr> const require_stmt = "a statement";
x3::rule<struct deny_stmt_id, StmtPtr> const deny_stmt = "a statement";
x3::rule<struct deny_call_id, DenyParts> const deny_call = "`deny(...)`";
x3::rule<struct deny_args_id, DenyParts> const deny_args = "a reason string";
x3::rule<struct return_id, StmtPtr> const return_stmt = "a statement";
x3::rule<struct jump_id, StmtPtr> const jump_stmt = "a statement";
x3::rule<struct expect_id, StmtPtr> const expect_stmt = "a statement";
x3::rule<struct emit_id, StmtPtr> const emit_stmt = "a statement";
x3::rule<struct assign_id, StmtPtr> const assign_stmt = "a statement";
x3::rule<struct place_id, ExprPtr> const place = "a name";
x3::rule<struct expr_stmt_id, StmtPtr> const expr_stmt = "a statement";

StmtPtr make_stmt(StmtKind kind) {
  auto s = std::make_unique<ast::Stmt>();
  s->kind = kind;
  return s;
}

// stmt = let | if | for | while | match | require | deny | return | break | continue | expect
//      | emit | place ( "=" | "+=" | "-=" ) expr | expr ;
// Statements need no separator: one ends where its expression can go no further. An `if` or
// `match` at the start of a statement is the statement form.
auto const stmt_def = let_stmt[set_val] | if_stmt[set_val] | for_stmt[set_val] |
                      while_stmt[set_val] | match_stmt[set_val] | require_stmt[set_val] |
                      deny_stmt[set_val] | return_stmt[set_val] | jump_stmt[set_val] |
                      expect_stmt[set_val] | emit_stmt[set_val] | assign_stmt[set_val] |
                      expr_stmt[set_val];

// let = ( "let" | "var" ) ident [ ":" type ] "=" expr ;
auto const let_stmt_def =
    x3::raw[(let_kw > ident > -(t_colon > type) >
             t_assign > expr)[([](auto& ctx) {
      auto& a = _attr(ctx);
      auto st = make_stmt(at_c<0>(a) ? StmtKind::var : StmtKind::let);
      st->name = std::move(at_c<1>(a));
      if (at_c<2>(a)) st->type = std::move(*at_c<2>(a));
      st->value = std::move(at_c<3>(a));
      _val(ctx) = std::move(st);
    })]][set_span];

// "let" | "var"   (true for `var`)
auto const let_kw_def = k_let[([](auto& ctx) { _val(ctx) = false; })] | k_var[([](auto& ctx) { _val(ctx) = true; })];

// if-stmt = "if" expr block [ "else" ( block | if-stmt ) ] ;
// In the conditions of `if`, `while`, `for` and `match`, `name {` is never a record literal
// (the `{` opens the block); a record literal there must be parenthesised.
auto const if_stmt_def =
    x3::raw[(k_if > no_records[expr] > block)[([](auto& ctx) {
      auto& a = _attr(ctx);
      auto st = make_stmt(StmtKind::if_);
      st->cond = std::move(at_c<0>(a));
      st->then_block = std::move(at_c<1>(a));
      _val(ctx) = std::move(st);
    })] >>
            -(k_else > (block[([](auto& ctx) { _val(ctx)->else_block = std::move(_attr(ctx)); })] |
                        if_stmt[([](auto& ctx) {
                          ast::Block b;
                          b.span = _attr(ctx)->span;
                          b.stmts.push_back(std::move(_attr(ctx)));
                          _val(ctx)->else_block = std::move(b);
                        })]))][set_span];

// for = "for" ident "in" ( expr [ "max" expr ] | expr ".." expr ) block ;
// (`max` bounds a loop over a state; the checker refuses it on a List or a range)
auto const for_stmt_def =
    x3::raw[(k_for > ident > k_in > no_records[expr] > -(t_range > no_records[expr]) >
             -(w_max > no_records[expr]) > block)[([](auto& ctx) {
      auto& a = _attr(ctx);
      auto st = make_stmt(StmtKind::for_);
      st->name = std::move(at_c<0>(a));
      st->value = std::move(at_c<1>(a));
      if (at_c<2>(a)) st->range_end = std::move(*at_c<2>(a));
      if (at_c<3>(a)) st->loop_max = std::move(*at_c<3>(a));
      st->then_block = std::move(at_c<4>(a));
      _val(ctx) = std::move(st);
    })]][set_span];

// while = "while" expr block ;   (parsed so that sema can refuse it)
auto const while_stmt_def = x3::raw[(k_while > no_records[expr] > block)[([](auto& ctx) {
  auto& a = _attr(ctx);
  auto st = make_stmt(StmtKind::while_);
  st->cond = std::move(at_c<0>(a));
  st->then_block = std::move(at_c<1>(a));
  _val(ctx) = std::move(st);
})]][set_span];

// match-stmt = "match" expr "{" { pattern "=>" block } "}" ;
auto const match_stmt_def =
    x3::raw[(k_match > no_records[expr])[([](auto& ctx) {
      auto st = make_stmt(StmtKind::match);
      st->value = std::move(_attr(ctx));
      _val(ctx) = std::move(st);
    })] > brace[*stmt_arm[([](auto& ctx) { _val(ctx)->arms.push_back(std::move(_attr(ctx))); })]]]
           [set_span];

// pattern-arm = pattern "=>" block ;
auto const stmt_arm_def = (pattern > t_fat_arrow > block)[([](auto& ctx) {
  auto& a = _attr(ctx);
  ast::MatchArm& arm = _val(ctx);
  arm.pattern = std::move(at_c<0>(a));
  arm.body = std::move(at_c<1>(a));
  arm.span = join(arm.pattern.span, arm.body.span);
})];

// require = "require" expr "else" deny ;
auto const require_stmt_def = x3::raw[(k_require > expr > k_else > deny_call)[([](auto& ctx) {
  auto& a = _attr(ctx);
  auto st = make_stmt(StmtKind::require);
  st->cond = std::move(at_c<0>(a));
  st->deny_code = std::move(at_c<1>(a).code);
  st->reason = std::move(at_c<1>(a).reason.text);
  st->reason_span = at_c<1>(a).reason.span;
  _val(ctx) = std::move(st);
})]][set_span];

// deny = "deny" "(" [ expr "," ] string ")" ;
auto const deny_stmt_def = x3::raw[deny_call[([](auto& ctx) {
  auto st = make_stmt(StmtKind::deny);
  st->deny_code = std::move(_attr(ctx).code);
  st->reason = std::move(_attr(ctx).reason.text);
  st->reason_span = _attr(ctx).reason.span;
  _val(ctx) = std::move(st);
})]][set_span];
auto const deny_call_def = k_deny > paren[deny_args[set_val]];
// A lone string is the reason; otherwise the first argument is the code.
auto const deny_args_def =
    (string_tok >> &t_rparen)[([](auto& ctx) { _val(ctx).reason = std::move(_attr(ctx)); })] |
    (expr > t_comma > string_tok)[([](auto& ctx) {
      _val(ctx).code = std::move(at_c<0>(_attr(ctx)));
      _val(ctx).reason = std::move(at_c<1>(_attr(ctx)));
    })];

// return = "return" [ expr ] ;   (the value must start on the `return` line)
auto const return_stmt_def =
    x3::raw[k_return[([](auto& ctx) { _val(ctx) = make_stmt(StmtKind::return_); })] >>
            -same_line[expr[([](auto& ctx) { _val(ctx)->value = std::move(_attr(ctx)); })]]][set_span];

// "break" | "continue"
auto const jump_stmt_def =
    x3::raw[k_break[([](auto& ctx) { _val(ctx) = make_stmt(StmtKind::break_); })] |
            k_continue[([](auto& ctx) { _val(ctx) = make_stmt(StmtKind::continue_); })]][set_span];

// expect = "expect" [ "denied" ] expr ;
auto const expect_stmt_def = x3::raw[((k_expect >> x3::matches[k_denied]) > expr)[([](auto& ctx) {
  auto st = make_stmt(StmtKind::expect);
  st->expect_denied = at_c<0>(_attr(ctx));
  st->value = std::move(at_c<1>(_attr(ctx)));
  _val(ctx) = std::move(st);
})]][set_span];

// emit = "emit" expr ;
auto const emit_stmt_def = x3::raw[(k_emit > expr)[([](auto& ctx) {
  auto st = make_stmt(StmtKind::emit);
  st->value = std::move(_attr(ctx));
  _val(ctx) = std::move(st);
})]][set_span];

// assign = place ( "=" | "+=" | "-=" ) expr ;
auto const assign_stmt_def = x3::raw[((place >> assign_op) > expr)[([](auto& ctx) {
  auto& a = _attr(ctx);
  auto st = make_stmt(StmtKind::assign);
  st->target = std::move(at_c<0>(a));
  if (at_c<1>(a) == 1) st->compound = Op::add;
  if (at_c<1>(a) == 2) st->compound = Op::sub;
  st->value = std::move(at_c<2>(a));
  _val(ctx) = std::move(st);
})]][set_span];

// place = ident { "." ident | "[" expr "]" } ;
auto const place_def =
    ident[([](auto& ctx) {
      auto e = make_expr(ExprKind::name, _attr(ctx).span);
      e->text = std::move(_attr(ctx).name);
      _val(ctx) = std::move(e);
    })] >>
    *((t_dot > ident)[([](auto& ctx) {
       auto& v = _val(ctx);
       auto e = make_expr(ExprKind::field, {v->span.begin, _attr(ctx).span.end});
       e->text = std::move(_attr(ctx).name);
       e->name_span = _attr(ctx).span;
       e->args.push_back(std::move(v));
       state_of(ctx).measure(*e);
       v = std::move(e);
     })] |
      index_suffix[([](auto& ctx) {
        auto& v = _val(ctx);
        auto e = make_expr(ExprKind::index, {v->span.begin, _attr(ctx).span.end});
        e->args.push_back(std::move(v));
        e->args.push_back(std::move(_attr(ctx).expr));
        state_of(ctx).measure(*e);
        v = std::move(e);
      })]);

// expr-stmt = expr ;
auto const expr_stmt_def = expr[([](auto& ctx) {
  auto st = make_stmt(StmtKind::expr);
  st->span = _attr(ctx)->span;
  st->value = std::move(_attr(ctx));
  _val(ctx) = std::move(st);
})];

BOOST_SPIRIT_DEFINE(stmt, let_stmt, let_kw, if_stmt, for_stmt, while_stmt, match_stmt, stmt_arm,
                    require_stmt, deny_stmt, deny_call, deny_args, return_stmt, jump_stmt,
                    expect_stmt, emit_stmt, assign_stmt, place, expr_stmt)

// ---- Declarations ----

x3::rule<struct header_id, ast::Header> const header = "a contract header";
x3::rule<struct library_header_id, ast::Header> const library_header = "a library header";
x3::rule<struct use_id, ast::UseDecl> const use_decl = "`use`";
x3::rule<struct event_id, ast::EventDecl> const event_decl = "a declaration";
x3::rule<struct int_id, int64_t> const int_lit = "a whole number";
x3::rule<struct setting_id, ast::Header> const settings = "a setting";
x3::rule<struct decl_id, ast::Decl> const decl = "a declaration";
x3::rule<struct const_id, ast::ConstDecl> const const_decl = "a declaration";
x3::rule<struct table_id, ast::TableDecl> const table_decl = "a declaration";
x3::rule<struct table_body_id, TableBody> const table_body = "`{` or `csv`";
x3::rule<struct codes_id, ast::CodesDecl> const codes_decl = "a declaration";
x3::rule<struct code_pattern_id, ast::CodePattern> const code_pattern = "a code pattern (a string)";
x3::rule<struct record_id, ast::RecordDecl> const record_decl = "a declaration";
x3::rule<struct enum_id, ast::EnumDecl> const enum_decl = "a declaration";
x3::rule<struct state_decl_id, ast::StateDecl> const state_decl = "a declaration";
x3::rule<struct fn_id, ast::FunctionDecl> const fn_decl = "a declaration";
x3::rule<struct test_id, ast::TestDecl> const test_decl = "a declaration";

// header = "contract" ident "version" int ;
auto const header_def = x3::raw[(k_contract > ident > k_version > int_lit)[([](auto& ctx) {
  _val(ctx).name = std::move(at_c<0>(_attr(ctx)));
  _val(ctx).version = at_c<1>(_attr(ctx));
})]][set_span];

// library = "library" ident ;
auto const library_header_def = x3::raw[(k_library > library_name)[([](auto& ctx) {
  _val(ctx).library = true;
  _val(ctx).name = std::move(_attr(ctx));
})]][set_span];

// use = "use" "std" "." ident [ "." "{" ident { "," ident } [","] "}" ] ;
auto const use_decl_def =
    x3::raw[(k_use > w_std > t_dot > library_name)[([](auto& ctx) { _val(ctx).library = std::move(_attr(ctx)); })] >>
            -(t_dot > brace[x3::eps[([](auto& ctx) { _val(ctx).names.emplace(); })] >
                            ident[([](auto& ctx) { _val(ctx).names->push_back(std::move(_attr(ctx))); })] >>
                            *(t_comma >> ident[([](auto& ctx) { _val(ctx).names->push_back(std::move(_attr(ctx))); })]) >>
                            -t_comma])][set_span];

// int = digit { digit | "_" } ;   (a number without a unit)
auto const int_lit_def = number[([](auto& ctx) {
  const ExprPtr& n = _attr(ctx);
  x3::_pass(ctx) = n->kind == ExprKind::int_lit;
  _val(ctx) = n->int_value;
})];

// { setting } ;   setting = "currency" CURRENCY | "rounding" ident ;
// Writing a setting twice is refused here: which one would win is not obvious to a reader.
auto const settings_def =
    *((k_currency > currency_code)[([](auto& ctx) {
       State& s = state_of(ctx);
       if (_val(ctx).currency) {
         s.diags.report(Diag::syntax_unexpected, _attr(ctx).span,
                        "the currency is already set at " +
                            s.position(s.at(_val(ctx).currency->span.begin)));
       }
       _val(ctx).currency = std::move(_attr(ctx));
     })] |
      (k_rounding > ident)[([](auto& ctx) {
        State& s = state_of(ctx);
        if (_val(ctx).rounding) {
          s.diags.report(Diag::syntax_unexpected, _attr(ctx).span,
                         "the rounding mode is already set at " +
                             s.position(s.at(_val(ctx).rounding->span.begin)));
        }
        _val(ctx).rounding = std::move(_attr(ctx));
      })]);

// decl = const | table | codes | record | enum | event | state | function | test ;
auto const decl_def = const_decl[set_val] | table_decl[set_val] | codes_decl[set_val] |
                      record_decl[set_val] | enum_decl[set_val] | event_decl[set_val] |
                      state_decl[set_val] | fn_decl[set_val] | test_decl[set_val];

// const = "const" ident ":" type "=" expr ;
auto const const_decl_def =
    x3::raw[(k_const > ident > t_colon > type > t_assign > expr)[([](auto& ctx) {
      auto& a = _attr(ctx);
      _val(ctx).name = std::move(at_c<0>(a));
      _val(ctx).type = std::move(at_c<1>(a));
      _val(ctx).value = std::move(at_c<2>(a));
    })]][set_span];

// table = "table" ident ":" type "->" type "=" ( "{" [ entry { "," entry } [","] ] "}"
//                                              | "csv" string ) ;
auto const table_decl_def =
    x3::raw[(k_table > ident > t_colon > type > t_arrow > type > t_assign > table_body)[([](auto& ctx) {
      auto& a = _attr(ctx);
      ast::TableDecl& t = _val(ctx);
      t.name = std::move(at_c<0>(a));
      t.key = std::move(at_c<1>(a));
      t.value = std::move(at_c<2>(a));
      t.entries = std::move(at_c<3>(a).entries);
      t.csv = std::move(at_c<3>(a).csv);
      t.csv_span = at_c<3>(a).csv_span;
    })]][set_span];

// entry = expr "=>" expr ;
auto const table_body_def =
    brace[-((expr > t_fat_arrow > expr)[([](auto& ctx) {
             auto& a = _attr(ctx);
             _val(ctx).entries.push_back({std::move(at_c<0>(a)), std::move(at_c<1>(a))});
           })] %
            t_comma) >>
          -t_comma] |
    (k_csv > string_tok)[([](auto& ctx) {
      _val(ctx).csv = std::move(_attr(ctx).text);
      _val(ctx).csv_span = _attr(ctx).span;
    })];

// codes = "codes" ident "=" pattern { "," pattern } ;
auto const codes_decl_def =
    x3::raw[(k_codes > ident > t_assign)[([](auto& ctx) { _val(ctx).name = std::move(_attr(ctx)); })] >
            code_pattern[([](auto& ctx) { _val(ctx).patterns.push_back(std::move(_attr(ctx))); })] >>
            *(t_comma > code_pattern[([](auto& ctx) { _val(ctx).patterns.push_back(std::move(_attr(ctx))); })])]
           [set_span];

// pattern = string [ ".." string ] ;   (a string ending in "*" is a prefix)
auto const code_pattern_def = (string_tok >> -(t_range > string_tok))[([](auto& ctx) {
  auto& a = _attr(ctx);
  ast::CodePattern& c = _val(ctx);
  c.low = std::move(at_c<0>(a).text);
  c.span = at_c<0>(a).span;
  if (!c.low.empty() && c.low.back() == '*') {
    c.low.pop_back();
    c.prefix = true;
  }
  if (at_c<1>(a)) {
    c.high = std::move(at_c<1>(a)->text);
    c.span = join(c.span, at_c<1>(a)->span);
  }
})];

// record = "record" ident "{" [ field { "," field } [","] ] "}" ;   field = ident ":" type ;
auto const record_decl_def =
    x3::raw[(k_record > ident)[([](auto& ctx) { _val(ctx).name = std::move(_attr(ctx)); })] >
            brace[-((ident > t_colon > type)[([](auto& ctx) {
                      _val(ctx).fields.push_back({std::move(at_c<0>(_attr(ctx))), std::move(at_c<1>(_attr(ctx)))});
                    })] %
                    t_comma) >>
                  -t_comma]][set_span];

// enum = "enum" ident "{" ident { "," ident } [","] "}" ;
auto const enum_decl_def =
    x3::raw[(k_enum > ident)[([](auto& ctx) { _val(ctx).name = std::move(_attr(ctx)); })] >
            brace[ident[([](auto& ctx) { _val(ctx).variants.push_back(std::move(_attr(ctx))); })] >>
                  *(t_comma >> ident[([](auto& ctx) { _val(ctx).variants.push_back(std::move(_attr(ctx))); })]) >>
                  -t_comma]][set_span];

// event = "event" ident "{" [ field { "," field } [","] ] "}" ;   field = ident ":" type ;
auto const event_decl_def =
    x3::raw[(k_event > ident)[([](auto& ctx) { _val(ctx).name = std::move(_attr(ctx)); })] >
            brace[-((ident > t_colon > type)[([](auto& ctx) {
                      _val(ctx).fields.push_back({std::move(at_c<0>(_attr(ctx))), std::move(at_c<1>(_attr(ctx)))});
                    })] %
                    t_comma) >>
                  -t_comma]][set_span];

// state = "state" ident ":" type ;
auto const state_decl_def = x3::raw[(k_state > ident > t_colon > type)[([](auto& ctx) {
  _val(ctx).name = std::move(at_c<0>(_attr(ctx)));
  _val(ctx).type = std::move(at_c<1>(_attr(ctx)));
})]][set_span];

// function = ( "fn" | "entry" ) ident "(" [ param { "," param } ] ")" [ "->" type ] block ;
// param = ident ":" type ;
auto const fn_decl_def =
    x3::raw[(k_fn | k_entry[([](auto& ctx) { _val(ctx).is_entry = true; })]) >
            ident[([](auto& ctx) { _val(ctx).name = std::move(_attr(ctx)); })] >
            paren[-((ident > t_colon > type)[([](auto& ctx) {
                      _val(ctx).params.push_back({std::move(at_c<0>(_attr(ctx))), std::move(at_c<1>(_attr(ctx)))});
                    })] %
                    t_comma)] >>
            -(t_arrow > type[([](auto& ctx) { _val(ctx).result = std::move(_attr(ctx)); })]) >
            block[([](auto& ctx) { _val(ctx).body = std::move(_attr(ctx)); })]][set_span];

// test = "test" string block ;
auto const test_decl_def = x3::raw[(k_test > string_tok > block)[([](auto& ctx) {
  _val(ctx).name = std::move(at_c<0>(_attr(ctx)).text);
  _val(ctx).name_span = at_c<0>(_attr(ctx)).span;
  _val(ctx).body = std::move(at_c<1>(_attr(ctx)));
})]][set_span];

BOOST_SPIRIT_DEFINE(header, library_header, use_decl, int_lit, settings, decl, const_decl,
                    table_decl, table_body, codes_decl, code_pattern, record_decl, enum_decl,
                    event_decl, state_decl, fn_decl, test_decl)

// ------------------------------------------------------------------------------------------
// 4. Recovery and the driver
// ------------------------------------------------------------------------------------------

/// Calls `on(c, p)` for every byte of [p, end) outside strings and comments.
template <typename F>
It scan_code(It p, It end, F on) {
  while (p != end) {
    char c = *p;
    if (c == '"') {
      ++p;
      while (p != end && *p != '"' && *p != '\n') p += (*p == '\\' && p + 1 != end && p[1] != '\n') ? 2 : 1;
      if (p != end && *p == '"') ++p;
      continue;
    }
    if (c == '/' && p + 1 != end && p[1] == '/') {
      while (p != end && *p != '\n') ++p;
      continue;
    }
    if (!on(c, p)) return p;
    ++p;
  }
  return p;
}

/// Where to resume after an error inside a statement that began at `start`, reported at
/// `where`. A word at the start of a later line is taken as the next statement. Otherwise skip
/// to the end of the line on which the brackets the statement opened are closed again, but
/// stop before a `}` that closes the enclosing block and at a line that starts with a
/// statement keyword.
It skip_statement(It start, It where, It end) {
  It p = skip_trivia(where, end);
  if (p > start && p != end && first_on_line(p, start) && is_ident_start(*p)) return p;
  int brackets = 0;
  int braces = 0;
  scan_code(start, p, [&](char c, It) {
    brackets += (c == '(' || c == '[') - (c == ')' || c == ']');
    braces += (c == '{') - (c == '}');
    return true;
  });
  brackets = std::max(brackets, 0);
  braces = std::max(braces, 0);
  It stop = end;
  scan_code(p, end, [&](char c, It at) {
    if (c == '\n') {
      if (brackets <= 0 && braces <= 0) {
        stop = at + 1;
        return false;
      }
      It q = skip_blanks(at + 1, end);
      std::string_view w = word_at(q, end);
      if (is_stmt_keyword(w) || starts_declaration(q, end)) {
        stop = q;
        return false;
      }
      return true;
    }
    brackets += (c == '(' || c == '[') - (c == ')' || c == ']');
    if (c == '{') ++braces;
    if (c == '}') {
      if (braces == 0) {
        stop = at;
        return false;
      }
      --braces;
    }
    return true;
  });
  return stop;
}

/// The first line after the one holding `p` that starts with a declaration keyword.
It skip_to_declaration(It p, It end) {
  while (p != end) {
    while (p != end && *p != '\n') ++p;
    if (p == end) break;
    ++p;
    It q = skip_blanks(p, end);
    if (starts_declaration(q, end)) return q;
  }
  return end;
}

template <typename Ctx, typename RCtx, typename Attr>
bool block_parser::parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr& attr) const {
  State& s = state_of(ctx);
  It open = skip_trivia(first, last);
  if (open == last || *open != '{') return false;
  s.token(open, open + 1);
  DepthGuard depth(s, open);
  RecordsGuard records(s, false);
  ast::Block result;
  It p = open + 1;
  for (;;) {
    p = skip_trivia(p, last);
    if (p == last || starts_declaration(p, last)) {
      // A declaration keyword never starts a statement: this block was left open.
      throw UnclosedBlock{p, "expected `}` to close the block opened at " + s.position(open)};
    }
    if (*p == '}') {
      s.token(p, p + 1);
      ++p;
      break;
    }
    It start = p;
    It where = p;
    try {
      StmtPtr st;
      if (stmt.parse(p, last, ctx, x3::unused, st)) {
        result.stmts.push_back(std::move(st));
        continue;
      }
      s.unexpected(start);
    } catch (x3::expectation_failure<It> const& e) {
      s.expected(Diag::syntax_expected, e.where(), e.which());
      where = std::max(e.where(), start);
    }
    p = skip_statement(start, where, last);
    if (p <= start) p = std::max(token_end(start, last), start + 1);
  }
  result.span = s.span(open, p);
  assign_attr(attr, std::move(result));
  first = p;
  return true;
}

/// Runs one parse over a whole file.
class Driver {
 public:
  Driver(const SourceFile& source, Diagnostics& diags) : s_(source, diags) {}

  std::optional<ast::Contract> run() {
    size_t errors_before = s_.diags.error_count();
    ast::Contract contract;
    // A context holds references: the state context must outlive the skipper context.
    auto state_ctx = x3::make_context<state_tag>(s_);
    auto ctx = x3::make_context<x3::skipper_tag>(skipper_, state_ctx);
    It p = skip_trivia(s_.base, s_.end);
    p = parse_header(p, ctx, contract.header);
    bool declared = false;  // a declaration was read: a `use` now comes too late
    while ((p = skip_trivia(p, s_.end)) != s_.end) {
      It start = p;
      s_.heights.clear();
      It resume = nullptr;
      try {
        if (word_at(p, s_.end) == "use" && starts_declaration(p, s_.end)) {
          ast::UseDecl u;
          if (use_decl.parse(p, s_.end, ctx, x3::unused, u)) {
            if (declared) {
              s_.diags.report(Diag::syntax_unexpected, u.span,
                              "`use` comes before the declarations",
                              "move it up, right after the header and settings");
            }
            contract.uses.push_back(std::move(u));
            continue;
          }
        }
        ast::Decl d;
        if (decl.parse(p, s_.end, ctx, x3::unused, d)) {
          contract.decls.push_back(std::move(d));
          declared = true;
          continue;
        }
        s_.unexpected(start, "a declaration starts with `const`, `table`, `codes`, `record`, "
                             "`enum`, `event`, `state`, `fn`, `entry` or `test`");
        resume = skip_to_declaration(start, s_.end);
      } catch (x3::expectation_failure<It> const& e) {
        s_.expected(Diag::syntax_expected, e.where(), e.which());
        resume = after_error(start, e.where());
      } catch (UnclosedBlock const& e) {
        s_.diags.report(Diag::syntax_expected, s_.span(e.where, token_end(e.where, s_.end)),
                        e.message);
        resume = e.where;
      } catch (TooDeep const& e) {
        s_.too_deep(e);
        resume = skip_to_declaration(e.where, s_.end);
      }
      p = resume > start ? resume : skip_to_declaration(start, s_.end);
    }
    if (s_.diags.error_count() > errors_before) return std::nullopt;
    return contract;
  }

 private:
  /// After an error in the declaration at `start`: a declaration keyword at the start of the
  /// error's own line is where the next declaration begins; otherwise the next such line.
  It after_error(It start, It where) const {
    It p = skip_trivia(where, s_.end);
    if (p > start && first_on_line(p, start) && starts_declaration(p, s_.end)) return p;
    return skip_to_declaration(std::max(where, start), s_.end);
  }

  /// header (or library header) and settings; E0106 when the header is missing or garbled.
  template <typename Ctx>
  It parse_header(It p, Ctx const& ctx, ast::Header& h) {
    It start = p;
    std::string_view first = word_at(p, s_.end);
    if (first != "contract" && first != "library") {
      s_.diags.report(Diag::missing_contract_header, s_.span(p, token_end(p, s_.end)),
                      "expected `contract Name version N` or `library name` at the start of "
                      "the file, found " + describe_token(p, s_.end));
      return starts_declaration(p, s_.end) ? p : skip_to_declaration(p, s_.end);
    }
    try {
      bool read = first == "library" ? library_header.parse(p, s_.end, ctx, x3::unused, h)
                                     : header.parse(p, s_.end, ctx, x3::unused, h);
      if (!read) return skip_to_declaration(start, s_.end);
    } catch (x3::expectation_failure<It> const& e) {
      s_.expected(Diag::missing_contract_header, e.where(), e.which());
      return after_error(start, e.where());
    }
    It after_header = p;
    try {
      settings.parse(p, s_.end, ctx, x3::unused, h);
    } catch (x3::expectation_failure<It> const& e) {
      s_.expected(Diag::syntax_expected, e.where(), e.which());
      return after_error(after_header, e.where());
    }
    return p;
  }

  struct Skipper : x3::parser<Skipper> {
    using attribute_type = x3::unused_type;
    template <typename C, typename R, typename A>
    bool parse(It& first, It const& last, C const&, R&, A&) const {
      It p = skip_trivia(first, last);
      if (p == first) return false;
      first = p;
      return true;
    }
  };

  State s_;
  Skipper skipper_;
};

}  // namespace
}  // namespace parser

std::optional<ast::Contract> parse(const SourceFile& source, Diagnostics& diags) {
  if (source.text().size() >= std::numeric_limits<uint32_t>::max()) {
    diags.report(Diag::too_large, {source.base(), source.base()}, "the source file is larger than 4 GiB");
    return std::nullopt;
  }
  // Unit lines (sources.hpp) give each file of a compilation kLinesPerFile line numbers.
  if (source.line_count() >= kLinesPerFile) {
    diags.report(Diag::too_large, {source.base(), source.base()},
                 "the source file has more than " + std::to_string(kLinesPerFile - 1) + " lines",
                 "split it into a contract and libraries it uses");
    return std::nullopt;
  }
  try {
    return parser::Driver(source, diags).run();
  } catch (const std::exception& e) {
    // Only allocation failure can get here; the grammar's own exceptions are all caught.
    diags.report(Diag::internal, {source.base(), source.base()}, std::string("the parser failed: ") + e.what());
    return std::nullopt;
  }
}

}  // namespace covenant::compiler
