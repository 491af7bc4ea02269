#pragma once
/// \file
/// The audit of a stored ledger (`covenant ledger verify`): re-reads and re-checks every
/// byte of the log without changing anything, replays every block into an empty state, and
/// compares the result with the world state on disk. It stops at the first problem and
/// names it: the file, the byte offset, the block and the entry. docs/ledger.md,
/// "Verification", lists what is checked.

#include <cstdint>
#include <filesystem>

#include "ledger/hasher.hpp"
#include "ledger/executor.hpp"
#include "ledger/storage_error.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// What a successful audit saw.
struct AuditReport {
  /// The chain id.
  std::string chain_id;
  /// Segment files read.
  uint64_t segments = 0;
  /// Blocks, from genesis to the head.
  uint64_t blocks = 0;
  /// Entries (Merkle leaves) in all blocks.
  uint64_t entries = 0;
  /// Bytes of records (frames and bodies) checked; the zero tails are read too.
  uint64_t record_bytes = 0;
  /// Transaction signatures verified (seals included).
  uint64_t signatures = 0;
  /// Entries authorised by a seal rather than a signature of their own.
  uint64_t sealed = 0;
  /// Keys in the world state.
  uint64_t state_keys = 0;
  /// The Merkle root and state commitment of the head block, as recomputed.
  Hash log_root{};
  Hash state_commitment{};
  /// Hash of the head block's header.
  Hash head_hash{};
};

/// Audits the ledger in `dir` under a shared lock, changing nothing. Checks, block by block
/// in log order: every segment header; every frame and body checksum; the bytes after the
/// last record of every segment are zero; every record decodes canonically; every
/// transaction is for this chain; the sealing rule holds and every transaction a seal does
/// not cover has a signature that verifies (the main thread reads, decodes
/// and hashes, `threads` - 1 others check signatures; `threads` 0 means one per CPU, 1 does
/// everything on the caller's thread); heights, previous hashes and times chain; log sizes and roots match the
/// recomputed Merkle tree; every block is signed by the genesis proposer; nonces follow
/// their rule; with an `executor`, every receipt is what re-executing its transaction gives
/// (a node's ledger must be audited with the executor it ran with); every state commitment
/// matches the state replayed from genesis. Then the
/// world state on disk must be exactly the replayed one (same keys and values, head, hash
/// and Merkle log). Fails with the first problem, as `corrupt` with file, offset, block
/// and entry where known; `not_found`, `busy`, `io`, `state` as opening does.
Expected<AuditReport, StorageError> audit_ledger(const std::filesystem::path& dir,
                                                 unsigned threads = 0,
                                                 Executor* executor = nullptr);

}  // namespace covenant::ledger
