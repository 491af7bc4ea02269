#pragma once
/// \file
/// What makes a contract a consent template (std.consent, docs/consent.md "Templates"):
/// `grant(t: T) -> Scope` and `decide(t: T, a: Access) -> Ruling` with std.consent's record
/// layouts; and the Scope and Ruling read back from their result blocks.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "consent/decision.hpp"
#include "consent/pseudonym.hpp"
#include "ledger/hasher.hpp"
#include "runtime/abi.hpp"
#include "vm/expected.hpp"

namespace covenant::consent {

/// Bytes of std.consent's `Scope` and `Ruling` records.
inline constexpr uint32_t kScopeSize = 816;
inline constexpr uint32_t kRulingSize = 40;

/// A template's two entries, from its ABI.
struct TemplateEntries {
  const runtime::AbiEntry* grant = nullptr;
  const runtime::AbiEntry* decide = nullptr;
  /// Bytes of the terms (grant's parameter block; the start of decide's).
  uint32_t terms_size = 0;
};

/// The entries of a consent template, or why `abi` is not one (names the entry and what is
/// wrong: missing, other parameters, other result, another `Reason` enum).
Expected<TemplateEntries, std::string> template_entries(const runtime::Abi& abi);

/// What `grant` returned.
struct Scope {
  Pseudonym patient{};
  std::vector<Pseudonym> grantees;
  std::vector<ledger::Hash> classes;
};

/// One instance's answer, from `decide`'s result block.
struct Ruling {
  enum class Effect : uint8_t { permit = 0, forbid = 1, abstain = 2 } effect = Effect::abstain;
  Reason reason = Reason::granted;
  std::string rule;
  bool flag = false;
};

/// Reads a Scope result block (kScopeSize bytes). Fails when a list claims more than its
/// bound.
Expected<Scope, std::string> read_scope(std::span<const uint8_t> block);

/// Reads a Ruling result block (kRulingSize bytes). Fails on an unknown effect or reason,
/// or a rule that is not a code.
Expected<Ruling, std::string> read_ruling(std::span<const uint8_t> block);

}  // namespace covenant::consent
