// libFuzzer target for the storage formats: the same arbitrary bytes are read as a segment
// header, a record frame header and a block record body. Whatever is accepted must re-encode
// to exactly the same bytes (the formats are canonical) and a rejection must point inside
// the input. A body is also replayed as the genesis block of an empty ledger: that must never
// crash, and can only succeed for a genesis block signed by its own proposer with no entries.
// A frame is checked against the bytes that follow it. Violations trap, so libFuzzer (and the
// replay) report them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>

#include "ledger/block_record.hpp"
#include "ledger/replay.hpp"
#include "ledger/segment_format.hpp"
#include "ledger/state.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#define STORAGE_FUZZ_CHECK(cond) COVENANT_FUZZ_CHECK("storage_fuzz", cond)

namespace {
using covenant::fuzz::same_bytes;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covenant::ledger;
  std::span<const uint8_t> bytes(data, size);

  if (size >= kSegmentHeaderSize) {
    auto header = decode_segment_header(bytes.first(kSegmentHeaderSize));
    if (header) {
      STORAGE_FUZZ_CHECK(same_bytes(encode_segment_header(*header), bytes.first(kSegmentHeaderSize)));
    } else {
      STORAGE_FUZZ_CHECK(header.error().offset < kSegmentHeaderSize && !header.error().reason.empty());
    }
  }

  if (size >= kFrameHeaderSize) {
    auto frame = decode_frame_header(bytes.first(kFrameHeaderSize));
    if (frame) {
      STORAGE_FUZZ_CHECK(same_bytes(encode_frame_header(*frame), bytes.first(kFrameHeaderSize)));
      auto rest = bytes.subspan(kFrameHeaderSize);
      if (rest.size() >= frame->body_length) {
        auto body = rest.first(frame->body_length);
        // A frame that accepts its body is exactly the frame of that body.
        if (check_body(*frame, body)) STORAGE_FUZZ_CHECK(frame_for(frame->height, body) == *frame);
      } else {
        STORAGE_FUZZ_CHECK(!check_body(*frame, rest));
      }
    } else {
      STORAGE_FUZZ_CHECK(frame.error().offset < kFrameHeaderSize && !frame.error().reason.empty());
    }
  }

  auto record = decode_block_record(bytes);
  if (record) {
    STORAGE_FUZZ_CHECK(record->leaves.size() == record->header.entry_count);
    STORAGE_FUZZ_CHECK(same_bytes(encode_block_record(record->header, record->leaves), bytes));
  } else {
    STORAGE_FUZZ_CHECK(record.error().offset <= size && !record.error().reason.empty());
  }

  MemoryState state;
  StateHash hash;
  CompactRange log;
  ChainPosition genesis;
  genesis.chain_id = "covenant-test";
  genesis.log = &log;
  genesis.state = &state;
  genesis.state_hash = &hash;
  auto replayed = replay_block(bytes, genesis);
  if (replayed) {
    STORAGE_FUZZ_CHECK(record && record->header.height == 0 && record->header.entry_count == 0 &&
                       replayed->delta.empty());
  } else {
    STORAGE_FUZZ_CHECK(!replayed.error().reason.empty());
  }
  return 0;
}
