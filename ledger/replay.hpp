#pragma once
/// \file
/// Replaying one stored block: decoding its record body and checking that it continues the
/// chain, the Merkle log and the world state, exactly as appending made it. Recovery replays
/// the blocks the world state has not seen; the audit replays every block into an empty
/// state. docs/ledger.md, "Recovery" and "Verification".

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ledger/block.hpp"
#include "ledger/block_record.hpp"
#include "ledger/executor.hpp"
#include "ledger/merkle.hpp"
#include "ledger/state.hpp"
#include "ledger/state_hash.hpp"
#include "ledger/storage_error.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// Where a stored block must fit: the chain before it.
struct ChainPosition {
  /// The chain every transaction must carry.
  std::string_view chain_id;
  /// The previous block's header, or nullptr for the genesis block.
  const BlockHeader* previous = nullptr;
  /// The key every block after genesis must be proposed by (the genesis proposer); nullptr
  /// for the genesis block, which names it.
  const PublicKey* proposer = nullptr;
  /// The Merkle log before the block.
  const CompactRange* log = nullptr;
  /// The world state before the block, and its hash.
  const StateReader* state = nullptr;
  const StateHash* state_hash = nullptr;
  /// Re-executes the block's transactions when set: every stored receipt must equal the
  /// re-executed one byte for byte, and the executor's changes join the nonces'. Without
  /// one, receipts are taken as stored and only nonces change.
  Executor* executor = nullptr;
};

/// A stored block, decoded and checked. Spans point into the body that was replayed.
struct ReplayedBlock {
  /// The header and each entry's leaf data.
  BlockRecord record;
  /// Each entry's leaf hash, in block order.
  std::vector<Hash> leaf_hashes;
  /// Each entry's transaction, decoded (signatures not yet checked: see `replay_block`).
  std::vector<Transaction> transactions;
  /// For each entry, true if a seal covers it (the sealing rule held): it has no signature
  /// of its own to check, its seal's signature authorises it.
  std::vector<bool> covered;
  /// Offset within the body of each entry's length prefix.
  std::vector<size_t> entry_offsets;
  /// What the block changes in the state.
  StateDelta delta;
  /// The state hash after the block.
  StateHash state_hash;
  /// The Merkle log after the block.
  CompactRange log;
};

/// Decodes `body` (`decode_block_record`) and checks, in this order: every entry decodes
/// canonically (`decode_entry_parts`) and its transaction carries `at.chain_id`; the block's
/// transactions satisfy the sealing rule (`SealCursor`) and each seal's stored receipt is its
/// `seal_receipt`; the header continues `at.previous` and `at.log` (`verify_block_leaves`:
/// height, previous hash, time, entry count, log size, log root, proposer signature); the
/// proposer is `*at.proposer` (after genesis); the nonce transition applies to `*at.state`;
/// with an executor, each receipt equals the re-executed one; and the state hash after it has
/// the header's state commitment. Transaction signatures (of every entry `covered` does not
/// mark, seals included) are not checked here: the proposer's signature covers the log root,
/// which covers every entry, and the audit checks them on several threads. Fails with
/// `corrupt` (offset within `body`, `block` and, where one entry is at fault, `entry` set),
/// `state` or `internal`. Changes nothing.
Expected<ReplayedBlock, StorageError> replay_block(std::span<const uint8_t> body,
                                                   const ChainPosition& at);

}  // namespace covenant::ledger
