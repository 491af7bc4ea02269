#pragma once
/// \file
/// A plan's claim entry bound to the claim model: the encoder that writes claims into its
/// parameter block, the decoder that reads its result, and the folding of one claim's calls
/// (one per part of a claim longer than the plan takes) into one `ClaimResult`. Shared by
/// the in-memory run and the run onto a node, so that both read claims and results alike.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "claims/claim.hpp"
#include "runtime/contract_call.hpp"
#include "simulate/claim_encoder.hpp"
#include "simulate/claim_result.hpp"
#include "simulate/result_decoder.hpp"
#include "vm/expected.hpp"

namespace covenant::simulate {

/// A plan and its claim entry, ready to take claims. Immutable; usable from several threads.
class PlanBinding {
 public:
  /// Binds entry `entry` of `plan` (which must outlive the binding). Fails with one line
  /// when the plan has no such entry or its parameter or result cannot be mapped
  /// (`ClaimEncoder::make`, `ResultDecoder::make`).
  static Expected<PlanBinding, std::string> bind(const runtime::LoadedContract& plan,
                                                 const std::string& entry);

  const runtime::LoadedContract& plan() const { return *plan_; }
  const runtime::AbiEntry& entry() const { return *entry_; }

  /// How many calls `claim` takes: its lines in parts of at most the plan's bound (1 for a
  /// claim without lines, which the plan then judges).
  size_t parts(const claims::Claim& claim) const;

  /// Encodes part `k` of `claim` into `block` (resized to the parameter block's size).
  /// Fails as `ClaimEncoder::encode` does.
  Expected<void, std::string> encode_part(const claims::Claim& claim, size_t k,
                                          std::vector<uint8_t>& block,
                                          ledger::Hasher& hasher) const;

  /// The result of `claim` before any call: its id, the member's pseudonym (64 hex digits)
  /// and its currency.
  ClaimResult start(const claims::Claim& claim, std::string pseudonym) const;

  /// Folds the outcome of part `k`'s call into `result`: an adjudicated part adds its lines
  /// and totals; the first part denied or failed sets the claim's outcome, code, reason and
  /// source location, and a denied part counts its whole charge as contractual.
  void add_outcome(const claims::Claim& claim, size_t k, const runtime::CallOutcome& outcome,
                   ClaimResult& result) const;

 private:
  PlanBinding(const runtime::LoadedContract* plan, const runtime::AbiEntry* entry,
              ClaimEncoder encoder, ResultDecoder decoder)
      : plan_(plan), entry_(entry), encoder_(std::move(encoder)), decoder_(std::move(decoder)) {}
  // The first line and the number of lines of part `k`.
  std::pair<size_t, size_t> part_lines(const claims::Claim& claim, size_t k) const;

  const runtime::LoadedContract* plan_;
  const runtime::AbiEntry* entry_;
  ClaimEncoder encoder_;
  ResultDecoder decoder_;
};

}  // namespace covenant::simulate
