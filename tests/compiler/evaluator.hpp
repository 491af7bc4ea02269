#pragma once
/// \file
/// The reference evaluator: runs an entry of a checked contract directly over its AST, with
/// the semantics of docs/LANGUAGE.md as code generation implements them (evaluation order,
/// checked arithmetic, Money rounding, calendar dates, which source span a fault reports,
/// state and tables), but written independently of the generated code and of the runtime
/// library. Used only by tests: the differential test compares it with the compiled module
/// running on the VM.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "compiler/sema/checked.hpp"
#include "runtime/contract_host.hpp"
#include "runtime/host_abi.hpp"
#include "runtime/memory_state.hpp"

namespace covenant::compiler::testing {

/// How an evaluated call ended.
struct EvalOutcome {
  /// The three ways a call ends.
  enum class Kind : uint8_t {
    ok,      ///< Returned normally: `result` holds the result block.
    denied,  ///< A `deny` ended it: `deny` is its 1-based index (Checked::denies).
    fault,   ///< A runtime fault: `fault`, `line`, `column` say which and where (a
             ///< host_error, such as too many events, has no location: 0 and 0).
  };
  Kind kind = Kind::ok;
  /// ok: the result bytes (the entry's result size; empty without a result).
  std::vector<uint8_t> result;
  /// denied: the 1-based deny number, what r0 of the compiled entry holds.
  uint32_t deny = 0;
  /// fault: the kind and the source location it reports (a unit line, compiler/sources.hpp,
  /// and a 1-based column).
  runtime::FaultKind fault = runtime::FaultKind::overflow;
  uint32_t line = 0;
  uint32_t column = 0;
  /// ok: the events the call emitted, in order (their data in canonical form).
  std::vector<runtime::Event> events;

  /// One line for messages: "ok <hex>", "denied 2", "fault integer overflow at 12:7".
  std::string describe() const;
};

/// Evaluates entry `entry` of `checked` on the parameter block `params` (the entry's
/// param_size bytes in the layout of sema/types.hpp) against `state`, with `today` (days
/// since 1970-01-01) as what `now()` returns and `caller` as what `caller()` returns. Writes
/// to `state` persist only when the call returns normally: after a denial or a fault the
/// state is as it was before the call (as the runtime discards them), and so are its events.
/// Precondition: `entry` names an entry of `checked` and `params` has its parameter size;
/// the AST and sources `checked` refers to are alive.
EvalOutcome evaluate(const Checked& checked, const std::string& entry,
                     std::span<const uint8_t> params, runtime::MemoryState& state, int64_t today,
                     const runtime::CallerKey& caller = {});

/// `bytes` of a value of `type` with the bytes no valid reading depends on set to zero: the
/// payload of a `none` and the elements past a list's length (recursively). Compiled code
/// leaves those bytes unspecified, so results and state are compared in this form.
std::vector<uint8_t> canonical_bytes(const Type* type, std::span<const uint8_t> bytes);

}  // namespace covenant::compiler::testing
