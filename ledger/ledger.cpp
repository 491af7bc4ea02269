#include "ledger/ledger.hpp"

#include <functional>
#include <utility>

#include "ledger/codec.hpp"
#include "ledger/hasher.hpp"
#include "ledger/parallel.hpp"
#include "ledger/replay.hpp"
#include "ledger/seal.hpp"
#include "ledger/transition.hpp"
#include "ledger/tx.hpp"
#include "vm/hex.hpp"

namespace covenant::ledger {

namespace {

namespace fs = std::filesystem;

// Below this many entries per thread, starting threads costs more than hashing saves.
constexpr size_t kLeavesPerThread = 512;
// The record buffer is kept between appends up to this size (a rare huge block's is not).
constexpr size_t kKeptBufferSize = size_t{64} << 20;

StorageError make_error(StorageError::Code code, std::string reason,
                        uint64_t block = StorageError::kNone,
                        uint64_t entry = StorageError::kNone) {
  return StorageError::of(code, std::move(reason)).at(block, entry);
}

// The sealing rule over a block's transactions (`SealCursor`), from what admission recorded:
// a covered transaction's signing hash was computed then, so this costs a comparison per
// transaction. Fails with `rejected` naming the entry.
Expected<void, StorageError> check_sealing(size_t count,
                                           const std::function<const AdmittedTx&(size_t)>& tx_at,
                                           uint64_t height) {
  SealCursor cursor;
  for (size_t i = 0; i < count; ++i) {
    const AdmittedTx& tx = tx_at(i);
    if (auto ok = cursor.next(tx.signer(), tx.nonce(), tx.kind(), tx.payload(), tx.covered(),
                              &tx.signing_hash());
        !ok) {
      return unexpected(make_error(StorageError::Code::rejected,
                                   "sealing rule: " + ok.error().reason, height, i));
    }
  }
  if (auto ok = cursor.finish(); !ok) {
    return unexpected(make_error(StorageError::Code::rejected,
                                 "sealing rule: " + ok.error().reason, height,
                                 cursor.seal_position()));
  }
  return {};
}

}  // namespace

Expected<Ledger, StorageError> Ledger::create(const fs::path& dir, const std::string& chain_id,
                                              const KeyPair& proposer,
                                              uint64_t genesis_time_ms,
                                              uint64_t segment_capacity) {
  if (!valid_chain_id(chain_id)) {
    return unexpected(make_error(StorageError::Code::invalid_argument,
                                 "chain id must be 1 to 64 bytes of printable ASCII "
                                 "without spaces"));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    StorageError e = make_error(StorageError::Code::io, "cannot create: " + ec.message());
    e.file = dir.string();
    return unexpected(std::move(e));
  }
  if (fs::exists(dir / "log", ec) || fs::exists(dir / "state", ec)) {
    StorageError e = make_error(StorageError::Code::invalid_argument, "already holds a ledger");
    e.file = dir.string();
    return unexpected(std::move(e));
  }
  auto lock = DirectoryLock::acquire(dir / "LOCK", true);
  if (!lock) return unexpected(std::move(lock).error());
  auto segments = SegmentLog::create(dir / "log", chain_id, segment_capacity);
  if (!segments) return unexpected(std::move(segments).error());
  auto state = WorldState::create(dir / "state", chain_id);
  if (!state) return unexpected(std::move(state).error());
  Ledger ledger(dir, std::move(lock).value(), std::move(segments).value(),
                std::move(state).value(), true);
  ledger.proposer_ = proposer.public_key();
  if (auto genesis = ledger.append_block({}, genesis_time_ms, proposer); !genesis) {
    return unexpected(std::move(genesis).error());
  }
  if (auto ok = sync_directory(dir); !ok) return unexpected(ok.error());
  return ledger;
}

Expected<Ledger, StorageError> Ledger::open(const fs::path& dir, OpenMode mode,
                                            Executor* executor) {
  const bool writable = mode == OpenMode::read_write;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    StorageError e = make_error(StorageError::Code::not_found, "no such ledger directory");
    e.file = dir.string();
    return unexpected(std::move(e));
  }
  auto lock = DirectoryLock::acquire(dir / "LOCK", writable);
  if (!lock) return unexpected(std::move(lock).error());
  auto segments = SegmentLog::open(dir / "log", writable);
  if (!segments) return unexpected(std::move(segments).error());
  // The world state is derived from the log: without it, a writer rebuilds it by replaying
  // every block (and then discards nothing, since nothing says what was acknowledged).
  const bool rebuild = writable && !fs::exists(dir / "state", ec);
  auto state = rebuild ? WorldState::create(dir / "state", segments->chain_id())
                       : WorldState::open(dir / "state", writable);
  if (!state) return unexpected(std::move(state).error());
  if (state->meta().chain_id != segments->chain_id()) {
    StorageError e = make_error(StorageError::Code::corrupt,
                                "the world state is for chain \"" + state->meta().chain_id +
                                    "\", the log for \"" + segments->chain_id() + "\"");
    e.file = state->data_file().string();
    return unexpected(std::move(e));
  }
  Ledger ledger(dir, std::move(lock).value(), std::move(segments).value(),
                std::move(state).value(), writable);
  ledger.recovery_.rebuilt_state = rebuild;
  ledger.executor_ = executor;
  if (auto ok = ledger.recover(); !ok) {
    if (rebuild) {
      // A half-rebuilt state would pass for one that records acknowledgements: remove it
      // (closing it first, still under the lock), so that the next open rebuilds again.
      { WorldState closed = std::move(ledger.state_); }
      fs::remove_all(dir / "state", ec);
    }
    return unexpected(ok.error());
  }
  return ledger;
}

Expected<void, StorageError> Ledger::recover() {
  const uint64_t records = segments_.record_count();
  const std::optional<uint64_t> applied = state_.meta().height;
  const uint64_t last_segment = segments_.segment_count() - 1;

  if (applied && *applied >= records) {
    // The state only ever commits a block after its record was synced: an applied block
    // that the log lacks was acknowledged and has since been lost or damaged.
    StorageError e = make_error(StorageError::Code::corrupt,
                                "the world state has applied block " +
                                    std::to_string(*applied) + ", but the log ends before it",
                                records);
    e.file = segments_.segment_path(last_segment).string();
    e.offset = segments_.tail_offset();
    if (const auto& stop = segments_.scan_stop()) {
      e.file = segments_.segment_path(stop->segment).string();
      e.offset = stop->offset;
      e.reason += ": " + stop->reason;
    }
    return unexpected(std::move(e));
  }
  if (applied) {
    auto head = read_block(*applied);
    if (!head) return unexpected(std::move(head).error());
    if (header_hash(head->record.header) != state_.meta().head_hash) {
      StorageError e = make_error(StorageError::Code::corrupt,
                                  "the world state's head is not this log's block " +
                                      std::to_string(*applied) +
                                      " (a state from another ledger?)",
                                  *applied);
      e.file = state_.data_file().string();
      return unexpected(std::move(e));
    }
    head_ = head->record.header;
    if (*applied == 0) {
      proposer_ = head_.proposer;
    } else {
      auto genesis = read_block(0);
      if (!genesis) return unexpected(std::move(genesis).error());
      proposer_ = genesis->record.header.proposer;
    }
  }

  const uint64_t next = applied ? *applied + 1 : 0;
  if (!writable_) {
    // Readers see what the state has applied; the rest is the next writer's to recover.
    recovery_.ignored_records = records - next;
  } else {
    // Records the state has not applied were synced but never acknowledged. A record whose
    // checksum fails is the torn end of an interrupted append: it and everything after it
    // go. A record with a good checksum must replay, or it is damage (an error).
    std::optional<StorageError> torn;
    uint64_t torn_height = records;
    for (uint64_t h = next; h < records; ++h) {
      auto body = segments_.read_body(h);
      if (!body) {
        if (body.error().code != StorageError::Code::corrupt) return unexpected(body.error());
        torn = body.error();
        torn_height = h;
        break;
      }
      ChainPosition at;
      at.chain_id = chain_id();
      at.previous = h == 0 ? nullptr : &head_;
      at.proposer = h == 0 ? nullptr : &proposer_;
      at.log = &state_.meta().log;
      at.state = &state_;
      at.state_hash = &state_.meta().hash;
      at.executor = executor_;
      auto replayed = replay_block(*body, at);
      if (!replayed) {
        StorageError e = std::move(replayed).error();
        const RecordLocation& loc = segments_.record(h);
        e.file = segments_.segment_path(loc.segment).string();
        e.offset = loc.offset + kFrameHeaderSize + (e.offset == StorageError::kNone ? 0 : e.offset);
        return unexpected(std::move(e));
      }
      const BlockHeader& header = replayed->record.header;
      StateMeta meta{chain_id(), h, header_hash(header), replayed->state_hash, replayed->log};
      if (auto ok = state_.commit(replayed->delta, meta); !ok) return ok;
      head_ = header;
      if (h == 0) proposer_ = header.proposer;
      ++recovery_.replayed_blocks;
    }
    if ((torn || segments_.scan_stop()) && recovery_.rebuilt_state) {
      StorageError e = torn ? *torn
                            : make_error(StorageError::Code::corrupt, segments_.scan_stop()->reason,
                                         records);
      if (!torn) {
        e.file = segments_.segment_path(segments_.scan_stop()->segment).string();
        e.offset = segments_.scan_stop()->offset;
      }
      e.reason += " (while rebuilding the world state, which would have said whether this "
                  "block was acknowledged: nothing is discarded)";
      return unexpected(std::move(e));
    }
    if (torn || segments_.scan_stop()) {
      if (torn) {
        const RecordLocation& loc = segments_.record(torn_height);
        recovery_.discarded_file = segments_.segment_path(loc.segment).string();
        recovery_.discarded_offset = loc.offset;
        recovery_.discarded_reason = torn->reason;
        if (loc.segment != last_segment) {
          // A torn append only ever damages the last record of the last segment.
          torn->reason += " (a later segment follows, so this is damage, not an "
                          "interrupted append)";
          return unexpected(std::move(*torn));
        }
      } else {
        const ScanStop& stop = *segments_.scan_stop();
        recovery_.discarded_file = segments_.segment_path(stop.segment).string();
        recovery_.discarded_offset = stop.offset;
        recovery_.discarded_reason = stop.reason;
      }
      auto zeroed = segments_.discard_from(torn_height);
      if (!zeroed) return unexpected(std::move(zeroed).error());
      recovery_.discarded_bytes = *zeroed;
    }
  }

  if (!state_.meta().height) {
    StorageError e = make_error(StorageError::Code::not_found,
                                "the ledger has no genesis block: its creation was "
                                "interrupted; remove the directory and create it again");
    e.file = dir_.string();
    return unexpected(std::move(e));
  }
  const CompactRange& log = state_.meta().log;
  if (log.size() != head_.log_size || log.root(thread_hasher()) != head_.log_root) {
    StorageError e = make_error(StorageError::Code::corrupt,
                                "the world state's Merkle log (size " +
                                    std::to_string(log.size()) +
                                    ") does not match the head block's",
                                head_.height);
    e.file = state_.data_file().string();
    return unexpected(std::move(e));
  }
  return {};
}

Expected<StoredBlock, StorageError> Ledger::read_block(uint64_t height) const {
  if (height >= segments_.record_count() ||
      (!writable_ && state_.meta().height && height > *state_.meta().height)) {
    return unexpected(make_error(StorageError::Code::not_found,
                                 "no such block (the ledger holds " +
                                     std::to_string(segments_.record_count()) + ")",
                                 height));
  }
  StoredBlock block;
  auto body = segments_.read_body(height);
  if (!body) return unexpected(std::move(body).error());
  block.body = std::move(body).value();
  auto record = decode_block_record(block.body);
  if (!record) {
    const RecordLocation& loc = segments_.record(height);
    StorageError e = make_error(StorageError::Code::corrupt, record.error().reason, height);
    e.file = segments_.segment_path(loc.segment).string();
    e.offset = loc.offset + kFrameHeaderSize + record.error().offset;
    return unexpected(std::move(e));
  }
  block.record = std::move(record).value();
  return block;
}

Expected<uint64_t, StorageError> Ledger::next_nonce(const PublicKey& signer) const {
  return stored_next_nonce(state_, signer);
}

Expected<BlockHeader, StorageError> Ledger::append_block(std::span<const BlockItem> items,
                                                         uint64_t time_ms,
                                                         const KeyPair& proposer) {
  if (executor_ != nullptr) {
    return unexpected(make_error(StorageError::Code::invalid_argument,
                                 "this ledger executes its transactions: receipts come from "
                                 "its executor, not from the caller"));
  }
  return append_items(items, time_ms, proposer, StateDelta{});
}

Expected<Ledger::Appended, StorageError> Ledger::append_transactions(
    std::span<const AdmittedTx> txs, uint64_t time_ms, const KeyPair& proposer) {
  using Code = StorageError::Code;
  if (executor_ == nullptr) {
    return unexpected(make_error(Code::invalid_argument, "this ledger has no executor"));
  }
  if (!writable_) return unexpected(make_error(Code::invalid_argument, "the ledger is open read-only"));
  const uint64_t height = state_.meta().height ? head_.height + 1 : 0;
  // The sealing rule and the nonces first, as append_items checks them again: a block that
  // would be refused is refused before it runs.
  if (auto ok = check_sealing(txs.size(), [&](size_t i) -> const AdmittedTx& { return txs[i]; },
                              height);
      !ok) {
    return unexpected(ok.error());
  }
  std::vector<NonceUse> uses;
  uses.reserve(txs.size());
  for (const AdmittedTx& tx : txs) uses.push_back({tx.signer(), tx.nonce()});
  if (auto nonces = nonce_transition(state_, uses); !nonces) {
    StorageError e = std::move(nonces).error();
    e.block = height;
    return unexpected(std::move(e));
  }
  std::vector<ExecutedTx> views;
  views.reserve(txs.size());
  for (const AdmittedTx& tx : txs) views.push_back({tx.signer(), tx.nonce(), tx.kind(), tx.payload()});
  auto executed = executor_->execute(state_, BlockEnv{height, time_ms}, views);
  if (!executed) {
    StorageError e = std::move(executed).error();
    e.block = height;
    return unexpected(std::move(e));
  }
  if (executed->receipts.size() != txs.size()) {
    return unexpected(make_error(Code::internal, "the executor returned " +
                                                     std::to_string(executed->receipts.size()) +
                                                     " receipts for " +
                                                     std::to_string(txs.size()) + " transactions",
                                 height));
  }
  std::vector<BlockItem> items;
  items.reserve(txs.size());
  for (size_t i = 0; i < txs.size(); ++i) items.push_back({txs[i], executed->receipts[i]});
  auto header = append_items(items, time_ms, proposer, executed->delta);
  if (!header) return unexpected(std::move(header).error());
  return Appended{*header, std::move(executed->receipts)};
}

Expected<BlockHeader, StorageError> Ledger::append_items(std::span<const BlockItem> items,
                                                         uint64_t time_ms,
                                                         const KeyPair& proposer,
                                                         const StateDelta& executed) {
  using Code = StorageError::Code;
  if (failed_) {
    return unexpected(make_error(Code::internal,
                                 "an earlier append failed while writing; reopen the ledger "
                                 "to recover"));
  }
  if (!writable_) return unexpected(make_error(Code::invalid_argument, "the ledger is open read-only"));
  const bool genesis = !state_.meta().height;
  const uint64_t height = genesis ? 0 : head_.height + 1;
  if (proposer.public_key() != proposer_) {
    return unexpected(make_error(Code::rejected,
                                 "proposer " + to_hex(proposer.public_key()) +
                                     " is not this ledger's (" + to_hex(proposer_) + ")",
                                 height));
  }
  if (items.size() > kMaxBlockEntries) {
    return unexpected(make_error(Code::rejected,
                                 std::to_string(items.size()) + " entries, maximum " +
                                     std::to_string(kMaxBlockEntries),
                                 height));
  }
  for (const BlockItem& item : items) {
    if (item.tx.bytes().empty()) {
      return unexpected(make_error(Code::rejected, "an item has no transaction", height));
    }
  }

  // What admission could not check, because it needs the block's order: every covered
  // transaction follows its seal, every seal's run is complete.
  if (auto ok = check_sealing(items.size(),
                              [&](size_t i) -> const AdmittedTx& { return items[i].tx; }, height);
      !ok) {
    return unexpected(ok.error());
  }

  // The state changes first: a replayed or skipped nonce rejects the block before any work.
  std::vector<NonceUse> uses;
  uses.reserve(items.size());
  for (const BlockItem& item : items) uses.push_back({item.tx.signer(), item.tx.nonce()});
  auto delta = nonce_transition(state_, uses);
  if (!delta) {
    StorageError e = std::move(delta).error();
    e.block = height;
    return unexpected(std::move(e));
  }
  if (auto merged = merge_executed(*delta, executed); !merged) {
    StorageError e = std::move(merged).error();
    e.block = height;
    return unexpected(std::move(e));
  }
  StateHash state_hash = state_.meta().hash;
  apply_delta(state_hash, *delta);

  // The record body: room for the header, then each entry's length and leaf data, which is
  // hashed where it lies once the body has stopped growing. Sizes are checked first, so that
  // a rejection costs nothing and the body is allocated once.
  size_t body_size = kEncodedHeaderSize;
  for (size_t i = 0; i < items.size(); ++i) {
    const Receipt& receipt = items[i].receipt;
    if (auto ok = validate_receipt(receipt); !ok) {
      return unexpected(make_error(Code::rejected, "receipt: " + ok.error().reason, height, i));
    }
    const AdmittedTx& tx = items[i].tx;
    if (tx.kind() == TxKind::seal &&
        receipt != seal_receipt(tx.nonce(),
                                static_cast<uint32_t>(tx.payload().size() / kSealHashSize))) {
      return unexpected(make_error(Code::rejected,
                                   "receipt: a seal's receipt is `seal_receipt`: ok, and the "
                                   "first covered nonce and count as output",
                                   height, i));
    }
    body_size += 12 + items[i].tx.bytes().size() + kMinEncodedReceiptSize +
                 receipt.reason.size() + receipt.output.size();
    for (const auto& event : receipt.events) body_size += 4 + event.size();
    if (body_size > kMaxRecordBody) {
      return unexpected(make_error(Code::rejected,
                                   "the block's record exceeds " +
                                       std::to_string(kMaxRecordBody) + " bytes",
                                   height, i));
    }
  }
  // The buffer is kept from block to block: a fresh one costs a page fault per 4 KiB.
  std::vector<uint8_t>& body = record_buffer_;
  body.assign(kEncodedHeaderSize, 0);
  body.reserve(body_size);
  std::vector<size_t> leaf_at(items.size() + 1);
  auto set_u32 = [&body](size_t at, size_t value) {
    for (int b = 0; b < 4; ++b) body[at + b] = static_cast<uint8_t>(value >> (8 * b));
  };
  for (size_t i = 0; i < items.size(); ++i) {
    const std::vector<uint8_t>& tx = items[i].tx.bytes();
    put_u32(body, 0);  // the leaf length, set below
    leaf_at[i] = body.size();
    put_u32(body, static_cast<uint32_t>(tx.size()));
    body.insert(body.end(), tx.begin(), tx.end());
    const size_t receipt_at = body.size();
    put_u32(body, 0);  // the receipt length, set below
    (void)append_receipt(body, items[i].receipt);  // validated above
    set_u32(receipt_at, body.size() - receipt_at - 4);
    set_u32(leaf_at[i] - 4, body.size() - leaf_at[i]);
  }
  leaf_at[items.size()] = body.size() + 4;  // where a next entry's leaf would start
  std::vector<Hash> leaves(items.size());
  parallel_for(items.size(), parallel_threads(items.size(), kLeavesPerThread),
               [&](size_t begin, size_t end) {
                 Hasher& hasher = thread_hasher();
                 for (size_t i = begin; i < end; ++i) {
                   leaves[i] = hasher.hash_leaf(std::span(body).subspan(
                       leaf_at[i], leaf_at[i + 1] - 4 - leaf_at[i]));
                 }
               });

  CompactRange log = state_.meta().log;
  auto header = make_block_from_leaves(genesis ? nullptr : &head_, leaves, time_ms,
                                       state_hash.commitment(), log, proposer);
  if (!header) {
    const BlockError& e = header.error();
    return unexpected(make_error(e.code == BlockError::Code::internal ? Code::internal
                                                                      : Code::rejected,
                                 std::string(block_error_name(e.code)) + ": " + e.reason,
                                 height));
  }
  const auto header_bytes = encode_header(*header);
  std::copy(header_bytes.begin(), header_bytes.end(), body.begin());

  // Durable in the log first, then in the state: the state's height is the mark of what
  // was acknowledged, and recovery relies on every block it names being intact in the log.
  if (auto ok = segments_.append(height, body); !ok) {
    if (ok.error().code != Code::invalid_argument) failed_ = true;
    StorageError e = ok.error();
    e.block = height;
    return unexpected(std::move(e));
  }
  StateMeta meta{chain_id(), height, header_hash(*header), state_hash, std::move(log)};
  if (auto ok = state_.commit(*delta, meta); !ok) {
    failed_ = true;
    StorageError e = ok.error();
    e.block = height;
    e.reason += " (the block is in the log; reopening the ledger applies it)";
    return unexpected(std::move(e));
  }
  head_ = *header;
  if (body.capacity() > kKeptBufferSize) body = std::vector<uint8_t>();
  return *header;
}

}  // namespace covenant::ledger
