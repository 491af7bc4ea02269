#pragma once
/// \file
/// The eBPF instruction set (RFC 9669) as one table. Every instruction form the VM knows is
/// one row: its mnemonic in the bpf_conformance text syntax, its encoding, which fields it
/// uses, its conformance group, its gas cost class and one line of semantics. The verifier,
/// the interpreter's decoder, the assembler and the disassembler all read this table.
///
/// Encoding (RFC 9669 §3), 8 bytes, little-endian:
///
///     bits  0..7   opcode   (class in bits 0..2, then source bit 3 and operation 4..7 for
///                            ALU/JMP classes, or size 3..4 and mode 5..7 for memory classes)
///     bits  8..11  dst_reg
///     bits 12..15  src_reg
///     bits 16..31  offset   (signed 16-bit)
///     bits 32..63  imm      (signed 32-bit)
///
/// `lddw` takes two slots; the second has opcode 0 and carries the upper 32 bits in imm.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace covenant::vm {

/// One raw 8-byte instruction slot, decoded field by field.
struct RawInsn {
  uint8_t opcode = 0;
  uint8_t dst = 0;   ///< 0..15 as encoded; only 0..10 are registers.
  uint8_t src = 0;   ///< 0..15 as encoded.
  int16_t offset = 0;
  int32_t imm = 0;

  /// Decodes one slot from 8 little-endian bytes.
  static RawInsn decode(const uint8_t* bytes);
  /// Encodes this slot into 8 little-endian bytes.
  void encode(uint8_t* bytes) const;
  friend bool operator==(const RawInsn&, const RawInsn&) = default;
};

/// Size in bytes of one instruction slot.
inline constexpr size_t kSlotSize = 8;
/// Number of registers r0..r10; r10 is the read-only frame pointer.
inline constexpr uint8_t kRegisterCount = 11;
/// The frame pointer register.
inline constexpr uint8_t kFramePointer = 10;

/// RFC 9669 conformance groups (§2.4), plus `callx` as bpf_conformance names it.
enum class Group : uint8_t { base32, base64, divmul32, divmul64, atomic32, atomic64, callx, packet };

/// Name of a group as the RFC spells it ("base32", ...).
std::string_view group_name(Group g);
/// True for the groups this VM executes: base32, base64, divmul32, divmul64.
bool group_supported(Group g);

/// How an instruction's gas is priced; the schedule is in gas.hpp and docs/gas.md.
enum class CostClass : uint8_t { alu, mul, div, load, store, lddw, branch, call_local, call_host, exit, unsupported };

/// The operand shape of an instruction form, which fixes what each field holds and how the
/// text syntax looks.
enum class Form : uint8_t {
  alu_reg,     ///< `add %rD, %rS`           imm = 0
  alu_imm,     ///< `add %rD, imm`           src = 0
  unary,       ///< `neg %rD`, `be16 %rD`    src = 0, offset = 0
  lddw,        ///< `lddw %rD, imm64`        two slots
  load,        ///< `ldxw %rD, [%rS+off]`    imm = 0
  store_imm,   ///< `stw [%rD+off], imm`     src = 0
  store_reg,   ///< `stxw [%rD+off], %rS`    imm = 0
  atomic,      ///< `lock add [%rD+off], %rS`
  jump,        ///< `ja target`              offset is the target, dst = src = imm = 0
  jump_long,   ///< `ja32 target`            imm is the target, dst = src = offset = 0
  branch_imm,  ///< `jeq %rD, imm, target`   src = 0
  branch_reg,  ///< `jeq %rD, %rS, target`   imm = 0
  call_helper, ///< `call imm`               dst = offset = 0, src = 0
  call_local,  ///< `call local target`      dst = offset = 0, src = 1, imm is the target
  call_reg,    ///< `call %rD`               (callx)
  exit,        ///< `exit`                   every field 0
  packet_abs,  ///< `ldabsw imm`             legacy packet access
  packet_ind,  ///< `ldindw %rS, imm`        legacy packet access
};

/// Which field, besides the opcode byte, tells apart forms that share an opcode.
enum class Discriminator : uint8_t { none, offset, imm, src };

/// Every instruction form, in table order (`kOpcodeTable[size_t(op)].op == op`).
enum class Op : uint8_t {
  // ALU64 (class 7)
  add64_imm, add64_reg, sub64_imm, sub64_reg, mul64_imm, mul64_reg, div64_imm, div64_reg,
  sdiv64_imm, sdiv64_reg, or64_imm, or64_reg, and64_imm, and64_reg, lsh64_imm, lsh64_reg,
  rsh64_imm, rsh64_reg, neg64, mod64_imm, mod64_reg, smod64_imm, smod64_reg, xor64_imm,
  xor64_reg, mov64_imm, mov64_reg, movsx8_64, movsx16_64, movsx32_64, arsh64_imm, arsh64_reg,
  bswap16, bswap32, bswap64,
  // ALU (class 4)
  add32_imm, add32_reg, sub32_imm, sub32_reg, mul32_imm, mul32_reg, div32_imm, div32_reg,
  sdiv32_imm, sdiv32_reg, or32_imm, or32_reg, and32_imm, and32_reg, lsh32_imm, lsh32_reg,
  rsh32_imm, rsh32_reg, neg32, mod32_imm, mod32_reg, smod32_imm, smod32_reg, xor32_imm,
  xor32_reg, mov32_imm, mov32_reg, movsx8_32, movsx16_32, arsh32_imm, arsh32_reg,
  le16, le32, le64, be16, be32, be64,
  // Memory
  lddw, ldxb, ldxh, ldxw, ldxdw, ldxsb, ldxsh, ldxsw, stb, sth, stw, stdw, stxb, stxh, stxw,
  stxdw,
  // Atomics (rejected by the verifier)
  atomic_add32, atomic_or32, atomic_and32, atomic_xor32, atomic_fetch_add32, atomic_fetch_or32,
  atomic_fetch_and32, atomic_fetch_xor32, atomic_xchg32, atomic_cmpxchg32,
  atomic_add64, atomic_or64, atomic_and64, atomic_xor64, atomic_fetch_add64, atomic_fetch_or64,
  atomic_fetch_and64, atomic_fetch_xor64, atomic_xchg64, atomic_cmpxchg64,
  // Legacy packet access (rejected by the verifier)
  ldabsb, ldabsh, ldabsw, ldabsdw, ldindb, ldindh, ldindw, ldinddw,
  // JMP (class 5): 64-bit comparisons
  ja, jeq_imm, jeq_reg, jgt_imm, jgt_reg, jge_imm, jge_reg, jset_imm, jset_reg, jne_imm,
  jne_reg, jsgt_imm, jsgt_reg, jsge_imm, jsge_reg, jlt_imm, jlt_reg, jle_imm, jle_reg,
  jslt_imm, jslt_reg, jsle_imm, jsle_reg, call_helper, call_local, callx, exit,
  // JMP32 (class 6): 32-bit comparisons and the long jump
  ja32, jeq32_imm, jeq32_reg, jgt32_imm, jgt32_reg, jge32_imm, jge32_reg, jset32_imm,
  jset32_reg, jne32_imm, jne32_reg, jsgt32_imm, jsgt32_reg, jsge32_imm, jsge32_reg, jlt32_imm,
  jlt32_reg, jle32_imm, jle32_reg, jslt32_imm, jslt32_reg, jsle32_imm, jsle32_reg,
  count_
};

/// Number of instruction forms in the table.
inline constexpr size_t kOpCount = static_cast<size_t>(Op::count_);

/// One row of the table.
struct OpcodeInfo {
  Op op;
  std::string_view mnemonic;   ///< Text-syntax name; atomics are two or three words.
  uint8_t opcode;              ///< The opcode byte.
  Form form;
  Discriminator discriminator; ///< Field that must hold `disc_value` for this form.
  int32_t disc_value;
  Group group;
  CostClass cost;
  uint8_t min_cpu;             ///< First `-mcpu=vN` that has this form.
  std::string_view semantics;  ///< One line, RFC 9669 wording condensed.
};

/// The table, one row per `Op`, in `Op` order.
extern const std::array<OpcodeInfo, kOpCount> kOpcodeTable;

/// The row of an instruction form.
inline const OpcodeInfo& info(Op op) { return kOpcodeTable[static_cast<size_t>(op)]; }

/// Identifies the form of a raw slot from its opcode byte and discriminating field, or
/// nothing for an opcode this table does not know. Does not check the other fields.
std::optional<Op> identify(const RawInsn& insn);

/// Looks a form up by mnemonic (aliases accepted: `add64` for `add`, `swap16` for `bswap16`,
/// ...). Several forms share a mnemonic (imm and reg variants); all are returned, in table order.
std::span<const Op> lookup_mnemonic(std::string_view mnemonic);

/// True for forms that write their dst register: ALU operations, byte swaps, lddw, loads.
bool writes_dst(Form form);

/// The slot a jump, branch or local call at `pc` goes to (pc + 1 + offset, or + imm for
/// `ja32` and `call local`); nothing for other forms. The slot may lie outside the code.
std::optional<int64_t> jump_target(Op op, const RawInsn& insn, size_t pc);

/// Checks the fields RFC 9669 requires to be zero (or fixed) for `op`'s form, and register
/// numbers. Returns a reason on failure, e.g. "non-zero src field (must be 0)".
std::optional<std::string_view> check_fields(Op op, const RawInsn& insn);

}  // namespace covenant::vm
