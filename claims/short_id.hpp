#pragma once
/// \file
/// Identifiers fitted to the claim model's 16-character fields (a billing provider is an NPI,
/// ten digits, in an 837): sources that name providers by longer identifiers (Synthea's
/// UUIDs, FHIR references) are shortened the same way everywhere, so that one provider has
/// one short identifier whatever format it came in.

#include <cstddef>
#include <string>
#include <string_view>

namespace covenant::claims {

/// The longest identifier the claim model's short fields hold, in characters.
inline constexpr size_t kShortIdMax = 16;

/// `id` itself when it has at most `kShortIdMax` characters; otherwise the first 16 hex
/// digits (64 bits) of the SHA-256 of its bytes, lower case. Deterministic across runs and
/// machines; two identifiers collide with probability about n²/2^65 among n.
std::string short_id(std::string_view id);

}  // namespace covenant::claims
