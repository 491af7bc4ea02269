#pragma once
/// \file
/// Deciding an access request (docs/consent.md, "Decisions"): the instances that may apply
/// are found through the index (one scan of the patient's keys and the every-patient
/// policies' keys, keeping the grantee's, its groups' and any grantee's, for the class or any
/// class), each in force is asked through its template's `decide` on the VM, and the
/// rulings combine: a forbid wins (explicitly denied), then a permit (an unflagged one
/// before a flagged one); otherwise not permitted, with the most specific reason any
/// instance gave. The cost depends on the consents of this patient, never on how many
/// consents the node holds.

#include <cstdint>
#include <map>

#include "consent/access.hpp"
#include "consent/decision.hpp"
#include "consent/template_abi.hpp"
#include "ledger/storage_error.hpp"
#include "node/block_state.hpp"
#include "node/contract_executor.hpp"
#include "runtime/memory_state.hpp"

namespace covenant::consent {

/// Gas a template's `decide` may use for one instance.
inline constexpr uint64_t kDecideGas = 200'000;

/// Decides requests. Keeps the template shape of each module it has seen. Not thread-safe.
class Decider {
 public:
  /// The decision on `request` (which must pass `check_request`) on day `today` (days since
  /// 1970-01-01), for a block at `height`, against the state `block` shows. Reads only.
  /// Fails only as reading the state fails, or with `corrupt` for a malformed stored record.
  Expected<Decision, ledger::StorageError> decide(node::ContractExecutor& contracts,
                                                  node::BlockState& block,
                                                  const AccessRequest& request, int64_t today,
                                                  uint64_t height);

 private:
  Expected<const TemplateEntries*, ledger::StorageError> entries_of(const runtime::LoadedContract& c,
                                                                    const ledger::Hash& module_id);

  std::map<ledger::Hash, TemplateEntries> entries_;
  runtime::MemoryState scratch_;
  std::vector<uint64_t> ids_;
  std::vector<uint8_t> input_;
};

}  // namespace covenant::consent
