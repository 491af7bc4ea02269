#pragma once
/// \file
/// A claim as every claims format is read into, before it meets a plan: the fields of an
/// 837-style professional or institutional claim (docs/claims-format.md), plus the few that
/// Synthea's payer model takes as input. A reader fills what its format carries; the
/// simulator (simulate/claim_encoder.hpp) copies into a plan's `Claim` record the fields
/// that record declares, by name.
///
/// Amounts are integers in the minor unit of the claim's currency (cents for USD); dates
/// are days since 1970-01-01 (UTC), as the contract language's Date.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace covenant::claims {

/// How a claim relates to earlier ones (837 CLM05-3): 1 original, 7 replacement, 8 void.
enum class Frequency : uint8_t { original, replacement, void_ };

/// One service line (837 SV1/SV2), or for Synthea one entry of a claim.
struct Line {
  std::string code;                       ///< CPT/HCPCS (or the source's code): 1..16 chars.
  std::vector<std::string> modifiers;     ///< In billing order, each 1..16 chars.
  int64_t units = 1;                      ///< Units of service, >= 1.
  int64_t charge = 0;                     ///< For all the units, minor units, >= 0.
  int64_t service_date = 0;               ///< Days since 1970-01-01.
  std::string place;                      ///< Place-of-service code ("22"); empty: none.
  std::vector<int64_t> diagnosis_pointers;  ///< 1-based positions in `Claim::diagnoses`.
  std::optional<std::string> prior_auth;  ///< The authorisation number given, if any.
};

/// One claim. `id` and `member` are the source's identifiers; the simulator hashes them
/// into the plan's `Hash` / `Pseudonym` values (simulate/claim_encoder.hpp), so a source
/// identifier never reaches a plan or a ledger.
struct Claim {
  std::string id;                   ///< The submitter's claim number (non-empty).
  std::string member;               ///< The member's identifier in the source (non-empty).
  std::string provider;             ///< Billing provider (NPI), 0..16 chars.
  std::string currency = "USD";     ///< ISO 4217 code of every amount.
  int64_t received = 0;             ///< When the payer received it, days since 1970-01-01.
  Frequency frequency = Frequency::original;
  std::optional<std::string> replaces;  ///< A replacement or void: the claim it corrects.
  std::vector<std::string> diagnoses;   ///< ICD-10-CM without the dot, in claim order.
  bool other_coverage = false;          ///< A secondary payer is on file for the member.
  std::vector<Line> lines;              ///< At least one.

  // Synthea's payer model (docs/claims-format.md, "Synthea"): empty for other formats.
  std::optional<int64_t> enrolled;        ///< Start of the enrolment period, days.
  std::optional<int64_t> plan;            ///< The primary plan's id; none: uninsured.
  std::optional<int64_t> secondary_plan;  ///< The secondary plan's id; none: no secondary.
  std::string service;                    ///< Encounter class ("wellness", ...) or "medication".

  /// Where it was read: "file:line" or "file: Claim/<id>", for messages.
  std::string location;

  /// Empties every field, keeping the capacity (readers reuse one Claim per record).
  void clear();
  /// Sum of the lines' charges, minor units.
  int64_t billed() const;
};

/// A call of one of the plan's other entries, in the stream between claims (NDJSON only):
/// enrolments, authorisations, anything a plan needs on file before a claim meets it.
struct Call {
  std::string entry;      ///< The entry's name.
  std::string args_json;  ///< Its arguments as a JSON object (runtime/abi.hpp forms).
  std::string member;     ///< Whose state it touches (for sharding); empty: everyone's.
  std::string location;   ///< "file:line".
};

/// A record that could not be read: skipped and counted (or the end of a `--strict` run).
struct Problem {
  std::string location;  ///< "file:line", "file: Claim/<id>", "file:line (claim <id>)".
  std::string reason;    ///< One line, no trailing period.
};

}  // namespace covenant::claims
