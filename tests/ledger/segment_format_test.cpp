// Tests of ledger/segment_format: the exact bytes of a segment header and of a record frame,
// round trips, and that every single-byte change of either is rejected with an offset.

#include "ledger/segment_format.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ledger/crc32c.hpp"
#include "vm/hex.hpp"

namespace covenant::ledger {
namespace {

// Recomputes the trailing CRC-32C of a header or frame after a deliberate change, so that the
// field checks behind the checksum are reached.
template <size_t N>
std::array<uint8_t, N> with_crc(std::array<uint8_t, N> bytes) {
  uint32_t crc = crc32c(std::span(bytes).first(N - 4));
  for (int i = 0; i < 4; ++i) bytes[N - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  return bytes;
}

}  // namespace

TEST_CASE("segment header: layout, round trip, rejections") {
  SegmentHeader h{"covenant-test", 2, 0x0102030405060708, 65536};
  auto bytes = encode_segment_header(h);
  std::string hex = to_hex(bytes);
  CHECK(hex.substr(0, 12) == "435653470" "10d");
  CHECK(hex.substr(12, 26) == to_hex(std::span(reinterpret_cast<const uint8_t*>("covenant-test"), 13)));
  CHECK(hex.substr(38, 102) == std::string(102, '0'));  // padding of the chain id field
  CHECK(hex.substr(140, 48) == "0200000000000000" "0807060504030201" "0000010000000000");
  auto back = decode_segment_header(bytes);
  REQUIRE(back.has_value());
  CHECK(*back == h);

  SUBCASE("every single-byte change is rejected") {
    for (size_t i = 0; i < bytes.size(); ++i) {
      auto changed = bytes;
      changed[i] ^= 0x01;
      auto r = decode_segment_header(changed);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().offset < kSegmentHeaderSize);
    }
  }
  SUBCASE("fields behind a valid checksum") {
    auto reject = [&](size_t at, uint8_t value, size_t offset, const char* reason) {
      auto changed = bytes;
      changed[at] = value;
      auto r = decode_segment_header(with_crc(changed));
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().offset == offset);
      CHECK(r.error().reason.find(reason) != std::string::npos);
    };
    reject(0, 'X', 0, "bad magic");
    reject(4, 2, 4, "unsupported version 2");
    reject(5, 0, 5, "invalid chain id");
    reject(5, 65, 5, "invalid chain id");
    reject(6, ' ', 5, "invalid chain id");
    reject(6 + 13, 'x', 6 + 13, "padding is not zero");
    reject(88, 0, 86, "capacity 0 is below the minimum");  // 65536 -> 0
  }
  SUBCASE("wrong length") {
    CHECK_FALSE(decode_segment_header(std::span(bytes).first(97)).has_value());
  }
}

TEST_CASE("frame header: layout, round trip, rejections, body check") {
  std::vector<uint8_t> body = {1, 2, 3, 4, 5};
  FrameHeader f = frame_for(7, body);
  CHECK(f.body_length == 5);
  CHECK(f.height == 7);
  CHECK(f.body_crc == crc32c(body));
  auto bytes = encode_frame_header(f);
  CHECK(to_hex(std::span(bytes).first(16)) == "43565242" "05000000" "0700000000000000");
  auto back = decode_frame_header(bytes);
  REQUIRE(back.has_value());
  CHECK(*back == f);
  CHECK(check_body(f, body).has_value());
  body[2] ^= 0x80;
  CHECK_FALSE(check_body(f, body).has_value());
  CHECK_FALSE(check_body(f, std::span(body).first(4)).has_value());

  for (size_t i = 0; i < bytes.size(); ++i) {
    auto changed = bytes;
    changed[i] ^= 0x10;
    CHECK_FALSE(decode_frame_header(changed).has_value());
  }
  auto zero_length = bytes;
  zero_length[4] = 0;
  auto r = decode_frame_header(with_crc(zero_length));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().offset == 4);
  auto too_long = bytes;
  too_long[7] = 0x41;  // 0x41000005 > 1 GiB
  CHECK_FALSE(decode_frame_header(with_crc(too_long)).has_value());
  // An all-zero frame (the unwritten tail) is not a frame.
  CHECK_FALSE(decode_frame_header(std::array<uint8_t, kFrameHeaderSize>{}).has_value());
}

TEST_CASE("first_nonzero and all_zero") {
  std::vector<uint8_t> bytes(10000, 0);
  CHECK(all_zero(bytes));
  CHECK(first_nonzero(bytes) == bytes.size());
  CHECK(all_zero({}));
  for (size_t at : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{9999}}) {
    bytes[at] = 1;
    CHECK(first_nonzero(bytes) == at);
    CHECK_FALSE(all_zero(bytes));
    bytes[at] = 0;
  }
}

}  // namespace covenant::ledger
