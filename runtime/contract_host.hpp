#pragma once
/// \file
/// The host functions of runtime/host_abi.hpp: what every runner of contracts (`covenant
/// call`, `covenant test`, a node) registers before loading a module. Each call's
/// `host_context` is a `CallContext*` naming the state (in memory, or a deployment's slice of
/// a node's world state), the date, the caller and where events go.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/contract_state.hpp"
#include "runtime/host_abi.hpp"
#include "runtime/memory_state.hpp"
#include "vm/host.hpp"

namespace covenant::runtime {

/// What a test's failed `expect` handed to `expect_fail`.
struct ExpectFailure {
  uint64_t index = 0;          ///< The expect's index (Checked::expects of the contract).
  std::vector<uint8_t> lhs;    ///< Bytes of the two compared values (empty for `expect denied`).
  std::vector<uint8_t> rhs;
};

/// A 32-byte Ed25519 public key, as `caller()` returns it.
using CallerKey = std::array<uint8_t, 32>;

/// One event a call emitted: its declaration's number and its data (the record's bytes).
struct Event {
  uint32_t index = 0;
  std::vector<uint8_t> data;
  friend bool operator==(const Event&, const Event&) = default;
};

/// The record of `event` in a receipt: its number as 4 little-endian bytes, then its data.
std::vector<uint8_t> encode_event(const Event& event);

/// The world one call runs against, passed as `Machine::run`'s `host_context`.
struct CallContext {
  ContractState* state = nullptr;  ///< The state the state_* functions read and write.
  int64_t today = 0;               ///< Days since 1970-01-01: what `now()` returns.
  CallerKey caller{};              ///< What `caller()` returns: the transaction's signer.
  /// The events the call emitted, in order. Whoever runs the call discards them if it fails.
  std::vector<Event> events;
  /// Most events `emit` accepts before faulting (kMaxEvents on a node and in `covenant call`;
  /// a test, which makes many calls in one run, may raise it).
  uint64_t event_limit = kMaxEvents;
  /// Set by `expect_fail` when a test's expect failed (the call then ends with an abort).
  std::optional<ExpectFailure> expect_failure;
};

/// Fixed gas of each host function (HostFunction::gas). The compiler's static gas bound adds
/// these per call site, so they cannot depend on sizes: each is priced for its worst case,
/// a key and a value of up to kMaxStateBytes (4 KiB) looked up, hashed and copied, which
/// dominates the host's work; host work is priced apart from compute (design brief, gas).
struct HostGas {
  static constexpr uint64_t fault = 10;          ///< Formats a message; the call ends.
  static constexpr uint64_t state_get = 200;     ///< Lookup plus a copy of up to 4 KiB out.
  static constexpr uint64_t state_put = 300;     ///< Lookup, copies in, and an undo record.
  static constexpr uint64_t state_remove = 200;  ///< Lookup and an undo record.
  static constexpr uint64_t state_has = 150;     ///< Lookup only.
  static constexpr uint64_t expect_fail = 10;    ///< Tests only; the call ends.
  static constexpr uint64_t now = 5;             ///< Reads one word.
  static constexpr uint64_t state_checkpoint = 50;   ///< Tests only: returns a counter.
  static constexpr uint64_t state_rollback = 100;    ///< Tests only: undo of the entry's writes.
  static constexpr uint64_t state_next = 250;    ///< An ordered seek plus a copy of the key out.
  static constexpr uint64_t emit = 300;          ///< Copies up to 4 KiB that the ledger keeps.
  static constexpr uint64_t caller = 10;         ///< Copies 32 bytes.
  static constexpr uint64_t sha256 = 300;        ///< Hashes up to 4 KiB.
};

/// Registers every id of host_abi.hpp. Failures end the call with an abort whose code is a
/// `fault_code` (kind, location): `fault` with the kind and location the contract passed
/// (message "integer overflow at line 12, column 7"); `expect_fail` with `expect_failed`;
/// misuse of the interface (no context or state attached, a key or value longer than
/// kMaxStateBytes, a stored value whose length differs from the one asked for, a state id
/// over 32 bits, an unknown checkpoint mark) with `host_error` and a message saying which.
/// A pointer argument that does not translate ends the call with the VM's memory fault.
vm::HostTable contract_host_table();

}  // namespace covenant::runtime
