#pragma once
/// \file
/// The world state's data model: byte-string keys and values in key order (unsigned
/// lexicographic, as memcmp and LMDB's default comparator order them), the changes one block
/// makes, the read interface block replay needs, and an in-memory state for audits and
/// tests. The durable state is `WorldState` (LMDB); docs/ledger.md, "World state".

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "ledger/state_hash.hpp"
#include "ledger/storage_error.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The value of one key before and after a block; nullopt means absent.
struct StateChange {
  /// The value before the block, or nullopt if the key did not exist.
  std::optional<std::vector<uint8_t>> before;
  /// The value after the block, or nullopt if the block removed the key.
  std::optional<std::vector<uint8_t>> after;

  /// Field-by-field equality.
  friend bool operator==(const StateChange&, const StateChange&) = default;
};

/// The order of keys: unsigned lexicographic, a proper prefix first, exactly as memcmp and
/// LMDB's default comparator order them. Transparent: looks up spans without copying them.
struct ByteOrder {
  using is_transparent = void;
  bool operator()(std::span<const uint8_t> a, std::span<const uint8_t> b) const {
    const size_t n = a.size() < b.size() ? a.size() : b.size();
    const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
    return c != 0 ? c < 0 : a.size() < b.size();
  }
};

/// A block's changes to the state, ordered by key so that applying and hashing them is
/// deterministic.
using StateDelta = std::map<std::vector<uint8_t>, StateChange, ByteOrder>;

/// Updates `hash` for `delta`: for each key, removes its pair before (if any) and adds its
/// pair after (if any).
void apply_delta(StateHash& hash, const StateDelta& delta);

/// One key and its value.
struct StatePair {
  std::vector<uint8_t> key;
  std::vector<uint8_t> value;
};

/// Read access to a state, as block replay needs it.
class StateReader {
 public:
  virtual ~StateReader() = default;
  /// The value of `key`, or nullopt if absent. Fails with `state` or `corrupt` (stores that
  /// can fail).
  virtual Expected<std::optional<std::vector<uint8_t>>, StorageError> get(
      std::span<const uint8_t> key) const = 0;
  /// The first pair whose key is `key` or after it in key order (`ByteOrder`), or nullopt if
  /// there is none: ordered iteration over a range of keys. Fails as `get` does.
  virtual Expected<std::optional<StatePair>, StorageError> seek(
      std::span<const uint8_t> key) const = 0;
};

/// A state held in memory: what a replay of the log into an empty state builds (the audit),
/// and tests.
class MemoryState : public StateReader {
 public:
  /// The value of `key`, or nullopt. Never fails.
  Expected<std::optional<std::vector<uint8_t>>, StorageError> get(
      std::span<const uint8_t> key) const override;
  /// The first pair at or after `key`, or nullopt. Never fails.
  Expected<std::optional<StatePair>, StorageError> seek(
      std::span<const uint8_t> key) const override;

  /// Applies each change's `after` (setting or removing the key). The `before` values are
  /// not checked.
  void apply(const StateDelta& delta);

  /// Every key and value, in key order.
  const std::map<std::vector<uint8_t>, std::vector<uint8_t>, ByteOrder>& entries() const {
    return entries_;
  }

  /// The state hash of `entries()`, computed from scratch.
  StateHash hash() const;

 private:
  std::map<std::vector<uint8_t>, std::vector<uint8_t>, ByteOrder> entries_;
};

}  // namespace covenant::ledger
