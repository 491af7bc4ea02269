#pragma once
/// \file
/// The executor of a node's ledger: what deploy and invoke transactions do. A deploy stores a
/// module (which must load and verify) under its contract name and version; an invoke runs
/// one entry of a deployed version on the VM against that deployment's state, with the
/// block's date as `now()` and the signer as `caller()`. Every outcome becomes a receipt:
/// the result, or the denial, fault or lack of gas with its reason and source line, and a
/// failed call leaves no writes and no events. docs/node.md.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/executor.hpp"
#include "node/block_state.hpp"
#include "node/state_keys.hpp"
#include "runtime/contract_call.hpp"
#include "vm/machine.hpp"

namespace covenant::node {

/// The most gas one invoke may ask for (a bound on a block's work).
inline constexpr uint64_t kMaxCallGas = 1'000'000'000;

/// A deployment and its loaded module.
struct ResolvedContract {
  Deployment deployment;
  /// Owned by the executor's cache; valid as long as the executor.
  const runtime::LoadedContract* contract = nullptr;
};

/// What a read-only call did.
struct QueryResult {
  runtime::CallOutcome outcome;
  /// The events it would have emitted (record bytes as in a receipt).
  std::vector<runtime::Event> events;
};

/// Executes deploy and invoke transactions (notes do nothing; consent transactions are
/// rejected). Deterministic; keeps a cache of loaded modules by module id. Not thread-safe.
class ContractExecutor : public ledger::Executor {
 public:
  ContractExecutor() = default;

  /// See `ledger::Executor::execute`.
  Expected<ledger::BlockExecution, ledger::StorageError> execute(
      const ledger::StateReader& state, const ledger::BlockEnv& env,
      std::span<const ledger::ExecutedTx> txs) override;

  /// The deployment of `name` at `version` (0: the highest deployed version) in `state`,
  /// with its module loaded. Fails with `not_found` (no such contract or version), `corrupt`
  /// (a malformed record or a stored module that does not load), or as reading fails.
  Expected<ResolvedContract, ledger::StorageError> resolve(const ledger::StateReader& state,
                                                           std::string_view name, uint32_t version);

  /// Every deployment in `state`, by name and then version. Fails as reading fails.
  static Expected<std::vector<Deployment>, ledger::StorageError> deployments(
      const ledger::StateReader& state);

  /// Runs `entry` of `resolved` on `state` without recording anything (its writes are
  /// discarded), at day `today` (days since 1970-01-01) as `caller`. Fails only as reading
  /// the state fails.
  Expected<QueryResult, ledger::StorageError> query(const ledger::StateReader& state,
                                                    const ResolvedContract& resolved,
                                                    const runtime::AbiEntry& entry,
                                                    std::span<const uint8_t> input, uint64_t gas,
                                                    int64_t today,
                                                    const ledger::PublicKey& caller);

 private:
  ledger::Receipt deploy(BlockState& block, const ledger::BlockEnv& env,
                         const ledger::ExecutedTx& tx);
  Expected<ledger::Receipt, ledger::StorageError> invoke(BlockState& block,
                                                        const ledger::BlockEnv& env,
                                                        const ledger::ExecutedTx& tx);
  Expected<ResolvedContract, ledger::StorageError> resolve_in(BlockState& block,
                                                              std::string_view name,
                                                              uint32_t version);
  Expected<const runtime::LoadedContract*, ledger::StorageError> load(BlockState& block,
                                                                     const ledger::Hash& module_id);

  std::map<ledger::Hash, std::unique_ptr<runtime::LoadedContract>> cache_;
  vm::Machine machine_;
};

}  // namespace covenant::node
