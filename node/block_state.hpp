#pragma once
/// \file
/// The world state as one block's transactions see it while they execute: the state before
/// the block with the block's writes so far laid over it, an undo journal so that a failed
/// call's writes vanish, and the block's changes collected as a `StateDelta` for the ledger
/// to commit. Reads that fail (LMDB) are recorded, not returned: contracts cannot observe a
/// storage error, and the executor fails the whole block when one happened.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "ledger/hasher.hpp"
#include "ledger/state.hpp"
#include "ledger/storage_error.hpp"

namespace covenant::node {

/// A block's view of the state. Not thread-safe.
class BlockState {
 public:
  /// A view of `base`, which must outlive this object and not change meanwhile.
  explicit BlockState(const ledger::StateReader& base) : base_(base) {}

  /// The value of `key`, or nullopt (also after a read failure; see `error`).
  std::optional<std::vector<uint8_t>> get(std::span<const uint8_t> key);
  /// The first pair at or after `key` whose key starts with `prefix`, or nullopt.
  std::optional<ledger::StatePair> seek(std::span<const uint8_t> key,
                                        std::span<const uint8_t> prefix);
  /// Sets or (with nullopt) removes `key`, journalled.
  void set(std::span<const uint8_t> key, std::optional<std::span<const uint8_t>> value);

  /// A mark of the writes so far (the journal's length).
  uint64_t mark() const { return journal_.size(); }
  /// Undoes every write after `mark`, newest first.
  void rollback(uint64_t mark);
  /// The keys written since `mark`, in key order, each with its value now (nullopt: removed).
  std::vector<std::pair<std::vector<uint8_t>, std::optional<std::vector<uint8_t>>>> written_since(
      uint64_t mark) const;

  /// The first read failure, if any.
  const std::optional<ledger::StorageError>& error() const { return error_; }

  /// The block's changes against the base: every key whose value differs, with its value
  /// before (read from the base) and after. Fails as reading the base fails.
  Expected<ledger::StateDelta, ledger::StorageError> delta() const;

 private:
  using Value = std::optional<std::vector<uint8_t>>;
  struct Undo {
    std::vector<uint8_t> key;
    std::optional<Value> before;  // nullopt: the key was not in the overlay
  };
  std::optional<ledger::StatePair> base_seek(std::span<const uint8_t> key);

  const ledger::StateReader& base_;
  std::map<std::vector<uint8_t>, Value, ledger::ByteOrder> overlay_;
  std::vector<Undo> journal_;
  std::optional<ledger::StorageError> error_;
};

/// SHA-256 commitment to a call's writes (docs/node.md, "Receipts"): over each written key in
/// key order, u32 LE key length, key, then 0 for a removal or 1, u32 LE length and the value.
/// All zero when nothing was written.
ledger::Hash write_set_hash(
    const std::vector<std::pair<std::vector<uint8_t>, std::optional<std::vector<uint8_t>>>>& writes);

/// A set of state keys in key order (what a call read).
using KeySet = std::set<std::vector<uint8_t>, ledger::ByteOrder>;

/// SHA-256 commitment to the keys a call read (docs/node.md, "Receipts"): over each key in
/// key order, u32 LE length and the key. All zero when nothing was read.
ledger::Hash read_set_hash(const KeySet& keys);

}  // namespace covenant::node
