#include "tests/compiler/evaluator.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>

#include "compiler/sema/literal_bytes.hpp"

namespace covenant::compiler::testing {
namespace {

using ast::Expr;
using ast::ExprKind;
using ast::Op;
using ast::Stmt;
using ast::StmtKind;
using runtime::FaultKind;

// ---- bytes --------------------------------------------------------------------------------

int64_t read_word(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}

void write_word(uint8_t* p, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(u >> (8 * i));
}

// ---- how a call ends early ----------------------------------------------------------------

struct FaultSignal {
  FaultKind kind;
  Span span;
  bool located = true;  // false for a host_error, which carries no location
};

struct DenySignal {
  uint32_t index;
};

[[noreturn]] void fault(FaultKind kind, Span span) { throw FaultSignal{kind, span}; }

// ---- checked arithmetic (independent of compiler/runtime) ---------------------------------

constexpr int64_t kMin = INT64_MIN;
constexpr int64_t kMax = INT64_MAX;

int64_t narrow(__int128 v, Span at) {
  if (v < kMin || v > kMax) fault(FaultKind::overflow, at);
  return static_cast<int64_t>(v);
}

int64_t add(int64_t a, int64_t b, Span at) { return narrow(__int128{a} + b, at); }
int64_t sub(int64_t a, int64_t b, Span at) { return narrow(__int128{a} - b, at); }
int64_t mul(int64_t a, int64_t b, Span at) { return narrow(__int128{a} * b, at); }
int64_t neg(int64_t a, Span at) { return narrow(-__int128{a}, at); }

int64_t div(int64_t a, int64_t b, Span at) {
  if (b == 0) fault(FaultKind::division_by_zero, at);
  return narrow(__int128{a} / b, at);
}

int64_t rem(int64_t a, int64_t b, Span at) {
  if (b == 0) fault(FaultKind::division_by_zero, at);
  return static_cast<int64_t>(__int128{a} % b);
}

// The exact quotient n / d (d > 0 or d < 0, n any) rounded to an integer by `mode`.
__int128 round_quotient(__int128 n, __int128 d, Rounding mode) {
  __int128 q = n / d;
  __int128 r = n % d;
  if (r == 0) return q;
  __int128 twice = 2 * (r < 0 ? -r : r);
  __int128 magnitude = d < 0 ? -d : d;
  bool away = false;
  switch (mode) {
    case Rounding::half_up: away = twice >= magnitude; break;
    case Rounding::half_even: away = twice > magnitude || (twice == magnitude && (q & 1) != 0); break;
    case Rounding::down: away = false; break;
    case Rounding::up: away = true; break;
  }
  if (!away) return q;
  bool negative = (n < 0) != (d < 0);
  return negative ? q - 1 : q + 1;
}

int64_t mul_rate(int64_t money, int64_t rate, Rounding mode, Span at) {
  return narrow(round_quotient(__int128{money} * rate, 1'000'000'000, mode), at);
}

int64_t div_round(int64_t a, int64_t b, Rounding mode, Span at) {
  if (b == 0) fault(FaultKind::division_by_zero, at);
  return narrow(round_quotient(a, b, mode), at);
}

// ---- dates (std::chrono, proleptic Gregorian) ---------------------------------------------

int64_t civil_to_days(int64_t y, int64_t m, int64_t d) {
  using namespace std::chrono;
  auto ymd = year{static_cast<int>(y)} / month{static_cast<unsigned>(m)} / day{static_cast<unsigned>(d)};
  return sys_days{ymd}.time_since_epoch().count();
}

std::chrono::year_month_day days_to_civil(int64_t n) {
  using namespace std::chrono;
  return year_month_day{sys_days{days{n}}};
}

int64_t month_length(int64_t y, int64_t m) {
  using namespace std::chrono;
  auto last = year_month_day_last{year{static_cast<int>(y)}, month_day_last{month{static_cast<unsigned>(m)}}};
  return static_cast<unsigned>(last.day());
}

const int64_t kDayMin = civil_to_days(1, 1, 1);
const int64_t kDayMax = civil_to_days(9999, 12, 31);

bool in_range(__int128 days) { return days >= kDayMin && days <= kDayMax; }

int64_t make_date(int64_t y, int64_t m, int64_t d, Span at) {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_length(y, m))
    fault(FaultKind::date_out_of_range, at);
  return civil_to_days(y, m, d);
}

int64_t add_months(int64_t days, int64_t months, Span at) {
  if (!in_range(days)) fault(FaultKind::date_out_of_range, at);
  auto ymd = days_to_civil(days);
  __int128 total = __int128{static_cast<int>(ymd.year())} * 12 + (static_cast<unsigned>(ymd.month()) - 1) + months;
  __int128 y = total >= 0 ? total / 12 : -((-total + 11) / 12);
  __int128 m = total - y * 12 + 1;
  if (y < 1 || y > 9999) fault(FaultKind::date_out_of_range, at);
  int64_t d = static_cast<unsigned>(ymd.day());
  int64_t length = month_length(static_cast<int64_t>(y), static_cast<int64_t>(m));
  return civil_to_days(static_cast<int64_t>(y), static_cast<int64_t>(m), d < length ? d : length);
}

int64_t add_days(int64_t days, int64_t n, Span at) {
  __int128 sum = __int128{days} + n;
  if (!in_range(days) || !in_range(sum)) fault(FaultKind::date_out_of_range, at);
  return static_cast<int64_t>(sum);
}

// ---- values -------------------------------------------------------------------------------

using Buffer = std::shared_ptr<std::vector<uint8_t>>;

// A value as compiled code holds it: a word (Bool, Int, Money, Rate, Date, enum) by value,
// anything else as a view of bytes in some storage (a local's slot, the parameter block, a
// temporary). Views alias like the pointers of the generated code do.
struct Val {
  int64_t w = 0;
  Buffer buf;
  size_t off = 0;
  const uint8_t* data() const { return buf->data() + off; }
};

Val word(int64_t v) {
  Val x;
  x.w = v;
  return x;
}

Val fresh(size_t size) {
  Val x;
  x.buf = std::make_shared<std::vector<uint8_t>>(size, 0);
  return x;
}

// A place in storage.
struct Loc {
  Buffer buf;
  size_t off = 0;
  uint8_t* data() const { return buf->data() + off; }
};

Val load(const Buffer& buf, size_t off, const Type* t) {
  if (t->is_word()) return word(read_word(buf->data() + off));
  Val x;
  x.buf = buf;
  x.off = off;
  return x;
}

void store(uint8_t* dst, const Val& v, const Type* t) {
  if (t->is_word())
    write_word(dst, v.w);
  else
    std::memmove(dst, v.data(), t->size);
}

std::vector<uint8_t> bytes_of(const Val& v, const Type* t) {
  std::vector<uint8_t> out(t->size);
  store(out.data(), v, t);
  return out;
}

bool truth(const Val& v) { return v.w != 0; }

// Whether every list reachable in the value of `t` at `p` (through present options, list
// elements within the length and record fields) holds at most its maximum: compiled code
// faults `invalid_input` on one that does not when it reads the value's canonical bytes.
bool well_formed(const Type* t, const uint8_t* p) {
  switch (t->kind) {
    case TypeKind::option:
      return read_word(p) == 0 || well_formed(t->elem, p + 8);
    case TypeKind::list: {
      auto len = static_cast<uint64_t>(read_word(p));
      if (len > t->bound) return false;
      for (uint64_t i = 0; i < len; ++i)
        if (!well_formed(t->elem, p + 8 + i * t->elem->size)) return false;
      return true;
    }
    case TypeKind::record:
      for (const FieldInfo& f : t->record->fields)
        if (!well_formed(f.type, p + f.offset)) return false;
      return true;
    default:
      return true;
  }
}

// ---- the evaluator ------------------------------------------------------------------------

class Evaluator {
 public:
  Evaluator(const Checked& c, runtime::MemoryState& state, int64_t today, const runtime::CallerKey& caller)
      : C_(c), state_(state), today_(today), caller_(caller), mode_(c.rounding.value_or(Rounding::half_up)) {}

  /// The events emitted so far.
  std::vector<runtime::Event> events;

  // Runs `f` on the parameter block `args`; its result bytes. Throws DenySignal/FaultSignal.
  std::vector<uint8_t> call(const FunctionInfo& f, const Buffer& args) {
    Frame frame;
    frame.slots.resize(f.locals.size());
    size_t off = 0;
    for (size_t i = 0; i < f.params.size(); ++i) {
      frame.slots[i] = {args, off};
      off += f.params[i]->size;
    }
    frame.locals = &f.locals;
    frame.result.assign(f.result->size, 0);
    Frame* saved = frame_;
    frame_ = &frame;
    block(f.decl->body);
    frame_ = saved;
    return std::move(frame.result);
  }

 private:
  enum class Flow { next, brk, cont, ret };

  struct Frame {
    const std::vector<LocalInfo>* locals = nullptr;
    std::vector<Loc> slots;  // by local id
    std::vector<uint8_t> result;
  };

  // The slot of local `id`, made on its first binding (one slot per local, as codegen does).
  Loc& slot(uint32_t id) {
    Loc& s = frame_->slots[id];
    if (!s.buf) s.buf = std::make_shared<std::vector<uint8_t>>((*frame_->locals)[id].type->size, 0);
    return s;
  }

  // ---- statements ----

  Flow block(const ast::Block& b) {
    for (const auto& st : b.stmts) {
      Flow f = stmt(*st);
      if (f != Flow::next) return f;
    }
    return Flow::next;
  }

  Flow stmt(const Stmt& st) {
    switch (st.kind) {
      case StmtKind::let:
      case StmtKind::var: {
        Val v = expr(*st.value);
        store(slot(st.local).data(), v, (*frame_->locals)[st.local].type);
        return Flow::next;
      }
      case StmtKind::assign: {
        const Type* t = st.target->type;
        if (st.compound) {
          Loc at = place(*st.target);
          Val rhs = expr(*st.value);
          Val cur = load(at.buf, at.off, t);
          Val v = arithmetic(*st.compound, t, st.value->type, cur, rhs, st.span, false);
          store(at.data(), v, t);
          return Flow::next;
        }
        std::vector<uint8_t> value = bytes_of(expr(*st.value), t);
        Loc at = place(*st.target);
        std::memcpy(at.data(), value.data(), value.size());
        return Flow::next;
      }
      case StmtKind::if_:
        if (truth(expr(*st.cond))) return block(st.then_block);
        if (st.else_block) return block(*st.else_block);
        return Flow::next;
      case StmtKind::for_:
        return for_loop(st);
      case StmtKind::while_:
        return Flow::next;
      case StmtKind::match: {
        Val s = expr(*st.value);
        const ast::MatchArm* arm = choose(st.value->type, s, st.arms, st.value->span);
        return block(arm->body);
      }
      case StmtKind::require:
        if (!truth(expr(*st.cond))) throw DenySignal{st.index};
        return Flow::next;
      case StmtKind::deny:
        throw DenySignal{st.index};
      case StmtKind::return_:
        if (st.value) {
          Val v = expr(*st.value);
          store(frame_->result.data(), v, st.value->type);
        }
        return Flow::ret;
      case StmtKind::break_:
        return Flow::brk;
      case StmtKind::continue_:
        return Flow::cont;
      case StmtKind::expect:
        return Flow::next;  // tests only; entries hold none
      case StmtKind::emit: {
        const Type* t = st.value->type;
        std::vector<uint8_t> data = canonical_value(expr(*st.value), t, st.span);
        if (events.size() >= runtime::kMaxEvents) throw FaultSignal{FaultKind::host_error, st.span, false};
        auto index = static_cast<uint32_t>(std::find(C_.events.begin(), C_.events.end(), t) - C_.events.begin());
        events.push_back(runtime::Event{index, std::move(data)});
        return Flow::next;
      }
      case StmtKind::expr:
        expr(*st.value);
        return Flow::next;
    }
    return Flow::next;
  }

  // The canonical bytes of value `v` of type `t` (canonical_bytes), faulting at `at` as
  // compiled code does when a list in it is longer than its maximum.
  std::vector<uint8_t> canonical_value(const Val& v, const Type* t, Span at) {
    std::vector<uint8_t> bytes = bytes_of(v, t);
    if (!well_formed(t, bytes.data())) fault(FaultKind::invalid_input, at);
    return canonical_bytes(t, bytes);
  }

  Flow for_loop(const Stmt& st) {
    const Type* elem = (*frame_->locals)[st.local].type;
    Loc& var = slot(st.local);
    if (st.value->type->kind == TypeKind::map || st.value->type->kind == TypeKind::set) {
      // At most the bound's number of keys, each the first after the one visited last.
      const StateInfo& state = C_.states[st.value->ref_index];
      LineCol lc = C_.sources->unit_line_col(st.span.begin);
      uint64_t bound = C_.loop_bounds.at({lc.line, lc.column});
      for (uint64_t i = 0; i < bound; ++i) {
        std::vector<uint8_t> current(var.data(), var.data() + elem->size);
        auto next = i == 0 ? state_.next(state.id, std::nullopt)
                           : state_.next(state.id, std::span<const uint8_t>(current));
        if (!next) break;
        std::memcpy(var.data(), next->data(), elem->size);
        Flow f = block(st.then_block);
        if (f == Flow::brk) break;
        if (f == Flow::ret) return f;
      }
      return Flow::next;
    }
    if (st.range_end) {
      int64_t lo = expr(*st.value).w;
      int64_t hi = expr(*st.range_end).w;
      uint64_t count = hi > lo ? static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) : 0;
      for (uint64_t i = 0; i < count; ++i) {
        write_word(var.data(), static_cast<int64_t>(static_cast<uint64_t>(lo) + i));
        Flow f = block(st.then_block);
        if (f == Flow::brk) break;
        if (f == Flow::ret) return f;
      }
      return Flow::next;
    }
    const Type* list = st.value->type;
    // The list is read in place each iteration (the body may change it); its length once.
    Val base = expr(*st.value);
    uint64_t count = list_length(base, list, st.span);
    for (uint64_t i = 0; i < count; ++i) {
      std::memmove(var.data(), base.data() + 8 + i * elem->size, elem->size);
      Flow f = block(st.then_block);
      if (f == Flow::brk) break;
      if (f == Flow::ret) return f;
    }
    return Flow::next;
  }

  // The arm a match on `s` (of type `t`) takes; faults like the compiled switch without one.
  const ast::MatchArm* choose(const Type* t, const Val& s, const std::vector<ast::MatchArm>& arms, Span at) {
    bool option = t->kind == TypeKind::option;
    int64_t tag = option ? (read_word(s.data()) != 0 ? 1 : 0) : s.w;
    const ast::MatchArm* wildcard = nullptr;
    for (const ast::MatchArm& arm : arms) {
      const ast::Pattern& p = arm.pattern;
      bool hit = false;
      switch (p.kind) {
        case ast::Pattern::Kind::wildcard: wildcard = &arm; break;
        case ast::Pattern::Kind::none: hit = tag == 0; break;
        case ast::Pattern::Kind::some: hit = tag == 1; break;
        case ast::Pattern::Kind::variant: hit = tag == static_cast<int64_t>(p.tag); break;
      }
      if (hit) {
        if (p.kind == ast::Pattern::Kind::some) {
          const Type* inner = t->elem;
          std::memmove(slot(p.local).data(), s.data() + 8, inner->size);
        }
        return &arm;
      }
    }
    if (!wildcard) fault(FaultKind::invalid_input, at);
    return wildcard;
  }

  uint64_t list_length(const Val& list, const Type* t, Span at) {
    auto len = static_cast<uint64_t>(read_word(list.data()));
    if (len > t->bound) fault(FaultKind::invalid_input, at);
    return len;
  }

  // The storage an assignable expression names; evaluates and checks indices.
  Loc place(const Expr& e) {
    if (e.kind == ExprKind::name) return slot(e.ref_index);
    if (e.kind == ExprKind::field) {
      Loc base = place(*e.args[0]);
      base.off += e.args[0]->type->record->fields[e.ref_index].offset;
      return base;
    }
    Loc base = place(*e.args[0]);
    const Type* list = e.args[0]->type;
    int64_t i = expr(*e.args[1]).w;
    Val view;
    view.buf = base.buf;
    view.off = base.off;
    uint64_t len = list_length(view, list, e.span);
    if (static_cast<uint64_t>(i) >= len) fault(FaultKind::index_out_of_range, e.span);
    base.off += 8 + static_cast<uint64_t>(i) * list->elem->size;
    return base;
  }

  // ---- expressions ----

  Val expr(const Expr& e) {
    switch (e.kind) {
      case ExprKind::int_lit:
      case ExprKind::money_lit:
      case ExprKind::bool_lit:
        return word(e.int_value);
      case ExprKind::rate_lit:
        return word(e.int_value2);
      case ExprKind::date_lit:
        return word(civil_to_days(e.int_value, e.int_value2, e.int_value3));
      case ExprKind::duration_lit: {
        Val out = fresh(16);
        int64_t n = e.int_value;
        write_word(out.buf->data(), e.unit == "year" ? n * 12 : e.unit == "month" ? n : 0);
        write_word(out.buf->data() + 8, e.unit == "day" ? n : 0);
        return out;
      }
      case ExprKind::string_lit: {
        Val out = fresh(16);
        std::memcpy(out.buf->data(), e.text.data(), std::min<size_t>(e.text.size(), 16));
        return out;
      }
      case ExprKind::hash_lit: {
        auto h = hash_literal_bytes(e);
        Val out = fresh(32);
        std::memcpy(out.buf->data(), h.data(), 32);
        return out;
      }
      case ExprKind::none_lit:
        return fresh(e.type->size);
      case ExprKind::some: {
        Val v = expr(*e.args[0]);
        Val out = fresh(e.type->size);
        write_word(out.buf->data(), 1);
        store(out.buf->data() + 8, v, e.type->elem);
        return out;
      }
      case ExprKind::name:
        if (e.ref == ast::Ref::local) {
          Loc& s = slot(e.ref_index);
          return load(s.buf, s.off, e.type);
        }
        if (e.ref == ast::Ref::constant) return expr(*C_.constants[e.ref_index].decl->value);
        return word(0);
      case ExprKind::unary: {
        Val v = expr(*e.args[0]);
        if (e.op == Op::not_) return word(truth(v) ? 0 : 1);
        return word(neg(v.w, e.span));
      }
      case ExprKind::binary:
        return binary(e);
      case ExprKind::within: {
        int64_t v = expr(*e.args[0]).w;
        int64_t lo = expr(*e.args[1]).w;
        int64_t hi = expr(*e.args[2]).w;
        return word(v >= lo && v <= hi ? 1 : 0);
      }
      case ExprKind::call:
        return call_expr(e);
      case ExprKind::method:
        return method(e);
      case ExprKind::field:
        return field(e);
      case ExprKind::index:
        return index(e);
      case ExprKind::record_lit: {
        const RecordInfo& r = *e.type->record;
        Val out = fresh(r.size);
        for (const ast::FieldInit& init : e.inits) {
          const FieldInfo* f = r.find(init.name.name);
          Val v = expr(*init.value);
          store(out.buf->data() + f->offset, v, f->type);
        }
        return out;
      }
      case ExprKind::list_lit: {
        const Type* elem = e.type->elem;
        Val out = fresh(e.type->size);
        write_word(out.buf->data(), static_cast<int64_t>(e.args.size()));
        for (size_t i = 0; i < e.args.size(); ++i) {
          Val v = expr(*e.args[i]);
          store(out.buf->data() + 8 + i * elem->size, v, elem);
        }
        return out;
      }
      case ExprKind::if_expr:
        return truth(expr(*e.args[0])) ? expr(*e.args[1]) : expr(*e.args[2]);
      case ExprKind::match_expr: {
        Val s = expr(*e.args[0]);
        const ast::MatchArm* arm = choose(e.args[0]->type, s, e.arms, e.args[0]->span);
        return expr(*arm->value);
      }
    }
    return word(0);
  }

  bool equal(const Type* t, const Val& a, const Val& b) {
    if (t->is_word()) return a.w == b.w;
    if (t->kind == TypeKind::option) {
      bool fa = read_word(a.data()) != 0, fb = read_word(b.data()) != 0;
      if (fa != fb) return false;
      if (!fa) return true;
      return equal(t->elem, load(a.buf, a.off + 8, t->elem), load(b.buf, b.off + 8, t->elem));
    }
    return std::memcmp(a.data(), b.data(), t->size) == 0;
  }

  bool in_codeset(const CodeSetInfo& set, const uint8_t* code) {
    for (const CodeSetInfo::Member& m : set.members) {
      switch (m.kind) {
        case CodeSetInfo::Member::Kind::exact:
          if (std::memcmp(code, m.low.data(), 16) == 0) return true;
          break;
        case CodeSetInfo::Member::Kind::range:
          if (std::memcmp(code, m.low.data(), 16) >= 0 && std::memcmp(code, m.high.data(), 16) <= 0) return true;
          break;
        case CodeSetInfo::Member::Kind::prefix:
          if (std::memcmp(code, m.low.data(), m.prefix_length) == 0) return true;
          break;
      }
    }
    return false;
  }

  Val binary(const Expr& e) {
    const Expr& l = *e.args[0];
    const Expr& r = *e.args[1];
    if (e.op == Op::and_ || e.op == Op::or_) {
      Val a = expr(l);
      if (e.flag) {  // Option `or` default
        if (read_word(a.data()) != 0) return load(a.buf, a.off + 8, l.type->elem);
        return expr(r);
      }
      if (e.op == Op::and_) return word(truth(a) && truth(expr(r)) ? 1 : 0);
      return word(truth(a) || truth(expr(r)) ? 1 : 0);
    }
    if (e.op == Op::in) {
      const Type* container = r.type;
      if (container->kind == TypeKind::codeset) {
        Val code = expr(l);
        return word(in_codeset(C_.codesets[r.ref_index], code.data()) ? 1 : 0);
      }
      if (container->kind == TypeKind::list) {
        const Type* elem = container->elem;
        Val x = expr(l);
        Val base = expr(r);
        uint64_t count = list_length(base, container, e.span);
        for (uint64_t i = 0; i < count; ++i)
          if (equal(elem, load(base.buf, base.off + 8 + i * elem->size, elem), x)) return word(1);
        return word(0);
      }
      const StateInfo& st = C_.states[r.ref_index];
      std::vector<uint8_t> key = canonical_value(expr(l), st.key, e.span);
      return word(state_.has(st.id, key) ? 1 : 0);
    }
    Val a = expr(l);
    Val b = expr(r);
    switch (e.op) {
      case Op::eq: return word(equal(l.type, a, b) ? 1 : 0);
      case Op::ne: return word(equal(l.type, a, b) ? 0 : 1);
      case Op::lt: return word(a.w < b.w ? 1 : 0);
      case Op::le: return word(a.w <= b.w ? 1 : 0);
      case Op::gt: return word(a.w > b.w ? 1 : 0);
      case Op::ge: return word(a.w >= b.w ? 1 : 0);
      default: return arithmetic(e.op, l.type, r.type, a, b, e.span, e.flag);
    }
  }

  Val arithmetic(Op op, const Type* ta, const Type* tb, const Val& a, const Val& b, Span at, bool rounds) {
    TypeKind ka = ta->kind, kb = tb->kind;
    // Componentwise on a duration and a duration (or an Int for `*`).
    auto both = [&](int64_t (*f)(int64_t, int64_t, Span), const Val& x, const Val& y, bool scalar) {
      Val out = fresh(16);
      int64_t months = f(read_word(x.data()), scalar ? y.w : read_word(y.data()), at);
      write_word(out.buf->data(), months);
      int64_t days = f(read_word(x.data() + 8), scalar ? y.w : read_word(y.data() + 8), at);
      write_word(out.buf->data() + 8, days);
      return out;
    };
    switch (op) {
      case Op::add:
      case Op::sub: {
        auto f = op == Op::add ? &add : &sub;
        if (ka == TypeKind::duration && kb == TypeKind::duration) return both(f, a, b, false);
        if (ka == TypeKind::date && kb == TypeKind::duration) {
          int64_t months = read_word(b.data());
          int64_t days = read_word(b.data() + 8);
          if (op == Op::sub) {
            months = neg(months, at);
            days = neg(days, at);
          }
          return word(add_days(add_months(a.w, months, at), days, at));
        }
        if (ka == TypeKind::duration && kb == TypeKind::date) return arithmetic(op, tb, ta, b, a, at, rounds);
        return word(f(a.w, b.w, at));
      }
      case Op::mul:
        if (ka == TypeKind::duration) return both(&mul, a, b, true);
        if (kb == TypeKind::duration) return both(&mul, b, a, true);
        if (rounds) {
          bool money_first = ka == TypeKind::money;
          return word(mul_rate(money_first ? a.w : b.w, money_first ? b.w : a.w, mode_, at));
        }
        return word(mul(a.w, b.w, at));
      case Op::div:
        if (rounds) return word(div_round(a.w, b.w, mode_, at));
        return word(div(a.w, b.w, at));
      case Op::rem:
        return word(rem(a.w, b.w, at));
      default:
        return word(0);
    }
  }

  Val call_expr(const Expr& e) {
    if (e.ref == ast::Ref::function) {
      const FunctionInfo& f = C_.functions[e.ref_index];
      Val block_args = fresh(f.param_size);
      size_t off = 0;
      for (size_t i = 0; i < e.args.size(); ++i) {
        Val v = expr(*e.args[i]);
        store(block_args.buf->data() + off, v, f.params[i]);
        off += f.params[i]->size;
      }
      auto result = std::make_shared<std::vector<uint8_t>>(call(f, block_args.buf));
      if (f.result == C_.types->unit()) return word(0);
      return load(result, 0, f.result);
    }
    switch (static_cast<Builtin>(e.ref_index)) {
      case Builtin::min:
      case Builtin::max: {
        Val x = expr(*e.args[0]);
        Val y = expr(*e.args[1]);
        bool less = x.w < y.w;
        if (static_cast<Builtin>(e.ref_index) == Builtin::min) return less ? x : y;
        return less ? y : x;
      }
      case Builtin::abs: {
        Val x = expr(*e.args[0]);
        return x.w < 0 ? word(neg(x.w, e.span)) : x;
      }
      case Builtin::days:
      case Builtin::months:
      case Builtin::years: {
        auto b = static_cast<Builtin>(e.ref_index);
        int64_t n = expr(*e.args[0]).w;
        Val out = fresh(16);
        int64_t months = b == Builtin::years ? mul(n, 12, e.span) : b == Builtin::months ? n : 0;
        write_word(out.buf->data(), months);
        write_word(out.buf->data() + 8, b == Builtin::days ? n : 0);
        return out;
      }
      case Builtin::date: {
        int64_t y = expr(*e.args[0]).w;
        int64_t m = expr(*e.args[1]).w;
        int64_t d = expr(*e.args[2]).w;
        return word(make_date(y, m, d, e.span));
      }
      case Builtin::now:
        return word(today_);
      case Builtin::pseudonym:
      case Builtin::hash:
      case Builtin::key: {
        auto h = hash_literal_bytes(*e.args[0]);
        Val out = fresh(32);
        std::memcpy(out.buf->data(), h.data(), 32);
        return out;
      }
      case Builtin::caller: {
        Val out = fresh(32);
        std::memcpy(out.buf->data(), caller_.data(), 32);
        return out;
      }
      case Builtin::sha256: {
        std::vector<uint8_t> data = canonical_value(expr(*e.args[0]), e.args[0]->type, e.span);
        Val out = fresh(32);
        SHA256(data.data(), data.size(), out.buf->data());
        return out;
      }
      default:
        return word(0);
    }
  }

  Val method(const Expr& e) {
    auto b = static_cast<Builtin>(e.ref_index);
    if (b == Builtin::list_push) {
      const Type* list = e.args[0]->type;
      const Type* elem = list->elem;
      Val v = expr(*e.args[1]);
      Loc at = place(*e.args[0]);
      Val view;
      view.buf = at.buf;
      view.off = at.off;
      uint64_t len = list_length(view, list, e.span);
      if (len >= list->bound) fault(FaultKind::index_out_of_range, e.span);
      store(at.data() + 8 + len * elem->size, v, elem);
      write_word(at.data(), static_cast<int64_t>(len + 1));
      return word(0);
    }
    const StateInfo& st = C_.states[e.args[0]->ref_index];
    if (b == Builtin::state_first || b == Builtin::state_next) {
      std::optional<std::vector<uint8_t>> found;
      if (b == Builtin::state_first) {
        found = state_.next(st.id, std::nullopt);
      } else {
        std::vector<uint8_t> after = canonical_value(expr(*e.args[1]), st.key, e.span);
        found = state_.next(st.id, std::span<const uint8_t>(after));
      }
      Val opt = fresh(8 + st.key->size);
      if (found) {
        write_word(opt.buf->data(), 1);
        std::memcpy(opt.buf->data() + 8, found->data(), st.key->size);
      }
      return opt;
    }
    std::vector<uint8_t> key = canonical_value(expr(*e.args[1]), st.key, e.span);
    switch (b) {
      case Builtin::map_get: {
        Val opt = fresh(8 + st.value->size);
        if (auto found = state_.get(st.id, key)) {
          write_word(opt.buf->data(), 1);
          std::memcpy(opt.buf->data() + 8, found->data(), std::min<size_t>(found->size(), st.value->size));
        }
        return opt;
      }
      case Builtin::map_put: {
        std::vector<uint8_t> value = bytes_of(expr(*e.args[2]), st.value);
        state_.put(st.id, key, value);
        return word(0);
      }
      case Builtin::set_add:
        state_.put(st.id, key, {});
        return word(0);
      case Builtin::map_remove:
        state_.remove(st.id, key);
        return word(0);
      case Builtin::map_contains:
        return word(state_.has(st.id, key) ? 1 : 0);
      default:
        return word(0);
    }
  }

  Val field(const Expr& e) {
    if (e.ref == ast::Ref::variant) return word(e.ref_index);
    Val base = expr(*e.args[0]);
    if (e.ref == ast::Ref::field) {
      const FieldInfo& f = e.args[0]->type->record->fields[e.ref_index];
      return load(base.buf, base.off + f.offset, f.type);
    }
    switch (static_cast<Builtin>(e.ref_index)) {
      case Builtin::year: return word(static_cast<int>(days_to_civil(base.w).year()));
      case Builtin::month: return word(static_cast<unsigned>(days_to_civil(base.w).month()));
      case Builtin::day: return word(static_cast<unsigned>(days_to_civil(base.w).day()));
      case Builtin::len: return word(read_word(base.data()));
      case Builtin::is_some: return word(read_word(base.data()) != 0 ? 1 : 0);
      case Builtin::is_none: return word(read_word(base.data()) != 0 ? 0 : 1);
      default: return word(0);
    }
  }

  Val index(const Expr& e) {
    if (e.ref == ast::Ref::builtin) {
      const TableInfo& table = C_.tables[e.args[0]->ref_index];
      std::vector<uint8_t> key = bytes_of(expr(*e.args[1]), table.key);
      Val out = fresh(8 + table.value->size);
      for (const auto& [k, v] : table.entries) {
        if (k == key) {
          write_word(out.buf->data(), 1);
          std::memcpy(out.buf->data() + 8, v.data(), v.size());
          break;
        }
      }
      return out;
    }
    const Type* list = e.args[0]->type;
    Val base = expr(*e.args[0]);
    int64_t i = expr(*e.args[1]).w;
    uint64_t len = list_length(base, list, e.span);
    if (static_cast<uint64_t>(i) >= len) fault(FaultKind::index_out_of_range, e.span);
    return load(base.buf, base.off + 8 + static_cast<uint64_t>(i) * list->elem->size, list->elem);
  }

  const Checked& C_;
  runtime::MemoryState& state_;
  int64_t today_;
  runtime::CallerKey caller_;
  Rounding mode_;
  Frame* frame_ = nullptr;
};

void canonicalize(const Type* t, uint8_t* p) {
  switch (t->kind) {
    case TypeKind::option:
      if (read_word(p) == 0)
        std::memset(p + 8, 0, t->elem->size);
      else
        canonicalize(t->elem, p + 8);
      return;
    case TypeKind::list: {
      auto len = static_cast<uint64_t>(read_word(p));
      uint64_t n = len < t->bound ? len : t->bound;
      for (uint64_t i = 0; i < n; ++i) canonicalize(t->elem, p + 8 + i * t->elem->size);
      std::memset(p + 8 + n * t->elem->size, 0, (t->bound - n) * t->elem->size);
      return;
    }
    case TypeKind::record:
      for (const FieldInfo& f : t->record->fields) canonicalize(f.type, p + f.offset);
      return;
    default:
      return;
  }
}

}  // namespace

std::string EvalOutcome::describe() const {
  std::ostringstream os;
  switch (kind) {
    case Kind::ok: {
      os << "ok ";
      static const char* kHex = "0123456789abcdef";
      for (uint8_t b : result) os << kHex[b >> 4] << kHex[b & 15];
      break;
    }
    case Kind::denied:
      os << "denied " << deny;
      break;
    case Kind::fault:
      os << "fault " << runtime::fault_kind_name(static_cast<uint64_t>(fault)) << " at " << line << ":" << column;
      break;
  }
  return os.str();
}

EvalOutcome evaluate(const Checked& checked, const std::string& entry, std::span<const uint8_t> params,
                     runtime::MemoryState& state, int64_t today, const runtime::CallerKey& caller) {
  EvalOutcome out;
  const FunctionInfo* f = checked.find_function(entry);
  uint64_t mark = state.checkpoint();
  Evaluator ev(checked, state, today, caller);
  auto args = std::make_shared<std::vector<uint8_t>>(params.begin(), params.end());
  try {
    out.result = ev.call(*f, args);
    out.kind = EvalOutcome::Kind::ok;
    out.events = std::move(ev.events);
  } catch (const DenySignal& d) {
    state.rollback(mark);
    out.kind = EvalOutcome::Kind::denied;
    out.deny = d.index;
  } catch (const FaultSignal& s) {
    state.rollback(mark);
    out.kind = EvalOutcome::Kind::fault;
    out.fault = s.kind;
    if (s.located) {
      LineCol lc = checked.sources->unit_line_col(s.span.begin);
      out.line = lc.line;
      out.column = lc.column;
    }
  }
  return out;
}

std::vector<uint8_t> canonical_bytes(const Type* type, std::span<const uint8_t> bytes) {
  std::vector<uint8_t> out(bytes.begin(), bytes.end());
  if (out.size() >= type->size) canonicalize(type, out.data());
  return out;
}

}  // namespace covenant::compiler::testing
