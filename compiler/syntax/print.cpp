#include "compiler/syntax/print.hpp"

#include <cstdio>
#include <string_view>

namespace covenant::compiler {
namespace {

using namespace ast;


/// A string as a quoted literal: `"` and `\` escaped, other bytes outside printable ASCII as
/// \xNN, so that the dump is one line per node whatever the string holds.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string type_text(const TypeExpr& t) {
  if (t.number) return std::to_string(*t.number);
  std::string out = t.name.name;
  if (!t.args.empty()) {
    out += "<";
    for (size_t i = 0; i < t.args.size(); ++i) out += (i ? ", " : "") + type_text(t.args[i]);
    out += ">";
  }
  return out;
}

class Printer {
 public:
  explicit Printer(const SourceFile& source) : source_(source) {}

  std::string take() { return std::move(out_); }

  void contract(const Contract& c) {
    const Header& h = c.header;
    line(0, h.library ? "library " + h.name.name
                      : "contract " + h.name.name + " version " + std::to_string(h.version),
         h.span);
    if (h.currency) line(1, "currency " + h.currency->name, h.currency->span);
    if (h.rounding) line(1, "rounding " + h.rounding->name, h.rounding->span);
    for (const UseDecl& u : c.uses) {
      std::string text = "use std." + u.library.name;
      if (u.names) {
        text += ".{";
        for (size_t i = 0; i < u.names->size(); ++i) text += (i ? ", " : "") + (*u.names)[i].name;
        text += "}";
      }
      line(1, text, u.span);
    }
    for (const Decl& d : c.decls) std::visit([this](const auto& x) { decl(x); }, d);
  }

 private:
  void line(int depth, const std::string& text, Span span) {
    out_.append(static_cast<size_t>(depth) * 2, ' ');
    LineCol b = source_.line_col(span.begin), e = source_.line_col(span.end);
    out_ += text + " @" + std::to_string(b.line) + ":" + std::to_string(b.column) + "-" +
            std::to_string(e.line) + ":" + std::to_string(e.column) + "\n";
  }

  void type(int depth, std::string_view label, const TypeExpr& t) {
    line(depth, std::string(label) + " " + type_text(t), t.span);
  }

  void decl(const ConstDecl& d) {
    line(1, "const " + d.name.name, d.span);
    type(2, "type", d.type);
    expr(2, *d.value);
  }
  void decl(const TableDecl& d) {
    line(1, "table " + d.name.name, d.span);
    type(2, "key", d.key);
    type(2, "value", d.value);
    if (d.csv) line(2, "csv " + quote(*d.csv), d.csv_span);
    for (const TableEntry& e : d.entries) {
      line(2, "entry", join(e.key->span, e.value->span));
      expr(3, *e.key);
      expr(3, *e.value);
    }
  }
  void decl(const CodesDecl& d) {
    line(1, "codes " + d.name.name, d.span);
    for (const CodePattern& p : d.patterns) {
      std::string text = p.prefix ? "prefix " + quote(p.low) : quote(p.low);
      if (p.high) text += ".." + quote(*p.high);
      line(2, "code " + text, p.span);
    }
  }
  void decl(const RecordDecl& d) {
    line(1, "record " + d.name.name, d.span);
    for (const FieldDecl& f : d.fields) line(2, "field " + f.name.name + ": " + type_text(f.type), join(f.name.span, f.type.span));
  }
  void decl(const EnumDecl& d) {
    line(1, "enum " + d.name.name, d.span);
    for (const Ident& v : d.variants) line(2, "variant " + v.name, v.span);
  }
  void decl(const EventDecl& d) {
    line(1, "event " + d.name.name, d.span);
    for (const FieldDecl& f : d.fields) line(2, "field " + f.name.name + ": " + type_text(f.type), join(f.name.span, f.type.span));
  }
  void decl(const StateDecl& d) {
    line(1, "state " + d.name.name, d.span);
    type(2, "type", d.type);
  }
  void decl(const FunctionDecl& d) {
    line(1, (d.is_entry ? "entry " : "fn ") + d.name.name, d.span);
    for (const Param& p : d.params) line(2, "param " + p.name.name + ": " + type_text(p.type), join(p.name.span, p.type.span));
    if (d.result) type(2, "result", *d.result);
    block(2, d.body);
  }
  void decl(const TestDecl& d) {
    line(1, "test " + quote(d.name), d.span);
    block(2, d.body);
  }

  void block(int depth, const Block& b) {
    line(depth, "block", b.span);
    for (const StmtPtr& s : b.stmts) stmt(depth + 1, *s);
  }

  void pattern_arm(int depth, const MatchArm& arm) {
    const Pattern& p = arm.pattern;
    std::string text;
    switch (p.kind) {
      case Pattern::Kind::wildcard: text = "_"; break;
      case Pattern::Kind::none: text = "none"; break;
      case Pattern::Kind::some: text = "some(" + p.binding.name + ")"; break;
      case Pattern::Kind::variant:
        text = p.qualifier.name.empty() ? p.variant.name : p.qualifier.name + "." + p.variant.name;
        break;
    }
    line(depth, "arm " + text, arm.span);
    if (arm.value) expr(depth + 1, *arm.value);
    else block(depth + 1, arm.body);
  }

  void reason(int depth, const Stmt& s) {
    if (s.deny_code) expr(depth, *s.deny_code);
    line(depth, "reason " + quote(s.reason), s.reason_span);
  }

  void stmt(int depth, const Stmt& s) {
    switch (s.kind) {
      case StmtKind::let:
      case StmtKind::var:
        line(depth, (s.kind == StmtKind::let ? "let " : "var ") + s.name.name, s.span);
        if (s.type) type(depth + 1, "type", *s.type);
        expr(depth + 1, *s.value);
        return;
      case StmtKind::assign:
        line(depth, std::string("assign ") + (s.compound ? std::string(op_text(*s.compound)) + "=" : "="), s.span);
        expr(depth + 1, *s.target);
        expr(depth + 1, *s.value);
        return;
      case StmtKind::if_:
        line(depth, "if", s.span);
        expr(depth + 1, *s.cond);
        block(depth + 1, s.then_block);
        if (s.else_block) block(depth + 1, *s.else_block);
        return;
      case StmtKind::for_:
        line(depth, "for " + s.name.name, s.span);
        expr(depth + 1, *s.value);
        if (s.range_end) expr(depth + 1, *s.range_end);
        if (s.loop_max) {
          line(depth + 1, "max", s.loop_max->span);
          expr(depth + 2, *s.loop_max);
        }
        block(depth + 1, s.then_block);
        return;
      case StmtKind::while_:
        line(depth, "while", s.span);
        expr(depth + 1, *s.cond);
        block(depth + 1, s.then_block);
        return;
      case StmtKind::match:
        line(depth, "match", s.span);
        expr(depth + 1, *s.value);
        for (const MatchArm& arm : s.arms) pattern_arm(depth + 1, arm);
        return;
      case StmtKind::require:
        line(depth, "require", s.span);
        expr(depth + 1, *s.cond);
        reason(depth + 1, s);
        return;
      case StmtKind::deny:
        line(depth, "deny", s.span);
        reason(depth + 1, s);
        return;
      case StmtKind::return_:
        line(depth, "return", s.span);
        if (s.value) expr(depth + 1, *s.value);
        return;
      case StmtKind::break_: line(depth, "break", s.span); return;
      case StmtKind::continue_: line(depth, "continue", s.span); return;
      case StmtKind::expect:
        line(depth, s.expect_denied ? "expect denied" : "expect", s.span);
        expr(depth + 1, *s.value);
        return;
      case StmtKind::emit:
        line(depth, "emit", s.span);
        expr(depth + 1, *s.value);
        return;
      case StmtKind::expr:
        line(depth, "expr", s.span);
        expr(depth + 1, *s.value);
        return;
    }
  }

  void args(int depth, const Expr& e, size_t from = 0) {
    for (size_t i = from; i < e.args.size(); ++i) expr(depth, *e.args[i]);
  }

  void expr(int depth, const Expr& e) {
    switch (e.kind) {
      case ExprKind::int_lit: line(depth, "int " + std::to_string(e.int_value), e.span); return;
      case ExprKind::money_lit: line(depth, "money " + e.text + " " + e.currency, e.span); return;
      case ExprKind::rate_lit: line(depth, "rate " + e.text + e.unit, e.span); return;
      case ExprKind::duration_lit:
        line(depth, "duration " + std::to_string(e.int_value) + " " + e.unit, e.span);
        return;
      case ExprKind::date_lit: {
        char buf[40];
        std::snprintf(buf, sizeof buf, "date %04lld-%02lld-%02lld", static_cast<long long>(e.int_value),
                      static_cast<long long>(e.int_value2), static_cast<long long>(e.int_value3));
        line(depth, buf, e.span);
        return;
      }
      case ExprKind::string_lit: line(depth, "string " + quote(e.text), e.span); return;
      case ExprKind::hash_lit: line(depth, "hash 0x" + e.text, e.span); return;
      case ExprKind::bool_lit: line(depth, e.int_value ? "bool true" : "bool false", e.span); return;
      case ExprKind::none_lit: line(depth, "none", e.span); return;
      case ExprKind::some: line(depth, "some", e.span); args(depth + 1, e); return;
      case ExprKind::name: line(depth, "name " + e.text, e.span); return;
      case ExprKind::unary:
        line(depth, "unary " + std::string(op_text(e.op)), e.span);
        args(depth + 1, e);
        return;
      case ExprKind::binary:
        line(depth, "binary " + std::string(op_text(e.op)), e.span);
        args(depth + 1, e);
        return;
      case ExprKind::within: line(depth, "within", e.span); args(depth + 1, e); return;
      case ExprKind::call: line(depth, "call " + e.text, e.span); args(depth + 1, e); return;
      case ExprKind::method: line(depth, "method " + e.text, e.span); args(depth + 1, e); return;
      case ExprKind::field: line(depth, "field " + e.text, e.span); args(depth + 1, e); return;
      case ExprKind::index: line(depth, "index", e.span); args(depth + 1, e); return;
      case ExprKind::record_lit:
        line(depth, "record " + e.text, e.span);
        for (const FieldInit& f : e.inits) {
          line(depth + 1, "init " + f.name.name, join(f.name.span, f.value->span));
          expr(depth + 2, *f.value);
        }
        return;
      case ExprKind::list_lit: line(depth, "list", e.span); args(depth + 1, e); return;
      case ExprKind::if_expr: line(depth, "if-expr", e.span); args(depth + 1, e); return;
      case ExprKind::match_expr:
        line(depth, "match-expr", e.span);
        args(depth + 1, e);
        for (const MatchArm& arm : e.arms) pattern_arm(depth + 1, arm);
        return;
    }
  }

  const SourceFile& source_;
  std::string out_;
};

}  // namespace

std::string print_ast(const SourceFile& source, const ast::Contract& contract) {
  Printer p(source);
  p.contract(contract);
  return p.take();
}

}  // namespace covenant::compiler
