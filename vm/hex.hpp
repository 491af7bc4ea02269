#pragma once
/// \file
/// Hex text <-> bytes, for command lines, test files and printed identities.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace covenant {

/// Value of one hex digit (either case), or -1 if `c` is not one.
int hex_digit(char c);

/// Parses hex digits into bytes. Whitespace between digit pairs is ignored; an optional "0x"
/// prefix before each group is allowed. Returns nothing on a non-hex character or an odd
/// number of digits in a group.
std::optional<std::vector<uint8_t>> parse_hex(std::string_view text);

/// One byte as "0x" and two lower-case hex digits, e.g. "0x0f" (for messages).
std::string hex_byte(uint8_t byte);

/// Lower-case hex of `bytes`, no separators.
std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace covenant
