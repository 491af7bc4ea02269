#pragma once
/// \file
/// The state transition of a block: what a block's entries change in the world state: each
/// signer's next nonce (replay protection), plus what an `Executor` computed (the writes of
/// contract calls). The same functions serve appending, recovery and the audit, so the
/// three cannot disagree. docs/ledger.md, "World state".

#include <cstdint>
#include <span>
#include <vector>

#include "ledger/ed25519.hpp"
#include "ledger/state.hpp"
#include "ledger/storage_error.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The prefix of every nonce key ("nonce/", 6 ASCII bytes).
inline constexpr std::string_view kNonceKeyPrefix = "nonce/";

/// The world-state key of a signer's next nonce: "nonce/" followed by the 32-byte public
/// key. Its value is the next nonce as 8 little-endian bytes; a signer without a key has
/// next nonce 0.
std::vector<uint8_t> nonce_key(const PublicKey& signer);

/// The signer and nonce of one transaction of a block.
struct NonceUse {
  /// Who signed it.
  PublicKey signer{};
  /// The nonce it carries.
  uint64_t nonce = 0;
};

/// The next nonce `state` holds for `signer` (0 if none). Fails with `corrupt` if the stored
/// value is not 8 bytes, or as `state.get` fails.
Expected<uint64_t, StorageError> stored_next_nonce(const StateReader& state,
                                                   const PublicKey& signer);

/// Applies the nonce rule (`NonceBook`) to a block's transactions in block order, starting
/// from the nonces in `state`, and returns the block's changes: each signer's new next nonce.
/// Fails with `rejected` naming the first entry whose nonce is replayed, skips ahead or is
/// the last (its `entry` field set), or as `stored_next_nonce` fails. Changes nothing.
Expected<StateDelta, StorageError> nonce_transition(const StateReader& state,
                                                    std::span<const NonceUse> uses);

/// Adds the changes an `Executor` computed for a block to the block's nonce changes
/// `nonces`. Fails with `internal` (and changes nothing) if `executed` touches a key under
/// kNonceKeyPrefix, which only the nonce rule may write.
Expected<void, StorageError> merge_executed(StateDelta& nonces, const StateDelta& executed);

}  // namespace covenant::ledger
