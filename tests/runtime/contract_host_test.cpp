#include "runtime/contract_host.hpp"

#include <doctest/doctest.h>

#include <string>

#include "runtime/host_abi.hpp"
#include "tests/vm/builder.hpp"
#include "vm/machine.hpp"

using namespace covenant;
using namespace covenant::runtime;
using vm::Op;
using vm::testing::Code;

namespace {

const vm::HostTable& hosts() {
  static const vm::HostTable table = contract_host_table();
  return table;
}

constexpr int32_t id(HostId h) { return static_cast<int32_t>(h); }

vm::Outcome run(const Code& c, CallContext* context) {
  auto p = vm::Program::load(c.slots, {}, {}, hosts());
  REQUIRE_MESSAGE(p.has_value(), (p.has_value() ? "" : p.error().reason));
  vm::Machine m;
  return m.run(*p, 0, {}, vm::Limits{}, context);
}

// r`reg` = r10 + offset: the address of a stack slot.
Code& addr(Code& c, uint8_t reg, int32_t offset) {
  return c.movr(reg, 10).alu(Op::add64_imm, reg, offset);
}

// state_put(state, key at r10-8 = `key`, 8, value at r10-16 = `value`, 8).
Code& put(Code& c, int32_t state, int32_t key, int32_t value) {
  c.store_imm(Op::stdw, 10, -8, key).store_imm(Op::stdw, 10, -16, value).mov(1, state);
  addr(c, 2, -8).mov(3, 8);
  addr(c, 4, -16).mov(5, 8);
  return c.call(id(HostId::state_put));
}

// state_get(state, key at r10-8 = `key`, 8, r10-24, `len`); r6 = found, r0 = the value.
Code& get(Code& c, int32_t state, int32_t key, int32_t len = 8) {
  c.store_imm(Op::stdw, 10, -8, key).store_imm(Op::stdw, 10, -24, -1).mov(1, state);
  addr(c, 2, -8).mov(3, 8);
  addr(c, 4, -24).mov(5, len);
  return c.call(id(HostId::state_get)).movr(6, 0).load(Op::ldxdw, 0, 10, -24);
}

std::vector<uint8_t> word(int64_t v) {
  std::vector<uint8_t> out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
  return out;
}

uint64_t abort_kind(const vm::Outcome& o) {
  REQUIRE(!o.ok());
  REQUIRE(o.fault->kind == vm::FaultKind::abort);
  return fault_code_kind(o.fault->code);
}

}  // namespace

TEST_CASE("the table registers every host id with its fixed gas") {
  const vm::HostTable& t = hosts();
  CHECK(t.all().size() == 13);
  for (uint32_t i = 1; i <= 13; ++i) {
    REQUIRE(t.find(i) != nullptr);
    CHECK(bool(t.find(i)->fn));
  }
  CHECK(t.find(id(HostId::fault))->gas == 10);
  CHECK(t.find(id(HostId::state_get))->gas == 200);
  CHECK(t.find(id(HostId::state_put))->gas == 300);
  CHECK(t.find(id(HostId::state_remove))->gas == 200);
  CHECK(t.find(id(HostId::state_has))->gas == 150);
  CHECK(t.find(id(HostId::expect_fail))->gas == 10);
  CHECK(t.find(id(HostId::now))->gas == 5);
  CHECK(t.find(id(HostId::state_checkpoint))->gas == 50);
  CHECK(t.find(id(HostId::state_rollback))->gas == 100);
  CHECK(t.find(id(HostId::state_next))->gas == 250);
  CHECK(t.find(id(HostId::emit))->gas == 300);
  CHECK(t.find(id(HostId::caller))->gas == 10);
  CHECK(t.find(id(HostId::sha256))->gas == 300);
  CHECK(t.find(id(HostId::state_get))->name == "state_get");
}

TEST_CASE("state_put then state_get round-trips through VM memory") {
  MemoryState state;
  CallContext context{.state = &state};
  Code c;
  put(c, 1, 42, 777);
  get(c, 1, 42);
  c.alu(Op::mul64_imm, 6, 1000000).alur(Op::add64_reg, 0, 6).exit();
  vm::Outcome o = run(c, &context);
  REQUIRE_MESSAGE(o.ok(), vm::describe(*o.fault));
  CHECK(o.r0 == 1000777);  // found, and the value copied into the buffer
  auto stored = state.get(1, word(42));
  REQUIRE(stored.has_value());
  CHECK(std::vector<uint8_t>(stored->begin(), stored->end()) == word(777));
  // The gas is the instructions' plus the two fixed host prices.
  CHECK(o.gas_used > 500);
}

TEST_CASE("state_get of a missing key returns 0 and leaves the buffer alone") {
  MemoryState state;
  state.put(2, word(42), word(5));  // same key, another state
  CallContext context{.state = &state};
  Code c;
  get(c, 1, 42);
  c.alur(Op::add64_reg, 0, 6).exit();
  vm::Outcome o = run(c, &context);
  REQUIRE(o.ok());
  CHECK(o.r0 == uint64_t(-1));  // buffer untouched (-1) + not found (0)
}

TEST_CASE("state_has, state_remove and Set members") {
  MemoryState state;
  CallContext context{.state = &state};
  Code c;
  // Set add: state_put(3, key, 8, 0, 0).
  c.store_imm(Op::stdw, 10, -8, 9).mov(1, 3);
  addr(c, 2, -8).mov(3, 8).mov(4, 0).mov(5, 0).call(id(HostId::state_put));
  c.mov(1, 3);
  addr(c, 2, -8).mov(3, 8).call(id(HostId::state_has)).movr(6, 0);       // 1
  c.mov(1, 3);
  addr(c, 2, -8).mov(3, 8).call(id(HostId::state_remove)).movr(7, 0);    // 1
  c.mov(1, 3);
  addr(c, 2, -8).mov(3, 8).call(id(HostId::state_remove)).movr(8, 0);    // 0
  c.mov(1, 3);
  addr(c, 2, -8).mov(3, 8).call(id(HostId::state_has));                  // 0
  c.alu(Op::mul64_imm, 6, 1000).alu(Op::mul64_imm, 7, 100).alu(Op::mul64_imm, 8, 10);
  c.alur(Op::add64_reg, 0, 6).alur(Op::add64_reg, 0, 7).alur(Op::add64_reg, 0, 8).exit();
  vm::Outcome o = run(c, &context);
  REQUIRE_MESSAGE(o.ok(), vm::describe(*o.fault));
  CHECK(o.r0 == 1100);
  CHECK(state.size() == 0);
}

TEST_CASE("checkpoint and rollback undo the writes in between") {
  MemoryState state;
  state.put(1, word(1), word(10));
  CallContext context{.state = &state};
  Code c;
  c.call(id(HostId::state_checkpoint)).movr(9, 0);
  put(c, 1, 1, 20);
  put(c, 1, 2, 30);
  c.movr(1, 9).call(id(HostId::state_rollback));
  get(c, 1, 1);
  c.exit();
  vm::Outcome o = run(c, &context);
  REQUIRE_MESSAGE(o.ok(), vm::describe(*o.fault));
  CHECK(o.r0 == 10);
  CHECK(state.size() == 1);
  CHECK(!state.has(1, word(2)));

  vm::Outcome bad = run(Code{}.mov(1, 99).call(id(HostId::state_rollback)).exit(), &context);
  CHECK(abort_kind(bad) == static_cast<uint64_t>(FaultKind::host_error));
  CHECK(bad.fault->message == "state_rollback to unknown checkpoint 99");
}

TEST_CASE("fault ends the call with the kind and location in the abort code") {
  Code c;
  c.mov(1, static_cast<int32_t>(FaultKind::overflow)).lddw(2, pack_loc(12, 7));
  c.call(id(HostId::fault)).mov(0, 0).exit();
  vm::Outcome o = run(c, nullptr);  // fault needs no context
  CHECK(abort_kind(o) == static_cast<uint64_t>(FaultKind::overflow));
  CHECK(fault_code_line(o.fault->code) == 12);
  CHECK(fault_code_column(o.fault->code) == 7);
  CHECK(o.fault->message == "integer overflow at line 12, column 7");

  vm::Outcome d = run(Code{}.mov(1, 2).mov(2, 0).call(id(HostId::fault)).exit(), nullptr);
  CHECK(abort_kind(d) == static_cast<uint64_t>(FaultKind::division_by_zero));
  CHECK(d.fault->message == "division by zero");
}

TEST_CASE("expect_fail captures both values and ends the call") {
  CallContext context;
  Code c;
  c.store_imm(Op::stdw, 10, -8, 5).store_imm(Op::stdw, 10, -16, 6).mov(1, 3);
  addr(c, 2, -8);
  addr(c, 3, -16).mov(4, 8).call(id(HostId::expect_fail)).exit();
  vm::Outcome o = run(c, &context);
  CHECK(abort_kind(o) == static_cast<uint64_t>(FaultKind::expect_failed));
  CHECK(o.fault->message == "expect 3 failed");
  REQUIRE(context.expect_failure.has_value());
  CHECK(context.expect_failure->index == 3);
  CHECK(context.expect_failure->lhs == word(5));
  CHECK(context.expect_failure->rhs == word(6));

  // `expect denied`: no values, null pointers.
  CallContext denied;
  vm::Outcome e = run(Code{}.mov(1, 0).mov(2, 0).mov(3, 0).mov(4, 0).call(id(HostId::expect_fail)).exit(),
                      &denied);
  CHECK(abort_kind(e) == static_cast<uint64_t>(FaultKind::expect_failed));
  REQUIRE(denied.expect_failure.has_value());
  CHECK(denied.expect_failure->index == 0);
  CHECK(denied.expect_failure->lhs.empty());
  CHECK(denied.expect_failure->rhs.empty());
}

TEST_CASE("now returns the context's day") {
  MemoryState state;
  CallContext context{.state = &state, .today = 20878};
  vm::Outcome o = run(Code{}.call(id(HostId::now)).exit(), &context);
  REQUIRE(o.ok());
  CHECK(o.r0 == 20878);
  vm::Outcome none = run(Code{}.call(id(HostId::now)).exit(), nullptr);
  CHECK(abort_kind(none) == static_cast<uint64_t>(FaultKind::host_error));
}

TEST_CASE("misuse of the interface ends the call with a host error and a reason") {
  MemoryState state;
  state.put(1, word(42), word(7));
  CallContext context{.state = &state};
  CallContext stateless;

  Code c;
  get(c, 1, 42).exit();
  vm::Outcome o = run(c, nullptr);
  CHECK(abort_kind(o) == static_cast<uint64_t>(FaultKind::host_error));
  CHECK(o.fault->message == "no state attached");
  CHECK(fault_code_line(o.fault->code) == 0);
  o = run(c, &stateless);
  CHECK(o.fault->message == "no state attached");

  Code wrong_size;
  get(wrong_size, 1, 42, 16).exit();
  o = run(wrong_size, &context);
  CHECK(abort_kind(o) == static_cast<uint64_t>(FaultKind::host_error));
  CHECK(o.fault->message == "state 1 holds a value of 8 bytes where 16 were expected");

  Code long_key;
  long_key.mov(1, 1);
  addr(long_key, 2, -8).mov(3, 497).call(id(HostId::state_has)).exit();
  o = run(long_key, &context);
  CHECK(abort_kind(o) == static_cast<uint64_t>(FaultKind::host_error));
  CHECK(o.fault->message == "state key of 497 bytes is longer than 496");

  Code long_value;
  long_value.mov(1, 1);
  addr(long_value, 2, -8).mov(3, 8);
  addr(long_value, 4, -16).mov(5, 5000).call(id(HostId::state_put)).exit();
  o = run(long_value, &context);
  CHECK(o.fault->message == "state value of 5000 bytes is longer than 4096");

  Code big_id;
  big_id.lddw(1, uint64_t{1} << 32);
  addr(big_id, 2, -8).mov(3, 8).call(id(HostId::state_has)).exit();
  o = run(big_id, &context);
  CHECK(o.fault->message == "state id 4294967296 is out of range");
}

TEST_CASE("a pointer that does not translate is the VM's memory fault") {
  MemoryState state;
  CallContext context{.state = &state};
  // Key at address 0 (never mapped).
  vm::Outcome o = run(Code{}.mov(1, 1).mov(2, 0).mov(3, 8).call(id(HostId::state_has)).exit(), &context);
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == vm::FaultKind::memory);
  CHECK(o.fault->address == 0);

  // state_get into the input region, which is never writable.
  state.put(1, word(42), word(7));
  Code c;
  c.store_imm(Op::stdw, 10, -8, 42).mov(1, 1);
  addr(c, 2, -8).mov(3, 8).lddw(4, vm::region_base(vm::Region::input)).mov(5, 8);
  c.call(id(HostId::state_get)).exit();
  o = run(c, &context);
  REQUIRE(!o.ok());
  CHECK(o.fault->kind == vm::FaultKind::memory);
  CHECK(o.fault->access == vm::Access::write);
  CHECK(state.undo_size() == 1);  // nothing written by the failed call
}

namespace {

// state_next(state 1, key at r10-8, 8, out r10-32, from_start); r0 = found, r7 = the key.
Code& next(Code& c, bool from_start) {
  c.mov(1, 1);
  addr(c, 2, -8).mov(3, 8);
  addr(c, 4, -32).mov(5, from_start ? 1 : 0);
  return c.call(id(HostId::state_next)).load(Op::ldxdw, 7, 10, -32);
}

}  // namespace

TEST_CASE("state_next walks one state's keys in byte order, never another state's") {
  MemoryState state;
  state.put(1, word(9), word(0));
  state.put(1, word(3), word(0));
  state.put(1, word(5), word(0));
  state.put(2, word(4), word(0));
  CallContext context{.state = &state};
  auto key_after = [&](std::optional<int32_t> after) {
    Code c;
    if (after) c.store_imm(Op::stdw, 10, -8, *after);
    next(c, !after.has_value());
    c.alu(Op::lsh64_imm, 0, 32).alur(Op::or64_reg, 0, 7).exit();  // found << 32 | key
    vm::Outcome o = run(c, &context);
    REQUIRE(o.ok());
    return o.r0;
  };
  CHECK(key_after(std::nullopt) == ((uint64_t{1} << 32) | 3));
  CHECK(key_after(3) == ((uint64_t{1} << 32) | 5));
  CHECK(key_after(5) == ((uint64_t{1} << 32) | 9));
  CHECK((key_after(9) >> 32) == 0);  // the last key of state 1; state 2's key is not seen
  CHECK(key_after(4) == ((uint64_t{1} << 32) | 5));  // an absent key still has a successor
}

TEST_CASE("emit records events in order, up to the call's limit") {
  MemoryState state;
  CallContext context{.state = &state};
  Code c;
  c.store_imm(Op::stdw, 10, -8, 42).mov(1, 7);
  addr(c, 2, -8).mov(3, 8).call(id(HostId::emit));
  c.mov(1, 2);
  addr(c, 2, -8).mov(3, 0).call(id(HostId::emit)).exit();
  REQUIRE(run(c, &context).ok());
  REQUIRE(context.events.size() == 2);
  CHECK(context.events[0] == Event{7, word(42)});
  CHECK(context.events[1] == Event{2, {}});
  CHECK(encode_event(context.events[0]) ==
        std::vector<uint8_t>{7, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0});

  context.events.clear();
  context.event_limit = 1;
  vm::Outcome o = run(c, &context);
  CHECK(abort_kind(o) == static_cast<uint64_t>(FaultKind::host_error));
  CHECK(o.fault->message == "more than 1 events in one call");

  Code big;
  big.mov(1, 1);
  addr(big, 2, -8).mov(3, static_cast<int32_t>(kMaxEventData + 1)).call(id(HostId::emit)).exit();
  context.events.clear();
  context.event_limit = kMaxEvents;
  o = run(big, &context);
  CHECK(abort_kind(o) == static_cast<uint64_t>(FaultKind::host_error));
}

TEST_CASE("caller writes the signer's key and sha256 hashes a value's bytes") {
  MemoryState state;
  CallContext context{.state = &state};
  for (size_t i = 0; i < context.caller.size(); ++i) context.caller[i] = static_cast<uint8_t>(i + 1);
  Code c;
  addr(c, 1, -32).call(id(HostId::caller)).load(Op::ldxdw, 0, 10, -32).exit();
  vm::Outcome o = run(c, &context);
  REQUIRE(o.ok());
  CHECK(o.r0 == 0x0807060504030201u);

  // SHA-256 of the 8 bytes of the word 42: ed049108bc18f2c6...
  Code h;
  h.store_imm(Op::stdw, 10, -8, 42);
  addr(h, 1, -8).mov(2, 8);
  addr(h, 3, -40).call(id(HostId::sha256)).load(Op::ldxdw, 0, 10, -40).exit();
  o = run(h, &context);
  REQUIRE(o.ok());
  CHECK(o.r0 == 0xc6f218bc089104edu);

  Code too_long;
  addr(too_long, 1, -8).mov(2, static_cast<int32_t>(kMaxHashInput + 1));
  addr(too_long, 3, -40).call(id(HostId::sha256)).exit();
  CHECK(abort_kind(run(too_long, &context)) == static_cast<uint64_t>(FaultKind::host_error));
}
