#pragma once
/// \file
/// Disassembler: prints instruction slots in the text syntax that `assemble` reads
/// (assembler.hpp), driven by the opcode table. For every input, `assemble(disassemble(c))`
/// gives back exactly `c`: slots that the syntax cannot express (unknown opcodes, non-zero
/// reserved fields, registers above r10, an lddw without a proper second slot) are printed
/// as `.raw 0x<word>` lines, with the reason in a trailing comment.

#include <cstddef>
#include <span>
#include <string>

#include "vm/host.hpp"
#include "vm/opcodes.hpp"

namespace covenant::vm {

/// The whole program, one instruction per line. Every valid jump or `call local` target gets
/// a label `L<slot>:` on its own line and is referred to by it; targets outside the code or
/// inside an lddw are printed as signed offsets (`+3`, `-1`). With `hosts`, host calls carry
/// the host function's name as a trailing comment. Never fails.
std::string disassemble(std::span<const RawInsn> code, const HostTable* hosts = nullptr);

/// The instruction starting at slot `pc` of `code` as one line without a newline, with
/// jump targets as signed offsets. An lddw reads its second slot from `pc + 1`. Returns ""
/// when `pc` is outside `code`.
std::string disassemble_one(std::span<const RawInsn> code, size_t pc,
                            const HostTable* hosts = nullptr);

/// Number of slots the instruction at `pc` occupies in the disassembly: 2 for a well-formed
/// lddw, 1 otherwise (0 when `pc` is outside `code`).
size_t slot_width(std::span<const RawInsn> code, size_t pc);

}  // namespace covenant::vm
