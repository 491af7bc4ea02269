// The language's host features compiled and run on the VM with the contract host: events
// (`event`, `emit`), ordered iteration over a state (`for k in m max N`, `m.first()`,
// `m.next(k)`), the caller's `Key`, and `sha256` of a value's canonical bytes.

#include <doctest/doctest.h>
#include <openssl/sha.h>

#include <array>
#include <string>

#include "compiler/abi.hpp"
#include "runtime/host_abi.hpp"
#include "tests/compiler/contract_runner.hpp"

using namespace covenant;
using namespace covenant::compiler;
using covenant::compiler::testing::build;
using covenant::compiler::testing::Built;
using covenant::compiler::testing::call;
using covenant::compiler::testing::word_at;
using covenant::compiler::testing::words;

namespace {

const char* kContract = R"(contract Hosted version 1
currency USD
rounding half_up

record Note { id: Int, tag: Option<Code>, parts: List<Int, 3> }

event Counted { who: Key, n: Int }
event Big { note: Note }

state counts: Map<Int, Int>
state voters: Set<Key>

const admin: Key = 0x0101010101010101010101010101010101010101010101010101010101010101

entry put(k: Int, v: Int) {
  counts.put(k, v)
}

// The keys in key order (the bytes of the Int, little-endian), at most `max 3` of them:
// each visited key's value times 10^i, summed.
entry walk() -> Int {
  var total = 0
  var scale = 1
  for k in counts max 3 {
    total += (counts.get(k) or 0) * scale
    scale = scale * 10
  }
  return total
}

// first() and next(k), removing as it goes: the loop still finds the next key.
entry drain() -> Int {
  var n = 0
  for k in counts max 100 {
    counts.remove(k)
    n += 1
  }
  return n + (if counts.first().is_none then 0 else 1000)
}

entry after(k: Int) -> Int {
  return counts.next(k) or -1
}

entry vote() -> Int {
  let who = caller()
  voters.add(who)
  var n = 0
  for v in voters max 10 {
    n += 1
  }
  emit Counted { who: who, n: n }
  return if who == admin then -n else n
}

entry spam(times: Int) {
  for i in 0..70 {
    if i < times {
      emit Counted { who: caller(), n: i }
    }
  }
}

entry digest(n: Note) -> Hash {
  emit Big { note: n }
  return sha256(n)
}

entry digest_int(n: Int) -> Hash {
  return sha256(n)
}
)";

const Built& hosted() {
  static const Built b = build("hosted.cvn", kContract);
  return b;
}

std::array<uint8_t, 32> sha256_of(const std::vector<uint8_t>& bytes) {
  std::array<uint8_t, 32> out{};
  SHA256(bytes.data(), bytes.size(), out.data());
  return out;
}

std::vector<uint8_t> note(int64_t id, bool tagged, std::initializer_list<int64_t> parts, uint8_t garbage) {
  // Note: id (8), tag Option<Code> (8 + 16), parts List<Int, 3> (8 + 24): 64 bytes.
  std::vector<uint8_t> b = words({id});
  std::vector<uint8_t> tag(24, garbage);
  if (tagged) {
    tag.assign(24, 0);
    tag[0] = 1;
    tag[8] = 'A';
  } else {
    for (int i = 0; i < 8; ++i) tag[static_cast<size_t>(i)] = 0;
  }
  b.insert(b.end(), tag.begin(), tag.end());
  std::vector<uint8_t> list = words({static_cast<int64_t>(parts.size())});
  for (int64_t p : parts) {
    auto w = words({p});
    list.insert(list.end(), w.begin(), w.end());
  }
  list.resize(32, garbage);
  b.insert(b.end(), list.begin(), list.end());
  return b;
}

}  // namespace

TEST_CASE("a loop over a state visits keys in byte order, at most its bound") {
  REQUIRE_MESSAGE(hosted().ok(), hosted().diagnostics);
  runtime::MemoryState state;
  // Little-endian bytes: 256 (00 01 ..) sorts before 1 (01 00 ..), 2 and -1 (ff ..) last.
  for (auto [k, v] : {std::pair<int64_t, int64_t>{1, 1}, {256, 2}, {2, 3}, {-1, 4}})
    REQUIRE(call(hosted(), "put", words({k, v}), state).outcome.ok());
  auto w = call(hosted(), "walk", {}, state);
  REQUIRE(w.outcome.ok());
  CHECK(word_at(w.output) == 2 + 1 * 10 + 3 * 100);  // 256, 1, 2; the bound stops before -1
  auto a = call(hosted(), "after", words({1}), state);
  CHECK(word_at(a.output) == 2);
  auto last = call(hosted(), "after", words({-1}), state);
  CHECK(word_at(last.output) == -1);
  auto d = call(hosted(), "drain", {}, state);
  REQUIRE(d.outcome.ok());
  CHECK(word_at(d.output) == 4);
  CHECK(state.size() == 0);
  // The static bound covers a full loop: 100 passes of the drain (at most 4 here).
  CHECK(d.outcome.gas_used <= hosted().compilation.packaged->gas_bound.at("drain"));
}

TEST_CASE("caller() is the transaction's key; Key values compare and key a state") {
  runtime::MemoryState state;
  runtime::CallerKey alice{};
  alice.fill(7);
  runtime::CallerKey admin{};
  admin.fill(1);
  auto v1 = call(hosted(), "vote", {}, state, alice);
  REQUIRE(v1.outcome.ok());
  CHECK(word_at(v1.output) == 1);
  auto v2 = call(hosted(), "vote", {}, state, admin);
  CHECK(word_at(v2.output) == -2);
  REQUIRE(v2.events.size() == 1);
  CHECK(v2.events[0].index == 0);
  // Counted { who: Key (32 bytes), n: Int }
  REQUIRE(v2.events[0].data.size() == 40);
  CHECK(std::equal(admin.begin(), admin.end(), v2.events[0].data.begin()));
  CHECK(word_at(v2.events[0].data, 32) == 2);
}

TEST_CASE("emit records events in order, and more than the limit is a host error") {
  runtime::MemoryState state;
  auto some = call(hosted(), "spam", words({64}), state);
  REQUIRE(some.outcome.ok());
  CHECK(some.events.size() == 64);
  CHECK(word_at(some.events[63].data, 32) == 63);
  auto many = call(hosted(), "spam", words({65}), state);
  REQUIRE(!many.outcome.ok());
  CHECK(runtime::fault_code_kind(many.outcome.fault->code) ==
        static_cast<uint64_t>(runtime::FaultKind::host_error));
}

TEST_CASE("sha256 hashes a value's canonical bytes, and emit records them") {
  runtime::MemoryState state;
  auto clean = note(5, false, {1, 2}, 0);
  auto dirty = note(5, false, {1, 2}, 0xAB);
  REQUIRE(clean != dirty);
  auto a = call(hosted(), "digest", clean, state);
  auto b = call(hosted(), "digest", dirty, state);
  REQUIRE(a.outcome.ok());
  REQUIRE(b.outcome.ok());
  auto expected = sha256_of(clean);
  CHECK(std::equal(expected.begin(), expected.end(), a.output.begin()));
  CHECK(a.output == b.output);
  REQUIRE(b.events.size() == 1);
  CHECK(b.events[0].index == 1);
  CHECK(b.events[0].data == clean);
  auto tagged = call(hosted(), "digest", note(5, true, {}, 0), state);
  CHECK(tagged.output != a.output);
  auto i = call(hosted(), "digest_int", words({1}), state);
  auto one = sha256_of(words({1}));
  CHECK(std::equal(one.begin(), one.end(), i.output.begin()));
  // A list longer than its maximum is an invalid input, found while canonicalizing.
  auto bad = note(5, false, {1, 2}, 0);
  bad[32] = 9;
  auto f = call(hosted(), "digest", bad, state);
  REQUIRE(!f.outcome.ok());
  CHECK(runtime::fault_code_kind(f.outcome.fault->code) ==
        static_cast<uint64_t>(runtime::FaultKind::invalid_input));
}

TEST_CASE("the ABI lists events and names Key") {
  std::string abi = abi_json(*hosted().compilation.checked);
  CHECK(abi.find(R"("events":[{"name":"Counted","index":0,"fields":[{"name":"who","type":"Key"},{"name":"n","type":"Int"}]},)"
                 R"({"name":"Big","index":1,"fields":[{"name":"note","type":"Note"}]}])") != std::string::npos);
  CHECK(abi.ends_with("]}]}"));
}
