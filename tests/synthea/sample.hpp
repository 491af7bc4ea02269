#pragma once
/// \file
/// Synthea's CSV export as the Synthea check reads it: the claims to adjudicate again, as the
/// product reads them (claims::synthea_source: the charges of each claim's entries, the
/// member's plan and enrollment period at the service date, the kind of service, in the order
/// Synthea adjudicated them), and apart, Synthea's own answer for each claim (how each entry
/// was paid, from the PAYMENT, TRANSFER and ADJUSTMENT rows of claims_transactions.csv) with
/// what the export shows about the claim's history, to compare with and to explain a
/// difference.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "claims/claim.hpp"
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

/// One entry of a claim as Synthea charged and paid it.
struct Entry {
  std::string code;  ///< PROCEDURECODE of the CHARGE row.
  int64_t cost = 0;  ///< The CHARGE amount, in cents.
  Paid paid;
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

/// Synthea's answer for one claim.
struct Answer {
  std::vector<Entry> entries;  ///< In CHARGEID order: the main entry first, then line items.
  std::string service_time;    ///< FROMDATE of the main entry ("2014-05-31T18:34:30Z").
  Enrollment enrollment = Enrollment::exported;
};

/// A whole sample: its claims in the order Synthea adjudicated them (the source's order),
/// and the answer for each, by claim id.
struct Sample {
  std::vector<claims::Claim> claims;
  std::map<std::string, Answer> answers;
  size_t members = 0;
  size_t entries = 0;
};

/// Reads the export in `dir`: the claims through claims::synthea_source, the answers from
/// claims_transactions.csv and payer_transitions.csv. Fails with one line naming the file and
/// what is wrong: the source cannot open the directory or reports a claim it cannot read, a
/// column is missing, an amount or time is malformed, an entry's payments do not add up to
/// its charge, or a claim's lines differ from the CHARGE rows its answer holds.
Expected<Sample, std::string> load_sample(const std::filesystem::path& dir);

/// `cents` as "1234.56" ("-0.05" for a negative amount).
std::string format_cents(int64_t cents);

}  // namespace covenant::synthea
