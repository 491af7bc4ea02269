#pragma once
/// \file
/// Synthetic hospital outpatient claims for the Commercial PPO plan
/// (contracts/claims/commercial_ppo.cvn), as NDJSON for `covenant simulate`: one claim per
/// line, each preceded by the calls of the plan's other entries it needs (`enrol` before a
/// member's first claim, `authorise` before a claim that uses a prior authorisation).
/// docs/gen-claims.md describes what is generated, the rates below and the tables.
///
/// Output is a pure function of (claims, seed, plan year): every random draw comes from
/// SplitMix64 through integer-only sampling, so the bytes are the same on every compiler and
/// standard library. Claims are made in batches of `kBatchClaims` with their own members, and
/// memory stays bounded by one batch whatever the number of claims.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace covenant::claims {

// ---- stated rates (docs/gen-claims.md) -------------------------------------------------------
// Shares of original claims, in 1/10,000, unless the name says otherwise.

/// An exact resubmission of an earlier claim under a new claim number (OA-18 on its lines).
inline constexpr uint32_t kDuplicatePer10k = 200;
/// A replacement (frequency 7) of an earlier claim of the same member, one charge corrected.
inline constexpr uint32_t kReplacementPer10k = 100;
/// A void (frequency 8) of an earlier claim of the same member.
inline constexpr uint32_t kVoidPer10k = 50;
/// A claim billing a procedure pair of the plan's `bundled_into` table on one day (CO-97).
inline constexpr uint32_t kPairEditPer10k = 200;
/// Of the pair claims whose pair allows it, the share (in 1/100) whose included line carries
/// a distinct-service or anatomic modifier (then paid).
inline constexpr uint32_t kPairBypassPercent = 50;
/// A claim with one line over the plan's `units_per_day` limit of its code (CO-151).
inline constexpr uint32_t kUnitsOverPer10k = 50;
/// A claim with one line whose code has no rate on the fee schedule (CO-96), of the original
/// claims other than the pair and units-over ones.
inline constexpr uint32_t kUncoveredPer10k = 300;
/// Of the lines that need a prior authorisation (advanced imaging, J9 chemotherapy drugs),
/// the share (in 1/10,000) billed without one (CO-197); the others get an `authorise` call.
inline constexpr uint32_t kMissingAuthPer10k = 300;
/// Of the original claims, those received more than 180 days after the service (CO-29).
inline constexpr uint32_t kLateFilingPer10k = 100;

/// Shares of members, in 1/10,000.
/// Never enrolled: their claims are refused whole (CARC 31).
inline constexpr uint32_t kNeverEnrolledPer10k = 100;
/// Enrolled for part of the plan year (half from a later start, half to an earlier end), so
/// that some of their services fall outside coverage (CO-26, CO-27).
inline constexpr uint32_t kPartYearPer10k = 300;
/// With a secondary payer on file (claims carry `other_coverage`: the share is forwarded).
inline constexpr uint32_t kOtherCoveragePer10k = 1000;

/// Claims per member on average: the member pool is ceil(claims / kClaimsPerMember).
inline constexpr uint64_t kClaimsPerMember = 8;
/// Claims generated (and sorted by date received) together, with their own members.
inline constexpr uint64_t kBatchClaims = 8192;

/// What to generate.
struct GeneratorOptions {
  uint64_t claims = 1000;  ///< Claim lines to write (call lines are not counted); 0: none.
  uint64_t seed = 1;       ///< Any value; the same seed gives the same bytes.
  /// The plan year of the services, named as the contract names it (std.dates
  /// `plan_year_of`): plan year Y runs 1 July Y through 30 June Y+1. The default, 2026, holds
  /// the dates of the contract's own examples (services in early 2027). 1900..9000.
  int plan_year = 2026;
};

/// Writes the claims of `GeneratorOptions`, one claim at a time.
class ClaimGenerator {
 public:
  /// Prepares the tables (the plan's fee schedule and the uncovered codes, embedded at build
  /// time). Throws std::invalid_argument when `plan_year` is outside 1900..9000.
  explicit ClaimGenerator(const GeneratorOptions& options);
  ~ClaimGenerator();
  ClaimGenerator(const ClaimGenerator&) = delete;
  ClaimGenerator& operator=(const ClaimGenerator&) = delete;

  /// Appends the next claim to `out` as one NDJSON line, preceded by the call lines it needs
  /// (an `enrol` of its member before the member's first claim, an `authorise` per prior
  /// authorisation it quotes for the first time). Returns false, appending nothing, once
  /// every claim has been written.
  bool next(std::string& out);

  /// Writes every remaining record to `out` through a 1 MiB buffer. Returns false when a
  /// write fails (errno tells why); the output is then incomplete.
  bool write_all(std::FILE* out);

  /// Claim lines appended so far.
  uint64_t claims_written() const;
  /// Call lines appended so far.
  uint64_t calls_written() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// ---- the plan's tables, as the generator sees them (for tests and docs) -------------------------

/// The fee-schedule rate of one unit of `code`, in cents (contracts/claims/
/// commercial_ppo_fee_schedule.csv, as the contract loads it); nullopt when the code has none.
std::optional<int64_t> fee_schedule_cents(std::string_view code);
/// True when the plan pays `code` only with a prior authorisation on file (std.codes
/// `cpt_advanced_imaging` or `hcpcs_chemotherapy_drugs`).
bool needs_prior_auth(std::string_view code);
/// The plan's `units_per_day` limit of `code`; nullopt when it has none.
std::optional<int64_t> units_per_day_limit(std::string_view code);
/// One row of the plan's `bundled_into` table, seen from the included code.
struct PairEdit {
  std::string_view column_one;  ///< The code the included one is part of on the same day.
  bool modifier_allowed;        ///< A bypass modifier on the included line gets it paid.
};
/// The plan's `bundled_into` entry of `code`; nullopt when `code` is included in no other.
std::optional<PairEdit> bundled_into(std::string_view code);
/// True when `npi` is ten digits whose last is the Luhn check digit of the other nine
/// prefixed with 80840 (the NPI rule of 45 CFR 162.406).
bool npi_check_digit_valid(std::string_view npi);

}  // namespace covenant::claims
