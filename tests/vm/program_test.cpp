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

TEST_CASE("a fused select gives the same result and gas as the branch and mov it replaces") {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> values = {0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
                                  0x7fffffffffffffff, 0x8000000000000000, ~0ull, ~0ull - 1};
  for (int i = 0; i < 6; ++i) values.push_back(rng());
  const Op movs[] = {Op::mov64_imm, Op::mov64_reg, Op::mov32_imm, Op::mov32_reg};
  int fused_programs = 0;
  Machine m;
  for (const OpcodeInfo& row : kOpcodeTable) {
    if (row.form != Form::branch_imm && row.form != Form::branch_reg) continue;
    for (Op mov : movs) {
      for (uint64_t a : values) {
        for (uint64_t b : values) {
          auto imm = static_cast<int32_t>(b);
          // r1 = a, r2 = b, r3 = old; "if r1 ? r2/imm goto +1; r3 = r2/-7"; r0 = r3.
          auto build = [&](bool fusable) {
            Code c;
            c.lddw(1, a).lddw(2, b).lddw(3, 0x5555aaaa5555aaaaull);
            if (row.form == Form::branch_reg) c.branchr(row.op, 1, 2, fusable ? 1 : 2);
            else c.branch(row.op, 1, imm, fusable ? 1 : 2);
            if (mov == Op::mov64_reg || mov == Op::mov32_reg) c.op(mov, 3, 2);
            else c.op(mov, 3, 0, 0, -7);
            if (!fusable) c.jump(0);  // keeps the branch from skipping exactly one slot
            return c.movr(0, 3).exit();
          };
          Program fused = Program::load(build(true).slots).value();
          Program plain = Program::load(build(false).slots).value();
          REQUIRE(fused.code()[6].kind == static_cast<uint8_t>(Special::select));
          REQUIRE(plain.code()[6].kind != static_cast<uint8_t>(Special::select));
          Outcome x = m.run(fused, 0, {}, Limits{});
          Outcome y = m.run(plain, 0, {}, Limits{});
          REQUIRE_MESSAGE(x.r0 == y.r0, row.mnemonic << " a=" << a << " b=" << b);
          ++fused_programs;
        }
      }
    }
  }
  CHECK(fused_programs == 44 * 4 * 17 * 17);
}

TEST_CASE("a select charges exactly what the unfused pair would, and faults at the same slot") {
  // mov r1 5; jgt r1 3 +1 (taken); mov r0 9; exit   -> taken: the run at slot 3 only
  Code taken = Code{}.mov(1, 5).branch(Op::jgt_imm, 1, 3, 1).mov(0, 9).exit();
  Code fallen = Code{}.mov(1, 1).branch(Op::jgt_imm, 1, 3, 1).mov(0, 9).exit();
  Machine m;
  Program t = Program::load(taken.slots).value();
  Program f = Program::load(fallen.slots).value();
  Outcome a = m.run(t, 0, {}, Limits{});
  Outcome b = m.run(f, 0, {}, Limits{});
  CHECK(a.gas_used == 2 + 2);      // mov, jgt; then exit
  CHECK(b.gas_used == 2 + 1 + 2);  // mov, jgt; then mov, exit
  CHECK(b.r0 == 9);
  Limits tight;
  tight.gas = 3;
  Outcome c = m.run(f, 0, {}, tight);
  REQUIRE(!c.ok());
  CHECK(c.fault->kind == FaultKind::out_of_gas);
  CHECK(c.fault->pc == 2);
  Outcome d = m.run(t, 0, {}, tight);
  CHECK(d.fault->pc == 3);
}

TEST_CASE("loads through r1 use the input fast path only while r1 is the input's address") {
  auto kind_at = [](const Program& p, size_t pc) { return p.code()[pc].kind; };
  const auto fast = static_cast<uint8_t>(Special::input_ldxdw);
  // 0: r2 = [r1+8]; 1: if r2 == 0 goto 3; 2: r1 = r2; 3: r0 = [r1]; 4: r1 = [r1+16]; 5: exit
  Program p = Program::load(Code{}.load(Op::ldxdw, 2, 1, 8).branch(Op::jeq_imm, 2, 0, 1)
                                .movr(1, 2).load(Op::ldxdw, 0, 1, 0).load(Op::ldxdw, 1, 1, 16)
                                .exit().slots).value();
  CHECK(kind_at(p, 0) == fast);
  CHECK(kind_at(p, 3) != fast);  // one path changed r1
  // Straight line: the load that overwrites r1 still reads through the input's address.
  Program q = Program::load(Code{}.load(Op::ldxdw, 0, 1, 8).load(Op::ldxdw, 1, 1, 0)
                                .load(Op::ldxdw, 2, 1, 0).exit().slots).value();
  CHECK(kind_at(q, 0) == fast);
  CHECK(kind_at(q, 1) == fast);
  CHECK(kind_at(q, 2) != fast);
  // Same faults as the general form: a short input faults at the same address.
  Machine m;
  uint8_t input[12] = {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0};
  Outcome o = m.run(q, 0, input, Limits{});
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == FaultKind::memory);
  CHECK(o.fault->address == region_base(Region::input) + 8);
  CHECK(o.fault->pc == 0);
}

TEST_CASE("a fused mov-then-op gives the same registers as the two instructions") {
  std::mt19937_64 rng(11);
  const Op ops[] = {Op::add64_imm, Op::add64_reg, Op::sub64_imm, Op::sub64_reg, Op::mul64_imm,
                    Op::mul64_reg, Op::and64_imm, Op::and64_reg, Op::or64_imm, Op::or64_reg,
                    Op::xor64_imm, Op::xor64_reg, Op::lsh64_imm, Op::lsh64_reg, Op::rsh64_imm,
                    Op::rsh64_reg, Op::arsh64_imm, Op::arsh64_reg};
  Machine m;
  for (Op op : ops) {
    bool reg_form = info(op).form == Form::alu_reg;
    for (int trial = 0; trial < 40; ++trial) {
      uint64_t b = rng(), x = rng();
      auto imm = static_cast<int32_t>(rng());
      // r3 = r1; r3 op= (r2 | imm); r0 = r3 ^ r1 ^ r2 (all three registers observed)
      for (uint8_t other : {uint8_t{2}, uint8_t{1}}) {  // X a third register, or X == B
        auto build = [&](bool fusable) {
          Code c;
          c.lddw(1, b).lddw(2, x).movr(3, 1);
          if (!fusable) c.jump(0);
          if (reg_form) c.alur(op, 3, other);
          else c.alu(op, 3, imm);
          return c.alur(Op::xor64_reg, 3, 1).alur(Op::xor64_reg, 3, 2).movr(0, 3).exit();
        };
        Program fused = Program::load(build(true).slots).value();
        Program plain = Program::load(build(false).slots).value();
        REQUIRE(fused.code()[4].kind != plain.code()[4].kind);
        Outcome f = m.run(fused, 0, {}, Limits{});
        Outcome g = m.run(plain, 0, {}, Limits{});
        REQUIRE_MESSAGE(f.r0 == g.r0, info(op).mnemonic << " b=" << b << " x=" << x << " imm=" << imm);
      }
    }
  }
  // X == A reads the copied value: not fused, still right.
  Program p = Program::load(Code{}.mov(1, 5).movr(3, 1).alur(Op::add64_reg, 3, 3).movr(0, 3).exit().slots).value();
  CHECK(p.code()[1].kind == static_cast<uint8_t>(Op::mov64_reg));
  CHECK(m.run(p, 0, {}, Limits{}).r0 == 10);
}
