#pragma once
/// \file
/// The operand grammar of the assembler (assembler.hpp): registers, memory operands and
/// numbers with the range rule of the field they go into. Separate from the assembler's
/// line, label and mnemonic handling so each part stays small; only the assembler uses it.

#include <cstdint>
#include <string>
#include <string_view>

#include "vm/expected.hpp"

namespace covenant::vm::asm_operands {

/// A problem inside one operand: `at` is the byte offset in the operand text where the
/// offending part starts, so the caller can turn it into a column.
struct OperandError {
  size_t at = 0;
  std::string reason;
};

/// A memory operand `[%rN+off]`.
struct Memory {
  uint8_t reg = 0;
  int16_t offset = 0;
};

/// True for blanks other than newline.
bool is_space(char c);
/// True for characters of a mnemonic word or label name: letters, digits, '_' and '.'.
bool is_word_char(char c);
/// True for a label name: word characters, not starting with a digit.
bool is_label_name(std::string_view s);
/// `s` without leading and trailing blanks.
std::string_view trim(std::string_view s);

/// `%r0`..`%r10`. Fails on anything else, `%r11` included.
Expected<uint8_t, OperandError> parse_register(std::string_view text);

/// `[%rN]`, `[%rN+off]` or `[%rN-off]`, blanks allowed inside the brackets. The offset
/// follows the 16-bit rule of `parse_field`. Fails on a malformed operand or register or an
/// offset out of range.
Expected<Memory, OperandError> parse_memory(std::string_view text);

/// An optionally signed decimal or 0x-hex number for a signed field of `bits` (16 or 32)
/// bits: decimal must fit the signed range, hex may use the unsigned range up to 2^bits - 1
/// and is read as two's complement. `what` names the field in errors ("immediate").
Expected<int64_t, OperandError> parse_field(std::string_view text, unsigned bits,
                                            std::string_view what);

/// A 64-bit immediate (lddw): anything from -2^63 to 2^64 - 1, decimal or hex.
Expected<uint64_t, OperandError> parse_imm64(std::string_view text);

/// A non-negative number of at most 64 bits (the `.raw` word).
Expected<uint64_t, OperandError> parse_word(std::string_view text);

}  // namespace covenant::vm::asm_operands
