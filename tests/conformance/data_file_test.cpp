#include "tests/conformance/data_file.hpp"

#include <doctest/doctest.h>

#include "vm/raw_word.hpp"

namespace covenant::conformance {
namespace {

TEST_CASE("data_file: all sections") {
  auto f = parse_data_file(
      "# Copyright line\n"
      "# SPDX line\n"
      "-- asm\n"
      "lddw %r0, 0x1122334455667788\n"
      "exit\n"
      "-- raw\n"
      "0x5566778800000018\n"
      "0x1122334400000000\n"
      "95 00 00 00 00 00 00 00\n"
      "-- mem\n"
      "00 01 02\n"
      "ff\n"
      "-- no register offset\n"
      "anything here is ignored\n"
      "-- result\n"
      "0x1122334455667788\n"
      "-- limits\n"
      "gas 10\n"
      "-- c\n"
      "int main() { return 0; }\n");
  REQUIRE(f.has_value());
  REQUIRE(f->asm_text.has_value());
  CHECK(*f->asm_text == "lddw %r0, 0x1122334455667788\nexit\n");
  CHECK(f->asm_first_line == 4);
  REQUIRE(f->raw.has_value());
  REQUIRE(f->raw->size() == 3);
  CHECK(vm::to_raw_word((*f->raw)[0]) == 0x5566778800000018);
  CHECK((*f->raw)[2].opcode == 0x95);
  CHECK(f->mem == std::vector<uint8_t>{0x00, 0x01, 0x02, 0xff});
  CHECK(f->result == 0x1122334455667788);
  CHECK_FALSE(f->error.has_value());
  REQUIRE(f->limits.size() == 1);
  CHECK(f->limits[0].first == "gas");
  CHECK(f->limits[0].second == "10");
}

TEST_CASE("data_file: -- error is present even when empty, and trimmed") {
  auto empty = parse_data_file("-- raw\n07 00 01 00 01 00 00 00\n-- error\n");
  REQUIRE(empty.has_value());
  REQUIRE(empty->error.has_value());
  CHECK(empty->error->empty());
  CHECK_FALSE(empty->asm_text.has_value());
  auto text = parse_data_file("-- asm\nexit\n-- error\n  Invalid register  ");
  REQUIRE(text.has_value());
  CHECK(*text->error == "Invalid register");
}

TEST_CASE("data_file: a file without sections has no program") {
  auto f = parse_data_file("# Copyright\n# SPDX\n");
  REQUIRE(f.has_value());
  CHECK_FALSE(f->asm_text.has_value());
  CHECK_FALSE(f->raw.has_value());
  CHECK_FALSE(f->result.has_value());
}

TEST_CASE("data_file: an unknown section inside asm ends it") {
  auto f = parse_data_file("-- asm\n-- Unknown directive\n-- error\nInvalid register");
  REQUIRE(f.has_value());
  CHECK(f->asm_text == "");
}

TEST_CASE("data_file: malformed lines are errors with their line number") {
  auto bad_raw = parse_data_file("-- raw\n0x95\n04 10 00\n");
  REQUIRE_FALSE(bad_raw.has_value());
  CHECK(bad_raw.error().starts_with("line 3: malformed raw slot"));
  CHECK_FALSE(parse_data_file("-- raw\n0x11112222333344445\n").has_value());  // 17 digits
  CHECK_FALSE(parse_data_file("-- mem\n0g\n").has_value());
  CHECK_FALSE(parse_data_file("-- result\nzz\n").has_value());
  CHECK_FALSE(parse_data_file("-- result\n1\n2\n").has_value());
  CHECK_FALSE(parse_data_file("-- limits\ngas\n").has_value());
  auto twice = parse_data_file("-- asm\nexit\n-- asm\nexit\n");
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error() == "line 3: section 'asm' given twice");
}

TEST_CASE("data_file: read_data_file reports a missing file") {
  auto f = read_data_file("/nonexistent/case.data");
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error() == "/nonexistent/case.data: cannot open");
}

}  // namespace
}  // namespace covenant::conformance
