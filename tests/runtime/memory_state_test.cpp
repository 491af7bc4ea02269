#include "runtime/memory_state.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace covenant::runtime;

namespace {

std::vector<uint8_t> b(const std::string& s) { return {s.begin(), s.end()}; }

std::string text(const std::optional<std::span<const uint8_t>>& v) {
  REQUIRE(v.has_value());
  return {v->begin(), v->end()};
}

// "state:key=value;..." in dump order.
std::string listing(const MemoryState& s) {
  std::string out;
  for (const StateEntry& e : s.dump())
    out += std::to_string(e.state) + ":" + std::string(e.key.begin(), e.key.end()) + "=" +
           std::string(e.value.begin(), e.value.end()) + ";";
  return out;
}

}  // namespace

TEST_CASE("put, get, has, remove; keys are per state") {
  MemoryState s;
  CHECK(!s.get(1, b("k")).has_value());
  s.put(1, b("k"), b("v1"));
  s.put(2, b("k"), b("other"));
  CHECK(text(s.get(1, b("k"))) == "v1");
  CHECK(text(s.get(2, b("k"))) == "other");
  s.put(1, b("k"), b("v2"));
  CHECK(text(s.get(1, b("k"))) == "v2");
  CHECK(s.has(1, b("k")));
  CHECK(!s.has(3, b("k")));
  s.put(3, b("member"), {});  // a Set member: an empty value
  CHECK(s.has(3, b("member")));
  CHECK(s.get(3, b("member"))->empty());
  CHECK(s.remove(1, b("k")));
  CHECK(!s.remove(1, b("k")));
  CHECK(!s.has(1, b("k")));
  CHECK(s.size() == 2);
}

TEST_CASE("dump lists entries by state, then key bytes") {
  MemoryState s;
  s.put(2, b("a"), b("1"));
  s.put(1, b("b"), b("2"));
  s.put(1, b("ab"), b("3"));
  s.put(1, b("a"), b("4"));
  s.put(1, std::vector<uint8_t>{}, b("5"));
  CHECK(listing(s) == "1:=5;1:a=4;1:ab=3;1:b=2;2:a=1;");
}

TEST_CASE("rollback restores puts, overwrites and removes, nested") {
  MemoryState s;
  s.put(1, b("keep"), b("old"));
  s.put(1, b("gone"), b("x"));
  s.commit();
  const std::string before = listing(s);

  uint64_t outer = s.checkpoint();
  s.put(1, b("keep"), b("new"));  // overwrite
  s.remove(1, b("gone"));         // remove
  s.put(1, b("fresh"), b("y"));   // insert
  const std::string middle = listing(s);

  uint64_t inner = s.checkpoint();
  CHECK(inner > outer);
  s.put(1, b("fresh"), b("z"));
  s.put(1, b("gone"), b("back"));
  s.remove(1, b("keep"));
  s.remove(1, b("never there"));  // changes nothing, logs nothing
  CHECK(s.undo_size() == 6);

  s.rollback(inner);
  CHECK(listing(s) == middle);
  CHECK(!s.can_rollback(inner + 1));  // undone writes are gone for good
  s.rollback(outer);
  CHECK(listing(s) == before);
  CHECK(s.undo_size() == 0);  // the log held only the writes, never a copy of the state
}

TEST_CASE("commit makes writes permanent and retires earlier marks") {
  MemoryState s;
  uint64_t first = s.checkpoint();
  s.put(1, b("k"), b("v"));
  s.commit();
  CHECK(s.undo_size() == 0);
  CHECK(!s.can_rollback(first));
  s.rollback(first);  // refused: nothing undone
  CHECK(text(s.get(1, b("k"))) == "v");
  uint64_t mark = s.checkpoint();
  CHECK(mark > first);
  s.put(1, b("k"), b("w"));
  s.rollback(mark);
  CHECK(text(s.get(1, b("k"))) == "v");
}
