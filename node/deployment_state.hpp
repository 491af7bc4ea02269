#pragma once
/// \file
/// One deployment's contract state inside a block's view of the world state: what the host
/// functions of a call on a node read and write. Entry (state id, key) lives at
/// `contract_state_prefix(deployment, state)` + key; checkpoints are the block's journal
/// marks, so a failed call's writes are undone exactly.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "node/block_state.hpp"
#include "runtime/contract_state.hpp"

namespace covenant::node {

/// `runtime::ContractState` for deployment number `deployment` over `block`.
class DeploymentState : public runtime::ContractState {
 public:
  /// A view of `block` (which must outlive it) for deployment `deployment`.
  DeploymentState(BlockState& block, uint64_t deployment) : block_(block), deployment_(deployment) {}

  std::optional<std::span<const uint8_t>> get(uint32_t state, std::span<const uint8_t> key) override;
  bool has(uint32_t state, std::span<const uint8_t> key) override;
  void put(uint32_t state, std::span<const uint8_t> key, std::span<const uint8_t> value) override;
  bool remove(uint32_t state, std::span<const uint8_t> key) override;
  std::optional<std::vector<uint8_t>> next(uint32_t state,
                                           std::optional<std::span<const uint8_t>> after) override;
  uint64_t checkpoint() const override { return block_.mark(); }
  bool can_rollback(uint64_t mark) const override { return mark <= block_.mark(); }
  void rollback(uint64_t mark) override { block_.rollback(mark); }

  /// Every world-state key whose presence or value the contract observed so far: looked up
  /// (`get`, `has`, `remove`) or returned by `next`.
  const KeySet& reads() const { return reads_; }

 private:
  std::vector<uint8_t> key_of(uint32_t state, std::span<const uint8_t> key) const;

  BlockState& block_;
  uint64_t deployment_ = 0;
  std::vector<uint8_t> last_;  // the value `get` returned, kept until the next call
  KeySet reads_;
};

}  // namespace covenant::node
