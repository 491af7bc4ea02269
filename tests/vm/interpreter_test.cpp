#include <doctest/doctest.h>

#include <cstring>

#include "tests/vm/builder.hpp"
#include "vm/machine.hpp"

using namespace covenant::vm;
using covenant::vm::testing::Code;

namespace {

Program load(const Code& c) {
  auto p = Program::load(c.slots);
  REQUIRE_MESSAGE(p.has_value(), (p.has_value() ? "" : p.error().reason));
  return std::move(p).value();
}

Outcome run(const Code& c, std::span<const uint8_t> input = {}, Limits limits = {}) {
  Program p = load(c);
  Machine m;
  return m.run(p, 0, input, limits);
}

uint64_t r0_of(const Code& c) {
  Outcome o = run(c);
  REQUIRE_MESSAGE(o.ok(), describe(*o.fault));
  return o.r0;
}

}  // namespace

TEST_CASE("straight-line code pays for its run once") {
  Outcome o = run(Code{}.mov(0, 7).exit());
  CHECK(o.ok());
  CHECK(o.r0 == 7);
  CHECK(o.gas_used == 3);  // mov (1) + exit (2)
}

TEST_CASE("a loop pays for each run it enters") {
  // r0 = 10 + 9 + ... + 1
  Code c = Code{}.mov(0, 0).mov(1, 10)
               .alur(Op::add64_reg, 0, 1).alu(Op::sub64_imm, 1, 1).branch(Op::jne_imm, 1, 0, -3)
               .exit();
  Outcome o = run(c);
  REQUIRE(o.ok());
  CHECK(o.r0 == 55);
  CHECK(o.gas_used == 5 + 9 * 3 + 2);
}

TEST_CASE("an endless loop stops with out of gas, never past its limit") {
  Limits limits;
  limits.gas = 1000;
  Outcome o = run(Code{}.mov(0, 0).alu(Op::add64_imm, 0, 1).jump(-2).exit(), {}, limits);
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == FaultKind::out_of_gas);
  CHECK(o.gas_used == 1000);
  CHECK(describe(*o.fault).find("out of gas") != std::string::npos);
}

TEST_CASE("division and modulo by zero follow RFC 9669") {
  CHECK(r0_of(Code{}.mov(0, 9).mov(1, 0).alur(Op::div64_reg, 0, 1).exit()) == 0);
  CHECK(r0_of(Code{}.mov(0, 9).mov(1, 0).alur(Op::mod64_reg, 0, 1).exit()) == 9);
  CHECK(r0_of(Code{}.mov(0, -9).mov(1, 0).alur(Op::mod32_reg, 0, 1).exit()) == 0xfffffff7u);
  CHECK(r0_of(Code{}.mov(0, -9).mov(1, 0).alur(Op::smod64_reg, 0, 1).exit()) == uint64_t(-9));
  CHECK(r0_of(Code{}.lddw(0, 0x8000000000000000ull).mov(1, -1).alur(Op::sdiv64_reg, 0, 1).exit()) ==
        0x8000000000000000ull);
  CHECK(r0_of(Code{}.lddw(0, 0x8000000000000000ull).mov(1, -1).alur(Op::smod64_reg, 0, 1).exit()) == 0);
  CHECK(r0_of(Code{}.mov(0, -7).alu(Op::sdiv64_imm, 0, 2).exit()) == uint64_t(-3));
  CHECK(r0_of(Code{}.mov(0, -7).alu(Op::smod64_imm, 0, 2).exit()) == uint64_t(-1));
}

TEST_CASE("32-bit results are zero-extended and shifts are masked") {
  CHECK(r0_of(Code{}.mov(0, -1).alu(Op::add32_imm, 0, 0).exit()) == 0xffffffffu);
  CHECK(r0_of(Code{}.mov(0, 1).alu(Op::lsh64_imm, 0, 65).exit()) == 2);
  CHECK(r0_of(Code{}.mov(0, 1).alu(Op::lsh32_imm, 0, 33).exit()) == 2);
  CHECK(r0_of(Code{}.mov(0, -16).alu(Op::arsh32_imm, 0, 2).exit()) == 0xfffffffcu);
  CHECK(r0_of(Code{}.mov(0, 0x80).op(Op::movsx8_64, 0, 0).exit()) == uint64_t(-128));
  CHECK(r0_of(Code{}.mov(0, 0x80).op(Op::movsx8_32, 0, 0).exit()) == 0xffffff80u);
  CHECK(r0_of(Code{}.lddw(0, 0x1122334455667788ull).op(Op::be16, 0).exit()) == 0x8877);
  CHECK(r0_of(Code{}.lddw(0, 0x1122334455667788ull).op(Op::le32, 0).exit()) == 0x55667788);
}

TEST_CASE("the frame is zero at entry and scrubbed between calls") {
  // Read a frame slot, then dirty it; the second call must read zero again.
  Code c = Code{}.load(Op::ldxdw, 0, 10, -8).store_imm(Op::stdw, 10, -8, 42)
               .movr(1, 10).alu(Op::add64_imm, 1, -300).store_imm(Op::stdw, 1, 0, 7).exit();
  Program p = load(c);
  Machine m;
  for (int i = 0; i < 2; ++i) {
    Outcome o = m.run(p, 0, {}, Limits{});
    REQUIRE(o.ok());
    CHECK(o.r0 == 0);
  }
  c = Code{}.movr(1, 10).alu(Op::add64_imm, 1, -300).load(Op::ldxdw, 0, 1, 0).exit();
  Program q = load(c);
  Outcome o = m.run(q, 0, {}, Limits{});
  REQUIRE(o.ok());
  CHECK(o.r0 == 0);
}

TEST_CASE("memory faults name the address, size and kind of access") {
  Outcome o = run(Code{}.lddw(1, 0x0000000700000010ull).store_imm(Op::stdw, 1, 0, 1).exit());
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == FaultKind::memory);
  CHECK(o.fault->address == 0x0000000700000010ull);
  CHECK(o.fault->size == 8);
  CHECK(o.fault->access == Access::write);
  CHECK(o.fault->pc == 2);
  CHECK(describe(*o.fault).find("0x0000000700000010") != std::string::npos);

  // The input is read-only unless the call says otherwise; reading past it faults.
  uint8_t input[4] = {1, 2, 3, 4};
  o = run(Code{}.store_imm(Op::stb, 1, 0, 9).exit(), input);
  REQUIRE(!o.ok());
  CHECK(o.fault->access == Access::write);
  o = run(Code{}.load(Op::ldxw, 0, 1, 1).exit(), input);
  REQUIRE(!o.ok());
  CHECK(o.fault->address == region_base(Region::input) + 1);
  CHECK(run(Code{}.load(Op::ldxw, 0, 1, 0).exit(), input).r0 == 0x04030201);
  // Null is never mapped.
  o = run(Code{}.mov(1, 0).load(Op::ldxb, 0, 1, 0).exit());
  CHECK(o.fault->kind == FaultKind::memory);
}

TEST_CASE("local calls preserve r6-r9 and move the frame") {
  // main: r6 = 6; call f; r0 = r0 + r6; exit      f: r6 = 100; r0 = r10; exit
  Code c = Code{}.mov(6, 6).call_local(2).alur(Op::add64_reg, 0, 6).exit()
               .mov(6, 100).movr(0, 10).exit();
  Outcome o = run(c);
  REQUIRE(o.ok());
  Limits l;
  CHECK(o.r0 == region_base(Region::stack) + (l.max_call_depth - 1) * l.frame_size + 6);
}

TEST_CASE("recursion deeper than the limit faults with call depth") {
  Code c = Code{}.call_local(-1).exit();
  Limits limits;
  limits.max_call_depth = 4;
  Outcome o = run(c, {}, limits);
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == FaultKind::call_depth);
  CHECK(describe(*o.fault).find("call depth") != std::string::npos);
}

TEST_CASE("host calls: abort, dynamic charges, memory through the host") {
  Outcome o = run(Code{}.mov(1, 77).call(1).exit());
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == FaultKind::abort);
  CHECK(o.fault->code == 77);

  // memset 64 bytes of the frame to 0xab, then read one back; pays 64/8 gas extra.
  Code c = Code{}.movr(1, 10).alu(Op::add64_imm, 1, -64).mov(2, 0xab).mov(3, 64).call(3)
               .load(Op::ldxb, 0, 10, -1).exit();
  o = run(c);
  REQUIRE(o.ok());
  CHECK(o.r0 == 0xab);
  CHECK(o.gas_used == 4 * 1 + 10 + 2 /*memset's fixed gas*/ + 2 + 2 + 8);

  // A host asked to write outside memory faults with the host's address.
  o = run(Code{}.mov(1, 0).mov(2, 0).mov(3, 8).call(3).exit());
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == FaultKind::memory);
}

TEST_CASE("invalid calls are refused before anything runs") {
  Program p = load(Code{}.mov(0, 1).exit());
  Machine m;
  CHECK(m.run(p, 1, {}, Limits{}).fault->kind == FaultKind::bad_call);
  Limits l;
  l.max_call_depth = 0;
  CHECK(m.run(p, 0, {}, l).fault->kind == FaultKind::bad_call);
  Program q = load(Code{}.load(Op::ldxdw, 0, 10, -256).exit());
  l = Limits{};
  l.frame_size = 128;
  CHECK(q.static_frame_need() == 256);
  CHECK(m.run(q, 0, {}, l).fault->kind == FaultKind::bad_call);
}

TEST_CASE("output and heap blocks are mapped, zeroed and writable") {
  Limits l;
  l.output_size = 16;
  l.heap_size = 32;
  Code c = Code{}.store_imm(Op::stdw, 3, 8, 5).lddw(1, region_base(Region::heap))
               .load(Op::ldxdw, 0, 1, 24).store_imm(Op::stdw, 1, 24, 9).exit();
  Program p = load(c);
  Machine m;
  for (int i = 0; i < 2; ++i) {
    Outcome o = m.run(p, 0, {}, l);
    REQUIRE(o.ok());
    CHECK(o.r0 == 0);
    REQUIRE(m.output().size() == 16);
    uint64_t v;
    std::memcpy(&v, m.output().data() + 8, 8);
    CHECK(v == 5);
  }
}

TEST_CASE("a reused machine starts every call with a zero output block") {
  // Writes 7 to the output only when the first input byte is non-zero.
  Code c = Code{}.load(Op::ldxb, 2, 1, 0).branch(Op::jeq_imm, 2, 0, 1)
               .store_imm(Op::stdw, 3, 0, 7).load(Op::ldxdw, 0, 3, 0).exit();
  Program p = load(c);
  Machine m;
  Limits l;
  l.output_size = 8;
  uint8_t yes[1] = {1}, no[1] = {0};
  CHECK(m.run(p, 0, yes, l).r0 == 7);
  CHECK(m.run(p, 0, no, l).r0 == 0);
  CHECK(m.output()[0] == 0);
}

TEST_CASE("a host asking for an enormous range can neither wrap the bounds check nor the gas") {
  // memset(r10 - 8, 0, 2^64 - 1): the charge alone exceeds any limit.
  Outcome o = run(Code{}.movr(1, 10).alu(Op::add64_imm, 1, -8).mov(2, 0).mov(3, -1).call(3).exit());
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == FaultKind::out_of_gas);
  AddressSpace space;
  uint8_t byte = 0;
  space.regions[size_t(Region::heap)] = {&byte, 1, true};
  CHECK(space.translate(region_base(Region::heap) + 1, ~0ull, Access::read) == nullptr);
  CHECK(space.translate(region_base(Region::heap), ~0ull, Access::read) == nullptr);
  CHECK(space.translate(region_base(Region::heap), 1, Access::write) == &byte);
}

TEST_CASE("running out of gas inside a host function consumes the whole limit") {
  // memset 64 bytes costs 8 gas more than the run: give it one gas short.
  Code c = Code{}.movr(1, 10).alu(Op::add64_imm, 1, -64).mov(2, 1).mov(3, 64).call(3).exit();
  Outcome full = run(c);
  REQUIRE(full.ok());
  Limits l;
  l.gas = full.gas_used - 1;
  Outcome o = run(c, {}, l);
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == FaultKind::out_of_gas);
  CHECK(o.fault->pc == 4);
  CHECK(o.gas_used == l.gas);
}

TEST_CASE("a host function costing more than 2^32 gas per call is refused at load") {
  HostTable hosts = test_host_table();
  hosts.add(9, {"expensive", uint64_t{1} << 40, test_host_table().find(2)->fn});
  auto p = Program::load(Code{}.call(9).exit().slots, {}, {}, hosts);
  REQUIRE(!p.has_value());
  CHECK(p.error().reason.find("2^32") != std::string::npos);
}

TEST_CASE("a host id declared without an implementation faults with unknown_host") {
  HostTable hosts = test_host_table();
  hosts.add(40, {"state_get", 5, nullptr});
  Program p = Program::load(Code{}.mov(1, 1).call(40).exit().slots, {}, {}, hosts).value();
  Machine m;
  Outcome o = m.run(p, 0, {}, Limits{});
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == FaultKind::unknown_host);
  CHECK(o.fault->pc == 1);
  CHECK(describe(*o.fault).find("state_get") != std::string::npos);
}
