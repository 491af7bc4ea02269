// The interpreter: token-threaded dispatch over pre-decoded instructions. Semantics follow
// RFC 9669 §4 exactly; the table's one-line semantics (opcodes.cpp) say the same in brief.
//
// Gas: each decoded slot carries the gas of the straight-line run that starts there. It is
// charged whenever control arrives other than by falling through a non-branching
// instruction: at the entry, at a jump target, after a conditional branch either way, at a
// callee's first slot and at the return point. A fault inside a run has already paid for
// the whole run.

#include <bit>
#include <cstring>
#include <utility>

#include "vm/machine.hpp"

namespace covenant::vm {

static_assert(std::endian::native == std::endian::little,
              "loads and stores assume a little-endian host (eBPF bpfel semantics)");

namespace {

constexpr uint32_t kMaxDepth = 64;
constexpr uint32_t kMaxHeap = 256u << 20;
constexpr uint32_t kMaxOutput = 64u << 20;

struct Frame {
  uint32_t return_pc;
  uint64_t saved[4];  // r6..r9, callee-saved across local calls (RFC 9669 §4.3.1)
};

template <class T>
inline T load_as(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T>
inline void store_as(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

inline uint64_t u32(uint64_t v) { return static_cast<uint32_t>(v); }
inline int32_t s32(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }
inline uint64_t sext(int32_t imm) { return static_cast<uint64_t>(static_cast<int64_t>(imm)); }

inline uint64_t sdiv64(uint64_t a, uint64_t b) {
  auto x = static_cast<int64_t>(a), y = static_cast<int64_t>(b);
  if (y == 0) return 0;
  if (y == -1) return 0 - a;  // INT64_MIN / -1 wraps to INT64_MIN
  return static_cast<uint64_t>(x / y);
}
inline uint64_t smod64(uint64_t a, uint64_t b) {
  auto x = static_cast<int64_t>(a), y = static_cast<int64_t>(b);
  if (y == 0) return a;
  if (y == -1) return 0;
  return static_cast<uint64_t>(x % y);
}
inline uint64_t sdiv32(uint64_t a, uint64_t b) {
  int32_t x = s32(a), y = s32(b);
  if (y == 0) return 0;
  if (y == -1) return u32(0 - u32(a));
  return static_cast<uint32_t>(x / y);
}
inline uint64_t smod32(uint64_t a, uint64_t b) {
  int32_t x = s32(a), y = s32(b);
  if (y == 0) return u32(a);
  if (y == -1) return 0;
  return static_cast<uint32_t>(x % y);
}

/// Runs one host function. Out of line on purpose: its `HostCall` owns a std::string, and
/// the interpreter's indirect gotos may not leave the scope of an object with a destructor.
/// Returns false after recording the host's fault in `out`.
[[gnu::noinline]] bool call_host(const HostFunction& fn, const AddressSpace& space,
                                 WriteMarks& marks, uint64_t& gas, void* context, uint32_t pc,
                                 const uint64_t (&args)[5], uint64_t& result, Outcome& out) {
  if (fn.fn == nullptr) {
    out.fault = Fault{.kind = FaultKind::unknown_host, .pc = pc, .message = fn.name};
    return false;
  }
  HostCall call(space, marks, gas, context, pc);
  std::memcpy(call.args, args, sizeof call.args);
  result = fn.fn(call);
  if (!call.fault()) return true;
  out.fault = std::move(call.fault());
  return false;
}

}  // namespace

void Machine::prepare(const Program& program, std::span<const uint8_t> input,
                      const Limits& limits) {
  size_t stack_bytes = size_t{limits.max_call_depth} * limits.frame_size;
  // Every buffer is all-zero between calls (scrub restores that), so growing is enough.
  if (stack_.size() < stack_bytes) stack_.assign(stack_bytes, 0);
  if (heap_.size() < limits.heap_size) heap_.assign(limits.heap_size, 0);
  if (output_.size() < limits.output_size) output_.resize(limits.output_size);
  // The output is read after the call, so it is cleared before the next one, not after.
  if (limits.output_size > 0) std::memset(output_.data(), 0, limits.output_size);
  // Read-only input is mapped where the caller keeps it (no program can change it); only a
  // writable input is copied, so the caller's bytes stay as they were.
  input_host_ = const_cast<uint8_t*>(input.data());
  if (limits.writable_input) {
    if (input_.size() < input.size()) input_.resize(input.size());
    if (!input.empty()) std::memcpy(input_.data(), input.data(), input.size());
    input_host_ = input_.data();
  }
  input_size_ = static_cast<uint32_t>(input.size());
  output_size_ = limits.output_size;

  auto& r = space_.regions;
  r[size_t(Region::rodata)] = {const_cast<uint8_t*>(program.rodata().data()),
                               static_cast<uint32_t>(program.rodata().size()), false};
  r[size_t(Region::input)] = {input_host_, input_size_, limits.writable_input};
  r[size_t(Region::stack)] = {stack_.data(), static_cast<uint32_t>(stack_bytes), true};
  r[size_t(Region::heap)] = {heap_.data(), limits.heap_size, true};
  r[size_t(Region::output)] = {output_.data(), output_size_, true};
}

void Machine::scrub() {
  const RegionMap& stack = space_.regions[size_t(Region::stack)];
  if (stack_low_ < stack.size) std::memset(stack.host + stack_low_, 0, stack.size - stack_low_);
  const RegionMap& heap = space_.regions[size_t(Region::heap)];
  if (heap_high_ > 0) std::memset(heap.host, 0, heap_high_);
}

Outcome Machine::run(const Program& program, uint32_t entry, std::span<const uint8_t> input,
                     const Limits& limits, void* host_context) {
  Outcome out;
  output_size_ = 0;  // a refused call has no output
  auto refuse = [&](std::string why) {
    out.fault = Fault{.kind = FaultKind::bad_call, .pc = entry, .message = std::move(why)};
    return out;
  };
  if (!program.is_function_start(entry))
    return refuse("slot " + std::to_string(entry) + " is not the start of a function");
  if (limits.max_call_depth < 1 || limits.max_call_depth > kMaxDepth)
    return refuse("call depth limit must be 1..64");
  if (limits.frame_size < 64 || limits.frame_size > 65536 || limits.frame_size % 8 != 0)
    return refuse("frame size must be a multiple of 8 in 64..65536");
  if (limits.frame_size < program.static_frame_need())
    return refuse("frame size " + std::to_string(limits.frame_size) + " is smaller than the " +
                  std::to_string(program.static_frame_need()) +
                  " bytes the code addresses below r10");
  if (input.size() > UINT32_MAX) return refuse("input larger than 4 GiB");
  if (limits.heap_size > kMaxHeap) return refuse("heap larger than 256 MiB");
  if (limits.output_size > kMaxOutput) return refuse("output larger than 64 MiB");

  prepare(program, input, limits);
  execute(&program, entry, limits, host_context, out);
  scrub();
  return out;
}

// Token-threaded dispatch: every handler ends with its own indirect jump through a table
// indexed by the decoded kind, so each jump site is predicted on its own. The macros below
// keep the handlers one line each; they are the interpreter's vocabulary.
namespace {
// Handler addresses by decoded kind. Only `Machine::execute` can name its labels, so it fills
// this table when called without a program; `DispatchInit` does that during static
// initialisation, before any call can run.
const void* g_dispatch[256];
}  // namespace

struct DispatchInit {
  DispatchInit() {
    Machine machine;
    Outcome unused;
    machine.execute(nullptr, 0, Limits{}, nullptr, unused);
  }
};
static const DispatchInit g_dispatch_init;

void Machine::execute(const Program* program_ptr, uint32_t entry, const Limits& limits,
                      void* host_context, Outcome& out) {
#define SET(kind, label) g_dispatch[static_cast<size_t>(kind)] = &&label
  // Normally done once by `DispatchInit`; repeated only if a call comes before static
  // initialisation of this file (the table is then still all null).
  if (program_ptr == nullptr || g_dispatch[0] == nullptr) {
    for (auto& slot : g_dispatch) slot = &&invalid;
    SET(Op::add64_imm, add64_imm); SET(Op::add64_reg, add64_reg); SET(Op::sub64_imm, sub64_imm);
    SET(Op::sub64_reg, sub64_reg); SET(Op::mul64_imm, mul64_imm); SET(Op::mul64_reg, mul64_reg);
    SET(Op::div64_imm, div64_imm); SET(Op::div64_reg, div64_reg); SET(Op::sdiv64_imm, sdiv64_imm);
    SET(Op::sdiv64_reg, sdiv64_reg); SET(Op::or64_imm, or64_imm); SET(Op::or64_reg, or64_reg);
    SET(Op::and64_imm, and64_imm); SET(Op::and64_reg, and64_reg); SET(Op::lsh64_imm, lsh64_imm);
    SET(Op::lsh64_reg, lsh64_reg); SET(Op::rsh64_imm, rsh64_imm); SET(Op::rsh64_reg, rsh64_reg);
    SET(Op::neg64, neg64); SET(Op::mod64_imm, mod64_imm); SET(Op::mod64_reg, mod64_reg);
    SET(Op::smod64_imm, smod64_imm); SET(Op::smod64_reg, smod64_reg); SET(Op::xor64_imm, xor64_imm);
    SET(Op::xor64_reg, xor64_reg); SET(Op::mov64_imm, mov64_imm); SET(Op::mov64_reg, mov64_reg);
    SET(Op::movsx8_64, movsx8_64); SET(Op::movsx16_64, movsx16_64); SET(Op::movsx32_64, movsx32_64);
    SET(Op::arsh64_imm, arsh64_imm); SET(Op::arsh64_reg, arsh64_reg); SET(Op::bswap16, bswap16);
    SET(Op::bswap32, bswap32); SET(Op::bswap64, bswap64);
    SET(Op::add32_imm, add32_imm); SET(Op::add32_reg, add32_reg); SET(Op::sub32_imm, sub32_imm);
    SET(Op::sub32_reg, sub32_reg); SET(Op::mul32_imm, mul32_imm); SET(Op::mul32_reg, mul32_reg);
    SET(Op::div32_imm, div32_imm); SET(Op::div32_reg, div32_reg); SET(Op::sdiv32_imm, sdiv32_imm);
    SET(Op::sdiv32_reg, sdiv32_reg); SET(Op::or32_imm, or32_imm); SET(Op::or32_reg, or32_reg);
    SET(Op::and32_imm, and32_imm); SET(Op::and32_reg, and32_reg); SET(Op::lsh32_imm, lsh32_imm);
    SET(Op::lsh32_reg, lsh32_reg); SET(Op::rsh32_imm, rsh32_imm); SET(Op::rsh32_reg, rsh32_reg);
    SET(Op::neg32, neg32); SET(Op::mod32_imm, mod32_imm); SET(Op::mod32_reg, mod32_reg);
    SET(Op::smod32_imm, smod32_imm); SET(Op::smod32_reg, smod32_reg); SET(Op::xor32_imm, xor32_imm);
    SET(Op::xor32_reg, xor32_reg); SET(Op::mov32_imm, mov32_imm); SET(Op::mov32_reg, mov32_reg);
    SET(Op::movsx8_32, movsx8_32); SET(Op::movsx16_32, movsx16_32); SET(Op::arsh32_imm, arsh32_imm);
    SET(Op::arsh32_reg, arsh32_reg); SET(Op::le16, le16); SET(Op::le32, le32); SET(Op::le64, le64);
    SET(Op::be16, be16); SET(Op::be32, be32); SET(Op::be64, be64);
    SET(Op::lddw, lddw); SET(Op::ldxb, ldxb); SET(Op::ldxh, ldxh); SET(Op::ldxw, ldxw);
    SET(Op::ldxdw, ldxdw); SET(Op::ldxsb, ldxsb); SET(Op::ldxsh, ldxsh); SET(Op::ldxsw, ldxsw);
    SET(Op::stb, stb); SET(Op::sth, sth); SET(Op::stw, stw); SET(Op::stdw, stdw);
    SET(Op::stxb, stxb); SET(Op::stxh, stxh); SET(Op::stxw, stxw); SET(Op::stxdw, stxdw);
    SET(Special::frame_ldxb, frame_ldxb); SET(Special::frame_ldxh, frame_ldxh);
    SET(Special::frame_ldxw, frame_ldxw); SET(Special::frame_ldxdw, frame_ldxdw);
    SET(Special::frame_ldxsb, frame_ldxsb); SET(Special::frame_ldxsh, frame_ldxsh);
    SET(Special::frame_ldxsw, frame_ldxsw); SET(Special::frame_stb, frame_stb);
    SET(Special::frame_sth, frame_sth); SET(Special::frame_stw, frame_stw);
    SET(Special::frame_stdw, frame_stdw); SET(Special::frame_stxb, frame_stxb);
    SET(Special::frame_stxh, frame_stxh); SET(Special::frame_stxw, frame_stxw);
    SET(Special::frame_stxdw, frame_stxdw);
    SET(Special::div64_const, div64_const); SET(Special::mod64_const, mod64_const);
    SET(Special::div32_const, div32_const); SET(Special::mod32_const, mod32_const);
    SET(Special::input_ldxb, input_ldxb); SET(Special::input_ldxh, input_ldxh);
    SET(Special::input_ldxw, input_ldxw); SET(Special::input_ldxdw, input_ldxdw);
    SET(Special::input_ldxsb, input_ldxsb); SET(Special::input_ldxsh, input_ldxsh);
    SET(Special::input_ldxsw, input_ldxsw); SET(Special::select, select);
    SET(Special::mov_add_imm, mov_add_imm); SET(Special::mov_add_reg, mov_add_reg);
    SET(Special::mov_sub_imm, mov_sub_imm); SET(Special::mov_sub_reg, mov_sub_reg);
    SET(Special::mov_mul_imm, mov_mul_imm); SET(Special::mov_mul_reg, mov_mul_reg);
    SET(Special::mov_and_imm, mov_and_imm); SET(Special::mov_and_reg, mov_and_reg);
    SET(Special::mov_or_imm, mov_or_imm); SET(Special::mov_or_reg, mov_or_reg);
    SET(Special::mov_xor_imm, mov_xor_imm); SET(Special::mov_xor_reg, mov_xor_reg);
    SET(Special::mov_lsh_imm, mov_lsh_imm); SET(Special::mov_lsh_reg, mov_lsh_reg);
    SET(Special::mov_rsh_imm, mov_rsh_imm); SET(Special::mov_rsh_reg, mov_rsh_reg);
    SET(Special::mov_arsh_imm, mov_arsh_imm); SET(Special::mov_arsh_reg, mov_arsh_reg);
    SET(Op::ja, ja); SET(Op::ja32, ja);
    SET(Op::jeq_imm, jeq_imm); SET(Op::jeq_reg, jeq_reg); SET(Op::jgt_imm, jgt_imm);
    SET(Op::jgt_reg, jgt_reg); SET(Op::jge_imm, jge_imm); SET(Op::jge_reg, jge_reg);
    SET(Op::jset_imm, jset_imm); SET(Op::jset_reg, jset_reg); SET(Op::jne_imm, jne_imm);
    SET(Op::jne_reg, jne_reg); SET(Op::jsgt_imm, jsgt_imm); SET(Op::jsgt_reg, jsgt_reg);
    SET(Op::jsge_imm, jsge_imm); SET(Op::jsge_reg, jsge_reg); SET(Op::jlt_imm, jlt_imm);
    SET(Op::jlt_reg, jlt_reg); SET(Op::jle_imm, jle_imm); SET(Op::jle_reg, jle_reg);
    SET(Op::jslt_imm, jslt_imm); SET(Op::jslt_reg, jslt_reg); SET(Op::jsle_imm, jsle_imm);
    SET(Op::jsle_reg, jsle_reg);
    SET(Op::jeq32_imm, jeq32_imm); SET(Op::jeq32_reg, jeq32_reg); SET(Op::jgt32_imm, jgt32_imm);
    SET(Op::jgt32_reg, jgt32_reg); SET(Op::jge32_imm, jge32_imm); SET(Op::jge32_reg, jge32_reg);
    SET(Op::jset32_imm, jset32_imm); SET(Op::jset32_reg, jset32_reg); SET(Op::jne32_imm, jne32_imm);
    SET(Op::jne32_reg, jne32_reg); SET(Op::jsgt32_imm, jsgt32_imm); SET(Op::jsgt32_reg, jsgt32_reg);
    SET(Op::jsge32_imm, jsge32_imm); SET(Op::jsge32_reg, jsge32_reg); SET(Op::jlt32_imm, jlt32_imm);
    SET(Op::jlt32_reg, jlt32_reg); SET(Op::jle32_imm, jle32_imm); SET(Op::jle32_reg, jle32_reg);
    SET(Op::jslt32_imm, jslt32_imm); SET(Op::jslt32_reg, jslt32_reg); SET(Op::jsle32_imm, jsle32_imm);
    SET(Op::jsle32_reg, jsle32_reg);
    SET(Op::call_helper, call_helper); SET(Op::call_local, call_local); SET(Op::exit, exit);
    if (program_ptr == nullptr) return;
  }
#undef SET
  const void* const* const table = g_dispatch;
  const Program& program = *program_ptr;

  const Decoded* const code = program.code().data();
  const HostFunction* const hosts = program.hosts().data();
  const Divisor* const divisors = program.divisors().data();
  const uint32_t frame_size = limits.frame_size;
  const uint32_t stack_bytes = space_.regions[size_t(Region::stack)].size;
  const uint32_t need = program.static_frame_need();
  WriteMarks marks;
  marks.stack_low = stack_bytes - need;  // what frame-relative stores of frame 0 may reach

  uint64_t reg[kRegisterCount] = {};
  reg[1] = region_base(Region::input);
  reg[2] = input_size_;
  reg[3] = region_base(Region::output);
  reg[4] = limits.output_size;
  reg[5] = limits.heap_size;
  reg[10] = region_base(Region::stack) + stack_bytes;
  uint8_t* fp = stack_.data() + stack_bytes;  // host address of r10
  Frame frames[kMaxDepth];
  uint32_t depth = 0;
  uint64_t gas = limits.gas;
  const Decoded* ip = code + entry;
  const uint8_t* const input_host = input_host_;
  const uint64_t input_size = input_size_;

#define PC static_cast<uint32_t>(ip - code)
#define DST reg[ip->dst]
#define SRC reg[ip->src]
#define IMM sext(ip->imm)
#define DISPATCH() goto* table[ip->kind]
#define NEXT() \
  do {         \
    ++ip;      \
    DISPATCH(); \
  } while (0)
  // Enter the run at `ip`: pay for it, then execute it.
#define ENTER()                                                                       \
  do {                                                                                \
    if (ip->entry_gas > gas) {                                                        \
      out.fault = Fault{.kind = FaultKind::out_of_gas, .pc = PC, .needed = ip->entry_gas}; \
      gas = 0;                                                                        \
      goto finished;                                                                  \
    }                                                                                 \
    gas -= ip->entry_gas;                                                             \
    DISPATCH();                                                                       \
  } while (0)
#define BRANCH(cond)                              \
  do {                                            \
    ip = (cond) ? code + ip->target : ip + 1;     \
    ENTER();                                      \
  } while (0)
#define CHECKED(ptr, bytes, kind_)                                                         \
  uint64_t addr_ = reg[(kind_) == Access::read ? ip->src : ip->dst] +                      \
                   static_cast<uint64_t>(static_cast<int64_t>(ip->target));                \
  uint8_t* ptr = space_.translate(addr_, (bytes), (kind_));                                \
  if (ptr == nullptr) {                                                                    \
    out.fault = Fault{.kind = FaultKind::memory, .pc = PC, .address = addr_, .size = (bytes), .access = (kind_)}; \
    goto finished;                                                                         \
  }
#define LOAD(T, Wide)                              \
  {                                                \
    CHECKED(p_, sizeof(T), Access::read)           \
    DST = static_cast<uint64_t>(static_cast<Wide>(load_as<T>(p_))); \
    NEXT();                                        \
  }
#define INPUT_LOAD(T, Wide)                                                                \
  {                                                                                        \
    if (static_cast<uint64_t>(ip->imm) > input_size) {                                     \
      out.fault = Fault{.kind = FaultKind::memory, .pc = PC,                               \
                        .address = region_base(Region::input) + static_cast<uint64_t>(ip->target), \
                        .size = sizeof(T), .access = Access::read};                        \
      goto finished;                                                                       \
    }                                                                                      \
    DST = static_cast<uint64_t>(static_cast<Wide>(load_as<T>(input_host + ip->target)));  \
    NEXT();                                                                                \
  }
#define STORE(T, value)                            \
  {                                                \
    CHECKED(p_, sizeof(T), Access::write)          \
    marks.note(addr_, sizeof(T));                  \
    store_as<T>(p_, static_cast<T>(value));        \
    NEXT();                                        \
  }


  ENTER();

  // ---- ALU64
add64_imm: DST += IMM; NEXT();
add64_reg: DST += SRC; NEXT();
sub64_imm: DST -= IMM; NEXT();
sub64_reg: DST -= SRC; NEXT();
mul64_imm: DST *= IMM; NEXT();
mul64_reg: DST *= SRC; NEXT();
div64_imm: DST = IMM ? DST / IMM : 0; NEXT();
div64_reg: DST = SRC ? DST / SRC : 0; NEXT();
sdiv64_imm: DST = sdiv64(DST, IMM); NEXT();
sdiv64_reg: DST = sdiv64(DST, SRC); NEXT();
or64_imm: DST |= IMM; NEXT();
or64_reg: DST |= SRC; NEXT();
and64_imm: DST &= IMM; NEXT();
and64_reg: DST &= SRC; NEXT();
lsh64_imm: DST <<= (IMM & 63); NEXT();
lsh64_reg: DST <<= (SRC & 63); NEXT();
rsh64_imm: DST >>= (IMM & 63); NEXT();
rsh64_reg: DST >>= (SRC & 63); NEXT();
neg64: DST = 0 - DST; NEXT();
mod64_imm: DST = IMM ? DST % IMM : DST; NEXT();
mod64_reg: DST = SRC ? DST % SRC : DST; NEXT();
smod64_imm: DST = smod64(DST, IMM); NEXT();
smod64_reg: DST = smod64(DST, SRC); NEXT();
xor64_imm: DST ^= IMM; NEXT();
xor64_reg: DST ^= SRC; NEXT();
mov64_imm: DST = IMM; NEXT();
mov64_reg: DST = SRC; NEXT();
movsx8_64: DST = static_cast<uint64_t>(int64_t{static_cast<int8_t>(SRC)}); NEXT();
movsx16_64: DST = static_cast<uint64_t>(int64_t{static_cast<int16_t>(SRC)}); NEXT();
movsx32_64: DST = static_cast<uint64_t>(int64_t{static_cast<int32_t>(SRC)}); NEXT();
arsh64_imm: DST = static_cast<uint64_t>(static_cast<int64_t>(DST) >> (IMM & 63)); NEXT();
arsh64_reg: DST = static_cast<uint64_t>(static_cast<int64_t>(DST) >> (SRC & 63)); NEXT();
bswap16: DST = __builtin_bswap16(static_cast<uint16_t>(DST)); NEXT();
bswap32: DST = __builtin_bswap32(static_cast<uint32_t>(DST)); NEXT();
bswap64: DST = __builtin_bswap64(DST); NEXT();
  // ---- ALU32: operate on the low 32 bits, zero-extend the result
add32_imm: DST = u32(DST + IMM); NEXT();
add32_reg: DST = u32(DST + SRC); NEXT();
sub32_imm: DST = u32(DST - IMM); NEXT();
sub32_reg: DST = u32(DST - SRC); NEXT();
mul32_imm: DST = u32(DST * IMM); NEXT();
mul32_reg: DST = u32(DST * SRC); NEXT();
div32_imm: DST = u32(IMM) ? u32(DST) / u32(IMM) : 0; NEXT();
div32_reg: DST = u32(SRC) ? u32(DST) / u32(SRC) : 0; NEXT();
sdiv32_imm: DST = sdiv32(DST, IMM); NEXT();
sdiv32_reg: DST = sdiv32(DST, SRC); NEXT();
or32_imm: DST = u32(DST | IMM); NEXT();
or32_reg: DST = u32(DST | SRC); NEXT();
and32_imm: DST = u32(DST & IMM); NEXT();
and32_reg: DST = u32(DST & SRC); NEXT();
lsh32_imm: DST = u32(DST << (IMM & 31)); NEXT();
lsh32_reg: DST = u32(DST << (SRC & 31)); NEXT();
rsh32_imm: DST = u32(DST) >> (IMM & 31); NEXT();
rsh32_reg: DST = u32(DST) >> (SRC & 31); NEXT();
neg32: DST = u32(0 - DST); NEXT();
mod32_imm: DST = u32(IMM) ? u32(DST) % u32(IMM) : u32(DST); NEXT();
mod32_reg: DST = u32(SRC) ? u32(DST) % u32(SRC) : u32(DST); NEXT();
smod32_imm: DST = smod32(DST, IMM); NEXT();
smod32_reg: DST = smod32(DST, SRC); NEXT();
xor32_imm: DST = u32(DST ^ IMM); NEXT();
xor32_reg: DST = u32(DST ^ SRC); NEXT();
mov32_imm: DST = u32(IMM); NEXT();
mov32_reg: DST = u32(SRC); NEXT();
movsx8_32: DST = static_cast<uint32_t>(int32_t{static_cast<int8_t>(SRC)}); NEXT();
movsx16_32: DST = static_cast<uint32_t>(int32_t{static_cast<int16_t>(SRC)}); NEXT();
arsh32_imm: DST = static_cast<uint32_t>(s32(DST) >> (IMM & 31)); NEXT();
arsh32_reg: DST = static_cast<uint32_t>(s32(DST) >> (SRC & 31)); NEXT();
le16: DST = static_cast<uint16_t>(DST); NEXT();
le32: DST = u32(DST); NEXT();
le64: NEXT();
be16: DST = __builtin_bswap16(static_cast<uint16_t>(DST)); NEXT();
be32: DST = __builtin_bswap32(static_cast<uint32_t>(DST)); NEXT();
be64: DST = __builtin_bswap64(DST); NEXT();
  // ---- Division by a constant (the loader's magic numbers)
div64_const: DST = divisors[ip->target].divide(DST); NEXT();
mod64_const: DST -= divisors[ip->target].divide(DST) * divisors[ip->target].divisor; NEXT();
div32_const: DST = divisors[ip->target].divide(u32(DST)); NEXT();
mod32_const: DST = u32(DST) - divisors[ip->target].divide(u32(DST)) * divisors[ip->target].divisor; NEXT();
  // ---- Memory
lddw:
  DST = u32(static_cast<uint64_t>(ip->imm)) | (static_cast<uint64_t>(static_cast<uint32_t>(ip[1].imm)) << 32);
  ip += 1;
  NEXT();
ldxb: LOAD(uint8_t, uint8_t)
ldxh: LOAD(uint16_t, uint16_t)
ldxw: LOAD(uint32_t, uint32_t)
ldxdw: LOAD(uint64_t, uint64_t)
ldxsb: LOAD(int8_t, int64_t)
ldxsh: LOAD(int16_t, int64_t)
ldxsw: LOAD(int32_t, int64_t)
stb: STORE(uint8_t, IMM)
sth: STORE(uint16_t, IMM)
stw: STORE(uint32_t, IMM)
stdw: STORE(uint64_t, IMM)
stxb: STORE(uint8_t, SRC)
stxh: STORE(uint16_t, SRC)
stxw: STORE(uint32_t, SRC)
stxdw: STORE(uint64_t, SRC)
  // Input-relative forms: r1 still holds the input's address (see Special::input_ldxb).
input_ldxb: INPUT_LOAD(uint8_t, uint8_t)
input_ldxh: INPUT_LOAD(uint16_t, uint16_t)
input_ldxw: INPUT_LOAD(uint32_t, uint32_t)
input_ldxdw: INPUT_LOAD(uint64_t, uint64_t)
input_ldxsb: INPUT_LOAD(int8_t, int64_t)
input_ldxsh: INPUT_LOAD(int16_t, int64_t)
input_ldxsw: INPUT_LOAD(int32_t, int64_t)
  // Frame-relative forms: the loader proved fp + offset stays inside the current frame.
frame_ldxb: DST = load_as<uint8_t>(fp + ip->target); NEXT();
frame_ldxh: DST = load_as<uint16_t>(fp + ip->target); NEXT();
frame_ldxw: DST = load_as<uint32_t>(fp + ip->target); NEXT();
frame_ldxdw: DST = load_as<uint64_t>(fp + ip->target); NEXT();
frame_ldxsb: DST = static_cast<uint64_t>(int64_t{load_as<int8_t>(fp + ip->target)}); NEXT();
frame_ldxsh: DST = static_cast<uint64_t>(int64_t{load_as<int16_t>(fp + ip->target)}); NEXT();
frame_ldxsw: DST = static_cast<uint64_t>(int64_t{load_as<int32_t>(fp + ip->target)}); NEXT();
frame_stb: store_as<uint8_t>(fp + ip->target, static_cast<uint8_t>(ip->imm)); NEXT();
frame_sth: store_as<uint16_t>(fp + ip->target, static_cast<uint16_t>(ip->imm)); NEXT();
frame_stw: store_as<uint32_t>(fp + ip->target, static_cast<uint32_t>(ip->imm)); NEXT();
frame_stdw: store_as<uint64_t>(fp + ip->target, IMM); NEXT();
frame_stxb: store_as<uint8_t>(fp + ip->target, static_cast<uint8_t>(SRC)); NEXT();
frame_stxh: store_as<uint16_t>(fp + ip->target, static_cast<uint16_t>(SRC)); NEXT();
frame_stxw: store_as<uint32_t>(fp + ip->target, static_cast<uint32_t>(SRC)); NEXT();
frame_stxdw: store_as<uint64_t>(fp + ip->target, SRC); NEXT();
  // ---- Fused `rA = rB; rA op= X` (see Special::mov_add_imm): X is never rA.
#define MOV_OP(label, expr) \
  label:                    \
  DST = (expr);             \
  ip += 2;                  \
  DISPATCH();
  MOV_OP(mov_add_imm, SRC + IMM)
  MOV_OP(mov_add_reg, SRC + reg[ip->target])
  MOV_OP(mov_sub_imm, SRC - IMM)
  MOV_OP(mov_sub_reg, SRC - reg[ip->target])
  MOV_OP(mov_mul_imm, SRC * IMM)
  MOV_OP(mov_mul_reg, SRC * reg[ip->target])
  MOV_OP(mov_and_imm, SRC & IMM)
  MOV_OP(mov_and_reg, SRC & reg[ip->target])
  MOV_OP(mov_or_imm, SRC | IMM)
  MOV_OP(mov_or_reg, SRC | reg[ip->target])
  MOV_OP(mov_xor_imm, SRC ^ IMM)
  MOV_OP(mov_xor_reg, SRC ^ reg[ip->target])
  MOV_OP(mov_lsh_imm, SRC << (IMM & 63))
  MOV_OP(mov_lsh_reg, SRC << (reg[ip->target] & 63))
  MOV_OP(mov_rsh_imm, SRC >> (IMM & 63))
  MOV_OP(mov_rsh_reg, SRC >> (reg[ip->target] & 63))
  MOV_OP(mov_arsh_imm, static_cast<uint64_t>(static_cast<int64_t>(SRC) >> (IMM & 63)))
  MOV_OP(mov_arsh_reg, static_cast<uint64_t>(static_cast<int64_t>(SRC) >> (reg[ip->target] & 63)))
#undef MOV_OP
  // ---- Fused `if cond goto +1; mov` (see Special::select): no dispatch depends on the data.
select: {
  const uint32_t w = static_cast<uint32_t>(ip->target);
  const unsigned shift = (w & Select::kLow32) ? 32 : 0;
  uint64_t x = DST << shift;
  uint64_t y = ((w & Select::kRegOperand) ? SRC : IMM) << shift;
  if (w & Select::kSwap) std::swap(x, y);
  const uint32_t results = uint32_t{x == y} | uint32_t{x < y} << 1 |
                           uint32_t{static_cast<int64_t>(x) < static_cast<int64_t>(y)} << 2 |
                           uint32_t{(x & y) != 0} << 3;
  const bool taken = (((results >> (w & 3)) & 1) != 0) != ((w & Select::kNegate) != 0);
  const Decoded& mov = ip[1];
  uint64_t value = (w & Select::kMovReg) ? reg[mov.src] : sext(mov.imm);
  if (w & Select::kMov32) value = u32(value);
  // Not taken runs the mov: its run (ip[1]) includes the one at ip[2].
  const Decoded* next = taken ? ip + 2 : ip + 1;
  if (next->entry_gas > gas) {
    ip = next;
    out.fault = Fault{.kind = FaultKind::out_of_gas, .pc = PC, .needed = ip->entry_gas};
    gas = 0;
    goto finished;
  }
  gas -= next->entry_gas;
  reg[mov.dst] = taken ? reg[mov.dst] : value;
  ip += 2;
  DISPATCH();
}
  // ---- Jumps
ja: ip = code + ip->target; ENTER();
jeq_imm: BRANCH(DST == IMM);
jeq_reg: BRANCH(DST == SRC);
jgt_imm: BRANCH(DST > IMM);
jgt_reg: BRANCH(DST > SRC);
jge_imm: BRANCH(DST >= IMM);
jge_reg: BRANCH(DST >= SRC);
jset_imm: BRANCH(DST & IMM);
jset_reg: BRANCH(DST & SRC);
jne_imm: BRANCH(DST != IMM);
jne_reg: BRANCH(DST != SRC);
jsgt_imm: BRANCH(static_cast<int64_t>(DST) > static_cast<int64_t>(IMM));
jsgt_reg: BRANCH(static_cast<int64_t>(DST) > static_cast<int64_t>(SRC));
jsge_imm: BRANCH(static_cast<int64_t>(DST) >= static_cast<int64_t>(IMM));
jsge_reg: BRANCH(static_cast<int64_t>(DST) >= static_cast<int64_t>(SRC));
jlt_imm: BRANCH(DST < IMM);
jlt_reg: BRANCH(DST < SRC);
jle_imm: BRANCH(DST <= IMM);
jle_reg: BRANCH(DST <= SRC);
jslt_imm: BRANCH(static_cast<int64_t>(DST) < static_cast<int64_t>(IMM));
jslt_reg: BRANCH(static_cast<int64_t>(DST) < static_cast<int64_t>(SRC));
jsle_imm: BRANCH(static_cast<int64_t>(DST) <= static_cast<int64_t>(IMM));
jsle_reg: BRANCH(static_cast<int64_t>(DST) <= static_cast<int64_t>(SRC));
jeq32_imm: BRANCH(u32(DST) == u32(IMM));
jeq32_reg: BRANCH(u32(DST) == u32(SRC));
jgt32_imm: BRANCH(u32(DST) > u32(IMM));
jgt32_reg: BRANCH(u32(DST) > u32(SRC));
jge32_imm: BRANCH(u32(DST) >= u32(IMM));
jge32_reg: BRANCH(u32(DST) >= u32(SRC));
jset32_imm: BRANCH(u32(DST) & u32(IMM));
jset32_reg: BRANCH(u32(DST) & u32(SRC));
jne32_imm: BRANCH(u32(DST) != u32(IMM));
jne32_reg: BRANCH(u32(DST) != u32(SRC));
jsgt32_imm: BRANCH(s32(DST) > s32(IMM));
jsgt32_reg: BRANCH(s32(DST) > s32(SRC));
jsge32_imm: BRANCH(s32(DST) >= s32(IMM));
jsge32_reg: BRANCH(s32(DST) >= s32(SRC));
jlt32_imm: BRANCH(u32(DST) < u32(IMM));
jlt32_reg: BRANCH(u32(DST) < u32(SRC));
jle32_imm: BRANCH(u32(DST) <= u32(IMM));
jle32_reg: BRANCH(u32(DST) <= u32(SRC));
jslt32_imm: BRANCH(s32(DST) < s32(IMM));
jslt32_reg: BRANCH(s32(DST) < s32(SRC));
jsle32_imm: BRANCH(s32(DST) <= s32(IMM));
jsle32_reg: BRANCH(s32(DST) <= s32(SRC));
  // ---- Calls
call_helper: {
  // The host works on copies of the gas counter and the arguments, so that neither `gas`
  // nor `reg` escapes and the compiler may keep them in registers.
  uint64_t host_gas = gas;
  uint64_t args[5];
  std::memcpy(args, &reg[1], sizeof args);
  uint64_t result = 0;
  bool ok = call_host(hosts[ip->target], space_, marks, host_gas, host_context, PC, args, result, out);
  gas = host_gas;
  if (!ok) goto finished;
  reg[0] = result;
  NEXT();
}
call_local: {
  if (depth + 1 >= limits.max_call_depth) {
    out.fault = Fault{.kind = FaultKind::call_depth, .pc = PC, .needed = limits.max_call_depth};
    goto finished;
  }
  Frame& f = frames[depth++];
  f.return_pc = PC + 1;
  std::memcpy(f.saved, &reg[6], sizeof f.saved);
  fp -= frame_size;
  reg[10] -= frame_size;
  uint64_t reach = static_cast<uint64_t>(fp - stack_.data()) - need;
  if (reach < marks.stack_low) marks.stack_low = reach;
  ip = code + ip->target;
  ENTER();
}
exit: {
  if (depth == 0) {
    out.r0 = reg[0];
    goto finished;
  }
  const Frame& f = frames[--depth];
  std::memcpy(&reg[6], f.saved, sizeof f.saved);
  fp += frame_size;
  reg[10] += frame_size;
  ip = code + f.return_pc;
  ENTER();
}
invalid:
  // Unreachable for verified code: atomics, callx, packet access and lddw tails are rejected
  // or skipped. Kept as a fault rather than undefined behaviour.
  out.fault = Fault{.kind = FaultKind::bad_call, .pc = PC, .message = "instruction not executable"};
  goto finished;

#undef STORE
#undef INPUT_LOAD
#undef LOAD
#undef CHECKED
#undef BRANCH
#undef ENTER
#undef NEXT
#undef DISPATCH
#undef IMM
#undef SRC
#undef DST
#undef PC

finished:
  out.gas_used = limits.gas - gas;
  stack_low_ = marks.stack_low;
  heap_high_ = marks.heap_high;
}

}  // namespace covenant::vm
