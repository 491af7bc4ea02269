#pragma once
/// \file
/// A node directory: a `Ledger` (log/, state/, LOCK) and the node's Ed25519 key (node.key),
/// which proposes every block and signs the notes and checkpoints the node makes itself.
/// What `covenant ledger` works on. docs/ledger.md, "Node directory".

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ed25519.hpp"
#include "ledger/ledger.hpp"
#include "ledger/storage_error.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The file holding the node's key: its 32-byte Ed25519 seed, mode 0600.
inline constexpr std::string_view kNodeKeyFile = "node.key";

/// A node directory, open. Move-only.
class Node {
 public:
  /// Creates a node in `dir` (created if missing; it must be empty): writes the key (from
  /// `seed`, or 32 fresh bytes of OpenSSL's private RNG) durably to node.key, then creates
  /// the ledger for `chain_id` with its genesis block at `genesis_time_ms`. The chain id is
  /// also the checkpoint origin and key name, so it must be a valid note name too (no '+').
  /// Fails with `invalid_argument` (bad chain id, directory not empty), `io`, `state`,
  /// `internal`.
  static Expected<Node, StorageError> init(const std::filesystem::path& dir,
                                           const std::string& chain_id,
                                           uint64_t genesis_time_ms,
                                           const std::optional<Seed>& seed = std::nullopt,
                                           uint64_t segment_capacity = kDefaultSegmentCapacity,
                                           Executor* executor = nullptr);

  /// Opens the node in `dir`: the ledger (`Ledger::open`, which recovers in read_write
  /// mode) and the key, which must be the ledger's proposer. Fails as `Ledger::open` does,
  /// or with `not_found` / `corrupt` for a missing or malformed node.key.
  /// With an `executor` (which must outlive the node), the ledger executes its transactions
  /// (`Ledger::set_executor`), in recovery too.
  static Expected<Node, StorageError> open(const std::filesystem::path& dir, OpenMode mode,
                                           Executor* executor = nullptr);

  /// The ledger.
  Ledger& ledger() { return ledger_; }
  const Ledger& ledger() const { return ledger_; }
  /// The node's key.
  const KeyPair& key() const { return key_; }

  /// Records each payload as a note transaction signed by the node key (consecutive nonces
  /// from the state's next one), all in one block at `time_ms`: with an ok receipt, or
  /// through the executor if the ledger has one. With `sealed`, the notes are one sealed
  /// batch (ledger/seal.hpp): a seal signed by the node key, then the notes with all-zero
  /// signatures, so the block's first entry is the seal.
  /// Fails with `invalid_argument` for a payload over kMaxPayloadSize (or, sealed, more than
  /// kMaxSealedTransactions payloads or none), otherwise as `Ledger::append_block`.
  Expected<BlockHeader, StorageError> append_notes(
      std::span<const std::vector<uint8_t>> payloads, uint64_t time_ms, bool sealed = false);

  /// The C2SP checkpoint of the log at the head block (origin and key name: the chain id),
  /// signed by the node key. Fails with `internal` if signing fails.
  Expected<std::string, StorageError> checkpoint() const;

  /// The node's signed-note verifier key (name+key ID+base64 key), for checking checkpoints.
  std::string verifier_key() const;

 private:
  Node(Ledger ledger, KeyPair key) : ledger_(std::move(ledger)), key_(std::move(key)) {}

  Ledger ledger_;
  KeyPair key_;
};

}  // namespace covenant::ledger
