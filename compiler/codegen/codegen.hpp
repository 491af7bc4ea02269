#pragma once
/// \file
/// Code generation: a checked contract in, an LLVM module for the BPF target out. The IR
/// conventions (docs/LANGUAGE.md, "How contracts run"):
///
/// - Values of one word (Bool, Int, Money, Rate, Date, enum) are `i64`; every other value is
///   a pointer to its bytes in the layout of sema/types.hpp.
/// - A `fn` or `entry` body is `i64 @<name>.body(ptr args, ptr result)`: `args` is the
///   parameter block (parameters back to back in their layout), `result` where the result
///   goes. It returns 0, or the 1-based number of the `deny` that ended it, or (on a path
///   after a fault host call, which never returns) `kFaultStatus`; callers pass a nonzero
///   status straight up without reading the result.
/// - Each entry (and, in test builds, each test as `__test_<n>`) is exported as
///   `i64 @<name>(ptr in, i64 in_len, ptr out, i64 out_len)`, the VM calling convention:
///   it checks the block sizes and calls the body, so r0 is 0 or the denial number.
/// - Arithmetic that can overflow, divide by zero or leave the calendar calls the runtime
///   library (compiler/runtime) with the packed source location; faults, state and the clock
///   are host calls with a constant id (runtime/host_abi.hpp).
/// - Every instruction carries the DILocation of the source it came from; the loop-control
///   instructions of a loop carry the location registered in the loop bounds, which is how
///   the packager bounds the loop's gas.

#include <memory>
#include <string>
#include <vector>

#include "compiler/gas_bound.hpp"
#include "compiler/package.hpp"
#include "compiler/sema/checked.hpp"
#include "vm/expected.hpp"

namespace llvm {
class LLVMContext;
class Module;
}  // namespace llvm

namespace covenant::compiler {

/// The status a body "returns" after a fault (never observed: the fault ends the call).
inline constexpr int64_t kFaultStatus = -1;

/// What `generate` makes.
struct Generated {
  std::unique_ptr<llvm::Module> module;
  std::vector<EntrySpec> entries;  ///< Exported entries (and tests in test builds).
  LoopBounds loop_bounds;          ///< The checker's loops and the ones codegen adds.
};

/// Generates the LLVM module of `checked` in `context`, with the runtime library linked in.
/// With `tests`, every `test` block is exported too, as `__test_<n>` (TestInfo::entry_name).
/// Fails only on an internal error (a message for E0901).
Expected<Generated, std::string> generate(const Checked& checked, llvm::LLVMContext& context,
                                          bool tests);

}  // namespace covenant::compiler
