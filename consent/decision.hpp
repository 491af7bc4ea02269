#pragma once
/// \file
/// A decision on an access request, as a receipt records it (the output of a consent
/// transaction that asks), and how it is explained. docs/consent.md, "Decisions".

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/codec.hpp"
#include "ledger/hasher.hpp"

namespace covenant::consent {

/// The answer.
enum class Outcome : uint8_t {
  permitted = 0,          ///< a consent permits it and none forbids it
  explicitly_denied = 1,  ///< a consent forbids it (a deny rule, an opt-out)
  not_permitted = 2,      ///< no consent permits it
};

/// Why, in the order of std.consent's `Reason` enum (the first eleven, which templates
/// return), then the node's own.
enum class Reason : uint8_t {
  granted = 0,
  explicit_rule = 1,
  expired = 2,
  not_yet_valid = 3,
  wrong_purpose = 4,
  class_not_granted = 5,
  outside_lookback = 6,
  grantee_not_covered = 7,
  action_not_covered = 8,
  wrong_study = 9,
  label_not_covered = 10,
  no_consent = 11,  ///< the patient has no consent that covers this grantee
  revoked = 12,     ///< every consent that covered it is revoked
  template_failed = 13,  ///< a consent's template faulted or ran out of gas deciding
};

/// Reasons a template may return (std.consent `Reason` has this many variants).
inline constexpr uint8_t kTemplateReasons = 11;

/// The registered record a permitted fetch was for.
struct RecordLocation {
  ledger::Hash document{};  ///< SHA-256 of the document, to check what is fetched
  std::string location;
  friend bool operator==(const RecordLocation&, const RecordLocation&) = default;
};

/// One decision.
struct Decision {
  Outcome outcome = Outcome::not_permitted;
  Reason reason = Reason::no_consent;
  /// Raised for review (break the glass).
  bool flag = false;
  /// The consent that decided: permitted or forbade it, or (not permitted) whose reason is
  /// given; 0 when none did.
  uint64_t consent = 0;
  /// The rule of that consent's template that decided ("" when no consent did).
  std::string rule;
  /// SHA-256 of the request's canonical bytes (`put_request`).
  ledger::Hash request_hash{};
  /// SHA-256 of the policy set in force: every consent consulted, by id and the hash of its
  /// stored record (docs/consent.md).
  ledger::Hash policy_hash{};
  /// How many consents were consulted.
  uint32_t consulted = 0;
  /// A permitted fetch: the record's document hash and location.
  std::optional<RecordLocation> record;
  friend bool operator==(const Decision&, const Decision&) = default;
};

/// "permitted", "explicitly denied", "not permitted".
std::string_view outcome_name(Outcome outcome);
/// A short name: "granted", "explicit", "expired", ..., "no consent", "revoked".
std::string_view reason_name(Reason reason);
/// One sentence for a person: "the consent has expired", ...
std::string_view reason_text(Reason reason);

/// The receipt output: u8 version 1, outcome, reason, flag; u64 consent; u8 length + rule;
/// request hash; policy hash; u32 consulted; u8 0/1 + document hash + u16 length + location.
std::vector<uint8_t> encode_decision(const Decision& d);
/// Reads `encode_decision`'s bytes; canonical only.
Expected<Decision, ledger::DecodeError> decode_decision(std::span<const uint8_t> bytes);

/// The decision as one JSON object (hashes as hex), for `covenant consent check --json` and
/// `covenant audit`.
std::string decision_json(const Decision& d);

}  // namespace covenant::consent
