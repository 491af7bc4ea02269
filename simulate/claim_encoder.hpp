#pragma once
/// \file
/// A claim (claims/claim.hpp) written into a plan's parameter block. The plan's claim entry
/// takes one record; each of its fields is filled from the claim field of the same name
/// (docs/claims-format.md, "How a claim meets a plan"), so a plan declares only what it
/// reads, and a field no format provides is an error when the plan is loaded, not per claim.
///
/// Identifiers are hashed on the way in: a claim id becomes SHA-256 of its text (`Hash`), a
/// member id that is 64 hex digits is taken as the pseudonym it already is, any other
/// becomes SHA-256 of its text (`Pseudonym`). Nothing of the source's identifiers reaches
/// the plan, its state or a ledger.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "claims/claim.hpp"
#include "ledger/hasher.hpp"
#include "runtime/abi.hpp"
#include "vm/expected.hpp"

namespace covenant::simulate {

/// A 32-byte identifier as the plan sees it.
using Digest = std::array<uint8_t, 32>;

/// The pseudonym of a member identifier: its 32 bytes when `member` is 64 hex digits,
/// otherwise SHA-256 of its text.
Digest member_pseudonym(std::string_view member, ledger::Hasher& hasher);

/// `d` as 64 lower-case hex digits (how results name a member).
std::string pseudonym_hex(const Digest& d);

/// The claim-id hash the plan sees for `id`: SHA-256 of its text.
Digest claim_digest(std::string_view id, ledger::Hasher& hasher);

/// Writes claims into the parameter block of one entry. Immutable once made; `encode` may run
/// on several threads at once, each with its own hasher.
class ClaimEncoder {
 public:
  /// The encoder for `entry`, which must take exactly one parameter, a record. Fails with
  /// one line naming the field when the record (or its line record) has a field no claims
  /// format provides, or a provided field has a type the claim cannot fill.
  static Expected<ClaimEncoder, std::string> make(const runtime::AbiEntry& entry);

  /// The most lines a claim may have in one call (the bound of the plan's line list; no
  /// limit, `SIZE_MAX`, when the record has no line list).
  size_t max_lines() const { return max_lines_; }

  /// Writes `claim`'s lines [first, first + count) as one call's claim into `block`
  /// (`param_size` bytes, zeroed here), under the id `id_suffix` appended to the claim's
  /// (empty for a whole claim; "#2" ... for the later parts of a split one). Fails with one
  /// line naming the claim field when a value does not fit the plan: too many diagnoses, a
  /// code longer than 16 characters, a currency other than the plan's, an enum value the
  /// plan does not know, a field the plan needs that the claim lacks.
  Expected<void, std::string> encode(const claims::Claim& claim, size_t first, size_t count,
                                     std::string_view id_suffix, std::span<uint8_t> block,
                                     ledger::Hasher& hasher) const;

  /// Bytes of the parameter block.
  uint32_t param_size() const { return param_size_; }

  /// One field to fill: which claim value, where, as which type. Public for the table in
  /// the .cpp; not part of the interface.
  struct Slot {
    uint8_t source = 0;               ///< A claim or line field (claim_encoder.cpp).
    uint32_t offset = 0;              ///< From the start of the record.
    const runtime::AbiType* type = nullptr;
    std::vector<uint64_t> enum_tags;  ///< For enums: the tag of each source value.
  };

 private:
  ClaimEncoder() = default;

  std::vector<Slot> claim_slots_;
  std::vector<Slot> line_slots_;
  uint32_t param_offset_ = 0;
  uint32_t param_size_ = 0;
  size_t max_lines_ = SIZE_MAX;
};

}  // namespace covenant::simulate
