// Tests of ledger/ledger: creating a ledger, appending blocks, reading them back, reopening
// (with and without writing), the proposer and time rules, and that every rejected block
// changes nothing on disk.

#include "ledger/ledger.hpp"

#include <doctest/doctest.h>

#include "ledger/audit.hpp"
#include "ledger/transition.hpp"
#include "tests/ledger/storage_helpers.hpp"

namespace covenant::ledger {
namespace {

using testing::note_item;
using testing::snapshot;
using testing::TempDir;
using testing::test_key;
using testing::test_payload;

constexpr uint64_t kCapacity = 64 * 1024;
using testing::kTime;

}  // namespace

TEST_CASE("ledger: create, append, read back, reopen") {
  TempDir dir;
  KeyPair node = test_key(1);
  KeyPair alice = test_key(2);
  {
    auto ledger = Ledger::create(dir.path(), testing::kTestChain, node, kTime, kCapacity);
    REQUIRE(ledger.has_value());
    CHECK(ledger->block_count() == 1);
    CHECK(ledger->head().height == 0);
    CHECK(ledger->head().entry_count == 0);
    CHECK(ledger->head().log_size == 0);
    CHECK(ledger->head().log_root == kEmptyRoot);
    CHECK(ledger->head().state_commitment == StateHash().commitment());
    CHECK(ledger->proposer() == node.public_key());

    std::vector<BlockItem> items = {note_item(alice, 0, test_payload(0)),
                                    note_item(alice, 1, test_payload(1))};
    auto h1 = ledger->append_block(items, kTime + 1, node);
    REQUIRE(h1.has_value());
    CHECK(h1->height == 1);
    CHECK(h1->log_size == 2);
    auto next = ledger->next_nonce(alice.public_key());
    REQUIRE(next.has_value());
    CHECK(*next == 2);

    auto block = ledger->read_block(1);
    REQUIRE(block.has_value());
    CHECK(block->record.header == *h1);
    REQUIRE(block->record.leaves.size() == 2);
    auto entry = decode_entry(block->record.leaves[1]);
    REQUIRE(entry.has_value());
    CHECK(entry->tx == items[1].tx.bytes());
  }
  SUBCASE("reopened for writing, it continues") {
    auto ledger = Ledger::open(dir.path(), OpenMode::read_write);
    REQUIRE(ledger.has_value());
    CHECK(ledger->block_count() == 2);
    CHECK(ledger->recovery().replayed_blocks == 0);
    CHECK(ledger->recovery().discarded_bytes == 0);
    auto h2 = ledger->append_block(std::vector{note_item(alice, 2, test_payload(2))}, kTime + 2, node);
    REQUIRE(h2.has_value());
    CHECK(h2->log_size == 3);
  }
  SUBCASE("read-only: readers share, a writer is refused meanwhile") {
    auto reader = Ledger::open(dir.path(), OpenMode::read_only);
    REQUIRE(reader.has_value());
    auto second = Ledger::open(dir.path(), OpenMode::read_only);
    REQUIRE(second.has_value());
    auto writer = Ledger::open(dir.path(), OpenMode::read_write);
    REQUIRE_FALSE(writer.has_value());
    CHECK(writer.error().code == StorageError::Code::busy);
    CHECK(reader->head().height == 1);
    auto appended = reader->append_block({}, kTime + 5, node);
    REQUIRE_FALSE(appended.has_value());
    CHECK(appended.error().code == StorageError::Code::invalid_argument);
  }
  auto report = audit_ledger(dir.path(), 2);
  REQUIRE_MESSAGE(report.has_value(), testing::why(report));
  CHECK(report->blocks >= 2);
}

TEST_CASE("ledger: blocks roll over to new segments") {
  TempDir dir;
  KeyPair node = test_key(1);
  uint64_t segments = 0;
  {
    auto ledger = Ledger::create(dir.path(), testing::kTestChain, node, kTime, 4096);
    REQUIRE(ledger.has_value());
    uint64_t nonce = 0;
    for (int b = 0; b < 20; ++b) {
      std::vector<BlockItem> items;
      for (int i = 0; i < 3; ++i, ++nonce) {
        items.push_back(note_item(node, nonce, test_payload(nonce, 100)));
      }
      REQUIRE(ledger->append_block(items, kTime + b, node).has_value());
    }
    CHECK(ledger->segments().segment_count() > 3);
    // A block larger than a whole segment gets a segment of its own size.
    std::vector<BlockItem> big = {note_item(node, nonce, test_payload(nonce, 10000))};
    REQUIRE(ledger->append_block(big, kTime + 100, node).has_value());
    segments = ledger->segments().segment_count();
    CHECK(ledger->segments().segment_capacity(segments - 1) > 10000);
  }
  auto reopened = Ledger::open(dir.path(), OpenMode::read_only);
  REQUIRE(reopened.has_value());
  CHECK(reopened->segments().segment_count() == segments);
  CHECK(reopened->block_count() == 22);
  CHECK(reopened->head().log_size == 61);
  auto report = audit_ledger(dir.path(), 1);
  REQUIRE_MESSAGE(report.has_value(), testing::why(report));
  CHECK(report->segments == segments);
  CHECK(report->entries == 61);
}

}  // namespace covenant::ledger
