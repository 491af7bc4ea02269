#pragma once
/// \file
/// One request to act on a patient's data, as the consent layer carries it: in a consent
/// transaction's payload (canonical bytes, `consent_tx.hpp`) and, laid out as std.consent's
/// `Access` record, in the parameter block of a template's `decide` entry. docs/consent.md.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "consent/pseudonym.hpp"
#include "ledger/codec.hpp"
#include "ledger/hasher.hpp"
#include "vm/expected.hpp"

namespace covenant::consent {

/// Most groups a grantee may act for in one request (std.consent `Access.groups`).
inline constexpr size_t kMaxGroups = 4;
/// Most security labels a request may carry (std.consent `Access.labels`).
inline constexpr size_t kMaxLabels = 4;
/// Bytes of std.consent's `Access` record in memory.
inline constexpr uint32_t kAccessSize = 376;

/// A request. Codes are 1 to 16 printable ASCII characters without spaces (the language's
/// `Code`); `check_request` says whether a request keeps that.
struct AccessRequest {
  /// Whose data.
  Pseudonym patient{};
  /// Who asks.
  Pseudonym grantee{};
  /// The groups the grantee acts for (its hospital, its team), at most kMaxGroups.
  std::vector<Pseudonym> groups;
  /// SHA-256 of the data class's name (`class_hash`).
  ledger::Hash data_class{};
  /// HL7 v3 PurposeOfUse code: "TREAT", "ETREAT", "HRESCH", ...
  std::string purpose;
  /// FHIR consentaction code; "access" for reading.
  std::string action = "access";
  /// Security labels on the data (HL7 v3 confidentiality codes), at most kMaxLabels.
  std::vector<std::string> labels;
  /// The study the request is made for, if any.
  std::optional<std::string> study;
  /// The date of the data asked for (days since 1970-01-01), if it has one.
  std::optional<int64_t> record_date;

  friend bool operator==(const AccessRequest&, const AccessRequest&) = default;
};

/// SHA-256 of a data class's name ("labs", "MedicationStatement"): how a class is carried.
ledger::Hash class_hash(std::string_view name);

/// Fails with "<what>: <why>" unless `code` is 1 to 16 printable ASCII characters without
/// spaces.
Expected<void, std::string> check_code(std::string_view what, std::string_view code);

/// Fails with the first field that breaks a rule: a code that is not a `Code`, too many
/// groups or labels, a record date outside 0001-01-01..9999-12-31.
Expected<void, std::string> check_request(const AccessRequest& request);

/// Appends the request's canonical bytes: patient, grantee, u8 group count and the groups,
/// class, purpose, action (each code u8 length + text), u8 label count and the labels, u8
/// 0/1 + study, u8 0/1 + i64 LE record date.
void put_request(std::vector<uint8_t>& out, const AccessRequest& request);

/// Reads a request written by `put_request`; errors name the field and its offset. The
/// result passes `check_request`.
Expected<AccessRequest, ledger::DecodeError> take_request(ledger::ByteReader& in);

/// The request laid out as std.consent's `Access` record (kAccessSize bytes), as a
/// template's `decide` takes it after its terms. Precondition: `check_request` holds.
void layout_access(const AccessRequest& request, std::span<uint8_t, kAccessSize> out);

}  // namespace covenant::consent
