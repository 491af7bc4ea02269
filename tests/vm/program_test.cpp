#include <doctest/doctest.h>

#include <random>

#include "tests/vm/builder.hpp"
#include "vm/machine.hpp"
#include "vm/program.hpp"

using namespace covenant::vm;
using covenant::vm::testing::Code;

TEST_CASE("constant divisors divide exactly, for every kind of divisor and dividend") {
  std::mt19937_64 rng(20261123);
  std::vector<uint64_t> divisors = {1, 2, 3, 5, 7, 10, 641, 10000, 1ull << 31, 0xffffffffull,
                                    (1ull << 32) + 1, 1ull << 63, (1ull << 63) + 1, ~0ull, ~0ull - 1};
  for (int i = 0; i < 200; ++i) divisors.push_back(rng() >> (rng() % 64) | 1);
  std::vector<uint64_t> dividends = {0, 1, 2, 9999, 10000, 10001, ~0ull, ~0ull - 1, 1ull << 63};
  for (int i = 0; i < 200; ++i) dividends.push_back(rng() >> (rng() % 64));
  for (uint64_t d : divisors) {
    Divisor div = Divisor::of(d);
    for (uint64_t n : dividends) {
      for (uint64_t m : {n, n / d * d, n / d * d - 1}) REQUIRE_MESSAGE(div.divide(m) == m / d, m << " / " << d);
    }
  }
}

TEST_CASE("division by an immediate uses the loader's divisor and matches RFC 9669") {
  Program p = Program::load(Code{}.mov(0, -1).alu(Op::div64_imm, 0, 10000).exit().slots).value();
  CHECK(p.divisors().size() == 1);
  Machine m;
  CHECK(m.run(p, 0, {}, Limits{}).r0 == ~0ull / 10000);
  // A negative immediate is sign-extended for ALU64 and read as 32 bits for ALU32.
  Program q = Program::load(Code{}.mov(0, -1).alu(Op::div64_imm, 0, -2).exit().slots).value();
  CHECK(m.run(q, 0, {}, Limits{}).r0 == 1);
  Program r = Program::load(Code{}.mov(0, -1).alu(Op::mod32_imm, 0, -2).exit().slots).value();
  CHECK(m.run(r, 0, {}, Limits{}).r0 == 1);
  Program z = Program::load(Code{}.mov(0, 7).alu(Op::div64_imm, 0, 0).exit().slots).value();
  CHECK(z.divisors().empty());
  CHECK(m.run(z, 0, {}, Limits{}).r0 == 0);
}

TEST_CASE("run costs are charged at entry and include fall-through into jump targets") {
  // slot 0 mov, 1 jeq -> 3, 2 mov, 3 add (target), 4 exit
  Program p = Program::load(Code{}.mov(0, 1).branch(Op::jeq_imm, 0, 1, 1).mov(0, 2)
                                .alu(Op::add64_imm, 0, 1).exit().slots).value();
  auto code = p.code();
  CHECK(code[0].entry_gas == 2);      // mov + jeq
  CHECK(code[2].entry_gas == 1 + 1 + 2);  // mov, add, exit: falls into the target
  CHECK(code[3].entry_gas == 1 + 2);
  Machine m;
  Outcome o = m.run(p, 0, {}, Limits{});
  CHECK(o.r0 == 2);
  CHECK(o.gas_used == 2 + 3);
}
