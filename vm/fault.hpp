#pragma once
/// \file
/// The outcome of a VM call: success with r0 and gas used, or a typed fault with the pc
/// (instruction slot index) where it happened. Failure is data, never an exception.

#include <cstdint>
#include <optional>
#include <string>

#include "vm/memory.hpp"

namespace covenant::vm {

/// What went wrong in a faulting call.
enum class FaultKind : uint8_t {
  out_of_gas,       ///< The gas limit was reached; `needed` holds the gas the next step wanted.
  memory,           ///< An access outside every region or a store to a read-only one.
  call_depth,       ///< A local call went deeper than `Limits::max_call_depth`.
  unknown_host,     ///< A call to a host id declared without an implementation (`message`
                    ///< names it). Ids not in the table at all are rejected at load instead.
  abort,            ///< The program (through a host function) aborted with `code`.
  bad_call,         ///< The call itself was invalid: unknown entry, frame or limits unusable.
};

/// A fault, with everything needed to explain it in one line.
struct Fault {
  FaultKind kind = FaultKind::abort;
  uint32_t pc = 0;          ///< Slot index of the faulting instruction.
  uint64_t address = 0;     ///< memory: the VM address accessed.
  uint32_t size = 0;        ///< memory: bytes accessed.
  Access access = Access::read;  ///< memory: read or write.
  uint64_t needed = 0;      ///< out_of_gas: gas the step needed; call_depth: the limit.
  uint64_t code = 0;        ///< abort: the abort code.
  std::string message;      ///< abort / bad_call: detail (may be empty); unknown_host: the name.
};

/// Result of one call. `gas_used` is meaningful in both cases.
struct Outcome {
  // A user-provided constructor: value-initialising the whole object (the default) would
  // clear the storage of the absent fault, about 100 bytes, on every call.
  Outcome() noexcept {}

  uint64_t r0 = 0;          ///< r0 at the final exit (success only).
  uint64_t gas_used = 0;    ///< Gas charged, never more than the call's limit.
  std::optional<Fault> fault;
  bool ok() const { return !fault.has_value(); }
};

/// One line describing a fault, e.g.
/// "memory fault at pc 3: write of 8 bytes at 0x0000000700000010 (unmapped region)".
std::string describe(const Fault& f);

}  // namespace covenant::vm
