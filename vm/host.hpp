#pragma once
/// \file
/// Host functions: a numbered table registered before a program is loaded. The verifier
/// accepts `call imm` only for ids in the table; each function's fixed gas cost is added to
/// the static cost of the block that calls it, and a function may charge more (for work
/// proportional to its arguments) through `HostCall::charge` before it does that work.

#include <cstdint>
#include <map>
#include <string>

#include "vm/fault.hpp"
#include "vm/memory.hpp"

namespace covenant::vm {

/// What a host function sees of the call that invoked it.
class HostCall {
 public:
  HostCall(const AddressSpace& memory, WriteMarks& marks, uint64_t& gas_left, void* context,
           uint32_t pc)
      : memory_(memory), marks_(marks), gas_left_(gas_left), context_(context), pc_(pc) {}

  /// Arguments r1..r5.
  uint64_t args[5] = {};

  /// The `host_context` pointer passed to `Machine::run` (e.g. the runtime's transaction).
  void* context() const { return context_; }

  /// Charges `gas` more; on exhaustion records an out-of-gas fault and returns false. Call it
  /// before doing the work the gas pays for.
  bool charge(uint64_t gas);

  /// Host pointer to `size` bytes at VM address `addr`, or nullptr after recording a memory
  /// fault when the range is not mapped with the requested access.
  uint8_t* memory(uint64_t addr, uint64_t size, Access access);

  /// Ends the call with an abort fault carrying `code` and `message`; the return value of
  /// the host function is then ignored.
  void abort(uint64_t code, std::string message = {});

  /// The fault recorded by `charge`, `memory` or `abort`, if any.
  std::optional<Fault>& fault() { return fault_; }

 private:
  const AddressSpace& memory_;
  WriteMarks& marks_;
  uint64_t& gas_left_;
  void* context_;
  uint32_t pc_;
  std::optional<Fault> fault_;
};

/// A host function returns the new r0. It must not throw.
using HostFn = uint64_t (*)(HostCall& call);

/// One registered host function.
struct HostFunction {
  std::string name;   ///< For disassembly and diagnostics.
  uint64_t gas = 0;   ///< Fixed cost of one call, charged with the calling block (< 2^32).
  /// The implementation. Null declares the id without providing it (a function this tool does
  /// not offer): programs that mention it load, and a call to it ends with `unknown_host`.
  HostFn fn = nullptr;
};

/// The numbered table of host functions a program may call.
class HostTable {
 public:
  /// Registers `fn` under `id`, replacing any earlier registration of that id.
  void add(uint32_t id, HostFunction fn) { functions_[id] = std::move(fn); }
  /// The function registered under `id`, or nullptr.
  const HostFunction* find(uint32_t id) const {
    auto it = functions_.find(id);
    return it == functions_.end() ? nullptr : &it->second;
  }
  const std::map<uint32_t, HostFunction>& all() const { return functions_; }

 private:
  std::map<uint32_t, HostFunction> functions_;
};

/// The table used by unit tests, `covenant run` and the conformance plugin:
///   5 `unwind`  returns r1 (the bpf_conformance helper; a call with r1 = 0 still returns).
///   1 `abort`   ends the call with abort code r1.
///   2 `trace`   returns r1 unchanged (lets tests observe a value); costs 1 gas.
///   3 `memset`  fills r3 bytes at r1 with the low byte of r2; charges 1 gas per 8 bytes.
HostTable test_host_table();

}  // namespace covenant::vm
