#pragma once
/// \file
/// One instruction slot as a 64-bit word, the way the bpf_conformance `-- raw` sections and
/// the assembler's `.raw` directive write it: the little-endian reading of the slot's 8
/// bytes, so the low byte is the opcode and the upper 32 bits are the immediate
/// (`0x5566778800000018` is `lddw` with imm 0x55667788).

#include <cstdint>

#include "vm/opcodes.hpp"

namespace covenant::vm {

/// The slot whose little-endian 8-byte encoding reads as `word`.
inline RawInsn from_raw_word(uint64_t word) {
  uint8_t bytes[kSlotSize];
  for (size_t i = 0; i < kSlotSize; ++i)
    bytes[i] = static_cast<uint8_t>(word >> (8 * i));
  return RawInsn::decode(bytes);
}

/// The little-endian reading of `insn`'s 8-byte encoding; inverse of `from_raw_word`.
inline uint64_t to_raw_word(const RawInsn& insn) {
  uint8_t bytes[kSlotSize];
  insn.encode(bytes);
  uint64_t word = 0;
  for (size_t i = 0; i < kSlotSize; ++i)
    word |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  return word;
}

}  // namespace covenant::vm
