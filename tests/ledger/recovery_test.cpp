// Tests of recovery (Ledger::open in read_write mode): a block written but never
// acknowledged is replayed; the torn remains of an interrupted append are zeroed; damage to
// an acknowledged block, or a log and state that disagree, is an error that names the file,
// the offset and the block, and changes nothing.

#include <doctest/doctest.h>

#include <filesystem>

#include "ledger/audit.hpp"
#include "ledger/ledger.hpp"
#include "ledger/segment_format.hpp"
#include "tests/ledger/storage_helpers.hpp"

namespace covenant::ledger {
namespace {

namespace fs = std::filesystem;
using testing::file_bytes;
using testing::note_item;
using testing::patch_file;
using testing::snapshot;
using testing::TempDir;
using testing::test_key;
using testing::test_payload;

using testing::kTime;

// A ledger of blocks 0..5 whose state was saved after block 4: restoring the saved state
// gives the situation of a crash after block 5's record was synced but before its state
// commit, the only moment a record can be ahead of the state.
struct Crashed {
  TempDir dir;
  fs::path saved_state = dir / "saved-state";
  RecordLocation last{};  // where block 5 is
  fs::path last_file;

  Crashed() {
    KeyPair node = test_key(1);
    auto ledger = Ledger::create(dir.path() / "l", testing::kTestChain, node, kTime, 64 * 1024);
    REQUIRE(ledger.has_value());
    for (uint64_t h = 1; h <= 5; ++h) {
      if (h == 5) {
        fs::create_directories(saved_state);
        fs::copy(dir.path() / "l" / "state", saved_state);
      }
      std::vector<BlockItem> items = {note_item(node, 2 * h - 2, test_payload(h, 700)),
                                      note_item(node, 2 * h - 1, test_payload(h + 100, 900))};
      REQUIRE(ledger->append_block(items, kTime + h, node).has_value());
    }
    last = ledger->segments().record(5);
    last_file = ledger->segments().segment_path(last.segment);
  }
  fs::path ledger_dir() const { return dir.path() / "l"; }
  // The state as it was before block 5 was acknowledged.
  void restore_state() const {
    fs::remove_all(ledger_dir() / "state");
    fs::create_directories(ledger_dir() / "state");
    fs::copy(saved_state, ledger_dir() / "state");
  }
  uint64_t body_at() const { return last.offset + kFrameHeaderSize; }
};

void check_audit_passes(const fs::path& dir) {
  auto report = audit_ledger(dir, 2);
  REQUIRE_MESSAGE(report.has_value(), testing::why(report));
}

}  // namespace

TEST_CASE("recovery: a synced but unacknowledged block is replayed into the state") {
  Crashed c;
  c.restore_state();
  // Until a writer recovers, readers see the acknowledged blocks and the audit says why it
  // fails.
  {
    auto reader = Ledger::open(c.ledger_dir(), OpenMode::read_only);
    REQUIRE(reader.has_value());
    CHECK(reader->block_count() == 5);
    CHECK(reader->recovery().ignored_records == 1);
  }
  auto audit = audit_ledger(c.ledger_dir(), 1);
  REQUIRE_FALSE(audit.has_value());
  CHECK(audit.error().reason.find("never acknowledged") != std::string::npos);

  {
    auto ledger = Ledger::open(c.ledger_dir(), OpenMode::read_write);
    REQUIRE_MESSAGE(ledger.has_value(), testing::why(ledger));
    CHECK(ledger->recovery().replayed_blocks == 1);
    CHECK(ledger->recovery().discarded_bytes == 0);
    CHECK(ledger->block_count() == 6);
    auto next = ledger->next_nonce(test_key(1).public_key());
    REQUIRE(next.has_value());
    CHECK(*next == 10);
  }
  check_audit_passes(c.ledger_dir());
}

TEST_CASE("recovery: the torn end of an interrupted append is zeroed") {
  Crashed c;
  c.restore_state();
  SUBCASE("body partly written") {
    // The last sectors of the record never reached the disk: zeros, as preallocated.
    patch_file(c.last_file, c.body_at() + 300, std::vector<uint8_t>(c.last.frame.body_length - 300, 0));
  }
  SUBCASE("frame header not written, body written") {
    patch_file(c.last_file, c.last.offset, std::vector<uint8_t>(kFrameHeaderSize, 0));
  }
  SUBCASE("only a few bytes of the frame written") {
    std::vector<uint8_t> frame(kFrameHeaderSize - 10, 0);
    patch_file(c.last_file, c.last.offset + 10, frame);
    patch_file(c.last_file, c.body_at(), std::vector<uint8_t>(c.last.frame.body_length, 0));
  }
  auto before = file_bytes(c.last_file);
  {
    auto ledger = Ledger::open(c.ledger_dir(), OpenMode::read_write);
    REQUIRE_MESSAGE(ledger.has_value(), testing::why(ledger));
    const RecoveryReport& r = ledger->recovery();
    CHECK(r.discarded_bytes > 0);
    CHECK(r.discarded_file == c.last_file.string());
    CHECK(r.discarded_offset == c.last.offset);
    CHECK(r.replayed_blocks == 0);
    CHECK(ledger->block_count() == 5);
    // Everything from the torn record on is zero again, and nothing before it changed.
    auto after = file_bytes(c.last_file);
    CHECK(std::equal(after.begin(), after.begin() + c.last.offset, before.begin()));
    CHECK(all_zero(std::span(after).subspan(c.last.offset)));
    // The ledger goes on from block 4.
    KeyPair node = test_key(1);
    auto h5 = ledger->append_block(std::vector{note_item(node, 8, test_payload(55))}, kTime + 9, node);
    REQUIRE(h5.has_value());
    CHECK(h5->height == 5);
  }
  check_audit_passes(c.ledger_dir());
}

TEST_CASE("recovery: damage to an acknowledged block is an error and changes nothing") {
  Crashed c;  // the state has block 5: every block was acknowledged
  uint64_t at = 0;
  std::string expected_reason;
  SUBCASE("body of the last block") {
    at = c.body_at() + 500;
    expected_reason = "checksum";
  }
  SUBCASE("frame of the last block") {
    at = c.last.offset + 5;
    expected_reason = "the log ends before it";
  }
  SUBCASE("the tail of an acknowledged block zeroed, as a torn write would") {
    patch_file(c.last_file, c.body_at() + 300, std::vector<uint8_t>(100, 0));
    expected_reason = "checksum";
  }
  if (at != 0) {
    auto bytes = file_bytes(c.last_file);
    patch_file(c.last_file, at, {static_cast<uint8_t>(bytes[at] ^ 0x40)});
  }
  auto before = snapshot(c.ledger_dir());
  auto ledger = Ledger::open(c.ledger_dir(), OpenMode::read_write);
  REQUIRE_FALSE(ledger.has_value());
  const StorageError& e = ledger.error();
  CHECK(e.code == StorageError::Code::corrupt);
  CHECK(e.file == c.last_file.string());
  CHECK(e.offset != StorageError::kNone);
  CHECK(e.block == 5);
  CHECK_MESSAGE(e.describe().find(expected_reason) != std::string::npos, e.describe());
  CHECK(snapshot(c.ledger_dir()) == before);
}

TEST_CASE("recovery: a checksummed record that does not replay is never discarded") {
  Crashed c;
  c.restore_state();
  // A well-framed record whose block is not the next one (its header says height 9): no
  // torn write makes that, so it is damage, and it stays for someone to look at.
  auto bytes = file_bytes(c.last_file);
  std::vector<uint8_t> body(bytes.begin() + static_cast<long>(c.body_at()),
                            bytes.begin() + static_cast<long>(c.body_at() + c.last.frame.body_length));
  body[5] = 9;
  FrameHeader frame = frame_for(5, body);
  auto frame_bytes = encode_frame_header(frame);
  patch_file(c.last_file, c.last.offset, std::vector<uint8_t>(frame_bytes.begin(), frame_bytes.end()));
  patch_file(c.last_file, c.body_at(), body);
  auto before = snapshot(c.ledger_dir());
  auto ledger = Ledger::open(c.ledger_dir(), OpenMode::read_write);
  REQUIRE_FALSE(ledger.has_value());
  CHECK(ledger.error().code == StorageError::Code::corrupt);
  CHECK(ledger.error().block == 5);
  CHECK(ledger.error().offset == c.body_at() + 5);
  CHECK(ledger.error().reason.find("height") != std::string::npos);
  CHECK(snapshot(c.ledger_dir()) == before);
}

TEST_CASE("recovery: a log and a state that disagree are refused") {
  Crashed c;
  SUBCASE("the state is from another ledger") {
    TempDir other;
    KeyPair node = test_key(1);
    {
      auto ledger = Ledger::create(other.path(), testing::kTestChain, node, kTime + 1, 64 * 1024);
      REQUIRE(ledger.has_value());
    }
    fs::remove_all(c.ledger_dir() / "state");
    fs::copy(other / "state", c.ledger_dir() / "state");
    auto ledger = Ledger::open(c.ledger_dir(), OpenMode::read_write);
    REQUIRE_FALSE(ledger.has_value());
    CHECK(ledger.error().code == StorageError::Code::corrupt);
    CHECK(ledger.error().reason.find("another ledger") != std::string::npos);
  }
  SUBCASE("the state is for another chain") {
    TempDir other;
    KeyPair node = test_key(1);
    {
      auto ledger = Ledger::create(other.path(), "other-chain", node, kTime, 64 * 1024);
      REQUIRE(ledger.has_value());
    }
    fs::remove_all(c.ledger_dir() / "state");
    fs::copy(other / "state", c.ledger_dir() / "state");
    auto ledger = Ledger::open(c.ledger_dir(), OpenMode::read_write);
    REQUIRE_FALSE(ledger.has_value());
    CHECK(ledger.error().reason.find("other-chain") != std::string::npos);
  }
  SUBCASE("the log lost acknowledged blocks") {
    // Zero block 5 entirely, as if the file had been rolled back: the state names it.
    patch_file(c.last_file, c.last.offset,
               std::vector<uint8_t>(kFrameHeaderSize + c.last.frame.body_length, 0));
    auto before = snapshot(c.ledger_dir());
    auto ledger = Ledger::open(c.ledger_dir(), OpenMode::read_write);
    REQUIRE_FALSE(ledger.has_value());
    CHECK(ledger.error().code == StorageError::Code::corrupt);
    CHECK(ledger.error().reason.find("applied block 5") != std::string::npos);
    CHECK(snapshot(c.ledger_dir()) == before);
  }
}

TEST_CASE("recovery: an interrupted segment creation and an interrupted create") {
  SUBCASE("a leftover temporary segment is removed") {
    Crashed c;
    fs::path tmp = c.ledger_dir() / "log" / "00000009.seg.tmp";
    { std::ofstream(tmp) << "partial"; }
    auto ledger = Ledger::open(c.ledger_dir(), OpenMode::read_write);
    REQUIRE(ledger.has_value());
    CHECK_FALSE(fs::exists(tmp));
  }
  SUBCASE("a genesis block that never reached the disk") {
    Crashed c;
    // A fresh state (no block) and a log whose genesis is torn: creation was interrupted.
    fs::path l = c.ledger_dir();
    fs::remove_all(l / "state");
    {
      auto state = WorldState::create(l / "state", testing::kTestChain);
      REQUIRE(state.has_value());
    }
    auto genesis = c.dir.path() / "l" / "log" / "00000000.seg";
    auto bytes = file_bytes(genesis);
    std::vector<uint8_t> zeros(bytes.size() - kSegmentHeaderSize - 8, 0);
    patch_file(genesis, kSegmentHeaderSize + 8, zeros);
    for (uint64_t s = 1;; ++s) {
      fs::path next = l / "log" / SegmentLog::segment_name(s);
      if (!fs::exists(next)) break;
      fs::remove(next);
    }
    auto ledger = Ledger::open(l, OpenMode::read_write);
    REQUIRE_FALSE(ledger.has_value());
    CHECK(ledger.error().code == StorageError::Code::not_found);
    CHECK(ledger.error().reason.find("no genesis") != std::string::npos);
  }
}

}  // namespace covenant::ledger
