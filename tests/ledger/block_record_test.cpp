// Tests of ledger/block_record: the record body of a block round-trips, and truncation,
// trailing bytes, a hostile entry count and bad entry lengths are rejected with offsets.

#include "ledger/block_record.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace covenant::ledger {
namespace {

BlockHeader header_with(uint32_t entries) {
  BlockHeader h;
  h.height = 3;
  h.entry_count = entries;
  h.log_size = 10;
  return h;
}

}  // namespace

TEST_CASE("block record: round trip and layout") {
  std::vector<uint8_t> a = {1, 2, 3}, b(300, 9);
  std::vector<std::span<const uint8_t>> leaves = {a, b};
  auto body = encode_block_record(header_with(2), leaves);
  CHECK(body.size() == kEncodedHeaderSize + 4 + 3 + 4 + 300);
  CHECK(body[kEncodedHeaderSize] == 3);
  auto record = decode_block_record(body);
  REQUIRE(record.has_value());
  CHECK(record->header == header_with(2));
  REQUIRE(record->leaves.size() == 2);
  CHECK(record->leaves[0].data() == body.data() + kEncodedHeaderSize + 4);  // in place
  CHECK(std::equal(record->leaves[1].begin(), record->leaves[1].end(), b.begin(), b.end()));

  auto empty = encode_block_record(header_with(0), {});
  REQUIRE(decode_block_record(empty).has_value());
}

TEST_CASE("block record: rejections") {
  std::vector<uint8_t> a = {1, 2, 3};
  std::vector<std::span<const uint8_t>> leaves = {a};
  auto body = encode_block_record(header_with(1), leaves);

  SUBCASE("shorter than a header") {
    auto r = decode_block_record(std::span(body).first(100));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset == 0);
  }
  SUBCASE("truncated entry") {
    auto r = decode_block_record(std::span(body).first(body.size() - 1));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().reason.find("truncated entry") != std::string::npos);
  }
  SUBCASE("trailing bytes") {
    body.push_back(0);
    auto r = decode_block_record(body);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset == body.size() - 1);
  }
  SUBCASE("an entry count the bytes cannot hold") {
    auto hostile = encode_block_record(header_with(1u << 20), {});
    auto r = decode_block_record(hostile);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset == 53);
  }
  SUBCASE("zero and oversized entry lengths") {
    auto zero = body;
    zero[kEncodedHeaderSize] = 0;
    zero.push_back(0);  // keep the count check satisfied
    auto r = decode_block_record(zero);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset == kEncodedHeaderSize);
    auto big = body;
    big[kEncodedHeaderSize + 3] = 0x7f;
    r = decode_block_record(big);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().reason.find("outside 1 to") != std::string::npos);
  }
  SUBCASE("a bad header") {
    body[0] = 'X';
    auto r = decode_block_record(body);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().reason.find("block header: bad magic") != std::string::npos);
  }
}

}  // namespace covenant::ledger
