#pragma once
/// \file
/// Where the consent layer keeps its records in a node's world state, and the records
/// themselves (docs/consent.md, "World state"). Every key starts with "consent/":
///
///   consent/p/ patient               the keys bound to a patient (enrolment)
///   consent/i/ id (u64 BE)           a consent instance
///   consent/x/ patient grantee class id
///                                    the index: one empty value per (patient or every
///                                    patient, grantee or any, class or any) an instance covers
///   consent/n                        the next instance id (u64 LE; ids start at 1)
///   consent/d/ document hash         a registered record
///
/// "Any" and "every patient" are 32 zero bytes. Reads and writes go through the block's view.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "consent/pseudonym.hpp"
#include "ledger/ed25519.hpp"
#include "ledger/hasher.hpp"
#include "node/block_state.hpp"

namespace covenant::consent {

/// 32 zero bytes: every patient (in a Scope and the index) or any grantee or class (index).
inline constexpr Pseudonym kAny{};

/// A consent instance as stored.
struct Instance {
  uint64_t id = 0;
  std::string template_name;
  uint32_t version = 0;
  /// The template's module (what decides), fixed when granted.
  ledger::Hash module_id{};
  /// Who signed the grant.
  ledger::PublicKey granter{};
  /// From the template's Scope.
  Pseudonym patient{};
  std::vector<Pseudonym> grantees;  ///< empty: any
  std::vector<ledger::Hash> classes;  ///< empty: any
  uint64_t granted_height = 0;
  /// The block that revoked it; 0 while active. In force for decisions in blocks up to and
  /// including this one, not after.
  uint64_t revoked_height = 0;
  /// The parameter block of the template's `grant` (its terms).
  std::vector<uint8_t> terms;
};

/// A registered record.
struct RecordEntry {
  ledger::Hash document{};
  Pseudonym patient{};
  ledger::Hash data_class{};
  int64_t date = 0;
  ledger::PublicKey custodian{};
  std::string location;
  uint64_t height = 0;
};

std::vector<uint8_t> enrolment_key(const Pseudonym& patient);
std::vector<uint8_t> instance_key(uint64_t id);
/// The index key of one (patient, grantee, class) an instance covers.
std::vector<uint8_t> index_key(const Pseudonym& patient, const Pseudonym& grantee,
                               const ledger::Hash& data_class, uint64_t id);
/// The prefix of index keys: patient; patient and grantee; patient, grantee and class.
std::vector<uint8_t> index_prefix(const Pseudonym& patient, const Pseudonym* grantee = nullptr,
                                  const ledger::Hash* data_class = nullptr);
std::vector<uint8_t> next_id_key();
std::vector<uint8_t> record_key(const ledger::Hash& document);

std::vector<uint8_t> encode_instance(const Instance& i);
/// nullopt when malformed.
std::optional<Instance> decode_instance(uint64_t id, std::span<const uint8_t> bytes);
std::vector<uint8_t> encode_keys(const std::vector<ledger::PublicKey>& keys);
std::optional<std::vector<ledger::PublicKey>> decode_keys(std::span<const uint8_t> bytes);
std::vector<uint8_t> encode_record(const RecordEntry& r);
std::optional<RecordEntry> decode_record(const ledger::Hash& document, std::span<const uint8_t> bytes);

/// The instance ids under an index prefix, ascending, appended to `out`. Reads through
/// `block` (check `block.error()`).
void ids_under(node::BlockState& block, const std::vector<uint8_t>& prefix, std::vector<uint64_t>& out);

/// The id an index key ends with.
uint64_t id_of_index_key(std::span<const uint8_t> key);

}  // namespace covenant::consent
