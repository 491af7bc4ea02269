#include "claims/decimal.hpp"

#include <array>
#include <utility>

namespace covenant::claims {

std::optional<int> currency_digits(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, int>, 7> kDigits = {{
      {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"CHF", 2}, {"CAD", 2}, {"CNY", 2}, {"JPY", 0}}};
  for (const auto& [name, digits] : kDigits)
    if (name == code) return digits;
  return std::nullopt;
}

Expected<int64_t, std::string> parse_decimal(std::string_view text, int digits) {
  if (digits < 0 || digits > 18) return unexpected(std::string("unsupported number of decimals"));
  size_t i = 0;
  bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  // The significant digits without the point, and where the point sits: value = mantissa
  // digits × 10^exponent, kept as text so that nothing is rounded before scaling.
  std::string mantissa;
  int64_t exponent = 0;
  size_t integer_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++integer_digits) mantissa += text[i];
  if (integer_digits == 0) return unexpected(std::string("not a decimal number"));
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t fraction_digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++fraction_digits) {
      mantissa += text[i];
      --exponent;
    }
    if (fraction_digits == 0) return unexpected(std::string("not a decimal number"));
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative_exponent = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    int64_t e = 0;
    size_t exponent_digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++exponent_digits) {
      // Any exponent this large scales every nonzero amount out of int64 (or below a minor
      // unit); bounding it keeps the arithmetic below simple.
      if (e > 1000) return unexpected(std::string("exponent out of range"));
      e = e * 10 + (text[i] - '0');
    }
    if (exponent_digits == 0) return unexpected(std::string("not a decimal number"));
    exponent += negative_exponent ? -e : e;
  }
  if (i != text.size()) return unexpected(std::string("not a decimal number"));

  // Scale to minor units: shift the point right by `digits`.
  int64_t shift = exponent + digits;
  if (shift < 0) {
    // The last -shift digits fall below a minor unit: only zeros may.
    size_t drop = static_cast<size_t>(-shift);
    size_t keep = mantissa.size() > drop ? mantissa.size() - drop : 0;
    for (size_t k = keep; k < mantissa.size(); ++k)
      if (mantissa[k] != '0')
        return unexpected("more than " + std::to_string(digits) + " decimal" + (digits == 1 ? "" : "s"));
    mantissa.resize(keep);
    shift = 0;
  }
  uint64_t value = 0;
  bool nonzero = false;
  auto push = [&](int d) -> bool {
    if (value > (UINT64_MAX - static_cast<uint64_t>(d)) / 10) return false;
    value = value * 10 + static_cast<uint64_t>(d);
    return true;
  };
  for (char ch : mantissa) {
    nonzero = nonzero || ch != '0';
    if (!push(ch - '0')) return unexpected(std::string("amount out of range"));
  }
  for (int64_t k = 0; k < shift && nonzero; ++k)
    if (!push(0)) return unexpected(std::string("amount out of range"));
  uint64_t limit = negative ? static_cast<uint64_t>(INT64_MAX) + 1 : static_cast<uint64_t>(INT64_MAX);
  if (value > limit) return unexpected(std::string("amount out of range"));
  if (negative) return static_cast<int64_t>(0 - value);
  return static_cast<int64_t>(value);
}

std::string format_decimal(int64_t minor, int digits) {
  uint64_t m = minor < 0 ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string text = std::to_string(m);
  if (digits > 0) {
    size_t width = static_cast<size_t>(digits);
    if (text.size() <= width) text.insert(0, width + 1 - text.size(), '0');
    text.insert(text.size() - width, ".");
  }
  return minor < 0 ? "-" + text : text;
}

}  // namespace covenant::claims
