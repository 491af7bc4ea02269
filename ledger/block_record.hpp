#pragma once
/// \file
/// The body of a stored record: one block, as its encoded header followed by the Merkle leaf
/// data of each of its entries, each prefixed by its length. The leaf data is stored exactly
/// as it is hashed (`encode_entry`), so a reader hashes spans of the record in place. Pure
/// encoding and decoding, no I/O; layout in docs/ledger.md, "Segment files".

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ledger/block.hpp"
#include "ledger/codec.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The largest leaf data of one entry, in bytes: both length prefixes and the largest
/// transaction and receipt.
inline constexpr size_t kMaxLeafSize = 8 + kMaxEntryTxSize + kMaxEntryReceiptSize;

/// A decoded record body. The spans point into the bytes that were decoded.
struct BlockRecord {
  /// The block header (not verified: `verify_block_leaves` and the audit do that).
  BlockHeader header;
  /// Each entry's leaf data (`encode_entry` bytes), in block order; `header.entry_count` of
  /// them. Not decoded here (`decode_entry` does that).
  std::vector<std::span<const uint8_t>> leaves;
};

/// Appends the length prefix and `leaf` (encode_entry bytes) to a record body under
/// construction. Precondition: 1 <= leaf.size() <= kMaxLeafSize.
void append_record_leaf(std::vector<uint8_t>& body, std::span<const uint8_t> leaf);

/// The record body of a block: encode_header(header), then for each leaf its u32 length and
/// its bytes. Precondition: leaves.size() == header.entry_count, each leaf as for
/// `append_record_leaf`.
std::vector<uint8_t> encode_block_record(const BlockHeader& header,
                                         std::span<const std::span<const uint8_t>> leaves);

/// Parses a record body: the 225-byte header, then exactly `entry_count` length-prefixed
/// leaves (each 1 to kMaxLeafSize bytes), and nothing after. The entry count is checked
/// against the remaining bytes before anything is allocated. Whatever it accepts re-encodes
/// to exactly `body`. Errors give the offset within the body.
Expected<BlockRecord, DecodeError> decode_block_record(std::span<const uint8_t> body);

}  // namespace covenant::ledger
