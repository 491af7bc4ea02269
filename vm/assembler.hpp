#pragma once
/// \file
/// Assembler for the bpf_conformance text syntax, driven by the opcode table (opcodes.hpp):
/// a mnemonic names a set of rows, the operands pick the row whose `Form` they fit, and the
/// row's opcode byte and discriminator fix the encoding. There is no second opcode list.
///
/// Syntax, one instruction per line:
///
///     # comment                     whole-line or trailing, to the end of the line
///     name:                         a label (may equal a mnemonic: `exit:`); an instruction
///                                   may follow on the same line
///     add %r1, %r2                  registers %r0..%r10
///     mov32 %r0, -3                 immediates: decimal or 0x hex, optionally negative
///     lddw %r0, 0x1122334455667788  64-bit immediate, two slots
///     ldxw %r0, [%r1+4]             memory operands [%rN], [%rN+off], [%rN-off]
///     stw [%r10-8], 7
///     jeq %r1, 0xb, done            jump targets: a label or a signed offset (+1, -3)
///     ja32 far                      `ja` encodes the target in offset, `ja32` in imm
///     call 5                        host (helper) function 5
///     call local f                  local function at label f
///     call %r2                      callx (also `callx %r2`); the register goes in dst
///     lock fetch add32 [%r10-8], %r1
///     .raw 0x0000000000000095       one slot verbatim, as a little-endian 64-bit word
///
/// Range rules: a 32-bit immediate in decimal must fit int32 and in hex may be up to
/// 0xffffffff (read as its two's complement); offsets follow the same rule for 16 bits
/// (decimal -32768..32767, hex up to 0xffff). `lddw` takes any 64-bit value. A jump to the
/// label `exit` with no such label goes to the first `exit` instruction (upstream's
/// convention, which the conformance vectors rely on).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vm/expected.hpp"
#include "vm/opcodes.hpp"

namespace covenant::vm {

/// Why a text could not be assembled, and where.
struct AsmError {
  uint32_t line = 0;    ///< 1-based line of the offending text.
  uint32_t column = 0;  ///< 1-based column (in bytes) of the offending token.
  std::string reason;   ///< e.g. "unknown mnemonic 'ldxq'".
};

/// Renders an error as "line:column: reason".
std::string to_string(const AsmError& error);

/// Assembles `text` into instruction slots; `first_line` is the number reported for the
/// text's first line (e.g. where it starts in an enclosing file). Fails, with the position
/// of the first problem,
/// on: an unknown mnemonic, label or register; a wrong number or kind of operands; a number
/// that is malformed or out of its field's range; a jump or call whose target does not fit
/// its field; a duplicate or malformed label; and a text with no instruction at all.
/// Assembling does not verify: the result may still be rejected by `verify`.
Expected<std::vector<RawInsn>, AsmError> assemble(std::string_view text, uint32_t first_line = 1);

}  // namespace covenant::vm
