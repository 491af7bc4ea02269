#pragma once
/// \file
/// The field forms the claims readers share (docs/claims-format.md): dates, codes, exact
/// decimal amounts and integers, each checked from its text with a one-line reason on
/// failure. Amounts never pass through a double: "0.1" is exactly 10 cents.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "claims/civil_date.hpp"
#include "claims/decimal.hpp"
#include "vm/expected.hpp"

namespace covenant::claims {

/// True for the contract language's Code form: 1..16 printable ASCII characters, no spaces.
bool valid_code(std::string_view text);

/// A decimal integer ("12", "-3"; no sign '+', no leading zeros rule) within int64; nullopt
/// for anything else, including overflow.
std::optional<int64_t> parse_int(std::string_view text);

/// An amount `text` in `currency` ("2000", "2000.5", "2000.50", or as a string "2000.50 USD"
/// when `unit_allowed`) → minor units. Fails with the reason, quoting `text`: not a decimal
/// number, negative, more decimals than the currency has, a different currency, or beyond
/// int64. Requires `digits == currency_digits(currency) >= 0` (passed in: a claim's lines
/// share it).
Expected<int64_t, std::string> parse_amount(std::string_view text, std::string_view currency,
                                            int digits, bool unit_allowed);

/// `text` as a JSON string literal for messages: quoted, control characters escaped, cut to
/// 64 bytes with "..." so a message stays one short line.
std::string quote(std::string_view text);

}  // namespace covenant::claims
