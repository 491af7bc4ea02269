#pragma once
/// \file
/// A loaded program: verified, pre-decoded once into the form the interpreter executes, with
/// the gas of each straight-line run computed ahead of time. Immutable and shareable between
/// threads; each thread runs it with its own `Machine`.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "vm/expected.hpp"
#include "vm/host.hpp"
#include "vm/verifier.hpp"

namespace covenant::vm {

/// Forms the loader adds beyond the table's `Op`s. `frame_*` are loads and stores at a
/// constant negative offset from r10 that stay inside the current frame, so they skip address
/// translation; `lddw_tail` marks the second slot of an lddw (never executed).
enum class Special : uint8_t {
  frame_ldxb = kOpCount, frame_ldxh, frame_ldxw, frame_ldxdw, frame_ldxsb, frame_ldxsh,
  frame_ldxsw, frame_stb, frame_sth, frame_stw, frame_stdw, frame_stxb, frame_stxh, frame_stxw,
  frame_stxdw, lddw_tail,
  // Unsigned division and modulo by a constant, done as a multiply by a magic number that the
  // loader computed (`Program::divisors()[target]`); exact for every dividend.
  div64_const, mod64_const, div32_const, mod32_const,
  // Loads at a constant non-negative offset from r1 where r1 holds the input's address on
  // every path from the entry (a dataflow over the entry function), so the access is checked
  // against the input size alone (`imm` holds offset + size). Same faults and addresses as
  // the general form.
  input_ldxb, input_ldxh, input_ldxw, input_ldxdw, input_ldxsb, input_ldxsh, input_ldxsw,
  // `if cond goto +1; mov` (min, max, clamp: what compilers emit for `x = c ? x : y`) as one
  // branch-free step; `target` holds a `Select` word, the next slot keeps the mov. Gas and
  // fault pcs are those of the two instructions executed one by one.
  select,
  // `rA = rB; rA op= X` (eBPF is two-address, so compilers emit this constantly) as one
  // three-address step `rA = rB op X`: dst = A, src = B, and X in `imm` or, for the register
  // forms, the register number in `target` (never A). The op's slot stays as it is.
  mov_add_imm, mov_add_reg, mov_sub_imm, mov_sub_reg, mov_mul_imm, mov_mul_reg, mov_and_imm,
  mov_and_reg, mov_or_imm, mov_or_reg, mov_xor_imm, mov_xor_reg, mov_lsh_imm, mov_lsh_reg,
  mov_rsh_imm, mov_rsh_reg, mov_arsh_imm, mov_arsh_reg,
  end_
};
static_assert(static_cast<size_t>(Special::end_) <= 256, "decoded kinds must fit in a byte");

/// One pre-decoded instruction (16 bytes). `kind` is an `Op` or a `Special`; `target` is an
/// absolute slot for jumps and local calls, the offset for memory forms, the host index for
/// host calls.
struct Decoded {
  uint8_t kind = 0;
  uint8_t dst = 0;
  uint8_t src = 0;
  uint8_t flags = 0;   ///< `kFunctionStart` if a function starts at this slot.
  int32_t target = 0;
  int32_t imm = 0;
  /// Gas charged when execution enters a run of code at this slot (0 if no run starts here).
  uint32_t entry_gas = 0;
};

/// How a fused `select` evaluates its condition, packed into `Decoded::target`: every eBPF
/// comparison is one of eq, unsigned <, signed < and "bits in common", with the operands
/// possibly swapped and the result possibly negated; 32-bit forms compare the low halves
/// (shifted to the top, which keeps both orders and equality).
struct Select {
  enum Base : uint32_t { eq = 0, ult = 1, slt = 2, set = 3 };
  static constexpr uint32_t kSwap = 1u << 2, kNegate = 1u << 3, kLow32 = 1u << 4,
                            kRegOperand = 1u << 5, kMovReg = 1u << 6, kMov32 = 1u << 7;
};

/// `Decoded::flags` bit: a function starts at this slot.
inline constexpr uint8_t kFunctionStart = 1;

/// Unsigned division by a constant `d` as a multiply (Granlund & Montgomery 1994, §4):
/// q = (t + ((n - t) >> 1)) >> (shift - 1) with t = mulhi(multiplier, n); d = 1 has shift 0.
struct Divisor {
  uint64_t divisor = 1;
  uint64_t multiplier = 0;
  uint32_t shift = 0;

  /// Precomputes the multiplier for `d` (d >= 1).
  static Divisor of(uint64_t d);
  /// n / d, exactly, for every n.
  uint64_t divide(uint64_t n) const {
    if (shift == 0) return n;
    uint64_t t = static_cast<uint64_t>((static_cast<unsigned __int128>(multiplier) * n) >> 64);
    return (t + ((n - t) >> 1)) >> (shift - 1);
  }
};

/// A verified, pre-decoded program plus its read-only data.
class Program {
 public:
  /// Verifies and pre-decodes `code`. `rodata` is copied and mapped read-only at
  /// `region_base(Region::rodata)`. Fails with the verifier's reason.
  static Expected<Program, VerifyError> load(std::span<const RawInsn> code,
                                             std::span<const uint8_t> rodata = {},
                                             std::span<const uint32_t> entry_points = {},
                                             const HostTable& hosts = test_host_table());

  /// As `load`, from raw little-endian bytes whose length must be a multiple of 8.
  static Expected<Program, VerifyError> load_bytes(std::span<const uint8_t> bytes,
                                                   std::span<const uint8_t> rodata = {},
                                                   std::span<const uint32_t> entry_points = {},
                                                   const HostTable& hosts = test_host_table());

  /// Number of instruction slots.
  size_t size() const { return code_.size(); }
  /// Pre-decoded code, one element per slot.
  std::span<const Decoded> code() const { return code_; }
  std::span<const uint8_t> rodata() const { return rodata_; }
  /// Host functions referenced by the code, indexed by `Decoded::target` of host calls.
  std::span<const HostFunction> hosts() const { return hosts_; }
  /// Host ids parallel to `hosts()`.
  std::span<const uint32_t> host_ids() const { return host_ids_; }
  std::span<const uint32_t> function_starts() const { return function_starts_; }
  /// True if `pc` is the first slot of a function (a valid entry).
  bool is_function_start(uint32_t pc) const {
    return pc < code_.size() && (code_[pc].flags & kFunctionStart) != 0;
  }
  /// Constant divisors, indexed by `Decoded::target` of the `*_const` division forms.
  std::span<const Divisor> divisors() const { return divisors_; }
  /// Bytes below r10 that frame-relative accesses with constant offsets reach; a call's
  /// frame size must be at least this.
  uint32_t static_frame_need() const { return static_frame_need_; }

 private:
  std::vector<Decoded> code_;
  std::vector<uint8_t> rodata_;
  std::vector<HostFunction> hosts_;
  std::vector<uint32_t> host_ids_;
  std::vector<uint32_t> function_starts_;
  std::vector<Divisor> divisors_;
  uint32_t static_frame_need_ = 0;
};

}  // namespace covenant::vm
