// Module setup, function frames and the helpers every emitted body uses.

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/raw_ostream.h>

#include "compiler/codegen/emitter.hpp"
#include "compiler/runtime/runtime_module.hpp"

namespace covenant::compiler {
namespace codegen {

using runtime::FaultKind;
using runtime::HostId;

Emitter::Emitter(const Checked& checked, llvm::LLVMContext& context, bool tests)
    : C_(checked),
      ctx_(context),
      tests_(tests),
      M_(std::make_unique<llvm::Module>(checked.name, context)),
      B_(context),
      D_(*M_),
      i64_(llvm::Type::getInt64Ty(context)),
      ptr_(llvm::PointerType::get(context, 0)),
      bounds_(checked.loop_bounds) {
  M_->setTargetTriple("bpfel");
  M_->addModuleFlag(llvm::Module::Warning, "Debug Info Version", llvm::DEBUG_METADATA_VERSION);
  M_->addModuleFlag(llvm::Module::Warning, "Dwarf Version", 4);
  // No directory and a fixed producer: nothing about the machine reaches the object. The
  // line table holds unit lines (sources.hpp), so one file stands for every source file.
  file_ = D_.createFile(checked.source->name(), "");
  cu_ = D_.createCompileUnit(llvm::dwarf::DW_LANG_C99, file_, "covenant", true, "", 0);
}

llvm::Function* Emitter::declare_body(const std::string& name) {
  auto* type = llvm::FunctionType::get(i64_, {ptr_, ptr_}, false);
  auto* f = llvm::Function::Create(type, llvm::Function::InternalLinkage, name + ".body", *M_);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  return f;
}

void Emitter::begin_body(llvm::Function* fn, const std::string& name, Span span,
                         const std::vector<LocalInfo>& locals, bool in_test) {
  fn_ = fn;
  LineCol lc = position(span);
  auto* sub_type = D_.createSubroutineType(D_.getOrCreateTypeArray({}));
  sp_ = D_.createFunction(file_, name, fn->getName(), file_, lc.line, sub_type, lc.line,
                          llvm::DINode::FlagZero, llvm::DISubprogram::SPFlagDefinition);
  fn->setSubprogram(sp_);
  entry_block_ = llvm::BasicBlock::Create(ctx_, "entry", fn);
  B_.SetInsertPoint(entry_block_);
  at(span);
  args_ = fn->getArg(0);
  result_ = fn->getArg(1);
  locals_ = &locals;
  local_addr_.assign(locals.size(), nullptr);
  in_test_ = in_test;
  loops_.clear();
  free_slots_.clear();
  used_slots_.clear();
}

void Emitter::finish_body() {
  // A body without a result ends with status 0; one with a result never gets here (the
  // checker proved every path returns or denies), and the block is removed as dead. BPF has
  // no trap, and the verifier wants every function to end in exit, so no `unreachable`.
  if (!terminated()) B_.CreateRet(word_0());
  D_.finalizeSubprogram(sp_);
}

void Emitter::emit_function(const FunctionInfo& f, llvm::Function* body) {
  begin_body(body, f.name, f.decl->name.span, f.locals, false);
  // Parameters live in the argument block: words are read from it, larger values used in
  // place (the block is never written).
  uint64_t off = 0;
  for (size_t i = 0; i < f.params.size(); ++i) {
    local_addr_[i] = offset(args_, off);
    off += f.params[i]->size;
  }
  block_stmts(f.decl->body);
  finish_body();
}

void Emitter::emit_test(const TestInfo& t, llvm::Function* body) {
  begin_body(body, t.entry_name, t.decl->span, t.locals, true);
  block_stmts(t.decl->body);
  finish_body();
}

void Emitter::emit_export(const std::string& name, llvm::Function* body, uint32_t param_size,
                          uint32_t result_size, Span span) {
  auto* type = llvm::FunctionType::get(i64_, {ptr_, i64_, ptr_, i64_}, false);
  auto* f = llvm::Function::Create(type, llvm::Function::ExternalLinkage, name, *M_);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  static const std::vector<LocalInfo> kNoLocals;
  begin_body(f, name, span, kNoLocals, false);
  llvm::Value* in_ok = B_.CreateICmpEQ(f->getArg(1), word(param_size));
  llvm::Value* out_ok = B_.CreateICmpUGE(f->getArg(3), word(result_size));
  fault_unless(B_.CreateAnd(in_ok, out_ok), FaultKind::invalid_input, span);
  B_.CreateRet(B_.CreateCall(body, {f->getArg(0), f->getArg(2)}));
  D_.finalizeSubprogram(sp_);
}

LineCol Emitter::position(Span span) const { return C_.sources->unit_line_col(span.begin); }

void Emitter::at(Span span) {
  LineCol lc = position(span);
  B_.SetCurrentDebugLocation(llvm::DILocation::get(ctx_, lc.line, lc.column, sp_));
}

llvm::Value* Emitter::packed_loc(Span span) {
  LineCol lc = position(span);
  return word(static_cast<int64_t>(runtime::pack_loc(lc.line, lc.column)));
}

llvm::Value* Emitter::as_int(llvm::Value* v) {
  return v->getType()->isPointerTy() ? B_.CreatePtrToInt(v, i64_) : v;
}

llvm::Value* Emitter::host(HostId id, std::vector<llvm::Value*> args) {
  std::vector<llvm::Type*> params(args.size(), i64_);
  for (auto& a : args) a = as_int(a);
  auto* type = llvm::FunctionType::get(i64_, params, false);
  // BPF calls a helper through a constant address: `call imm`.
  llvm::Value* callee = B_.CreateIntToPtr(word(static_cast<int64_t>(id)), ptr_);
  return B_.CreateCall(type, callee, args);
}

llvm::Value* Emitter::runtime_call(const char* name, std::vector<llvm::Value*> args) {
  std::vector<llvm::Type*> params(args.size(), i64_);
  auto callee = M_->getOrInsertFunction(name, llvm::FunctionType::get(i64_, params, false));
  return B_.CreateCall(callee, args);
}

llvm::BasicBlock* Emitter::block(const char* name) { return llvm::BasicBlock::Create(ctx_, name, fn_); }

void Emitter::continue_in(llvm::BasicBlock* bb) { B_.SetInsertPoint(bb); }

bool Emitter::terminated() { return B_.GetInsertBlock()->getTerminator() != nullptr; }

void Emitter::fault(FaultKind kind, Span span) {
  at(span);
  host(HostId::fault, {word(static_cast<int64_t>(kind)), packed_loc(span)});
  // The fault never returns, but LLVM does not know that: return the fault status, which
  // callers pass up like a denial, so that no caller goes on to read a result this path never
  // wrote (after inlining, a branch on that undefined value would let LLVM delete the path's
  // exit and leave the function able to run off its end).
  B_.CreateRet(word(kFaultStatus));
  continue_in(block("dead"));
}

void Emitter::fault_unless(llvm::Value* ok, FaultKind kind, Span span) {
  llvm::BasicBlock* bad = block("fault");
  llvm::BasicBlock* good = block("ok");
  B_.CreateCondBr(ok, good, bad);
  continue_in(bad);
  fault(kind, span);
  B_.CreateRet(word_0());
  continue_in(good);
}

llvm::Value* Emitter::temp(uint64_t size) {
  if (size == 0) size = 8;
  // Reuse the smallest free slot that fits: a temporary lives only until the end of the
  // statement that made it, and without reuse a long body would outgrow the BPF frame.
  auto best = free_slots_.end();
  for (auto it = free_slots_.begin(); it != free_slots_.end(); ++it)
    if (it->size >= size && (best == free_slots_.end() || it->size < best->size)) best = it;
  if (best != free_slots_.end()) {
    Slot slot = *best;
    free_slots_.erase(best);
    used_slots_.push_back(slot);
    return slot.ptr;
  }
  llvm::IRBuilder<> entry(entry_block_, entry_block_->begin());
  auto* alloca = entry.CreateAlloca(llvm::ArrayType::get(B_.getInt8Ty(), size));
  alloca->setAlignment(llvm::Align(8));
  used_slots_.push_back({alloca, size});
  return alloca;
}

llvm::Value* Emitter::local_slot(uint64_t size) {
  llvm::Value* slot = temp(size);
  used_slots_.pop_back();  // pinned: a variable lives to the end of the function
  return slot;
}

void Emitter::release_slots(size_t mark) {
  free_slots_.insert(free_slots_.end(), used_slots_.begin() + static_cast<std::ptrdiff_t>(mark),
                     used_slots_.end());
  used_slots_.resize(mark);
}

llvm::Value* Emitter::offset(llvm::Value* base, uint64_t bytes) {
  if (bytes == 0) return base;
  return B_.CreateConstInBoundsGEP1_64(B_.getInt8Ty(), base, bytes);
}

llvm::Value* Emitter::load_word(llvm::Value* base, uint64_t bytes) {
  auto* l = B_.CreateLoad(i64_, offset(base, bytes));
  l->setAlignment(llvm::Align(8));
  return l;
}

void Emitter::store_word(llvm::Value* base, llvm::Value* v, uint64_t bytes) {
  auto* s = B_.CreateStore(v, offset(base, bytes));
  s->setAlignment(llvm::Align(8));
}

void Emitter::register_loop(Span span, uint64_t bound) {
  LineCol lc = position(span);
  auto& slot = bounds_[{lc.line, lc.column}];
  slot = std::max(slot, bound);
}

void Emitter::counted_loop(llvm::Value* count, uint64_t bound, Span span,
                           const std::function<void(llvm::Value*, llvm::BasicBlock*)>& body) {
  register_loop(span, bound);
  llvm::Value* counter = temp(8);
  at(span);
  store_word(counter, word_0());
  llvm::BasicBlock* head = block("loop");
  llvm::BasicBlock* work = block("body");
  llvm::BasicBlock* next = block("next");
  llvm::BasicBlock* exit = block("done");
  B_.CreateBr(head);
  continue_in(head);
  at(span);
  llvm::Value* i = load_word(counter);
  B_.CreateCondBr(B_.CreateICmpSLT(i, count), work, exit);
  continue_in(work);
  loops_.push_back({next, exit});
  body(i, exit);
  loops_.pop_back();
  if (!terminated()) B_.CreateBr(next);
  continue_in(next);
  at(span);
  store_word(counter, B_.CreateAdd(load_word(counter), word(1)));
  B_.CreateBr(head);
  continue_in(exit);
}

void Emitter::copy(llvm::Value* dst, llvm::Value* src, uint64_t size, Span span) {
  if (size == 0 || dst == src) return;
  // The BPF backend expands a constant memcpy inline up to a limit and cannot call a library
  // memcpy, so big values are copied by a bounded loop of words.
  constexpr uint64_t kInlineCopy = 512;
  if (size <= kInlineCopy) {
    B_.CreateMemCpy(dst, llvm::MaybeAlign(8), src, llvm::MaybeAlign(8), size);
    return;
  }
  // Volatile, so that LLVM's loop idiom recognition cannot turn the loop back into a memcpy.
  uint64_t words = size / 8;
  counted_loop(word(static_cast<int64_t>(words)), words, span, [&](llvm::Value* i, llvm::BasicBlock*) {
    llvm::Value* byte = B_.CreateMul(i, word(8));
    auto* s = B_.CreateInBoundsGEP(B_.getInt8Ty(), src, byte);
    auto* d = B_.CreateInBoundsGEP(B_.getInt8Ty(), dst, byte);
    auto* l = B_.CreateLoad(i64_, s, true);
    l->setAlignment(llvm::Align(8));
    B_.CreateStore(l, d, true)->setAlignment(llvm::Align(8));
  });
}

void Emitter::zero(llvm::Value* dst, uint64_t size, Span span) {
  if (size == 0) return;
  constexpr uint64_t kInlineZero = 512;  // as for copies: no library memset on BPF
  if (size <= kInlineZero) {
    B_.CreateMemSet(dst, B_.getInt8(0), size, llvm::MaybeAlign(8));
    return;
  }
  uint64_t words = size / 8;
  counted_loop(word(static_cast<int64_t>(words)), words, span, [&](llvm::Value* i, llvm::BasicBlock*) {
    auto* d = B_.CreateInBoundsGEP(B_.getInt8Ty(), dst, B_.CreateMul(i, word(8)));
    B_.CreateStore(word_0(), d, true)->setAlignment(llvm::Align(8));  // volatile: as in copy()
  });
}

Expected<Generated, std::string> Emitter::run() {
  for (const FunctionInfo& f : C_.functions) bodies_.push_back(declare_body(f.name));
  if (tests_)
    for (const TestInfo& t : C_.tests) test_bodies_.push_back(declare_body(t.entry_name));
  for (size_t i = 0; i < C_.functions.size(); ++i) emit_function(C_.functions[i], bodies_[i]);
  Generated g;
  for (size_t i = 0; i < C_.functions.size(); ++i) {
    const FunctionInfo& f = C_.functions[i];
    if (!f.is_entry) continue;
    uint32_t result_size = f.result->size;
    emit_export(f.name, bodies_[i], f.param_size, result_size, f.decl->name.span);
    g.entries.push_back({f.name, f.param_size, result_size});
  }
  if (C_.library) {
    // A library compiled on its own: each of its functions is exported (codegen.hpp), so
    // that each is compiled, verified and bounded as if a contract called it.
    uint32_t n = 0;
    for (size_t i = 0; i < C_.functions.size(); ++i) {
      const FunctionInfo& f = C_.functions[i];
      if (C_.sources->file_of(f.decl->span.begin).index() != 0) continue;
      std::string name = "__fn_" + std::to_string(n++);
      emit_export(name, bodies_[i], f.param_size, f.result->size, f.decl->name.span);
      g.entries.push_back({name, f.param_size, f.result->size});
    }
  }
  if (tests_) {
    for (size_t i = 0; i < C_.tests.size(); ++i) {
      emit_test(C_.tests[i], test_bodies_[i]);
      emit_export(C_.tests[i].entry_name, test_bodies_[i], 0, 0, C_.tests[i].decl->span);
      g.entries.push_back({C_.tests[i].entry_name, 0, 0});
    }
  }
  if (g.entries.empty()) {
    // Only a library with neither functions nor tests gets here: a module needs an entry.
    static const std::vector<LocalInfo> kNoLocals;
    llvm::Function* body = declare_body("__library");
    begin_body(body, "__library", C_.contract->header.span, kNoLocals, false);
    finish_body();
    emit_export("__library", body, 0, 0, C_.contract->header.span);
    g.entries.push_back({"__library", 0, 0});
  }
  D_.finalize();
  if (llvm::Error err = link_runtime(*M_))
    return unexpected("linking the runtime library: " + llvm::toString(std::move(err)));
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*M_, &os)) return unexpected("generated IR does not verify: " + problems);
  g.module = std::move(M_);
  g.loop_bounds = std::move(bounds_);
  return g;
}

}  // namespace codegen

Expected<Generated, std::string> generate(const Checked& checked, llvm::LLVMContext& context, bool tests) {
  codegen::Emitter emitter(checked, context, tests);
  return emitter.run();
}

}  // namespace covenant::compiler
