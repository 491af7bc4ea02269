// contracts/revenue/data_dividend.cvn with real signers, which `covenant test` cannot vary
// (it signs every call with one key): only stewards register contributors and record income,
// each payee releases its own dividend and nobody else's, and over a random run of
// registrations, payments and releases by random signers, every payment is accrued in full,
// to each payee exactly as an independent two-pool largest-remainder computation says, with
// one Accrued event per payee paid and one Released event per release.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "tests/contracts/contract_vm.hpp"

using namespace covenant::contract_tests;
using Key = std::array<uint8_t, 32>;

namespace {

constexpr int kSteps = 3'000;
constexpr uint64_t kSeed = 0xd1'7d'e4d;

Key key(uint8_t first, uint8_t last) {
  Key k{};
  k[0] = first;
  k[31] = last;
  return k;
}

int64_t word_at(const std::vector<uint8_t>& bytes, size_t offset) {
  uint64_t w = 0;
  for (size_t i = 8; i-- > 0;)
    w = (w << 8) | bytes[offset + i];
  return static_cast<int64_t>(w);
}

// Largest remainder, ties to the lower index (the payee whose key comes first).
std::vector<int64_t> split(int64_t total, const std::vector<int64_t>& weights) {
  __int128 whole = std::accumulate(weights.begin(), weights.end(), static_cast<__int128>(0));
  std::vector<int64_t> parts(weights.size());
  std::vector<__int128> rem(weights.size());
  int64_t left = total;
  for (size_t i = 0; i < weights.size(); ++i) {
    parts[i] = static_cast<int64_t>(static_cast<__int128>(total) * weights[i] / whole);
    rem[i] = static_cast<__int128>(total) * weights[i] % whole;
    left -= parts[i];
  }
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rem[a] > rem[b]; });
  for (int64_t k = 0; k < left; ++k)
    ++parts[order[static_cast<size_t>(k)]];
  return parts;
}

struct Payee {
  bool hospital = false;
  int64_t records = 0, factor = 1, accrued = 0, released = 0;
  int64_t weight() const { return records * (hospital ? factor : 1); }
};

}  // namespace

TEST_CASE("data_dividend: stewards, pull-style release by the payee's own key, exact accruals") {
  Contract k = Contract::from_file("contracts/revenue/data_dividend.cvn");
  REQUIRE(k.ok());
  const Key steward = key(0x5e, 1), stranger = key(0xee, 0xee);
  auto json = [](const Key& x) { return hex32_json(x); };

  CHECK(k.call("open", "{}", steward).kind == Outcome::Kind::ok);
  CHECK(k.call("open", "{}", stranger).kind == Outcome::Kind::denied);

  std::mt19937_64 rng(kSeed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  std::vector<Key> pool;  // candidate payees: 40 keys, more than the 32 the agreement takes
  for (uint8_t i = 0; i < 40; ++i)
    pool.push_back(key(static_cast<uint8_t>(uniform(0, 255)), i));
  std::map<Key, Payee> payees;  // ordered by key bytes, as the contract visits them
  int64_t received = 0;
  int registrations = 0, refused_registrations = 0, payments = 0, releases = 0,
      refused_releases = 0, intruders = 0, failures = 0;
  auto fail = [&](const std::string& what) {
    if (++failures <= 10) FAIL_CHECK(what);
  };

  for (int step = 0; step < kSteps; ++step) {
    int64_t roll = uniform(0, 99);
    if (roll < 25) {
      // A steward (or, a tenth of the time, someone else) registers or updates a payee.
      const Key& who = pool[static_cast<size_t>(uniform(0, 39))];
      bool hospital = uniform(0, 2) == 0;
      int64_t records = uniform(0, 3) == 0 ? 0 : uniform(1, 100'000);
      int64_t quality = uniform(0, 2);
      bool by_steward = uniform(0, 9) != 0;
      std::string args =
          "{\"payee\": " + json(who) + ", \"c\": {\"role\": \"" +
          (hospital ? "hospital" : "patient") + "\", \"records\": " + std::to_string(records) +
          ", \"quality\": \"" +
          std::array<const char*, 3>{"raw", "curated", "gold"}[static_cast<size_t>(quality)] +
          "\"}}";
      Outcome o = k.call("register", args, by_steward ? steward : stranger);
      bool fits = payees.count(who) || payees.size() < 32;
      bool expected = by_steward && fits;
      if ((o.kind == Outcome::Kind::ok) != expected)
        fail("register " + args + " by steward " + std::to_string(by_steward));
      if (o.kind == Outcome::Kind::ok) {
        Payee& p = payees[who];
        p.hospital = hospital;
        p.records = records;
        p.factor = quality + 1;
        ++registrations;
      } else {
        ++refused_registrations;
        if (!by_steward) ++intruders;
      }
    } else if (roll < 60) {
      // A payment; a stranger recording income is refused.
      int64_t income = uniform(0, 3) == 0 ? uniform(1, 100) : uniform(1, 1'000'000'000);
      bool by_steward = uniform(0, 19) != 0;
      Outcome o = k.call("receive", "{\"income\": " + money_json(income, 2, "EUR") + "}",
                         by_steward ? steward : stranger);
      int64_t hospitals = 0, patients = 0;
      std::vector<int64_t> hw, pw;
      for (const auto& [who, p] : payees) {
        hw.push_back(p.hospital ? p.weight() : 0);
        pw.push_back(p.hospital ? 0 : p.weight());
        hospitals += hw.back();
        patients += pw.back();
      }
      bool expected = by_steward && hospitals + patients > 0;
      if ((o.kind == Outcome::Kind::ok) != expected) {
        fail("receive " + std::to_string(income) + " by steward " + std::to_string(by_steward));
        continue;
      }
      if (o.kind != Outcome::Kind::ok) {
        if (!by_steward) ++intruders;
        continue;
      }
      ++payments;
      received += income;
      int64_t to_patients = patients == 0 ? 0 : hospitals == 0 ? income : income * 3 / 10;
      std::vector<int64_t> hp =
          hospitals ? split(income - to_patients, hw) : std::vector<int64_t>(hw.size());
      std::vector<int64_t> pp = patients ? split(to_patients, pw) : std::vector<int64_t>(pw.size());
      // One Accrued event (number 0) per payee with a part: the hospitals' pool first, then
      // the patients', each in key order.
      size_t e = 0;
      for (const std::vector<int64_t>* parts : {&hp, &pp}) {
        size_t i = 0;
        for (auto& [who, p] : payees) {
          int64_t part = (*parts)[i++];
          p.accrued += part;
          if (part == 0) continue;
          if (e >= o.events.size() || o.events[e].index != 0 ||
              !std::equal(who.begin(), who.end(), o.events[e].data.begin()) ||
              word_at(o.events[e].data, 40) != part)
            fail("Accrued event " + std::to_string(e) + " of a payment of " +
                 std::to_string(income));
          ++e;
        }
      }
      if (e != o.events.size()) fail("more Accrued events than payees paid");
    } else {
      // A release, signed by a payee or by a stranger.
      bool stranger_asks = uniform(0, 9) == 0 || payees.empty();
      Key who = stranger_asks
                    ? stranger
                    : std::next(payees.begin(), uniform(0, static_cast<int64_t>(payees.size()) - 1))
                          ->first;
      Outcome o = k.call("release", "{}", who);
      int64_t due = stranger_asks ? 0 : payees[who].accrued - payees[who].released;
      if ((o.kind == Outcome::Kind::ok) != (due > 0)) {
        fail("release by a payee owed " + std::to_string(due));
        continue;
      }
      if (o.kind != Outcome::Kind::ok) {
        ++refused_releases;
        continue;
      }
      ++releases;
      payees[who].released += due;
      if (k.result("release", o).word() != due) fail("release returned another amount");
      if (o.events.size() != 1 || o.events[0].index != 1 || word_at(o.events[0].data, 32) != due ||
          !std::equal(who.begin(), who.end(), o.events[0].data.begin()))
        fail("Released event");
    }
  }
  // Every payee's account, and the total owed, as the model says; every payment accrued in full.
  int64_t accrued = 0, owed = 0;
  for (const auto& [who, p] : payees) {
    Outcome o = k.call("account", "{\"payee\": " + json(who) + "}");
    REQUIRE(o.kind == Outcome::Kind::ok);
    View a = k.result("account", o);
    if (a["accrued"].word() != p.accrued || a["released"].word() != p.released)
      fail("account of a payee: " + a.json());
    accrued += p.accrued;
    owed += p.accrued - p.released;
  }
  Outcome o = k.call("outstanding", "{}");
  REQUIRE(o.kind == Outcome::Kind::ok);
  MESSAGE("data_dividend: " << kSteps << " random steps (seed " << kSeed << "): " << registrations
                            << " registrations (" << refused_registrations << " refused), "
                            << payments << " payments, " << releases << " releases ("
                            << refused_releases << " refused), " << intruders
                            << " attempts by a non-steward refused; " << payees.size()
                            << " payees");
  CHECK(failures == 0);
  CHECK(accrued == received);
  CHECK(k.result("outstanding", o).word() == owed);
  CHECK(payees.size() == 32);
  CHECK(intruders > 0);
  CHECK(releases > 100);
}
