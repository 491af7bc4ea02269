#include "node/invocation.hpp"

#include <doctest/doctest.h>

using namespace covenant;
using node::Invocation;

namespace {

Invocation sample() {
  Invocation call;
  call.contract = "PpoGold2027";
  call.version = 3;
  call.entry = "adjudicate";
  call.gas_limit = 10'000'000;
  call.args = {1, 2, 3, 4, 5, 6, 7, 8};
  return call;
}

}  // namespace

TEST_CASE("invocation: canonical bytes round-trip and every truncation is refused") {
  auto bytes = node::encode_invocation(sample());
  REQUIRE(bytes.has_value());
  CHECK(bytes->size() == 5 + 1 + 11 + 4 + 1 + 10 + 8 + 4 + 8);
  auto back = node::decode_invocation(*bytes);
  REQUIRE(back.has_value());
  CHECK(*back == sample());
  for (size_t n = 0; n < bytes->size(); ++n) {
    auto cut = node::decode_invocation(std::span(bytes->data(), n));
    REQUIRE_FALSE(cut.has_value());
    CHECK(cut.error().offset <= n);
  }
  auto longer = *bytes;
  longer.push_back(0);
  auto trailing = node::decode_invocation(longer);
  REQUIRE_FALSE(trailing.has_value());
  CHECK(trailing.error().reason == "1 trailing bytes after the arguments");
}

TEST_CASE("invocation: names and lengths are checked before they are used") {
  Invocation bad = sample();
  bad.entry = std::string(65, 'e');
  CHECK_FALSE(node::encode_invocation(bad).has_value());
  bad = sample();
  bad.contract = "with space";
  CHECK_FALSE(node::encode_invocation(bad).has_value());

  auto bytes = *node::encode_invocation(sample());
  auto b = bytes;
  b[0] = 'X';
  CHECK(node::decode_invocation(b).error().offset == 0);
  // An argument length beyond the input is refused at its own offset, before allocating.
  b = bytes;
  const size_t length_at = bytes.size() - 8 - 4;
  b[length_at + 3] = 0x7f;
  auto e = node::decode_invocation(b);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().offset == length_at);
  // An empty entry name is not canonical.
  Invocation empty = sample();
  empty.entry = "x";
  b = *node::encode_invocation(empty);
  b[5 + 1 + 11 + 4] = 0;
  CHECK_FALSE(node::decode_invocation(b).has_value());
}
