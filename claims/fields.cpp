#include "claims/fields.hpp"

#include <array>
#include <limits>

namespace covenant::claims {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool valid_code(std::string_view text) {
  if (text.empty() || text.size() > 16) return false;
  for (char c : text)
    if (c <= ' ' || c > '~') return false;
  return true;
}

std::optional<int64_t> parse_int(std::string_view text) {
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  // Accumulate negatively so that INT64_MIN parses.
  int64_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    if (__builtin_mul_overflow(value, 10, &value) || __builtin_sub_overflow(value, c - '0', &value))
      return std::nullopt;
  }
  if (negative) return value;
  if (value == std::numeric_limits<int64_t>::min()) return std::nullopt;
  return -value;
}

Expected<int64_t, std::string> parse_amount(std::string_view text, std::string_view currency,
                                            int digits, bool unit_allowed) {
  // One pass: whole digits, then '.' and fraction digits, then " CUR" when allowed.
  int64_t value = 0;
  bool overflow = false;
  size_t i = 0, n = text.size();
  size_t whole = 0;
  for (; i < n && is_digit(text[i]); ++i, ++whole)
    overflow |= __builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, text[i] - '0', &value);
  size_t fraction = 0;
  bool dot = i < n && text[i] == '.';
  if (dot)
    for (++i; i < n && is_digit(text[i]); ++i, ++fraction)
      if (fraction < static_cast<size_t>(digits))
        overflow |= __builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, text[i] - '0', &value);
  std::string_view rest = text.substr(i);
  if (whole == 0 || (dot && fraction == 0) || (!rest.empty() && !(unit_allowed && rest[0] == ' '))) {
    bool negative = !text.empty() && text[0] == '-' && text.size() > 1 && is_digit(text[1]);
    return unexpected(quote(text) + (negative ? " is negative" : " is not a decimal amount"));
  }
  if (!rest.empty()) {
    std::string_view unit = rest.substr(1);
    if (!currency_digits(unit)) return unexpected(quote(text) + " is not a decimal amount");
    if (unit != currency)
      return unexpected(quote(text) + " is in " + std::string(unit) + ", the claim in " + std::string(currency));
  }
  // As the runtime's Money form: "12.500" is refused too, so that a file means the same to
  // `covenant simulate` as to `covenant call`.
  if (fraction > static_cast<size_t>(digits))
    return unexpected(quote(text) + " has more decimals than " + std::string(currency) + " allows");
  for (size_t k = fraction; k < static_cast<size_t>(digits); ++k)
    overflow |= __builtin_mul_overflow(value, 10, &value);
  if (overflow) return unexpected(quote(text) + " is too large");
  return value;
}

std::string quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  constexpr size_t kShown = 64;
  bool cut = text.size() > kShown;
  if (cut) {
    text = text.substr(0, kShown);
    // Do not end inside a UTF-8 sequence.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.remove_suffix(1);
    if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.remove_suffix(1);
  }
  std::string out;
  out.reserve(text.size() + 5);
  out += '"';
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
  if (cut) out += "...";
  return out;
}

}  // namespace covenant::claims
