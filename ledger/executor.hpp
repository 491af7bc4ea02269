#pragma once
/// \file
/// What a block's transactions do to the world state beyond nonces: the interface through
/// which the ledger runs them. The ledger itself knows nothing of contracts; a node hands it
/// an `Executor` (node/contract_executor.hpp) that deploys modules and calls entries, and the
/// ledger uses the same executor to append a block, to recover one and to audit the chain,
/// so that the three cannot disagree. Without an executor a ledger stores the receipts it
/// is given and changes only nonces (docs/ledger.md, "World state").

#include <cstdint>
#include <span>
#include <vector>

#include "ledger/block.hpp"
#include "ledger/ed25519.hpp"
#include "ledger/state.hpp"
#include "ledger/storage_error.hpp"
#include "ledger/tx.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// One transaction as execution sees it: who signed it, in which sequence, and what it asks.
struct ExecutedTx {
  /// The signer's public key (what a contract's `caller()` returns).
  PublicKey signer{};
  /// The signer's nonce.
  uint64_t nonce = 0;
  /// What the payload is for.
  TxKind kind = TxKind::note;
  /// The payload; valid for the duration of `Executor::execute`.
  std::span<const uint8_t> payload;
};

/// Where in the chain a block executes.
struct BlockEnv {
  /// The block's height.
  uint64_t height = 0;
  /// The block's time, Unix milliseconds (contracts see its UTC date).
  uint64_t time_ms = 0;
};

/// The outcome of executing one block's transactions.
struct BlockExecution {
  /// One receipt per transaction, in block order; each passes `validate_receipt`.
  std::vector<Receipt> receipts;
  /// Every change to the state, none under kNonceKeyPrefix (nonces are the ledger's).
  StateDelta delta;
};

/// Runs a block's transactions. Implementations must be deterministic: the same state, env
/// and transactions give the same receipts and delta, byte for byte, on every build.
class Executor {
 public:
  virtual ~Executor() = default;

  /// Executes `txs` in order against `state` (the state before the block; the
  /// implementation sees its own earlier writes within the block). A transaction's own
  /// failure is a receipt, never an error. Fails only when the state cannot be read
  /// (`state`, `corrupt`) or on an internal error; then nothing is appended.
  virtual Expected<BlockExecution, StorageError> execute(const StateReader& state,
                                                         const BlockEnv& env,
                                                         std::span<const ExecutedTx> txs) = 0;
};

}  // namespace covenant::ledger
