// Property test of std.split (stdlib/split.cvn): random splits through the compiled library on
// the VM, in USD and JPY and under every rounding mode, checked against an independent
// largest-remainder computation in 128-bit integers.
//
// For every case: the parts add up to the total; a zero weight gets zero; every part is the
// exact share rounded down or up (within one minor unit); the units left over after rounding
// down go to the largest remainders, ties to the payee listed first (the whole result equals
// the reference); and the same payees listed in another order, under another rounding mode,
// get the same parts except for which of the payees tied at the cut get the leftover units.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "tests/contracts/contract_vm.hpp"

using namespace covenant::contract_tests;

namespace {

constexpr int kCases = 10'000;
constexpr uint64_t kSeed = 0x5eed'5917;
constexpr const char* kModes[] = {"half_up", "half_even", "down", "up"};

struct Currency {
  const char* code;
  int digits;
};
constexpr Currency kCurrencies[] = {{"USD", 2}, {"JPY", 0}};

std::string probe(const Currency& c, const char* mode) {
  return std::string("contract SplitProbe version 1\ncurrency ") + c.code + "\nrounding " + mode +
         "\nuse std.split\n"
         "entry run(total: Money, weights: List<Int, 32>) -> List<Money, 32> {\n"
         "  return split(total, weights)\n"
         "}\n";
}

// The largest-remainder split: floors, then one unit each to the largest remainders, ties to
// the lower index. Also returns each payee's remainder (total × weight mod Σ weights).
std::vector<int64_t> reference(int64_t total, const std::vector<int64_t>& weights,
                               std::vector<__int128>& rem) {
  __int128 whole = 0;
  for (int64_t w : weights)
    whole += w;
  std::vector<int64_t> parts(weights.size());
  rem.assign(weights.size(), 0);
  __int128 left = total;
  for (size_t i = 0; i < weights.size(); ++i) {
    __int128 exact = static_cast<__int128>(total) * weights[i];
    parts[i] = static_cast<int64_t>(exact / whole);
    rem[i] = exact % whole;
    left -= parts[i];
  }
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rem[a] > rem[b]; });
  for (size_t k = 0; k < static_cast<size_t>(left); ++k)
    ++parts[order[k]];
  return parts;
}

std::string args(int64_t total, const Currency& c, const std::vector<int64_t>& weights) {
  std::string w = "[";
  for (size_t i = 0; i < weights.size(); ++i)
    w += (i ? "," : "") + std::to_string(weights[i]);
  return "{\"total\": " + money_json(total, c.digits, c.code) + ", \"weights\": " + w + "]}";
}

std::vector<int64_t> parts_of(Contract& k, const Outcome& o) {
  View list = k.result("run", o);
  std::vector<int64_t> out;
  for (size_t i = 0; i < list.size(); ++i)
    out.push_back(list[i].word());
  return out;
}

}  // namespace

TEST_CASE("std.split: exact, zero weights get zero, order changes only tie-breaks") {
  std::map<std::string, Contract*> modules;
  std::vector<std::unique_ptr<Contract>> owned;
  for (const Currency& c : kCurrencies)
    for (const char* mode : kModes) {
      owned.push_back(std::make_unique<Contract>(std::string("split_") + c.code + "_" + mode,
                                                 probe(c, mode),
                                                 std::filesystem::path(COVENANT_SOURCE_DIR)));
      REQUIRE(owned.back()->ok());
      modules[std::string(c.code) + mode] = owned.back().get();
    }

  std::mt19937_64 rng(kSeed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int cases = 0, with_leftover = 0, with_ties_at_cut = 0, zero_weights = 0, refused = 0;
  int failures = 0;

  while (cases < kCases && failures < 20) {
    const Currency& cur = kCurrencies[uniform(0, 1)];
    size_t n = static_cast<size_t>(uniform(1, 32));
    // Weights: tiny (many ties), moderate, or large; a quarter of them zero.
    int64_t top = std::array<int64_t, 4>{3, 1'000, 1'000'000,
                                         1'000'000'000}[static_cast<size_t>(uniform(0, 3))];
    std::vector<int64_t> weights(n);
    for (auto& w : weights)
      w = uniform(0, 3) == 0 ? 0 : uniform(1, top);
    if (uniform(0, 9) == 0) std::fill(weights.begin(), weights.end(), weights[0]);
    int64_t max_w = *std::max_element(weights.begin(), weights.end());
    // A tenth of the cases have no weight at all: the split must refuse them.
    if (max_w == 0 && uniform(0, 9) != 0)
      weights[static_cast<size_t>(uniform(0, static_cast<int64_t>(n) - 1))] = 1;
    max_w = std::max<int64_t>(1, *std::max_element(weights.begin(), weights.end()));
    // Totals from a few minor units to the most that total × weight keeps in 64 bits.
    int64_t cap = std::min<int64_t>(INT64_MAX / max_w / 2, 100'000'000'000'000);
    int64_t total =
        std::array<int64_t, 4>{uniform(0, 40), uniform(0, 10'000), uniform(0, 100'000'000),
                               uniform(0, cap)}[static_cast<size_t>(uniform(0, 3))];
    total = std::min(total, cap);
    const char* mode = kModes[uniform(0, 3)];
    Contract& k = *modules[std::string(cur.code) + mode];

    Outcome o = k.call("run", args(total, cur, weights));
    bool all_zero = std::all_of(weights.begin(), weights.end(), [](int64_t w) { return w == 0; });
    if (all_zero) {
      CHECK_MESSAGE(o.kind == Outcome::Kind::denied,
                    "all-zero weights must be refused: " << args(total, cur, weights));
      ++refused;
      continue;
    }
    if (o.kind != Outcome::Kind::ok) {
      FAIL_CHECK("split failed (" << o.fault << ", deny " << o.deny << ") in "
                                  << std::string(cur.code) << "/" << std::string(mode) << ": "
                                  << args(total, cur, weights));
      ++failures;
      continue;
    }
    ++cases;
    std::vector<int64_t> parts = parts_of(k, o);
    std::vector<__int128> rem;
    std::vector<int64_t> expected = reference(total, weights, rem);
    __int128 whole = std::accumulate(weights.begin(), weights.end(), static_cast<__int128>(0));

    __int128 sum = 0;
    bool ok = parts.size() == n;
    for (size_t i = 0; ok && i < n; ++i) {
      sum += parts[i];
      __int128 exact = static_cast<__int128>(total) * weights[i];
      __int128 diff = static_cast<__int128>(parts[i]) * whole - exact;
      ok = diff > -whole && diff < whole && (weights[i] != 0 || parts[i] == 0);
    }
    ok = ok && sum == total && parts == expected;
    if (std::any_of(weights.begin(), weights.end(), [](int64_t w) { return w == 0; }))
      ++zero_weights;
    int64_t leftover = total;
    for (size_t i = 0; i < n; ++i)
      leftover -= static_cast<int64_t>(static_cast<__int128>(total) * weights[i] / whole);
    if (leftover > 0) ++with_leftover;
    if (!ok) {
      FAIL_CHECK("split disagrees with the reference in "
                 << std::string(cur.code) << "/" << std::string(mode) << ": "
                 << args(total, cur, weights) << "\n  vm: " << k.result("run", o).json());
      ++failures;
      continue;
    }

    // The same payees in another order, under another mode: each tie class at the cut keeps
    // its number of extra units; every other payee keeps its part.
    std::vector<size_t> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<int64_t> shuffled(n);
    for (size_t i = 0; i < n; ++i)
      shuffled[i] = weights[perm[i]];
    Contract& other = *modules[std::string(cur.code) + kModes[uniform(0, 3)]];
    Outcome p = other.call("run", args(total, cur, shuffled));
    REQUIRE(p.kind == Outcome::Kind::ok);
    std::vector<int64_t> again = parts_of(other, p);
    std::vector<int64_t> back(n);
    for (size_t i = 0; i < n; ++i)
      back[perm[i]] = again[i];
    std::map<__int128, std::pair<int, int>>
        extra_by_remainder;  // remainder -> (extra here, extra there)
    for (size_t i = 0; i < n; ++i) {
      int64_t floor = static_cast<int64_t>(static_cast<__int128>(total) * weights[i] / whole);
      extra_by_remainder[rem[i]].first += static_cast<int>(parts[i] - floor);
      extra_by_remainder[rem[i]].second += static_cast<int>(back[i] - floor);
    }
    bool tie_at_cut = false;
    for (size_t i = 0; i < n; ++i) {
      bool split_class = false;
      size_t members = 0;
      for (size_t j = 0; j < n; ++j)
        members += rem[j] == rem[i] && weights[j] != 0;
      auto [here, there] = extra_by_remainder[rem[i]];
      split_class = here > 0 && static_cast<size_t>(here) < members;
      tie_at_cut = tie_at_cut || split_class;
      if (here != there || (!split_class && back[i] != parts[i])) {
        FAIL_CHECK("reordering changed more than a tie-break: "
                   << args(total, cur, weights) << " vs " << args(total, cur, shuffled));
        ++failures;
        break;
      }
    }
    if (tie_at_cut) ++with_ties_at_cut;
  }
  MESSAGE("std.split: " << cases << " random splits (seed " << kSeed << "), each also reordered: "
                        << with_leftover << " with units left over after rounding down, "
                        << with_ties_at_cut << " with a tie at the cut, " << zero_weights
                        << " with zero weights; " << refused << " all-zero weightings refused");
  CHECK(cases >= kCases);
  CHECK(with_ties_at_cut > 100);
  CHECK(with_leftover > 1'000);
  CHECK(refused > 0);
}
