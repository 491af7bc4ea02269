#pragma once
/// \file
/// A bytecode builder for tests: `Code{}.mov(0, 7).exit()` reads like the program it builds.

#include <vector>

#include "vm/opcodes.hpp"

namespace covenant::vm::testing {

/// Builds raw instruction slots from table forms.
struct Code {
  std::vector<RawInsn> slots;

  /// Appends one slot of form `op` with the given fields; the discriminator is filled in.
  Code& op(Op o, uint8_t dst = 0, uint8_t src = 0, int16_t offset = 0, int32_t imm = 0) {
    const OpcodeInfo& row = info(o);
    RawInsn insn{row.opcode, dst, src, offset, imm};
    switch (row.discriminator) {
      case Discriminator::offset: insn.offset = static_cast<int16_t>(row.disc_value); break;
      case Discriminator::imm: insn.imm = row.disc_value; break;
      case Discriminator::src: insn.src = static_cast<uint8_t>(row.disc_value); break;
      case Discriminator::none: break;
    }
    slots.push_back(insn);
    return *this;
  }
  Code& raw(RawInsn insn) { slots.push_back(insn); return *this; }
  Code& mov(uint8_t dst, int32_t imm) { return op(Op::mov64_imm, dst, 0, 0, imm); }
  Code& movr(uint8_t dst, uint8_t src) { return op(Op::mov64_reg, dst, src); }
  Code& alu(Op o, uint8_t dst, int32_t imm) { return op(o, dst, 0, 0, imm); }
  Code& alur(Op o, uint8_t dst, uint8_t src) { return op(o, dst, src); }
  Code& lddw(uint8_t dst, uint64_t value) {
    op(Op::lddw, dst, 0, 0, static_cast<int32_t>(static_cast<uint32_t>(value)));
    slots.push_back(RawInsn{0, 0, 0, 0, static_cast<int32_t>(static_cast<uint32_t>(value >> 32))});
    return *this;
  }
  Code& load(Op o, uint8_t dst, uint8_t base, int16_t offset) { return op(o, dst, base, offset); }
  Code& store(Op o, uint8_t base, int16_t offset, uint8_t src) { return op(o, base, src, offset); }
  Code& store_imm(Op o, uint8_t base, int16_t offset, int32_t imm) { return op(o, base, 0, offset, imm); }
  Code& jump(int16_t offset) { return op(Op::ja, 0, 0, offset); }
  Code& branch(Op o, uint8_t dst, int32_t imm, int16_t offset) { return op(o, dst, 0, offset, imm); }
  Code& branchr(Op o, uint8_t dst, uint8_t src, int16_t offset) { return op(o, dst, src, offset); }
  Code& call(int32_t host_id) { return op(Op::call_helper, 0, 0, 0, host_id); }
  Code& call_local(int32_t relative) { return op(Op::call_local, 0, 0, 0, relative); }
  Code& exit() { return op(Op::exit); }
};

}  // namespace covenant::vm::testing
