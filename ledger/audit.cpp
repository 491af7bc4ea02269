#include "ledger/audit.hpp"

#include <fcntl.h>

#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

#include "ledger/block_record.hpp"
#include "ledger/file_io.hpp"
#include "ledger/replay.hpp"
#include "ledger/seal.hpp"
#include "ledger/segment_log.hpp"
#include "ledger/signature_checker.hpp"
#include "ledger/state.hpp"
#include "ledger/world_state.hpp"
#include "vm/hex.hpp"

namespace covenant::ledger {

namespace {

namespace fs = std::filesystem;

StorageError corrupt_at(std::string file, uint64_t offset, std::string reason) {
  return StorageError::of(StorageError::Code::corrupt, std::move(reason)).in(std::move(file), offset);
}

// The bytes of segment `index` from `end` (just past its last record) to its capacity must
// be zero: preallocated and never written.
Expected<void, StorageError> check_zero_tail(const SegmentLog& log, uint64_t index,
                                             uint64_t end) {
  const fs::path path = log.segment_path(index);
  auto f = File::open(path, O_RDONLY);
  if (!f) return unexpected(std::move(f).error());
  const uint64_t capacity = log.segment_capacity(index);
  std::vector<uint8_t> chunk;
  for (uint64_t at = end; at < capacity; at += chunk.size()) {
    chunk.resize(static_cast<size_t>(std::min<uint64_t>(uint64_t{1} << 20, capacity - at)));
    if (auto ok = f->read_at(at, chunk); !ok) return ok;
    size_t nz = first_nonzero(chunk);
    if (nz != chunk.size()) {
      return unexpected(corrupt_at(path.string(), at + nz,
                                   "non-zero byte after the last record (the end of the "
                                   "log must be zero: damage, or an interrupted append "
                                   "not yet recovered)"));
    }
  }
  return {};
}

// Where damage to a block is, when one entry is wrong on its own: the first entry whose leaf
// data does not decode, whose transaction is for another chain, whose signature fails, or
// that breaks the sealing rule (a covered transaction its seal does not list).
// Nothing if the body does not split into entries, or no entry is wrong by itself (a changed
// receipt, say, which only the Merkle root covers). The checksum or the root says that a
// block is damaged; this says where, when it can.
struct DamagedEntry {
  uint64_t entry = 0;
  uint64_t offset = 0;  // within the body
  std::string reason;
};

std::optional<DamagedEntry> find_damaged_entry(std::span<const uint8_t> body,
                                               std::string_view chain_id) {
  auto record = decode_block_record(body);
  if (!record) return std::nullopt;
  SealCursor seals;
  std::vector<uint64_t> entry_at;
  for (size_t i = 0; i < record->leaves.size(); ++i) {
    std::span<const uint8_t> leaf = record->leaves[i];
    const uint64_t at = static_cast<uint64_t>(leaf.data() - body.data());
    entry_at.push_back(at - 4);
    auto parts = decode_entry_parts(leaf);
    if (!parts) return DamagedEntry{i, at + parts.error().offset, parts.error().reason};
    const Transaction& tx = parts->transaction;
    const bool zero = is_zero_signature(tx.signature);
    const Hash signing = zero ? signing_hash(thread_hasher(), parts->tx) : Hash{};
    const std::span<const uint8_t> payload = parts->tx.subspan(
        parts->tx.size() - Signature{}.size() - tx.payload.size(), tx.payload.size());
    if (tx.chain_id != chain_id) {
      return DamagedEntry{i, at - 4, "transaction: chain id \"" + tx.chain_id +
                                         "\" is not this chain's"};
    }
    if (auto ok = seals.next(tx.signer, tx.nonce, tx.kind, payload, zero, &signing); !ok) {
      return DamagedEntry{i, at - 4, "sealing rule: " + ok.error().reason};
    }
    if (zero) continue;  // its seal's signature authorises it
    if (auto ok = check_stateless(tx, chain_id); !ok) {
      return DamagedEntry{i, at - 4, "transaction: " + ok.error().reason};
    }
  }
  if (auto ok = seals.finish(); !ok) {
    return DamagedEntry{seals.seal_position(), entry_at[seals.seal_position()],
                        "sealing rule: " + ok.error().reason};
  }
  return std::nullopt;
}

// Adds to `e`, an error about the block in `body`, the entry that is damaged, if one is.
StorageError locate(StorageError e, std::span<const uint8_t> body, uint64_t body_at,
                    std::string_view chain_id) {
  if (e.entry != StorageError::kNone) return e;
  if (auto damaged = find_damaged_entry(body, chain_id)) {
    e.entry = damaged->entry;
    e.offset = body_at + damaged->offset;
    e.reason += "; entry " + std::to_string(damaged->entry) + " is damaged: " + damaged->reason;
  }
  return e;
}

StorageError signature_error(SignatureFailure failure) {
  return corrupt_at(std::move(failure.tag.file), failure.tag.offset,
                    "transaction signature: " + failure.error.reason)
      .at(failure.tag.block, failure.tag.entry);
}

// Compares the world state on disk with the state replayed from the log.
Expected<uint64_t, StorageError> compare_state(const fs::path& dir, const MemoryState& replayed,
                                               const StateHash& hash, const CompactRange& log,
                                               const BlockHeader& head) {
  auto state = WorldState::open(dir / "state", false);
  if (!state) return unexpected(std::move(state).error());
  const StateMeta& meta = state->meta();
  const std::string file = state->data_file().string();
  if (!meta.height || *meta.height != head.height) {
    std::string applied = meta.height ? "block " + std::to_string(*meta.height) : "no block";
    return unexpected(corrupt_at(file, StorageError::kNone,
                                 "the world state has applied " + applied + ", the log ends at block " +
                                     std::to_string(head.height) +
                                     (meta.height && *meta.height < head.height
                                          ? " (blocks written but never acknowledged: opening "
                                            "the ledger for writing recovers them)"
                                          : "")));
  }
  if (meta.head_hash != header_hash(head)) {
    return unexpected(corrupt_at(file, StorageError::kNone,
                                 "the world state's head hash is not the log's last block's"));
  }
  if (!(meta.hash == hash)) {
    return unexpected(corrupt_at(file, StorageError::kNone,
                                 "the world state's stored state hash differs from the replayed "
                                 "state's"));
  }
  if (meta.log.size() != log.size() ||
      !std::equal(meta.log.hashes().begin(), meta.log.hashes().end(), log.hashes().begin(),
                  log.hashes().end())) {
    return unexpected(corrupt_at(file, StorageError::kNone,
                                 "the world state's Merkle log differs from the replayed log"));
  }
  auto expected = replayed.entries().begin();
  const auto end = replayed.entries().end();
  std::optional<std::string> mismatch;
  uint64_t keys = 0;
  auto visited = state->for_each([&](std::span<const uint8_t> key, std::span<const uint8_t> value) {
    ++keys;
    if (mismatch) return;
    if (expected == end || !std::equal(key.begin(), key.end(), expected->first.begin(),
                                       expected->first.end())) {
      mismatch = "the world state has key " + to_hex(key) + ", which replaying the log does not make";
      return;
    }
    if (!std::equal(value.begin(), value.end(), expected->second.begin(), expected->second.end())) {
      mismatch = "the world state's value of key " + to_hex(key) + " is " + to_hex(value) +
                 ", replaying the log gives " + to_hex(expected->second);
      return;
    }
    ++expected;
  });
  if (!visited) return unexpected(std::move(visited).error());
  if (!mismatch && expected != end) {
    mismatch = "the world state lacks key " + to_hex(expected->first) + ", which replaying the log makes";
  }
  if (mismatch) return unexpected(corrupt_at(file, StorageError::kNone, *mismatch));
  return keys;
}

}  // namespace

Expected<AuditReport, StorageError> audit_ledger(const fs::path& dir, unsigned threads,
                                                 Executor* executor) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return unexpected(
        StorageError::of(StorageError::Code::not_found, "no such ledger directory").in(dir.string()));
  }
  auto lock = DirectoryLock::acquire(dir / "LOCK", false);
  if (!lock) return unexpected(std::move(lock).error());
  auto segments = SegmentLog::open(dir / "log", false);
  if (!segments) return unexpected(std::move(segments).error());
  const SegmentLog& log = *segments;

  AuditReport report;
  report.chain_id = log.chain_id();
  report.segments = log.segment_count();

  MemoryState state;
  StateHash hash;
  CompactRange tree;
  BlockHeader head;
  PublicKey proposer{};
  // The main thread reads, decodes and hashes; the others check signatures.
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  SignatureChecker checker(threads - 1);
  // A problem found by replaying is reported only after the signatures of the blocks
  // before it are known: an earlier bad signature is the first problem.
  auto first_problem = [&](StorageError e) {
    if (auto failure = checker.wait()) return signature_error(std::move(*failure));
    return e;
  };

  uint64_t segment = 0;
  uint64_t segment_end = kSegmentHeaderSize;
  for (uint64_t h = 0; h < log.record_count(); ++h) {
    const RecordLocation& loc = log.record(h);
    while (segment < loc.segment) {
      if (auto ok = check_zero_tail(log, segment, segment_end); !ok) {
        return unexpected(first_problem(ok.error()));
      }
      ++segment;
      segment_end = kSegmentHeaderSize;
    }
    const std::string file = log.segment_path(loc.segment).string();
    const uint64_t body_at = loc.offset + kFrameHeaderSize;
    auto body = log.read_body(h);
    if (!body) {
      StorageError e = std::move(body).error();
      if (e.code == StorageError::Code::corrupt) {
        if (auto raw = log.read_unchecked_body(h)) e = locate(std::move(e), *raw, body_at, log.chain_id());
      }
      return unexpected(first_problem(std::move(e)));
    }
    ChainPosition at;
    at.chain_id = log.chain_id();
    at.previous = h == 0 ? nullptr : &head;
    at.proposer = h == 0 ? nullptr : &proposer;
    at.log = &tree;
    at.state = &state;
    at.state_hash = &hash;
    at.executor = executor;
    auto replayed = replay_block(*body, at);
    if (!replayed) {
      StorageError e = std::move(replayed).error();
      e.file = file;
      e.offset = body_at + (e.offset == StorageError::kNone ? 0 : e.offset);
      if (e.code == StorageError::Code::corrupt) e = locate(std::move(e), *body, body_at, log.chain_id());
      return unexpected(first_problem(std::move(e)));
    }
    // Covered entries have no signature of their own: replay_block checked that their seal
    // lists them, and the seal's signature is checked here with the others.
    for (size_t i = 0; i < replayed->transactions.size(); ++i) {
      if (replayed->covered[i]) {
        ++report.sealed;
        continue;
      }
      checker.submit(std::move(replayed->transactions[i]),
                     {h, i, body_at + replayed->entry_offsets[i], file});
      ++report.signatures;
    }
    state.apply(replayed->delta);
    hash = replayed->state_hash;
    tree = std::move(replayed->log);
    head = replayed->record.header;
    if (h == 0) proposer = head.proposer;
    ++report.blocks;
    report.entries += head.entry_count;
    report.record_bytes += kFrameHeaderSize + body->size();
    segment_end = body_at + body->size();
  }
  if (const auto& stop = log.scan_stop()) {
    return unexpected(first_problem(corrupt_at(
        log.segment_path(stop->segment).string(), stop->offset,
        (log.record_count() == 0 ? std::string("before the genesis block: ")
                                 : "after block " + std::to_string(log.record_count() - 1) + ": ") +
            stop->reason +
            " (damage, or an interrupted append not yet recovered)")));
  }
  for (; segment < log.segment_count(); ++segment) {
    if (auto ok = check_zero_tail(log, segment, segment_end); !ok) {
      return unexpected(first_problem(ok.error()));
    }
    segment_end = kSegmentHeaderSize;
  }
  if (auto failure = checker.wait()) return unexpected(signature_error(std::move(*failure)));
  if (report.blocks == 0) {
    return unexpected(corrupt_at(log.segment_path(0).string(), kSegmentHeaderSize,
                                 "the log has no genesis block"));
  }
  auto keys = compare_state(dir, state, hash, tree, head);
  if (!keys) return unexpected(std::move(keys).error());
  report.state_keys = *keys;
  report.log_root = head.log_root;
  report.state_commitment = head.state_commitment;
  report.head_hash = header_hash(head);
  return report;
}

}  // namespace covenant::ledger
