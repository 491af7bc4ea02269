/*
 * The contract runtime: checked Int arithmetic, Money rounding and calendar dates, linked into
 * every compiled contract as LLVM bitcode (runtime_module.hpp) and inlined there.
 *
 * Built two ways from this one file:
 *  - for the VM: clang-19 -target bpfel -mcpu=v4 -O2 -ffreestanding -emit-llvm (CMakeLists.txt).
 *    A fault is host call 1, fault(kind, loc) (runtime/host_abi.hpp), which never returns.
 *  - natively, for the unit tests: the includer defines COVENANT_RUNTIME_NATIVE, provides
 *    int64_t, uint64_t and int32_t, and a function `void cv_native_fault(int64_t kind,
 *    int64_t loc)` that records the fault and returns. Every function returns 0 after a fault,
 *    so both builds give the same result for everything the VM can observe.
 *
 * Rules every function here follows, because the compiler's static gas bound and the BPF
 * backend depend on them: int64 arguments and result, at most five arguments, no loops, no
 * 128-bit types, no calls but the fault host call (helpers are always inlined). The gas
 * schedule (docs/gas.md: alu 1, branch 1, mul 2, div 8) decides between equivalent
 * formulations; the chosen one is named at each place. Divisions by small constants over a
 * bounded domain are multiply-and-shift (2 + 1 gas instead of 8); each multiplier was found by
 * exhaustive search over its domain, and the unit tests cover every date in the valid range.
 */
#ifndef COVENANT_RUNTIME_NATIVE
#include <stdint.h>
/* BPF helper-call idiom: calling address 1 makes clang emit `call 1`, the fault host call. */
static long (*const cv_fault)(long, long) = (void*)1;
#define CV_FAULT(kind, loc) cv_fault((kind), (loc))
#else
#define CV_FAULT(kind, loc) cv_native_fault((kind), (loc))
#endif

#define CV_INLINE static inline __attribute__((always_inline))

/* Fault kinds, as runtime::FaultKind in runtime/host_abi.hpp. */
#define CV_FAULT_OVERFLOW 1
#define CV_FAULT_DIVISION_BY_ZERO 2
#define CV_FAULT_INVALID_INPUT 4
#define CV_FAULT_DATE_OUT_OF_RANGE 5

/* Rounding modes (Java's RoundingMode semantics), as compiler::RuntimeRounding. */
#define CV_ROUND_HALF_UP 0   /* nearest; ties away from zero */
#define CV_ROUND_HALF_EVEN 1 /* nearest; ties to the even neighbour */
#define CV_ROUND_DOWN 2      /* toward zero */
#define CV_ROUND_UP 3        /* away from zero */

/* A Rate r means r / CV_RATE_ONE: 1_000_000_000 is 100%. */
#define CV_RATE_ONE 1000000000ull

/* Days since 1970-01-01 of 0001-01-01 and 9999-12-31, the valid Date range. */
#define CV_DAY_MIN (-719162ll)
#define CV_DAY_MAX 2932896ll
#define CV_DAY_SPAN ((uint64_t)(CV_DAY_MAX - CV_DAY_MIN))

#define CV_INT64_MIN (-9223372036854775807ll - 1)
#define CV_INT64_MAX 9223372036854775807ll
#define CV_LOW32 0xFFFFFFFFull

/* ---------------------------------------------------------------------------------------- */
/* Checked Int arithmetic. All fault with overflow when the exact result leaves int64.       */

int64_t cv_add(int64_t a, int64_t b, int64_t loc) {
  uint64_t r = (uint64_t)a + (uint64_t)b;
  /* Wrapped iff both operands differ in sign from the sum (Hacker's Delight, 2-13). */
  if ((int64_t)((r ^ (uint64_t)a) & (r ^ (uint64_t)b)) < 0) {
    CV_FAULT(CV_FAULT_OVERFLOW, loc);
    return 0;
  }
  return (int64_t)r;
}

int64_t cv_sub(int64_t a, int64_t b, int64_t loc) {
  uint64_t r = (uint64_t)a - (uint64_t)b;
  /* Wrapped iff the operands differ in sign and the difference differs from a. */
  if ((int64_t)(((uint64_t)a ^ (uint64_t)b) & ((uint64_t)a ^ r)) < 0) {
    CV_FAULT(CV_FAULT_OVERFLOW, loc);
    return 0;
  }
  return (int64_t)r;
}

int64_t cv_mul(int64_t a, int64_t b, int64_t loc) {
  int64_t p = (int64_t)((uint64_t)a * (uint64_t)b);
  /* Both operands in int32 range: |a * b| <= 2^62 fits, so two sign-extension compares decide
     the common case with no division. */
  if (a == (int32_t)a && b == (int32_t)b) return p;
  /* Otherwise one operand x lies outside int32 range, so it is neither 0 nor -1 and p / x is
     defined. The wrapped product is a*b - k*2^64; if k != 0 the quotient differs from the other
     operand y, because that would need a remainder of magnitude >= 2^64 > |x|. One sdiv (8 gas)
     is cheaper than a 128-bit product from 32-bit limbs (4 muls and about 15 ALU). */
  int64_t x = a, y = b;
  if (a == (int32_t)a) {
    x = b;
    y = a;
  }
  /* Hide that p is x * y: LLVM otherwise recognises `x * y / x != y` as a signed overflow check
     and turns it into llvm.smul.with.overflow.i64, a 128-bit multiply the BPF backend can only
     call __multi3 for (it happens once a constant operand is inlined). The empty asm costs no
     instruction. */
  __asm__("" : "+r"(p));
  if (p / x != y) {
    CV_FAULT(CV_FAULT_OVERFLOW, loc);
    return 0;
  }
  return p;
}

int64_t cv_neg(int64_t a, int64_t loc) {
  if (a == CV_INT64_MIN) {
    CV_FAULT(CV_FAULT_OVERFLOW, loc);
    return 0;
  }
  return -a;
}

int64_t cv_div(int64_t a, int64_t b, int64_t loc) {
  if (b == 0) {
    CV_FAULT(CV_FAULT_DIVISION_BY_ZERO, loc);
    return 0;
  }
  if (a == CV_INT64_MIN && b == -1) {
    CV_FAULT(CV_FAULT_OVERFLOW, loc);
    return 0;
  }
  return a / b;
}

int64_t cv_rem(int64_t a, int64_t b, int64_t loc) {
  if (b == 0) {
    CV_FAULT(CV_FAULT_DIVISION_BY_ZERO, loc);
    return 0;
  }
  /* INT64_MIN % -1 is 0 mathematically, but undefined in C and a trap on some hardware. */
  if (b == -1) return 0;
  return a % b;
}

/* ---------------------------------------------------------------------------------------- */
/* Rounding. Callers divide magnitudes (or truncate toward zero) and then step the quotient
   one unit away from zero when the mode says so; `above` and `tie` compare the discarded
   fraction with one half, `inexact` says it is nonzero, `odd` is the quotient's low bit.
   With a constant mode (what the compiler passes) the unused comparisons fold away. */

CV_INLINE uint64_t cv_round_step(int64_t mode, uint64_t above, uint64_t tie, uint64_t inexact,
                                 uint64_t odd) {
  switch (mode) {
    case CV_ROUND_HALF_UP:
      return above | tie;
    case CV_ROUND_HALF_EVEN:
      return above | (tie & odd);
    case CV_ROUND_DOWN:
      return 0;
    default: /* CV_ROUND_UP; callers reject other values first */
      return inexact;
  }
}

/* Magnitude of a value whose sign mask (0 or all ones) is `sign`; exact for INT64_MIN. */
CV_INLINE uint64_t cv_magnitude(int64_t v, uint64_t sign) {
  return ((uint64_t)v ^ sign) - sign;
}

int64_t cv_div_round(int64_t a, int64_t b, int64_t mode, int64_t loc) {
  if ((uint64_t)mode > CV_ROUND_UP) {
    CV_FAULT(CV_FAULT_INVALID_INPUT, loc);
    return 0;
  }
  if (b == 0) {
    CV_FAULT(CV_FAULT_DIVISION_BY_ZERO, loc);
    return 0;
  }
  /* 2^63 does not fit whatever the mode; every other quotient does, see below. */
  if (a == CV_INT64_MIN && b == -1) {
    CV_FAULT(CV_FAULT_OVERFLOW, loc);
    return 0;
  }
  int64_t q = a / b;
  /* a - q*b: a multiply and a subtract (3 gas) instead of a second division (8). */
  int64_t r = (int64_t)((uint64_t)a - (uint64_t)q * (uint64_t)b);
  uint64_t rem = cv_magnitude(r, (uint64_t)(r >> 63));
  uint64_t rest = cv_magnitude(b, (uint64_t)(b >> 63)) - rem; /* |b| - |r| >= 1 */
  uint64_t step = cv_round_step(mode, rem > rest, rem == rest, rem != 0, (uint64_t)q & 1);
  /* A nonzero remainder means |b| >= 2, so |q| <= 2^62 and q +- 1 cannot overflow. The exact
     quotient then has the sign of a*b: direction +1 or -1. */
  int64_t direction = ((a ^ b) >> 63) | 1;
  return q + (direction & -(int64_t)step);
}

int64_t cv_mul_rate(int64_t money, int64_t rate, int64_t mode, int64_t loc) {
  if ((uint64_t)mode > CV_ROUND_UP) {
    CV_FAULT(CV_FAULT_INVALID_INPUT, loc);
    return 0;
  }
  /* Work on magnitudes and apply the sign at the end, so every rounding mode reduces to
     "step the truncated magnitude up or not". */
  uint64_t money_sign = (uint64_t)(money >> 63), rate_sign = (uint64_t)(rate >> 63);
  uint64_t m = cv_magnitude(money, money_sign), r = cv_magnitude(rate, rate_sign);
  uint64_t negative = money_sign ^ rate_sign; /* all ones if the result is negative */
  uint64_t q, rem;
  if (((m | r) >> 32) == 0) {
    /* Both below 2^32 (amounts below 2^32 minor units, rates below 429%): the product fits
       64 bits and the quotient 35, so one division and no overflow check. */
    uint64_t p = m * r;
    q = p / CV_RATE_ONE;
    rem = p - q * CV_RATE_ONE;
    uint64_t step =
        cv_round_step(mode, rem > CV_RATE_ONE / 2, rem == CV_RATE_ONE / 2, rem != 0, q & 1);
    q += step;
    return (int64_t)((q ^ negative) - negative);
  }
  /* The 128-bit product m * r < 2^126 from 32-bit limbs: p = hi:p1:p0 with hi the top 64. */
  uint64_t ml = m & CV_LOW32, mh = m >> 32, rl = r & CV_LOW32, rh = r >> 32;
  uint64_t ll = ml * rl, lh = ml * rh, hl = mh * rl, hh = mh * rh;
  uint64_t mid = (ll >> 32) + (lh & CV_LOW32) + (hl & CV_LOW32); /* < 3 * 2^32 */
  uint64_t p0 = ll & CV_LOW32, p1 = mid & CV_LOW32;
  uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
  /* hi >= 10^9 means p >= 10^9 * 2^64: the quotient is at least 2^64 under any mode. */
  if (hi >= CV_RATE_ONE) {
    CV_FAULT(CV_FAULT_OVERFLOW, loc);
    return 0;
  }
  /* Long division of hi:p1:p0 by 10^9 in 32-bit steps. hi < 10^9 is already the remainder of
     the top step; each step's dividend rem:limb is below 10^9 * 2^32 < 2^62 and its quotient
     below 2^32. Remainders come from a multiply and a subtract, not a second division. */
  uint64_t top = (hi << 32) | p1;
  uint64_t q1 = top / CV_RATE_ONE;
  uint64_t low = ((top - q1 * CV_RATE_ONE) << 32) | p0;
  uint64_t q0 = low / CV_RATE_ONE;
  rem = low - q0 * CV_RATE_ONE;
  q = (q1 << 32) | q0; /* < 2^64 */
  uint64_t step =
      cv_round_step(mode, rem > CV_RATE_ONE / 2, rem == CV_RATE_ONE / 2, rem != 0, q & 1);
  /* The magnitude may reach 2^63 only for a negative result. Comparing with limit - step
     first keeps q + step from wrapping. */
  uint64_t limit = (uint64_t)CV_INT64_MAX + (negative & 1);
  if (q > limit - step) {
    CV_FAULT(CV_FAULT_OVERFLOW, loc);
    return 0;
  }
  q += step;
  return (int64_t)((q ^ negative) - negative);
}

/* ---------------------------------------------------------------------------------------- */
/* Dates: int64 days since 1970-01-01, proleptic Gregorian, 0001-01-01 .. 9999-12-31.

   The conversions follow Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms"
   (days_from_civil, civil_from_days): internally a year starts on March 1 (a "March year"),
   so the leap day ends it and month lengths repeat in a fixed pattern. Splitting a day number
   into March year and day of year uses the century / four-year decomposition of Neri and
   Schneider ("Euclidean affine functions and their application to calendar algorithms",
   Software: Practice and Experience, 2023) instead of Hinnant's four divisions inside a
   400-year era: (4 * days + 3) / 146097 gives centuries, since each 400-year era is four
   36524-day centuries plus the leap day of its year 400, which falls in the era's last
   century; within a century every fourth March year (03, 07, ...) holds a February 29, the
   Julian pattern (year 99 of an era's first three centuries lacks it, which only ends those
   centuries a day early), so (4 * day of century + 3) / 1461 gives the year. In the valid
   range every intermediate value is non-negative and bounded, so each division by a constant
   is a multiply and a shift whose domain is stated beside it. */

/* The day number of day `d` (1..31) of month `month` (0 = March .. 11 = the next February)
   of March year `year` (0..9999). Not validated. */
CV_INLINE int64_t cv_march_to_days(uint64_t year, uint64_t month, uint64_t d) {
  /* (153 * month + 2) / 5 over 2..1685, as x * 1639 >> 13: days from March 1 to the month. */
  uint64_t yday = (((153 * month + 2) * 1639) >> 13) + d - 1;
  uint64_t centuries = (year * 5243) >> 19; /* year / 100 over 0..9999 */
  /* 365 days a year, a leap day every 4 years, none every 100, again every 400; 719468 is
     the day number of 1970-01-01 counted from 0000-03-01. */
  return (int64_t)(year * 365 + (year >> 2) - centuries + (centuries >> 2) + yday) - 719468;
}

/* The day number of civil y-m-d, for y in 1..9999, m in 1..12, d in 1..31 (not validated). */
CV_INLINE int64_t cv_civil_to_days(uint64_t y, uint64_t m, uint64_t d) {
  uint64_t before_march = (m - 3) >> 63; /* 1 for January and February (m - 3 wraps) */
  return cv_march_to_days(y - before_march, m - 3 + 12 * before_march, d);
}

/* Gregorian leap year, for y in 0..10000. */
CV_INLINE uint64_t cv_is_leap(uint64_t y) {
  uint64_t centuries = (y * 5243) >> 19; /* y / 100 over 0..10000 */
  if ((y & 3) != 0) return 0;
  return centuries * 100 != y || (centuries & 3) == 0;
}

/* Days in civil month m (1..12) of year y (1..9999). */
CV_INLINE uint64_t cv_days_in_month(uint64_t y, uint64_t m) {
  if (m == 2) return 28 + cv_is_leap(y);
  /* Bit m of 5546 is set for the 31-day months: Jan, Mar, May, Jul, Aug, Oct, Dec. */
  return 30 + ((5546 >> m) & 1);
}

/* Days in month `month` (0 = March .. 11 = February) of March year `year` (0..9999). */
CV_INLINE uint64_t cv_march_month_length(uint64_t year, uint64_t month) {
  if (month == 11) return 28 + cv_is_leap(year + 1);
  /* Bit k of 1717 is set for the 31-day months: Mar, May, Jul, Aug, Oct, Dec, Jan. */
  return 30 + ((1717 >> month) & 1);
}

/* A day number split into its March year and day of that year. */
typedef struct {
  uint64_t year; /* 0..9999 in the valid range */
  uint64_t yday; /* 0..365, 0 being March 1 */
} cv_march_date;

CV_INLINE cv_march_date cv_days_to_march(int64_t days) {
  /* Unsigned from here on: a day number outside the range gives a deterministic wrong answer,
     never undefined behaviour. */
  uint64_t n = 4 * ((uint64_t)days + 719468) + 3;     /* from 0000-03-01; 1227..14609459 */
  uint64_t centuries = (n * 15051803) >> 41;          /* n / 146097 over 0..14609459 */
  uint64_t in_century = (n - centuries * 146097) | 3; /* 4 * day of century + 3 */
  uint64_t year = (in_century * 183735) >> 28;        /* in_century / 1461 over 0..146099 */
  cv_march_date out = {100 * centuries + year, (in_century - year * 1461) >> 2};
  return out;
}

/* Month (0 = March .. 11 = February) of a day of a March year: (5 * yday + 2) / 153 over
   2..1827, as x * 857 >> 17. */
CV_INLINE uint64_t cv_march_month(uint64_t yday) {
  return ((5 * yday + 2) * 857) >> 17;
}

/* Day of the month (1..31) of day `yday` of a March year in month `month` of it. */
CV_INLINE uint64_t cv_march_day(uint64_t yday, uint64_t month) {
  return yday - (((153 * month + 2) * 1639) >> 13) + 1; /* as in cv_march_to_days */
}

int64_t cv_days_from_civil(int64_t y, int64_t m, int64_t d, int64_t loc) {
  /* Unsigned compares fold "x < lo || x > hi" into one branch each. */
  if ((uint64_t)y - 1 >= 9999 || (uint64_t)m - 1 >= 12) {
    CV_FAULT(CV_FAULT_DATE_OUT_OF_RANGE, loc);
    return 0;
  }
  /* Every month has days 1..28; only later days need the month's length. */
  if ((uint64_t)d - 1 >= 28 &&
      (d < 1 || (uint64_t)d > cv_days_in_month((uint64_t)y, (uint64_t)m))) {
    CV_FAULT(CV_FAULT_DATE_OUT_OF_RANGE, loc);
    return 0;
  }
  return cv_civil_to_days((uint64_t)y, (uint64_t)m, (uint64_t)d);
}

int64_t cv_year(int64_t days) {
  cv_march_date md = cv_days_to_march(days);
  /* Days 306.. of a March year (January, February) belong to the next civil year. */
  return (int64_t)(md.year + (md.yday >= 306));
}

int64_t cv_month(int64_t days) {
  uint64_t month = cv_march_month(cv_days_to_march(days).yday);
  return (int64_t)(month < 10 ? month + 3 : month - 9);
}

int64_t cv_day(int64_t days) {
  uint64_t yday = cv_days_to_march(days).yday;
  return (int64_t)cv_march_day(yday, cv_march_month(yday));
}

int64_t cv_add_days(int64_t days, int64_t n, int64_t loc) {
  /* With days in the range, the exact sum lies in [CV_DAY_MIN - 2^63, CV_DAY_MAX + 2^63).
     The range's other copies modulo 2^64 end at CV_DAY_MAX - 2^64 and start at
     CV_DAY_MIN + 2^64, both outside that interval (the span is below 2^63), so the wrapped
     sum is in the range only if the exact one is: n needs no bound of its own. */
  uint64_t sum = (uint64_t)days + (uint64_t)n;
  if ((uint64_t)days - (uint64_t)CV_DAY_MIN > CV_DAY_SPAN ||
      sum - (uint64_t)CV_DAY_MIN > CV_DAY_SPAN) {
    CV_FAULT(CV_FAULT_DATE_OUT_OF_RANGE, loc);
    return 0;
  }
  return (int64_t)sum;
}

int64_t cv_add_months(int64_t days, int64_t months, int64_t loc) {
  /* The input must be a valid date: the split below assumes it. */
  if ((uint64_t)days - (uint64_t)CV_DAY_MIN > CV_DAY_SPAN) {
    CV_FAULT(CV_FAULT_DATE_OUT_OF_RANGE, loc);
    return 0;
  }
  /* All in March years, which saves converting to civil months and back: the target is
     month `total` counted from March of year 0; 0001-01 is month 10 and 9999-12 is month
     9999 * 12 + 9. */
  cv_march_date md = cv_days_to_march(days);
  uint64_t month = cv_march_month(md.yday);
  uint64_t day = cv_march_day(md.yday, month);
  uint64_t total = md.year * 12 + month + (uint64_t)months;
  /* The exact sum lies in [-2^63, 2^63 + 120000); the window's other copies modulo 2^64 lie
     beyond both ends, so the wrapped sum is in the window only if the exact one is: months
     needs no bound of its own. */
  if (total - 10 >= 9999 * 12) {
    CV_FAULT(CV_FAULT_DATE_OUT_OF_RANGE, loc);
    return 0;
  }
  uint64_t year = (total * 43691) >> 19; /* total / 12 over 0..120000 */
  month = total - year * 12;
  /* Clamp to the target month's end: Jan 31 + 1 month is Feb 28 or 29. Days 1..28 exist in
     every month, so only later days look the length up. */
  if (day > 28) {
    uint64_t length = cv_march_month_length(year, month);
    if (day > length) day = length;
  }
  return cv_march_to_days(year, month, day);
}
