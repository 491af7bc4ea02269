#pragma once
/// \file
/// An independent model of the contract runtime library (compiler/runtime/covenant_runtime.c)
/// for its tests: 128-bit integer arithmetic instead of limbs and overflow tricks, and
/// std::chrono's civil calendar instead of the runtime's day-number algorithms. Each function
/// returns the value or the fault kind the runtime must produce.

#include <chrono>
#include <cstdint>
#include <optional>

#include "compiler/runtime/runtime_module.hpp"
#include "runtime/host_abi.hpp"

namespace covenant::compiler::reference {

/// A runtime result: a value, or the fault kind it ends with.
struct Result {
  int64_t value = 0;
  uint64_t fault = 0;  ///< runtime::FaultKind as a number; 0 for none.
  friend bool operator==(const Result&, const Result&) = default;
};

inline Result ok(int64_t v) {
  return {v, 0};
}
inline Result fault(runtime::FaultKind kind) {
  return {0, static_cast<uint64_t>(kind)};
}

/// `v` if it fits int64, else an overflow fault.
inline Result checked(__int128 v) {
  if (v < INT64_MIN || v > INT64_MAX) return fault(runtime::FaultKind::overflow);
  return ok(static_cast<int64_t>(v));
}

inline Result add(int64_t a, int64_t b) {
  return checked(__int128{a} + b);
}
inline Result sub(int64_t a, int64_t b) {
  return checked(__int128{a} - b);
}
inline Result mul(int64_t a, int64_t b) {
  return checked(__int128{a} * b);
}
inline Result neg(int64_t a) {
  return checked(-__int128{a});
}

inline Result div(int64_t a, int64_t b) {
  if (b == 0) return fault(runtime::FaultKind::division_by_zero);
  return checked(__int128{a} / b);  // C++ division truncates toward zero
}

inline Result rem(int64_t a, int64_t b) {
  if (b == 0) return fault(runtime::FaultKind::division_by_zero);
  return ok(static_cast<int64_t>(__int128{a} % b));  // sign of the dividend
}

/// num / den rounded by `mode`, straight from the definitions: compare twice the remainder
/// with the divisor, step the truncated magnitude away from zero.
inline Result round_div(__int128 num, __int128 den, int64_t mode) {
  if (mode < 0 || mode > 3) return fault(runtime::FaultKind::invalid_input);
  if (den == 0) return fault(runtime::FaultKind::division_by_zero);
  const bool negative = (num < 0) != (den < 0);
  const unsigned __int128 n = num < 0 ? -static_cast<unsigned __int128>(num) : num;
  const unsigned __int128 d = den < 0 ? -static_cast<unsigned __int128>(den) : den;
  unsigned __int128 q = n / d;
  const unsigned __int128 twice = 2 * (n % d);
  bool step = false;
  switch (static_cast<RuntimeRounding>(mode)) {
    case RuntimeRounding::half_up:
      step = twice >= d;
      break;
    case RuntimeRounding::half_even:
      step = twice > d || (twice == d && (q & 1) != 0);
      break;
    case RuntimeRounding::down:
      step = false;
      break;
    case RuntimeRounding::up:
      step = n % d != 0;
      break;
  }
  q += step ? 1 : 0;  // n < 2^127, so q and q + 1 fit a signed 128-bit value
  return checked(negative ? -static_cast<__int128>(q) : static_cast<__int128>(q));
}

inline Result div_round(int64_t a, int64_t b, int64_t mode) {
  return round_div(a, b, mode);
}

inline Result mul_rate(int64_t money, int64_t rate, int64_t mode) {
  return round_div(__int128{money} * rate, kRuntimeRateOne, mode);
}

inline bool in_range(std::chrono::year_month_day ymd) {
  return ymd.ok() && ymd.year() >= std::chrono::year{1} && ymd.year() <= std::chrono::year{9999};
}
inline int64_t day_number(std::chrono::year_month_day ymd) {
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}
inline std::chrono::year_month_day civil(int64_t days) {
  return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{days}}};
}

inline Result days_from_civil(int64_t y, int64_t m, int64_t d) {
  // chrono's year holds -32767..32767 and month/day an unsigned byte: reject wider values
  // before constructing them, as out of range anyway.
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
    return fault(runtime::FaultKind::date_out_of_range);
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(y)},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!in_range(ymd)) return fault(runtime::FaultKind::date_out_of_range);
  return ok(day_number(ymd));
}

inline Result add_days(int64_t days, int64_t n) {
  if (days < kRuntimeMinDay || days > kRuntimeMaxDay)
    return fault(runtime::FaultKind::date_out_of_range);
  const __int128 sum = __int128{days} + n;
  if (sum < kRuntimeMinDay || sum > kRuntimeMaxDay)
    return fault(runtime::FaultKind::date_out_of_range);
  return ok(static_cast<int64_t>(sum));
}

inline Result add_months(int64_t days, int64_t months) {
  if (days < kRuntimeMinDay || days > kRuntimeMaxDay)
    return fault(runtime::FaultKind::date_out_of_range);
  // Far beyond the range either way; keeps chrono's month arithmetic inside int.
  if (months < -200'000 || months > 200'000) return fault(runtime::FaultKind::date_out_of_range);
  const std::chrono::year_month_day from = civil(days);
  std::chrono::year_month_day to = from + std::chrono::months{months};
  if (to.year() < std::chrono::year{1} || to.year() > std::chrono::year{9999})
    return fault(runtime::FaultKind::date_out_of_range);
  if (!to.ok())
    to = std::chrono::year_month_day_last{to.year(), std::chrono::month_day_last{to.month()}};
  return ok(day_number(to));
}

}  // namespace covenant::compiler::reference
