// The interpreter: one loop over pre-decoded instructions. Semantics follow RFC 9669 §4
// exactly; the table's one-line semantics (opcodes.cpp) say the same in brief.
//
// Gas: each decoded slot carries the gas of the straight-line run that starts there. It is
// charged whenever control arrives other than by falling through a non-branching
// instruction: at the entry, at a jump target, after a conditional branch either way, at a
// callee's first slot and at the return point. A fault inside a run has already paid for
// the whole run.

#include <bit>
#include <cstring>

#include "vm/machine.hpp"

namespace covenant::vm {

static_assert(std::endian::native == std::endian::little,
              "loads and stores assume a little-endian host (eBPF bpfel semantics)");

namespace {

constexpr uint32_t kMaxDepth = 64;

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

}  // namespace

void Machine::prepare(const Program& program, std::span<const uint8_t> input,
                      const Limits& limits) {
  size_t stack_bytes = size_t{limits.max_call_depth} * limits.frame_size;
  // Every buffer is all-zero between calls (scrub restores that), so growing is enough.
  if (stack_.size() < stack_bytes) stack_.assign(stack_bytes, 0);
  if (heap_.size() < limits.heap_size) heap_.assign(limits.heap_size, 0);
  if (output_.size() < limits.output_size) output_.assign(limits.output_size, 0);
  if (input_.size() < input.size()) input_.resize(input.size());
  if (!input.empty()) std::memcpy(input_.data(), input.data(), input.size());
  input_size_ = static_cast<uint32_t>(input.size());
  output_size_ = limits.output_size;

  auto& r = space_.regions;
  r[size_t(Region::rodata)] = {const_cast<uint8_t*>(program.rodata().data()),
                               static_cast<uint32_t>(program.rodata().size()), false};
  r[size_t(Region::input)] = {input_.data(), input_size_, limits.writable_input};
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
  auto refuse = [&](std::string why) {
    out.fault = Fault{.kind = FaultKind::bad_call, .pc = entry, .message = std::move(why)};
    return out;
  };
  if (entry >= program.size() || !program.is_function_start(entry))
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

  prepare(program, input, limits);

  const Decoded* code = program.code().data();
  const HostFunction* hosts = program.hosts().data();
  const uint32_t frame_size = limits.frame_size;
  const uint32_t stack_bytes = space_.regions[size_t(Region::stack)].size;
  const uint32_t need = program.static_frame_need();
  WriteMarks marks;
  marks.stack_low = stack_bytes - need;  // what frame-relative stores of frame 0 may reach

  uint64_t reg[kRegisterCount] = {};
  reg[1] = region_base(Region::input);
  reg[2] = input.size();
  reg[3] = region_base(Region::output);
  reg[4] = limits.output_size;
  reg[5] = limits.heap_size;
  reg[10] = region_base(Region::stack) + stack_bytes;
  uint8_t* fp = stack_.data() + stack_bytes;  // host address of r10
  Frame frames[kMaxDepth];
  uint32_t depth = 0;
  uint64_t gas = limits.gas;
  uint32_t pc = entry;
  Fault fault;

  // Fault exits. Each sets `fault` and leaves the loop.
#define COVENANT_CHARGE(at)                                         \
  do {                                                              \
    uint32_t cost_ = code[at].entry_gas;                            \
    if (cost_ > gas) {                                              \
      fault = Fault{.kind = FaultKind::out_of_gas, .pc = (at), .needed = cost_}; \
      gas = 0;                                                      \
      goto faulted;                                                 \
    }                                                               \
    gas -= cost_;                                                   \
  } while (0)
#define COVENANT_TRANSLATE(ptr, at, bytes, kind_)                   \
  uint8_t* ptr = space_.translate((at), (bytes), (kind_));          \
  if (ptr == nullptr) {                                             \
    fault = Fault{.kind = FaultKind::memory, .pc = pc, .address = (at), .size = (bytes), .access = (kind_)}; \
    goto faulted;                                                   \
  }
#define COVENANT_LOAD(T, cast)                                      \
  {                                                                 \
    uint64_t addr_ = reg[d.src] + static_cast<uint64_t>(static_cast<int64_t>(d.target)); \
    COVENANT_TRANSLATE(p_, addr_, sizeof(T), Access::read)          \
    reg[d.dst] = cast(load_as<T>(p_));                              \
    ++pc;                                                           \
    break;                                                          \
  }
#define COVENANT_STORE(T, value)                                    \
  {                                                                 \
    uint64_t addr_ = reg[d.dst] + static_cast<uint64_t>(static_cast<int64_t>(d.target)); \
    COVENANT_TRANSLATE(p_, addr_, sizeof(T), Access::write)         \
    marks.note(addr_, sizeof(T));                                   \
    store_as<T>(p_, static_cast<T>(value));                         \
    ++pc;                                                           \
    break;                                                          \
  }
#define COVENANT_BRANCH(cond)                                       \
  {                                                                 \
    pc = (cond) ? static_cast<uint32_t>(d.target) : pc + 1;         \
    COVENANT_CHARGE(pc);                                            \
    break;                                                          \
  }

  COVENANT_CHARGE(pc);
  for (;;) {
    const Decoded& d = code[pc];
    uint64_t& dst = reg[d.dst];
    const uint64_t src = reg[d.src];
    const uint64_t imm = sext(d.imm);
    switch (d.kind) {
      // ---- ALU64
      case uint8_t(Op::add64_imm): dst += imm; ++pc; break;
      case uint8_t(Op::add64_reg): dst += src; ++pc; break;
      case uint8_t(Op::sub64_imm): dst -= imm; ++pc; break;
      case uint8_t(Op::sub64_reg): dst -= src; ++pc; break;
      case uint8_t(Op::mul64_imm): dst *= imm; ++pc; break;
      case uint8_t(Op::mul64_reg): dst *= src; ++pc; break;
      case uint8_t(Op::div64_imm): dst = imm ? dst / imm : 0; ++pc; break;
      case uint8_t(Op::div64_reg): dst = src ? dst / src : 0; ++pc; break;
      case uint8_t(Op::sdiv64_imm): dst = sdiv64(dst, imm); ++pc; break;
      case uint8_t(Op::sdiv64_reg): dst = sdiv64(dst, src); ++pc; break;
      case uint8_t(Op::or64_imm): dst |= imm; ++pc; break;
      case uint8_t(Op::or64_reg): dst |= src; ++pc; break;
      case uint8_t(Op::and64_imm): dst &= imm; ++pc; break;
      case uint8_t(Op::and64_reg): dst &= src; ++pc; break;
      case uint8_t(Op::lsh64_imm): dst <<= (imm & 63); ++pc; break;
      case uint8_t(Op::lsh64_reg): dst <<= (src & 63); ++pc; break;
      case uint8_t(Op::rsh64_imm): dst >>= (imm & 63); ++pc; break;
      case uint8_t(Op::rsh64_reg): dst >>= (src & 63); ++pc; break;
      case uint8_t(Op::neg64): dst = 0 - dst; ++pc; break;
      case uint8_t(Op::mod64_imm): dst = imm ? dst % imm : dst; ++pc; break;
      case uint8_t(Op::mod64_reg): dst = src ? dst % src : dst; ++pc; break;
      case uint8_t(Op::smod64_imm): dst = smod64(dst, imm); ++pc; break;
      case uint8_t(Op::smod64_reg): dst = smod64(dst, src); ++pc; break;
      case uint8_t(Op::xor64_imm): dst ^= imm; ++pc; break;
      case uint8_t(Op::xor64_reg): dst ^= src; ++pc; break;
      case uint8_t(Op::mov64_imm): dst = imm; ++pc; break;
      case uint8_t(Op::mov64_reg): dst = src; ++pc; break;
      case uint8_t(Op::movsx8_64): dst = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(src))); ++pc; break;
      case uint8_t(Op::movsx16_64): dst = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(src))); ++pc; break;
      case uint8_t(Op::movsx32_64): dst = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(src))); ++pc; break;
      case uint8_t(Op::arsh64_imm): dst = static_cast<uint64_t>(static_cast<int64_t>(dst) >> (imm & 63)); ++pc; break;
      case uint8_t(Op::arsh64_reg): dst = static_cast<uint64_t>(static_cast<int64_t>(dst) >> (src & 63)); ++pc; break;
      case uint8_t(Op::bswap16): dst = __builtin_bswap16(static_cast<uint16_t>(dst)); ++pc; break;
      case uint8_t(Op::bswap32): dst = __builtin_bswap32(static_cast<uint32_t>(dst)); ++pc; break;
      case uint8_t(Op::bswap64): dst = __builtin_bswap64(dst); ++pc; break;
      // ---- ALU32: operate on the low 32 bits, zero-extend the result
      case uint8_t(Op::add32_imm): dst = u32(dst + imm); ++pc; break;
      case uint8_t(Op::add32_reg): dst = u32(dst + src); ++pc; break;
      case uint8_t(Op::sub32_imm): dst = u32(dst - imm); ++pc; break;
      case uint8_t(Op::sub32_reg): dst = u32(dst - src); ++pc; break;
      case uint8_t(Op::mul32_imm): dst = u32(dst * imm); ++pc; break;
      case uint8_t(Op::mul32_reg): dst = u32(dst * src); ++pc; break;
      case uint8_t(Op::div32_imm): dst = u32(imm) ? u32(dst) / u32(imm) : 0; ++pc; break;
      case uint8_t(Op::div32_reg): dst = u32(src) ? u32(dst) / u32(src) : 0; ++pc; break;
      case uint8_t(Op::sdiv32_imm): dst = sdiv32(dst, imm); ++pc; break;
      case uint8_t(Op::sdiv32_reg): dst = sdiv32(dst, src); ++pc; break;
      case uint8_t(Op::or32_imm): dst = u32(dst | imm); ++pc; break;
      case uint8_t(Op::or32_reg): dst = u32(dst | src); ++pc; break;
      case uint8_t(Op::and32_imm): dst = u32(dst & imm); ++pc; break;
      case uint8_t(Op::and32_reg): dst = u32(dst & src); ++pc; break;
      case uint8_t(Op::lsh32_imm): dst = u32(dst << (imm & 31)); ++pc; break;
      case uint8_t(Op::lsh32_reg): dst = u32(dst << (src & 31)); ++pc; break;
      case uint8_t(Op::rsh32_imm): dst = u32(dst) >> (imm & 31); ++pc; break;
      case uint8_t(Op::rsh32_reg): dst = u32(dst) >> (src & 31); ++pc; break;
      case uint8_t(Op::neg32): dst = u32(0 - dst); ++pc; break;
      case uint8_t(Op::mod32_imm): dst = u32(imm) ? u32(dst) % u32(imm) : u32(dst); ++pc; break;
      case uint8_t(Op::mod32_reg): dst = u32(src) ? u32(dst) % u32(src) : u32(dst); ++pc; break;
      case uint8_t(Op::smod32_imm): dst = smod32(dst, imm); ++pc; break;
      case uint8_t(Op::smod32_reg): dst = smod32(dst, src); ++pc; break;
      case uint8_t(Op::xor32_imm): dst = u32(dst ^ imm); ++pc; break;
      case uint8_t(Op::xor32_reg): dst = u32(dst ^ src); ++pc; break;
      case uint8_t(Op::mov32_imm): dst = u32(imm); ++pc; break;
      case uint8_t(Op::mov32_reg): dst = u32(src); ++pc; break;
      case uint8_t(Op::movsx8_32): dst = static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(src))); ++pc; break;
      case uint8_t(Op::movsx16_32): dst = static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(src))); ++pc; break;
      case uint8_t(Op::arsh32_imm): dst = static_cast<uint32_t>(s32(dst) >> (imm & 31)); ++pc; break;
      case uint8_t(Op::arsh32_reg): dst = static_cast<uint32_t>(s32(dst) >> (src & 31)); ++pc; break;
      case uint8_t(Op::le16): dst = static_cast<uint16_t>(dst); ++pc; break;
      case uint8_t(Op::le32): dst = u32(dst); ++pc; break;
      case uint8_t(Op::le64): ++pc; break;
      case uint8_t(Op::be16): dst = __builtin_bswap16(static_cast<uint16_t>(dst)); ++pc; break;
      case uint8_t(Op::be32): dst = __builtin_bswap32(static_cast<uint32_t>(dst)); ++pc; break;
      case uint8_t(Op::be64): dst = __builtin_bswap64(dst); ++pc; break;
      // ---- Memory
      case uint8_t(Op::lddw):
        dst = u32(static_cast<uint64_t>(d.imm)) | (static_cast<uint64_t>(static_cast<uint32_t>(code[pc + 1].imm)) << 32);
        pc += 2;
        break;
      case uint8_t(Op::ldxb): COVENANT_LOAD(uint8_t, static_cast<uint64_t>)
      case uint8_t(Op::ldxh): COVENANT_LOAD(uint16_t, static_cast<uint64_t>)
      case uint8_t(Op::ldxw): COVENANT_LOAD(uint32_t, static_cast<uint64_t>)
      case uint8_t(Op::ldxdw): COVENANT_LOAD(uint64_t, static_cast<uint64_t>)
      case uint8_t(Op::ldxsb): COVENANT_LOAD(int8_t, static_cast<int64_t>)
      case uint8_t(Op::ldxsh): COVENANT_LOAD(int16_t, static_cast<int64_t>)
      case uint8_t(Op::ldxsw): COVENANT_LOAD(int32_t, static_cast<int64_t>)
      case uint8_t(Op::stb): COVENANT_STORE(uint8_t, imm)
      case uint8_t(Op::sth): COVENANT_STORE(uint16_t, imm)
      case uint8_t(Op::stw): COVENANT_STORE(uint32_t, imm)
      case uint8_t(Op::stdw): COVENANT_STORE(uint64_t, imm)
      case uint8_t(Op::stxb): COVENANT_STORE(uint8_t, src)
      case uint8_t(Op::stxh): COVENANT_STORE(uint16_t, src)
      case uint8_t(Op::stxw): COVENANT_STORE(uint32_t, src)
      case uint8_t(Op::stxdw): COVENANT_STORE(uint64_t, src)
      // Frame-relative forms: the loader proved fp + offset stays inside the current frame.
      case uint8_t(Special::frame_ldxb): dst = load_as<uint8_t>(fp + d.target); ++pc; break;
      case uint8_t(Special::frame_ldxh): dst = load_as<uint16_t>(fp + d.target); ++pc; break;
      case uint8_t(Special::frame_ldxw): dst = load_as<uint32_t>(fp + d.target); ++pc; break;
      case uint8_t(Special::frame_ldxdw): dst = load_as<uint64_t>(fp + d.target); ++pc; break;
      case uint8_t(Special::frame_ldxsb): dst = static_cast<uint64_t>(int64_t{load_as<int8_t>(fp + d.target)}); ++pc; break;
      case uint8_t(Special::frame_ldxsh): dst = static_cast<uint64_t>(int64_t{load_as<int16_t>(fp + d.target)}); ++pc; break;
      case uint8_t(Special::frame_ldxsw): dst = static_cast<uint64_t>(int64_t{load_as<int32_t>(fp + d.target)}); ++pc; break;
      case uint8_t(Special::frame_stb): store_as<uint8_t>(fp + d.target, static_cast<uint8_t>(imm)); ++pc; break;
      case uint8_t(Special::frame_sth): store_as<uint16_t>(fp + d.target, static_cast<uint16_t>(imm)); ++pc; break;
      case uint8_t(Special::frame_stw): store_as<uint32_t>(fp + d.target, static_cast<uint32_t>(imm)); ++pc; break;
      case uint8_t(Special::frame_stdw): store_as<uint64_t>(fp + d.target, imm); ++pc; break;
      case uint8_t(Special::frame_stxb): store_as<uint8_t>(fp + d.target, static_cast<uint8_t>(src)); ++pc; break;
      case uint8_t(Special::frame_stxh): store_as<uint16_t>(fp + d.target, static_cast<uint16_t>(src)); ++pc; break;
      case uint8_t(Special::frame_stxw): store_as<uint32_t>(fp + d.target, static_cast<uint32_t>(src)); ++pc; break;
      case uint8_t(Special::frame_stxdw): store_as<uint64_t>(fp + d.target, src); ++pc; break;
      // ---- JMP: 64-bit comparisons
      case uint8_t(Op::ja):
      case uint8_t(Op::ja32):
        pc = static_cast<uint32_t>(d.target);
        COVENANT_CHARGE(pc);
        break;
      case uint8_t(Op::jeq_imm): COVENANT_BRANCH(dst == imm)
      case uint8_t(Op::jeq_reg): COVENANT_BRANCH(dst == src)
      case uint8_t(Op::jgt_imm): COVENANT_BRANCH(dst > imm)
      case uint8_t(Op::jgt_reg): COVENANT_BRANCH(dst > src)
      case uint8_t(Op::jge_imm): COVENANT_BRANCH(dst >= imm)
      case uint8_t(Op::jge_reg): COVENANT_BRANCH(dst >= src)
      case uint8_t(Op::jset_imm): COVENANT_BRANCH(dst & imm)
      case uint8_t(Op::jset_reg): COVENANT_BRANCH(dst & src)
      case uint8_t(Op::jne_imm): COVENANT_BRANCH(dst != imm)
      case uint8_t(Op::jne_reg): COVENANT_BRANCH(dst != src)
      case uint8_t(Op::jsgt_imm): COVENANT_BRANCH(static_cast<int64_t>(dst) > static_cast<int64_t>(imm))
      case uint8_t(Op::jsgt_reg): COVENANT_BRANCH(static_cast<int64_t>(dst) > static_cast<int64_t>(src))
      case uint8_t(Op::jsge_imm): COVENANT_BRANCH(static_cast<int64_t>(dst) >= static_cast<int64_t>(imm))
      case uint8_t(Op::jsge_reg): COVENANT_BRANCH(static_cast<int64_t>(dst) >= static_cast<int64_t>(src))
      case uint8_t(Op::jlt_imm): COVENANT_BRANCH(dst < imm)
      case uint8_t(Op::jlt_reg): COVENANT_BRANCH(dst < src)
      case uint8_t(Op::jle_imm): COVENANT_BRANCH(dst <= imm)
      case uint8_t(Op::jle_reg): COVENANT_BRANCH(dst <= src)
      case uint8_t(Op::jslt_imm): COVENANT_BRANCH(static_cast<int64_t>(dst) < static_cast<int64_t>(imm))
      case uint8_t(Op::jslt_reg): COVENANT_BRANCH(static_cast<int64_t>(dst) < static_cast<int64_t>(src))
      case uint8_t(Op::jsle_imm): COVENANT_BRANCH(static_cast<int64_t>(dst) <= static_cast<int64_t>(imm))
      case uint8_t(Op::jsle_reg): COVENANT_BRANCH(static_cast<int64_t>(dst) <= static_cast<int64_t>(src))
      // ---- JMP32: 32-bit comparisons
      case uint8_t(Op::jeq32_imm): COVENANT_BRANCH(u32(dst) == u32(imm))
      case uint8_t(Op::jeq32_reg): COVENANT_BRANCH(u32(dst) == u32(src))
      case uint8_t(Op::jgt32_imm): COVENANT_BRANCH(u32(dst) > u32(imm))
      case uint8_t(Op::jgt32_reg): COVENANT_BRANCH(u32(dst) > u32(src))
      case uint8_t(Op::jge32_imm): COVENANT_BRANCH(u32(dst) >= u32(imm))
      case uint8_t(Op::jge32_reg): COVENANT_BRANCH(u32(dst) >= u32(src))
      case uint8_t(Op::jset32_imm): COVENANT_BRANCH(u32(dst) & u32(imm))
      case uint8_t(Op::jset32_reg): COVENANT_BRANCH(u32(dst) & u32(src))
      case uint8_t(Op::jne32_imm): COVENANT_BRANCH(u32(dst) != u32(imm))
      case uint8_t(Op::jne32_reg): COVENANT_BRANCH(u32(dst) != u32(src))
      case uint8_t(Op::jsgt32_imm): COVENANT_BRANCH(s32(dst) > s32(imm))
      case uint8_t(Op::jsgt32_reg): COVENANT_BRANCH(s32(dst) > s32(src))
      case uint8_t(Op::jsge32_imm): COVENANT_BRANCH(s32(dst) >= s32(imm))
      case uint8_t(Op::jsge32_reg): COVENANT_BRANCH(s32(dst) >= s32(src))
      case uint8_t(Op::jlt32_imm): COVENANT_BRANCH(u32(dst) < u32(imm))
      case uint8_t(Op::jlt32_reg): COVENANT_BRANCH(u32(dst) < u32(src))
      case uint8_t(Op::jle32_imm): COVENANT_BRANCH(u32(dst) <= u32(imm))
      case uint8_t(Op::jle32_reg): COVENANT_BRANCH(u32(dst) <= u32(src))
      case uint8_t(Op::jslt32_imm): COVENANT_BRANCH(s32(dst) < s32(imm))
      case uint8_t(Op::jslt32_reg): COVENANT_BRANCH(s32(dst) < s32(src))
      case uint8_t(Op::jsle32_imm): COVENANT_BRANCH(s32(dst) <= s32(imm))
      case uint8_t(Op::jsle32_reg): COVENANT_BRANCH(s32(dst) <= s32(src))
      // ---- Calls
      case uint8_t(Op::call_helper): {
        // The host works on copies of the gas counter and the arguments, so that neither
        // `gas` nor `reg` escapes and the compiler may keep them in registers.
        uint64_t host_gas = gas;
        HostCall call(space_, marks, host_gas, host_context, pc);
        std::memcpy(call.args, &reg[1], sizeof call.args);
        uint64_t result = hosts[d.target].fn(call);
        gas = host_gas;
        if (call.fault()) {
          fault = std::move(*call.fault());
          goto faulted;
        }
        reg[0] = result;
        ++pc;
        break;
      }
      case uint8_t(Op::call_local): {
        if (depth + 1 >= limits.max_call_depth) {
          fault = Fault{.kind = FaultKind::call_depth, .pc = pc, .needed = limits.max_call_depth};
          goto faulted;
        }
        Frame& f = frames[depth++];
        f.return_pc = pc + 1;
        std::memcpy(f.saved, &reg[6], sizeof f.saved);
        fp -= frame_size;
        reg[10] -= frame_size;
        uint64_t reach = static_cast<uint64_t>(fp - stack_.data()) - need;
        if (reach < marks.stack_low) marks.stack_low = reach;
        pc = static_cast<uint32_t>(d.target);
        COVENANT_CHARGE(pc);
        break;
      }
      case uint8_t(Op::exit): {
        if (depth == 0) {
          out.r0 = reg[0];
          goto finished;
        }
        const Frame& f = frames[--depth];
        std::memcpy(&reg[6], f.saved, sizeof f.saved);
        fp += frame_size;
        reg[10] += frame_size;
        pc = f.return_pc;
        COVENANT_CHARGE(pc);
        break;
      }
      default:
        // Unreachable for verified code: atomics, callx, packet access and lddw tails are
        // rejected or skipped. Kept as a fault rather than undefined behaviour.
        fault = Fault{.kind = FaultKind::bad_call, .pc = pc, .message = "instruction not executable"};
        goto faulted;
    }
  }
#undef COVENANT_BRANCH
#undef COVENANT_STORE
#undef COVENANT_LOAD
#undef COVENANT_TRANSLATE
#undef COVENANT_CHARGE

faulted:
  out.fault = std::move(fault);
finished:
  out.gas_used = limits.gas - gas;
  stack_low_ = marks.stack_low;
  heap_high_ = marks.heap_high;
  scrub();
  return out;
}

}  // namespace covenant::vm
