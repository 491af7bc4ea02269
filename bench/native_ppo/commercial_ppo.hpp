#pragma once
/// \file
/// The commercial PPO plan of contracts/claims/commercial_ppo.cvn written directly in C++:
/// the baseline `make bench` sets beside `covenant simulate` running the contract on the VM.
/// Every rule of the contract is here, in the contract's order, with the same arithmetic
/// (cents, a 20% coinsurance rounded half up, days since 1970-01-01), the same state (keyed
/// as the contract keys it, in hash maps) and the same answers: a remittance line for line,
/// or a denial with the contract's code and reason text. tests/native_ppo checks that
/// claim by claim against the contract compiled and run on the VM.
///
/// Input domain: the claims the contract's `Claim` record can hold (at most six lines, four
/// modifiers and four diagnosis pointers a line, twelve diagnoses, codes of 1..16 printable
/// characters) with amounts and units far below 2^62, as claims carry them. Outside the
/// record's bounds `adjudicate` answers `invalid` (the VM cannot be called with such a
/// claim); 64-bit overflow, which the VM would report as a fault, is not checked for.

#include <array>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "claims/claim.hpp"

namespace covenant::native_ppo {

/// A medical code as the contract holds one (docs/LANGUAGE.md, Types): 16 bytes of text, zero
/// padded, read here as two big-endian words so that comparing the words compares the bytes
/// one by one, as the contract's code ranges do.
struct Code {
  uint64_t hi = 0;  ///< Bytes 0..7, the first in the most significant byte.
  uint64_t lo = 0;  ///< Bytes 8..15.

  /// The code of `text`; text past 16 bytes is dropped (callers check the length first).
  static constexpr Code of(std::string_view text) {
    Code c;
    for (size_t i = 0; i < 16; ++i) {
      uint64_t byte = i < text.size() ? static_cast<uint8_t>(text[i]) : 0;
      if (i < 8)
        c.hi |= byte << (56 - 8 * i);
      else
        c.lo |= byte << (56 - 8 * (i - 8));
    }
    return c;
  }
  /// The text, without the padding.
  std::string text() const;
  /// Byte-wise order of the padded text: a code sorts before its extensions.
  friend auto operator<=>(const Code&, const Code&) = default;
  /// Same text.
  friend bool operator==(const Code&, const Code&) = default;
};

/// X12 claim adjustment group (std.claims `Group`), in the contract's order.
enum class Group : uint8_t { co, oa, pi, pr };
/// The claim status of a remittance (std.claims `ClaimStatus`), in the contract's order.
enum class ClaimStatus : uint8_t { primary, refused, forwarded, reversal };

/// One adjustment of a line (std.claims `Adjustment`).
struct Adjustment {
  Group group = Group::co;  ///< Who bears it.
  int64_t reason = 0;       ///< The CARC.
  int64_t amount = 0;       ///< Cents.
  /// Field by field.
  friend bool operator==(const Adjustment&, const Adjustment&) = default;
};

/// One adjudicated line (std.claims `LineAdjudication`); amounts in cents.
struct LineAdjudication {
  int64_t number = 0;        ///< Position in the claim, from 1.
  Code code;                 ///< The procedure code billed.
  int64_t service_date = 0;  ///< Days since 1970-01-01.
  int64_t units = 0;         ///< Units billed.
  int64_t submitted = 0;     ///< The charge.
  int64_t allowed = 0;       ///< What the plan allows of it.
  int64_t deductible = 0;    ///< Member's share: deductible (PR-1).
  int64_t copay = 0;         ///< Member's share: copay (PR-3).
  int64_t coinsurance = 0;   ///< Member's share: coinsurance (PR-2).
  int64_t paid = 0;          ///< Paid by the plan.
  int64_t patient = 0;       ///< The share billed to the member.
  int64_t secondary = 0;     ///< The share forwarded to the secondary payer instead.
  uint8_t adjustment_count = 0;           ///< Adjustments in use (at most four).
  std::array<Adjustment, 4> adjustments;  ///< CO-45, PR-1, PR-3, PR-2, or the one refusal.
  /// Field by field (adjustments past the count are zero).
  friend bool operator==(const LineAdjudication&, const LineAdjudication&) = default;
};

/// Most lines a claim of the contract holds (`lines: List<ClaimLine, 6>`, `max_lines`).
inline constexpr size_t kMaxLines = 6;

/// A claim's remittance (std.claims `Adjudication`).
struct Adjudication {
  std::string claim;   ///< The claim's identifier (the corrected claim's, for a void).
  std::string member;  ///< The member's identifier.
  ClaimStatus status = ClaimStatus::refused;  ///< Refused when no line was priced.
  int64_t submitted = 0;  ///< Sum of the lines' charges.
  int64_t paid = 0;       ///< Sum of the lines' payments.
  int64_t patient = 0;    ///< Sum billed to the member.
  int64_t secondary = 0;  ///< Sum forwarded to the secondary payer.
  uint8_t line_count = 0;                          ///< Lines in use.
  std::array<LineAdjudication, kMaxLines> lines;   ///< The lines, in claim order.
};

/// A denial: the contract's `deny(code, reason)`; `code` is absent where the contract gives
/// none. `reason` points at static text.
struct Denial {
  std::optional<int64_t> code;  ///< The CARC the contract denies with, if any.
  std::string_view reason;      ///< The contract's reason text, verbatim.
};

/// What `adjudicate` answered.
struct Outcome {
  /// adjudicated: `adjudication` holds the remittance; denied: `denial` says why the whole
  /// claim was refused; invalid: the claim does not fit the contract's `Claim` record
  /// (`invalid_reason` says how), so the contract could not have been called with it.
  enum class Kind : uint8_t { adjudicated, denied, invalid } kind = Kind::adjudicated;
  Adjudication adjudication;        ///< adjudicated: the remittance.
  Denial denial;                    ///< denied: why.
  std::string_view invalid_reason;  ///< invalid: which bound of the record the claim breaks.
};

/// An authorisation issued by utilisation management (the contract's `Authorisation`).
struct Authorisation {
  std::string member;   ///< Whose it is.
  std::string code;     ///< The procedure code it covers.
  int64_t from = 0;     ///< First day covered (days since 1970-01-01).
  int64_t until = 0;    ///< Last day covered.
  int64_t units = 0;    ///< Units it authorises in all.
};

/// What a member has met in one plan year (std.claims `Accumulator`), cents.
struct Accumulator {
  int64_t deductible = 0;     ///< Deductible met.
  int64_t out_of_pocket = 0;  ///< Copays, deductible and coinsurance together.
  /// Field by field.
  friend bool operator==(const Accumulator&, const Accumulator&) = default;
};

/// The plan with its state: enrolments, authorisations, accumulators and the claims on file.
/// Not thread-safe; one instance is one contract deployment's state.
class NativePpo {
 public:
  /// Loads the fee schedule from `fee_schedule_csv` (a header row, then `code,rate` rows, as
  /// the contract's `table fee_schedule ... = csv` reads it). Throws std::runtime_error
  /// naming the file and line when it cannot be read or a row is malformed.
  explicit NativePpo(const std::filesystem::path& fee_schedule_csv);
  /// Frees the state.
  ~NativePpo();
  /// One instance is one deployment's state: not copied.
  NativePpo(const NativePpo&) = delete;
  NativePpo& operator=(const NativePpo&) = delete;

  /// Entry `enrol`: records a member's coverage from `from` through `until`, replacing any
  /// earlier one. Denied (no code) when the period ends before it starts.
  std::optional<Denial> enrol(const std::string& member, int64_t from, int64_t until);
  /// Entry `authorise`: records authorisation `number`. Denied (no code) when it covers no
  /// unit or the number is taken.
  std::optional<Denial> authorise(const std::string& number, const Authorisation& a);
  /// Entry `adjudicate`: an original is priced line by line; a replacement withdraws the
  /// claim it replaces and is priced; a void withdraws it and answers the reversal.
  Outcome adjudicate(const claims::Claim& c);
  /// Entry `remittance_of`: the remittance of a claim on file again (nullopt: denied, "no
  /// such claim on file").
  std::optional<Adjudication> remittance_of(const std::string& claim) const;
  /// Entry `remitted`: line `number` (from 1) of a claim on file (nullopt: denied, "no such
  /// line on file").
  std::optional<LineAdjudication> remitted(const std::string& claim, int64_t number) const;
  /// Entry `accumulated`: what `member` has met in `plan_year` (zero if nothing).
  Accumulator accumulated(const std::string& member, int64_t plan_year) const;

  /// Number of rates in the fee schedule.
  size_t fee_schedule_size() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace covenant::native_ppo
