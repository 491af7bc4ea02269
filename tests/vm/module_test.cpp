// Tests of the .cvm container (vm/module.hpp): round trips, the canonical byte layout that
// docs/bytecode.md specifies, identity, and one test per rejection with its exact offset.

#include "vm/module.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/vm/builder.hpp"

namespace covenant::vm {
namespace {

using testing::Code;
using Bytes = std::vector<uint8_t>;

// main: r0 = 7; aux: r0 = 1.
Module sample() {
  Module m;
  m.code = Code{}.mov(0, 7).exit().mov(0, 1).exit().slots;
  m.rodata = {'h', 'e', 'l', 'l', 'o'};
  m.entries = {{"main", 0, 8, 16}, {"aux", 2, 0, 0}};
  m.source_map = {{2, 3, 5}, {0, 1, 1}};
  m.metadata = {{"source", "plan.cov"}, {"compiler", "covenantc 0.1 \xc3\xa9"}};
  return m;
}

// The sample as `decode` returns it: every list sorted.
Module sorted_sample() {
  Module m = sample();
  std::swap(m.entries[0], m.entries[1]);
  std::swap(m.source_map[0], m.source_map[1]);
  std::swap(m.metadata[0], m.metadata[1]);
  return m;
}

// The smallest useful module: `mov r0, 0; exit` and one entry "main".
Module minimal() {
  Module m;
  m.code = Code{}.mov(0, 0).exit().slots;
  m.entries = {{"main", 0, 0, 0}};
  return m;
}

void put_u32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

void append_u32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Lays sections out back to back in the order given (which may break the rules on purpose).
Bytes raw_module(const std::vector<std::pair<uint32_t, Bytes>>& sections) {
  Bytes b = {'C', 'V', 'M', 0, 1, 0, 0, 0};
  append_u32(b, static_cast<uint32_t>(sections.size()));
  uint32_t offset = static_cast<uint32_t>(12 + 12 * sections.size());
  for (const auto& [kind, body] : sections) {
    append_u32(b, kind);
    append_u32(b, offset);
    append_u32(b, static_cast<uint32_t>(body.size()));
    offset += static_cast<uint32_t>(body.size());
  }
  for (const auto& s : sections)
    b.insert(b.end(), s.second.begin(), s.second.end());
  return b;
}

Bytes code_bytes(const std::vector<RawInsn>& code) {
  Bytes b(code.size() * 8);
  for (size_t i = 0; i < code.size(); ++i)
    code[i].encode(&b[i * 8]);
  return b;
}

Bytes entries_bytes(const std::vector<Entry>& entries) {
  Bytes b;
  append_u32(b, static_cast<uint32_t>(entries.size()));
  for (const Entry& e : entries) {
    b.push_back(static_cast<uint8_t>(e.name.size()));
    b.insert(b.end(), e.name.begin(), e.name.end());
    append_u32(b, e.slot);
    append_u32(b, e.param_size);
    append_u32(b, e.result_size);
  }
  return b;
}

// Asserts that `bytes` is rejected at `offset` with a reason containing `reason`.
void check_rejected(const Bytes& bytes, uint64_t offset, const std::string& reason) {
  auto m = decode(bytes);
  REQUIRE_FALSE(m.has_value());
  INFO("reason: " << m.error().reason);
  CHECK(m.error().offset == offset);
  CHECK(m.error().reason.find(reason) != std::string::npos);
}

// Byte offsets inside encode(minimal()), as docs/bytecode.md lays them out.
constexpr size_t kCodeRow = 12, kEntriesRow = 24, kEntriesAt = 52, kMinimalSize = 73;

}  // namespace

TEST_CASE("module: the minimal module has exactly the documented bytes") {
  // clang-format off
  const Bytes expected = {
      'C', 'V', 'M', 0,  1, 0,  0, 0,  2, 0, 0, 0,           // magic, version 1, flags 0, n = 2
      1, 0, 0, 0,  36, 0, 0, 0,  16, 0, 0, 0,                // CODE at 36, 16 bytes
      3, 0, 0, 0,  52, 0, 0, 0,  21, 0, 0, 0,                // ENTRIES at 52, 21 bytes
      0xb7, 0, 0, 0, 0, 0, 0, 0,                             // mov r0, 0
      0x95, 0, 0, 0, 0, 0, 0, 0,                             // exit
      1, 0, 0, 0,                                            // one entry
      4, 'm', 'a', 'i', 'n',  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,  // "main" slot 0, 0, 0
  };
  // clang-format on
  Bytes bytes = encode(minimal());
  CHECK(bytes == expected);
  CHECK(bytes.size() == kMinimalSize);
  auto m = decode(bytes);
  REQUIRE(m.has_value());
  CHECK(*m == minimal());
}

TEST_CASE("module: round trip keeps every field and sorts every list") {
  Bytes bytes = encode(sample());
  auto m = decode(bytes);
  REQUIRE(m.has_value());
  CHECK(*m == sorted_sample());
  CHECK(encode(*m) == bytes);
}

TEST_CASE("module: bytes do not depend on the order lists were given in") {
  Module shuffled = sample();
  std::reverse(shuffled.entries.begin(), shuffled.entries.end());
  std::reverse(shuffled.source_map.begin(), shuffled.source_map.end());
  std::reverse(shuffled.metadata.begin(), shuffled.metadata.end());
  CHECK(encode(shuffled) == encode(sample()));
  CHECK(encode(sorted_sample()) == encode(sample()));
}

TEST_CASE("module: empty optional sections are omitted, so each module has one encoding") {
  Module m = sample();
  m.rodata.clear();
  m.source_map.clear();
  m.metadata.clear();
  Bytes bytes = encode(m);
  CHECK(bytes[8] == 2);  // CODE and ENTRIES only
  auto back = decode(bytes);
  REQUIRE(back.has_value());
  CHECK(back->rodata.empty());
  CHECK(back->source_map.empty());
  CHECK(back->metadata.empty());
}

TEST_CASE("module: identity is the SHA-256 of the bytes") {
  CHECK(module_id_hex(module_id({})) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const uint8_t abc[] = {'a', 'b', 'c'};
  CHECK(module_id_hex(module_id(abc)) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  Bytes bytes = encode(minimal());
  // Fixed by the documented layout (docs/bytecode.md, "Example"; `sha256sum` of those 73
  // bytes agrees): any change to the encoding changes this value.
  CHECK(module_id_hex(module_id(bytes)) ==
        "fd9ded4a632e06433a5f792e2a606112656b56b1c049c39a2897777df821e93c");
  CHECK(module_id(bytes) == module_id(encode(*decode(bytes))));
  Module other = minimal();
  other.entries[0].result_size = 1;
  CHECK(module_id(encode(other)) != module_id(bytes));
}

TEST_CASE("module: locate finds the nearest source row at or before a slot") {
  Module m = sorted_sample();
  m.code = Code{}.mov(0, 0).mov(0, 0).mov(0, 0).mov(0, 0).mov(0, 0).exit().slots;
  m.source_map = {{1, 10, 2}, {4, 12, 0}};
  CHECK(m.locate(0) == nullptr);
  REQUIRE(m.locate(1) != nullptr);
  CHECK(m.locate(1)->line == 10);
  CHECK(m.locate(3)->line == 10);
  CHECK(m.locate(4)->line == 12);
  CHECK(m.locate(1000)->line == 12);
  Module empty;
  CHECK(empty.locate(0) == nullptr);
}

TEST_CASE("module: find_entry looks entries up by exact name") {
  Module m = sorted_sample();
  REQUIRE(m.find_entry("main") != nullptr);
  CHECK(m.find_entry("main")->result_size == 16);
  CHECK(m.find_entry("aux")->slot == 2);
  CHECK(m.find_entry("mai") == nullptr);
  CHECK(m.find_entry("mainx") == nullptr);
  CHECK(m.find_entry("") == nullptr);
}

TEST_CASE("module: load_module verifies with the entry slots") {
  auto program = load_module(sorted_sample(), test_host_table());
  REQUIRE(program.has_value());
  CHECK(program->size() == 4);
  CHECK(program->is_function_start(0));
  CHECK(program->is_function_start(2));
}

TEST_CASE("module: load_module names the rejected slot and its source line") {
  Module m;
  // Slot 1 jumps far past the end of the code.
  m.code = Code{}.mov(0, 0).jump(100).exit().slots;
  m.entries = {{"main", 0, 0, 0}};
  m.source_map = {{0, 4, 1}, {1, 7, 9}};
  auto program = load_module(m, test_host_table());
  REQUIRE_FALSE(program.has_value());
  CHECK(program.error().pc == 1);
  REQUIRE(program.error().source.has_value());
  CHECK(program.error().source->line == 7);
  CHECK(describe(program.error()).starts_with("slot 1 (line 7, column 9): "));

  m.source_map.clear();
  auto again = load_module(m, test_host_table());
  REQUIRE_FALSE(again.has_value());
  CHECK_FALSE(again.error().source.has_value());
  CHECK(describe(again.error()).starts_with("slot 1: "));
}

TEST_CASE("module: describe names the byte offset") {
  CHECK(describe(ModuleError{40, "bad"}) == "byte 40: bad");
}

// ---- Rejections: header and section table ------------------------------------------------

TEST_CASE("module: rejects bad magic") {
  Bytes b = encode(minimal());
  b[1] = 'X';
  check_rejected(b, 0, "bad magic");
  check_rejected(Bytes{'E', 'L', 'F'}, 0, "bad magic");
}

TEST_CASE("module: rejects an unknown version") {
  Bytes b = encode(minimal());
  b[4] = 2;
  check_rejected(b, 4, "unsupported format version 2");
}

TEST_CASE("module: rejects non-zero flags") {
  Bytes b = encode(minimal());
  b[6] = 1;
  check_rejected(b, 6, "unknown flags 1");
}

TEST_CASE("module: rejects a truncated header") {
  Bytes b = encode(minimal());
  check_rejected(Bytes(b.begin(), b.begin() + 7), 7, "truncated header: 7 of 12 bytes");
  check_rejected(Bytes{}, 0, "truncated header");
}

TEST_CASE("module: rejects a section count of 0 or more than the kinds") {
  Bytes b = encode(minimal());
  put_u32(b, 8, 0);
  check_rejected(b, 8, "section count 0");
  put_u32(b, 8, 6);
  check_rejected(b, 8, "section count 6");
}

TEST_CASE("module: rejects a truncated section table") {
  Bytes b = encode(minimal());
  check_rejected(Bytes(b.begin(), b.begin() + 30), 30, "truncated section table");
}

TEST_CASE("module: rejects a section past the end of the file") {
  Bytes b = encode(minimal());
  put_u32(b, kCodeRow + 8, 0x1000);
  check_rejected(b, kCodeRow + 4, "extends past the end of the file");
  // Offset + length overflowing 32 bits is still caught.
  put_u32(b, kCodeRow + 4, 0xfffffff0);
  put_u32(b, kCodeRow + 8, 0x20);
  check_rejected(b, kCodeRow + 4, "extends past the end of the file");
}

TEST_CASE("module: rejects overlapping sections") {
  Bytes b = encode(minimal());
  put_u32(b, kEntriesRow + 4, kEntriesAt - 2);
  check_rejected(b, kEntriesRow + 4, "overlaps");
  // A section may not overlap the section table either.
  Bytes c = encode(minimal());
  put_u32(c, kCodeRow + 4, 20);
  check_rejected(c, kCodeRow + 4, "overlaps");
}

TEST_CASE("module: rejects a gap between sections") {
  Bytes b = encode(minimal());
  put_u32(b, kEntriesRow + 4, kEntriesAt + 1);
  put_u32(b, kEntriesRow + 8, 20);
  check_rejected(b, kEntriesRow + 4, "gap of 1 bytes before section ENTRIES");
}

TEST_CASE("module: rejects sections out of kind order") {
  Module m = minimal();
  Bytes b = raw_module({{3, entries_bytes(m.entries)}, {1, code_bytes(m.code)}});
  check_rejected(b, 24, "section CODE comes after section ENTRIES");
}

TEST_CASE("module: rejects a duplicate section kind") {
  Module m = minimal();
  Bytes b =
      raw_module({{1, code_bytes(m.code)}, {1, code_bytes(m.code)}, {3, entries_bytes(m.entries)}});
  check_rejected(b, 24, "duplicate section CODE");
}

TEST_CASE("module: rejects an unknown section kind") {
  Module m = minimal();
  Bytes b = raw_module({{1, code_bytes(m.code)}, {3, entries_bytes(m.entries)}, {9, {1}}});
  check_rejected(b, 36, "unknown section kind 9");
}

TEST_CASE("module: rejects missing required sections") {
  Module m = minimal();
  check_rejected(raw_module({{1, code_bytes(m.code)}}), 8, "missing required section ENTRIES");
  check_rejected(raw_module({{3, entries_bytes(m.entries)}}), 8, "missing required section CODE");
}

TEST_CASE("module: rejects trailing bytes") {
  Bytes b = encode(minimal());
  b.push_back(0);
  check_rejected(b, kMinimalSize, "1 trailing bytes after the last section");
}

// ---- Rejections: section contents ---------------------------------------------------------

TEST_CASE("module: rejects code whose length is not a multiple of 8") {
  Module m = minimal();
  Bytes code = code_bytes(m.code);
  code.resize(12);
  check_rejected(raw_module({{1, code}, {3, entries_bytes(m.entries)}}), kCodeRow + 8,
                 "section CODE length 12 is not a multiple of 8");
}

TEST_CASE("module: rejects empty code") {
  Module m = minimal();
  check_rejected(raw_module({{1, {}}, {3, entries_bytes(m.entries)}}), kCodeRow + 8,
                 "section CODE is empty");
}

TEST_CASE("module: rejects an empty optional section") {
  Module m = minimal();
  check_rejected(raw_module({{1, code_bytes(m.code)}, {2, {}}, {3, entries_bytes(m.entries)}}),
                 24 + 8, "section RODATA is empty");
}

TEST_CASE("module: rejects an entry slot outside the code") {
  Module m = minimal();
  m.entries[0].slot = 2;
  // count (4) + name length (1) + "main" (4)
  check_rejected(encode(m), kEntriesAt + 9, "entry 'main' slot 2 is outside the code (2 slots)");
}

TEST_CASE("module: rejects bad entry names") {
  Module m = minimal();
  m.entries[0].name = "ma-n";
  check_rejected(encode(m), kEntriesAt + 5 + 2, "name has byte 0x2d at position 2");
  m.entries[0].name = "1st";
  check_rejected(encode(m), kEntriesAt + 5, "name has byte 0x31 at position 0");
  m.entries[0].name = "";
  check_rejected(encode(m), kEntriesAt + 4, "name length 0 is outside 1..64");
  m.entries[0].name = std::string(65, 'a');
  check_rejected(encode(m), kEntriesAt + 4, "name length 65 is outside 1..64");
  m.entries[0].name = std::string(300, 'a');  // too long for its length byte
  check_rejected(encode(m), kEntriesAt + 4, "name length 0");
  m.entries[0].name = std::string(64, 'a');
  CHECK(decode(encode(m)).has_value());
}

TEST_CASE("module: rejects duplicate and unsorted entry names") {
  Module m = minimal();
  m.entries = {{"main", 0, 0, 0}, {"main", 1, 0, 0}};
  // Second entry starts after count (4) and the first entry (1 + 4 + 12).
  check_rejected(encode(m), kEntriesAt + 4 + 17 + 1, "duplicate entry name 'main'");
  Module n = minimal();
  Bytes b =
      raw_module({{1, code_bytes(n.code)}, {3, entries_bytes({{"b", 0, 0, 0}, {"a", 0, 0, 0}})}});
  check_rejected(b, kEntriesAt + 4 + 14 + 1, "entry name 'a' is not after 'b'");
}

TEST_CASE("module: rejects an entries section with no entries or unused bytes") {
  Module m = minimal();
  Bytes none;
  append_u32(none, 0);
  check_rejected(raw_module({{1, code_bytes(m.code)}, {3, none}}), kEntriesAt,
                 "declares no entry points");
  Bytes extra = entries_bytes(m.entries);
  extra.push_back(0);
  check_rejected(raw_module({{1, code_bytes(m.code)}, {3, extra}}), kEntriesAt + 21,
                 "1 unused bytes at the end of section ENTRIES");
}

TEST_CASE("module: rejects an entry cut short by its section") {
  Module m = minimal();
  Bytes short_entries = entries_bytes(m.entries);
  short_entries.resize(short_entries.size() - 2);
  check_rejected(raw_module({{1, code_bytes(m.code)}, {3, short_entries}}), kEntriesAt + 17,
                 "section ENTRIES ends inside entry 0");
}

TEST_CASE("module: rejects an unsorted or duplicate source map") {
  Module m = minimal();
  m.source_map = {{0, 1, 1}, {1, 2, 1}};
  Bytes b = encode(m);
  size_t map_at = b.size() - 4 - 24;  // the source map is the last section here
  CHECK(b[8] == 3);
  put_u32(b, map_at + 4 + 12, 0);  // second row's pc := 0
  check_rejected(b, map_at + 4 + 12, "pc 0 is not after pc 0");
  m.source_map = {{1, 1, 1}, {1, 2, 1}};
  check_rejected(encode(m), map_at + 4 + 12, "rows must be ascending and unique");
}

TEST_CASE("module: rejects source rows outside the code or on line 0") {
  Module m = minimal();
  m.source_map = {{2, 1, 1}};
  Bytes b = encode(m);
  size_t map_at = b.size() - 4 - 12;
  check_rejected(b, map_at + 4, "pc 2 is outside the code");
  m.source_map = {{0, 0, 1}};
  check_rejected(encode(m), map_at + 8, "line 0");
}

TEST_CASE("module: rejects bad metadata") {
  Module m = minimal();
  m.metadata = {{"k", "\xff"}};
  Bytes b = encode(m);
  size_t meta_at = b.size() - (4 + 1 + 1 + 4 + 1);
  // count (4) + key length (1) + key (1) + value length (4)
  check_rejected(b, meta_at + 10, "metadata pair 0 value is not valid UTF-8");
  m.metadata = {{"k", "ok \xe2\x82"}};  // truncated 3-byte sequence
  check_rejected(encode(m), meta_at + 10 + 3, "value is not valid UTF-8");
  m.metadata = {{"k", "\xed\xa0\x80"}};  // a UTF-16 surrogate
  check_rejected(encode(m), meta_at + 10, "value is not valid UTF-8");
  m.metadata = {{"", "v"}};
  check_rejected(encode(m), meta_at + 4, "has an empty key");
  m.metadata = {{"a", "x"}, {"a", "y"}};
  b = encode(m);
  check_rejected(b, b.size() - (1 + 1 + 4 + 1) + 1, "duplicate metadata key 'a'");
}

TEST_CASE("module: rejects metadata values that run past their section") {
  Module m = minimal();
  m.metadata = {{"k", "v"}};
  Bytes b = encode(m);
  size_t value_len_at = b.size() - 5;
  put_u32(b, value_len_at, 2);
  check_rejected(b, value_len_at, "value length 2 runs past the section end");
}

TEST_CASE("module: rejects huge counts before allocating") {
  Module m = minimal();
  Bytes b = encode(m);
  put_u32(b, kEntriesAt, 0xffffffff);
  check_rejected(b, kEntriesAt, "count 4294967295 exceeds the limit 4096");
  put_u32(b, kEntriesAt, 100);
  check_rejected(b, kEntriesAt, "count 100 cannot fit in its remaining 17 bytes");

  m.source_map = {{0, 1, 1}};
  Bytes s = encode(m);
  size_t map_at = s.size() - 16;
  put_u32(s, map_at, 0xffffffff);
  check_rejected(s, map_at, "section SOURCEMAP count 4294967295 exceeds the limit 2");
  put_u32(s, map_at, 2);
  check_rejected(s, map_at, "count 2 cannot fit");

  Module n = minimal();
  n.metadata = {{"k", "v"}};
  Bytes t = encode(n);
  size_t meta_at = t.size() - 11;
  put_u32(t, meta_at, 0x7fffffff);
  check_rejected(t, meta_at, "section METADATA count 2147483647 exceeds the limit 4096");
}

TEST_CASE("module: every truncation and single-byte change is rejected or re-encodes exactly") {
  const Bytes bytes = encode(sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto m = decode(std::span<const uint8_t>(bytes.data(), n));
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().offset <= n);
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t delta : {uint8_t{1}, uint8_t{0x80}, uint8_t{0xff}}) {
      Bytes b = bytes;
      b[i] = static_cast<uint8_t>(b[i] + delta);
      auto m = decode(b);
      if (m.has_value()) {
        CHECK(encode(*m) == b);
      } else {
        CHECK(m.error().offset <= b.size());
      }
    }
  }
}

}  // namespace covenant::vm
