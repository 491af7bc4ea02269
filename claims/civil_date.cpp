#include "claims/civil_date.hpp"

#include <cstdio>

namespace covenant::claims {

namespace {

// H. Hinnant, "chrono-Compatible Low-Level Date Algorithms" (days_from_civil and
// civil_from_days), exact over the whole int64 range used here.
struct Civil {
  int64_t y;
  unsigned m, d;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {m <= 2 ? y + 1 : y, m, d};
}

bool is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// `count` decimal digits at `text[at]`, or nullopt.
std::optional<unsigned> digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return std::nullopt;
  unsigned v = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return v;
}

// "hh:mm" with hh <= max_hour and mm <= 59 at `text[at]`.
bool is_hour_minute(std::string_view text, size_t at, unsigned max_hour) {
  auto h = digits(text, at, 2), m = digits(text, at + 3, 2);
  return h && m && text[at + 2] == ':' && *h <= max_hour && *m <= 59;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto y = digits(text, 0, 4), m = digits(text, 5, 2), d = digits(text, 8, 2);
  if (!y || !m || !d || *y == 0 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
    return std::nullopt;
  return days_from_civil(*y, *m, *d);
}

std::optional<int64_t> parse_date_time_date(std::string_view text) {
  auto date = parse_date(text.substr(0, 10));
  if (!date || text.size() == 10) return date;
  // "Thh:mm:ss": FHIR requires the seconds (and a zone) whenever a time is given; the
  // zone is optional here because plain ISO 8601 local times are common in exports.
  if (text[10] != 'T' || !is_hour_minute(text, 11, 23) || text.size() < 19 || text[16] != ':')
    return std::nullopt;
  auto s = digits(text, 17, 2);
  if (!s || *s > 60) return std::nullopt;  // 60: a leap second
  size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start) return std::nullopt;
  }
  if (i == text.size()) return date;
  if (text[i] == 'Z') return i + 1 == text.size() ? date : std::nullopt;
  if ((text[i] == '+' || text[i] == '-') && i + 6 == text.size() && is_hour_minute(text, i + 1, 14))
    return date;
  return std::nullopt;
}

std::string format_date(int64_t days) {
  Civil c = civil_from_days(days);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.y), c.m, c.d);
  return buf;
}

}  // namespace covenant::claims
