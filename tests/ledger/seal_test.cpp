// Sealed batches (ledger/seal.hpp): one signature covering many transactions, each still its
// own entry. A block of a seal and 1,000 covered transactions appends, audits, reopens,
// rebuilds and proves each entry; every way of breaking the sealing rule (no seal, altered,
// reordered, missing, extra, another signer's, a reused seal, a signature where none belongs,
// too many hashes) is refused with a reason that says which, and nothing is appended; and a
// forged covered entry in a stored ledger is found by the audit.

#include "ledger/seal.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "ledger/audit.hpp"
#include "ledger/crc32c.hpp"
#include "ledger/log_proofs.hpp"
#include "ledger/segment_format.hpp"
#include "ledger/verify.hpp"
#include "tests/ledger/storage_helpers.hpp"

namespace covenant::ledger {
namespace {

namespace fs = std::filesystem;
using testing::kTestChain;
using testing::kTime;
using testing::note_item;
using testing::snapshot;
using testing::TempDir;
using testing::test_key;
using testing::test_payload;

// A batch as a client makes it: the seal's bytes and the covered transactions' bytes.
struct Batch {
  std::vector<uint8_t> seal;
  std::vector<std::vector<uint8_t>> covered;
};

// `count` transactions by `key` from nonce `first_nonce` (the seal's), alternately invoke
// and note, with payloads of `size` bytes that differ by `salt`.
Batch make_batch(const KeyPair& key, uint64_t first_nonce, size_t count, size_t size = 64,
                 uint64_t salt = 0) {
  std::vector<Transaction> txs(count);
  for (size_t i = 0; i < count; ++i) {
    txs[i].kind = i % 2 == 0 ? TxKind::invoke : TxKind::note;
    txs[i].payload = test_payload(salt * 100'000 + i, size);
  }
  auto seal = seal_batch(txs, key, first_nonce, kTestChain);
  REQUIRE(seal.has_value());
  Batch b;
  b.seal = encode(*seal).value();
  for (const Transaction& tx : txs) b.covered.push_back(encode(tx).value());
  return b;
}

// The admitted batch as block items: the seal with its required receipt, the covered
// transactions with receipts that differ (an output naming each).
std::vector<BlockItem> items_of(const Batch& b) {
  auto admitted = admit_sealed_batch(b.seal, b.covered, kTestChain);
  REQUIRE_MESSAGE(admitted.has_value(), admitted.error().reason);
  std::vector<BlockItem> items;
  for (size_t i = 0; i < admitted->size(); ++i) {
    const AdmittedTx& tx = (*admitted)[i];
    Receipt r;
    if (tx.kind() == TxKind::seal) {
      r = seal_receipt(tx.nonce(), static_cast<uint32_t>(tx.payload().size() / kSealHashSize));
    } else {
      r.output = test_payload(i, 40);
    }
    items.push_back(BlockItem{tx, r});
  }
  return items;
}

// The reason of a failed admission, checked for `code` and `words`.
template <class T>
void expect_refused(const Expected<T, TxError>& r, TxError::Code code, const std::string& words) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == code);
  CHECK_MESSAGE(r.error().reason.find(words) != std::string::npos, r.error().reason);
}

// A ledger whose append of `items` must be refused naming entry `entry` with `words`, and
// change nothing.
void expect_append_refused(Ledger& ledger, const std::vector<BlockItem>& items, uint64_t time,
                           uint64_t entry, const std::string& words) {
  const auto before = snapshot(ledger.dir());
  auto r = ledger.append_block(items, time, test_key(1));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == StorageError::Code::rejected);
  CHECK(r.error().entry == entry);
  CHECK_MESSAGE(r.error().reason.find(words) != std::string::npos, r.error().reason);
  CHECK(snapshot(ledger.dir()) == before);
}

}  // namespace

TEST_CASE("seal: a seal and 1,000 covered transactions append, audit, reopen, rebuild and prove") {
  TempDir dir;
  KeyPair node = test_key(1);
  KeyPair alice = test_key(2);
  {
    auto ledger = Ledger::create(dir.path(), kTestChain, node, kTime);
    REQUIRE(ledger.has_value());
    // Block 1: a signed note, then alice's seal over 1,000 of her transactions.
    std::vector<BlockItem> items{note_item(node, 0, test_payload(1))};
    auto batch = items_of(make_batch(alice, 0, 1000, 1500));
    items.insert(items.end(), batch.begin(), batch.end());
    auto header = ledger->append_block(items, kTime + 1, node);
    REQUIRE_MESSAGE(header.has_value(), testing::why(header));
    CHECK(header->entry_count == 1002);
    // Block 2: a signed transaction and a second seal of hers continue her sequence.
    std::vector<BlockItem> more{note_item(alice, 1001, test_payload(2))};
    auto second = items_of(make_batch(alice, 1002, 3, 100, 1));
    more.insert(more.end(), second.begin(), second.end());
    REQUIRE(ledger->append_block(more, kTime + 2, node).has_value());
    CHECK(ledger->next_nonce(alice.public_key()).value() == 1006);
  }
  auto report = audit_ledger(dir.path(), 2);
  REQUIRE_MESSAGE(report.has_value(), testing::why(report));
  CHECK(report->entries == 1007);
  CHECK(report->signatures == 4);  // two notes and two seals
  CHECK(report->sealed == 1003);

  Hash root{};
  {
    // The seal's stored receipt records what it covered: nonces 1 to 1,000.
    auto ledger = Ledger::open(dir.path(), OpenMode::read_write);
    REQUIRE(ledger.has_value());
    auto block = ledger->read_block(1);
    REQUIRE(block.has_value());
    auto seal_entry = decode_entry(block->record.leaves[1]).value();
    CHECK(decode(seal_entry.tx)->kind == TxKind::seal);
    CHECK(decode_receipt(seal_entry.receipt).value() == seal_receipt(0, 1000));

    // Each covered entry has its own inclusion proof.
    for (uint64_t leaf : {2u, 3u, 500u, 1001u, 1006u}) {
      auto proof = prove_inclusion(*ledger, leaf, ledger->head().log_size);
      REQUIRE(proof.has_value());
      CHECK(verify_inclusion(leaf, proof->tree_size, proof->leaf_hash, proof->path,
                             ledger->head().log_root)
                .has_value());
    }
    root = ledger->head().log_root;
  }

  // Without its state, the ledger is rebuilt by replaying both blocks.
  fs::remove_all(dir / "state");
  auto rebuilt = Ledger::open(dir.path(), OpenMode::read_write);
  REQUIRE_MESSAGE(rebuilt.has_value(), testing::why(rebuilt));
  CHECK(rebuilt->recovery().rebuilt_state);
  CHECK(rebuilt->recovery().replayed_blocks == 3);
  CHECK(rebuilt->head().log_root == root);
  CHECK(rebuilt->next_nonce(alice.public_key()).value() == 1006);
}

TEST_CASE("seal: verify_block applies the sealing rule to entries in memory") {
  KeyPair alice = test_key(2);
  auto items = items_of(make_batch(alice, 0, 5));
  std::vector<Entry> entries;
  for (const BlockItem& item : items) {
    entries.push_back(Entry{item.tx.bytes(), encode_receipt(item.receipt).value()});
  }
  auto check = [&](std::vector<Entry> es) {
    CompactRange log;
    auto header = make_block(nullptr, es, kTime, Hash{}, log, test_key(1));
    REQUIRE(header.has_value());
    CompactRange empty;
    return verify_block(nullptr, *header, es, empty);
  };
  CHECK(check(entries).has_value());
  auto missing = entries;
  missing.pop_back();
  auto r = check(missing);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == BlockError::Code::entry);
  CHECK(r.error().entry == 0);
  CHECK_MESSAGE(r.error().reason.find("only 4 follow it") != std::string::npos, r.error().reason);
  auto swapped = entries;
  std::swap(swapped[2], swapped[3]);
  r = check(swapped);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().entry == 2);
}

TEST_CASE("seal: admission refuses every batch that breaks the sealing rule") {
  KeyPair alice = test_key(2);
  KeyPair bob = test_key(3);
  const Batch good = make_batch(alice, 0, 8);
  REQUIRE(admit_sealed_batch(good.seal, good.covered, kTestChain).has_value());

  SUBCASE("a covered transaction alone, or a seal alone") {
    expect_refused(admit_transaction(good.covered[0], kTestChain), TxError::Code::bad_seal,
                   "admitted only together with its seal");
    expect_refused(admit_transaction(good.seal, kTestChain), TxError::Code::bad_seal,
                   "a seal is admitted together");
  }
  SUBCASE("an altered payload") {
    Batch b = good;
    b.covered[3][b.covered[3].size() - 64 - 1] ^= 1;
    expect_refused(admit_sealed_batch(b.seal, b.covered, kTestChain), TxError::Code::bad_seal,
                   "covered transaction 3: the seal at nonce 0 lists another signing hash for "
                   "nonce 4: the transaction was altered or replaced");
  }
  SUBCASE("out of order, missing, extra") {
    Batch swapped = good;
    std::swap(swapped.covered[1], swapped.covered[2]);
    expect_refused(admit_sealed_batch(swapped.seal, swapped.covered, kTestChain),
                   TxError::Code::bad_seal, "covered transaction 1: the seal at nonce 0 covers "
                                            "nonce 2 here; this transaction has nonce 3");
    Batch missing = good;
    missing.covered.pop_back();
    expect_refused(admit_sealed_batch(missing.seal, missing.covered, kTestChain),
                   TxError::Code::bad_seal, "the seal lists 8 transactions, the batch has 7");
    Batch extra = good;
    extra.covered.push_back(make_batch(alice, 1, 8).covered.back());
    expect_refused(admit_sealed_batch(extra.seal, extra.covered, kTestChain),
                   TxError::Code::bad_seal, "the seal lists 8 transactions, the batch has 9");
  }
  SUBCASE("a seal by one signer over another's transactions") {
    // Bob's transactions, unsigned, listed by a seal that alice signs.
    std::vector<Transaction> txs(2);
    for (auto& tx : txs) tx.payload = {1, 2, 3};
    REQUIRE(seal_batch(txs, bob, 0, kTestChain).has_value());
    std::vector<Hash> hashes;
    for (const auto& tx : txs) hashes.push_back(signing_hash(tx).value());
    Transaction seal;
    seal.chain_id = kTestChain;
    seal.kind = TxKind::seal;
    seal.payload = encode_seal_payload(hashes).value();
    REQUIRE(sign_transaction(seal, alice).has_value());
    std::vector<std::vector<uint8_t>> covered{encode(txs[0]).value(), encode(txs[1]).value()};
    expect_refused(admit_sealed_batch(encode(seal).value(), covered, kTestChain),
                   TxError::Code::bad_seal, "this one is another signer's");
  }
  SUBCASE("a covered transaction with a signature of its own") {
    Batch b = good;
    std::fill(b.covered[5].end() - 64, b.covered[5].end(), 0x5a);
    expect_refused(admit_sealed_batch(b.seal, b.covered, kTestChain), TxError::Code::bad_seal,
                   "covered transaction 5: the seal at nonce 0 covers nonce 6, whose signature "
                   "must be all zero");
    // On its own it is just a transaction with a bad signature.
    expect_refused(admit_transaction(b.covered[5], kTestChain), TxError::Code::bad_signature,
                   "bad signature");
  }
  SUBCASE("a forged or foreign seal") {
    Batch b = good;
    b.seal[b.seal.size() - 64 - 5] ^= 1;  // one listed hash changed: the signature fails
    expect_refused(admit_sealed_batch(b.seal, b.covered, kTestChain),
                   TxError::Code::bad_signature, "bad signature");
    expect_refused(admit_sealed_batch(good.seal, good.covered, "another-chain"),
                   TxError::Code::wrong_chain, "is not this chain's");
    expect_refused(admit_sealed_batch(good.covered[0], good.covered, kTestChain),
                   TxError::Code::bad_seal, "is of kind invoke, not a seal");
  }
  SUBCASE("more hashes than the bound, or none") {
    std::vector<Hash> hashes(kMaxSealedTransactions + 1);
    expect_refused(encode_seal_payload(hashes), TxError::Code::bad_seal, "at most 16384");
    Transaction seal;
    seal.chain_id = kTestChain;
    seal.kind = TxKind::seal;
    seal.payload.assign((kMaxSealedTransactions + 1) * kSealHashSize, 7);
    REQUIRE(seal.payload.size() <= kMaxPayloadSize);
    REQUIRE(sign_transaction(seal, alice).has_value());
    expect_refused(admit_sealed_batch(encode(seal).value(), {}, kTestChain),
                   TxError::Code::bad_seal, "the seal lists 16385 transactions, at most 16384");
    seal.payload.assign(33, 7);
    REQUIRE(sign_transaction(seal, alice).has_value());
    expect_refused(admit_sealed_batch(encode(seal).value(), {}, kTestChain),
                   TxError::Code::bad_seal, "this one has 33 bytes");
    std::vector<Transaction> too_many(kMaxSealedTransactions + 1);
    expect_refused(seal_batch(too_many, alice, 0, kTestChain), TxError::Code::bad_seal,
                   "at most 16384");
    std::vector<Transaction> none;
    expect_refused(seal_batch(none, alice, 0, kTestChain), TxError::Code::bad_seal,
                   "at least one");
    std::vector<Transaction> past_end(2);
    expect_refused(seal_batch(past_end, alice, ~uint64_t{0} - 2, kTestChain),
                   TxError::Code::bad_seal, "past the last nonce");
  }
}

TEST_CASE("seal: a block that breaks the sealing rule is refused and changes nothing") {
  TempDir dir;
  KeyPair node = test_key(1);
  KeyPair alice = test_key(2);
  KeyPair bob = test_key(3);
  // Small segments: every refusal compares a snapshot of every file.
  auto ledger = Ledger::create(dir.path(), kTestChain, node, kTime, 1 << 16);
  REQUIRE(ledger.has_value());
  const auto batch = items_of(make_batch(alice, 0, 6));

  SUBCASE("covered transactions without their seal") {
    std::vector<BlockItem> items(batch.begin() + 1, batch.end());
    expect_append_refused(*ledger, items, kTime + 1, 0,
                          "sealing rule: the transaction at nonce 1 has an all-zero signature, "
                          "but no seal before it in the block covers it");
  }
  SUBCASE("out of order") {
    auto items = batch;
    std::swap(items[3], items[4]);
    expect_append_refused(*ledger, items, kTime + 1, 3,
                          "the seal at nonce 0 covers nonce 3 here; this transaction has "
                          "nonce 4 (covered transactions follow their seal in nonce order)");
  }
  SUBCASE("one missing, in the middle or at the end") {
    auto items = batch;
    items.erase(items.begin() + 2);
    expect_append_refused(*ledger, items, kTime + 1, 2, "covers nonce 2 here; this transaction has nonce 3");
    items = batch;
    items.pop_back();
    expect_append_refused(*ledger, items, kTime + 1, 0,
                          "the seal at nonce 0 covers 6 transaction(s); only 5 follow it in "
                          "the block");
  }
  SUBCASE("an extra one") {
    auto items = batch;
    items.push_back(items_of(make_batch(alice, 6, 1)).back());  // covered by a seal not here
    expect_append_refused(*ledger, items, kTime + 1, 7,
                          "the transaction at nonce 7 has an all-zero signature, but no seal");
  }
  SUBCASE("interrupted by another signer") {
    auto items = batch;
    items.insert(items.begin() + 3, note_item(bob, 0, test_payload(9)));
    expect_append_refused(*ledger, items, kTime + 1, 3, "this one is another signer's");
  }
  SUBCASE("drop and replace: another batch's transaction at the same nonce") {
    auto items = batch;
    items[4] = items_of(make_batch(alice, 0, 6, 64, 7))[4];
    expect_append_refused(*ledger, items, kTime + 1, 4,
                          "the seal at nonce 0 lists another signing hash for nonce 4: the "
                          "transaction was altered or replaced");
  }
  SUBCASE("a seal by one signer over another's covered transactions") {
    auto items = batch;
    const auto bobs = items_of(make_batch(bob, 0, 6));
    std::copy(bobs.begin() + 1, bobs.end(), items.begin() + 1);
    expect_append_refused(*ledger, items, kTime + 1, 1, "this one is another signer's");
  }
  SUBCASE("a seal with another receipt") {
    auto items = batch;
    items[0].receipt = Receipt{};
    expect_append_refused(*ledger, items, kTime + 1, 0, "a seal's receipt is `seal_receipt`");
  }
  SUBCASE("a seal reused in a later block") {
    REQUIRE(ledger->append_block(batch, kTime + 1, node).has_value());
    expect_append_refused(*ledger, batch, kTime + 2, 0, "nonce 0 already used, expected 7");
    // Its covered transactions cannot come again either, with or without it.
    std::vector<BlockItem> tail(batch.begin() + 1, batch.end());
    expect_append_refused(*ledger, tail, kTime + 2, 0, "no seal before it");
  }
}

TEST_CASE("seal: a forged covered entry in a stored ledger is found by the audit") {
  TempDir dir;
  KeyPair node = test_key(1);
  KeyPair alice = test_key(2);
  {
    auto ledger = Ledger::create(dir.path(), kTestChain, node, kTime, 1 << 16);
    REQUIRE(ledger.has_value());
    REQUIRE(ledger->append_block(items_of(make_batch(alice, 0, 20, 200)), kTime + 1, node)
                .has_value());
  }
  REQUIRE(audit_ledger(dir.path(), 1).has_value());
  RecordLocation loc;
  fs::path file;
  {
    auto ledger = Ledger::open(dir.path(), OpenMode::read_only);
    REQUIRE(ledger.has_value());
    loc = ledger->segments().record(1);
    file = ledger->segments().segment_path(loc.segment);
  }
  const uint64_t body_at = loc.offset + kFrameHeaderSize;
  const auto original = testing::file_bytes(file);
  std::vector<uint8_t> body(original.begin() + static_cast<long>(body_at),
                            original.begin() + static_cast<long>(body_at + loc.frame.body_length));
  auto record = decode_block_record(body).value();
  // Entry 7 (covered, nonce 7): a byte of its payload, just before its zero signature.
  const auto leaf = record.leaves[7];
  const auto entry = decode_entry_parts(leaf).value();
  const size_t at = static_cast<size_t>(entry.tx.data() - body.data()) + entry.tx.size() - 64 - 1;

  SUBCASE("a flipped byte: the checksum") {
    testing::patch_file(file, body_at + at, {static_cast<uint8_t>(body[at] ^ 0x10)});
    auto r = audit_ledger(dir.path(), 1);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().block == 1);
    CHECK(r.error().entry == 7);
  }
  SUBCASE("a forger's change with recomputed checksums: the sealing rule") {
    body[at] ^= 0x10;
    auto frame = encode_frame_header(frame_for(1, body));
    testing::patch_file(file, loc.offset, std::vector<uint8_t>(frame.begin(), frame.end()));
    testing::patch_file(file, body_at, body);
    auto r = audit_ledger(dir.path(), 1);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == StorageError::Code::corrupt);
    CHECK(r.error().block == 1);
    CHECK(r.error().entry == 7);
    CHECK_MESSAGE(r.error().reason.find("sealing rule: the seal at nonce 0 lists another "
                                        "signing hash for nonce 7") != std::string::npos,
                  r.error().reason);
  }
  SUBCASE("a forger's signature on a covered entry: the sealing rule") {
    std::fill(body.begin() + static_cast<long>(at + 1), body.begin() + static_cast<long>(at + 65),
              0x33);
    auto frame = encode_frame_header(frame_for(1, body));
    testing::patch_file(file, loc.offset, std::vector<uint8_t>(frame.begin(), frame.end()));
    testing::patch_file(file, body_at, body);
    auto r = audit_ledger(dir.path(), 1);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().entry == 7);
    CHECK_MESSAGE(r.error().reason.find("carries a signature of its own") != std::string::npos,
                  r.error().reason);
  }
}

}  // namespace covenant::ledger
