#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <llvm/ADT/SmallVector.h>
#include <llvm/Analysis/CFG.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>

#include "compiler/runtime/runtime_module.hpp"
#include "runtime/host_abi.hpp"
#include "tests/compiler/runtime_reference.hpp"

// The runtime's C source, compiled natively into this test: the same code the VM runs, with the
// fault host call replaced by a recorder (covenant_runtime.c documents the contract).
namespace covenant::compiler::native_runtime {
struct FaultRecord {
  int64_t kind = 0;
  int64_t loc = 0;
  int calls = 0;
};
FaultRecord last_fault;
void cv_native_fault(int64_t kind, int64_t loc) {
  last_fault.kind = kind;
  last_fault.loc = loc;
  ++last_fault.calls;
}
#define COVENANT_RUNTIME_NATIVE 1
#include "compiler/runtime/covenant_runtime.c"
}  // namespace covenant::compiler::native_runtime

namespace rt = covenant::compiler::native_runtime;
namespace ref = covenant::compiler::reference;
using covenant::compiler::kRuntimeFunctions;
using covenant::compiler::RuntimeRounding;
using covenant::runtime::FaultKind;

namespace {

// The C file and the C++ header each state the ABI's constants; they must agree.
static_assert(CV_RATE_ONE == covenant::compiler::kRuntimeRateOne);
static_assert(CV_DAY_MIN == covenant::compiler::kRuntimeMinDay);
static_assert(CV_DAY_MAX == covenant::compiler::kRuntimeMaxDay);
static_assert(CV_ROUND_HALF_UP == static_cast<int64_t>(RuntimeRounding::half_up));
static_assert(CV_ROUND_HALF_EVEN == static_cast<int64_t>(RuntimeRounding::half_even));
static_assert(CV_ROUND_DOWN == static_cast<int64_t>(RuntimeRounding::down));
static_assert(CV_ROUND_UP == static_cast<int64_t>(RuntimeRounding::up));
static_assert(CV_FAULT_OVERFLOW == static_cast<uint64_t>(FaultKind::overflow));
static_assert(CV_FAULT_DIVISION_BY_ZERO == static_cast<uint64_t>(FaultKind::division_by_zero));
static_assert(CV_FAULT_INVALID_INPUT == static_cast<uint64_t>(FaultKind::invalid_input));
static_assert(CV_FAULT_DATE_OUT_OF_RANGE == static_cast<uint64_t>(FaultKind::date_out_of_range));

constexpr int64_t kMin = INT64_MIN;
constexpr int64_t kMax = INT64_MAX;
constexpr int64_t kOne = covenant::compiler::kRuntimeRateOne;
const int64_t kLoc = static_cast<int64_t>(covenant::runtime::pack_loc(12, 34));

// Runs one native runtime call and turns it into a reference::Result; a fault must come with
// the location it was given, be raised once, and leave the result 0.
template <class Call>
ref::Result run(Call call, int64_t loc = kLoc) {
  rt::last_fault = {};
  const int64_t value = call();
  if (rt::last_fault.calls == 0) return ref::ok(value);
  if (rt::last_fault.calls != 1 || rt::last_fault.loc != loc || value != 0)
    return {value, ~uint64_t{0}};  // matches no reference result
  return {0, static_cast<uint64_t>(rt::last_fault.kind)};
}

std::string show(const ref::Result& r) {
  return r.fault == 0 ? std::to_string(r.value) : "fault " + std::to_string(r.fault);
}

// Counts disagreements in a large sweep without a doctest assertion per case (millions of
// them would dominate the run time) and reports the first few.
class Mismatches {
 public:
  // `describe` names the case; it is only called on a mismatch.
  template <class Describe>
  void compare(const ref::Result& got, const ref::Result& want, Describe describe) {
    if (got == want) return;
    if (++count_ <= 10) FAIL_CHECK(describe() << ": got " << show(got) << ", want " << show(want));
  }
  int count() const { return count_; }

 private:
  int count_ = 0;
};

std::string args(std::initializer_list<int64_t> values) {
  std::string s = "(";
  for (int64_t v : values)
    s += (s.size() > 1 ? ", " : "") + std::to_string(v);
  return s + ")";
}

// An int64 drawn to hit edges often: every magnitude, the extremes, 32-bit limb borders,
// products near 2^63, rate ties, money-like and rate-like values.
int64_t interesting(std::mt19937_64& rng) {
  // clang-format off
  static const int64_t edges[] = {
      0, 1, -1, 2, -2, kMin, kMin + 1, kMax, kMax - 1, INT32_MIN, INT32_MAX, 1LL << 31,
      -(1LL << 31) - 1, 1LL << 32, -(1LL << 32), (1LL << 32) - 1, 3037000499LL, -3037000499LL,
      3037000500LL, kOne, -kOne, kOne / 2, -kOne / 2, kOne / 2 + 1, 9223372036LL, 9223372037LL};
  // clang-format on
  const uint64_t r = rng();
  const int64_t sign = (rng() & 1) ? 1 : -1;
  switch (r % 8) {
    case 0:
      return static_cast<int64_t>(rng());
    case 1:
      return static_cast<int64_t>(rng() % 2001) - 1000;
    case 2:
      return sign * static_cast<int64_t>(rng() >> (1 + rng() % 63));
    case 3:
      return edges[rng() % std::size(edges)];
    case 4:
      return static_cast<int64_t>(rng() % 100'000'000'000ULL) - 50'000'000'000LL;
    case 5:
      return static_cast<int64_t>(rng() % 3'000'000'001ULL) - 1'000'000'000LL;
    case 6:
      return sign * static_cast<int64_t>(rng() % 20) * (kOne / 2);
    default: {
      const int64_t p = static_cast<int64_t>(uint64_t{1} << (rng() % 63));
      return sign * p + static_cast<int64_t>(rng() % 3) - 1;
    }
  }
}

void check_all_arithmetic(Mismatches& m, int64_t a, int64_t b, int64_t mode, int64_t loc) {
  m.compare(run([&] { return rt::cv_add(a, b, loc); }, loc), ref::add(a, b), [&] {
    return "cv_add" + args({a, b});
  });
  m.compare(run([&] { return rt::cv_sub(a, b, loc); }, loc), ref::sub(a, b), [&] {
    return "cv_sub" + args({a, b});
  });
  m.compare(run([&] { return rt::cv_mul(a, b, loc); }, loc), ref::mul(a, b), [&] {
    return "cv_mul" + args({a, b});
  });
  m.compare(run([&] { return rt::cv_neg(a, loc); }, loc), ref::neg(a),
            [&] { return "cv_neg" + args({a}); });
  m.compare(run([&] { return rt::cv_div(a, b, loc); }, loc), ref::div(a, b), [&] {
    return "cv_div" + args({a, b});
  });
  m.compare(run([&] { return rt::cv_rem(a, b, loc); }, loc), ref::rem(a, b), [&] {
    return "cv_rem" + args({a, b});
  });
  m.compare(run([&] { return rt::cv_div_round(a, b, mode, loc); }, loc), ref::div_round(a, b, mode),
            [&] {
              return "cv_div_round" + args({a, b, mode});
            });
  m.compare(run([&] { return rt::cv_mul_rate(a, b, mode, loc); }, loc), ref::mul_rate(a, b, mode),
            [&] {
              return "cv_mul_rate" + args({a, b, mode});
            });
}

}  // namespace

TEST_CASE("runtime: checked arithmetic at the edges") {
  const int64_t values[] = {0,
                            1,
                            -1,
                            2,
                            -2,
                            3,
                            -3,
                            7,
                            -7,
                            10,
                            -10,
                            1LL << 31,
                            -(1LL << 31),
                            (1LL << 31) - 1,
                            1LL << 32,
                            -(1LL << 32),
                            3037000499LL,
                            -3037000499LL,
                            3037000500LL,
                            1LL << 62,
                            -(1LL << 62),
                            kMax,
                            kMin,
                            kMax - 1,
                            kMin + 1,
                            kMax / 2,
                            kMin / 2,
                            kOne,
                            -kOne,
                            kOne / 2};
  Mismatches m;
  for (int64_t a : values)
    for (int64_t b : values)
      for (int64_t mode = 0; mode < 5; ++mode)
        check_all_arithmetic(m, a, b, mode, kLoc);
  CHECK(m.count() == 0);

  // Spot checks that do not lean on the reference.
  CHECK(run([] { return rt::cv_add(kMax, 1, kLoc); }) == ref::fault(FaultKind::overflow));
  CHECK(run([] { return rt::cv_sub(kMin, 1, kLoc); }) == ref::fault(FaultKind::overflow));
  CHECK(run([] { return rt::cv_mul(kMin, -1, kLoc); }) == ref::fault(FaultKind::overflow));
  CHECK(run([] { return rt::cv_mul(-1, kMin, kLoc); }) == ref::fault(FaultKind::overflow));
  CHECK(run([] { return rt::cv_mul(kMin, 1, kLoc); }) == ref::ok(kMin));
  CHECK(run([] { return rt::cv_mul(3037000499LL, 3037000499LL, kLoc); }) ==
        ref::ok(9223372030926249001LL));
  CHECK(run([] { return rt::cv_mul(3037000500LL, 3037000500LL, kLoc); }) ==
        ref::fault(FaultKind::overflow));
  CHECK(run([] { return rt::cv_mul(1LL << 32, -(1LL << 31), kLoc); }) == ref::ok(kMin));
  CHECK(run([] { return rt::cv_neg(kMin, kLoc); }) == ref::fault(FaultKind::overflow));
  CHECK(run([] { return rt::cv_div(kMin, -1, kLoc); }) == ref::fault(FaultKind::overflow));
  CHECK(run([] { return rt::cv_div(-7, 2, kLoc); }) == ref::ok(-3));
  CHECK(run([] { return rt::cv_div(7, 0, kLoc); }) == ref::fault(FaultKind::division_by_zero));
  CHECK(run([] { return rt::cv_rem(kMin, -1, kLoc); }) == ref::ok(0));
  CHECK(run([] { return rt::cv_rem(-7, 2, kLoc); }) == ref::ok(-1));
  CHECK(run([] { return rt::cv_rem(7, -2, kLoc); }) == ref::ok(1));
  CHECK(run([] { return rt::cv_rem(0, 0, kLoc); }) == ref::fault(FaultKind::division_by_zero));
}

TEST_CASE("runtime: rounding modes follow Java's RoundingMode table") {
  // java.math.RoundingMode's documentation: each input to one digit under each mode.
  struct Row {
    int64_t tenths;
    int64_t up, down, half_up, half_even;
  };
  const Row rows[] = {{55, 6, 5, 6, 6},      {25, 3, 2, 3, 2},      {16, 2, 1, 2, 2},
                      {11, 2, 1, 1, 1},      {10, 1, 1, 1, 1},      {-10, -1, -1, -1, -1},
                      {-11, -2, -1, -1, -1}, {-16, -2, -1, -2, -2}, {-25, -3, -2, -3, -2},
                      {-55, -6, -5, -6, -6}};
  for (const Row& row : rows) {
    CAPTURE(row.tenths);
    const std::pair<RuntimeRounding, int64_t> expected[] = {
        {RuntimeRounding::up, row.up},
        {RuntimeRounding::down, row.down},
        {RuntimeRounding::half_up, row.half_up},
        {RuntimeRounding::half_even, row.half_even}};
    for (const auto& [mode_enum, want] : expected) {
      const auto mode = static_cast<int64_t>(mode_enum);
      CAPTURE(mode);
      CHECK(run([&] { return rt::cv_div_round(row.tenths, 10, mode, kLoc); }) == ref::ok(want));
      CHECK(run([&] { return rt::cv_div_round(-row.tenths, -10, mode, kLoc); }) == ref::ok(want));
      // `tenths` × 10% is the row's input exactly.
      CHECK(run([&] { return rt::cv_mul_rate(row.tenths, kOne / 10, mode, kLoc); }) ==
            ref::ok(want));
      CHECK(run([&] { return rt::cv_mul_rate(-row.tenths, -kOne / 10, mode, kLoc); }) ==
            ref::ok(want));
      CHECK(ref::div_round(row.tenths, 10, mode) == ref::ok(want));
    }
  }
  CHECK(run([] { return rt::cv_mul_rate(1, 1, 4, kLoc); }) == ref::fault(FaultKind::invalid_input));
  CHECK(run([] { return rt::cv_div_round(1, 1, -1, kLoc); }) ==
        ref::fault(FaultKind::invalid_input));
}

TEST_CASE("runtime: mul_rate and div_round at ties, exact 128-bit products and limits") {
  Mismatches m;
  const int64_t rates[] = {0,
                           1,
                           -1,
                           kOne,
                           -kOne,
                           kOne / 2,
                           -kOne / 2,
                           kOne / 2 + 1,
                           kOne / 2 - 1,
                           150'000'000,
                           2 * kOne,
                           3 * kOne,
                           kMax,
                           kMin,
                           kMin + 1,
                           (1LL << 32) - 1,
                           1LL << 32};
  const int64_t amounts[] = {0,
                             1,
                             -1,
                             2,
                             -2,
                             3,
                             5,
                             -5,
                             12345,
                             -12345,
                             (1LL << 32) - 1,
                             1LL << 32,
                             1LL << 40,
                             kMax,
                             kMin,
                             kMin + 1,
                             kMax - 1,
                             9223372036854775LL,
                             9223372036854776LL,
                             4611686018427387904LL};
  for (int64_t money : amounts)
    for (int64_t rate : rates)
      for (int64_t mode = 0; mode < 4; ++mode)
        m.compare(run([&] { return rt::cv_mul_rate(money, rate, mode, kLoc); }),
                  ref::mul_rate(money, rate, mode), [&] {
                    return "cv_mul_rate" + args({money, rate, mode});
                  });
  // The largest exact results: ±(2^63 - 1) × 100% and -2^63 × 100% fit, -2^63 × -100% does not.
  CHECK(run([] { return rt::cv_mul_rate(kMax, kOne, 0, kLoc); }) == ref::ok(kMax));
  CHECK(run([] { return rt::cv_mul_rate(kMin, kOne, 0, kLoc); }) == ref::ok(kMin));
  CHECK(run([] { return rt::cv_mul_rate(kMin, -kOne, 0, kLoc); }) ==
        ref::fault(FaultKind::overflow));
  // money × rate = 5e8 × (2^64 - 1) = (2^63 - 1/2) × 10^9: a quotient of 2^63 - 1 and an exact
  // tie. Stepping reaches 2^63, which only a negative result can hold.
  const int64_t tie_money = 500'000'000LL * 65535, tie_rate = 281479271743489LL;
  CHECK(run([&] { return rt::cv_mul_rate(tie_money, tie_rate, 0, kLoc); }) ==
        ref::fault(FaultKind::overflow));
  CHECK(run([&] { return rt::cv_mul_rate(-tie_money, tie_rate, 0, kLoc); }) == ref::ok(kMin));
  CHECK(run([&] { return rt::cv_mul_rate(tie_money, -tie_rate, 1, kLoc); }) == ref::ok(kMin));
  CHECK(run([&] { return rt::cv_mul_rate(tie_money, tie_rate, 1, kLoc); }) ==
        ref::fault(FaultKind::overflow));
  CHECK(run([&] { return rt::cv_mul_rate(tie_money, tie_rate, 2, kLoc); }) == ref::ok(kMax));
  CHECK(run([&] { return rt::cv_mul_rate(-tie_money, -tie_rate, 3, kLoc); }) ==
        ref::fault(FaultKind::overflow));
  for (int64_t mode = 0; mode < 4; ++mode)
    for (int64_t sign : {1LL, -1LL})
      m.compare(run([&] { return rt::cv_mul_rate(sign * tie_money, tie_rate, mode, kLoc); }),
                ref::mul_rate(sign * tie_money, tie_rate, mode), [&] {
                  return "tie at 2^63" + args({sign, mode});
                });
  // Money ÷ Int ties: every mode at x.5 for odd and even x, both signs.
  for (int64_t x = -4; x <= 4; ++x)
    for (int64_t b : {2LL, -2LL, 4LL, -4LL, 1000LL, -1000LL})
      for (int64_t mode = 0; mode < 4; ++mode) {
        const int64_t a = x * b + b / 2;
        m.compare(run([&] { return rt::cv_div_round(a, b, mode, kLoc); }),
                  ref::div_round(a, b, mode), [&] {
                    return "cv_div_round" + args({a, b, mode});
                  });
      }
  CHECK(run([] { return rt::cv_div_round(kMin, -1, 0, kLoc); }) == ref::fault(FaultKind::overflow));
  CHECK(run([] { return rt::cv_div_round(kMin, 1, 3, kLoc); }) == ref::ok(kMin));
  CHECK(run([] { return rt::cv_div_round(kMin, 2, 3, kLoc); }) == ref::ok(kMin / 2));
  CHECK(run([] { return rt::cv_div_round(kMax, kMin, 3, kLoc); }) == ref::ok(-1));
  CHECK(run([] { return rt::cv_div_round(kMin, kMax, 0, kLoc); }) == ref::ok(-1));
  CHECK(run([] { return rt::cv_div_round(1, 0, 0, kLoc); }) ==
        ref::fault(FaultKind::division_by_zero));
  CHECK(m.count() == 0);
}

TEST_CASE("runtime: arithmetic agrees with the 128-bit reference on 100,000 random inputs") {
  std::mt19937_64 rng(20240611);
  Mismatches m;
  for (int i = 0; i < 100'000; ++i) {
    const int64_t a = interesting(rng), b = interesting(rng);
    const int64_t mode = static_cast<int64_t>(rng() % 4);
    const int64_t loc = static_cast<int64_t>(
        covenant::runtime::pack_loc(static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng())));
    check_all_arithmetic(m, a, b, mode, loc);
  }
  CHECK(m.count() == 0);
}

TEST_CASE("runtime: every valid date converts both ways") {
  using covenant::compiler::kRuntimeMaxDay;
  using covenant::compiler::kRuntimeMinDay;
  CHECK(ref::day_number(std::chrono::year{1} / 1 / 1) == kRuntimeMinDay);
  CHECK(ref::day_number(std::chrono::year{9999} / 12 / 31) == kRuntimeMaxDay);
  // Walk the calendar one day at a time, month lengths from std::chrono, and check the day
  // number against chrono at every month start: cheaper than a chrono conversion per day,
  // which matters with sanitizers over 3.65 million days.
  Mismatches m;
  int64_t days = kRuntimeMinDay;
  for (int64_t y = 1; y <= 9999; ++y)
    for (int64_t mo = 1; mo <= 12; ++mo) {
      const std::chrono::year_month_day_last last{
          std::chrono::year{static_cast<int>(y)},
          std::chrono::month_day_last{std::chrono::month{static_cast<unsigned>(mo)}}};
      const int64_t length = static_cast<unsigned>(last.day());
      const int64_t first = ref::day_number(
          std::chrono::year_month_day{last.year(), last.month(), std::chrono::day{1}});
      m.compare(ref::ok(days), ref::ok(first), [&] { return "walk at" + args({y, mo}); });
      for (int64_t d = 1; d <= length; ++d, ++days) {
        if (rt::cv_year(days) != y || rt::cv_month(days) != mo || rt::cv_day(days) != d)
          m.compare(
              ref::ok(rt::cv_year(days) * 10000 + rt::cv_month(days) * 100 + rt::cv_day(days)),
              ref::ok(y * 10000 + mo * 100 + d),
              [&] { return "civil parts of day " + std::to_string(days); });
        const int64_t got = rt::cv_days_from_civil(y, mo, d, kLoc);
        if (got != days)
          m.compare(ref::ok(got), ref::ok(days), [&] {
            return "cv_days_from_civil" + args({y, mo, d});
          });
      }
      // Day 0 and one past the end of every month are no dates.
      for (int64_t d : {int64_t{0}, length + 1})
        m.compare(run([&] { return rt::cv_days_from_civil(y, mo, d, kLoc); }),
                  ref::fault(FaultKind::date_out_of_range), [&] {
                    return "no date" + args({y, mo, d});
                  });
    }
  CHECK(days == kRuntimeMaxDay + 1);
  CHECK(m.count() == 0);
}

TEST_CASE("runtime: days_from_civil rejects every invalid date") {
  Mismatches m;
  for (int64_t y : std::initializer_list<int64_t>{kMin, -1, 0LL, 1LL, 4LL, 100LL, 1582LL, 1900LL,
                                                  1970LL, 2000LL, 2023LL, 2024LL, 2100LL, 2400LL,
                                                  9996LL, 9999LL, 10000LL, kMax})
    for (int64_t mo : std::initializer_list<int64_t>{kMin, -1, 0LL, 1LL, 2LL, 3LL, 4LL, 6LL, 7LL,
                                                     8LL, 9LL, 11LL, 12LL, 13LL, kMax})
      for (int64_t d : std::initializer_list<int64_t>{kMin, -1, 0LL, 1LL, 27LL, 28LL, 29LL, 30LL,
                                                      31LL, 32LL, kMax})
        m.compare(run([&] { return rt::cv_days_from_civil(y, mo, d, kLoc); }),
                  ref::days_from_civil(y, mo, d), [&] {
                    return "cv_days_from_civil" + args({y, mo, d});
                  });
  CHECK(m.count() == 0);
  CHECK(run([] { return rt::cv_days_from_civil(1900, 2, 29, kLoc); }) ==
        ref::fault(FaultKind::date_out_of_range));
  CHECK(run([] { return rt::cv_days_from_civil(2000, 2, 29, kLoc); }) == ref::ok(11016));
  CHECK(run([] { return rt::cv_days_from_civil(1970, 1, 1, kLoc); }) == ref::ok(0));
  CHECK(run([] { return rt::cv_days_from_civil(1969, 12, 31, kLoc); }) == ref::ok(-1));
}

TEST_CASE("runtime: add_months clamps to the month's end and checks the range") {
  using covenant::compiler::kRuntimeMaxDay;
  using covenant::compiler::kRuntimeMinDay;
  auto day = [](int y, unsigned mo, unsigned d) {
    return ref::day_number(std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{mo},
                                                       std::chrono::day{d}});
  };
  auto add_months = [](int64_t days, int64_t months) {
    return run([&] { return rt::cv_add_months(days, months, kLoc); });
  };
  CHECK(add_months(day(2023, 1, 31), 1) == ref::ok(day(2023, 2, 28)));
  CHECK(add_months(day(2024, 1, 31), 1) == ref::ok(day(2024, 2, 29)));
  CHECK(add_months(day(1900, 1, 31), 1) == ref::ok(day(1900, 2, 28)));
  CHECK(add_months(day(2000, 1, 31), 1) == ref::ok(day(2000, 2, 29)));
  CHECK(add_months(day(2024, 3, 31), -1) == ref::ok(day(2024, 2, 29)));
  CHECK(add_months(day(2024, 3, 31), 1) == ref::ok(day(2024, 4, 30)));
  CHECK(add_months(day(2024, 2, 29), 12) == ref::ok(day(2025, 2, 28)));
  CHECK(add_months(day(2024, 2, 29), 48) == ref::ok(day(2028, 2, 29)));
  CHECK(add_months(day(2023, 12, 15), 1) == ref::ok(day(2024, 1, 15)));
  CHECK(add_months(day(2024, 1, 15), -1) == ref::ok(day(2023, 12, 15)));
  CHECK(add_months(day(1, 1, 1), 119987) == ref::ok(day(9999, 12, 1)));
  CHECK(add_months(day(1, 1, 31), 119987) == ref::ok(kRuntimeMaxDay));
  CHECK(add_months(day(1, 1, 1), 119988) == ref::fault(FaultKind::date_out_of_range));
  CHECK(add_months(day(9999, 12, 31), -119987) == ref::ok(day(1, 1, 31)));
  CHECK(add_months(kRuntimeMinDay, -1) == ref::fault(FaultKind::date_out_of_range));
  CHECK(add_months(kRuntimeMaxDay, 1) == ref::fault(FaultKind::date_out_of_range));
  CHECK(add_months(kRuntimeMaxDay, 0) == ref::ok(kRuntimeMaxDay));
  CHECK(add_months(kRuntimeMaxDay + 1, 0) == ref::fault(FaultKind::date_out_of_range));
  CHECK(add_months(kRuntimeMinDay - 1, 1) == ref::fault(FaultKind::date_out_of_range));

  Mismatches m;
  const int64_t month_steps[] = {0,     1,      -1,       2,        -2,        11,          -11,
                                 12,    -12,    13,       -13,      24,        -25,         1200,
                                 -1200, 120000, -120000,  119988,   -119988,   119987,      -119987,
                                 kMax,  kMin,   kMax - 5, kMin + 5, 1LL << 40, -(1LL << 40)};
  // Every day of 1899..1901, 1999..2001, 2023..2025 and the two edge years, with every step.
  for (int64_t y :
       {1LL, 1899LL, 1900LL, 1901LL, 1999LL, 2000LL, 2001LL, 2023LL, 2024LL, 2025LL, 9999LL}) {
    const int64_t first = day(static_cast<int>(y), 1, 1), last = day(static_cast<int>(y), 12, 31);
    for (int64_t days = first; days <= last; ++days)
      for (int64_t step : month_steps)
        m.compare(add_months(days, step), ref::add_months(days, step), [&] {
          return "cv_add_months" + args({days, step});
        });
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100'000; ++i) {
    const int64_t days =
        kRuntimeMinDay +
        static_cast<int64_t>(rng() % static_cast<uint64_t>(kRuntimeMaxDay - kRuntimeMinDay + 1));
    const int64_t months = (rng() & 1) ? static_cast<int64_t>(rng() % 240'001) - 120'000
                                       : static_cast<int64_t>(rng() % 49) - 24;
    m.compare(add_months(days, months), ref::add_months(days, months), [&] {
      return "cv_add_months" + args({days, months});
    });
  }
  CHECK(m.count() == 0);
}

TEST_CASE("runtime: add_days stays inside 0001-01-01 .. 9999-12-31") {
  using covenant::compiler::kRuntimeMaxDay;
  using covenant::compiler::kRuntimeMinDay;
  const int64_t span = kRuntimeMaxDay - kRuntimeMinDay;
  const int64_t days[] = {
      kRuntimeMinDay,     kRuntimeMinDay + 1, -1,   0,   1, kRuntimeMaxDay - 1, kRuntimeMaxDay,
      kRuntimeMinDay - 1, kRuntimeMaxDay + 1, kMax, kMin};
  const int64_t steps[] = {0,    1,    -1,          span,        -span, span + 1, -span - 1,
                           kMax, kMin, kMax - span, kMin + span, 365,   -365};
  Mismatches m;
  for (int64_t d : days)
    for (int64_t n : steps)
      m.compare(run([&] { return rt::cv_add_days(d, n, kLoc); }), ref::add_days(d, n), [&] {
        return "cv_add_days" + args({d, n});
      });
  std::mt19937_64 rng(11);
  for (int i = 0; i < 100'000; ++i) {
    const int64_t d = interesting(rng), n = interesting(rng);
    m.compare(run([&] { return rt::cv_add_days(d, n, kLoc); }), ref::add_days(d, n), [&] {
      return "cv_add_days" + args({d, n});
    });
  }
  CHECK(m.count() == 0);
  CHECK(run([] { return rt::cv_add_days(0, 31, kLoc); }) == ref::ok(31));
}

TEST_CASE("runtime: a fault forwards its location unchanged") {
  // run() already requires this for every fault above; here the extreme locations.
  for (int64_t loc : {int64_t{0}, int64_t{-1}, kMin, kMax,
                      static_cast<int64_t>(covenant::runtime::pack_loc(0xFFFFFFFF, 0xFFFFFFFF))}) {
    CAPTURE(loc);
    CHECK(run([&] { return rt::cv_add(kMax, kMax, loc); }, loc) == ref::fault(FaultKind::overflow));
    CHECK(run([&] { return rt::cv_add_months(kMin, 1, loc); }, loc) ==
          ref::fault(FaultKind::date_out_of_range));
  }
}

namespace {

std::string error_text(llvm::Error error) {
  return error ? llvm::toString(std::move(error)) : std::string();
}

llvm::FunctionType* runtime_type(llvm::LLVMContext& context, unsigned arity) {
  llvm::Type* i64 = llvm::Type::getInt64Ty(context);
  return llvm::FunctionType::get(i64, llvm::SmallVector<llvm::Type*, 5>(arity, i64), false);
}

// A contract stand-in: `entry(i64 x)` calls each named runtime function once, chaining results.
std::unique_ptr<llvm::Module> contract_calling(llvm::LLVMContext& context,
                                               const std::vector<std::string_view>& names) {
  auto module = std::make_unique<llvm::Module>("contract", context);
  llvm::Function* entry = llvm::Function::Create(
      runtime_type(context, 1), llvm::GlobalValue::ExternalLinkage, "entry", *module);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "body", entry));
  llvm::Value* value = entry->getArg(0);
  for (std::string_view name : names) {
    unsigned arity = 0;
    for (const auto& fn : kRuntimeFunctions)
      if (fn.name == name) arity = fn.arity;
    REQUIRE(arity != 0);
    llvm::FunctionCallee callee = module->getOrInsertFunction(name, runtime_type(context, arity));
    value = builder.CreateCall(callee, llvm::SmallVector<llvm::Value*, 5>(arity, value));
  }
  builder.CreateRet(value);
  return module;
}

std::vector<std::string_view> all_runtime_names() {
  std::vector<std::string_view> names;
  for (const auto& fn : kRuntimeFunctions)
    names.push_back(fn.name);
  return names;
}

bool is_fault_call(const llvm::CallInst& call) {
  const auto* target = llvm::dyn_cast<llvm::ConstantExpr>(call.getCalledOperand());
  if (target == nullptr || target->getOpcode() != llvm::Instruction::IntToPtr) return false;
  const auto* id = llvm::dyn_cast<llvm::ConstantInt>(target->getOperand(0));
  return id != nullptr && id->getZExtValue() == 1 && call.arg_size() == 2;
}

}  // namespace

TEST_CASE("runtime bitcode: i64 functions only, no loops, no wide integers, no calls but fault") {
  const std::span<const uint8_t> bytes = covenant::compiler::runtime_bitcode();
  REQUIRE(bytes.size() > 4);
  CHECK(bytes[0] == 'B');
  CHECK(bytes[1] == 'C');
  llvm::LLVMContext context;
  auto parsed = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(
          llvm::StringRef(reinterpret_cast<const char*>(bytes.data()), bytes.size()), "runtime"),
      context);
  if (!parsed) FAIL(error_text(parsed.takeError()));
  llvm::Module& module = **parsed;
  CHECK(module.getTargetTriple() == "bpfel");
  CHECK(module.global_empty());  // no data: nothing for the packager to relocate

  size_t defined = 0;
  for (const llvm::Function& function : module) {
    CAPTURE(function.getName().str());
    if (function.isDeclaration()) {
      CHECK(function.isIntrinsic());  // e.g. llvm.abs, lowered to plain instructions
      continue;
    }
    ++defined;
    const auto* listed =
        std::find_if(kRuntimeFunctions.begin(), kRuntimeFunctions.end(),
                     [&](const auto& fn) { return fn.name == function.getName().str(); });
    REQUIRE(listed != kRuntimeFunctions.end());
    CHECK(function.getFunctionType() == runtime_type(context, listed->arity));
    CHECK(listed->arity <= 5);
    CHECK(function.hasExternalLinkage());
    llvm::SmallVector<std::pair<const llvm::BasicBlock*, const llvm::BasicBlock*>, 4> back_edges;
    llvm::FindFunctionBackedges(function, back_edges);
    CHECK(back_edges.empty());
    bool faults = false;
    for (const llvm::BasicBlock& block : function)
      for (const llvm::Instruction& instruction : block) {
        for (const llvm::Value* operand : instruction.operand_values())
          if (operand->getType()->isIntegerTy())
            CHECK(operand->getType()->getIntegerBitWidth() <= 64);
        if (instruction.getType()->isIntegerTy())
          CHECK(instruction.getType()->getIntegerBitWidth() <= 64);
        CHECK(!llvm::isa<llvm::AllocaInst>(instruction));
        if (const auto* call = llvm::dyn_cast<llvm::CallInst>(&instruction)) {
          if (llvm::isa<llvm::IntrinsicInst>(call)) continue;
          // An empty asm is an optimisation barrier (cv_mul), not a call: it emits nothing.
          if (const auto* asm_text = llvm::dyn_cast<llvm::InlineAsm>(call->getCalledOperand())) {
            CHECK(asm_text->getAsmString().empty());
            continue;
          }
          CHECK(is_fault_call(*call));
          faults = true;
        }
      }
    CHECK(faults == listed->can_fault);
  }
  CHECK(defined == kRuntimeFunctions.size());
}

TEST_CASE("runtime bitcode: link_runtime makes every function internal, verifiable, inlined") {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = contract_calling(context, all_runtime_names());
  REQUIRE(error_text(covenant::compiler::link_runtime(*module)).empty());
  CHECK(module->getTargetTriple() == "bpfel");
  for (const auto& fn : kRuntimeFunctions) {
    CAPTURE(fn.name);
    const llvm::Function* linked = module->getFunction(fn.name);
    REQUIRE(linked != nullptr);
    CHECK(!linked->isDeclaration());
    CHECK(linked->hasInternalLinkage());
    CHECK(!linked->hasFnAttribute(llvm::Attribute::NoInline));
    CHECK(!linked->hasFnAttribute("target-cpu"));
    CHECK(!linked->hasFnAttribute("no-builtins"));
  }
  CHECK(module->getNamedMetadata("llvm.ident") == nullptr);
  std::string problems;
  llvm::raw_string_ostream problem_stream(problems);
  CHECK_MESSAGE(!llvm::verifyModule(*module, &problem_stream), problems);

  // After the O2 pipeline (no target machine: the inliner's default rules) the small helpers
  // are inlined; what remains is called locally, stays internal, and every call left is to
  // such a helper or the fault host call.
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder;
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgscc, modules);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(*module, modules);
  for (const auto& fn : kRuntimeFunctions)
    if (const llvm::Function* left = module->getFunction(fn.name)) CHECK(left->hasInternalLinkage());
  CHECK(module->getFunction("cv_add") == nullptr);  // small: always inlined
  size_t fault_calls = 0;
  for (const llvm::Function& function : *module)
    for (const llvm::BasicBlock& block : function)
      for (const llvm::Instruction& instruction : block)
        if (const auto* call = llvm::dyn_cast<llvm::CallInst>(&instruction)) {
          if (llvm::isa<llvm::IntrinsicInst>(call) || llvm::isa<llvm::InlineAsm>(call->getCalledOperand()))
            continue;
          if (is_fault_call(*call)) {
            ++fault_calls;
            continue;
          }
          const llvm::Function* callee = call->getCalledFunction();
          REQUIRE(callee != nullptr);
          CHECK(callee->getName().starts_with("cv_"));
          CHECK(callee->hasInternalLinkage());
        }
  CHECK(fault_calls > 0);
  CHECK_MESSAGE(!llvm::verifyModule(*module, &problem_stream), problems);
}

TEST_CASE("runtime bitcode: link_runtime links only what the module references") {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = contract_calling(context, {"cv_add", "cv_year"});
  module->setTargetTriple("bpf");
  REQUIRE(error_text(covenant::compiler::link_runtime(*module)).empty());
  CHECK(module->getTargetTriple() == "bpf");  // the contract's spelling stays
  CHECK(module->getFunction("cv_add")->hasInternalLinkage());
  CHECK(module->getFunction("cv_year")->hasInternalLinkage());
  CHECK(module->getFunction("cv_mul") == nullptr);
  CHECK(module->getFunction("cv_mul_rate") == nullptr);

  // A second link brings in what was referenced since, without duplicating the first.
  llvm::Function* entry = module->getFunction("entry");
  llvm::IRBuilder<> builder(&entry->getEntryBlock().back());
  llvm::Value* x = entry->getArg(0);
  builder.CreateCall(module->getOrInsertFunction("cv_mul", runtime_type(context, 3)), {x, x, x});
  REQUIRE(error_text(covenant::compiler::link_runtime(*module)).empty());
  CHECK(module->getFunction("cv_mul")->hasInternalLinkage());
  for (const auto& fn : kRuntimeFunctions)
    CHECK(module->getFunction((llvm::Twine(fn.name) + ".1").str()) == nullptr);
  std::string problems;
  llvm::raw_string_ostream problem_stream(problems);
  CHECK_MESSAGE(!llvm::verifyModule(*module, &problem_stream), problems);

  llvm::Module empty("empty", context);
  CHECK(error_text(covenant::compiler::link_runtime(empty)).empty());
  CHECK(empty.empty());
}

TEST_CASE("runtime bitcode: link_runtime refuses modules it cannot serve, untouched") {
  llvm::LLVMContext context;
  {
    std::unique_ptr<llvm::Module> module = contract_calling(context, {"cv_add"});
    module->setTargetTriple("x86_64-pc-linux-gnu");
    const std::string error = error_text(covenant::compiler::link_runtime(*module));
    CHECK(error.find("x86_64") != std::string::npos);
    CHECK(module->getFunction("cv_add")->isDeclaration());
  }
  {
    auto module = std::make_unique<llvm::Module>("contract", context);
    module->getOrInsertFunction("cv_add", runtime_type(context, 2));
    const std::string error = error_text(covenant::compiler::link_runtime(*module));
    CHECK(error.find("cv_add") != std::string::npos);
    CHECK(module->getFunction("cv_add")->isDeclaration());
  }
  {
    auto module = std::make_unique<llvm::Module>("contract", context);
    llvm::Function* own = llvm::Function::Create(
        runtime_type(context, 3), llvm::GlobalValue::ExternalLinkage, "cv_sub", *module);
    llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "body", own));
    builder.CreateRet(own->getArg(0));
    const std::string error = error_text(covenant::compiler::link_runtime(*module));
    CHECK(error.find("already defines 'cv_sub'") != std::string::npos);
    CHECK(module->size() == 1);
  }
}
