#include "node/block_state.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace covenant;
using node::BlockState;

namespace {

std::vector<uint8_t> b(const std::string& s) { return {s.begin(), s.end()}; }

ledger::MemoryState base_with(std::initializer_list<std::pair<std::string, std::string>> pairs) {
  ledger::MemoryState base;
  ledger::StateDelta delta;
  for (const auto& [k, v] : pairs) delta.emplace(b(k), ledger::StateChange{std::nullopt, b(v)});
  base.apply(delta);
  return base;
}

// Every key with `prefix`, in order, as seen through `seek`.
std::vector<std::string> walk(BlockState& block, const std::string& prefix) {
  std::vector<std::string> keys;
  std::vector<uint8_t> from = b(prefix);
  while (auto pair = block.seek(from, b(prefix))) {
    keys.emplace_back(pair->key.begin(), pair->key.end());
    from = pair->key;
    from.push_back(0);
  }
  return keys;
}

}  // namespace

TEST_CASE("block state: seek merges the base and the block's writes in key order") {
  auto base = base_with({{"a/1", "x"}, {"a/3", "x"}, {"a/5", "x"}, {"b/1", "x"}});
  BlockState block(base);
  block.set(b("a/2"), b("new"));
  block.set(b("a/3"), std::nullopt);  // removed in the block
  block.set(b("a/5"), b("changed"));
  CHECK(walk(block, "a/") == std::vector<std::string>{"a/1", "a/2", "a/5"});
  auto five = block.seek(b("a/4"), b("a/"));
  REQUIRE(five.has_value());
  CHECK(five->value == b("changed"));
  CHECK_FALSE(block.seek(b("a/6"), b("a/")).has_value());  // b/1 is outside the prefix
  CHECK(block.get(b("a/3")) == std::nullopt);
  CHECK(block.get(b("a/1")) == b("x"));
}

TEST_CASE("block state: rollback undoes exactly the writes after a mark") {
  auto base = base_with({{"k1", "v1"}});
  BlockState block(base);
  block.set(b("k2"), b("v2"));
  const uint64_t mark = block.mark();
  block.set(b("k1"), b("changed"));
  block.set(b("k2"), std::nullopt);
  block.set(b("k3"), b("v3"));
  auto written = block.written_since(mark);
  REQUIRE(written.size() == 3);
  CHECK(written[0].first == b("k1"));
  CHECK(written[1].second == std::nullopt);
  CHECK(node::write_set_hash(written) != ledger::Hash{});
  block.rollback(mark);
  CHECK(block.get(b("k1")) == b("v1"));
  CHECK(block.get(b("k2")) == b("v2"));
  CHECK(block.get(b("k3")) == std::nullopt);
  CHECK(node::write_set_hash(block.written_since(block.mark())) == ledger::Hash{});

  auto delta = block.delta();
  REQUIRE(delta.has_value());
  REQUIRE(delta->size() == 1);  // only k2 differs from the base
  CHECK(delta->begin()->first == b("k2"));
  CHECK(delta->begin()->second.before == std::nullopt);
  CHECK(delta->begin()->second.after == b("v2"));
}

TEST_CASE("block state: a value written and then restored is no change") {
  auto base = base_with({{"k", "v"}});
  BlockState block(base);
  block.set(b("k"), b("other"));
  block.set(b("k"), b("v"));
  auto delta = block.delta();
  REQUIRE(delta.has_value());
  CHECK(delta->empty());
}
