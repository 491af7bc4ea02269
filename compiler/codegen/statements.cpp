// Statements: bindings, assignment, control flow, denial and test expectations.

#include <algorithm>

#include "compiler/codegen/emitter.hpp"

namespace covenant::compiler::codegen {

using ast::Stmt;
using ast::StmtKind;
using runtime::FaultKind;
using runtime::HostId;

void Emitter::block_stmts(const ast::Block& b) {
  for (const auto& st : b.stmts) {
    if (terminated()) continue_in(block("unreachable"));
    // No temporary outlives its statement: values that must (variables) are copied into
    // pinned slots, so the statement's slots are free for the next one.
    size_t mark = used_slots_.size();
    stmt(*st);
    release_slots(mark);
  }
}

void Emitter::return_status(llvm::Value* status) {
  B_.CreateRet(status);
  continue_in(block("after"));
}

void Emitter::deny(const Stmt& st) {
  at(st.span);
  return_status(word(st.index));
}

llvm::Value* Emitter::place(const ast::Expr& e) {
  using ast::ExprKind;
  if (e.kind == ExprKind::name) return local_addr_[e.ref_index];
  if (e.kind == ExprKind::field) {
    llvm::Value* base = place(*e.args[0]);
    return offset(base, e.args[0]->type->record->fields[e.ref_index].offset);
  }
  // index into a list
  llvm::Value* base = place(*e.args[0]);
  const Type* list = e.args[0]->type;
  llvm::Value* i = expr(*e.args[1]);
  at(e.span);
  llvm::Value* len = list_length(base, list, e.span);
  fault_unless(B_.CreateICmpULT(i, len), FaultKind::index_out_of_range, e.span);
  llvm::Value* byte = B_.CreateAdd(word(8), B_.CreateMul(i, word(list->elem->size)));
  return B_.CreateInBoundsGEP(B_.getInt8Ty(), base, byte);
}

void Emitter::match_dispatch(llvm::Value* s, const Type* t, const std::vector<ast::MatchArm>& arms,
                             Span span, const std::function<void(const ast::MatchArm&)>& arm_body) {
  at(span);
  llvm::Value* tag = t->kind == TypeKind::option ? bool_word(truth(load_word(s))) : s;
  llvm::BasicBlock* otherwise = block("nomatch");
  auto* sw = B_.CreateSwitch(tag, otherwise);
  bool wildcard = false;
  for (const ast::MatchArm& arm : arms) {
    llvm::BasicBlock* bb = block("arm");
    const ast::Pattern& p = arm.pattern;
    switch (p.kind) {
      case ast::Pattern::Kind::wildcard:
        wildcard = true;
        sw->setDefaultDest(bb);
        break;
      case ast::Pattern::Kind::none: sw->addCase(B_.getInt64(0), bb); break;
      case ast::Pattern::Kind::some: sw->addCase(B_.getInt64(1), bb); break;
      case ast::Pattern::Kind::variant: sw->addCase(B_.getInt64(p.tag), bb); break;
    }
    continue_in(bb);
    if (p.kind == ast::Pattern::Kind::some) {
      const Type* inner = t->elem;
      llvm::Value* slot = local_slot(inner->size);
      store_value(slot, inner->is_word() ? load_word(s, 8) : offset(s, 8), inner, arm.span);
      local_addr_[p.local] = slot;
    }
    arm_body(arm);
  }
  // Without `_`, a tag outside the enum can only come from a malformed input.
  if (wildcard) {
    otherwise->eraseFromParent();
  } else {
    continue_in(otherwise);
    fault(FaultKind::invalid_input, span);
    B_.CreateRet(word_0());
  }
}

void Emitter::stmt(const Stmt& st) {
  stmt_span_ = st.span;
  at(st.span);
  switch (st.kind) {
    case StmtKind::let:
    case StmtKind::var: {
      const Type* t = (*locals_)[st.local].type;
      llvm::Value* v = expr(*st.value);
      llvm::Value* slot = local_slot(t->size);
      at(st.span);
      store_value(slot, v, t, st.span);
      local_addr_[st.local] = slot;
      return;
    }
    case StmtKind::assign: {
      const Type* t = st.target->type;
      if (st.compound) {
        llvm::Value* addr = place(*st.target);
        llvm::Value* rhs = expr(*st.value);
        at(st.span);
        llvm::Value* cur = t->is_word() ? load_word(addr) : addr;
        llvm::Value* v = arithmetic(*st.compound, t, st.value->type, t, cur, rhs, st.span, false);
        store_value(addr, v, t, st.span);
        return;
      }
      // Evaluate the value first: it may read the target (`x = x + 1`, `l = [l[1], l[0]]`).
      llvm::Value* v = expr(*st.value);
      if (!t->is_word()) {
        llvm::Value* copy_of = temp(t->size);
        store_value(copy_of, v, t, st.span);
        v = copy_of;
      }
      llvm::Value* addr = place(*st.target);
      at(st.span);
      store_value(addr, v, t, st.span);
      return;
    }
    case StmtKind::if_: {
      llvm::Value* c = truth(expr(*st.cond));
      llvm::BasicBlock* then_bb = block("then");
      llvm::BasicBlock* else_bb = block("else");
      llvm::BasicBlock* join = block("endif");
      at(st.span);
      B_.CreateCondBr(c, then_bb, else_bb);
      continue_in(then_bb);
      block_stmts(st.then_block);
      if (!terminated()) B_.CreateBr(join);
      continue_in(else_bb);
      if (st.else_block) block_stmts(*st.else_block);
      if (!terminated()) B_.CreateBr(join);
      continue_in(join);
      return;
    }
    case StmtKind::for_: {
      const Type* elem = (*locals_)[st.local].type;
      llvm::Value* slot = local_slot(elem->size);
      local_addr_[st.local] = slot;
      if (st.range_end) {
        // Constant bounds (checked): i runs from lo up to hi - 1.
        llvm::Value* lo = expr(*st.value);
        llvm::Value* hi = expr(*st.range_end);
        at(st.span);
        llvm::Value* count = B_.CreateSelect(B_.CreateICmpSGT(hi, lo), B_.CreateSub(hi, lo), word_0());
        LineCol lc = position(st.span);
        uint64_t bound = bounds_[{lc.line, lc.column}];
        counted_loop(count, bound, st.span, [&](llvm::Value* i, llvm::BasicBlock*) {
          store_word(slot, B_.CreateAdd(lo, i));
          block_stmts(st.then_block);
        });
        return;
      }
      if (st.value->type->kind != TypeKind::list) {
        state_loop(st);
        return;
      }
      const Type* list = st.value->type;
      llvm::Value* base = expr(*st.value);
      at(st.span);
      llvm::Value* count = list_length(base, list, st.span);
      counted_loop(count, list->bound, st.span, [&](llvm::Value* i, llvm::BasicBlock*) {
        llvm::Value* byte = B_.CreateAdd(word(8), B_.CreateMul(i, word(elem->size)));
        llvm::Value* element = B_.CreateInBoundsGEP(B_.getInt8Ty(), base, byte);
        store_value(slot, elem->is_word() ? load_word(element) : element, elem, st.span);
        block_stmts(st.then_block);
      });
      return;
    }
    case StmtKind::while_:
      return;  // refused by the checker
    case StmtKind::match: {
      llvm::Value* s = expr(*st.value);
      llvm::BasicBlock* join = block("endmatch");
      match_dispatch(s, st.value->type, st.arms, st.value->span, [&](const ast::MatchArm& arm) {
        block_stmts(arm.body);
        if (!terminated()) B_.CreateBr(join);
      });
      continue_in(join);
      return;
    }
    case StmtKind::require: {
      llvm::Value* c = truth(expr(*st.cond));
      llvm::BasicBlock* denied = block("denied");
      llvm::BasicBlock* ok = block("required");
      at(st.span);
      B_.CreateCondBr(c, ok, denied);
      continue_in(denied);
      deny(st);
      B_.CreateRet(word_0());
      continue_in(ok);
      return;
    }
    case StmtKind::deny:
      deny(st);
      return;
    case StmtKind::return_: {
      if (st.value) {
        llvm::Value* v = expr(*st.value);
        at(st.span);
        store_value(result_, v, st.value->type, st.span);
      }
      return_status(word_0());
      return;
    }
    case StmtKind::break_:
      B_.CreateBr(loops_.back().exit);
      continue_in(block("after"));
      return;
    case StmtKind::continue_:
      B_.CreateBr(loops_.back().next);
      continue_in(block("after"));
      return;
    case StmtKind::expect:
      expect(st);
      return;
    case StmtKind::emit:
      emit_event(st);
      return;
    case StmtKind::expr:
      expr(*st.value);
      return;
  }
}

void Emitter::state_loop(const Stmt& st) {
  const StateInfo& state = C_.states[st.value->ref_index];
  const Type* key = state.key;
  llvm::Value* slot = local_addr_[st.local];
  llvm::Value* found = temp(key->size);
  LineCol lc = position(st.span);
  uint64_t bound = bounds_[{lc.line, lc.column}];
  at(st.span);
  // Each pass asks for the first key after the one visited last (the first key of all on
  // the first pass), so keys the body adds or removes after the current one count, and the
  // loop ends early when the state has no more.
  counted_loop(word(static_cast<int64_t>(bound)), bound, st.span, [&](llvm::Value* i, llvm::BasicBlock* exit) {
    llvm::Value* first = bool_word(B_.CreateICmpEQ(i, word_0()));
    llvm::Value* more = host(HostId::state_next, {word(state.id), slot, word(key->size), found, first});
    llvm::BasicBlock* visit = block("visit");
    B_.CreateCondBr(truth(more), visit, exit);
    continue_in(visit);
    copy(slot, found, key->size, st.span);
    block_stmts(st.then_block);
  });
}

void Emitter::emit_event(const Stmt& st) {
  const Type* t = st.value->type;
  uint32_t index = static_cast<uint32_t>(std::find(C_.events.begin(), C_.events.end(), t) - C_.events.begin());
  llvm::Value* v = expr(*st.value);
  // A copy: canonicalizing must not change the value the body may still use.
  llvm::Value* data = temp(t->size);
  at(st.span);
  copy(data, v, t->size, st.span);
  canonicalize(data, t, st.span);
  at(st.span);
  host(HostId::emit, {word(index), data, word(t->size)});
}

void Emitter::expect(const Stmt& st) {
  const ExpectInfo& info = C_.expects[st.index];
  const ast::Expr& v = *st.value;
  if (st.expect_denied) {
    // Run the entry between a checkpoint and a rollback: its writes must not survive it.
    llvm::Value* mark = host(HostId::state_checkpoint, {});
    const FunctionInfo& f = C_.functions[v.ref_index];
    llvm::Value* block_args = temp(f.param_size);
    uint64_t off = 0;
    for (size_t i = 0; i < v.args.size(); ++i) {
      store_value(offset(block_args, off), expr(*v.args[i]), f.params[i], v.args[i]->span);
      off += f.params[i]->size;
    }
    llvm::Value* result = temp(f.result->size);
    at(st.span);
    llvm::Value* status = B_.CreateCall(bodies_[v.ref_index], {block_args, result});
    host(HostId::state_rollback, {mark});
    llvm::BasicBlock* failed = block("expect_failed");
    llvm::BasicBlock* ok = block("expect_ok");
    B_.CreateCondBr(B_.CreateICmpNE(status, word_0()), ok, failed);
    continue_in(failed);
    host(HostId::expect_fail, {word(st.index), word_0(), word_0(), word_0()});
    B_.CreateRet(word_0());
    continue_in(ok);
    return;
  }
  llvm::Value *lhs, *rhs, *holds;
  if (info.compares) {
    const Type* t = v.args[0]->type;
    llvm::Value* a = expr(*v.args[0]);
    llvm::Value* b = expr(*v.args[1]);
    at(st.span);
    lhs = materialize(a, t, st.span);
    rhs = materialize(b, t, st.span);
    holds = compare(v.op, t, a, b);
  } else {
    llvm::Value* value = expr(v);
    lhs = temp(8);
    store_word(lhs, value);
    rhs = temp(8);
    store_word(rhs, word(1));
    holds = truth(value);
  }
  at(st.span);
  llvm::BasicBlock* failed = block("expect_failed");
  llvm::BasicBlock* ok = block("expect_ok");
  B_.CreateCondBr(holds, ok, failed);
  continue_in(failed);
  host(HostId::expect_fail, {word(st.index), lhs, rhs, word(info.type ? info.type->size : 8)});
  B_.CreateRet(word_0());
  continue_in(ok);
}

}  // namespace covenant::compiler::codegen
