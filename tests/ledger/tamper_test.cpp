// The tamper test: one byte of a stored ledger is changed at 1,000 random positions of its
// segment files (headers, frames and bodies), and at 200 more in the zero tails; each time
// the audit must fail and name the file and a byte offset inside the damaged part (the
// segment header, the record, or the exact byte of a tail). Then 300 more changes inside
// record bodies whose checksums are recomputed, as a forger would: the decoders, the
// signatures, the Merkle root or the state commitment must still catch each one, naming the
// block.

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "ledger/audit.hpp"
#include "ledger/crc32c.hpp"
#include "ledger/ledger.hpp"
#include "ledger/segment_format.hpp"
#include "tests/ledger/storage_helpers.hpp"

namespace covenant::ledger {
namespace {

namespace fs = std::filesystem;
using testing::file_bytes;
using testing::note_item;
using testing::patch_file;
using testing::TempDir;
using testing::test_key;
using testing::test_payload;

using testing::kTime;

// A byte range of one segment file that one error should point into.
struct Unit {
  fs::path file;
  uint64_t begin = 0;
  uint64_t end = 0;
  uint64_t block = StorageError::kNone;  // for records
  bool tail = false;
};

// Builds a ledger of 8 blocks over several 4 KiB segments (two signers, receipts with
// events) and lists its units: segment headers, records and zero tails. Few entries with
// sizeable payloads: each of the 1,500 audits below checks every signature before the damage.
std::vector<Unit> build(const fs::path& dir) {
  KeyPair node = test_key(1);
  KeyPair alice = test_key(2);
  auto ledger = Ledger::create(dir, testing::kTestChain, node, kTime, 4096);
  REQUIRE(ledger.has_value());
  uint64_t n = 0, a = 0;
  for (uint64_t h = 1; h < 8; ++h) {
    std::vector<BlockItem> items;
    for (uint64_t i = 0; i < 1 + h % 2; ++i) {
      bool by_alice = (h + i) % 2 == 0;
      BlockItem item = by_alice ? note_item(alice, a++, test_payload(h * 10 + i, 200 + 300 * i))
                                : note_item(node, n++, test_payload(h * 10 + i, 900));
      item.receipt.events = {{static_cast<uint8_t>(h), 2, 3}};
      items.push_back(std::move(item));
    }
    REQUIRE(ledger->append_block(items, kTime + h, node).has_value());
  }
  const SegmentLog& log = ledger->segments();
  std::vector<Unit> units;
  std::vector<uint64_t> ends(log.segment_count(), kSegmentHeaderSize);
  for (uint64_t s = 0; s < log.segment_count(); ++s) {
    units.push_back({log.segment_path(s), 0, kSegmentHeaderSize});
  }
  for (uint64_t h = 0; h < log.record_count(); ++h) {
    const RecordLocation& r = log.record(h);
    uint64_t end = r.offset + kFrameHeaderSize + r.frame.body_length;
    units.push_back({log.segment_path(r.segment), r.offset, end, h});
    ends[r.segment] = end;
  }
  for (uint64_t s = 0; s < log.segment_count(); ++s) {
    units.push_back({log.segment_path(s), ends[s], log.segment_capacity(s), StorageError::kNone, true});
  }
  return units;
}

// Flips `mask` into the byte at `at`, returns the byte it was.
uint8_t flip(const fs::path& file, uint64_t at, uint8_t mask) {
  uint8_t old = file_bytes(file)[at];
  patch_file(file, at, {static_cast<uint8_t>(old ^ mask)});
  return old;
}

}  // namespace

TEST_CASE("tamper: 1,000 byte flips in the log and 200 in its zero tails are each found and located") {
  TempDir dir;
  std::vector<Unit> units = build(dir.path());
  REQUIRE(audit_ledger(dir.path(), 1).has_value());

  // Positions are drawn uniformly over the written bytes, then over the tails.
  std::vector<const Unit*> written, tails;
  uint64_t written_bytes = 0, tail_bytes = 0;
  for (const Unit& u : units) {
    (u.tail ? tails : written).push_back(&u);
    (u.tail ? tail_bytes : written_bytes) += u.end - u.begin;
  }
  std::mt19937_64 rng(4242);
  auto draw = [&](const std::vector<const Unit*>& from, uint64_t total) {
    uint64_t k = rng() % total;
    for (const Unit* u : from) {
      if (k < u->end - u->begin) return std::make_pair(u, u->begin + k);
      k -= u->end - u->begin;
    }
    FAIL("unreachable");
    return std::make_pair(from.front(), uint64_t{0});
  };
  size_t by_kind[3] = {0, 0, 0};  // header, record, tail
  for (int i = 0; i < 1200; ++i) {
    auto [unit, at] = i < 1000 ? draw(written, written_bytes) : draw(tails, tail_bytes);
    uint8_t mask = static_cast<uint8_t>(1 + rng() % 255);
    uint8_t old = flip(unit->file, at, mask);
    auto report = audit_ledger(dir.path(), 1);
    CAPTURE(unit->file);
    CAPTURE(at);
    REQUIRE_FALSE(report.has_value());
    const StorageError& e = report.error();
    CAPTURE(e.describe());
    CHECK(e.code == StorageError::Code::corrupt);
    CHECK(e.file == unit->file.string());
    CHECK(e.offset >= unit->begin);
    CHECK(e.offset < unit->end);
    // In a tail the error names the byte, unless it lies where the next frame would start:
    // then it names that frame.
    if (unit->tail) CHECK((e.offset == at || (at - unit->begin < kFrameHeaderSize && e.offset == unit->begin)));
    ++by_kind[unit->tail ? 2 : unit->block == StorageError::kNone ? 0 : 1];
    patch_file(unit->file, at, {old});
  }
  MESSAGE("flips found: ", by_kind[0], " in segment headers, ", by_kind[1], " in records, ",
          by_kind[2], " in zero tails");
  REQUIRE(audit_ledger(dir.path(), 1).has_value());
}

TEST_CASE("tamper: 300 changes to record bodies with recomputed checksums are each found") {
  TempDir dir;
  std::vector<Unit> units = build(dir.path());
  std::vector<const Unit*> records;
  for (const Unit& u : units) {
    if (u.block != StorageError::kNone) records.push_back(&u);
  }
  std::mt19937_64 rng(777);
  size_t named_entry = 0;
  for (int i = 0; i < 300; ++i) {
    const Unit& unit = *records[rng() % records.size()];
    const uint64_t body_at = unit.begin + kFrameHeaderSize;
    const uint64_t at = body_at + rng() % (unit.end - body_at);
    auto original = file_bytes(unit.file);
    // Change the byte, then give the record a frame that matches the new body.
    std::vector<uint8_t> body(original.begin() + static_cast<long>(body_at),
                              original.begin() + static_cast<long>(unit.end));
    body[at - body_at] ^= static_cast<uint8_t>(1 + rng() % 255);
    auto frame = encode_frame_header(frame_for(unit.block, body));
    patch_file(unit.file, unit.begin, std::vector<uint8_t>(frame.begin(), frame.end()));
    patch_file(unit.file, body_at, body);

    auto report = audit_ledger(dir.path(), 1);
    CAPTURE(at);
    REQUIRE_FALSE(report.has_value());
    const StorageError& e = report.error();
    CAPTURE(e.describe());
    CHECK(e.code == StorageError::Code::corrupt);
    CHECK(e.file == unit.file.string());
    // A change that breaks the chain can be noticed at the block after (its previous hash).
    CHECK((e.block == unit.block || e.block == unit.block + 1));
    named_entry += e.entry != StorageError::kNone;
    patch_file(unit.file, unit.begin,
               std::vector<uint8_t>(original.begin() + static_cast<long>(unit.begin),
                                    original.begin() + static_cast<long>(unit.end)));
  }
  MESSAGE(named_entry, " of 300 errors also named the entry");
  REQUIRE(audit_ledger(dir.path(), 1).has_value());
}

}  // namespace covenant::ledger
