// Bad input to a stored ledger: a wrong chain id, a bad signature, a replayed nonce,
// reordered entries, a bad receipt, a wrong proposer, time going backwards, truncated and
// garbage files. Each gets a clear error, and none changes a byte on disk.

#include <doctest/doctest.h>

#include "ledger/audit.hpp"
#include "ledger/ledger.hpp"
#include "tests/ledger/storage_helpers.hpp"

namespace covenant::ledger {
namespace {

namespace fs = std::filesystem;
using testing::note_item;
using testing::patch_file;
using testing::snapshot;
using testing::TempDir;
using testing::test_key;
using testing::test_payload;

using testing::kTime;

// A ledger with two blocks, alice's nonces 0 and 1 used.
struct Fixture {
  TempDir dir;
  KeyPair node = test_key(1);
  KeyPair alice = test_key(2);
  Fixture() {
    auto ledger = Ledger::create(dir.path(), testing::kTestChain, node, kTime, 8192);
    REQUIRE(ledger.has_value());
    REQUIRE(ledger->append_block(std::vector{note_item(alice, 0, test_payload(0)),
                                             note_item(alice, 1, test_payload(1))},
                                 kTime + 1, node)
                .has_value());
  }
};

}  // namespace

TEST_CASE("bad input: rejected blocks change nothing") {
  Fixture f;
  auto before = snapshot(f.dir.path());
  auto ledger = Ledger::open(f.dir.path(), OpenMode::read_write);
  REQUIRE(ledger.has_value());
  const BlockHeader head = ledger->head();
  auto expect_rejected = [&](std::span<const BlockItem> items, uint64_t time, const KeyPair& key,
                             const char* reason, uint64_t entry = StorageError::kNone) {
    auto r = ledger->append_block(items, time, key);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == StorageError::Code::rejected);
    CHECK(r.error().block == 2);
    CHECK(r.error().entry == entry);
    CHECK_MESSAGE(r.error().describe().find(reason) != std::string::npos, r.error().describe());
    CHECK(ledger->head() == head);
    CHECK(snapshot(f.dir.path()) == before);
  };
  SUBCASE("a replayed nonce") {
    expect_rejected(std::vector{note_item(f.alice, 2, test_payload(2)), note_item(f.alice, 1, test_payload(9))},
                    kTime + 2, f.node, "nonce 1 already used, expected 3", 1);
  }
  SUBCASE("reordered entries") {
    expect_rejected(std::vector{note_item(f.alice, 3, test_payload(3)), note_item(f.alice, 2, test_payload(2))},
                    kTime + 2, f.node, "nonce 3 skips ahead, expected 2", 0);
  }
  SUBCASE("a receipt that cannot be encoded") {
    BlockItem item = note_item(f.alice, 2, test_payload(2));
    item.receipt.reason = "an ok receipt with a reason";
    expect_rejected(std::vector{item}, kTime + 2, f.node, "receipt: an ok receipt", 0);
  }
  SUBCASE("another proposer") {
    expect_rejected(std::vector{note_item(f.alice, 2, test_payload(2))}, kTime + 2, f.alice,
                    "is not this ledger's");
  }
  SUBCASE("time going backwards") {
    expect_rejected(std::vector{note_item(f.alice, 2, test_payload(2))}, kTime, f.node,
                    "time: time 1700000000000 ms is before the previous block's");
  }
  // The rejected block left nothing behind: the next good block is height 2.
  auto good = ledger->append_block(std::vector{note_item(f.alice, 2, test_payload(2))}, kTime + 3, f.node);
  REQUIRE(good.has_value());
  CHECK(good->height == 2);
}

TEST_CASE("bad input: a wrong chain id or a bad signature never gets past admission") {
  KeyPair alice = test_key(2);
  Transaction tx;
  tx.chain_id = "another-chain";
  tx.payload = {1};
  REQUIRE(sign_transaction(tx, alice).has_value());
  auto bytes = encode(tx).value();
  auto wrong = admit_transaction(bytes, testing::kTestChain);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().code == TxError::Code::wrong_chain);
  tx.chain_id = testing::kTestChain;  // the signature was made for the other chain
  auto resigned = encode(tx).value();
  auto bad = admit_transaction(resigned, testing::kTestChain);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == TxError::Code::bad_signature);
}

TEST_CASE("bad input: truncated and garbage files are named and left alone") {
  Fixture f;
  const fs::path segment = f.dir / "log" / "00000000.seg";
  std::string expected;
  SUBCASE("a truncated segment") {
    fs::resize_file(segment, 500);
    expected = "file has 500 bytes, its header says 8192 (truncated or extended)";
  }
  SUBCASE("a segment shorter than its header") {
    fs::resize_file(segment, 50);
    expected = "file has 50 bytes, less than a segment header";
  }
  SUBCASE("a garbage segment") {
    std::vector<uint8_t> garbage(8192);
    for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 7 + 3);
    patch_file(segment, 0, garbage);
    expected = "segment header checksum mismatch";
  }
  SUBCASE("a missing segment in the middle") {
    {
      auto ledger = Ledger::open(f.dir.path(), OpenMode::read_write);
      REQUIRE(ledger.has_value());
      for (uint64_t b = 0; b < 12; ++b) {
        REQUIRE(ledger->append_block(std::vector{note_item(f.alice, 2 + b, test_payload(b, 900))},
                                     kTime + 2 + b, f.node)
                    .has_value());
      }
      REQUIRE(ledger->segments().segment_count() >= 3);
    }
    fs::remove(f.dir / "log" / "00000001.seg");
    expected = "00000001.seg: segment file missing";
  }
  SUBCASE("garbage instead of the world state") {
    patch_file(f.dir / "state" / "data.mdb", 0, std::vector<uint8_t>(4096, 0x5a));
    expected = "data.mdb: cannot open the LMDB environment";
  }
  SUBCASE("a segment of another chain") {
    TempDir other;
    {
      auto ledger = Ledger::create(other.path(), "other-chain", f.node, kTime, 8192);
      REQUIRE(ledger.has_value());
    }
    fs::copy_file(other / "log" / "00000000.seg", segment, fs::copy_options::overwrite_existing);
    expected = "the log for \"other-chain\"";
  }
  auto before = snapshot(f.dir.path());
  for (OpenMode mode : {OpenMode::read_only, OpenMode::read_write}) {
    auto ledger = Ledger::open(f.dir.path(), mode);
    REQUIRE_FALSE(ledger.has_value());
    CHECK_MESSAGE(ledger.error().describe().find(expected) != std::string::npos,
                  ledger.error().describe());
    CHECK(ledger.error().code != StorageError::Code::internal);
  }
  auto report = audit_ledger(f.dir.path(), 1);
  REQUIRE_FALSE(report.has_value());
  CHECK(snapshot(f.dir.path()) == before);
}

TEST_CASE("replay: a ledger whose state is gone rebuilds it from the log, commitment for commitment") {
  Fixture f;
  {
    auto ledger = Ledger::open(f.dir.path(), OpenMode::read_write);
    REQUIRE(ledger.has_value());
    for (uint64_t b = 0; b < 8; ++b) {
      std::vector<BlockItem> items = {note_item(f.alice, 2 + 2 * b, test_payload(b)),
                                      note_item(f.node, b, test_payload(b + 50)),
                                      note_item(f.alice, 3 + 2 * b, test_payload(b + 90))};
      REQUIRE(ledger->append_block(items, kTime + 2 + b, f.node).has_value());
    }
  }
  std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>> original;
  Hash original_commitment{};
  {
    auto state = WorldState::open(f.dir / "state", false);
    REQUIRE(state.has_value());
    REQUIRE(state->for_each([&](auto k, auto v) { original.emplace_back(std::vector(k.begin(), k.end()), std::vector(v.begin(), v.end())); }).has_value());
    original_commitment = state->meta().hash.commitment();
  }
  fs::remove_all(f.dir / "state");
  {
    // Read-only cannot rebuild.
    auto reader = Ledger::open(f.dir.path(), OpenMode::read_only);
    REQUIRE_FALSE(reader.has_value());
    CHECK(reader.error().code == StorageError::Code::not_found);
  }
  {
    auto ledger = Ledger::open(f.dir.path(), OpenMode::read_write);
    REQUIRE_MESSAGE(ledger.has_value(), testing::why(ledger));
    CHECK(ledger->recovery().rebuilt_state);
    CHECK(ledger->recovery().replayed_blocks == 10);  // every block, genesis included, checked
    CHECK(ledger->state().meta().hash.commitment() == original_commitment);
    CHECK(ledger->head().state_commitment == original_commitment);
  }
  std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>> rebuilt;
  auto state = WorldState::open(f.dir / "state", false);
  REQUIRE(state.has_value());
  REQUIRE(state->for_each([&](auto k, auto v) { rebuilt.emplace_back(std::vector(k.begin(), k.end()), std::vector(v.begin(), v.end())); }).has_value());
  CHECK(rebuilt == original);
  CHECK(original.size() == 2);
}

TEST_CASE("replay: a rebuild that meets damage stops, discards nothing, and leaves no state") {
  Fixture f;
  fs::remove_all(f.dir / "state");
  const fs::path segment = f.dir / "log" / "00000000.seg";
  auto bytes = testing::file_bytes(segment);
  // Damage the last block's body: without a state, nothing says it was not acknowledged.
  size_t last = bytes.size();
  while (bytes[last - 1] == 0) --last;
  patch_file(segment, last - 40, {static_cast<uint8_t>(bytes[last - 40] ^ 1)});
  auto before = snapshot(f.dir.path());
  auto ledger = Ledger::open(f.dir.path(), OpenMode::read_write);
  REQUIRE_FALSE(ledger.has_value());
  CHECK(ledger.error().code == StorageError::Code::corrupt);
  CHECK(ledger.error().reason.find("nothing is discarded") != std::string::npos);
  CHECK_FALSE(fs::exists(f.dir / "state"));
  CHECK(snapshot(f.dir.path()) == before);
}

}  // namespace covenant::ledger
