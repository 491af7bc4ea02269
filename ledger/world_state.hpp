#pragma once
/// \file
/// The durable world state: key-value pairs in LMDB (Debian's liblmdb), iterated in key
/// order, changed only by `commit`, which applies one block's changes and the state's record
/// of the log (height, head hash, state hash, Merkle compact range) in one LMDB transaction:
/// after a crash the state is exactly as after some committed block. docs/ledger.md, "World
/// state", says why LMDB and why MDB_NOMETASYNC.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ledger/merkle.hpp"
#include "ledger/state.hpp"
#include "ledger/state_hash.hpp"
#include "ledger/storage_error.hpp"
#include "vm/expected.hpp"

typedef struct MDB_env MDB_env;
typedef struct MDB_txn MDB_txn;
typedef struct MDB_cursor MDB_cursor;

namespace covenant::ledger {

/// What the state records about the log it reflects, committed with every block.
struct StateMeta {
  /// The chain the state belongs to.
  std::string chain_id;
  /// Height of the last block applied; nullopt before the genesis block.
  std::optional<uint64_t> height;
  /// `header_hash` of that block (zero before genesis).
  Hash head_hash{};
  /// The multiset hash of every pair in the state; its `commitment()` is the block's state
  /// commitment.
  StateHash hash;
  /// The Merkle log after that block: its size and perfect subtree roots, so that opening a
  /// ledger needs no pass over the log to append again.
  CompactRange log;
};

/// The LMDB world state in one directory. Move-only. Not thread-safe.
class WorldState : public StateReader {
 public:
  /// Creates the state directory `dir` (which must not exist) with an empty state for
  /// `chain_id` and no block applied. Fails with `io` or `state`.
  static Expected<WorldState, StorageError> create(const std::filesystem::path& dir,
                                                   const std::string& chain_id);

  /// Opens the state in `dir`, read-write or read-only, and reads its meta. Fails with
  /// `not_found` (no state there), `corrupt` (LMDB reports a damaged file, or the meta is
  /// malformed) or `state`.
  static Expected<WorldState, StorageError> open(const std::filesystem::path& dir,
                                                 bool writable);

  WorldState(WorldState&& other) noexcept;
  WorldState& operator=(WorldState&& other) noexcept;
  WorldState(const WorldState&) = delete;
  WorldState& operator=(const WorldState&) = delete;
  ~WorldState() override;

  /// The meta as of the last commit.
  const StateMeta& meta() const { return meta_; }

  /// The path of LMDB's data file (for messages and tests).
  std::filesystem::path data_file() const { return dir_ / "data.mdb"; }

  /// The value of `key`, or nullopt. Fails with `state` or `corrupt`.
  Expected<std::optional<std::vector<uint8_t>>, StorageError> get(
      std::span<const uint8_t> key) const override;
  /// The first pair at or after `key` (an LMDB cursor's MDB_SET_RANGE), or nullopt. Fails
  /// with `state` or `corrupt`.
  Expected<std::optional<StatePair>, StorageError> seek(
      std::span<const uint8_t> key) const override;

  /// Applies `delta` (each change's `after`) and records `meta`, atomically, then makes it
  /// durable (one fdatasync of the data file). Keys must be 1 to 511 bytes (LMDB's limit).
  /// Grows the memory map if it fills. On failure nothing is changed. Fails with `state`,
  /// `invalid_argument` (read-only, or a key LMDB cannot store) or `corrupt`.
  Expected<void, StorageError> commit(const StateDelta& delta, const StateMeta& meta);

  /// Calls `visit(key, value)` for every pair, in key order (unsigned lexicographic). The
  /// spans are valid during the call only. Fails with `state` or `corrupt`.
  Expected<void, StorageError> for_each(
      const std::function<void(std::span<const uint8_t>, std::span<const uint8_t>)>& visit)
      const;

 private:
  WorldState() = default;
  Expected<void, StorageError> open_env(bool writable);
  Expected<void, StorageError> read_meta();
  StorageError error(const char* what, int rc) const;
  // A read (or, when `write`, write) transaction; the caller aborts or commits it.
  Expected<MDB_txn*, StorageError> begin(bool write) const;
  // Runs `use` on a cursor over the state in a read transaction; `use` returns LMDB's last
  // code, where MDB_NOTFOUND (the end) is success.
  Expected<void, StorageError> read_with_cursor(const std::function<int(MDB_cursor*)>& use) const;
  // The read transaction of a writable state, kept between reads (beginning one costs more
  // than most lookups) and reset before every commit, so reads see what was committed.
  // A read-only state (no LMDB lock table) begins one per read instead, so that no snapshot
  // outlives a call while another process may be writing.
  Expected<MDB_txn*, StorageError> kept_reader() const;
  void end_reads() const;

  std::filesystem::path dir_;
  MDB_env* env_ = nullptr;
  mutable MDB_txn* reader_ = nullptr;
  mutable bool reader_live_ = false;
  unsigned state_dbi_ = 0;
  unsigned meta_dbi_ = 0;
  bool writable_ = false;
  uint64_t map_size_ = 0;
  StateMeta meta_;
};

}  // namespace covenant::ledger
