#pragma once
/// \file
/// The world state of `covenant call` and `covenant test`, in memory: every `state`
/// declaration's entries as (state id, key bytes) -> value bytes, a Set's members with an
/// empty value. Ordered (byte-wise by key within a state), so iteration and printing are
/// deterministic. Writes are undoable back to a checkpoint through an undo log that holds
/// only the writes made since the oldest live mark, never a copy of the state.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "runtime/contract_state.hpp"

namespace covenant::runtime {

/// One stored entry, as `MemoryState::dump` lists it.
struct StateEntry {
  uint32_t state = 0;
  std::vector<uint8_t> key;
  std::vector<uint8_t> value;
};

/// In-memory contract state with checkpoints. Never fails. Not thread-safe.
class MemoryState : public ContractState {
 public:
  /// The value stored under (`state`, `key`), or nullopt. The span stays valid until the
  /// next write to the state.
  std::optional<std::span<const uint8_t>> get(uint32_t state, std::span<const uint8_t> key) const;
  std::optional<std::span<const uint8_t>> get(uint32_t state,
                                              std::span<const uint8_t> key) override {
    return std::as_const(*this).get(state, key);
  }
  /// True if (`state`, `key`) holds a value (a Set member counts).
  bool has(uint32_t state, std::span<const uint8_t> key) const;
  bool has(uint32_t state, std::span<const uint8_t> key) override {
    return std::as_const(*this).has(state, key);
  }
  /// Stores `value` (possibly empty) under (`state`, `key`), replacing any earlier value.
  void put(uint32_t state, std::span<const uint8_t> key, std::span<const uint8_t> value) override;
  /// Removes (`state`, `key`); returns whether it was present.
  bool remove(uint32_t state, std::span<const uint8_t> key) override;
  /// The first key of `state` after `after` (or its first key), or nullopt.
  std::optional<std::vector<uint8_t>> next(
      uint32_t state, std::optional<std::span<const uint8_t>> after) override;

  /// A mark of the current contents. Marks count writes since the state was made, so a
  /// later mark is never smaller than an earlier one.
  uint64_t checkpoint() const override { return base_ + undo_.size(); }
  /// True if `rollback(mark)` can restore `mark`: it was returned by `checkpoint` since
  /// the last `commit` and no rollback has gone back past it.
  bool can_rollback(uint64_t mark) const override {
    return mark >= base_ && mark <= checkpoint();
  }
  /// Undoes every write made since `mark`, newest first, in time proportional to their
  /// number. Precondition: `can_rollback(mark)` (otherwise nothing is undone).
  void rollback(uint64_t mark) override;
  /// Forgets the undo log: the current contents become permanent and earlier marks invalid.
  /// Call between independent runs so the log does not grow without bound.
  void commit();

  /// Entries in order (by state id, then key bytes), copied.
  std::vector<StateEntry> dump() const;
  /// Number of entries over all states.
  size_t size() const { return entries_.size(); }
  /// Writes in the undo log (for tests: the log must not hold a copy of the state).
  size_t undo_size() const { return undo_.size(); }

 private:
  using Key = std::pair<uint32_t, std::vector<uint8_t>>;
  // Orders keys by state, then bytes; transparent so lookups need no copy of the key.
  struct KeyView {
    uint32_t state;
    std::span<const uint8_t> bytes;
  };
  struct Less {
    using is_transparent = void;
    static bool less(uint32_t sa, std::span<const uint8_t> a, uint32_t sb,
                     std::span<const uint8_t> b);
    bool operator()(const Key& a, const Key& b) const { return less(a.first, a.second, b.first, b.second); }
    bool operator()(const Key& a, const KeyView& b) const { return less(a.first, a.second, b.state, b.bytes); }
    bool operator()(const KeyView& a, const Key& b) const { return less(a.state, a.bytes, b.first, b.second); }
  };
  // The contents of one key before a write: the value it had, or nothing.
  struct Undo {
    Key key;
    std::optional<std::vector<uint8_t>> before;
  };

  std::map<Key, std::vector<uint8_t>, Less> entries_;
  std::vector<Undo> undo_;
  uint64_t base_ = 0;  // writes committed away: the mark of undo_[0]
};

}  // namespace covenant::runtime
