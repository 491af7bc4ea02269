#pragma once
/// \file
/// A stored ledger: the append-only log of signed blocks in segment files and the world
/// state in LMDB, kept in agreement. `append_block` makes and stores one block (one
/// fdatasync of the log, then one LMDB commit) and only then acknowledges it; `open`
/// recovers from a crash at any moment without losing an acknowledged block. Layout,
/// recovery rules and guarantees: docs/ledger.md, "Storage" and "Recovery".

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ledger/admission.hpp"
#include "ledger/block.hpp"
#include "ledger/block_record.hpp"
#include "ledger/ed25519.hpp"
#include "ledger/executor.hpp"
#include "ledger/file_io.hpp"
#include "ledger/segment_log.hpp"
#include "ledger/storage_error.hpp"
#include "ledger/world_state.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The size of new segment files unless the ledger is created with another, in bytes.
inline constexpr uint64_t kDefaultSegmentCapacity = uint64_t{64} << 20;

/// One transaction to record in a block, with the receipt of its execution.
struct BlockItem {
  /// The transaction, admitted on the ledger's chain.
  AdmittedTx tx;
  /// How its execution ended (`validate_receipt` must accept it).
  Receipt receipt;
};

/// How a ledger is opened.
enum class OpenMode {
  /// Shared lock; nothing on disk changes. Sees the blocks the world state has applied (the
  /// acknowledged ones); bytes beyond them are left for the next writer to recover.
  read_only,
  /// Exclusive lock; recovers (see docs/ledger.md) and may append.
  read_write,
};

/// What `open` found and did to bring the log and the world state into agreement.
struct RecoveryReport {
  /// Bytes zeroed at the end of the last segment: the torn remains of an append that was
  /// never acknowledged (0 if none).
  uint64_t discarded_bytes = 0;
  /// The segment file they were in, and the offset where they started.
  std::string discarded_file;
  uint64_t discarded_offset = 0;
  /// Why they were not a valid block, e.g. "record body checksum mismatch (damaged or torn)".
  std::string discarded_reason;
  /// Blocks stored in the log but not yet in the world state (written and synced, not yet
  /// acknowledged when the process stopped) that `open` applied.
  uint64_t replayed_blocks = 0;
  /// read_only: log records beyond the world state that were left alone.
  uint64_t ignored_records = 0;
  /// The world state was missing and was rebuilt by replaying the whole log.
  bool rebuilt_state = false;
};

/// A block read back from the log: its record body and the decoded record, whose spans
/// point into `body`. Move-only, so that the spans stay valid.
struct StoredBlock {
  /// The record body, checked against its frame's checksum.
  std::vector<uint8_t> body;
  /// The decoded header and leaf data.
  BlockRecord record;

  StoredBlock() = default;
  StoredBlock(StoredBlock&&) = default;
  StoredBlock& operator=(StoredBlock&&) = default;
  StoredBlock(const StoredBlock&) = delete;
  StoredBlock& operator=(const StoredBlock&) = delete;
};

/// A ledger directory: `log/` (segment files), `state/` (LMDB) and `LOCK`. Move-only; one
/// writer per directory (an exclusive lock), readers share. Not thread-safe.
class Ledger {
 public:
  /// Creates a ledger in `dir` (created if missing; it must not hold `log/` or `state/`)
  /// for `chain_id`, and appends the genesis block: no entries, time `genesis_time_ms`
  /// (Unix ms), proposed by `proposer`, whose key then proposes every block. Segment files
  /// get `segment_capacity` bytes. Fails with `invalid_argument`, `busy`, `io` or `state`.
  static Expected<Ledger, StorageError> create(const std::filesystem::path& dir,
                                               const std::string& chain_id,
                                               const KeyPair& proposer,
                                               uint64_t genesis_time_ms,
                                               uint64_t segment_capacity = kDefaultSegmentCapacity);

  /// Opens the ledger in `dir`, recovering it when `mode` is read_write: torn bytes after
  /// the last acknowledged block are zeroed, blocks the log holds but the state has not
  /// applied are replayed into it. A missing `state/` is rebuilt by replaying every block
  /// (read_write only; any damage is then an error). Fails with `not_found`, `busy`, `corrupt` (damage to an
  /// acknowledged block, or log and state that disagree: the message names the file, the
  /// offset and the block; nothing is changed), `io` or `state`.
  /// With an `executor` (which must outlive the ledger), blocks are replayed by executing
  /// their transactions (see `set_executor`).
  static Expected<Ledger, StorageError> open(const std::filesystem::path& dir, OpenMode mode,
                                             Executor* executor = nullptr);

  Ledger(Ledger&&) noexcept = default;
  Ledger& operator=(Ledger&&) noexcept = default;

  /// The directory.
  const std::filesystem::path& dir() const { return dir_; }
  /// The chain id.
  const std::string& chain_id() const { return segments_.chain_id(); }
  /// The header of the last block.
  const BlockHeader& head() const { return head_; }
  /// The number of blocks (head().height + 1).
  uint64_t block_count() const { return head_.height + 1; }
  /// The key that proposed the genesis block and must propose every block.
  const PublicKey& proposer() const { return proposer_; }
  /// What `open` found and did.
  const RecoveryReport& recovery() const { return recovery_; }
  /// The segment files.
  const SegmentLog& segments() const { return segments_; }
  /// The world state.
  const WorldState& state() const { return state_; }

  /// Makes, stores and acknowledges one block holding `items` in order, at `time_ms` (Unix
  /// ms, not before the head's), signed by `proposer` (the genesis proposer). Checks the
  /// sealing rule (each covered transaction right after its seal and the covered ones before
  /// it, each seal's run complete, each seal's receipt `seal_receipt`), each
  /// transaction's nonce against the state and the items before it, encodes each receipt,
  /// builds the record (leaf data hashed in place), signs the header, writes the record
  /// with one fdatasync, then commits the state changes and the new head in one LMDB
  /// transaction. Returns the header once all of that is durable.
  ///
  /// Fails with `rejected` (the sealing rule, a replayed or skipped nonce, a bad receipt:
  /// `entry` names it; a
  /// wrong proposer, a time before the head's, too many entries, a record over 1 GiB) or
  /// `invalid_argument` (read-only, or an executor is set) and then nothing has changed; with `io` or `state` if
  /// writing failed, and then the ledger refuses further appends (`internal`) until it is
  /// reopened, which recovers: the block is then present if and only if its record reached
  /// the disk intact.
  Expected<BlockHeader, StorageError> append_block(std::span<const BlockItem> items,
                                                   uint64_t time_ms, const KeyPair& proposer);

  /// Makes this ledger execute its transactions with `executor` (which must outlive it; null
  /// for none): `append_transactions` then computes each receipt and the state changes, and
  /// recovery compares stored receipts with re-executed ones. `append_block`, which takes
  /// receipts as given, is refused while an executor is set.
  void set_executor(Executor* executor) { executor_ = executor; }
  /// True if an executor is set.
  bool has_executor() const { return executor_ != nullptr; }

  /// What `append_transactions` appended.
  struct Appended {
    /// The new head.
    BlockHeader header;
    /// Each transaction's receipt, in block order.
    std::vector<Receipt> receipts;
  };

  /// Executes `txs` in order with the executor (after checking their nonces) and appends the
  /// block they make, with the receipts and state changes the executor computed, as
  /// `append_block` does; a seal's receipt must be `seal_receipt`, which the executor gives
  /// it. The sealing rule and the nonces are checked before anything executes. A
  /// transaction that fails is a receipt, not an error. Fails with
  /// `invalid_argument` without an executor, as the executor fails (nothing changed), or as
  /// `append_block` fails.
  Expected<Appended, StorageError> append_transactions(std::span<const AdmittedTx> txs,
                                                       uint64_t time_ms, const KeyPair& proposer);

  /// Reads block `height` (< block_count()), checking its record checksum and decoding it.
  /// Fails with `not_found`, `corrupt` (naming the file, offset and block) or `io`.
  Expected<StoredBlock, StorageError> read_block(uint64_t height) const;

  /// The next nonce the world state expects from `signer` (0 if never seen).
  Expected<uint64_t, StorageError> next_nonce(const PublicKey& signer) const;

 private:
  Ledger(std::filesystem::path dir, DirectoryLock lock, SegmentLog segments, WorldState state,
         bool writable)
      : dir_(std::move(dir)),
        lock_(std::move(lock)),
        segments_(std::move(segments)),
        state_(std::move(state)),
        writable_(writable) {}
  Expected<void, StorageError> recover();
  // append_block's work, with the executor's state changes (none without one).
  Expected<BlockHeader, StorageError> append_items(std::span<const BlockItem> items,
                                                   uint64_t time_ms, const KeyPair& proposer,
                                                   const StateDelta& executed);

  std::filesystem::path dir_;
  DirectoryLock lock_;
  SegmentLog segments_;
  WorldState state_;
  bool writable_ = false;
  bool failed_ = false;
  Executor* executor_ = nullptr;
  BlockHeader head_;
  PublicKey proposer_{};
  RecoveryReport recovery_;
  std::vector<uint8_t> record_buffer_;  // the body of the block being appended
};

}  // namespace covenant::ledger
