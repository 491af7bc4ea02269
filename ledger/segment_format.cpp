#include "ledger/segment_format.hpp"

#include <algorithm>
#include <cstring>

#include "ledger/crc32c.hpp"
#include "ledger/tx.hpp"

namespace covenant::ledger {

namespace {

constexpr size_t kChainField = kMaxChainIdLength;  // zero-padded chain id bytes
constexpr size_t kSegmentCrcAt = kSegmentHeaderSize - 4;
constexpr size_t kFrameCrcAt = kFrameHeaderSize - 4;

uint32_t read_u32(std::span<const uint8_t> b, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v |= static_cast<uint32_t>(b[at + i]) << (8 * i);
  return v;
}

// Reports a checksum mismatch at `at`, the offset of the stored checksum.
Expected<void, DecodeError> check_crc(std::span<const uint8_t> bytes, size_t at,
                                      const char* what) {
  uint32_t stored = read_u32(bytes, at);
  uint32_t computed = crc32c(bytes.first(at));
  if (stored == computed) return {};
  return unexpected(DecodeError{at, std::string(what) + " checksum mismatch (damaged or torn)"});
}

// Fixed-size structures are decoded from exactly their size.
Expected<void, DecodeError> check_size(std::span<const uint8_t> bytes, size_t expected,
                                       const char* what) {
  if (bytes.size() == expected) return {};
  return unexpected(DecodeError{0, std::string(what) + " has " + std::to_string(bytes.size()) +
                                       " bytes, expected " + std::to_string(expected)});
}

template <size_t N>
std::array<uint8_t, N> to_array(const std::vector<uint8_t>& v) {
  std::array<uint8_t, N> out{};
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

}  // namespace

std::array<uint8_t, kSegmentHeaderSize> encode_segment_header(const SegmentHeader& header) {
  std::vector<uint8_t> out;
  out.reserve(kSegmentHeaderSize);
  out.insert(out.end(), std::begin(kSegmentMagic), std::end(kSegmentMagic));
  out.push_back(kSegmentVersion);
  out.push_back(static_cast<uint8_t>(header.chain_id.size()));
  out.insert(out.end(), header.chain_id.begin(), header.chain_id.end());
  out.resize(6 + kChainField, 0);
  put_u64(out, header.index);
  put_u64(out, header.first_height);
  put_u64(out, header.capacity);
  put_u32(out, crc32c(out));
  return to_array<kSegmentHeaderSize>(out);
}

Expected<SegmentHeader, DecodeError> decode_segment_header(std::span<const uint8_t> bytes) {
  if (auto ok = check_size(bytes, kSegmentHeaderSize, "segment header"); !ok) {
    return unexpected(ok.error());
  }
  if (auto ok = check_crc(bytes, kSegmentCrcAt, "segment header"); !ok) {
    return unexpected(ok.error());
  }
  ByteReader r(bytes);
  if (auto ok = r.magic(kSegmentMagic, kSegmentVersion, "CVSG"); !ok) {
    return unexpected(ok.error());
  }
  SegmentHeader h;
  size_t at = r.offset();
  uint64_t length = r.take_le(1, "chain id length").value();
  auto chain = r.take(kChainField, "chain id").value();
  h.chain_id.assign(chain.begin(), chain.begin() + std::min<uint64_t>(length, kChainField));
  if (!valid_chain_id(h.chain_id) || length > kChainField) {
    return unexpected(DecodeError{at, "invalid chain id (1 to 64 bytes of printable ASCII)"});
  }
  if (!all_zero(chain.subspan(length))) {
    return unexpected(DecodeError{at + 1 + length, "chain id padding is not zero"});
  }
  h.index = r.take_le(8, "segment index").value();
  h.first_height = r.take_le(8, "first height").value();
  at = r.offset();
  h.capacity = r.take_le(8, "capacity").value();
  if (h.capacity < kMinSegmentCapacity) {
    return unexpected(DecodeError{at, "capacity " + std::to_string(h.capacity) +
                                          " is below the minimum " +
                                          std::to_string(kMinSegmentCapacity)});
  }
  return h;
}

FrameHeader frame_for(uint64_t height, std::span<const uint8_t> body) {
  return FrameHeader{static_cast<uint32_t>(body.size()), height, crc32c(body)};
}

std::array<uint8_t, kFrameHeaderSize> encode_frame_header(const FrameHeader& frame) {
  std::vector<uint8_t> out;
  out.reserve(kFrameHeaderSize);
  out.insert(out.end(), std::begin(kFrameMagic), std::end(kFrameMagic));
  put_u32(out, frame.body_length);
  put_u64(out, frame.height);
  put_u32(out, frame.body_crc);
  put_u32(out, crc32c(out));
  return to_array<kFrameHeaderSize>(out);
}

Expected<FrameHeader, DecodeError> decode_frame_header(std::span<const uint8_t> bytes) {
  if (auto ok = check_size(bytes, kFrameHeaderSize, "frame header"); !ok) {
    return unexpected(ok.error());
  }
  if (auto ok = check_crc(bytes, kFrameCrcAt, "frame header"); !ok) {
    return unexpected(ok.error());
  }
  if (!std::equal(std::begin(kFrameMagic), std::end(kFrameMagic), bytes.begin())) {
    return unexpected(DecodeError{0, "bad magic, expected \"CVRB\""});
  }
  FrameHeader f;
  f.body_length = read_u32(bytes, 4);
  if (f.body_length == 0 || f.body_length > kMaxRecordBody) {
    return unexpected(DecodeError{4, "body length " + std::to_string(f.body_length) +
                                         " outside 1 to " + std::to_string(kMaxRecordBody)});
  }
  ByteReader r(bytes.subspan(8, 8), 8);
  f.height = r.take_le(8, "height").value();
  f.body_crc = read_u32(bytes, 16);
  return f;
}

Expected<void, DecodeError> check_body(const FrameHeader& frame, std::span<const uint8_t> body) {
  if (body.size() != frame.body_length) {
    return unexpected(DecodeError{0, "body has " + std::to_string(body.size()) +
                                         " bytes, the frame says " +
                                         std::to_string(frame.body_length)});
  }
  if (crc32c(body) != frame.body_crc) {
    return unexpected(DecodeError{0, "record body checksum mismatch (damaged or torn)"});
  }
  return {};
}

size_t first_nonzero(std::span<const uint8_t> bytes) {
  // OR-reduce 4 KiB at a time (the compiler vectorises the inner loop) and look closer only
  // in the block with a set bit: opening a ledger scans the unwritten tail of its last
  // segment, tens of MiB.
  constexpr size_t kBlock = 4096;
  for (size_t pos = 0; pos < bytes.size(); pos += kBlock) {
    size_t n = std::min(kBlock, bytes.size() - pos);
    uint8_t any = 0;
    for (size_t i = 0; i < n; ++i) any |= bytes[pos + i];
    if (any == 0) continue;
    for (size_t i = 0;; ++i) {
      if (bytes[pos + i] != 0) return pos + i;
    }
  }
  return bytes.size();
}

bool all_zero(std::span<const uint8_t> bytes) { return first_nonzero(bytes) == bytes.size(); }

}  // namespace covenant::ledger
