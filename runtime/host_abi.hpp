#pragma once
/// \file
/// The contract host interface: the numbered host functions compiled contracts call, the
/// fault kinds they abort with, and how a source location travels in a register. The
/// compiler emits these ids as constant `call` immediates; the runtime registers functions
/// under them. Changing a number breaks every deployed module, so numbers are only added.

#include <cstdint>
#include <string_view>

namespace covenant::runtime {

/// Host function ids (the `imm` of a BPF `call`). Arguments in r1..r5, result in r0.
enum class HostId : uint32_t {
  /// fault(kind, loc): ends the call with an abort whose code is `fault_code(kind, loc)`.
  fault = 1,
  /// state_get(state, key, key_len, value, value_len) -> 1 if found (value written), else 0.
  state_get = 2,
  /// state_put(state, key, key_len, value, value_len) -> 0.
  state_put = 3,
  /// state_remove(state, key, key_len) -> 1 if the key was present, else 0.
  state_remove = 4,
  /// state_has(state, key, key_len) -> 1 if present, else 0.
  state_has = 5,
  /// expect_fail(index, lhs, rhs, size): a `test` block's `expect` number `index` failed;
  /// `lhs` and `rhs` point at the two values' bytes. Ends the call.
  expect_fail = 6,
  /// now() -> the transaction's date (days since 1970-01-01). The only clock a contract has.
  now = 7,
  /// state_checkpoint() -> a mark of the state's current contents (tests only: an entry
  /// called by a test that denies must leave no writes behind).
  state_checkpoint = 8,
  /// state_rollback(mark): undoes every write made since `mark` (tests only).
  state_rollback = 9,
  /// state_next(state, key, key_len, out_key, from_start) -> 1 if `state` holds a key after
  /// `key` in key order (byte-wise; with `from_start` != 0, its first key: `key` must still
  /// be `key_len` readable bytes, their contents are ignored), written to `out_key`
  /// (`key_len` bytes: the keys of one state all have their type's size), else 0. Bounded iteration in key order: a loop calls it at most its
  /// bound's number of times.
  state_next = 10,
  /// emit(event, data, len) -> 0: appends event number `event` (the index of the event's
  /// declaration in the contract) with `len` bytes of data (at most kMaxEventData) to the
  /// call's events. At most kMaxEvents per call; discarded with the writes if the call fails.
  emit = 11,
  /// caller(out) -> 0: writes the 32-byte Ed25519 public key that signed the transaction
  /// (on a node) or the `--caller` key (`covenant call`, `covenant test`; all zero unless
  /// given) to `out`.
  caller = 12,
  /// sha256(data, len, out) -> 0: writes the SHA-256 of `len` bytes at `data` (at most
  /// kMaxHashInput) to `out` (32 bytes).
  sha256 = 13,
};

/// Why compiled code aborted (the `kind` argument of `fault`).
enum class FaultKind : uint64_t {
  overflow = 1,          ///< Int or Money arithmetic left the 64-bit range.
  division_by_zero = 2,  ///< Int or Money divided (or remainder) by zero.
  index_out_of_range = 3,  ///< A list index outside 0..len-1, or a list grown past its maximum.
  invalid_input = 4,     ///< The parameter block is malformed (size, bool, enum tag, date, length).
  date_out_of_range = 5, ///< Date arithmetic left years 1..9999.
  expect_failed = 6,     ///< A test's `expect` did not hold (tests only).
  /// Raised by the host, never by compiled code: a host function was called in a way it
  /// cannot serve (no state attached, a key or value over kMaxStateBytes, a stored value of
  /// another size, an unknown checkpoint mark). The location is 0.
  host_error = 7,
};

/// One word for a fault kind ("overflow", "division by zero", ...), or "fault".
constexpr std::string_view fault_kind_name(uint64_t kind) {
  switch (static_cast<FaultKind>(kind)) {
    case FaultKind::overflow: return "integer overflow";
    case FaultKind::division_by_zero: return "division by zero";
    case FaultKind::index_out_of_range: return "index out of range";
    case FaultKind::invalid_input: return "invalid input";
    case FaultKind::date_out_of_range: return "date out of range";
    case FaultKind::expect_failed: return "expectation failed";
    case FaultKind::host_error: return "host error";
  }
  return "fault";
}

/// A source location in one register: line in the upper 32 bits, column in the lower 32.
constexpr uint64_t pack_loc(uint32_t line, uint32_t column) {
  return (uint64_t{line} << 32) | column;
}
/// The line of a packed location.
constexpr uint32_t loc_line(uint64_t loc) { return static_cast<uint32_t>(loc >> 32); }
/// The column of a packed location.
constexpr uint32_t loc_column(uint64_t loc) { return static_cast<uint32_t>(loc); }

/// The abort code of a contract fault: kind in the top 8 bits, line in the next 32, column
/// in the low 24 (columns past 2^24 - 1 saturate). Decoded by `fault_code_kind` and friends.
constexpr uint64_t fault_code(uint64_t kind, uint64_t loc) {
  uint64_t column = loc_column(loc) > 0xFFFFFF ? 0xFFFFFF : loc_column(loc);
  return (kind << 56) | (uint64_t{loc_line(loc)} << 24) | column;
}
/// Kind of an abort code made by `fault_code`.
constexpr uint64_t fault_code_kind(uint64_t code) { return code >> 56; }
/// Line of an abort code made by `fault_code`.
constexpr uint32_t fault_code_line(uint64_t code) { return static_cast<uint32_t>(code >> 24); }
/// Column of an abort code made by `fault_code`.
constexpr uint32_t fault_code_column(uint64_t code) { return code & 0xFFFFFF; }

/// Most bytes of one state value (and of a key, see kMaxStateKeyBytes).
inline constexpr uint64_t kMaxStateBytes = 4096;
/// Most bytes of one state key. A node stores a contract's entry under a 14-byte prefix
/// (docs/node.md) in LMDB, whose keys are at most 511 bytes; the same limit holds in
/// `covenant call` and `covenant test` so that a contract behaves alike everywhere.
inline constexpr uint64_t kMaxStateKeyBytes = 496;

/// Most events one call may emit (a receipt holds at most this many).
inline constexpr uint64_t kMaxEvents = 64;
/// Most data bytes of one event. An event is recorded as its u32 LE event number followed
/// by its data, so the record stays within a receipt's 4 KiB event limit.
inline constexpr uint64_t kMaxEventData = 4088;
/// Most bytes `sha256` hashes in one call.
inline constexpr uint64_t kMaxHashInput = 4096;

}  // namespace covenant::runtime
