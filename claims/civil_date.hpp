#pragma once
/// \file
/// Calendar dates as the claim model holds them: days since 1970-01-01 in the proleptic
/// Gregorian calendar (the contract language's Date), read from ISO 8601 text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace covenant::claims {

/// Days since 1970-01-01 of year `y`, month `m` (1..12), day `d` (1..31); no validation.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

/// Reads "YYYY-MM-DD" (year 0001..9999, a day that exists in that month) as days since
/// 1970-01-01; nullopt for any other text.
std::optional<int64_t> parse_date(std::string_view text);

/// Reads the date of "YYYY-MM-DD" or of an ISO 8601 / FHIR dateTime
/// "YYYY-MM-DDThh:mm:ss[.fraction][Z|+hh:mm|-hh:mm]": the calendar date as written, in the
/// writer's time zone, not converted to UTC (a claim is dated where the service took place).
/// nullopt when the date is invalid or the time part is malformed; partial dates ("2011",
/// "2011-10") are refused because a claim needs a day.
std::optional<int64_t> parse_date_time_date(std::string_view text);

/// `days` since 1970-01-01 as "YYYY-MM-DD" (years outside 0..9999 are written with as many
/// digits as they need, and a sign when negative).
std::string format_date(int64_t days);

}  // namespace covenant::claims
