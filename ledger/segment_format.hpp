#pragma once
/// \file
/// The byte formats of the ledger's segment files: the segment header at the start of every
/// file, and the frame around every record (a stored block). Pure encoding and decoding, no
/// I/O; the files themselves are handled by `SegmentLog`. Layouts are in docs/ledger.md,
/// "Segment files".

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "ledger/codec.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The first four bytes of every segment file ("CVSG").
inline constexpr uint8_t kSegmentMagic[4] = {'C', 'V', 'S', 'G'};
/// The segment format version; any other value is rejected.
inline constexpr uint8_t kSegmentVersion = 1;
/// Size of the segment header; the first record frame starts right after it.
inline constexpr size_t kSegmentHeaderSize = 98;
/// The first four bytes of every record frame ("CVRB").
inline constexpr uint8_t kFrameMagic[4] = {'C', 'V', 'R', 'B'};
/// Size of a record frame header; the record body follows it.
inline constexpr size_t kFrameHeaderSize = 24;
/// The largest record body, in bytes (1 GiB): a block must fit in memory twice (built and
/// written), and a hostile length must not make a reader allocate more.
inline constexpr uint32_t kMaxRecordBody = 1u << 30;
/// The smallest segment file (4 KiB): room for the header and a few records.
inline constexpr uint64_t kMinSegmentCapacity = 4096;

/// What the header of a segment file says.
struct SegmentHeader {
  /// The chain every block in the file belongs to (a valid chain id, see `valid_chain_id`).
  std::string chain_id;
  /// Position of the file in the log: 0 for the first, then +1 per file (the file name).
  uint64_t index = 0;
  /// Height of the first block the file holds (it may hold none yet).
  uint64_t first_height = 0;
  /// Size of the file in bytes, fixed when it is created: it is preallocated with zeros, so
  /// appending never changes the file size and fdatasync need not write metadata.
  uint64_t capacity = 0;

  /// Field-by-field equality.
  friend bool operator==(const SegmentHeader&, const SegmentHeader&) = default;
};

/// The 24-byte frame before every record body.
struct FrameHeader {
  /// Length of the body that follows, 1 to kMaxRecordBody bytes.
  uint32_t body_length = 0;
  /// Height of the block the body holds (lets a scan index blocks from frames alone).
  uint64_t height = 0;
  /// CRC-32C of the body.
  uint32_t body_crc = 0;

  /// Field-by-field equality.
  friend bool operator==(const FrameHeader&, const FrameHeader&) = default;
};

/// The 98 header bytes of a segment: magic, version, chain id (length byte, then 64 bytes
/// zero-padded), index, first height, capacity, then the CRC-32C of the 94 bytes before it.
/// Precondition: `header.chain_id` is a valid chain id.
std::array<uint8_t, kSegmentHeaderSize> encode_segment_header(const SegmentHeader& header);

/// Parses exactly kSegmentHeaderSize bytes. Checks the checksum first (so that damage is
/// named as such), then magic, version, the chain id (valid, zero padding) and the capacity
/// (at least kMinSegmentCapacity). Whatever it accepts re-encodes to exactly `bytes`. Errors
/// name the offset within the header.
Expected<SegmentHeader, DecodeError> decode_segment_header(std::span<const uint8_t> bytes);

/// The frame header of `body` as block `height`: its length and CRC-32C. Precondition:
/// 1 <= body.size() <= kMaxRecordBody.
FrameHeader frame_for(uint64_t height, std::span<const uint8_t> body);

/// The 24 frame bytes: magic, body length (u32), height (u64), body CRC-32C (u32), then the
/// CRC-32C of the 20 bytes before it.
std::array<uint8_t, kFrameHeaderSize> encode_frame_header(const FrameHeader& frame);

/// Parses exactly kFrameHeaderSize bytes: the frame's own checksum, then magic and the body
/// length limits. Does not see the body (see `check_body`). Whatever it accepts re-encodes
/// to exactly `bytes`.
Expected<FrameHeader, DecodeError> decode_frame_header(std::span<const uint8_t> bytes);

/// Success if `body` has the frame's length and checksum; errors at offset 0 of the body.
Expected<void, DecodeError> check_body(const FrameHeader& frame, std::span<const uint8_t> body);

/// The offset of the first byte that is not zero, or bytes.size() if there is none.
size_t first_nonzero(std::span<const uint8_t> bytes);

/// True if every byte is zero: the unwritten (preallocated) part of a segment, where a scan
/// stops.
bool all_zero(std::span<const uint8_t> bytes);

}  // namespace covenant::ledger
