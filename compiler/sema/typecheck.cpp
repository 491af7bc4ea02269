// Pass 2, types and units: constants, tables, and the body of every function, entry and test.
// Every expression gets its type; names, calls, methods and fields get what they refer to.
// The rules are in docs/LANGUAGE.md ("Types" and "Operators"); each refusal says why and,
// where one helps, how to write it instead.

#include <algorithm>
#include <cstring>

#include "compiler/sema/literal_bytes.hpp"
#include "compiler/sema/sema.hpp"
#include "compiler/sema/table_csv.hpp"
#include "runtime/host_abi.hpp"

namespace covenant::compiler::sema {
namespace {

using ast::Expr;
using ast::ExprKind;
using ast::Op;
using ast::op_text;
using ast::Stmt;
using ast::StmtKind;

bool is_comparison(Op op) {
  return op == Op::eq || op == Op::ne || op == Op::lt || op == Op::le || op == Op::gt || op == Op::ge;
}

bool valid_code_literal(const std::string& s) {
  if (s.empty() || s.size() > 16) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 127; });
}

// Types whose values `==` compares: their bytes are canonical.
bool equatable(const Type* t) {
  if (t->is_word()) return true;
  switch (t->kind) {
    case TypeKind::duration:
    case TypeKind::code:
    case TypeKind::hash:
    case TypeKind::pseudonym:
    case TypeKind::key:
      return true;
    case TypeKind::option:
      return equatable(t->elem);
    default:
      return false;
  }
}

bool ordered(const Type* t) {
  return t->kind == TypeKind::int_ || t->kind == TypeKind::money || t->kind == TypeKind::rate ||
         t->kind == TypeKind::date;
}

}  // namespace

/// Checks one body (a function, an entry or a test) with its own locals and scopes.
class BodyChecker {
 public:
  BodyChecker(Sema& s, std::vector<LocalInfo>& locals, const Type* result, bool in_test)
      : s_(s), out_(s.out), T_(*s.out.types), locals_(locals), result_(result), in_test_(in_test) {
    scopes_.emplace_back();
    for (uint32_t i = 0; i < locals_.size(); ++i) scopes_.back()[locals_[i].name] = i;
  }

  /// Checks a body; returns true when every path through it ends in return or deny.
  bool body(ast::Block& b) { return block(b); }

  /// Checks an expression, with the type the context wants (or nullptr). Returns its type or
  /// nullptr after reporting.
  const Type* expr(Expr& e, const Type* expected = nullptr) {
    const Type* t = expr_inner(e, expected);
    e.type = t;
    return t;
  }

  /// Checks `e` and that its type is `want`; reports a mismatch.
  const Type* expect_type(Expr& e, const Type* want, const std::string& what) {
    const Type* t = expr(e, want);
    if (!t || !want) return nullptr;
    if (t != want) {
      if (t->kind == TypeKind::money && want->kind == TypeKind::money) {
        s_.error(Diag::currency_mismatch, e.span,
                 what + " must be " + want->name() + ", found " + t->name(),
                 "amounts in different currencies never mix; convert explicitly");
      } else {
        s_.error(Diag::type_mismatch, e.span, what + " must be " + want->name() + ", found " + t->name(),
                 hint_for(t, want));
      }
      return nullptr;
    }
    return t;
  }

  /// Checks the condition of an `if` or a `require` (`what` names it): a Bool, else E0304.
  const Type* condition(Expr& e, const std::string& what) {
    const Type* t = expr(e, T_.bool_());
    if (!t) return nullptr;
    if (t != T_.bool_()) {
      s_.error(Diag::condition_not_bool, e.span, what + " must be Bool, found " + t->name(),
               t->kind == TypeKind::option ? "test an Option with `.is_some` or `.is_none`"
                                           : "compare the value, e.g. `n > 0`");
      return nullptr;
    }
    return t;
  }

 private:
  static std::string hint_for(const Type* found, const Type* want) {
    if (want->kind == TypeKind::money && found->kind == TypeKind::int_)
      return "write the amount with its currency, e.g. `25.00 " + want->currency + "`";
    if (want->kind == TypeKind::rate && found->kind == TypeKind::int_)
      return "write a rate as a percent or in basis points, e.g. `20%` or `150bp`";
    if (want->kind == TypeKind::option && found == want->elem)
      return "wrap it: `some(...)`";
    if (found->kind == TypeKind::option && found->elem == want)
      return "give a default: `value or default`, or `match` on it";
    return {};
  }

  // ---- scopes ------------------------------------------------------------------------

  uint32_t declare_local(const ast::Ident& name, const Type* type, bool is_mutable) {
    auto& scope = scopes_.back();
    if (scope.count(name.name)) {
      s_.error(Diag::duplicate_name, name.span, "`" + name.name + "` is already declared in this block",
               "use another name, or assign to it if it is a `var`");
    }
    uint32_t id = static_cast<uint32_t>(locals_.size());
    locals_.push_back({name.name, type, is_mutable, name.span});
    scope[name.name] = id;
    return id;
  }

  std::optional<uint32_t> find_local(const std::string& name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto f = it->find(name);
      if (f != it->end()) return f->second;
    }
    return std::nullopt;
  }

  struct ScopeGuard {
    BodyChecker& c;
    explicit ScopeGuard(BodyChecker& checker) : c(checker) { c.scopes_.emplace_back(); }
    ~ScopeGuard() { c.scopes_.pop_back(); }
  };

  // ---- expressions -------------------------------------------------------------------

  const Type* unknown_name(const Expr& e) {
    std::string hint = s_.import_hint(e.text);
    if (hint.empty() && s_.lookup_type(e.text)) hint = "`" + e.text + "` is a type; name a value of it";
    s_.error(Diag::unknown_name, e.span, "unknown name `" + e.text + "`", hint);
    return nullptr;
  }

  const Type* expr_inner(Expr& e, const Type* expected) {
    switch (e.kind) {
      case ExprKind::int_lit:
        return T_.int_();
      case ExprKind::money_lit: {
        auto digits = currency_minor_digits(e.currency);
        if (!digits) {
          s_.error(Diag::unknown_currency, e.span, "`" + e.currency + "` is not a supported currency",
                   "supported: CAD, CHF, CNY, EUR, GBP, JPY, USD");
          return nullptr;
        }
        std::string why;
        auto v = money_minor_units(e.text, *digits, why);
        if (!v) {
          s_.error(Diag::inexact_literal, e.span, "`" + std::string(s_.sources_.slice(e.span)) + "` " + why);
          return nullptr;
        }
        e.int_value = *v;
        return T_.money(e.currency);
      }
      case ExprKind::rate_lit: {
        std::string why;
        auto v = rate_billionths(e.text, e.unit, why);
        if (!v) {
          s_.error(Diag::inexact_literal, e.span, "`" + std::string(s_.sources_.slice(e.span)) + "` " + why);
          return nullptr;
        }
        e.int_value2 = *v;
        return T_.rate();
      }
      case ExprKind::duration_lit: {
        if (e.unit == "year") {
          if (e.int_value > INT64_MAX / 12) {
            s_.error(Diag::number_out_of_range, e.span, "this many years do not fit in 64 bits of months");
            return nullptr;
          }
        }
        return T_.duration();
      }
      case ExprKind::date_lit:
        if (!valid_date(e.int_value, e.int_value2, e.int_value3)) {
          s_.error(Diag::invalid_date, e.span,
                   "`" + std::string(s_.sources_.slice(e.span)) + "` is not a day of the calendar",
                   "dates are YYYY-MM-DD between 0001-01-01 and 9999-12-31");
          return nullptr;
        }
        return T_.date();
      case ExprKind::string_lit:
        if (!valid_code_literal(e.text)) {
          s_.error(Diag::invalid_code, e.span,
                   "a code is 1 to 16 printable characters without spaces; this one has " +
                       std::to_string(e.text.size()),
                   "strings in Covenant are medical codes; reasons go in `deny(...)`");
          return nullptr;
        }
        return T_.code();
      case ExprKind::hash_lit:
        // A 0x literal is a Hash, or the Pseudonym or Key the context wants.
        if (expected && expected->kind == TypeKind::pseudonym) return T_.pseudonym();
        if (expected && expected->kind == TypeKind::key) return T_.key();
        return T_.hash();
      case ExprKind::bool_lit:
        return T_.bool_();
      case ExprKind::none_lit:
        if (expected && expected->kind == TypeKind::option) return expected;
        s_.error(Diag::type_mismatch, e.span, "cannot tell which Option `none` is here",
                 "give the variable a type: `let x: Option<Int> = none`");
        return nullptr;
      case ExprKind::some: {
        const Type* want = expected && expected->kind == TypeKind::option ? expected->elem : nullptr;
        const Type* t = want ? expect_type(*e.args[0], want, "the value in `some`") : expr(*e.args[0]);
        if (!t) return nullptr;
        if (!t->is_value()) {
          s_.error(Diag::type_mismatch, e.args[0]->span, "`some` needs a value");
          return nullptr;
        }
        return T_.option(t);
      }
      case ExprKind::name:
        return name(e);
      case ExprKind::unary:
        return unary(e);
      case ExprKind::binary:
        return binary(e, expected);
      case ExprKind::within: {
        const Type* a = expr(*e.args[0]);
        const Type* lo = expr(*e.args[1], a);
        const Type* hi = expr(*e.args[2], a);
        if (!a || !lo || !hi) return nullptr;
        if (!ordered(a) || lo != a || hi != a) {
          s_.error(Diag::invalid_operands, e.span,
                   "`within` needs three values of one ordered type, found " + a->name() + ", " +
                       lo->name() + " and " + hi->name());
          return nullptr;
        }
        return T_.bool_();
      }
      case ExprKind::call:
        return call(e, expected);
      case ExprKind::method:
        return method(e);
      case ExprKind::field:
        return field(e);
      case ExprKind::index:
        return index(e);
      case ExprKind::record_lit:
        return record_literal(e);
      case ExprKind::list_lit:
        return list_literal(e, expected);
      case ExprKind::if_expr: {
        condition(*e.args[0], "the condition");
        const Type* a = expr(*e.args[1], expected);
        const Type* b = expr(*e.args[2], expected ? expected : a);
        if (!a || !b) return nullptr;
        if (a != b) {
          s_.error(Diag::type_mismatch, e.args[2]->span,
                   "both branches must have one type: " + a->name() + " and " + b->name());
          return nullptr;
        }
        return a;
      }
      case ExprKind::match_expr:
        return match_expr(e, expected);
    }
    return nullptr;
  }

  const Type* name(Expr& e) {
    if (auto local = find_local(e.text)) {
      e.ref = ast::Ref::local;
      e.ref_index = *local;
      return locals_[*local].type;
    }
    const Global* g = s_.lookup(e.text);
    if (g == nullptr) return unknown_name(e);
    e.ref = g->ref;
    e.ref_index = g->index;
    switch (g->ref) {
      case ast::Ref::constant:
        if (const_limit_ && g->index >= *const_limit_) {
          s_.error(Diag::not_constant, e.span,
                   "constant `" + e.text + "` is declared later; a constant may use only earlier ones");
          return nullptr;
        }
        return out_.constants[g->index].type;
      case ast::Ref::table: {
        const TableInfo& t = out_.tables[g->index];
        return t.key && t.value ? T_.table(t.key, t.value) : nullptr;
      }
      case ast::Ref::state: {
        const StateInfo& st = out_.states[g->index];
        if (!st.key) return nullptr;
        return st.value ? T_.map(st.key, st.value) : T_.set(st.key);
      }
      case ast::Ref::codeset:
        return T_.codeset();
      case ast::Ref::function:
        s_.error(Diag::type_mismatch, e.span, "`" + e.text + "` is a function; call it: `" + e.text + "(...)`");
        return nullptr;
      default:
        return unknown_name(e);
    }
  }

  const Type* unary(Expr& e) {
    const Type* t = expr(*e.args[0]);
    if (!t) return nullptr;
    if (e.op == Op::not_) {
      if (t != T_.bool_()) {
        s_.error(Diag::invalid_operands, e.span, "`not` needs a Bool, found " + t->name());
        return nullptr;
      }
      return t;
    }
    if (t->kind == TypeKind::int_ || t->kind == TypeKind::money || t->kind == TypeKind::rate) return t;
    s_.error(Diag::invalid_operands, e.span, "cannot negate " + t->name());
    return nullptr;
  }

  const Type* operand_error(Expr& e, const Type* a, const Type* b) {
    if (a->kind == TypeKind::money && b->kind == TypeKind::money && a != b) {
      s_.error(Diag::currency_mismatch, e.span,
               std::string("cannot ") + (e.op == Op::add ? "add " : e.op == Op::sub ? "subtract " : "compare ") +
                   a->name() + " and " + b->name(),
               "amounts in different currencies never mix; convert one explicitly");
      return nullptr;
    }
    std::string hint;
    if ((a->kind == TypeKind::money && b->kind == TypeKind::int_) ||
        (a->kind == TypeKind::int_ && b->kind == TypeKind::money)) {
      if (e.op == Op::add || e.op == Op::sub || is_comparison(e.op))
        hint = "write the amount with its currency, e.g. `0.00 " +
               (a->kind == TypeKind::money ? a->currency : b->currency) + "`";
    } else if (a->kind == TypeKind::money && b->kind == TypeKind::money && e.op == Op::mul) {
      hint = "multiply an amount by an Int or a Rate";
    } else if (a->kind == TypeKind::duration && is_comparison(e.op)) {
      hint = "months and days do not compare; compare the dates they lead to";
    }
    s_.error(Diag::invalid_operands, e.span,
             "cannot apply `" + std::string(op_text(e.op)) + "` to " + a->name() + " and " + b->name(), hint);
    return nullptr;
  }

  bool need_rounding(Expr& e) {
    if (out_.rounding) return true;
    s_.error(Diag::no_rounding_mode, e.span,
             "this operation rounds to the cent, and the contract declares no rounding mode",
             s_.current_file_ == 0
                 ? "declare one after the contract header: `rounding half_up` (or half_even, down, up)"
                 : "a library rounds as the contract that uses it does: declare `rounding half_up` "
                   "(or half_even, down, up) after the contract header");
    return false;
  }

  const Type* binary(Expr& e, const Type* expected) {
    Op op = e.op;
    if (op == Op::and_ || op == Op::or_) {
      const Type* a = expr(*e.args[0]);
      if (!a) {
        expr(*e.args[1]);
        return nullptr;
      }
      if (op == Op::or_ && a->kind == TypeKind::option) {
        e.flag = true;  // value or default
        return expect_type(*e.args[1], a->elem, "the default after `or`") ? a->elem : nullptr;
      }
      const Type* b = expr(*e.args[1]);
      if (!b) return nullptr;
      if (a != T_.bool_() || b != T_.bool_()) {
        s_.error(Diag::invalid_operands, e.span,
                 "`" + std::string(op_text(op)) + "` needs two Bools, found " + a->name() + " and " + b->name(),
                 op == Op::or_ ? "`x or default` unwraps an Option; the left side here is not one"
                               : std::string());
        return nullptr;
      }
      return a;
    }
    if (op == Op::in) return membership(e);
    const Type* a = expr(*e.args[0]);
    // A `none` or `[]` on the right takes its type from the left.
    const Type* b = expr(*e.args[1], a);
    if (!a || !b) return nullptr;
    (void)expected;
    TypeKind ka = a->kind, kb = b->kind;
    auto is = [](const Type* t, TypeKind k) { return t->kind == k; };
    if (is_comparison(op)) {
      if (a != b) return operand_error(e, a, b);
      if (op == Op::eq || op == Op::ne) {
        if (!equatable(a)) {
          s_.error(Diag::invalid_operands, e.span, "values of " + a->name() + " are not compared with `" +
                                                       std::string(op_text(op)) + "`",
                   "compare their fields");
          return nullptr;
        }
      } else if (!ordered(a)) {
        return operand_error(e, a, b);
      }
      return T_.bool_();
    }
    switch (op) {
      case Op::add:
      case Op::sub:
        if (a == b && (ka == TypeKind::int_ || ka == TypeKind::money || ka == TypeKind::rate ||
                       ka == TypeKind::duration))
          return a;
        if (ka == TypeKind::date && kb == TypeKind::duration) return a;
        if (op == Op::add && ka == TypeKind::duration && kb == TypeKind::date) return b;
        if (op == Op::sub && ka == TypeKind::date && kb == TypeKind::date) return T_.int_();
        return operand_error(e, a, b);
      case Op::mul:
        if (ka == TypeKind::int_ && kb == TypeKind::int_) return a;
        if ((ka == TypeKind::money && kb == TypeKind::int_) || (ka == TypeKind::rate && kb == TypeKind::int_) ||
            (ka == TypeKind::duration && kb == TypeKind::int_))
          return a;
        if (ka == TypeKind::int_ && (kb == TypeKind::money || kb == TypeKind::rate || kb == TypeKind::duration))
          return b;
        if ((ka == TypeKind::money && kb == TypeKind::rate) || (ka == TypeKind::rate && kb == TypeKind::money)) {
          e.flag = true;
          return need_rounding(e) ? (ka == TypeKind::money ? a : b) : nullptr;
        }
        return operand_error(e, a, b);
      case Op::div:
        if (ka == TypeKind::int_ && kb == TypeKind::int_) return a;
        if (ka == TypeKind::money && kb == TypeKind::int_) {
          e.flag = true;
          return need_rounding(e) ? a : nullptr;
        }
        return operand_error(e, a, b);
      case Op::rem:
        if (ka == TypeKind::int_ && kb == TypeKind::int_) return a;
        return operand_error(e, a, b);
      default:
        break;
    }
    (void)is;
    return operand_error(e, a, b);
  }

  const Type* membership(Expr& e) {
    const Type* a = expr(*e.args[0]);
    const Type* b = expr(*e.args[1]);
    if (!a || !b) return nullptr;
    switch (b->kind) {
      case TypeKind::codeset:
        if (a != T_.code()) break;
        return T_.bool_();
      case TypeKind::set:
      case TypeKind::map:
        if (a != b->key && a != b->elem) break;
        if (b->kind == TypeKind::map && a != b->key) break;
        if (b->kind == TypeKind::set && a != b->elem) break;
        e.ref = ast::Ref::builtin;
        e.ref_index = static_cast<uint32_t>(Builtin::map_contains);
        return T_.bool_();
      case TypeKind::list:
        if (a != b->elem || !equatable(a)) break;
        record_loop(e.span, b->bound);
        return T_.bool_();
      default:
        break;
    }
    s_.error(Diag::invalid_operands, e.span,
             "cannot ask whether " + a->name() + " is `in` " + b->name(),
             "`in` takes a Code and a `codes` set, a key and a state Set or Map, or a value and a List of it");
    return nullptr;
  }

  std::optional<Builtin> builtin_named(const std::string& n) {
    static const std::pair<const char*, Builtin> kBuiltins[] = {
        {"min", Builtin::min},       {"max", Builtin::max},     {"abs", Builtin::abs},
        {"days", Builtin::days},     {"months", Builtin::months}, {"years", Builtin::years},
        {"date", Builtin::date},     {"now", Builtin::now},     {"pseudonym", Builtin::pseudonym},
        {"hash", Builtin::hash},     {"key", Builtin::key},     {"caller", Builtin::caller},
        {"sha256", Builtin::sha256}};
    for (auto& [name, b] : kBuiltins)
      if (n == name) return b;
    return std::nullopt;
  }

  bool arity(Expr& e, size_t want) {
    if (e.args.size() == want) return true;
    s_.error(Diag::wrong_argument_count, e.span,
             "`" + e.text + "` takes " + std::to_string(want) + " argument" + (want == 1 ? "" : "s") +
                 ", not " + std::to_string(e.args.size()));
    return false;
  }

  const Type* call(Expr& e, const Type* expected) {
    const Global* g = s_.lookup(e.text);
    if (g != nullptr && g->ref == ast::Ref::function && !find_local(e.text)) {
      const FunctionInfo& f = out_.functions[g->index];
      e.ref = ast::Ref::function;
      e.ref_index = g->index;
      if (f.is_entry && !in_test_) {
        s_.error(Diag::entry_called, e.name_span,
                 "entry `" + f.name + "` is called by transactions and tests, not by contract code",
                 "move the shared logic into a `fn` and call that from both entries");
      }
      if (!arity(e, f.params.size())) {
        for (auto& a : e.args) expr(*a);
        return nullptr;
      }
      bool ok = true;
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (!f.params[i]) {
          ok = false;
          continue;
        }
        ok &= expect_type(*e.args[i], f.params[i],
                          "argument `" + f.locals[i].name + "` of `" + f.name + "`") != nullptr;
      }
      return ok ? f.result : nullptr;
    }
    auto b = builtin_named(e.text);
    if (!b) {
      for (auto& a : e.args) expr(*a);
      std::string hint = s_.import_hint(e.text);
      if (hint.empty() && s_.lookup_type(e.text))
        hint = "build a record with braces: `" + e.text + " { field: value }`";
      s_.error(Diag::unknown_function, e.name_span, "unknown function `" + e.text + "`", hint);
      return nullptr;
    }
    e.ref = ast::Ref::builtin;
    e.ref_index = static_cast<uint32_t>(*b);
    switch (*b) {
      case Builtin::min:
      case Builtin::max: {
        if (!arity(e, 2)) return nullptr;
        const Type* a = expr(*e.args[0], expected);
        const Type* c = expr(*e.args[1], a);
        if (!a || !c) return nullptr;
        if (a != c || !ordered(a)) return operand_error(e, a, c);
        return a;
      }
      case Builtin::abs: {
        if (!arity(e, 1)) return nullptr;
        const Type* a = expr(*e.args[0]);
        if (!a) return nullptr;
        if (a->kind != TypeKind::int_ && a->kind != TypeKind::money && a->kind != TypeKind::rate) {
          s_.error(Diag::invalid_operands, e.span, "`abs` takes an Int, Money or Rate, not " + a->name());
          return nullptr;
        }
        return a;
      }
      case Builtin::days:
      case Builtin::months:
      case Builtin::years:
        if (!arity(e, 1)) return nullptr;
        return expect_type(*e.args[0], T_.int_(), "the count") ? T_.duration() : nullptr;
      case Builtin::date: {
        if (!arity(e, 3)) return nullptr;
        bool ok = true;
        for (auto& a : e.args) ok &= expect_type(*a, T_.int_(), "a date part") != nullptr;
        return ok ? T_.date() : nullptr;
      }
      case Builtin::now:
        if (!arity(e, 0)) return nullptr;
        return T_.date();
      case Builtin::pseudonym:
      case Builtin::hash: {
        if (!arity(e, 1)) return nullptr;
        Expr& a = *e.args[0];
        if (a.kind != ExprKind::string_lit && a.kind != ExprKind::hash_lit) {
          expr(a);
          s_.error(Diag::not_constant, a.span,
                   "`" + e.text + "` takes a text in quotes or a 0x literal of 64 hex digits",
                   "real pseudonyms come in with the transaction; this form is for tests and constants");
          return nullptr;
        }
        a.type = a.kind == ExprKind::hash_lit ? T_.hash() : nullptr;
        return *b == Builtin::pseudonym ? T_.pseudonym() : T_.hash();
      }
      case Builtin::key: {
        if (!arity(e, 1)) return nullptr;
        Expr& a = *e.args[0];
        if (a.kind != ExprKind::hash_lit) {
          expr(a);
          s_.error(Diag::not_constant, a.span, "`key` takes a 0x literal of 64 hex digits",
                   "a key that signed the transaction is `caller()`; others come in with the call");
          return nullptr;
        }
        a.type = T_.hash();
        return T_.key();
      }
      case Builtin::caller:
        if (!arity(e, 0)) return nullptr;
        return T_.key();
      case Builtin::sha256: {
        if (!arity(e, 1)) return nullptr;
        const Type* a = expr(*e.args[0]);
        if (!a) return nullptr;
        if (!a->is_value()) {
          s_.error(Diag::type_mismatch, e.args[0]->span, "`sha256` takes a value, not " + a->name());
          return nullptr;
        }
        if (a->size > runtime::kMaxHashInput) {
          s_.error(Diag::too_large, e.args[0]->span,
                   "`sha256` hashes at most " + std::to_string(runtime::kMaxHashInput) +
                       " bytes; " + a->name() + " is " + std::to_string(a->size),
                   "hash the parts that identify it, or a record of hashes of its parts");
          return nullptr;
        }
        return T_.hash();
      }
      default:
        return nullptr;
    }
  }

  // Is `e` a place the body may change (rooted at a `var`)?
  bool mutable_place(const Expr& e, std::string& root) {
    if (e.kind == ExprKind::name) {
      root = e.text;
      return e.ref == ast::Ref::local && locals_[e.ref_index].is_mutable;
    }
    if ((e.kind == ExprKind::field && e.ref == ast::Ref::field) || e.kind == ExprKind::index) {
      if (e.kind == ExprKind::index && e.args[0]->type && e.args[0]->type->kind != TypeKind::list) return false;
      return mutable_place(*e.args[0], root);
    }
    root = std::string(s_.sources_.slice(e.span));
    return false;
  }

  const Type* method(Expr& e) {
    Expr& recv = *e.args[0];
    const Type* r = expr(recv);
    if (!r) {
      for (size_t i = 1; i < e.args.size(); ++i) expr(*e.args[i]);
      return nullptr;
    }
    auto args_are = [&](std::initializer_list<const Type*> want, const std::string& what) {
      if (e.args.size() - 1 != want.size()) {
        s_.error(Diag::wrong_argument_count, e.span,
                 "`" + e.text + "` takes " + std::to_string(want.size()) + " argument" +
                     (want.size() == 1 ? "" : "s") + ", not " + std::to_string(e.args.size() - 1));
        return false;
      }
      bool ok = true;
      size_t i = 1;
      for (const Type* w : want) ok &= expect_type(*e.args[i++], w, what) != nullptr;
      return ok;
    };
    auto set = [&](Builtin b, const Type* t) {
      e.ref = ast::Ref::builtin;
      e.ref_index = static_cast<uint32_t>(b);
      return t;
    };
    if ((r->kind == TypeKind::map || r->kind == TypeKind::set) && (e.text == "first" || e.text == "next")) {
      const Type* key = r->kind == TypeKind::map ? r->key : r->elem;
      if (e.text == "first") return args_are({}, "") ? set(Builtin::state_first, T_.option(key)) : nullptr;
      return args_are({key}, "the key") ? set(Builtin::state_next, T_.option(key)) : nullptr;
    }
    if (r->kind == TypeKind::map) {
      if (e.text == "get") return args_are({r->key}, "the key") ? set(Builtin::map_get, T_.option(r->elem)) : nullptr;
      if (e.text == "put") return args_are({r->key, r->elem}, "the key and value") ? set(Builtin::map_put, T_.unit()) : nullptr;
      if (e.text == "remove") return args_are({r->key}, "the key") ? set(Builtin::map_remove, T_.unit()) : nullptr;
      if (e.text == "contains") return args_are({r->key}, "the key") ? set(Builtin::map_contains, T_.bool_()) : nullptr;
    } else if (r->kind == TypeKind::set) {
      if (e.text == "add") return args_are({r->elem}, "the element") ? set(Builtin::set_add, T_.unit()) : nullptr;
      if (e.text == "remove") return args_are({r->elem}, "the element") ? set(Builtin::map_remove, T_.unit()) : nullptr;
      if (e.text == "contains") return args_are({r->elem}, "the element") ? set(Builtin::map_contains, T_.bool_()) : nullptr;
    } else if (r->kind == TypeKind::list && e.text == "push") {
      std::string root;
      if (!mutable_place(recv, root)) {
        s_.error(Diag::not_assignable, recv.span, "`" + root + "` cannot change: it is not a `var`",
                 "declare it with `var` to build it up");
        return nullptr;
      }
      return args_are({r->elem}, "the element") ? set(Builtin::list_push, T_.unit()) : nullptr;
    }
    std::string known;
    switch (r->kind) {
      case TypeKind::map: known = "get, put, remove, contains, first, next"; break;
      case TypeKind::set: known = "add, remove, contains, first, next"; break;
      case TypeKind::list: known = "push (and the field len)"; break;
      default: break;
    }
    s_.error(Diag::unknown_method, e.name_span, r->name() + " has no method `" + e.text + "`",
             known.empty() ? std::string() : "its methods: " + known);
    return nullptr;
  }

  const Type* field(Expr& e) {
    Expr& recv = *e.args[0];
    // `Enum.variant`
    if (recv.kind == ExprKind::name && !find_local(recv.text)) {
      const Type* named = s_.lookup_type(recv.text);
      if (named != nullptr) {
        if (named->kind != TypeKind::enum_) {
          s_.error(Diag::type_mismatch, recv.span, "`" + recv.text + "` is a record type, not a value");
          return nullptr;
        }
        int tag = named->enumeration->find(e.text);
        if (tag < 0) {
          std::string all;
          for (auto& v : named->enumeration->variants) all += (all.empty() ? "" : ", ") + v;
          s_.error(Diag::unknown_variant, e.name_span, "`" + recv.text + "` has no variant `" + e.text + "`",
                   "its variants: " + all);
          return nullptr;
        }
        recv.type = named;
        e.ref = ast::Ref::variant;
        e.ref_index = static_cast<uint32_t>(tag);
        return named;
      }
    }
    const Type* r = expr(recv);
    if (!r) return nullptr;
    auto builtin = [&](Builtin b, const Type* t) {
      e.ref = ast::Ref::builtin;
      e.ref_index = static_cast<uint32_t>(b);
      return t;
    };
    if (r->kind == TypeKind::record) {
      const auto& fields = r->record->fields;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].name == e.text) {
          e.ref = ast::Ref::field;
          e.ref_index = static_cast<uint32_t>(i);
          return fields[i].type;
        }
      }
      std::string all;
      for (auto& f : fields) all += (all.empty() ? "" : ", ") + f.name;
      s_.error(Diag::unknown_field, e.name_span, "record `" + r->name() + "` has no field `" + e.text + "`",
               "its fields: " + all);
      return nullptr;
    }
    if (r->kind == TypeKind::date) {
      if (e.text == "year") return builtin(Builtin::year, T_.int_());
      if (e.text == "month") return builtin(Builtin::month, T_.int_());
      if (e.text == "day") return builtin(Builtin::day, T_.int_());
    }
    if (r->kind == TypeKind::list && e.text == "len") return builtin(Builtin::len, T_.int_());
    if (r->kind == TypeKind::option) {
      if (e.text == "is_some") return builtin(Builtin::is_some, T_.bool_());
      if (e.text == "is_none") return builtin(Builtin::is_none, T_.bool_());
    }
    s_.error(Diag::unknown_field, e.name_span, r->name() + " has no field `" + e.text + "`");
    return nullptr;
  }

  const Type* index(Expr& e) {
    const Type* base = expr(*e.args[0]);
    if (!base) {
      expr(*e.args[1]);
      return nullptr;
    }
    if (base->kind == TypeKind::list) {
      return expect_type(*e.args[1], T_.int_(), "a list index") ? base->elem : nullptr;
    }
    if (base->kind == TypeKind::table) {
      e.ref = ast::Ref::builtin;
      e.ref_index = static_cast<uint32_t>(Builtin::table_get);
      const TableInfo& t = out_.tables[e.args[0]->ref_index];
      uint64_t n = t.entries.size(), steps = 1;
      while ((uint64_t{1} << steps) <= n) ++steps;
      record_loop(e.span, steps + 1);
      return expect_type(*e.args[1], base->key, "the table key") ? T_.option(base->elem) : nullptr;
    }
    expr(*e.args[1]);
    s_.error(Diag::invalid_operands, e.span, "cannot index " + base->name(),
             "`[...]` takes a List element or looks a key up in a table");
    return nullptr;
  }

  const Type* record_literal(Expr& e) {
    const Type* rt = s_.lookup_type(e.text);
    if (rt == nullptr || rt->kind != TypeKind::record) {
      for (auto& i : e.inits) expr(*i.value);
      s_.error(Diag::unknown_type, e.name_span, "unknown record `" + e.text + "`", s_.import_hint(e.text));
      return nullptr;
    }
    const RecordInfo& r = *rt->record;
    std::vector<bool> given(r.fields.size(), false);
    bool ok = true;
    for (ast::FieldInit& init : e.inits) {
      const FieldInfo* f = r.find(init.name.name);
      if (!f) {
        expr(*init.value);
        s_.error(Diag::unknown_field, init.name.span, "record `" + r.name + "` has no field `" + init.name.name + "`");
        ok = false;
        continue;
      }
      size_t i = static_cast<size_t>(f - r.fields.data());
      if (given[i]) {
        s_.error(Diag::duplicate_field, init.name.span, "field `" + f->name + "` is given twice");
        ok = false;
      }
      given[i] = true;
      ok &= expect_type(*init.value, f->type, "field `" + f->name + "`") != nullptr;
    }
    std::string missing;
    for (size_t i = 0; i < given.size(); ++i)
      if (!given[i]) missing += (missing.empty() ? "" : ", ") + r.fields[i].name;
    if (!missing.empty()) {
      s_.error(Diag::missing_field, e.span, "`" + r.name + "` needs every field; missing: " + missing);
      ok = false;
    }
    return ok ? rt : nullptr;
  }

  const Type* list_literal(Expr& e, const Type* expected) {
    const Type* elem = expected && expected->kind == TypeKind::list ? expected->elem : nullptr;
    bool ok = true;
    for (auto& a : e.args) {
      if (elem) {
        ok &= expect_type(*a, elem, "a list element") != nullptr;
      } else {
        elem = expr(*a);
        ok &= elem != nullptr;
      }
    }
    if (!ok || !elem) {
      if (e.args.empty())
        s_.error(Diag::type_mismatch, e.span, "cannot tell the type of an empty list here",
                 "give the variable a type: `var lines: List<Line, 10> = []`");
      return nullptr;
    }
    if (expected && expected->kind == TypeKind::list) {
      if (e.args.size() > expected->bound) {
        s_.error(Diag::list_too_long, e.span,
                 "this list has " + std::to_string(e.args.size()) + " elements; " + expected->name() +
                     " holds at most " + std::to_string(expected->bound));
        return nullptr;
      }
      return expected;
    }
    return T_.list(elem, e.args.size());
  }

  // ---- match ----------------------------------------------------------------------------

  // Checks the patterns of a match on `scrutinee` (enum or Option): every case covered, no
  // arm after a wildcard or repeated. Declares bindings in the arm's scope via `bind`.
  bool check_patterns(Span match_span, const Type* scrutinee, std::vector<ast::MatchArm>& arms) {
    if (scrutinee->kind != TypeKind::enum_ && scrutinee->kind != TypeKind::option) {
      s_.error(Diag::type_mismatch, match_span, "`match` works on an enum or an Option, not " + scrutinee->name(),
               "use `if` to test other values");
      return false;
    }
    size_t cases = scrutinee->kind == TypeKind::enum_ ? scrutinee->enumeration->variants.size() : 2;
    std::vector<bool> covered(cases, false);
    bool wildcard = false, ok = true;
    for (ast::MatchArm& arm : arms) {
      ast::Pattern& p = arm.pattern;
      if (wildcard) {
        s_.error(Diag::redundant_arm, p.span, "this arm is never chosen: `_` above matches everything");
        ok = false;
        continue;
      }
      int which = -1;
      switch (p.kind) {
        case ast::Pattern::Kind::wildcard:
          wildcard = true;
          continue;
        case ast::Pattern::Kind::none:
        case ast::Pattern::Kind::some:
          if (scrutinee->kind != TypeKind::option) {
            s_.error(Diag::type_mismatch, p.span, "`some`/`none` match an Option, not " + scrutinee->name());
            ok = false;
            continue;
          }
          which = p.kind == ast::Pattern::Kind::none ? 0 : 1;
          break;
        case ast::Pattern::Kind::variant: {
          if (scrutinee->kind != TypeKind::enum_) {
            s_.error(Diag::type_mismatch, p.span, "an Option is matched with `some(x)` and `none`");
            ok = false;
            continue;
          }
          if (!p.qualifier.name.empty() && p.qualifier.name != scrutinee->enumeration->name) {
            s_.error(Diag::type_mismatch, p.qualifier.span,
                     "this matches a " + scrutinee->name() + ", not a " + p.qualifier.name);
            ok = false;
            continue;
          }
          which = scrutinee->enumeration->find(p.variant.name);
          if (which < 0) {
            s_.error(Diag::unknown_variant, p.variant.span,
                     "`" + scrutinee->name() + "` has no variant `" + p.variant.name + "`");
            ok = false;
            continue;
          }
          p.tag = static_cast<uint32_t>(which);
          break;
        }
      }
      if (covered[which]) {
        s_.error(Diag::redundant_arm, p.span, "this case is already matched by an arm above");
        ok = false;
      }
      covered[which] = true;
    }
    if (!wildcard) {
      std::string missing;
      for (size_t i = 0; i < cases; ++i) {
        if (covered[i]) continue;
        std::string n = scrutinee->kind == TypeKind::enum_ ? scrutinee->enumeration->variants[i]
                                                           : (i == 0 ? "none" : "some(_)");
        missing += (missing.empty() ? "" : ", ") + n;
      }
      if (!missing.empty()) {
        s_.error(Diag::non_exhaustive_match, match_span, "this `match` does not cover: " + missing,
                 "add an arm for each, or `_ => ...` for the rest");
        ok = false;
      }
    }
    return ok;
  }

  void bind_pattern(ast::Pattern& p, const Type* scrutinee) {
    if (p.kind == ast::Pattern::Kind::some && scrutinee && scrutinee->kind == TypeKind::option)
      p.local = declare_local(p.binding, scrutinee->elem, false);
  }

  const Type* match_expr(Expr& e, const Type* expected) {
    const Type* s = expr(*e.args[0]);
    if (!s) return nullptr;
    bool ok = check_patterns(e.span, s, e.arms);
    const Type* result = expected;
    for (ast::MatchArm& arm : e.arms) {
      ScopeGuard scope(*this);
      bind_pattern(arm.pattern, s);
      const Type* t = result ? expect_type(*arm.value, result, "every arm") : expr(*arm.value);
      if (!result) result = t;
      ok &= t != nullptr;
    }
    return ok ? result : nullptr;
  }

  // ---- statements -----------------------------------------------------------------------

  bool block(ast::Block& b) {
    ScopeGuard scope(*this);
    bool ends = false;
    for (auto& st : b.stmts) ends |= stmt(*st);
    return ends;
  }

  void record_loop(Span at, uint64_t bound) {
    LineCol lc = s_.sources_.unit_line_col(at.begin);
    auto& slot = out_.loop_bounds[{lc.line, lc.column}];
    slot = std::max(slot, bound);
  }

  // Value of a constant Int expression (for range loops), or nullopt.
  std::optional<int64_t> const_int(const Expr& e) {
    if (e.kind == ExprKind::int_lit) return e.int_value;
    if (e.kind == ExprKind::unary && e.op == Op::neg) {
      auto v = const_int(*e.args[0]);
      if (v && *v != INT64_MIN) return -*v;
      return std::nullopt;
    }
    if (e.kind == ExprKind::name && e.ref == ast::Ref::constant)
      return const_int(*out_.constants[e.ref_index].decl->value);
    return std::nullopt;
  }

  void deny_parts(Stmt& st) {
    std::optional<int64_t> code;
    if (st.deny_code) {
      expect_type(*st.deny_code, T_.int_(), "a denial code");
      code = const_int(*st.deny_code);
      if (!code && st.deny_code->type)
        s_.error(Diag::not_constant, st.deny_code->span, "a denial code must be a constant Int",
                 "use a number or a `const`");
    }
    if (in_test_) {
      s_.error(Diag::test_only, st.span, "`deny` belongs in an entry or a function, not in a test",
               "to check that an entry denies, write `expect denied entry(...)`");
    }
    out_.denies.push_back({st.span, st.reason, code});
    st.index = static_cast<uint32_t>(out_.denies.size());
  }

  // Returns true when the statement ends every path (return or deny).
  bool stmt(Stmt& st) {
    switch (st.kind) {
      case StmtKind::let:
      case StmtKind::var: {
        const Type* declared = st.type ? s_.resolve_type(*st.type) : nullptr;
        if (declared && !declared->is_value()) {
          s_.error(Diag::invalid_state_type, st.type->span, "a variable cannot be a `" + declared->name() + "`");
          declared = nullptr;
        }
        const Type* t = declared ? expect_type(*st.value, declared, "the value of `" + st.name.name + "`")
                                 : expr(*st.value);
        if (t && !t->is_value()) {
          s_.error(Diag::type_mismatch, st.value->span,
                   t == T_.unit() ? "this call returns nothing to bind" : "`" + t->name() + "` is not a value");
          t = nullptr;
        }
        st.local = declare_local(st.name, declared ? declared : t, st.kind == StmtKind::var);
        return false;
      }
      case StmtKind::assign: {
        const Type* target = expr(*st.target);
        std::string root;
        if (target && !mutable_place(*st.target, root)) {
          s_.error(Diag::not_assignable, st.target->span, "`" + root + "` cannot change",
                   "only variables declared with `var` (and their fields and elements) can be assigned");
        }
        if (!target) {
          expr(*st.value);
          return false;
        }
        if (st.compound) {
          const Type* v = expr(*st.value, target);
          if (!v) return false;
          bool fine = (v == target && (target->kind == TypeKind::int_ || target->kind == TypeKind::money ||
                                       target->kind == TypeKind::rate || target->kind == TypeKind::duration)) ||
                      (target->kind == TypeKind::date && v->kind == TypeKind::duration);
          if (!fine) {
            Expr fake;
            fake.op = *st.compound;
            fake.span = st.span;
            operand_error(fake, target, v);
          }
        } else {
          expect_type(*st.value, target, "the new value");
        }
        return false;
      }
      case StmtKind::if_: {
        condition(*st.cond, "the condition of `if`");
        bool a = block(st.then_block);
        bool b = st.else_block ? block(*st.else_block) : false;
        return a && b;
      }
      case StmtKind::for_: {
        ScopeGuard scope(*this);
        const Type* elem = nullptr;
        uint64_t bound = 0;
        if (st.range_end) {
          expect_type(*st.value, T_.int_(), "the start of the range");
          expect_type(*st.range_end, T_.int_(), "the end of the range");
          auto lo = const_int(*st.value), hi = const_int(*st.range_end);
          if (st.value->type && st.range_end->type && (!lo || !hi)) {
            s_.error(Diag::loop_bound_not_constant, (!lo ? st.value : st.range_end)->span,
                     "the bounds of a range loop must be constants, so the loop's cost is known",
                     "loop over a List instead: `for x in items` runs at most its declared maximum");
          } else if (lo && hi) {
            bound = *hi > *lo ? static_cast<uint64_t>(*hi) - static_cast<uint64_t>(*lo) : 0;
            if (bound > kMaxValueSize) {
              s_.error(Diag::too_large, st.span, "a range loop runs at most " + std::to_string(kMaxValueSize) +
                                                     " times; this one " + std::to_string(bound));
            }
          }
          elem = T_.int_();
        } else {
          const Type* t = expr(*st.value);
          if (t && t->kind == TypeKind::list) {
            elem = t->elem;
            bound = t->bound;
          } else if (t && (t->kind == TypeKind::map || t->kind == TypeKind::set)) {
            // The keys of a state, in key order: as many as its bound at most.
            elem = t->kind == TypeKind::map ? t->key : t->elem;
            if (!st.loop_max) {
              s_.error(Diag::unbounded_loop, st.value->span,
                       "a loop over a state needs a bound: the state can hold any number of keys",
                       "visit at most N of them: `for " + st.name.name + " in " +
                           std::string(s_.sources_.slice(st.value->span)) + " max 100 { ... }`");
            } else if (expect_type(*st.loop_max, T_.int_(), "the bound after `max`")) {
              auto n = const_int(*st.loop_max);
              if (!n) {
                s_.error(Diag::loop_bound_not_constant, st.loop_max->span,
                         "the bound after `max` must be a constant, so the loop's cost is known",
                         "use a number or a `const`");
              } else if (*n <= 0 || static_cast<uint64_t>(*n) > kMaxValueSize) {
                s_.error(Diag::too_large, st.loop_max->span,
                         "the bound after `max` is between 1 and " + std::to_string(kMaxValueSize) +
                             "; this one is " + std::to_string(*n));
              } else {
                bound = static_cast<uint64_t>(*n);
              }
            }
          } else if (t) {
            s_.error(Diag::type_mismatch, st.value->span,
                     "`for` runs over a List, a range or a state, not " + t->name(),
                     "for example `for line in claim.lines`, `for i in 0..12` or `for k in members max 50`");
          }
        }
        if (st.loop_max && !(st.value->type && (st.value->type->kind == TypeKind::map ||
                                                 st.value->type->kind == TypeKind::set))) {
          if (!st.range_end) expr(*st.loop_max);
          s_.error(Diag::type_mismatch, st.loop_max->span,
                   "`max` bounds a loop over a state; a List or a range has its own bound",
                   "remove `max ...`");
        }
        record_loop(st.span, bound);
        st.local = declare_local(st.name, elem, false);
        ++loop_depth_;
        block(st.then_block);
        --loop_depth_;
        return false;
      }
      case StmtKind::while_:
        expr(*st.cond);
        ++loop_depth_;
        block(st.then_block);
        --loop_depth_;
        return false;
      case StmtKind::match: {
        const Type* s = expr(*st.value);
        if (!s) return false;
        check_patterns(st.value->span, s, st.arms);
        bool all = !st.arms.empty();
        for (ast::MatchArm& arm : st.arms) {
          ScopeGuard scope(*this);
          bind_pattern(arm.pattern, s);
          all &= block(arm.body);
        }
        return all;
      }
      case StmtKind::require:
        condition(*st.cond, "the condition of `require`");
        deny_parts(st);
        return false;
      case StmtKind::deny:
        deny_parts(st);
        return true;
      case StmtKind::return_:
        if (st.value) {
          if (result_ == T_.unit()) {
            expr(*st.value);
            s_.error(Diag::type_mismatch, st.value->span,
                     in_test_ ? "a test returns nothing" : "this function declares no result",
                     in_test_ ? std::string() : "declare one: `-> Type` after the parameters");
          } else if (result_) {
            expect_type(*st.value, result_, "the result");
          }
        } else if (result_ && result_ != T_.unit()) {
          s_.error(Diag::type_mismatch, st.span, "`return` needs a value of " + result_->name());
        }
        return true;
      case StmtKind::break_:
      case StmtKind::continue_:
        if (loop_depth_ == 0)
          s_.error(Diag::outside_loop, st.span,
                   std::string("`") + (st.kind == StmtKind::break_ ? "break" : "continue") + "` outside a loop");
        return false;
      case StmtKind::expect:
        return expect(st);
      case StmtKind::emit: {
        const Type* t = expr(*st.value);
        if (t && std::find(out_.events.begin(), out_.events.end(), t) == out_.events.end()) {
          s_.error(Diag::type_mismatch, st.value->span,
                   "`emit` takes a value of an event type, not " + t->name(),
                   "declare one: `event Name { field: Type, ... }`, then `emit Name { field: value }`");
        }
        return false;
      }
      case StmtKind::expr: {
        const Type* t = expr(*st.value);
        if (t && st.value->kind != ExprKind::call && st.value->kind != ExprKind::method) {
          s_.error(Diag::value_unused, st.value->span, "this value is computed and then dropped",
                   "bind it with `let`, or compare it in a `require`");
        }
        return false;
      }
    }
    return false;
  }

  bool expect(Stmt& st) {
    ExpectInfo info;
    info.span = st.span;
    if (!in_test_) {
      s_.error(Diag::test_only, st.span, "`expect` belongs in a `test` block",
               "in an entry, use `require condition else deny(\"reason\")`");
    }
    Expr& v = *st.value;
    if (st.expect_denied) {
      const Type* t = expr(v);
      if (v.kind != ExprKind::call || v.ref != ast::Ref::function || !out_.functions[v.ref_index].is_entry) {
        if (t || v.kind != ExprKind::call)
          s_.error(Diag::type_mismatch, v.span, "`expect denied` takes a call of an entry");
      }
      info.type = T_.bool_();
    } else if (v.kind == ExprKind::binary && is_comparison(v.op)) {
      const Type* t = expr(v);
      info.compares = true;
      info.op = v.op;
      info.type = t ? v.args[0]->type : nullptr;
      info.lhs_text = std::string(s_.sources_.slice(v.args[0]->span));
      info.rhs_text = std::string(s_.sources_.slice(v.args[1]->span));
    } else {
      expect_type(v, T_.bool_(), "an expectation");
      info.type = T_.bool_();
      info.lhs_text = std::string(s_.sources_.slice(v.span));
      info.rhs_text = "true";
    }
    out_.expects.push_back(std::move(info));
    st.index = static_cast<uint32_t>(out_.expects.size() - 1);
    return false;
  }

  Sema& s_;
  Checked& out_;
  TypeTable& T_;
  std::vector<LocalInfo>& locals_;
  const Type* result_;
  bool in_test_;
  int loop_depth_ = 0;
  std::vector<std::map<std::string, uint32_t>> scopes_;

 public:
  /// While checking constant number `n`, names of constants from `n` on are refused.
  std::optional<uint32_t> const_limit_;
};

namespace {

// Is `e` made only of literals, earlier constants and pure compile-time builtins?
bool is_constant_expr(const Expr& e) {
  switch (e.kind) {
    case ExprKind::int_lit:
    case ExprKind::money_lit:
    case ExprKind::rate_lit:
    case ExprKind::duration_lit:
    case ExprKind::date_lit:
    case ExprKind::string_lit:
    case ExprKind::hash_lit:
    case ExprKind::bool_lit:
    case ExprKind::none_lit:
      return true;
    case ExprKind::name:
      return e.ref == ast::Ref::constant;
    case ExprKind::field:
      return e.ref == ast::Ref::variant || (e.ref == ast::Ref::field && is_constant_expr(*e.args[0]));
    case ExprKind::call:
      if (e.ref != ast::Ref::builtin) return false;
      // What the host answers is not known when the contract is compiled.
      if (e.ref_index == static_cast<uint32_t>(Builtin::now) ||
          e.ref_index == static_cast<uint32_t>(Builtin::caller) ||
          e.ref_index == static_cast<uint32_t>(Builtin::sha256))
        return false;
      break;
    case ExprKind::unary:
    case ExprKind::binary:
    case ExprKind::some:
    case ExprKind::list_lit:
    case ExprKind::if_expr:
      break;
    case ExprKind::record_lit:
      for (const ast::FieldInit& i : e.inits)
        if (!is_constant_expr(*i.value)) return false;
      return true;
    default:
      return false;
  }
  for (const auto& a : e.args)
    if (!is_constant_expr(*a)) return false;
  return true;
}

}  // namespace

void Sema::typecheck() {
  // Constants, in order: each may use the ones above it.
  std::vector<LocalInfo> no_locals;
  for (uint32_t i = 0; i < out.constants.size(); ++i) {
    ConstInfo& c = out.constants[i];
    if (!c.type) continue;
    enter_file(c.decl->span);
    BodyChecker checker(*this, no_locals, out.types->unit(), false);
    checker.const_limit_ = i;
    ast::Expr& value = *c.decl->value;
    if (checker.expect_type(value, c.type, "constant `" + c.decl->name.name + "`") && !is_constant_expr(value)) {
      error(Diag::not_constant, value.span, "the value of a constant must be known at compile time",
            "use literals, other constants and operators; state, parameters and now() are not known");
    }
  }
  // Tables: entries are constants, evaluated now and sorted by key.
  size_t table_index = 0;
  for (ast::Decl& d : contract_.decls) {
    auto* decl = std::get_if<ast::TableDecl>(&d);
    if (!decl) continue;
    TableInfo& info = out.tables[table_index++];
    if (!info.key || !info.value) continue;
    enter_file(decl->span);
    std::vector<std::pair<Span, std::pair<std::vector<uint8_t>, std::vector<uint8_t>>>> rows;
    if (decl->csv) {
      auto loaded = load_table_csv(*this, *decl, info);
      if (!loaded) continue;
      rows = std::move(*loaded);
    }
    for (ast::TableEntry& entry : decl->entries) {
      BodyChecker checker(*this, no_locals, out.types->unit(), false);
      const Type* k = checker.expect_type(*entry.key, info.key, "a key of `" + info.name + "`");
      const Type* v = checker.expect_type(*entry.value, info.value, "a value of `" + info.name + "`");
      if (!k || !v) continue;
      if (!is_constant_expr(*entry.key) || !is_constant_expr(*entry.value)) {
        error(Diag::not_constant, join(entry.key->span, entry.value->span),
              "table entries must be known at compile time");
        continue;
      }
      auto kb = constant_bytes(*entry.key);
      auto vb = constant_bytes(*entry.value);
      if (kb && vb) rows.push_back({entry.key->span, {std::move(*kb), std::move(*vb)}});
    }
    std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
      return key_less(info.key, a.second.first, b.second.first);
    });
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i > 0 && !key_less(info.key, rows[i - 1].second.first, rows[i].second.first)) {
        error(Diag::invalid_table, rows[i].first, "key appears twice in table `" + info.name + "`",
              "each key has exactly one value");
        continue;
      }
      info.entries.push_back(rows[i].second);
    }
  }
  // Bodies.
  for (FunctionInfo& f : out.functions) {
    enter_file(f.decl->span);
    BodyChecker checker(*this, f.locals, f.result, false);
    bool ends = checker.body(const_cast<ast::FunctionDecl*>(f.decl)->body);
    if (f.result && f.result != out.types->unit() && !ends) {
      Span end{f.decl->body.span.end > 0 ? f.decl->body.span.end - 1 : 0, f.decl->body.span.end};
      error(Diag::missing_return, end,
            "`" + f.name + "` can reach its end without returning its result (" + f.result->name() + ")",
            "end every path with `return value` or `deny(...)`");
    }
  }
  for (TestInfo& t : out.tests) {
    enter_file(t.decl->span);
    BodyChecker checker(*this, t.locals, out.types->unit(), true);
    checker.body(const_cast<ast::TestDecl*>(t.decl)->body);
  }
}

}  // namespace covenant::compiler::sema
