#pragma once
/// \file
/// What a contract's state_* host functions read and write: the entries of every `state`
/// declaration of one deployed contract, as (state id, key bytes) -> value bytes, ordered by
/// state id and then key bytes (unsigned lexicographic), with checkpoints so that a failed
/// call's writes can be undone. `MemoryState` serves `covenant call` and `covenant test`; a
/// node serves a deployment's slice of its world state (node/contract_store.hpp).

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace covenant::runtime {

/// A contract's state, as the host functions see it. Implementations never fail towards the
/// contract: a store that can fail records its failure and answers "absent", and whoever
/// runs the call must check it afterwards (a storage failure is not a contract outcome).
class ContractState {
 public:
  virtual ~ContractState() = default;

  /// The value stored under (`state`, `key`), or nullopt. The span stays valid until the
  /// next call on this object.
  virtual std::optional<std::span<const uint8_t>> get(uint32_t state,
                                                      std::span<const uint8_t> key) = 0;
  /// True if (`state`, `key`) holds a value (a Set member counts).
  virtual bool has(uint32_t state, std::span<const uint8_t> key) = 0;
  /// Stores `value` (possibly empty) under (`state`, `key`), replacing any earlier value.
  virtual void put(uint32_t state, std::span<const uint8_t> key,
                   std::span<const uint8_t> value) = 0;
  /// Removes (`state`, `key`); returns whether it was present.
  virtual bool remove(uint32_t state, std::span<const uint8_t> key) = 0;
  /// The first key of `state` after `after` in key order, or its first key when `after` is
  /// nullopt; nullopt when there is none.
  virtual std::optional<std::vector<uint8_t>> next(
      uint32_t state, std::optional<std::span<const uint8_t>> after) = 0;

  /// A mark of the current contents; a later mark is never smaller than an earlier one.
  virtual uint64_t checkpoint() const = 0;
  /// True if `rollback(mark)` can restore `mark`.
  virtual bool can_rollback(uint64_t mark) const = 0;
  /// Undoes every write made since `mark`, newest first. Precondition: `can_rollback(mark)`
  /// (otherwise nothing is undone).
  virtual void rollback(uint64_t mark) = 0;
};

}  // namespace covenant::runtime
