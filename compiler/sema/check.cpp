// The semantic driver: runs the passes in order and owns the helpers they share (literal
// values, code texts, the calendar).

#include <limits>

#include "compiler/sema/sema.hpp"

namespace covenant::compiler {

const FunctionInfo* Checked::find_function(const std::string& wanted) const {
  for (const FunctionInfo& f : functions)
    if (f.name == wanted) return &f;
  return nullptr;
}

std::array<uint8_t, 16> code_bytes(const std::string& text) {
  std::array<uint8_t, 16> out{};
  for (size_t i = 0; i < text.size() && i < 16; ++i) out[i] = static_cast<uint8_t>(text[i]);
  return out;
}

namespace sema {
namespace {

// Splits "1_500.25" into integer and fraction digits, dropping separators.
bool split_decimal(const std::string& text, std::string& whole, std::string& fraction) {
  bool seen_point = false;
  for (char c : text) {
    if (c == '_') continue;
    if (c == '.') {
      if (seen_point) return false;
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return false;
    (seen_point ? fraction : whole) += c;
  }
  return !whole.empty();
}

// whole.fraction × 10^scale as an integer, if exact and within int64.
std::optional<int64_t> scaled(const std::string& whole, std::string fraction, uint32_t scale) {
  if (fraction.size() > scale) {
    // Trailing zeros beyond the scale are harmless: "12.50%" at scale 1 is exact.
    while (fraction.size() > scale && fraction.back() == '0') fraction.pop_back();
    if (fraction.size() > scale) return std::nullopt;
  }
  fraction.append(scale - fraction.size(), '0');
  std::string digits = whole + fraction;
  __int128 v = 0;
  for (char c : digits) {
    v = v * 10 + (c - '0');
    if (v > std::numeric_limits<int64_t>::max()) return std::nullopt;
  }
  return static_cast<int64_t>(v);
}

}  // namespace

std::optional<int64_t> money_minor_units(const std::string& text, uint32_t digits,
                                         std::string& why) {
  std::string whole, fraction;
  if (!split_decimal(text, whole, fraction)) {
    why = "is not a number";
    return std::nullopt;
  }
  std::string f = fraction;
  while (f.size() > digits && f.back() == '0') f.pop_back();
  if (f.size() > digits) {
    why = "has " + std::to_string(fraction.size()) + " decimals but the currency has " +
          std::to_string(digits);
    return std::nullopt;
  }
  auto v = scaled(whole, fraction, digits);
  if (!v) why = "does not fit in 64 bits of minor units";
  return v;
}

std::optional<int64_t> rate_billionths(const std::string& text, const std::string& unit,
                                       std::string& why) {
  std::string whole, fraction;
  if (!split_decimal(text, whole, fraction)) {
    why = "is not a number";
    return std::nullopt;
  }
  // 100% = 10^9 billionths, so 1% = 10^7 and 1bp = 10^5.
  uint32_t scale = unit == "%" ? 7 : 5;
  auto v = scaled(whole, fraction, scale);
  if (!v) {
    why = std::string("is not exact: a rate holds at most ") + std::to_string(scale) +
          " decimals of a " + (unit == "%" ? "percent" : "basis point") + " and fits in 64 bits";
  }
  return v;
}

}  // namespace sema

std::optional<Checked> check(const SourceFile& source, ast::Contract& contract,
                             Diagnostics& diags, const CheckOptions& options) {
  sema::Sema s(source, contract, diags, options);
  size_t before = diags.error_count();
  s.declare();
  if (diags.error_count() > before) return std::nullopt;
  s.typecheck();
  // Termination needs only the call graph and the loops, which are resolved even where a
  // type is wrong: run it anyway so one run reports both kinds of error.
  s.termination();
  if (diags.error_count() > before) return std::nullopt;
  return std::move(s.out);
}

}  // namespace covenant::compiler
