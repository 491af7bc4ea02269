// Tests of ledger/crc32c: the RFC 3720 check values, and the hardware and table paths agree
// on every length and alignment.

#include "ledger/crc32c.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string_view>
#include <vector>

namespace covenant::ledger {

TEST_CASE("crc32c: RFC 3720 B.4 and the usual check value") {
  auto crc_of = [](std::string_view s) {
    return crc32c(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  };
  CHECK(crc_of("") == 0);
  CHECK(crc_of("123456789") == 0xE3069283u);
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xff), up(32), down(32);
  for (uint8_t i = 0; i < 32; ++i) {
    up[i] = i;
    down[i] = static_cast<uint8_t>(31 - i);
  }
  CHECK(crc32c(zeros) == 0x8A9136AAu);
  CHECK(crc32c(ones) == 0x62A8AB43u);
  CHECK(crc32c(up) == 0x46DD794Eu);
  CHECK(crc32c(down) == 0x113FDB5Cu);
}

TEST_CASE("crc32c: hardware and table agree; extending equals hashing the concatenation") {
  std::mt19937 rng(7);
  std::vector<uint8_t> data(4099);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (size_t start = 0; start < 9; ++start) {
    for (size_t length : {0, 1, 7, 8, 9, 63, 64, 65, 1000, 4090}) {
      auto piece = std::span(data).subspan(start, length);
      CHECK(crc32c(piece) == crc32c_portable(0, piece));
      size_t cut = length / 3;
      CHECK(crc32c_extend(crc32c(piece.first(cut)), piece.subspan(cut)) == crc32c(piece));
    }
  }
}

}  // namespace covenant::ledger
