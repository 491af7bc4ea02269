#pragma once
/// \file
/// What a plan decided about one claim, in the plan-independent shape of the results file
/// (docs/claims-format.md, "Results"): per line the charge, allowed amount, cost shares,
/// payer and secondary payments, the patient's part and the adjustments with their X12
/// group and reason codes; for a claim denied whole, the denial's code and reason.
/// Amounts are minor units of the claim's currency.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace covenant::simulate {

/// One adjustment (835 CAS): group "CO", "OA", "PI" or "PR", a CARC and an amount.
struct Adjustment {
  std::string group;
  int64_t reason = 0;
  int64_t amount = 0;
};

/// One adjudicated line.
struct LineResult {
  int64_t number = 0;               ///< 1-based position in the claim.
  std::string code;
  int64_t service_date = 0;         ///< Days since 1970-01-01.
  int64_t units = 0;
  int64_t charge = 0;
  std::optional<int64_t> allowed;   ///< When the plan reports it.
  int64_t copay = 0, deductible = 0, coinsurance = 0;
  int64_t payer = 0;                ///< Paid by the plan.
  int64_t secondary = 0;            ///< Forwarded to (or paid by) a secondary payer.
  int64_t patient = 0;              ///< What the member owes for the line.
  std::vector<Adjustment> adjustments;
};

/// How the claim ended.
enum class Outcome : uint8_t {
  adjudicated,  ///< The plan returned a remittance (lines may still be refused).
  denied,       ///< The plan denied the whole claim (`code`, `reason`, `at`).
  failed,       ///< The plan faulted or ran out of gas: a defect in the plan, not a decision.
};

/// One claim's result.
struct ClaimResult {
  std::string claim_id;   ///< The source's claim id (Synthea's claim Id for Synthea input).
  std::string member;     ///< The pseudonym the plan saw, 64 hex digits.
  std::string currency;
  Outcome outcome = Outcome::adjudicated;
  std::string status;     ///< The plan's claim status ("primary", ...); empty if it has none.
  int64_t billed = 0;     ///< Σ line charges (as the plan reports them when adjudicated).
  std::optional<int64_t> allowed;
  int64_t payer = 0, patient = 0, secondary = 0;
  /// Σ adjustments of groups CO, OA and PI (the whole charge for a claim denied whole):
  /// what neither the plan, the patient nor a secondary payer pays.
  int64_t contractual = 0;
  std::optional<int64_t> code;  ///< A denial's code (a CARC for claims plans).
  std::string reason;           ///< A denial's or failure's reason.
  std::string at;               ///< Where in the plan's source it was decided ("file:l:c").
  std::vector<LineResult> lines;
  uint64_t gas = 0;             ///< Gas used, over all calls of a split claim.

  /// billed = payer + patient + secondary + contractual: the balance every result must keep.
  bool balanced() const { return billed == payer + patient + secondary + contractual; }
};

/// "adjudicated", "denied", "failed".
const char* outcome_name(Outcome o);

/// Appends `r` as one line of the results file (compact JSON and a newline) to `out`.
/// Amounts are written as exact decimals with the currency's minor digits ("12.50").
void append_result_json(const ClaimResult& r, std::string& out);

/// `minor` minor units as a decimal with `digits` decimals ("-0.05", "1200", "12.50").
void append_amount(int64_t minor, int digits, std::string& out);

}  // namespace covenant::simulate
