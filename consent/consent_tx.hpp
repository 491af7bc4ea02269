#pragma once
/// \file
/// The payload of a `consent` transaction (ledger::TxKind::consent): one operation of the
/// consent layer. docs/consent.md, "Transactions", has who may sign each and what it does.
///
/// Canonical bytes: "CVCS", version 01, the operation's number (u8), its body; integers
/// little-endian, every length checked against what remains, no trailing bytes.

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "consent/access.hpp"
#include "ledger/codec.hpp"
#include "ledger/ed25519.hpp"

namespace covenant::consent {

/// Most keys one enrolment binds to a patient (the patient's own and delegates').
inline constexpr size_t kMaxPatientKeys = 8;
/// Longest record location, in bytes.
inline constexpr size_t kMaxLocation = 512;
/// Longest template name, in bytes (a contract name).
inline constexpr size_t kMaxTemplateName = 64;

/// Binds a patient's pseudonym to the keys that may grant and revoke for them: the patient's
/// own and their delegates'. Signed by a hospital (a key that deployed a consent template),
/// or by a key already bound to the patient.
struct Enrol {
  Pseudonym patient{};
  std::vector<ledger::PublicKey> keys;  ///< 1 to kMaxPatientKeys, distinct
  friend bool operator==(const Enrol&, const Enrol&) = default;
};

/// Instantiates a deployed template with its terms (the parameter block of its `grant`
/// entry). Signed by a key bound to the patient the terms name (or the template's deployer,
/// for a policy covering every patient).
struct Grant {
  std::string template_name;
  uint32_t version = 0;
  std::vector<uint8_t> terms;
  friend bool operator==(const Grant&, const Grant&) = default;
};

/// Revokes consent `id`, from the next block on. Signed by a key bound to its patient or
/// the key that granted it.
struct Revoke {
  uint64_t id = 0;
  friend bool operator==(const Revoke&, const Revoke&) = default;
};

/// Asks for a decision, which the receipt records.
struct Ask {
  AccessRequest request;
  friend bool operator==(const Ask&, const Ask&) = default;
};

/// Registers a document held by its custodian (the signer): the patient, class and date the
/// decision needs, the SHA-256 of its bytes, and where a permitted reader fetches it.
struct RegisterRecord {
  ledger::Hash document{};  ///< SHA-256 of the document's bytes; names the record
  Pseudonym patient{};
  ledger::Hash data_class{};
  int64_t date = 0;         ///< days since 1970-01-01
  std::string location;     ///< printable ASCII, 1 to kMaxLocation bytes, no identifiers
  friend bool operator==(const RegisterRecord&, const RegisterRecord&) = default;
};

/// Asks for a registered record: a decision on the record's patient, class and date (which
/// the request must repeat), recording the location in the receipt when permitted.
struct Fetch {
  ledger::Hash document{};
  AccessRequest request;
  friend bool operator==(const Fetch&, const Fetch&) = default;
};

/// One operation.
using ConsentOp = std::variant<Enrol, Grant, Revoke, Ask, RegisterRecord, Fetch>;

/// The operation's name ("enrol", "grant", "revoke", "ask", "register", "fetch").
std::string_view op_name(const ConsentOp& op);

/// The canonical payload of `op`. Precondition: its fields keep the limits above.
std::vector<uint8_t> encode_consent_op(const ConsentOp& op);

/// Decodes a payload; accepts only canonical bytes. Errors name the field and offset.
Expected<ConsentOp, ledger::DecodeError> decode_consent_op(std::span<const uint8_t> payload);

}  // namespace covenant::consent
