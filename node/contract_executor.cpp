#include "node/contract_executor.hpp"

#include <algorithm>

#include "ledger/codec.hpp"
#include "ledger/seal.hpp"
#include "node/call_receipt.hpp"
#include "node/deployment_state.hpp"
#include "node/invocation.hpp"
#include "vm/hex.hpp"

namespace covenant::node {

namespace {

using ledger::Receipt;
using ledger::ReceiptStatus;
using ledger::StorageError;

constexpr uint64_t kMillisecondsPerDay = 86'400'000;

Receipt rejected(const std::string& reason) { return rejected_receipt(reason); }

StorageError not_found(std::string reason) {
  return StorageError::of(StorageError::Code::not_found, std::move(reason));
}

uint64_t read_count(const std::optional<std::vector<uint8_t>>& value) {
  if (!value || value->size() != 8) return 0;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | (*value)[i];
  return v;
}

uint32_t version_from_key(std::span<const uint8_t> key) {
  uint32_t v = 0;
  for (size_t i = key.size() - 4; i < key.size(); ++i) v = (v << 8) | key[i];
  return v;
}

}  // namespace

Expected<ledger::BlockExecution, StorageError> ContractExecutor::execute(
    const ledger::StateReader& state, const ledger::BlockEnv& env,
    std::span<const ledger::ExecutedTx> txs) {
  BlockState block(state);
  ledger::BlockExecution out;
  out.receipts.reserve(txs.size());
  for (const ledger::ExecutedTx& tx : txs) {
    switch (tx.kind) {
      case ledger::TxKind::note: out.receipts.emplace_back(); break;
      case ledger::TxKind::seal: {
        // A seal authorises the transactions after it and changes nothing; its receipt is
        // the one the ledger requires, recording what it covered. The ledger has checked
        // the payload before execution; a malformed one only reaches here from a caller
        // that skipped the ledger, and gets a refusal.
        auto count = ledger::seal_count(tx.payload);
        out.receipts.push_back(count ? ledger::seal_receipt(tx.nonce, *count)
                                     : rejected(count.error().reason));
        break;
      }
      case ledger::TxKind::deploy: out.receipts.push_back(deploy(block, env, tx)); break;
      case ledger::TxKind::invoke: {
        auto receipt = invoke(block, env, tx);
        if (!receipt) return unexpected(std::move(receipt).error());
        out.receipts.push_back(std::move(receipt).value());
        break;
      }
      default:
        if (auto h = handlers_.find(tx.kind); h != handlers_.end()) {
          auto receipt = h->second->execute(*this, block, env, tx);
          if (!receipt) return unexpected(std::move(receipt).error());
          out.receipts.push_back(std::move(receipt).value());
          break;
        }
        out.receipts.push_back(rejected("this node does not execute " +
                                        std::string(ledger::kind_name(tx.kind)) +
                                        " transactions"));
        break;
    }
    // A storage failure is not an outcome of the transaction: the block cannot be made.
    if (block.error()) return unexpected(*block.error());
  }
  auto delta = block.delta();
  if (!delta) return unexpected(std::move(delta).error());
  out.delta = std::move(delta).value();
  return out;
}

Expected<const runtime::LoadedContract*, StorageError> ContractExecutor::load(
    BlockState& block, const ledger::Hash& module_id) {
  if (auto it = cache_.find(module_id); it != cache_.end()) return it->second.get();
  auto bytes = block.get(module_key(module_id));
  if (block.error()) return unexpected(*block.error());
  if (!bytes) {
    return unexpected(StorageError::of(StorageError::Code::corrupt,
                                       "module " + to_hex(module_id) + " is deployed but not stored"));
  }
  auto loaded = runtime::LoadedContract::load(*bytes);
  if (!loaded) {
    return unexpected(StorageError::of(StorageError::Code::corrupt,
                                       "stored module " + to_hex(module_id) + ": " + loaded.error()));
  }
  auto owned = std::make_unique<runtime::LoadedContract>(std::move(loaded).value());
  const runtime::LoadedContract* p = owned.get();
  cache_.emplace(module_id, std::move(owned));
  return p;
}

Expected<ResolvedContract, StorageError> ContractExecutor::resolve_in(BlockState& block,
                                                                      std::string_view name,
                                                                      uint32_t version) {
  std::optional<Deployment> found;
  if (version != 0) {
    auto value = block.get(deployment_key(name, version));
    if (block.error()) return unexpected(*block.error());
    if (!value) {
      return unexpected(not_found("no contract " + std::string(name) + " version " +
                                  std::to_string(version) + " is deployed"));
    }
    found = decode_deployment(name, version, *value);
  } else {
    // The highest version: the last key under the name's prefix.
    const std::vector<uint8_t> prefix = deployment_prefix(name);
    std::vector<uint8_t> from = prefix;
    std::optional<ledger::StatePair> last;
    while (auto pair = block.seek(from, prefix)) {
      from = pair->key;
      from.push_back(0);
      last = std::move(pair);
    }
    if (block.error()) return unexpected(*block.error());
    if (!last) return unexpected(not_found("no contract " + std::string(name) + " is deployed"));
    version = version_from_key(last->key);
    found = decode_deployment(name, version, last->value);
  }
  if (!found) {
    return unexpected(StorageError::of(StorageError::Code::corrupt,
                                       "the deployment record of " + std::string(name) +
                                           " version " + std::to_string(version) + " is malformed"));
  }
  auto contract = load(block, found->module_id);
  if (!contract) return unexpected(std::move(contract).error());
  return ResolvedContract{std::move(*found), *contract};
}

Expected<ResolvedContract, StorageError> ContractExecutor::resolve(const ledger::StateReader& state,
                                                                   std::string_view name,
                                                                   uint32_t version) {
  BlockState block(state);
  return resolve_in(block, name, version);
}

Expected<std::vector<Deployment>, StorageError> ContractExecutor::deployments(
    const ledger::StateReader& state) {
  static constexpr std::string_view kPrefix = "deploy/";
  const std::vector<uint8_t> prefix(kPrefix.begin(), kPrefix.end());
  std::vector<Deployment> out;
  std::vector<uint8_t> from = prefix;
  for (;;) {
    auto pair = state.seek(from);
    if (!pair) return unexpected(std::move(pair).error());
    if (!*pair || !std::equal(prefix.begin(), prefix.end(), (*pair)->key.begin(),
                              (*pair)->key.begin() + std::min((*pair)->key.size(), prefix.size())))
      break;
    const std::vector<uint8_t>& key = (*pair)->key;
    // "deploy/" name 0x00 u32-BE version
    if (key.size() < prefix.size() + 1 + 4 || key[key.size() - 5] != 0) {
      return unexpected(StorageError::of(StorageError::Code::corrupt, "malformed deployment key"));
    }
    std::string name(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end() - 5);
    auto d = decode_deployment(name, version_from_key(key), (*pair)->value);
    if (!d) {
      return unexpected(StorageError::of(StorageError::Code::corrupt,
                                         "the deployment record of " + name + " is malformed"));
    }
    out.push_back(std::move(*d));
    from = key;
    from.push_back(0);
  }
  return out;
}

Receipt ContractExecutor::deploy(BlockState& block, const ledger::BlockEnv& env,
                                 const ledger::ExecutedTx& tx) {
  auto loaded = runtime::LoadedContract::load(tx.payload);
  if (!loaded) return rejected("module: " + loaded.error());
  const std::string name = loaded->name();  // a copy: `loaded` moves into the cache below
  if (name.empty() || name.size() > kMaxContractName)
    return rejected("contract name of " + std::to_string(name.size()) + " bytes (1 to " +
                    std::to_string(kMaxContractName) + ")");
  if (loaded->version() < 1 || loaded->version() > INT64_C(0xFFFFFFFF))
    return rejected("contract version " + std::to_string(loaded->version()) +
                    " (a node takes 1 to 4294967295)");
  const uint32_t version = static_cast<uint32_t>(loaded->version());
  const uint64_t mark = block.mark();
  if (block.get(deployment_key(name, version))) {
    return rejected(name + " version " + std::to_string(version) + " is already deployed");
  }
  // New versions of a name come only from the key that deployed its first version.
  const std::vector<uint8_t> prefix = deployment_prefix(name);
  if (auto first = block.seek(prefix, prefix)) {
    auto earlier = decode_deployment(name, version_from_key(first->key), first->value);
    if (earlier && earlier->deployer != tx.signer) {
      return rejected(name + " belongs to the key " + to_hex(earlier->deployer) +
                      ", which deployed its first version");
    }
  }
  const std::vector<uint8_t> count_key = deployment_count_key();
  Deployment d;
  d.name = name;
  d.version = version;
  d.number = read_count(block.get(count_key));
  d.module_id = ledger::thread_hasher().sha256(tx.payload);
  d.deployer = tx.signer;
  d.height = env.height;
  std::vector<uint8_t> count;
  ledger::put_u64(count, d.number + 1);
  block.set(count_key, std::span<const uint8_t>(count));
  const std::vector<uint8_t> mkey = module_key(d.module_id);
  if (!block.get(mkey)) block.set(mkey, tx.payload);
  const std::vector<uint8_t> record = encode_deployment(d);
  block.set(deployment_key(name, version), std::span<const uint8_t>(record));
  // Verified once: the first invoke finds it loaded (the cache is keyed by content, so a
  // block that is never appended leaves nothing wrong in it).
  if (!cache_.contains(d.module_id))
    cache_.emplace(d.module_id, std::make_unique<runtime::LoadedContract>(std::move(loaded).value()));
  Receipt r;
  r.write_set_hash = write_set_hash(block.written_since(mark));
  return r;
}

Expected<Receipt, StorageError> ContractExecutor::invoke(BlockState& block,
                                                         const ledger::BlockEnv& env,
                                                         const ledger::ExecutedTx& tx) {
  auto call = decode_invocation(tx.payload);
  if (!call) {
    return rejected("invoke payload, byte " + std::to_string(call.error().offset) + ": " +
                    call.error().reason);
  }
  if (call->version == 0) return rejected("invoke names version 0; versions start at 1");
  if (call->gas_limit > kMaxCallGas)
    return rejected("gas limit " + std::to_string(call->gas_limit) + " exceeds " +
                    std::to_string(kMaxCallGas));
  auto resolved = resolve_in(block, call->contract, call->version);
  if (!resolved) {
    // Only a missing contract is the transaction's fault; damage is the node's.
    if (resolved.error().code == StorageError::Code::not_found) return rejected(resolved.error().reason);
    return unexpected(std::move(resolved).error());
  }
  const runtime::LoadedContract& contract = *resolved->contract;
  const runtime::AbiEntry* entry = contract.abi().find(call->entry);
  if (entry == nullptr) return rejected(call->contract + " has no entry " + call->entry);
  if (call->args.size() != entry->param_size)
    return rejected("arguments of " + std::to_string(call->args.size()) + " bytes; " +
                    call->entry + " takes " + std::to_string(entry->param_size));
  if (entry->result_size > ledger::kMaxReceiptOutput)
    return rejected(call->entry + " returns " + std::to_string(entry->result_size) +
                    " bytes, more than a receipt holds");

  DeploymentState state(block, resolved->deployment.number);
  runtime::CallContext context;
  context.state = &state;
  context.today = static_cast<int64_t>(env.time_ms / kMillisecondsPerDay);
  context.caller = tx.signer;
  const uint64_t mark = block.mark();
  runtime::CallOutcome outcome =
      runtime::call_entry(machine_, contract, *entry, call->args, call->gas_limit, context);
  const ledger::Hash reads = read_set_hash(state.reads());
  if (outcome.status != runtime::CallStatus::ok) {
    block.rollback(mark);
    return call_receipt(outcome, {}, {}, reads);
  }
  return call_receipt(outcome, context.events, write_set_hash(block.written_since(mark)), reads);
}

Expected<QueryResult, StorageError> ContractExecutor::query(const ledger::StateReader& state,
                                                            const ResolvedContract& resolved,
                                                            const runtime::AbiEntry& entry,
                                                            std::span<const uint8_t> input,
                                                            uint64_t gas, int64_t today,
                                                            const ledger::PublicKey& caller) {
  BlockState block(state);
  DeploymentState contract_state(block, resolved.deployment.number);
  runtime::CallContext context;
  context.state = &contract_state;
  context.today = today;
  context.caller = caller;
  QueryResult out;
  out.outcome = runtime::call_entry(machine_, *resolved.contract, entry, input, gas, context);
  if (block.error()) return unexpected(*block.error());
  if (out.outcome.status == runtime::CallStatus::ok) out.events = std::move(context.events);
  return out;
}

}  // namespace covenant::node
