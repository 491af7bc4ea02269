#pragma once
/// \file
/// The code generator's working state (internal to compiler/codegen): one `Emitter` per
/// module, with the IR builder, debug-info builder, and the function being emitted.
/// module.cpp sets up the module and functions, statements.cpp and expressions.cpp emit
/// bodies. Conventions are in codegen.hpp.

#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compiler/codegen/codegen.hpp"
#include "runtime/host_abi.hpp"

namespace covenant::compiler::codegen {

class Emitter {
 public:
  Emitter(const Checked& checked, llvm::LLVMContext& context, bool tests);

  /// Emits everything; fails with an internal-error message.
  Expected<Generated, std::string> run();

 private:
  // ---- module.cpp: functions and shared helpers ----
  llvm::Function* declare_body(const std::string& name);
  void emit_function(const FunctionInfo& f, llvm::Function* body);
  void emit_test(const TestInfo& t, llvm::Function* body);
  void emit_export(const std::string& name, llvm::Function* body, uint32_t param_size,
                   uint32_t result_size, Span at);
  void begin_body(llvm::Function* fn, const std::string& name, Span at,
                  const std::vector<LocalInfo>& locals, bool in_test);
  void finish_body();

  LineCol position(Span span) const;         // unit line and column (sources.hpp)
  void at(Span span);                        // set the debug location
  llvm::Value* packed_loc(Span span);        // i64 pack_loc(line, col)
  llvm::Value* word(int64_t v) { return B_.getInt64(static_cast<uint64_t>(v)); }
  llvm::Value* host(runtime::HostId id, std::vector<llvm::Value*> args);
  llvm::Value* runtime_call(const char* name, std::vector<llvm::Value*> args);
  void fault(runtime::FaultKind kind, Span span);  // ends the block; continues in a dead one
  void fault_unless(llvm::Value* ok, runtime::FaultKind kind, Span span);
  /// An 8-aligned stack slot (in the entry block) for a temporary of the current statement.
  llvm::Value* temp(uint64_t size);
  /// A slot for a variable: never reused.
  llvm::Value* local_slot(uint64_t size);
  /// Frees the temporaries made since `mark` (a size of used_slots_).
  void release_slots(size_t mark);
  llvm::Value* offset(llvm::Value* base, uint64_t bytes);
  llvm::Value* load_word(llvm::Value* base, uint64_t bytes = 0);
  void store_word(llvm::Value* base, llvm::Value* v, uint64_t bytes = 0);
  void copy(llvm::Value* dst, llvm::Value* src, uint64_t size, Span at);
  /// Zeroes `size` bytes at `dst` (8-aligned): unused bytes of a value (an absent option's
  /// payload, list slots past the length) are zero, so equal values have equal bytes.
  void zero(llvm::Value* dst, uint64_t size, Span at);
  /// Zeroes the bytes of the value of type `t` at `p` that no reading of it depends on (an
  /// absent option's payload, list slots past the length, recursively), in place: what
  /// `sha256` hashes and `emit` records are the canonical bytes, equal for equal values.
  void canonicalize(llvm::Value* p, const Type* t, Span at);
  llvm::Value* as_int(llvm::Value* v);       // ptr -> i64 for host arguments
  llvm::BasicBlock* block(const char* name);
  void continue_in(llvm::BasicBlock* bb);    // move the builder, keeping the location
  bool terminated();
  /// Emits a bounded loop `for i in 0..count` (count an i64 <= bound) whose control carries
  /// the location `span` registered with `bound`; `body(i)` emits one iteration and may
  /// branch to `exit` to stop early.
  void counted_loop(llvm::Value* count, uint64_t bound, Span span,
                    const std::function<void(llvm::Value* i, llvm::BasicBlock* exit)>& body);
  void register_loop(Span span, uint64_t bound);

  // ---- statements.cpp ----
  void block_stmts(const ast::Block& b);
  void stmt(const ast::Stmt& st);
  void return_status(llvm::Value* status);
  void deny(const ast::Stmt& st);
  void expect(const ast::Stmt& st);
  llvm::Value* place(const ast::Expr& e);    // address of an assignable expression
  /// The dispatch of a `match` on the evaluated `s` of type `t` (enum or Option): for each arm,
  /// leaves the builder in the arm's block with its binding bound and calls `arm_body`. A tag
  /// no arm takes (only a malformed input has one) faults invalid_input at `span`.
  void match_dispatch(llvm::Value* s, const Type* t, const std::vector<ast::MatchArm>& arms, Span span,
                      const std::function<void(const ast::MatchArm&)>& arm_body);

  // ---- expressions.cpp ----
  /// The value of `e`: an i64 for word types, else a pointer to its bytes.
  llvm::Value* expr(const ast::Expr& e);
  /// `e` in memory: a pointer to its bytes (a word is stored in a temporary).
  llvm::Value* to_memory(const ast::Expr& e);
  void store_value(llvm::Value* dst, llvm::Value* v, const Type* t, Span at);
  llvm::Value* equal(const Type* t, llvm::Value* a, llvm::Value* b);  // i1
  /// `a op b` for a comparison operator on two evaluated values of type `t`; an i1.
  llvm::Value* compare(ast::Op op, const Type* t, llvm::Value* a, llvm::Value* b);
  /// An evaluated value in memory: a word is stored in a temporary, else returned as is.
  llvm::Value* materialize(llvm::Value* v, const Type* t, Span at);
  llvm::Value* binary(const ast::Expr& e);
  llvm::Value* arithmetic(ast::Op op, const Type* ta, const Type* tb, const Type* result,
                          llvm::Value* a, llvm::Value* b, Span span, bool rounds);
  llvm::Value* call(const ast::Expr& e);
  llvm::Value* call_function(const FunctionInfo& f, const ast::Expr& e);
  llvm::Value* method(const ast::Expr& e);
  /// The key `e` (of type `key`) of a state operation, in memory and canonical.
  llvm::Value* state_key(const ast::Expr& e, const Type* key, Span span);
  /// `m.first()` / `m.next(k)` on a state: an Option of the key (host state_next).
  llvm::Value* state_seek(const StateInfo& st, llvm::Value* after, bool from_start, Span span);
  /// `for k in m max N`: the keys of a state, in key order, at most N of them.
  void state_loop(const ast::Stmt& st);
  void emit_event(const ast::Stmt& st);
  llvm::Value* field(const ast::Expr& e);
  llvm::Value* index(const ast::Expr& e);
  llvm::Value* table_get(const TableInfo& table, llvm::Value* key, Span span);
  llvm::Value* in_codeset(const CodeSetInfo& set, llvm::Value* code);
  llvm::Value* in_list(const ast::Expr& e);
  llvm::Value* match_value(const ast::Expr& e);
  llvm::Value* literal_bytes(const std::vector<uint8_t>& bytes);  // pointer to a copy in a temp
  llvm::Value* list_length(llvm::Value* list, const Type* t, Span span);  // checked <= bound
  llvm::Value* bool_word(llvm::Value* i1) { return B_.CreateZExt(i1, i64_); }
  llvm::Value* truth(llvm::Value* word) { return B_.CreateICmpNE(word, word_0()); }
  llvm::Value* word_0() { return B_.getInt64(0); }

  const Checked& C_;
  llvm::LLVMContext& ctx_;
  bool tests_;
  std::unique_ptr<llvm::Module> M_;
  llvm::IRBuilder<> B_;
  llvm::DIBuilder D_;
  llvm::DICompileUnit* cu_ = nullptr;
  llvm::DIFile* file_ = nullptr;
  llvm::Type* i64_;
  llvm::PointerType* ptr_;
  LoopBounds bounds_;
  std::vector<llvm::Function*> bodies_;  // by FunctionInfo index
  std::vector<llvm::Function*> test_bodies_;

  // The function being emitted.
  llvm::Function* fn_ = nullptr;
  llvm::DISubprogram* sp_ = nullptr;
  llvm::BasicBlock* entry_block_ = nullptr;
  llvm::Value* args_ = nullptr;
  llvm::Value* result_ = nullptr;
  const std::vector<LocalInfo>* locals_ = nullptr;
  std::vector<llvm::Value*> local_addr_;
  bool in_test_ = false;
  Span stmt_span_;
  struct LoopTargets {
    llvm::BasicBlock* next;
    llvm::BasicBlock* exit;
  };
  std::vector<LoopTargets> loops_;
  struct Slot {
    llvm::Value* ptr;
    uint64_t size;
  };
  std::vector<Slot> free_slots_;  // temporaries of finished statements
  std::vector<Slot> used_slots_;  // temporaries of the statements being emitted
};

}  // namespace covenant::compiler::codegen
