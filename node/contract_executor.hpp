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

class ContractExecutor;

/// Executes the transactions of a kind the contract layer does not know itself (the consent
/// layer's, consent/), inside the block's view of the state, with the contract executor at
/// hand to resolve deployed templates. Must be deterministic, as `ledger::Executor` is.
class KindHandler {
 public:
  virtual ~KindHandler() = default;
  /// The receipt of `tx`. A storage failure (not the transaction's fault) is an error; the
  /// block then cannot be made.
  virtual Expected<ledger::Receipt, ledger::StorageError> execute(ContractExecutor& contracts,
                                                                 BlockState& block,
                                                                 const ledger::BlockEnv& env,
                                                                 const ledger::ExecutedTx& tx) = 0;
};

/// Executes deploy and invoke transactions (notes do nothing; other kinds go to the handler
/// installed for them, and without one are rejected). Deterministic; keeps a cache of
/// loaded modules by module id. Not thread-safe.
class ContractExecutor : public ledger::Executor {
 public:
  ContractExecutor() = default;

  /// Has `handler` execute every transaction of `kind` (replacing an earlier handler).
  /// Every executor that appends to, recovers or audits one ledger must have the same
  /// handlers, or replay disagrees with the record.
  void handle(ledger::TxKind kind, std::shared_ptr<KindHandler> handler) {
    handlers_[kind] = std::move(handler);
  }

  /// See `ledger::Executor::execute`.
  Expected<ledger::BlockExecution, ledger::StorageError> execute(
      const ledger::StateReader& state, const ledger::BlockEnv& env,
      std::span<const ledger::ExecutedTx> txs) override;

  /// The deployment of `name` at `version` (0: the highest deployed version) in `state`,
  /// with its module loaded. Fails with `not_found` (no such contract or version), `corrupt`
  /// (a malformed record or a stored module that does not load), or as reading fails.
  Expected<ResolvedContract, ledger::StorageError> resolve(const ledger::StateReader& state,
                                                           std::string_view name, uint32_t version);
  /// The same, read through a block's view (sees the block's own deployments).
  Expected<ResolvedContract, ledger::StorageError> resolve_in(BlockState& block,
                                                              std::string_view name,
                                                              uint32_t version);

  /// The module `module_id`, loaded once and cached (content-addressed, so a cached module
  /// is right for any block). Fails with `corrupt` if it is not stored or does not load.
  Expected<const runtime::LoadedContract*, ledger::StorageError> load(BlockState& block,
                                                                     const ledger::Hash& module_id);

  /// The machine the executor runs calls on (one per executor; not thread-safe).
  vm::Machine& machine() { return machine_; }

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

  std::map<ledger::Hash, std::unique_ptr<runtime::LoadedContract>> cache_;
  std::map<ledger::TxKind, std::shared_ptr<KindHandler>> handlers_;
  vm::Machine machine_;
};

}  // namespace covenant::node
