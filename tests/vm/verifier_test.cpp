#include <doctest/doctest.h>

#include "tests/vm/builder.hpp"
#include "vm/verifier.hpp"

using namespace covenant::vm;
using covenant::vm::testing::Code;

namespace {

std::string rejection(const Code& c, std::vector<uint32_t> entries = {}) {
  auto shape = verify(c.slots, entries, test_host_table());
  return shape ? std::string() : shape.error().reason;
}

bool mentions(const std::string& s, std::string_view what) { return s.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("accepts a plain program and reports its functions") {
  auto shape = verify(Code{}.call_local(1).exit().mov(0, 1).exit().slots, {}, test_host_table());
  REQUIRE(shape.has_value());
  CHECK(shape->function_starts == std::vector<uint32_t>{0, 2});
}

TEST_CASE("every rejection names its reason") {
  CHECK(mentions(rejection(Code{}), "empty program"));
  CHECK(mentions(rejection(Code{}.raw({0xff, 0, 0, 0, 0}).exit()), "unknown opcode 0xff"));
  CHECK(mentions(rejection(Code{}.raw({0x07, 0, 1, 0, 1}).exit()), "non-zero src"));
  CHECK(mentions(rejection(Code{}.raw({0x07, 0, 0, 3, 1}).exit()), "invalid offset 3"));
  CHECK(mentions(rejection(Code{}.raw({0x95, 1, 0, 0, 0})), "non-zero dst"));
  CHECK(mentions(rejection(Code{}.raw({0xbf, 0, 12, 0, 0}).exit()), "src register out of range"));
  CHECK(mentions(rejection(Code{}.mov(10, 0).exit()), "r10"));
  CHECK(mentions(rejection(Code{}.jump(5).exit()), "outside the code"));
  CHECK(mentions(rejection(Code{}.jump(1).lddw(0, 1).exit()), "inside an lddw"));
  CHECK(mentions(rejection(Code{}.op(Op::lddw, 0)), "missing its second slot"));
  CHECK(mentions(rejection(Code{}.call(99).exit()), "unknown host function 99"));
  CHECK(mentions(rejection(Code{}.call_local(7).exit()), "outside the code"));
  CHECK(mentions(rejection(Code{}.op(Op::atomic_add64, 10, 1, -8).exit()), "atomic"));
  CHECK(mentions(rejection(Code{}.op(Op::callx, 2).exit()), "callx"));
  CHECK(mentions(rejection(Code{}.op(Op::ldabsw, 0, 0, 0, 1).exit()), "packet"));
  CHECK(mentions(rejection(Code{}.mov(0, 1)), "run off its end"));
  // Falls from the entry function into the callee.
  CHECK(mentions(rejection(Code{}.call_local(0).exit()), "run off its end"));
  // Jumps from main into the callee's body.
  CHECK(mentions(rejection(Code{}.call_local(1).jump(1).exit().mov(0, 1).exit()), "leaves its function"));
  CHECK(mentions(rejection(Code{}.mov(0, 1).exit(), {5}), "entry point"));
  CHECK(mentions(rejection(Code{}.raw({0x18, 0, 0, 0, 1}).raw({0x07, 0, 0, 0, 0}).exit()),
                 "second slot of lddw"));
}
