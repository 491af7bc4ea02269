// libFuzzer target over the whole VM pipeline: module decoder, verifier, loader, interpreter.
//
// Each input is used twice:
//  1. as a `.cvm` module: decode it; if that succeeds, re-encoding must give the same bytes
//     (the format is canonical); load it and run every entry.
//  2. as raw code: the first 16 bytes choose limits, input and rodata, the rest (cut to a
//     multiple of 8) are instruction slots; load them with entry 0 and run every function.
//
// Every run is checked for invariants that must hold for any program, and a violation
// traps (so libFuzzer saves the input):
//  - gas used never exceeds the limit; rerunning with exactly the gas used gives the same
//    outcome, and one gas less runs out of gas;
//  - a memory fault reports an address and size that really lie outside their region (or a
//    store into a read-only one), re-checked here with the address-space rules;
//  - the same call gives identical outcomes and output three times: on the machine that
//    just ran other calls, again on it, and on a fresh machine (determinism, and that no
//    state leaks from one call to the next);
//  - the output block is never larger than requested;
//  - a call with valid limits on verified code never fails as a bad call;
//  - division by a constant done as a multiply (`Divisor`) equals plain division.
// ASan and UBSan catch any access the interpreter makes outside its buffers.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <vector>

#include "vm/machine.hpp"
#include "vm/module.hpp"

namespace covenant::vm {
namespace {

#define FUZZ_CHECK(cond)                                                                          \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "vm_fuzz: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      __builtin_trap();                                                                           \
    }                                                                                             \
  } while (0)

constexpr uint64_t kGas = 10'000;
constexpr size_t kConfigBytes = 16;
constexpr size_t kMaxRunsPerProgram = 8;   // entries / function starts run per input
constexpr uint32_t kModuleBlockCap = 256;  // cap on param/result blocks taken from a module

const HostTable& hosts() {
  static const HostTable table = test_host_table();
  return table;
}

struct Call {
  uint32_t entry = 0;
  std::vector<uint8_t> input;
  Limits limits;
};

bool limits_valid(const Limits& l) {
  return l.max_call_depth >= 1 && l.max_call_depth <= 64 && l.frame_size >= 64 &&
         l.frame_size <= 65536 && l.frame_size % 8 == 0;
}

// The address-space rules of vm/memory.hpp, restated from the limits of the call rather than
// read back from the machine, so that a machine mapping the wrong sizes is caught too.
bool accessible(const Program& program, const Call& call, uint64_t addr, uint64_t size,
                Access access) {
  uint64_t region = addr >> kRegionShift, offset = addr & 0xffffffffu;
  uint64_t region_size = 0;
  bool writable = true;
  switch (region) {
    case uint64_t(Region::rodata):
      region_size = program.rodata().size();
      writable = false;
      break;
    case uint64_t(Region::input):
      region_size = call.input.size();
      writable = call.limits.writable_input;
      break;
    case uint64_t(Region::stack):
      region_size = uint64_t{call.limits.max_call_depth} * call.limits.frame_size;
      break;
    case uint64_t(Region::heap):
      region_size = call.limits.heap_size;
      break;
    case uint64_t(Region::output):
      region_size = call.limits.output_size;
      break;
    default:
      return false;  // region none, or no region at all
  }
  if (offset + size > region_size) return false;
  return access == Access::read || writable;
}

bool same(const Outcome& a, const Outcome& b) {
  if (a.r0 != b.r0 || a.gas_used != b.gas_used || a.fault.has_value() != b.fault.has_value())
    return false;
  if (!a.fault) return true;
  const Fault &f = *a.fault, &g = *b.fault;
  return f.kind == g.kind && f.pc == g.pc && f.address == g.address && f.size == g.size &&
         f.access == g.access && f.needed == g.needed && f.code == g.code && f.message == g.message;
}

// Invariants of one outcome, whatever the program.
void check_outcome(const Program& program, const Call& call, const Outcome& out,
                   std::span<const uint8_t> output) {
  FUZZ_CHECK(out.gas_used <= call.limits.gas);
  FUZZ_CHECK(output.size() <= call.limits.output_size);
  if (!out.fault) return;
  const Fault& f = *out.fault;
  bool callable = limits_valid(call.limits) && call.entry < program.size() &&
                  program.is_function_start(call.entry) &&
                  call.limits.frame_size >= program.static_frame_need();
  if (!callable) {
    FUZZ_CHECK(f.kind == FaultKind::bad_call);
    FUZZ_CHECK(out.gas_used == 0);
    return;
  }
  FUZZ_CHECK(f.kind != FaultKind::bad_call);
  FUZZ_CHECK(f.pc < program.size());
  if (f.kind == FaultKind::memory)
    FUZZ_CHECK(!accessible(program, call, f.address, f.size, f.access));
  if (f.kind == FaultKind::out_of_gas) FUZZ_CHECK(out.gas_used <= call.limits.gas);
  if (f.kind == FaultKind::call_depth) FUZZ_CHECK(f.needed == call.limits.max_call_depth);
}

// Runs `call` on `reused` (which has run other calls before), again on it, and on a fresh
// machine; all three must agree and satisfy the invariants.
void run_checked(const Program& program, const Call& call, Machine& reused) {
  Outcome a = reused.run(program, call.entry, call.input, call.limits);
  std::vector<uint8_t> out_a(reused.output().begin(), reused.output().end());
  check_outcome(program, call, a, out_a);

  Outcome b = reused.run(program, call.entry, call.input, call.limits);
  FUZZ_CHECK(same(a, b));
  FUZZ_CHECK(std::ranges::equal(out_a, reused.output()));

  Machine fresh;
  Outcome c = fresh.run(program, call.entry, call.input, call.limits);
  FUZZ_CHECK(same(a, c));
  FUZZ_CHECK(std::ranges::equal(out_a, fresh.output()));

  // Gas is charged in the same steps whatever the limit, so exactly the gas used suffices
  // and one less does not.
  if (a.ok() && a.gas_used > 0) {
    Call exact = call;
    exact.limits.gas = a.gas_used;
    Outcome d = fresh.run(program, call.entry, call.input, exact.limits);
    FUZZ_CHECK(same(a, d));
    FUZZ_CHECK(std::ranges::equal(out_a, fresh.output()));
    exact.limits.gas = a.gas_used - 1;
    Outcome e = fresh.run(program, call.entry, call.input, exact.limits);
    check_outcome(program, exact, e, fresh.output());
    FUZZ_CHECK(e.fault && e.fault->kind == FaultKind::out_of_gas);
  }
}

std::vector<uint8_t> pattern(size_t n, std::span<const uint8_t> seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = seed.empty() ? static_cast<uint8_t>(i * 31 + 7)
                        : static_cast<uint8_t>(seed[i % seed.size()] + i / seed.size());
  return v;
}

// Input as a module: decode, check canonical form, load, run every entry.
void fuzz_module(std::span<const uint8_t> data) {
  auto module = decode(data);
  if (!module) {
    FUZZ_CHECK(module.error().offset <= data.size());
    FUZZ_CHECK(!module.error().reason.empty());
    return;
  }
  FUZZ_CHECK(std::ranges::equal(encode(*module), data));
  FUZZ_CHECK(module->entries.size() >= 1);
  for (const Entry& e : module->entries) {
    FUZZ_CHECK(e.slot < module->code.size());
    FUZZ_CHECK(module->find_entry(e.name) == &e);
  }
  for (const SourceLoc& row : module->source_map)
    FUZZ_CHECK(module->locate(row.pc) == &row);

  auto program = load_module(*module, hosts());
  if (!program) {
    FUZZ_CHECK(program.error().pc <= module->code.size());
    return;
  }
  Machine machine;
  size_t runs = 0;
  for (const Entry& e : module->entries) {
    if (runs++ == kMaxRunsPerProgram) break;
    FUZZ_CHECK(program->is_function_start(e.slot));
    Call call;
    call.entry = e.slot;
    call.input = pattern(std::min(e.param_size, kModuleBlockCap), {});
    call.limits.gas = kGas;
    call.limits.output_size = std::min(e.result_size, kModuleBlockCap);
    call.limits.heap_size = 256;
    run_checked(*program, call, machine);
  }
}

// Input as raw code behind a 16-byte configuration:
//   byte 0   bits 0-1 output size {0, 8, 64, 256}; bits 2-3 heap size {0, 16, 256, 4096};
//            bit 4 writable input; bits 5-7 max call depth - 1
//   byte 1   bits 0-1 frame size {64, 128, 256, 512}; bit 7 make the limits invalid
//   byte 2   input length (mod 65)
//   byte 3   gas limit: 0 means 10'000, else 40 per unit
//   byte 4   rodata length (mod 33)
//   bytes 8-15 pattern the input and rodata are made from
void fuzz_raw(std::span<const uint8_t> data) {
  if (data.size() < kConfigBytes) return;
  auto cfg = data.first(kConfigBytes);
  auto seed = cfg.subspan(8, 8);
  auto code = data.subspan(kConfigBytes);
  code = code.first(code.size() - code.size() % kSlotSize);

  std::vector<uint8_t> rodata = pattern(cfg[4] % 33, seed);
  std::vector<uint32_t> entries = {0};
  auto program = Program::load_bytes(code, rodata, entries, hosts());

  // Loading from bytes and from decoded slots must agree.
  std::vector<RawInsn> slots(code.size() / kSlotSize);
  for (size_t i = 0; i < slots.size(); ++i)
    slots[i] = RawInsn::decode(&code[i * kSlotSize]);
  auto again = Program::load(slots, rodata, entries, hosts());
  FUZZ_CHECK(program.has_value() == again.has_value());
  if (!program) {
    FUZZ_CHECK(program.error().pc == again.error().pc);
    FUZZ_CHECK(program.error().reason == again.error().reason);
    FUZZ_CHECK(!program.error().reason.empty());
    return;
  }
  FUZZ_CHECK(program->size() == slots.size());
  FUZZ_CHECK(program->is_function_start(0));
  FUZZ_CHECK(std::ranges::is_sorted(program->function_starts()));

  static constexpr uint32_t kOutput[] = {0, 8, 64, 256}, kHeap[] = {0, 16, 256, 4096},
                            kFrame[] = {64, 128, 256, 512};
  Call call;
  call.input = pattern(cfg[2] % 65, seed);
  call.limits.gas = cfg[3] == 0 ? kGas : uint64_t{cfg[3]} * 40;
  call.limits.output_size = kOutput[cfg[0] & 3];
  call.limits.heap_size = kHeap[(cfg[0] >> 2) & 3];
  call.limits.writable_input = (cfg[0] >> 4) & 1;
  call.limits.max_call_depth = ((cfg[0] >> 5) & 7) + 1u;
  call.limits.frame_size = kFrame[cfg[1] & 3];
  if (cfg[1] & 0x80) {
    // One of the ways a call can be refused before it starts.
    switch ((cfg[1] >> 2) & 3) {
      case 0:
        call.limits.max_call_depth = 0;
        break;
      case 1:
        call.limits.max_call_depth = 65;
        break;
      case 2:
        call.limits.frame_size = 60;
        break;
      default:
        call.limits.frame_size = 100;
        break;
    }
  }

  Machine machine;
  size_t runs = 0;
  for (uint32_t start : program->function_starts()) {
    if (runs++ == kMaxRunsPerProgram) break;
    call.entry = start;
    run_checked(*program, call, machine);
  }
  // A slot that is not a function start is refused.
  call.entry = static_cast<uint32_t>(program->size());
  run_checked(*program, call, machine);
}

// The loader turns unsigned division and modulo by a constant into a multiply
// (`Divisor`); it must agree with plain division for every dividend and divisor. The first
// 16 bytes of the input are read as a dividend and a divisor, in 64 and in 32 bits.
void fuzz_divisor(std::span<const uint8_t> data) {
  if (data.size() < 16) return;
  uint64_t n = 0, d = 0;
  for (size_t i = 0; i < 8; ++i) {
    n |= uint64_t{data[i]} << (8 * i);
    d |= uint64_t{data[8 + i]} << (8 * i);
  }
  if (d != 0) FUZZ_CHECK(Divisor::of(d).divide(n) == n / d);
  uint64_t n32 = static_cast<uint32_t>(n), d32 = static_cast<uint32_t>(d);
  if (d32 != 0) FUZZ_CHECK(Divisor::of(d32).divide(n32) == n32 / d32);
}

}  // namespace
}  // namespace covenant::vm

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  covenant::vm::fuzz_module(bytes);
  covenant::vm::fuzz_raw(bytes);
  covenant::vm::fuzz_divisor(bytes);
  return 0;
}
