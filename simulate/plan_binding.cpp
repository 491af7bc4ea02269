#include "simulate/plan_binding.hpp"

#include <algorithm>

namespace covenant::simulate {

Expected<PlanBinding, std::string> PlanBinding::bind(const runtime::LoadedContract& plan,
                                                     const std::string& name) {
  const runtime::AbiEntry* entry = plan.abi().find(name);
  if (!entry) return unexpected(plan.name() + " has no entry `" + name + "`");
  auto encoder = ClaimEncoder::make(*entry);
  if (!encoder) return unexpected(plan.name() + "." + name + ": " + encoder.error());
  auto decoder = ResultDecoder::make(*entry);
  if (!decoder) return unexpected(plan.name() + "." + name + ": " + decoder.error());
  return PlanBinding(&plan, entry, std::move(*encoder), std::move(*decoder));
}

size_t PlanBinding::parts(const claims::Claim& claim) const {
  size_t per_call = std::max<size_t>(1, encoder_.max_lines());
  return claim.lines.empty() ? 1 : (claim.lines.size() + per_call - 1) / per_call;
}

std::pair<size_t, size_t> PlanBinding::part_lines(const claims::Claim& claim, size_t k) const {
  size_t per_call = std::max<size_t>(1, encoder_.max_lines());
  size_t first = std::min(k * per_call, claim.lines.size());
  return {first, std::min(per_call, claim.lines.size() - first)};
}

Expected<void, std::string> PlanBinding::encode_part(const claims::Claim& claim, size_t k,
                                                     std::vector<uint8_t>& block,
                                                     ledger::Hasher& hasher) const {
  auto [first, count] = part_lines(claim, k);
  block.resize(encoder_.param_size());
  std::string suffix = k == 0 ? std::string() : "#" + std::to_string(k + 1);
  return encoder_.encode(claim, first, count, suffix, block, hasher);
}

ClaimResult PlanBinding::start(const claims::Claim& claim, std::string pseudonym) const {
  ClaimResult r;
  r.claim_id = claim.id;
  r.member = std::move(pseudonym);
  r.currency = claim.currency;
  return r;
}

void PlanBinding::add_outcome(const claims::Claim& claim, size_t k,
                              const runtime::CallOutcome& outcome, ClaimResult& r) const {
  auto [first, count] = part_lines(claim, k);
  r.gas += outcome.gas_used;
  if (outcome.status == runtime::CallStatus::ok) {
    decoder_.add(outcome.output, static_cast<int64_t>(first) + 1, r);
    return;
  }
  int64_t part_billed = 0;
  for (size_t i = first; i < first + count; ++i) part_billed += claim.lines[i].charge;
  r.billed += part_billed;
  if (outcome.status == runtime::CallStatus::denied) {
    r.contractual += part_billed;
    if (r.outcome != Outcome::adjudicated) return;
    r.outcome = Outcome::denied;
    r.code = outcome.deny_code;
  } else {
    // A fault is a defect of the plan: it outweighs a denial of another part, and the
    // claim's money stays out of the totals.
    if (r.outcome == Outcome::failed) return;
    r.outcome = Outcome::failed;
    r.code.reset();
  }
  r.reason = outcome.reason;
  r.at = runtime::outcome_location(*plan_, outcome);
}

}  // namespace covenant::simulate
