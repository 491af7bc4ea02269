#pragma once
/// \file
/// One call of a contract entry, explained: a module loaded once with its ABI, and the
/// outcome of running an entry on it as data — its result, a denial with its code, reason
/// and source line, a fault with its kind and line, or running out of gas. What `covenant
/// call` prints and what a node writes into a receipt come from here, so they agree.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/abi.hpp"
#include "runtime/contract_host.hpp"
#include "vm/expected.hpp"
#include "vm/machine.hpp"
#include "vm/module.hpp"
#include "vm/program.hpp"

namespace covenant::runtime {

/// A contract module, decoded, verified against the contract host table and with its ABI
/// parsed. Move-only (the ABI is).
class LoadedContract {
 public:
  /// Decodes and loads the module `bytes`. Fails with a one-line reason: not a module, not
  /// loadable (the verifier's reason), or not a contract (no or malformed ABI metadata).
  static Expected<LoadedContract, std::string> load(std::span<const uint8_t> bytes);
  /// Loads an already decoded module. Fails as `load` does.
  static Expected<LoadedContract, std::string> load(vm::Module module);

  LoadedContract(LoadedContract&&) noexcept = default;
  LoadedContract& operator=(LoadedContract&&) noexcept = default;

  /// The module, its loaded program and its ABI.
  const vm::Module& module() const { return module_; }
  const vm::Program& program() const { return program_; }
  const Abi& abi() const { return abi_; }
  /// The contract's name and version (from the ABI).
  const std::string& name() const { return abi_.contract(); }
  int64_t version() const { return abi_.version(); }
  /// The source file it was built from, as recorded in its metadata ("" if none).
  const std::string& source() const { return source_; }
  /// The value of metadata `key`, or "".
  std::string metadata(std::string_view key) const;
  /// The VM limits of a call of an entry whose result block has `result_size` bytes, with
  /// `gas` gas: the frame size and call depth the compiler recorded.
  vm::Limits limits(uint32_t result_size, uint64_t gas) const;

 private:
  LoadedContract(vm::Module module, vm::Program program, Abi abi)
      : module_(std::move(module)), program_(std::move(program)), abi_(std::move(abi)) {}

  vm::Module module_;
  vm::Program program_;
  Abi abi_;
  std::string source_;
  uint32_t frame_size_ = 0;
  uint32_t max_call_depth_ = 0;
};

/// How a call ended.
enum class CallStatus {
  ok,          ///< returned; `output` holds the result block
  denied,      ///< a `deny` ended it; `deny_code`, `reason`, `line`, `column` say which
  fault,       ///< it faulted; `reason` names the fault, `line`/`column` where (0 if unknown)
  out_of_gas,  ///< the gas limit was reached; `line`/`column` where, if known
};

/// What one call did. The call's state writes and events are the caller's to keep or drop.
struct CallOutcome {
  CallStatus status = CallStatus::ok;
  /// Gas charged, never more than the limit.
  uint64_t gas_used = 0;
  /// The result block (ok only; empty for an entry without a result).
  std::vector<uint8_t> output;
  /// The denial's code, when the `deny` gave one.
  std::optional<int64_t> deny_code;
  /// One line: the denial's reason as the contract wrote it ("duplicate claim"; may be
  /// UTF-8), or the fault ("integer overflow", "memory fault at pc 3: ..."), or "out of
  /// gas". A receipt keeps it as `ledger::receipt_reason` makes it fit.
  std::string reason;
  /// Source line and column of the deny or fault, 1-based; 0 when unknown.
  uint32_t line = 0;
  uint32_t column = 0;
};

/// Runs `entry` of `contract` with the parameter block `input` (as `encode_params` makes it)
/// and at most `gas` gas, against `context` (state, date, caller, events). Never fails: a bad
/// input is the contract's own `invalid input` fault.
CallOutcome call_entry(vm::Machine& machine, const LoadedContract& contract, const AbiEntry& entry,
                       std::span<const uint8_t> input, uint64_t gas, CallContext& context);

/// Source lines of code from a contract's k-th library are k * kLibraryLineUnit + line (the
/// compiler's numbering; the module's "source.k" metadata names the file).
inline constexpr uint32_t kLibraryLineUnit = 1'000'000;

/// "file:line:col" for an outcome's location in `contract`'s source or, for library code, in
/// the library's file ("file" alone when the line is unknown).
std::string outcome_location(const LoadedContract& contract, const CallOutcome& outcome);

}  // namespace covenant::runtime
