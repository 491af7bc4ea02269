// Tests of ledger/audit beyond the tamper test: what a clean audit reports, a block properly
// signed by the proposer that carries a transaction with a bad signature (only the per-entry
// signature check can catch it), and a world state that differs from the replayed one.

#include "ledger/audit.hpp"

#include <doctest/doctest.h>

#include "ledger/segment_log.hpp"
#include "ledger/transition.hpp"
#include "ledger/world_state.hpp"
#include "tests/ledger/storage_helpers.hpp"

namespace covenant::ledger {
namespace {

namespace fs = std::filesystem;
using testing::note_item;
using testing::TempDir;
using testing::test_key;
using testing::test_payload;

using testing::kTime;

void make_ledger(const fs::path& dir, int blocks) {
  KeyPair node = test_key(1);
  auto ledger = Ledger::create(dir, testing::kTestChain, node, kTime, 8192);
  REQUIRE(ledger.has_value());
  for (int b = 0; b < blocks; ++b) {
    std::vector<BlockItem> items = {note_item(node, 2 * b, test_payload(b)),
                                    note_item(node, 2 * b + 1, test_payload(b + 100))};
    REQUIRE(ledger->append_block(items, kTime + 1 + b, node).has_value());
  }
}

}  // namespace

TEST_CASE("audit: a clean ledger") {
  TempDir dir;
  make_ledger(dir.path(), 6);
  for (unsigned threads : {1u, 3u}) {
    auto report = audit_ledger(dir.path(), threads);
    REQUIRE_MESSAGE(report.has_value(), testing::why(report));
    CHECK(report->chain_id == testing::kTestChain);
    CHECK(report->blocks == 7);
    CHECK(report->entries == 12);
    CHECK(report->signatures == 12);
    CHECK(report->state_keys == 1);
    CHECK(report->segments >= 1);
    auto ledger = Ledger::open(dir.path(), OpenMode::read_only);
    REQUIRE(ledger.has_value());
    CHECK(report->log_root == ledger->head().log_root);
    CHECK(report->state_commitment == ledger->head().state_commitment);
    CHECK(report->head_hash == header_hash(ledger->head()));
  }
  auto missing = audit_ledger(dir / "nowhere");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == StorageError::Code::not_found);
}

TEST_CASE("audit: a properly signed block with a forged transaction") {
  TempDir dir;
  make_ledger(dir.path(), 2);
  KeyPair node = test_key(1);
  // The proposer's key signs a block holding a transaction whose own signature is bad: the
  // block checks, the log root, the chain and the state all pass; only the entry's
  // signature does not.
  Transaction tx;
  tx.chain_id = testing::kTestChain;
  tx.nonce = 4;
  tx.payload = {1, 2, 3};
  REQUIRE(sign_transaction(tx, node).has_value());
  tx.signature[10] ^= 1;
  Entry entry{encode(tx).value(), encode_receipt(Receipt{}).value()};
  auto leaf = encode_entry(entry).value();
  Hash leaf_hash = thread_hasher().hash_leaf(leaf);
  {
    auto state = WorldState::open(dir / "state", true);
    REQUIRE(state.has_value());
    auto log = SegmentLog::open(dir / "log", true);
    REQUIRE(log.has_value());
    auto head_body = log->read_body(2);
    REQUIRE(head_body.has_value());
    BlockHeader head = decode_block_record(*head_body)->header;
    std::vector<NonceUse> uses = {{node.public_key(), 4}};
    auto delta = nonce_transition(*state, uses);
    REQUIRE(delta.has_value());
    StateMeta meta = state->meta();
    apply_delta(meta.hash, *delta);
    CompactRange tree = meta.log;
    auto header = make_block_from_leaves(&head, std::vector{leaf_hash}, kTime + 10,
                                         meta.hash.commitment(), tree, node);
    REQUIRE(header.has_value());
    std::vector<std::span<const uint8_t>> leaves = {leaf};
    REQUIRE(log->append(3, encode_block_record(*header, leaves)).has_value());
    meta.height = 3;
    meta.head_hash = header_hash(*header);
    meta.log = tree;
    REQUIRE(state->commit(*delta, meta).has_value());
  }
  auto report = audit_ledger(dir.path(), 2);
  REQUIRE_FALSE(report.has_value());
  const StorageError& e = report.error();
  CHECK(e.code == StorageError::Code::corrupt);
  CHECK(e.block == 3);
  CHECK(e.entry == 0);
  CHECK(e.file == (dir / "log" / "00000000.seg").string());
  CHECK(e.reason.find("transaction signature") != std::string::npos);
  // Opening (which checks blocks, not each signature) still works: the audit is the check.
  CHECK(Ledger::open(dir.path(), OpenMode::read_write).has_value());
}

TEST_CASE("audit: a world state that is not the log's") {
  TempDir dir;
  make_ledger(dir.path(), 3);
  std::string expected;
  {
    auto state = WorldState::open(dir / "state", true);
    REQUIRE(state.has_value());
    StateMeta meta = state->meta();
    StateDelta delta;
    SUBCASE("an extra key") {
      delta[std::vector<uint8_t>{'z'}] = StateChange{std::nullopt, std::vector<uint8_t>{1}};
      apply_delta(meta.hash, delta);  // consistent with itself, not with the log
      expected = "stored state hash differs";
    }
    SUBCASE("an extra key, the stored hash left alone") {
      delta[std::vector<uint8_t>{'z'}] = StateChange{std::nullopt, std::vector<uint8_t>{1}};
      expected = "has key 7a, which replaying the log does not make";
    }
    SUBCASE("a changed nonce") {
      auto key = nonce_key(test_key(1).public_key());
      delta[key] = StateChange{std::nullopt, std::vector<uint8_t>{9, 0, 0, 0, 0, 0, 0, 0}};
      expected = "value of key";
    }
    REQUIRE(state->commit(delta, meta).has_value());
  }
  auto report = audit_ledger(dir.path(), 1);
  REQUIRE_FALSE(report.has_value());
  CHECK(report.error().file == (dir / "state" / "data.mdb").string());
  CHECK_MESSAGE(report.error().reason.find(expected) != std::string::npos, report.error().reason);
}

}  // namespace covenant::ledger
