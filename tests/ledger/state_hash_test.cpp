// Tests of ledger/state_hash: the LtHash state commitment is independent of the order of
// writes, removal undoes addition, the four-lane arithmetic equals lane-by-lane arithmetic,
// and the bytes are pinned (a change of the format changes every stored commitment).

#include "ledger/state_hash.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "ledger/state.hpp"
#include "vm/hex.hpp"

namespace covenant::ledger {
namespace {

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("state hash: empty state, order independence, removal") {
  StateHash empty;
  CHECK(empty.commitment() == thread_hasher().sha256(std::vector<uint8_t>(kStateHashBytes, 0)));

  StateHash ab, ba;
  ab.add(bytes("a"), bytes("1"));
  ab.add(bytes("b"), bytes("2"));
  ba.add(bytes("b"), bytes("2"));
  ba.add(bytes("a"), bytes("1"));
  CHECK(ab == ba);
  CHECK(ab.commitment() == ba.commitment());
  CHECK_FALSE(ab == empty);

  // The split between key and value is part of the element: ("ab", "") is not ("a", "b").
  StateHash k1, k2;
  k1.add(bytes("ab"), bytes(""));
  k2.add(bytes("a"), bytes("b"));
  CHECK_FALSE(k1 == k2);

  ab.remove(bytes("a"), bytes("1"));
  StateHash b;
  b.add(bytes("b"), bytes("2"));
  CHECK(ab == b);
  ab.remove(bytes("b"), bytes("2"));
  CHECK(ab == empty);

  auto back = StateHash::from_bytes(b.bytes());
  REQUIRE(back.has_value());
  CHECK(*back == b);
  CHECK_FALSE(StateHash::from_bytes(std::vector<uint8_t>(10)).has_value());
}

TEST_CASE("state hash: lanes wrap modulo 2^16 exactly as lane-by-lane arithmetic") {
  std::mt19937 rng(99);
  std::vector<uint16_t> naive(kStateHashLanes, 0);
  StateHash h;
  for (int i = 0; i < 40; ++i) {
    auto key = bytes("key" + std::to_string(rng() % 7));
    auto value = bytes(std::to_string(rng()));
    auto element = state_element_hash(key, value);
    bool add = i < 20 || rng() % 2 == 0;
    for (size_t l = 0; l < kStateHashLanes; ++l) {
      naive[l] = static_cast<uint16_t>(add ? naive[l] + element[l] : naive[l] - element[l]);
    }
    add ? h.add(key, value) : h.remove(key, value);
  }
  auto lanes = h.bytes();
  for (size_t l = 0; l < kStateHashLanes; ++l) {
    CHECK(static_cast<uint16_t>(lanes[2 * l] | (lanes[2 * l + 1] << 8)) == naive[l]);
  }
}

TEST_CASE("state hash: pinned values") {
  // The element hash is SHAKE128("covenant/state/v1" || u32 len || key || u32 len || value);
  // the expected values were computed with Python's hashlib.shake_128 and hashlib.sha256.
  auto element = state_element_hash(bytes("a"), bytes("b"));
  CHECK(to_hex(std::span(reinterpret_cast<const uint8_t*>(element.data()), 8)) ==
        "f3bfaba1ca09f949");
  StateHash h;
  h.add(bytes("a"), bytes("b"));
  CHECK(to_hex(h.commitment()) ==
        "62949bf1e63c24a05e848d06ab3ab5f8099049eb1fad54ef8d7113a433bfd2b4");
}

TEST_CASE("state delta and memory state") {
  MemoryState state;
  StateDelta delta;
  delta[bytes("k1")] = StateChange{std::nullopt, bytes("v1")};
  delta[bytes("k2")] = StateChange{std::nullopt, bytes("v2")};
  state.apply(delta);
  StateHash h;
  apply_delta(h, delta);
  CHECK(h == state.hash());
  auto v = state.get(bytes("k1"));
  REQUIRE(v.has_value());
  CHECK(*v == bytes("v1"));
  StateDelta second;
  second[bytes("k1")] = StateChange{bytes("v1"), std::nullopt};
  second[bytes("k2")] = StateChange{bytes("v2"), bytes("v3")};
  state.apply(second);
  apply_delta(h, second);
  CHECK(h == state.hash());
  CHECK_FALSE(state.get(bytes("k1"))->has_value());
  CHECK(state.entries().size() == 1);
}

}  // namespace covenant::ledger
