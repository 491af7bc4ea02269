#pragma once
/// \file
/// The totals of a simulation: what `covenant simulate` prints at the end (a table, or JSON
/// with `--json`). Every claim result adds to a `Summary`; several threads each keep one and
/// they are merged, so the totals do not depend on the number of threads.

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "simulate/claim_result.hpp"

namespace covenant::simulate {

/// A count and an amount (minor units).
struct Tally {
  uint64_t count = 0;
  int64_t amount = 0;
};

/// Totals over claim results.
struct Summary {
  std::string currency;       ///< Of every amount; the first claim's.
  uint64_t claims = 0;        ///< Results written (adjudicated + denied + failed).
  uint64_t adjudicated = 0, denied = 0, failed = 0;
  uint64_t malformed = 0;     ///< Records skipped because they could not be read or encoded.
  uint64_t calls = 0, calls_refused = 0;  ///< Entry calls in the input, and those that failed.
  uint64_t lines = 0;
  uint64_t unbalanced = 0;    ///< Results where billed ≠ payer + patient + secondary + contractual.
  int64_t billed = 0, allowed = 0, payer = 0, patient = 0, secondary = 0, contractual = 0;
  int64_t copay = 0, deductible = 0, coinsurance = 0;
  int64_t failed_billed = 0;  ///< Billed on failed claims (in no other total).
  std::map<int64_t, Tally> denials;  ///< Claims denied whole, by code (-1: no code).
  std::map<std::pair<std::string, int64_t>, Tally> adjustments;  ///< By (group, CARC).
  uint64_t gas = 0;
  double seconds = 0;         ///< Wall time of the whole run.
  uint64_t peak_memory_kib = 0;  ///< Peak resident memory of the process (0: unknown).

  /// Adds one result.
  void add(const ClaimResult& r);
  /// Adds another summary's counts and totals (not its time).
  void merge(const Summary& other);
  /// billed = payer + patient + secondary + contractual over the whole run, and no result
  /// was unbalanced.
  bool balanced() const;
  /// The table printed to stdout.
  std::string table() const;
  /// The same as one JSON object (amounts as exact decimal strings).
  std::string json() const;
};

}  // namespace covenant::simulate
