// Tests of ledger/world_state: the LMDB state commits a block's changes and its meta
// atomically, iterates in key order, reopens with the same meta, and refuses writes when
// read-only.

#include "ledger/world_state.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/ledger/storage_helpers.hpp"

namespace covenant::ledger {
namespace {

using testing::TempDir;

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("world state: commit, get, iterate in key order, reopen") {
  TempDir dir;
  StateMeta meta;
  {
    auto state = WorldState::create(dir / "state", "chain-x");
    REQUIRE(state.has_value());
    CHECK(state->meta().chain_id == "chain-x");
    CHECK_FALSE(state->meta().height.has_value());

    StateDelta delta;
    for (std::string k : {"b", "a", "c\xff", "c"}) delta[bytes(k)] = StateChange{std::nullopt, bytes("v" + k)};
    meta.chain_id = "chain-x";
    meta.height = 7;
    meta.head_hash.fill(0xab);
    apply_delta(meta.hash, delta);
    Hasher& hasher = thread_hasher();
    for (int i = 0; i < 5; ++i) meta.log.append(hasher, hasher.hash_leaf(bytes(std::to_string(i))));
    REQUIRE(state->commit(delta, meta).has_value());

    auto v = state->get(bytes("a"));
    REQUIRE(v.has_value());
    CHECK(*v == bytes("va"));
    CHECK_FALSE(state->get(bytes("zz"))->has_value());

    std::vector<std::string> keys;
    REQUIRE(state->for_each([&](auto k, auto) { keys.emplace_back(k.begin(), k.end()); }).has_value());
    CHECK(keys == std::vector<std::string>{"a", "b", "c", "c\xff"});

    StateDelta removal;
    removal[bytes("b")] = StateChange{bytes("vb"), std::nullopt};
    removal[bytes("never")] = StateChange{std::nullopt, std::nullopt};
    apply_delta(meta.hash, removal);
    REQUIRE(state->commit(removal, meta).has_value());
    CHECK_FALSE(state->get(bytes("b"))->has_value());
  }
  auto reopened = WorldState::open(dir / "state", false);
  REQUIRE(reopened.has_value());
  const StateMeta& m = reopened->meta();
  CHECK(m.chain_id == "chain-x");
  CHECK(m.height == std::optional<uint64_t>(7));
  CHECK(m.head_hash == meta.head_hash);
  CHECK(m.hash == meta.hash);
  CHECK(m.log.size() == 5);
  CHECK(m.log.root(thread_hasher()) == meta.log.root(thread_hasher()));
  MemoryState copy;
  StateHash recomputed;
  REQUIRE(reopened->for_each([&](auto k, auto v) { recomputed.add(k, v); }).has_value());
  CHECK(recomputed == m.hash);

  auto refused = reopened->commit({}, m);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == StorageError::Code::invalid_argument);
}

TEST_CASE("world state: missing, malformed and oversized keys") {
  TempDir dir;
  auto missing = WorldState::open(dir / "nothing", true);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == StorageError::Code::not_found);

  auto state = WorldState::create(dir / "state", "chain-x");
  REQUIRE(state.has_value());
  StateDelta huge;
  huge[std::vector<uint8_t>(600, 1)] = StateChange{std::nullopt, bytes("v")};
  auto r = state->commit(huge, state->meta());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == StorageError::Code::invalid_argument);
  CHECK(r.error().file == state->data_file().string());
  // Nothing of the failed commit is visible.
  size_t count = 0;
  REQUIRE(state->for_each([&](auto, auto) { ++count; }).has_value());
  CHECK(count == 0);

  auto twice = WorldState::create(dir / "state", "chain-x");
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().code == StorageError::Code::io);
}

}  // namespace covenant::ledger
