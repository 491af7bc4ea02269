#pragma once
/// \file
/// Keyed pseudonyms: how a patient or a party (clinician, hospital, study team) is named on a
/// ledger. A pseudonym is HMAC-SHA256 under the deployment's 32-byte secret of a domain tag
/// and the identifier as the source system writes it ("Patient/52", an MRN, an NPI). Without
/// the secret nobody can link a pseudonym to an identifier, not even by trying every
/// identifier; with it, the hospital that holds it can find a patient's entries.
/// docs/consent.md, "Pseudonyms".

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "vm/expected.hpp"

namespace covenant::consent {

/// 32 bytes naming a patient or a party on the ledger.
using Pseudonym = std::array<uint8_t, 32>;

/// The deployment secret's size in bytes.
inline constexpr size_t kSecretSize = 32;

/// What a pseudonym names: the same identifier gives different pseudonyms as a patient and
/// as a party, so a patient's id that happens to equal a clinician's id does not link them.
enum class Subject : uint8_t { patient, party };

/// Makes pseudonyms under one secret. Cheap to copy; thread-safe (no shared state).
class Pseudonymizer {
 public:
  /// A pseudonymizer under `secret`.
  explicit Pseudonymizer(const std::array<uint8_t, kSecretSize>& secret) : secret_(secret) {}

  /// HMAC-SHA256(secret, tag || 0x00 || id) with tag "covenant/patient" or
  /// "covenant/party". Never fails (OpenSSL's HMAC on memory; a broken installation aborts).
  Pseudonym of(Subject subject, std::string_view id) const;

  /// `of(Subject::patient, id)`.
  Pseudonym patient(std::string_view id) const { return of(Subject::patient, id); }
  /// `of(Subject::party, id)`.
  Pseudonym party(std::string_view id) const { return of(Subject::party, id); }

 private:
  std::array<uint8_t, kSecretSize> secret_;
};

/// The secret file of a node directory: `DIR/pseudonym.key`.
std::filesystem::path secret_path(const std::filesystem::path& node_dir);

/// Reads the 32-byte secret at `path`, creating it (random bytes from OpenSSL's DRBG, mode
/// 0600, written durably) if it does not exist. Fails with a message naming the file: it
/// cannot be read or written, or it exists with another size than 32 bytes.
Expected<Pseudonymizer, std::string> open_secret(const std::filesystem::path& path);

/// A text that is a pseudonym already (64 hex digits) is taken as one; any other text is an
/// identifier and is pseudonymised as `subject`. Lets commands take either form.
Pseudonym pseudonym_or_hex(const Pseudonymizer& p, Subject subject, std::string_view text);

}  // namespace covenant::consent
