#pragma once
/// \file
/// Exact decimal amounts: the text of a JSON number or a CSV field ("123.45", "542.0",
/// "1.5e2") read into integer minor units of a currency, never through binary floating
/// point, so that "0.1" is ten cents and not 0.1000000000000000055 dollars.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vm/expected.hpp"

namespace covenant::claims {

/// The number of minor-unit digits of an ISO 4217 currency the claims readers accept: 2 for
/// USD, EUR, GBP, CHF, CAD and CNY, 0 for JPY; nullopt for any other code (a reader refuses
/// an amount it could not scale).
std::optional<int> currency_digits(std::string_view code);

/// Reads `text`, a decimal number in JSON's grammar (optional '-', digits, optional fraction,
/// optional exponent; leading zeros tolerated, as CSV exports write them), into an integer
/// count of 10^-`digits` units: parse_decimal("123.45", 2) is 12345, parse_decimal("7", 0)
/// is 7. Trailing zeros beyond `digits` are accepted because the value stays exact
/// ("542.000" is 54200 cents); any other digit there fails ("1.005" as cents), as do an
/// empty or malformed text and a value outside int64. `digits` is 0..18. The error is one
/// line without the text itself, for the caller to quote.
Expected<int64_t, std::string> parse_decimal(std::string_view text, int digits);

/// `minor` as a decimal with `digits` fraction digits: format_decimal(12345, 2) is "123.45",
/// format_decimal(-5, 2) is "-0.05". `digits` is 0..18.
std::string format_decimal(int64_t minor, int digits);

}  // namespace covenant::claims
