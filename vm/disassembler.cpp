#include "vm/disassembler.hpp"

#include <optional>
#include <vector>

#include "vm/hex.hpp"
#include "vm/raw_word.hpp"

namespace covenant::vm {
namespace {

std::string reg(uint8_t r) {
  return "%r" + std::to_string(r);
}

std::string mem(uint8_t r, int16_t offset) {
  if (offset == 0) return "[" + reg(r) + "]";
  int magnitude = offset < 0 ? -int{offset} : int{offset};
  return "[" + reg(r) + (offset < 0 ? "-" : "+") + std::to_string(magnitude) + "]";
}

std::string hex64(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 60; shift >= 0; shift -= 4)
    s += kDigits[(v >> shift) & 0xf];
  return s;
}

bool opcode_byte_known(uint8_t opcode) {
  for (const OpcodeInfo& row : kOpcodeTable)
    if (row.opcode == opcode) return true;
  return false;
}

// The form of the instruction at `pc`, or why the text syntax cannot express that slot.
struct Decoding {
  std::optional<Op> op;
  std::string invalid;  // set when `op` is empty
};

Decoding decode_at(std::span<const RawInsn> code, size_t pc) {
  const RawInsn& insn = code[pc];
  std::optional<Op> op = identify(insn);
  if (!op) {
    return {std::nullopt, opcode_byte_known(insn.opcode)
                              ? "opcode " + hex_byte(insn.opcode) + " with no form for these fields"
                              : "unknown opcode " + hex_byte(insn.opcode)};
  }
  if (auto bad = check_fields(*op, insn))
    return {std::nullopt, std::string(info(*op).mnemonic) + ": " + std::string(*bad)};
  if (*op == Op::lddw) {
    if (pc + 1 >= code.size()) return {std::nullopt, "lddw without its second slot"};
    const RawInsn& tail = code[pc + 1];
    if (tail.opcode != 0 || tail.dst != 0 || tail.src != 0 || tail.offset != 0)
      return {std::nullopt, "lddw whose second slot has a non-zero opcode, register or offset"};
  }
  return {op, {}};
}


// `labelled[slot]` is true for slots printed with a label; null prints signed offsets only.
std::string format(std::span<const RawInsn> code, size_t pc, const HostTable* hosts,
                   const std::vector<bool>* labelled) {
  const RawInsn& insn = code[pc];
  Decoding d = decode_at(code, pc);
  if (!d.op) return ".raw " + hex64(to_raw_word(insn)) + "  # " + d.invalid;
  const OpcodeInfo& row = info(*d.op);
  auto target = [&](int64_t delta) {
    int64_t slot = static_cast<int64_t>(pc) + 1 + delta;
    if (labelled && slot >= 0 && slot < static_cast<int64_t>(code.size()) && (*labelled)[slot])
      return "L" + std::to_string(slot);
    return (delta >= 0 ? "+" : "") + std::to_string(delta);
  };
  std::string imm = std::to_string(insn.imm);
  std::string operands;
  switch (row.form) {
    case Form::alu_reg:
      operands = reg(insn.dst) + ", " + reg(insn.src);
      break;
    case Form::alu_imm:
      operands = reg(insn.dst) + ", " + imm;
      break;
    case Form::unary:
      operands = reg(insn.dst);
      break;
    case Form::lddw: {
      uint64_t value = static_cast<uint64_t>(static_cast<uint32_t>(code[pc + 1].imm)) << 32 |
                       static_cast<uint32_t>(insn.imm);
      operands = reg(insn.dst) + ", " + hex64(value);
      break;
    }
    case Form::load:
      operands = reg(insn.dst) + ", " + mem(insn.src, insn.offset);
      break;
    case Form::store_imm:
      operands = mem(insn.dst, insn.offset) + ", " + imm;
      break;
    case Form::store_reg:
    case Form::atomic:
      operands = mem(insn.dst, insn.offset) + ", " + reg(insn.src);
      break;
    case Form::jump:
      operands = target(insn.offset);
      break;
    case Form::jump_long:
      operands = target(insn.imm);
      break;
    case Form::branch_imm:
      operands = reg(insn.dst) + ", " + imm + ", " + target(insn.offset);
      break;
    case Form::branch_reg:
      operands = reg(insn.dst) + ", " + reg(insn.src) + ", " + target(insn.offset);
      break;
    case Form::call_helper:
      operands = imm;
      break;
    case Form::call_local:
      operands = target(insn.imm);
      break;
    case Form::call_reg:
      operands = reg(insn.dst);
      break;
    case Form::exit:
      break;
    case Form::packet_abs:
      operands = imm;
      break;
    case Form::packet_ind:
      operands = reg(insn.src) + ", " + imm;
      break;
  }
  std::string text(row.mnemonic);
  if (!operands.empty()) text += " " + operands;
  if (row.form == Form::call_helper && hosts) {
    if (const HostFunction* fn = hosts->find(static_cast<uint32_t>(insn.imm)))
      text += "  # " + fn->name;
  }
  return text;
}

}  // namespace

size_t slot_width(std::span<const RawInsn> code, size_t pc) {
  if (pc >= code.size()) return 0;
  Decoding d = decode_at(code, pc);
  return d.op == Op::lddw ? 2 : 1;
}

std::string disassemble_one(std::span<const RawInsn> code, size_t pc, const HostTable* hosts) {
  if (pc >= code.size()) return {};
  return format(code, pc, hosts, nullptr);
}

std::string disassemble(std::span<const RawInsn> code, const HostTable* hosts) {
  const size_t n = code.size();
  std::vector<bool> starts(n, false), labelled(n, false);
  for (size_t pc = 0; pc < n; pc += slot_width(code, pc))
    starts[pc] = true;
  for (size_t pc = 0; pc < n; ++pc) {
    if (!starts[pc]) continue;
    Decoding d = decode_at(code, pc);
    if (!d.op) continue;
    if (auto slot = jump_target(*d.op, code[pc], pc);
        slot && *slot >= 0 && *slot < static_cast<int64_t>(n))
      if (starts[*slot]) labelled[*slot] = true;
  }
  std::string out;
  for (size_t pc = 0; pc < n; ++pc) {
    if (!starts[pc]) continue;
    if (labelled[pc]) out += "L" + std::to_string(pc) + ":\n";
    out += format(code, pc, hosts, &labelled);
    out += '\n';
  }
  return out;
}

}  // namespace covenant::vm
