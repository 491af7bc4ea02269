#pragma once
/// \file
/// The results file of `covenant simulate` (one JSON object per claim, docs/report.md,
/// "Input"), read as a stream and reduced to the totals a report shows. Memory does not grow
/// with the number of claims: every table is keyed by a code set (procedure codes, CARC
/// codes, adjustment groups, failure reasons) and capped, with whatever exceeds a cap added
/// to an "other" row.
///
/// Money is exact: amounts are read from their decimal strings into integer minor units
/// (cents for USD) and summed as 128-bit integers, which no file can overflow (2^127 minor
/// units is more than 10^20 claims of the largest amount a result can hold).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vm/expected.hpp"

namespace covenant::report {

/// A sum of amounts, in minor units of the file's currency.
using Money = __int128;

/// Rows kept per table before further keys go to the table's "other" row.
inline constexpr size_t kMaxProcedureCodes = 65536;
inline constexpr size_t kMaxDenialCodes = 4096;
inline constexpr size_t kMaxAdjustmentKeys = 4096;
inline constexpr size_t kMaxFailureReasons = 64;
/// Examples kept of malformed lines and of claims that break the balance invariant.
inline constexpr size_t kMaxExamples = 10;
/// Bytes of text kept of a reason, location or claim id shown in the report (longer text is
/// cut at a UTF-8 character boundary and marked with "…").
inline constexpr size_t kMaxShownText = 160;
/// A results line longer than this (bytes) is malformed; it is skipped without being held.
inline constexpr size_t kMaxLineBytes = size_t{16} << 20;

/// The minor-unit digits of an ISO 4217 currency code (three letters A–Z): 0 for JPY, KRW
/// and the other currencies without a minor unit, 3 for BHD, KWD, OMR and the other
/// thousandths currencies, 4 for CLF and UYW, 2 for every other code. Nothing for a code
/// that is not three capital letters.
std::optional<int> minor_digits(std::string_view currency);

/// The amount `text` in minor units: an optional '-', at least one digit, then, when
/// `digits` > 0, a '.' and exactly `digits` digits ("-12.50" is -1250 with 2 digits, "500"
/// is 500 with 0). Nothing for any other shape or for more than 18 digits in all (so that
/// every accepted amount fits in int64).
std::optional<int64_t> parse_amount(std::string_view text, int digits);

/// Totals of the service lines with one procedure code.
struct CodeTotals {
  uint64_t lines = 0;  ///< Service lines.
  Money charge = 0;    ///< Their charges (billed), minor units.
  Money allowed = 0;   ///< Their allowed amounts, minor units.
  Money payer = 0;     ///< What the plan paid on them, minor units.
};

/// The claims denied with one CARC code.
struct DenialTotals {
  uint64_t claims = 0;     ///< Denied claims.
  Money billed = 0;        ///< What they billed, minor units.
  std::string example;     ///< The first denial's reason text (shortened, unescaped).
  std::string example_at;  ///< Where the plan denied it ("plan.cvn:179:3").
};

/// The adjustments with one group code and CARC code.
struct AdjustmentTotals {
  uint64_t count = 0;  ///< Adjustments (one per line and reason).
  Money amount = 0;    ///< Their amounts, minor units.
};

/// The claims that failed with one reason ("out of gas", a fault).
struct FailureTotals {
  uint64_t claims = 0;     ///< Failed claims.
  Money billed = 0;        ///< What they billed, minor units.
  std::string example_at;  ///< Where the first one failed.
};

/// A line of the results file, or a claim, the report points at: "file:line" and why.
struct Note {
  std::string location;  ///< "results.ndjson:12".
  std::string message;   ///< One line, no trailing period.
};

/// Bucket `i` of the payout histogram holds plan payments p with kPayoutEdges[i] <= p <
/// kPayoutEdges[i + 1] (minor units): 1, 2, 5, 10, 20, 50, … up to 5 * 10^18, so each
/// decade has three buckets. Payments of 0 and below are counted apart.
inline constexpr size_t kPayoutBuckets = 57;
/// The lower edge of each payout bucket, minor units.
extern const std::array<int64_t, kPayoutBuckets> kPayoutEdges;

/// Everything a report shows about one results file. Sums of payer, patient, secondary and
/// contractual cover adjudicated and denied claims; billed covers every claim, failed ones
/// too (and `failed_billed` says how much of it failed).
struct Summary {
  std::string source;    ///< The file's name as shown (no directories).
  std::string currency;  ///< ISO 4217 code of every amount; empty until a claim is read.
  int digits = 2;        ///< Minor-unit digits of `currency`.

  uint64_t claims = 0;       ///< Well-formed result lines (one per claim).
  uint64_t adjudicated = 0;  ///< Outcome "adjudicated".
  uint64_t denied = 0;       ///< Outcome "denied" (the whole claim).
  uint64_t failed = 0;       ///< Outcome "failed": a fault or out of gas in the plan.
  std::map<std::string, uint64_t, std::less<>> statuses;  ///< The plan's claim status → claims.
  uint64_t lines = 0;  ///< Service lines of adjudicated and denied claims.

  Money billed = 0;              ///< Every claim's billed amount.
  Money failed_billed = 0;       ///< The part of `billed` on failed claims.
  Money allowed = 0;             ///< Allowed, over the claims that report it.
  uint64_t allowed_missing = 0;  ///< Adjudicated or denied claims without an allowed amount.
  Money payer = 0;               ///< Paid by the plan.
  Money patient = 0;             ///< The patient's responsibility.
  Money secondary = 0;           ///< Left to a secondary payer.
  Money contractual = 0;         ///< Written off (contractual adjustments, denials).
  Money deductible = 0;          ///< The lines' deductible (part of `patient`).
  Money copay = 0;               ///< The lines' copays (part of `patient`).
  Money coinsurance = 0;         ///< The lines' coinsurance (part of `patient`).

  uint64_t payout_negative = 0;  ///< Adjudicated claims with a negative payment (reversals).
  uint64_t payout_zero = 0;      ///< Adjudicated claims the plan paid nothing on.
  std::array<uint64_t, kPayoutBuckets> payout{};  ///< Adjudicated claims by payment bucket.

  std::map<int64_t, DenialTotals> denials;  ///< CARC code → denied claims.
  DenialTotals other_denials;               ///< Codes beyond kMaxDenialCodes.
  /// (group, CARC) → adjustments; the group as given, in capitals ("CO", "PR").
  std::map<std::pair<std::string, int64_t>, AdjustmentTotals> adjustments;
  AdjustmentTotals other_adjustments;                          ///< Keys beyond kMaxAdjustmentKeys.
  std::map<std::string, CodeTotals, std::less<>> codes;        ///< Procedure code → lines.
  CodeTotals other_codes;                                      ///< Codes beyond kMaxProcedureCodes.
  std::map<std::string, FailureTotals, std::less<>> failures;  ///< Failure reason → claims.
  FailureTotals other_failures;  ///< Reasons beyond kMaxFailureReasons.

  uint64_t imbalanced = 0;  ///< Claims where billed ≠ payer + patient + secondary + contractual.
  std::vector<Note> imbalanced_examples;  ///< The first kMaxExamples of them.
  uint64_t malformed = 0;  ///< Lines skipped as malformed (blank lines are not counted).
  std::vector<Note> malformed_examples;  ///< The first kMaxExamples of them.
};

/// Reads results lines one at a time into a Summary. A line is taken whole or not at all:
/// a malformed one (not JSON, a missing or mistyped field, an amount of the wrong shape, a
/// currency other than the file's) changes nothing but the malformed count, and is passed
/// to the problem callback as "file:line" and the reason.
class Summarizer {
 public:
  /// Called once per malformed line, in order.
  using ProblemSink = std::function<void(const Note&)>;

  /// `source` names the file in locations and in the report (directories are dropped).
  explicit Summarizer(std::string_view source, ProblemSink on_problem = {});
  ~Summarizer();
  Summarizer(const Summarizer&) = delete;
  Summarizer& operator=(const Summarizer&) = delete;

  /// Reads the next line of the file (without its '\n'; a trailing '\r' is ignored). Blank
  /// lines only advance the line number.
  void add_line(std::string_view line);
  /// add_line for a line followed in memory by at least kLinePadding readable bytes (any
  /// content), which it reads where it is instead of copying it first.
  void add_line_in_place(std::string_view line);
  /// Bytes add_line_in_place may read past the end of its line.
  static constexpr size_t kLinePadding = 64;
  /// Counts the next line as malformed for `reason` without reading it (used for lines
  /// longer than kMaxLineBytes, which are never held in memory).
  void skip_line(std::string_view reason);
  /// The totals so far.
  const Summary& summary() const { return summary_; }

 private:
  void add(std::string_view line, bool padded);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  Summary summary_;
};

/// Reads every line of `in` (a results file opened for reading; not closed) into a Summary
/// named `source`, in chunks, never holding more than one line. Fails with "source: reason"
/// on a read error.
Expected<Summary, std::string> summarize(std::FILE* in, std::string_view source,
                                         const Summarizer::ProblemSink& on_problem = {});

/// Reads the results file at `path` ("-": standard input). Fails with "path: reason" when
/// it cannot be opened or read.
Expected<Summary, std::string> summarize_file(const std::string& path,
                                              const Summarizer::ProblemSink& on_problem = {});

}  // namespace covenant::report
