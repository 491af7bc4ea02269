#pragma once
/// \file
/// Synthea's CSV export read as claims to adjudicate again: for each claim, what the payer
/// model takes as input (the charges of its entries, the member's plan and enrollment period
/// at the service date, the kind of service) and, apart, Synthea's own answer (how each entry
/// was paid, from claims_transactions.csv) to compare with.
///
/// Inputs come from claims.csv, the CHARGE rows of claims_transactions.csv, encounters.csv,
/// medications.csv, payer_transitions.csv, payers.csv, insurance_plans.csv and Synthea's
/// insurance_companies.csv (which links a payer's name to its plans). The PAYMENT, TRANSFER
/// and ADJUSTMENT rows are read only into `Expected`, never into the inputs.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "vm/expected.hpp"

namespace covenant::synthea {

/// How Synthea paid one entry, in cents, as claims_transactions.csv records it.
struct Paid {
  int64_t copay = 0;      ///< PAYMENT by COPAY (the main entry only).
  int64_t primary = 0;    ///< PAYMENT by ECHECK before any transfer: the primary plan.
  int64_t secondary = 0;  ///< PAYMENT by ECHECK after a TRANSFERIN of type 2.
  int64_t patient = 0;    ///< PAYMENT by CASH, CHECK or CC: deductible and the rest.
  int64_t adjusted = 0;   ///< ADJUSTMENT rows: a payer adjustment, which the model leaves out.
  friend bool operator==(const Paid&, const Paid&) = default;
};

/// One entry of a claim: its charge (an input) and how Synthea paid it (the answer).
struct Line {
  std::string code;  ///< PROCEDURECODE of the CHARGE row.
  int64_t cost = 0;  ///< The CHARGE amount, in cents.
  Paid expected;
};

/// Where the claim's enrollment period came from.
enum class Enrollment {
  exported,             ///< A payer_transitions.csv row covers the service time.
  began_before_export,  ///< As `exported`, but it is the member's first row and the member
                        ///< has an exported claim before it: the period began before the
                        ///< export's window, so some of its claims are not in the files.
  not_exported,         ///< No row covers it: the payer is the encounter's (or the
                        ///< medication's) PAYER and the period is taken to start on the
                        ///< service date.
};

/// One claim, ready to adjudicate.
struct Claim {
  std::string id;       ///< claims.csv Id.
  std::string patient;  ///< PATIENTID (a UUID).
  size_t file_index = 0;        ///< Its row in claims.csv.
  std::string service;          ///< An encounter class ("wellness", ...) or "medication".
  std::string service_time;     ///< Start of the main entry, ISO 8601 ("2014-05-31T18:34:30Z").
  std::string adjudicated_at;   ///< When Synthea split its costs: a medication when ordered
                                ///< (its START), an encounter when it ended (its STOP).
  std::string enrolled;         ///< Start date (YYYY-MM-DD) of its enrollment period.
  Enrollment enrollment = Enrollment::exported;
  std::optional<int64_t> plan;       ///< Synthea plan id; none: no insurance.
  std::optional<int64_t> secondary;  ///< Plan id of a secondary plan; none: no secondary plan.
  std::vector<Line> lines;           ///< The main entry first, then line items.
};

/// A whole sample: its claims in the order Synthea adjudicated them (by member, then by
/// `adjudicated_at`; a medication before an encounter at the same instant; then file order).
struct Sample {
  std::vector<Claim> claims;
  size_t members = 0;
  size_t entries = 0;
};

/// Reads the export in `dir` and the payer-to-plan links of `companies`
/// (insurance_companies.csv). Fails with one line naming the file and what is wrong: a file
/// or column missing, a malformed amount or time, a payer whose plan is not unique (Synthea's
/// transitions name the payer, not the plan), an entry whose payments do not add up to its
/// charge, a claim without a CHARGE row or without its encounter.
Expected<Sample, std::string> load_sample(const std::filesystem::path& dir,
                                          const std::filesystem::path& companies);

/// `cents` as "1234.56" ("-0.05" for a negative amount).
std::string format_cents(int64_t cents);

}  // namespace covenant::synthea
