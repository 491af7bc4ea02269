#include "ledger/block_record.hpp"

#include <string>

namespace covenant::ledger {

namespace {
// Where the entry count sits in an encoded header (docs/ledger.md, "Header").
constexpr size_t kEntryCountAt = 53;
}  // namespace

void append_record_leaf(std::vector<uint8_t>& body, std::span<const uint8_t> leaf) {
  put_u32(body, static_cast<uint32_t>(leaf.size()));
  body.insert(body.end(), leaf.begin(), leaf.end());
}

std::vector<uint8_t> encode_block_record(const BlockHeader& header,
                                         std::span<const std::span<const uint8_t>> leaves) {
  std::vector<uint8_t> body = encode_header(header);
  for (auto leaf : leaves) append_record_leaf(body, leaf);
  return body;
}

Expected<BlockRecord, DecodeError> decode_block_record(std::span<const uint8_t> body) {
  if (body.size() < kEncodedHeaderSize) {
    return unexpected(DecodeError{0, "record body has " + std::to_string(body.size()) +
                                         " bytes, less than a block header (" +
                                         std::to_string(kEncodedHeaderSize) + ")"});
  }
  auto header = decode_header(body.first(kEncodedHeaderSize));
  if (!header) {
    auto e = std::move(header).error();
    e.reason = "block header: " + e.reason;
    return unexpected(std::move(e));
  }
  BlockRecord record;
  record.header = *header;
  ByteReader r(body.subspan(kEncodedHeaderSize), kEncodedHeaderSize);
  // Each entry takes at least 5 bytes (a length and one byte): a count the remaining bytes
  // cannot hold is rejected before the vector is sized by it.
  if (record.header.entry_count > r.remaining() / 5) {
    return unexpected(DecodeError{kEntryCountAt, "entry count " + std::to_string(record.header.entry_count) +
                                          " does not fit in the " +
                                          std::to_string(r.remaining()) + " bytes that follow"});
  }
  record.leaves.reserve(record.header.entry_count);
  for (uint32_t i = 0; i < record.header.entry_count; ++i) {
    size_t at = r.offset();
    auto length = r.take_le(4, "entry length");
    if (!length) return unexpected(std::move(length).error());
    if (*length == 0 || *length > kMaxLeafSize) {
      return unexpected(DecodeError{at, "entry " + std::to_string(i) + " length " +
                                            std::to_string(*length) + " outside 1 to " +
                                            std::to_string(kMaxLeafSize)});
    }
    auto leaf = r.take(static_cast<size_t>(*length), "entry");
    if (!leaf) return unexpected(std::move(leaf).error());
    record.leaves.push_back(*leaf);
  }
  if (auto ok = r.finish("last entry"); !ok) return unexpected(ok.error());
  return record;
}

}  // namespace covenant::ledger
