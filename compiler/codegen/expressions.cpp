// Expressions: literals, names, operators with checked arithmetic, calls, state, tables,
// code sets, lists and matches.

#include "compiler/codegen/emitter.hpp"
#include "compiler/sema/literal_bytes.hpp"

namespace covenant::compiler::codegen {

using ast::Expr;
using ast::ExprKind;
using ast::Op;
using runtime::FaultKind;
using runtime::HostId;

namespace {

// The first 8 bytes of a code as a big-endian number, so that numeric order is text order.
uint64_t be_word(const std::array<uint8_t, 16>& bytes, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | bytes[at + i];
  return v;
}

// Whether a value of `t` has bytes that no reading of it depends on (see canonicalize).
bool has_slack(const Type* t) {
  switch (t->kind) {
    case TypeKind::option:
    case TypeKind::list:
      return true;
    case TypeKind::record:
      for (const FieldInfo& f : t->record->fields)
        if (has_slack(f.type)) return true;
      return false;
    default:
      return false;
  }
}

uint64_t bit_width(uint64_t n) {
  uint64_t w = 0;
  while (n) {
    ++w;
    n >>= 1;
  }
  return w;
}

}  // namespace

llvm::Value* Emitter::materialize(llvm::Value* v, const Type* t, Span span) {
  if (!t->is_word()) return v;
  llvm::Value* slot = temp(8);
  at(span);
  store_word(slot, v);
  return slot;
}

void Emitter::store_value(llvm::Value* dst, llvm::Value* v, const Type* t, Span span) {
  if (t->is_word())
    store_word(dst, v);
  else
    copy(dst, v, t->size, span);
}

llvm::Value* Emitter::to_memory(const Expr& e) { return materialize(expr(e), e.type, e.span); }

void Emitter::canonicalize(llvm::Value* p, const Type* t, Span span) {
  if (!has_slack(t)) return;
  switch (t->kind) {
    case TypeKind::option: {
      llvm::BasicBlock* some = block("canon_some");
      llvm::BasicBlock* none = block("canon_none");
      llvm::BasicBlock* join = block("canon_option");
      B_.CreateCondBr(truth(load_word(p)), some, none);
      continue_in(some);
      canonicalize(offset(p, 8), t->elem, span);
      B_.CreateBr(join);
      continue_in(none);
      zero(offset(p, 8), t->elem->size, span);
      B_.CreateBr(join);
      continue_in(join);
      return;
    }
    case TypeKind::list: {
      const Type* elem = t->elem;
      llvm::Value* len = list_length(p, t, span);
      if (has_slack(elem)) {
        counted_loop(len, t->bound, span, [&](llvm::Value* i, llvm::BasicBlock*) {
          llvm::Value* byte = B_.CreateAdd(word(8), B_.CreateMul(i, word(elem->size)));
          canonicalize(B_.CreateInBoundsGEP(B_.getInt8Ty(), p, byte), elem, span);
        });
      }
      // The slots past the length, a word at a time (volatile, as in zero()).
      llvm::Value* tail = B_.CreateInBoundsGEP(B_.getInt8Ty(), p,
                                               B_.CreateAdd(word(8), B_.CreateMul(len, word(elem->size))));
      uint64_t words = t->bound * elem->size / 8;
      llvm::Value* count = B_.CreateMul(B_.CreateSub(word(static_cast<int64_t>(t->bound)), len),
                                        word(static_cast<int64_t>(elem->size / 8)));
      counted_loop(count, words, span, [&](llvm::Value* i, llvm::BasicBlock*) {
        auto* d = B_.CreateInBoundsGEP(B_.getInt8Ty(), tail, B_.CreateMul(i, word(8)));
        B_.CreateStore(word_0(), d, true)->setAlignment(llvm::Align(8));
      });
      return;
    }
    case TypeKind::record:
      for (const FieldInfo& f : t->record->fields) canonicalize(offset(p, f.offset), f.type, span);
      return;
    default:
      return;
  }
}

llvm::Value* Emitter::literal_bytes(const std::vector<uint8_t>& bytes) {
  llvm::Value* slot = temp(bytes.size());
  for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
    uint64_t w = 0;
    for (size_t j = 0; j < 8; ++j) w |= uint64_t{bytes[i + j]} << (8 * j);
    store_word(slot, B_.getInt64(w), i);
  }
  return slot;
}

llvm::Value* Emitter::list_length(llvm::Value* list, const Type* t, Span span) {
  llvm::Value* len = load_word(list);
  // Only a malformed parameter block can hold a length above the declared maximum.
  fault_unless(B_.CreateICmpULE(len, word(static_cast<int64_t>(t->bound))), FaultKind::invalid_input, span);
  return len;
}

llvm::Value* Emitter::equal(const Type* t, llvm::Value* a, llvm::Value* b) {
  if (t->is_word()) return B_.CreateICmpEQ(a, b);
  if (t->kind == TypeKind::option) {
    llvm::Value* fa = truth(load_word(a));
    llvm::Value* fb = truth(load_word(b));
    const Type* inner = t->elem;
    llvm::Value* pa = inner->is_word() ? load_word(a, 8) : offset(a, 8);
    llvm::Value* pb = inner->is_word() ? load_word(b, 8) : offset(b, 8);
    llvm::Value* same_payload = equal(inner, pa, pb);
    return B_.CreateAnd(B_.CreateICmpEQ(fa, fb), B_.CreateOr(B_.CreateNot(fa), same_payload));
  }
  // Duration, Code, Hash, Pseudonym: every byte is significant.
  llvm::Value* all = B_.getTrue();
  for (uint64_t off = 0; off < t->size; off += 8)
    all = B_.CreateAnd(all, B_.CreateICmpEQ(load_word(a, off), load_word(b, off)));
  return all;
}

llvm::Value* Emitter::compare(Op op, const Type* t, llvm::Value* a, llvm::Value* b) {
  switch (op) {
    case Op::eq: return equal(t, a, b);
    case Op::ne: return B_.CreateNot(equal(t, a, b));
    case Op::lt: return B_.CreateICmpSLT(a, b);
    case Op::le: return B_.CreateICmpSLE(a, b);
    case Op::gt: return B_.CreateICmpSGT(a, b);
    case Op::ge: return B_.CreateICmpSGE(a, b);
    default: return B_.getFalse();
  }
}

llvm::Value* Emitter::arithmetic(Op op, const Type* ta, const Type* tb, const Type* result,
                                 llvm::Value* a, llvm::Value* b, Span span, bool rounds) {
  at(span);
  llvm::Value* loc = packed_loc(span);
  TypeKind ka = ta->kind, kb = tb->kind;
  llvm::Value* mode = word(C_.rounding ? static_cast<int64_t>(*C_.rounding) : 0);
  auto both = [&](const char* fn, llvm::Value* x, llvm::Value* y) {
    // Componentwise on two durations (or a duration and a word for `*`).
    llvm::Value* out = temp(16);
    at(span);
    bool scalar = !y->getType()->isPointerTy();
    store_word(out, runtime_call(fn, {load_word(x, 0), scalar ? y : load_word(y, 0), loc}), 0);
    store_word(out, runtime_call(fn, {load_word(x, 8), scalar ? y : load_word(y, 8), loc}), 8);
    return out;
  };
  switch (op) {
    case Op::add:
    case Op::sub: {
      const char* fn = op == Op::add ? "cv_add" : "cv_sub";
      if (ka == TypeKind::duration && kb == TypeKind::duration) return both(fn, a, b);
      if (ka == TypeKind::date && kb == TypeKind::duration) {
        llvm::Value* months = load_word(b, 0);
        llvm::Value* days = load_word(b, 8);
        if (op == Op::sub) {
          months = runtime_call("cv_neg", {months, loc});
          days = runtime_call("cv_neg", {days, loc});
        }
        llvm::Value* d = runtime_call("cv_add_months", {a, months, loc});
        return runtime_call("cv_add_days", {d, days, loc});
      }
      if (ka == TypeKind::duration && kb == TypeKind::date)
        return arithmetic(op, tb, ta, result, b, a, span, rounds);
      return runtime_call(fn, {a, b, loc});
    }
    case Op::mul:
      if (ka == TypeKind::duration) return both("cv_mul", a, b);
      if (kb == TypeKind::duration) return both("cv_mul", b, a);
      if (rounds) {
        llvm::Value* money = ka == TypeKind::money ? a : b;
        llvm::Value* rate = ka == TypeKind::money ? b : a;
        return runtime_call("cv_mul_rate", {money, rate, mode, loc});
      }
      return runtime_call("cv_mul", {a, b, loc});
    case Op::div:
      if (rounds) return runtime_call("cv_div_round", {a, b, mode, loc});
      return runtime_call("cv_div", {a, b, loc});
    case Op::rem:
      return runtime_call("cv_rem", {a, b, loc});
    default:
      return word_0();
  }
}

llvm::Value* Emitter::binary(const Expr& e) {
  const Expr& l = *e.args[0];
  const Expr& r = *e.args[1];
  if (e.op == Op::and_ || e.op == Op::or_) {
    llvm::Value* a = expr(l);
    at(e.span);
    if (e.flag) {  // option `or` default
      const Type* inner = l.type->elem;
      llvm::Value* present = truth(load_word(a));
      llvm::BasicBlock* some = block("some");
      llvm::BasicBlock* none = block("none");
      llvm::BasicBlock* join = block("or");
      B_.CreateCondBr(present, some, none);
      continue_in(some);
      llvm::Value* inside = inner->is_word() ? load_word(a, 8) : offset(a, 8);
      llvm::BasicBlock* some_end = B_.GetInsertBlock();
      B_.CreateBr(join);
      continue_in(none);
      llvm::Value* fallback = expr(r);
      llvm::BasicBlock* none_end = B_.GetInsertBlock();
      B_.CreateBr(join);
      continue_in(join);
      auto* phi = B_.CreatePHI(inside->getType(), 2);
      phi->addIncoming(inside, some_end);
      phi->addIncoming(fallback, none_end);
      return phi;
    }
    llvm::Value* first = truth(a);
    llvm::BasicBlock* start = B_.GetInsertBlock();
    llvm::BasicBlock* second = block("rhs");
    llvm::BasicBlock* join = block("logic");
    if (e.op == Op::and_)
      B_.CreateCondBr(first, second, join);
    else
      B_.CreateCondBr(first, join, second);
    continue_in(second);
    llvm::Value* b = truth(expr(r));
    llvm::BasicBlock* second_end = B_.GetInsertBlock();
    B_.CreateBr(join);
    continue_in(join);
    auto* phi = B_.CreatePHI(B_.getInt1Ty(), 2);
    phi->addIncoming(e.op == Op::and_ ? B_.getFalse() : B_.getTrue(), start);
    phi->addIncoming(b, second_end);
    return bool_word(phi);
  }
  if (e.op == Op::in) {
    const Type* container = r.type;
    if (container->kind == TypeKind::codeset) {
      llvm::Value* code = expr(l);
      at(e.span);
      return bool_word(in_codeset(C_.codesets[r.ref_index], code));
    }
    if (container->kind == TypeKind::list) return in_list(e);
    const StateInfo& st = C_.states[r.ref_index];
    llvm::Value* key = state_key(l, st.key, e.span);
    at(e.span);
    llvm::Value* has = host(HostId::state_has, {word(st.id), key, word(st.key->size)});
    return bool_word(truth(has));
  }
  llvm::Value* a = expr(l);
  llvm::Value* b = expr(r);
  at(e.span);
  switch (e.op) {
    case Op::eq:
    case Op::ne:
    case Op::lt:
    case Op::le:
    case Op::gt:
    case Op::ge:
      return bool_word(compare(e.op, l.type, a, b));
    default:
      return arithmetic(e.op, l.type, r.type, e.type, a, b, e.span, e.flag);
  }
}

llvm::Value* Emitter::in_codeset(const CodeSetInfo& set, llvm::Value* code) {
  llvm::Value* hi = B_.CreateUnaryIntrinsic(llvm::Intrinsic::bswap, load_word(code, 0));
  llvm::Value* lo = B_.CreateUnaryIntrinsic(llvm::Intrinsic::bswap, load_word(code, 8));
  auto at_least = [&](uint64_t h, uint64_t l) {
    return B_.CreateOr(B_.CreateICmpUGT(hi, B_.getInt64(h)),
                       B_.CreateAnd(B_.CreateICmpEQ(hi, B_.getInt64(h)), B_.CreateICmpUGE(lo, B_.getInt64(l))));
  };
  auto at_most = [&](uint64_t h, uint64_t l) {
    return B_.CreateOr(B_.CreateICmpULT(hi, B_.getInt64(h)),
                       B_.CreateAnd(B_.CreateICmpEQ(hi, B_.getInt64(h)), B_.CreateICmpULE(lo, B_.getInt64(l))));
  };
  llvm::Value* any = B_.getFalse();
  for (const CodeSetInfo::Member& m : set.members) {
    uint64_t h = be_word(m.low, 0), l = be_word(m.low, 8);
    llvm::Value* hit = nullptr;
    switch (m.kind) {
      case CodeSetInfo::Member::Kind::exact:
        hit = B_.CreateAnd(B_.CreateICmpEQ(hi, B_.getInt64(h)), B_.CreateICmpEQ(lo, B_.getInt64(l)));
        break;
      case CodeSetInfo::Member::Kind::range:
        hit = B_.CreateAnd(at_least(h, l), at_most(be_word(m.high, 0), be_word(m.high, 8)));
        break;
      case CodeSetInfo::Member::Kind::prefix: {
        uint32_t n = m.prefix_length;
        uint64_t hi_mask = n >= 8 ? ~uint64_t{0} : ~uint64_t{0} << (64 - 8 * n);
        uint64_t lo_mask = n <= 8 ? 0 : n >= 16 ? ~uint64_t{0} : ~uint64_t{0} << (64 - 8 * (n - 8));
        hit = B_.CreateICmpEQ(B_.CreateAnd(hi, B_.getInt64(hi_mask)), B_.getInt64(h & hi_mask));
        if (lo_mask)
          hit = B_.CreateAnd(hit, B_.CreateICmpEQ(B_.CreateAnd(lo, B_.getInt64(lo_mask)), B_.getInt64(l & lo_mask)));
        break;
      }
    }
    any = B_.CreateOr(any, hit);
  }
  return any;
}

llvm::Value* Emitter::in_list(const Expr& e) {
  const Type* list = e.args[1]->type;
  const Type* elem = list->elem;
  llvm::Value* x = expr(*e.args[0]);
  llvm::Value* base = expr(*e.args[1]);
  at(e.span);
  llvm::Value* found = temp(8);
  store_word(found, word_0());
  llvm::Value* count = list_length(base, list, e.span);
  counted_loop(count, list->bound, e.span, [&](llvm::Value* i, llvm::BasicBlock* exit) {
    llvm::Value* byte = B_.CreateAdd(word(8), B_.CreateMul(i, word(elem->size)));
    llvm::Value* element = B_.CreateInBoundsGEP(B_.getInt8Ty(), base, byte);
    llvm::Value* hit = equal(elem, elem->is_word() ? load_word(element) : element, x);
    llvm::BasicBlock* yes = block("found");
    llvm::BasicBlock* no = block("next_element");
    B_.CreateCondBr(hit, yes, no);
    continue_in(yes);
    store_word(found, word(1));
    B_.CreateBr(exit);
    continue_in(no);
  });
  return load_word(found);
}

llvm::Value* Emitter::table_get(const TableInfo& table, llvm::Value* key, Span span) {
  const Type* kt = table.key;
  const Type* vt = table.value;
  llvm::Value* result = temp(8 + vt->size);
  at(span);
  zero(result, 8 + vt->size, span);
  uint64_t n = table.entries.size();
  if (n == 0) return result;
  uint64_t row = kt->size + vt->size;
  // The rows, sorted by key, as one constant in read-only data.
  std::vector<uint8_t> bytes;
  for (const auto& [k, v] : table.entries) {
    bytes.insert(bytes.end(), k.begin(), k.end());
    bytes.insert(bytes.end(), v.begin(), v.end());
  }
  auto* init = llvm::ConstantDataArray::get(ctx_, llvm::ArrayRef<uint8_t>(bytes));
  auto* rows = new llvm::GlobalVariable(*M_, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init,
                                        "table." + table.name);
  rows->setAlignment(llvm::Align(8));
  rows->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);

  bool code_key = kt->kind == TypeKind::code;
  llvm::Value *k0 = nullptr, *k1 = nullptr;
  if (code_key) {
    k0 = B_.CreateUnaryIntrinsic(llvm::Intrinsic::bswap, load_word(key, 0));
    k1 = B_.CreateUnaryIntrinsic(llvm::Intrinsic::bswap, load_word(key, 8));
  }
  // row_key < key, for the row at `r`.
  auto row_less = [&](llvm::Value* r) -> llvm::Value* {
    if (!code_key) return B_.CreateICmpSLT(load_word(r), key);
    llvm::Value* r0 = B_.CreateUnaryIntrinsic(llvm::Intrinsic::bswap, load_word(r, 0));
    llvm::Value* r1 = B_.CreateUnaryIntrinsic(llvm::Intrinsic::bswap, load_word(r, 8));
    return B_.CreateOr(B_.CreateICmpULT(r0, k0), B_.CreateAnd(B_.CreateICmpEQ(r0, k0), B_.CreateICmpULT(r1, k1)));
  };
  auto row_at = [&](llvm::Value* i) {
    return B_.CreateInBoundsGEP(B_.getInt8Ty(), rows, B_.CreateMul(i, word(static_cast<int64_t>(row))));
  };
  // Lower bound by halving: at most bit_width(n) + 1 steps.
  llvm::Value* lo = temp(8);
  llvm::Value* hi = temp(8);
  at(span);
  store_word(lo, word_0());
  store_word(hi, word(static_cast<int64_t>(n)));
  uint64_t steps = bit_width(n) + 1;
  counted_loop(word(static_cast<int64_t>(steps)), steps, span, [&](llvm::Value*, llvm::BasicBlock* exit) {
    llvm::Value* l = load_word(lo);
    llvm::Value* h = load_word(hi);
    llvm::BasicBlock* step = block("search");
    B_.CreateCondBr(B_.CreateICmpULT(l, h), step, exit);
    continue_in(step);
    llvm::Value* mid = B_.CreateLShr(B_.CreateAdd(l, h), 1);
    llvm::Value* less = row_less(row_at(mid));
    store_word(lo, B_.CreateSelect(less, B_.CreateAdd(mid, word(1)), l));
    store_word(hi, B_.CreateSelect(less, h, mid));
  });
  llvm::Value* i = load_word(lo);
  llvm::BasicBlock* check = block("check");
  llvm::BasicBlock* hit = block("hit");
  llvm::BasicBlock* done = block("lookup_done");
  B_.CreateCondBr(B_.CreateICmpULT(i, word(static_cast<int64_t>(n))), check, done);
  continue_in(check);
  llvm::Value* r = row_at(i);
  llvm::Value* same = code_key ? equal(kt, r, key) : B_.CreateICmpEQ(load_word(r), key);
  B_.CreateCondBr(same, hit, done);
  continue_in(hit);
  store_word(result, word(1));
  llvm::Value* value = offset(r, kt->size);
  store_value(offset(result, 8), vt->is_word() ? load_word(value) : value, vt, span);
  B_.CreateBr(done);
  continue_in(done);
  return result;
}

llvm::Value* Emitter::call_function(const FunctionInfo& f, const Expr& e) {
  llvm::Value* block_args = temp(f.param_size);
  uint64_t off = 0;
  for (size_t i = 0; i < e.args.size(); ++i) {
    llvm::Value* v = expr(*e.args[i]);
    store_value(offset(block_args, off), v, f.params[i], e.args[i]->span);
    off += f.params[i]->size;
  }
  llvm::Value* result = temp(f.result->size);
  at(e.span);
  size_t index = static_cast<size_t>(&f - C_.functions.data());
  llvm::Value* status = B_.CreateCall(bodies_[index], {block_args, result});
  // A denial anywhere below ends this function with the same denial.
  llvm::BasicBlock* denied = block("denied");
  llvm::BasicBlock* ok = block("returned");
  B_.CreateCondBr(B_.CreateICmpEQ(status, word_0()), ok, denied);
  continue_in(denied);
  B_.CreateRet(status);
  continue_in(ok);
  if (f.result == C_.types->unit()) return word_0();
  return f.result->is_word() ? load_word(result) : result;
}

llvm::Value* Emitter::call(const Expr& e) {
  if (e.ref == ast::Ref::function) return call_function(C_.functions[e.ref_index], e);
  auto b = static_cast<Builtin>(e.ref_index);
  llvm::Value* loc = packed_loc(e.span);
  switch (b) {
    case Builtin::min:
    case Builtin::max: {
      llvm::Value* x = expr(*e.args[0]);
      llvm::Value* y = expr(*e.args[1]);
      at(e.span);
      llvm::Value* less = B_.CreateICmpSLT(x, y);
      return b == Builtin::min ? B_.CreateSelect(less, x, y) : B_.CreateSelect(less, y, x);
    }
    case Builtin::abs: {
      llvm::Value* x = expr(*e.args[0]);
      at(e.span);
      return B_.CreateSelect(B_.CreateICmpSLT(x, word_0()), runtime_call("cv_neg", {x, loc}), x);
    }
    case Builtin::days:
    case Builtin::months:
    case Builtin::years: {
      llvm::Value* n = expr(*e.args[0]);
      llvm::Value* out = temp(16);
      at(e.span);
      llvm::Value* months = b == Builtin::years ? runtime_call("cv_mul", {n, word(12), loc})
                            : b == Builtin::months ? n
                                                   : word_0();
      store_word(out, months, 0);
      store_word(out, b == Builtin::days ? n : word_0(), 8);
      return out;
    }
    case Builtin::date: {
      llvm::Value* y = expr(*e.args[0]);
      llvm::Value* m = expr(*e.args[1]);
      llvm::Value* d = expr(*e.args[2]);
      at(e.span);
      return runtime_call("cv_days_from_civil", {y, m, d, loc});
    }
    case Builtin::now:
      return host(HostId::now, {});
    case Builtin::pseudonym:
    case Builtin::hash:
    case Builtin::key: {
      auto h = hash_literal_bytes(*e.args[0]);
      return literal_bytes(std::vector<uint8_t>(h.begin(), h.end()));
    }
    case Builtin::caller: {
      llvm::Value* out = temp(32);
      at(e.span);
      host(HostId::caller, {out});
      return out;
    }
    case Builtin::sha256: {
      const Type* t = e.args[0]->type;
      llvm::Value* v = expr(*e.args[0]);
      // A copy in canonical form: equal values hash alike whatever their unused bytes hold.
      llvm::Value* data = temp(t->size);
      at(e.span);
      store_value(data, v, t, e.span);
      canonicalize(data, t, e.span);
      llvm::Value* out = temp(32);
      at(e.span);
      host(HostId::sha256, {data, word(t->size), out});
      return out;
    }
    default:
      return word_0();
  }
}

llvm::Value* Emitter::state_key(const Expr& e, const Type* key, Span span) {
  llvm::Value* v = to_memory(e);
  if (!has_slack(key)) return v;
  // Equal keys are the same entry whatever their unused bytes hold.
  llvm::Value* copy_of = temp(key->size);
  at(span);
  copy(copy_of, v, key->size, span);
  canonicalize(copy_of, key, span);
  return copy_of;
}

llvm::Value* Emitter::state_seek(const StateInfo& st, llvm::Value* after, bool from_start, Span span) {
  llvm::Value* opt = temp(8 + st.key->size);
  at(span);
  zero(opt, 8 + st.key->size, span);
  // From the start, `after` is not read but must be key-sized readable bytes: the payload.
  llvm::Value* key = from_start ? offset(opt, 8) : after;
  llvm::Value* found = host(HostId::state_next, {word(st.id), key, word(st.key->size), offset(opt, 8),
                                                 word(from_start ? 1 : 0)});
  store_word(opt, bool_word(truth(found)));
  return opt;
}

llvm::Value* Emitter::method(const Expr& e) {
  auto b = static_cast<Builtin>(e.ref_index);
  if (b == Builtin::list_push) {
    const Type* list = e.args[0]->type;
    llvm::Value* v = expr(*e.args[1]);
    llvm::Value* addr = place(*e.args[0]);
    at(e.span);
    llvm::Value* len = list_length(addr, list, e.span);
    fault_unless(B_.CreateICmpULT(len, word(static_cast<int64_t>(list->bound))), FaultKind::index_out_of_range,
                 e.span);
    llvm::Value* byte = B_.CreateAdd(word(8), B_.CreateMul(len, word(list->elem->size)));
    store_value(B_.CreateInBoundsGEP(B_.getInt8Ty(), addr, byte), v, list->elem, e.span);
    store_word(addr, B_.CreateAdd(len, word(1)));
    return word_0();
  }
  const StateInfo& st = C_.states[e.args[0]->ref_index];
  if (b == Builtin::state_first) return state_seek(st, nullptr, true, e.span);
  if (b == Builtin::state_next) return state_seek(st, state_key(*e.args[1], st.key, e.span), false, e.span);
  llvm::Value* key = state_key(*e.args[1], st.key, e.span);
  llvm::Value* id = word(st.id);
  llvm::Value* key_size = word(st.key->size);
  switch (b) {
    case Builtin::map_get: {
      llvm::Value* opt = temp(8 + st.value->size);
      at(e.span);
      zero(opt, 8 + st.value->size, e.span);
      llvm::Value* found =
          host(HostId::state_get, {id, key, key_size, offset(opt, 8), word(st.value->size)});
      store_word(opt, bool_word(truth(found)));
      return opt;
    }
    case Builtin::map_put: {
      llvm::Value* value = to_memory(*e.args[2]);
      at(e.span);
      host(HostId::state_put, {id, key, key_size, value, word(st.value->size)});
      return word_0();
    }
    case Builtin::set_add:
      at(e.span);
      host(HostId::state_put, {id, key, key_size, word_0(), word_0()});
      return word_0();
    case Builtin::map_remove:
      at(e.span);
      host(HostId::state_remove, {id, key, key_size});
      return word_0();
    case Builtin::map_contains:
      at(e.span);
      return bool_word(truth(host(HostId::state_has, {id, key, key_size})));
    default:
      return word_0();
  }
}

llvm::Value* Emitter::field(const Expr& e) {
  if (e.ref == ast::Ref::variant) return word(e.ref_index);
  llvm::Value* base = expr(*e.args[0]);
  at(e.span);
  if (e.ref == ast::Ref::field) {
    const FieldInfo& f = e.args[0]->type->record->fields[e.ref_index];
    return f.type->is_word() ? load_word(base, f.offset) : offset(base, f.offset);
  }
  switch (static_cast<Builtin>(e.ref_index)) {
    case Builtin::year: return runtime_call("cv_year", {base});
    case Builtin::month: return runtime_call("cv_month", {base});
    case Builtin::day: return runtime_call("cv_day", {base});
    case Builtin::len: return load_word(base);
    case Builtin::is_some: return bool_word(truth(load_word(base)));
    case Builtin::is_none: return bool_word(B_.CreateNot(truth(load_word(base))));
    default: return word_0();
  }
}

llvm::Value* Emitter::index(const Expr& e) {
  if (e.ref == ast::Ref::builtin) {
    const TableInfo& table = C_.tables[e.args[0]->ref_index];
    return table_get(table, expr(*e.args[1]), e.span);
  }
  const Type* list = e.args[0]->type;
  llvm::Value* base = expr(*e.args[0]);
  llvm::Value* i = expr(*e.args[1]);
  at(e.span);
  llvm::Value* len = list_length(base, list, e.span);
  fault_unless(B_.CreateICmpULT(i, len), FaultKind::index_out_of_range, e.span);
  llvm::Value* byte = B_.CreateAdd(word(8), B_.CreateMul(i, word(list->elem->size)));
  llvm::Value* element = B_.CreateInBoundsGEP(B_.getInt8Ty(), base, byte);
  return list->elem->is_word() ? load_word(element) : element;
}

llvm::Value* Emitter::match_value(const Expr& e) {
  llvm::Value* s = expr(*e.args[0]);
  llvm::BasicBlock* join = block("endmatch");
  std::vector<std::pair<llvm::Value*, llvm::BasicBlock*>> incoming;
  match_dispatch(s, e.args[0]->type, e.arms, e.args[0]->span, [&](const ast::MatchArm& arm) {
    llvm::Value* v = expr(*arm.value);
    incoming.push_back({v, B_.GetInsertBlock()});
    B_.CreateBr(join);
  });
  continue_in(join);
  auto* phi = B_.CreatePHI(incoming.front().first->getType(), static_cast<unsigned>(incoming.size()));
  for (auto& [v, bb] : incoming) phi->addIncoming(v, bb);
  return phi;
}

llvm::Value* Emitter::expr(const Expr& e) {
  at(e.span);
  switch (e.kind) {
    case ExprKind::int_lit:
    case ExprKind::money_lit:
    case ExprKind::bool_lit:
      return word(e.int_value);
    case ExprKind::rate_lit:
      return word(e.int_value2);
    case ExprKind::date_lit:
      return word(days_from_civil(e.int_value, e.int_value2, e.int_value3));
    case ExprKind::duration_lit: {
      auto [months, days] = duration_parts(e);
      llvm::Value* out = temp(16);
      at(e.span);
      store_word(out, word(months), 0);
      store_word(out, word(days), 8);
      return out;
    }
    case ExprKind::string_lit: {
      auto b = code_bytes(e.text);
      return literal_bytes(std::vector<uint8_t>(b.begin(), b.end()));
    }
    case ExprKind::hash_lit: {
      auto h = hash_literal_bytes(e);
      return literal_bytes(std::vector<uint8_t>(h.begin(), h.end()));
    }
    case ExprKind::none_lit: {
      llvm::Value* out = temp(e.type->size);
      at(e.span);
      zero(out, e.type->size, e.span);
      return out;
    }
    case ExprKind::some: {
      llvm::Value* v = expr(*e.args[0]);
      llvm::Value* out = temp(e.type->size);
      at(e.span);
      store_word(out, word(1));
      store_value(offset(out, 8), v, e.type->elem, e.span);
      return out;
    }
    case ExprKind::name:
      if (e.ref == ast::Ref::local) {
        llvm::Value* addr = local_addr_[e.ref_index];
        return e.type->is_word() ? load_word(addr) : addr;
      }
      if (e.ref == ast::Ref::constant) return expr(*C_.constants[e.ref_index].decl->value);
      return word_0();  // tables, states and code sets are used by their parent expression
    case ExprKind::unary: {
      llvm::Value* v = expr(*e.args[0]);
      at(e.span);
      if (e.op == Op::not_) return bool_word(B_.CreateNot(truth(v)));
      return runtime_call("cv_neg", {v, packed_loc(e.span)});
    }
    case ExprKind::binary:
      return binary(e);
    case ExprKind::within: {
      llvm::Value* v = expr(*e.args[0]);
      llvm::Value* lo = expr(*e.args[1]);
      llvm::Value* hi = expr(*e.args[2]);
      at(e.span);
      return bool_word(B_.CreateAnd(B_.CreateICmpSGE(v, lo), B_.CreateICmpSLE(v, hi)));
    }
    case ExprKind::call:
      return call(e);
    case ExprKind::method:
      return method(e);
    case ExprKind::field:
      return field(e);
    case ExprKind::index:
      return index(e);
    case ExprKind::record_lit: {
      const RecordInfo& r = *e.type->record;
      llvm::Value* out = temp(r.size);
      for (const ast::FieldInit& init : e.inits) {
        const FieldInfo* f = r.find(init.name.name);
        llvm::Value* v = expr(*init.value);
        store_value(offset(out, f->offset), v, f->type, init.value->span);
      }
      return out;
    }
    case ExprKind::list_lit: {
      const Type* elem = e.type->elem;
      llvm::Value* out = temp(e.type->size);
      at(e.span);
      store_word(out, word(static_cast<int64_t>(e.args.size())));
      for (size_t i = 0; i < e.args.size(); ++i) {
        llvm::Value* v = expr(*e.args[i]);
        store_value(offset(out, 8 + i * elem->size), v, elem, e.args[i]->span);
      }
      at(e.span);
      uint64_t used = 8 + e.args.size() * elem->size;
      zero(offset(out, used), e.type->size - used, e.span);
      return out;
    }
    case ExprKind::if_expr: {
      llvm::Value* c = truth(expr(*e.args[0]));
      llvm::BasicBlock* yes = block("then");
      llvm::BasicBlock* no = block("else");
      llvm::BasicBlock* join = block("endif");
      at(e.span);
      B_.CreateCondBr(c, yes, no);
      continue_in(yes);
      llvm::Value* a = expr(*e.args[1]);
      llvm::BasicBlock* yes_end = B_.GetInsertBlock();
      B_.CreateBr(join);
      continue_in(no);
      llvm::Value* b = expr(*e.args[2]);
      llvm::BasicBlock* no_end = B_.GetInsertBlock();
      B_.CreateBr(join);
      continue_in(join);
      auto* phi = B_.CreatePHI(a->getType(), 2);
      phi->addIncoming(a, yes_end);
      phi->addIncoming(b, no_end);
      return phi;
    }
    case ExprKind::match_expr:
      return match_value(e);
  }
  return word_0();
}

}  // namespace covenant::compiler::codegen
