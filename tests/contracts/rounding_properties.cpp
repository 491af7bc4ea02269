// Property test of the rounding of std.money (stdlib/money.cvn) and so of the language's
// `Money * Rate` and `Money / Int`: random amounts, rates and shares through the compiled
// library on the VM, in USD and JPY, each under all four rounding modes, against an exact
// 128-bit reference. Half the cases sit exactly on a half-unit boundary (2.505 cents, 0.5 yen)
// or one billionth of a rate beside it, where the modes disagree. The mode-independent
// functions (floor_div, ceil_div, minor_unit) are checked under every mode too.

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <string>

#include "tests/contracts/contract_vm.hpp"

using namespace covenant::contract_tests;

namespace {

constexpr int kCases = 10'000;
constexpr uint64_t kSeed = 0x0dd'ce47;
constexpr int64_t kBillion = 1'000'000'000;

enum class Mode { half_up, half_even, down, up };
constexpr Mode kModes[] = {Mode::half_up, Mode::half_even, Mode::down, Mode::up};
constexpr const char* kModeNames[] = {"half_up", "half_even", "down", "up"};

struct Currency {
  const char* code;
  int digits;
};
constexpr Currency kCurrencies[] = {{"USD", 2}, {"JPY", 0}};

std::string probe(const Currency& c, const char* mode) {
  return std::string("contract RoundingProbe version 1\ncurrency ") + c.code + "\nrounding " +
         mode +
         "\nuse std.money\n"
         "entry percent(amount: Money, rate: Rate) -> Money { return percent_of(amount, rate) }\n"
         "entry share(amount: Money, part: Int, whole: Int) -> Money { return share_of(amount, "
         "part, whole) }\n"
         "entry down(amount: Money, n: Int) -> Money { return floor_div(amount, n) }\n"
         "entry up(amount: Money, n: Int) -> Money { return ceil_div(amount, n) }\n"
         "entry unit(amount: Money) -> Money { return minor_unit(amount) }\n";
}

// num / den (den > 0) rounded to an integer by `mode`: the magnitude truncated, then one more
// when the mode says so, the sign put back (docs/LANGUAGE.md, "Rounding").
__int128 round_exact(__int128 num, __int128 den, Mode mode) {
  bool negative = num < 0;
  __int128 mag = negative ? -num : num;
  __int128 q = mag / den, r = mag % den;
  bool bump = false;
  switch (mode) {
    case Mode::half_up:
      bump = 2 * r >= den;
      break;
    case Mode::half_even:
      bump = 2 * r > den || (2 * r == den && q % 2 == 1);
      break;
    case Mode::down:
      bump = false;
      break;
    case Mode::up:
      bump = r != 0;
      break;
  }
  q += bump ? 1 : 0;
  return negative ? -q : q;
}

__int128 floor_exact(__int128 num, __int128 den) {
  __int128 q = num / den;
  return (num % den != 0 && num < 0) ? q - 1 : q;
}

int64_t gcd64(int64_t a, int64_t b) {
  return std::gcd(a, b);
}

// The inverse of a modulo m (gcd 1), by the extended Euclid algorithm.
int64_t inverse(int64_t a, int64_t m) {
  __int128 t = 0, new_t = 1, r = m, new_r = a % m;
  while (new_r != 0) {
    __int128 q = r / new_r;
    __int128 tmp = t - q * new_t;
    t = new_t;
    new_t = tmp;
    tmp = r - q * new_r;
    r = new_r;
    new_r = tmp;
  }
  return static_cast<int64_t>(t < 0 ? t + m : t);
}

}  // namespace

TEST_CASE("std.money: every rounding mode against exact arithmetic, at half-unit boundaries") {
  std::vector<std::unique_ptr<Contract>> modules;  // [currency * 4 + mode]
  for (const Currency& c : kCurrencies)
    for (const char* mode : kModeNames) {
      modules.push_back(std::make_unique<Contract>(std::string("rounding_") + c.code + "_" + mode,
                                                   probe(c, mode),
                                                   std::filesystem::path(COVENANT_SOURCE_DIR)));
      REQUIRE(modules.back()->ok());
    }

  std::mt19937_64 rng(kSeed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int cases = 0, ties = 0, near_ties = 0, failures = 0, calls = 0;

  auto check = [&](size_t module, const std::string& entry, const std::string& args,
                   __int128 expected, const std::string& what) {
    Contract& k = *modules[module];
    Outcome o = k.call(entry, args);
    ++calls;
    int64_t got = o.kind == Outcome::Kind::ok ? k.result(entry, o).word() : 0;
    if (o.kind != Outcome::Kind::ok || got != expected) {
      if (++failures <= 20)
        FAIL_CHECK(
            what << " " << entry << " " << args << " under " << std::string(kModeNames[module % 4])
                 << ": expected " << static_cast<int64_t>(expected) << " minor units, got "
                 << (o.kind == Outcome::Kind::ok ? std::to_string(got) : "no result: " + o.fault));
    }
  };

  while (cases < kCases) {
    size_t cur = static_cast<size_t>(uniform(0, 1));
    const Currency& c = kCurrencies[cur];
    int64_t sign = uniform(0, 1) ? 1 : -1;
    int kind = static_cast<int>(uniform(0, 2));
    if (kind == 0) {
      // amount × rate / 10^9. A tie needs amount × rate ≡ 5×10^8 (mod 10^9): solvable when
      // gcd(amount, 10^9) divides 5×10^8.
      int64_t amount =
          uniform(1, std::array<int64_t, 3>{100, 1'000'000,
                                            1'000'000'000'000}[static_cast<size_t>(uniform(0, 2))]);
      int64_t rate = uniform(0, 2 * kBillion);
      int style = static_cast<int>(uniform(0, 3));
      int64_t g = gcd64(amount, kBillion);
      if (style <= 1 && (kBillion / 2) % g == 0) {
        int64_t m = kBillion / g;
        int64_t base = static_cast<int64_t>(
            (static_cast<__int128>((kBillion / 2) / g) * inverse((amount / g) % m, m)) % m);
        rate = base + m * uniform(0, (2 * kBillion - base) / m);
        if (style == 1) rate += uniform(0, 1) ? 1 : -1;
        (style == 0 ? ties : near_ties)++;
      }
      if (rate < 0) rate = 0;
      std::string args = "{\"amount\": " + money_json(sign * amount, c.digits, c.code) +
                         ", \"rate\": " + rate_json(rate) + "}";
      for (size_t m = 0; m < 4; ++m)
        check(cur * 4 + m, "percent", args,
              round_exact(static_cast<__int128>(sign * amount) * rate, kBillion, kModes[m]),
              "percent_of");
    } else if (kind == 1) {
      // amount × part / whole. With whole even, part odd and amount ≡ whole / 2 (mod whole)
      // the exact result is a whole number and a half.
      int64_t whole = uniform(
          1, std::array<int64_t, 3>{10, 10'000, 1'000'000'000}[static_cast<size_t>(uniform(0, 2))]);
      int64_t part = uniform(0, 1'000);
      int64_t amount = uniform(0, 1'000'000'000'000);
      if (uniform(0, 1)) {
        whole = 2 * std::max<int64_t>(1, whole / 2);
        part |= 1;
        amount = whole * uniform(0, 1'000'000'000'000 / whole) + whole / 2;
        ++ties;
      }
      std::string args = "{\"amount\": " + money_json(sign * amount, c.digits, c.code) +
                         ", \"part\": " + std::to_string(part) +
                         ", \"whole\": " + std::to_string(whole) + "}";
      for (size_t m = 0; m < 4; ++m)
        check(cur * 4 + m, "share", args,
              round_exact(static_cast<__int128>(sign * amount) * part, whole, kModes[m]),
              "share_of");
    } else {
      // Floor and ceiling division, and the minor unit: the same under every mode.
      int64_t n = uniform(
          1, std::array<int64_t, 3>{2, 1'000, 1'000'000'000}[static_cast<size_t>(uniform(0, 2))]);
      int64_t amount = sign * uniform(0, 1'000'000'000'000'000);
      if (uniform(0, 1)) amount = (amount / n) * n + uniform(-1, 1);  // on and beside a multiple
      std::string args = "{\"amount\": " + money_json(amount, c.digits, c.code) +
                         ", \"n\": " + std::to_string(n) + "}";
      size_t m = static_cast<size_t>(uniform(0, 3));
      check(cur * 4 + m, "down", args, floor_exact(amount, n), "floor_div");
      check(cur * 4 + m, "up", args, -floor_exact(-static_cast<__int128>(amount), n), "ceil_div");
      if (amount != 0)
        check(cur * 4 + m, "unit", "{\"amount\": " + money_json(amount, c.digits, c.code) + "}", 1,
              "minor_unit");
    }
    ++cases;
  }
  MESSAGE("std.money rounding: " << cases << " random cases (seed " << kSeed << "), " << calls
                                 << " calls across 4 modes and 2 currencies; " << ties
                                 << " exactly on a half-unit boundary, " << near_ties
                                 << " one billionth beside one");
  CHECK(failures == 0);
  CHECK(cases >= kCases);
  CHECK(ties > 2'000);
  CHECK(near_ties > 500);
}
