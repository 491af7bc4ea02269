#pragma once
/// \file
/// What a node does with a consent transaction (docs/consent.md, "Transactions"): enrol a
/// patient's keys, grant (instantiate a template), revoke, decide an access request, register
/// a record, fetch one. The receipt of a grant holds the new consent's id; of an ask or a
/// fetch, the decision (`decision.hpp`), whatever it is: a refusal is a decision recorded,
/// not a failed transaction. A transaction the node cannot take (malformed, not allowed to
/// its signer, naming what does not exist) is `rejected` with the reason and changes nothing.

#include <memory>

#include "consent/decider.hpp"
#include "node/contract_executor.hpp"

namespace covenant::consent {

/// Gas a template's `grant` may use.
inline constexpr uint64_t kGrantGas = 1'000'000;

/// The consent layer's executor of `consent` transactions.
class ConsentHandler : public node::KindHandler {
 public:
  /// See `node::KindHandler::execute`.
  Expected<ledger::Receipt, ledger::StorageError> execute(node::ContractExecutor& contracts,
                                                         node::BlockState& block,
                                                         const ledger::BlockEnv& env,
                                                         const ledger::ExecutedTx& tx) override;

 private:
  Decider decider_;
  runtime::MemoryState scratch_;
};

/// Has `executor` execute consent transactions. Every executor of a node's ledger (append,
/// recovery, audit) is set up this way.
void install(node::ContractExecutor& executor);

/// The day (days since 1970-01-01, UTC) of a block time in Unix milliseconds: `now()`.
int64_t day_of(uint64_t time_ms);

}  // namespace covenant::consent
