#pragma once
/// \file
/// FHIR Consent import: one FHIR Consent resource (R4 or R5, JSON) read into the terms of the
/// `FhirConsent` template (contracts/consent/fhir_consent.cvn), ready for its `grant` entry.
/// The mapping, field by field, and what is refused: docs/consent.md, "FHIR Consent import".
///
/// Nothing that names a person or an organisation, and no free text, leaves the importer in
/// clear: the patient reference becomes a patient pseudonym, actor references party
/// pseudonyms, the Consent's identifiers and id keyed pseudonyms too, data classes SHA-256
/// hashes of their names; codes (status, actions, purposes, security labels) are kept as they
/// are. Displays, narratives, categories, policies and the other fields that do not bear on
/// decisions are read past (docs/consent.md, "FHIR Consent import" lists them); a field that would bear on a
/// decision and that the template cannot express is an error, never dropped.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/pseudonym.hpp"
#include "vm/expected.hpp"

namespace covenant::consent {

/// The FHIR release a Consent resource follows.
enum class FhirVersion : uint8_t { r4, r5 };

/// Most provisions one imported Consent may have, the root (R4: the root provision; R5: the
/// Consent's own `decision`) and every nested provision at any depth together: the length of
/// `Terms.provisions` in fhir_consent.cvn.
inline constexpr size_t kFhirMaxProvisions = 8;

/// Most rows of each condition table of the terms (actors, actions, purposes, classes,
/// security labels), over all the provisions of one Consent: the length of each of those
/// lists in fhir_consent.cvn. Repeats of a value within one provision count once.
inline constexpr size_t kFhirMaxConditionRows = 8;

/// An imported Consent.
struct FhirConsentImport {
  /// Which release the resource was read as (see `import_fhir_consent`).
  FhirVersion version = FhirVersion::r4;
  /// The argument object of FhirConsent's `grant` entry, `{"t": {...}}`: the form
  /// `runtime::encode_params` takes (and `covenant call --args`). The terms it holds are
  /// also the first parameter of `decide`. Compact JSON, ASCII, deterministic: the same
  /// resource and secret give the same text.
  std::string grant_args;
  /// The patient's pseudonym: `Pseudonymizer::patient` of the `patient.reference` (R4) or
  /// `subject.reference` (R5) text as written, e.g. "Patient/52". Also `t.patient`.
  Pseudonym patient{};
  /// One keyed pseudonym per `identifier` of the Consent, in order:
  /// `Pseudonymizer::party("Consent?identifier=" + system + "|" + value)` (the FHIR search
  /// that finds it; no party reference can be equal to it). Never the identifier in clear.
  std::vector<Pseudonym> identifiers;
  /// `Pseudonymizer::party("Consent/" + id)` of the resource's logical `id`, if it has one.
  std::optional<Pseudonym> resource_id;
  /// Where each of `t.provisions` comes from, by index: the JSON path of the provision
  /// ("provision" for the R4 root, "decision" for the R5 root, then e.g.
  /// "provision.provision[0]" or "provision[1].provision[0]"). Index i > 0 decides as rule
  /// "provision.i", index 0 as rule "base" (and "scope"). Paths hold no data from the file.
  std::vector<std::string> provision_paths;
};

/// Reads the FHIR Consent resource in `json` (UTF-8 JSON text, one resource) and makes the
/// terms of FhirConsent, pseudonymising with `pseudonymizer`.
///
/// The release is told from the fields present: R5 has `subject`, `decision`, a top-level
/// `period`, `date`, `grantor`, `grantee`, `manager`, `controller`, `regulatoryBasis`,
/// `policyBasis`, `policyText`, or an array `provision`; R4 has `patient`, `dateTime`,
/// `scope`, `performer`, `organization`, `policy`, `policyRule`, or an object `provision`.
/// A resource with markers of both, or of neither, is an error.
///
/// Fails, with one line "PATH: what is wrong" (PATH the JSON path of the offending member,
/// e.g. `provision.provision[1].actor[0]: no reference`, or "(resource)" for the whole), when
/// the text is not JSON, not a Consent, mixes releases, lacks what the terms need (status,
/// patient or subject reference, R4 root provision `type`, R5 `decision`, a nested R4
/// provision's `type`, an actor's reference), holds a value of the wrong JSON type, a
/// status, type, decision, action or date that is not valid for its field, a code that
/// does not fit a `Code` (1 to 16 printable ASCII characters, no spaces), or a construct the
/// template cannot express (`modifierExtension`, `implicitRules`, a provision's `code`,
/// `data` or `expression`, an R5 provision stating both `resourceType` and `documentType`,
/// an actor whose role is not the requester's, a reference by identifier or to a contained
/// resource, a coding of an unsupported system, an unknown member); or when the Consent has
/// more than kFhirMaxProvisions provisions or more than kFhirMaxConditionRows rows in one
/// condition table (the message names the limit). Never throws. Aborts only where
/// `Pseudonymizer` and `ledger::Hasher` do: when OpenSSL cannot compute HMAC-SHA256 or
/// SHA-256 (a broken installation), whatever the input.
Expected<FhirConsentImport, std::string> import_fhir_consent(std::string_view json,
                                                             const Pseudonymizer& pseudonymizer);

/// The name of a data class from a FHIR Coding, as the terms hash it (SHA-256 of the name's
/// bytes): the code alone for system "http://hl7.org/fhir/resource-types" (a FHIR resource
/// type: "MedicationStatement"), "system|code" for any other system
/// ("http://loinc.org|34133-9"). A request names its class the same way. Never fails.
std::string fhir_class_name(std::string_view system, std::string_view code);

}  // namespace covenant::consent
