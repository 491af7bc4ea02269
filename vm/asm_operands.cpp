#include "vm/asm_operands.hpp"

#include <optional>

#include "vm/opcodes.hpp"

namespace covenant::vm::asm_operands {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A number as written: sign, base and magnitude. Its range is checked against the field it
// goes into, because the rule depends on the base.
struct Number {
  bool negative = false;
  bool hex = false;
  uint64_t magnitude = 0;
};

enum class NumberStatus : uint8_t { ok, malformed, too_large };

// number := [+-]? ('0x' hex-digit+ | digit+)
NumberStatus parse_number(std::string_view s, Number& out) {
  out = {};
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    out.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    out.hex = true;
    s.remove_prefix(2);
  }
  if (s.empty()) return NumberStatus::malformed;
  const uint64_t base = out.hex ? 16 : 10;
  for (char c : s) {
    if (out.hex ? !is_hex(c) : !is_digit(c)) return NumberStatus::malformed;
    uint64_t digit = is_digit(c) ? uint64_t(c - '0') : uint64_t((c | 0x20) - 'a' + 10);
    if (out.magnitude > (UINT64_MAX - digit) / base) return NumberStatus::too_large;
    out.magnitude = out.magnitude * base + digit;
  }
  return NumberStatus::ok;
}

// The value of `n` in a signed field of `bits` bits (see parse_field).
std::optional<int64_t> fit_field(const Number& n, unsigned bits) {
  const uint64_t half = uint64_t{1} << (bits - 1);
  if (n.negative) {
    if (n.magnitude > half) return std::nullopt;
    return -static_cast<int64_t>(n.magnitude);
  }
  if (n.magnitude < half) return static_cast<int64_t>(n.magnitude);
  if (n.hex && n.magnitude < 2 * half)
    return static_cast<int64_t>(n.magnitude) - static_cast<int64_t>(2 * half);
  return std::nullopt;
}

std::string range_text(const std::string& what, unsigned bits) {
  const uint64_t half = uint64_t{1} << (bits - 1);
  return what + " is -" + std::to_string(half) + ".." + std::to_string(half - 1) +
         " in decimal or up to 0x" + std::string(bits / 4, 'f') + " in hex";
}

Unexpected<OperandError> fail(size_t at, std::string reason) {
  return unexpected(OperandError{at, std::move(reason)});
}

}  // namespace

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '.';
}

bool is_label_name(std::string_view s) {
  if (s.empty() || is_digit(s[0])) return false;
  for (char c : s)
    if (!is_word_char(c)) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

Expected<uint8_t, OperandError> parse_register(std::string_view t) {
  bool well_formed = t.size() >= 3 && t.size() <= 5 && t.substr(0, 2) == "%r";
  for (size_t i = 2; i < t.size() && well_formed; ++i)
    well_formed = is_digit(t[i]);
  if (well_formed) {
    unsigned n = 0;
    for (size_t i = 2; i < t.size(); ++i)
      n = n * 10 + unsigned(t[i] - '0');
    if (n < kRegisterCount) return static_cast<uint8_t>(n);
  }
  return fail(0, "invalid register '" + std::string(t) + "': registers are %r0..%r10");
}

// memory := '[' register (('+' | '-') unsigned-number)? ']'
Expected<Memory, OperandError> parse_memory(std::string_view t) {
  auto malformed = [&] {
    return fail(0, "malformed memory operand '" + std::string(t) +
                       "': expected [%rN], [%rN+off] or [%rN-off]");
  };
  if (t.size() < 2 || t.front() != '[' || t.back() != ']') return malformed();
  std::string_view inner = t.substr(1, t.size() - 2);
  size_t sign = inner.find_first_of("+-");
  std::string_view reg_text = trim(inner.substr(0, sign));
  if (reg_text.empty()) return malformed();
  auto at = [&](std::string_view part) { return static_cast<size_t>(part.data() - t.data()); };
  auto reg = parse_register(reg_text);
  if (!reg) return fail(at(reg_text), reg.error().reason);
  if (sign == std::string_view::npos) return Memory{*reg, 0};

  std::string_view off_text = trim(inner.substr(sign + 1));
  Number n;
  NumberStatus status = off_text.empty() || off_text[0] == '+' || off_text[0] == '-'
                            ? NumberStatus::malformed
                            : parse_number(off_text, n);
  if (status == NumberStatus::malformed) return malformed();
  n.negative = inner[sign] == '-';
  auto value = status == NumberStatus::ok ? fit_field(n, 16) : std::nullopt;
  if (!value)
    return fail(at(off_text), "offset " + std::string(inner.substr(sign)) +
                                  " out of range: " + range_text("a 16-bit offset", 16));
  return Memory{*reg, static_cast<int16_t>(*value)};
}

Expected<int64_t, OperandError> parse_field(std::string_view text, unsigned bits,
                                            std::string_view what) {
  Number n;
  NumberStatus status = parse_number(text, n);
  if (status == NumberStatus::malformed)
    return fail(0, "malformed number '" + std::string(text) + "'");
  auto value = status == NumberStatus::ok ? fit_field(n, bits) : std::nullopt;
  if (!value) {
    std::string field = std::string(what);
    return fail(0, field + " " + std::string(text) + " out of range: " +
                       range_text("a " + std::to_string(bits) + "-bit " + field, bits));
  }
  return *value;
}

Expected<uint64_t, OperandError> parse_imm64(std::string_view text) {
  Number n;
  NumberStatus status = parse_number(text, n);
  if (status == NumberStatus::malformed)
    return fail(0, "malformed number '" + std::string(text) + "'");
  if (status == NumberStatus::too_large || (n.negative && n.magnitude > (uint64_t{1} << 63)))
    return fail(
        0, "immediate " + std::string(text) + " out of range: a 64-bit immediate is -2^63..2^64-1");
  return n.negative ? 0 - n.magnitude : n.magnitude;
}

Expected<uint64_t, OperandError> parse_word(std::string_view text) {
  Number n;
  NumberStatus status = parse_number(text, n);
  if (status == NumberStatus::malformed || n.negative)
    return fail(
        0, "expected a 64-bit word such as 0x0000000000000095, got '" + std::string(text) + "'");
  if (status == NumberStatus::too_large)
    return fail(0, "word " + std::string(text) + " does not fit in 64 bits");
  return n.magnitude;
}

}  // namespace covenant::vm::asm_operands
