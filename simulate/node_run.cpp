#include "simulate/node_run.hpp"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "consent/consent_handler.hpp"
#include "ledger/admission.hpp"
#include "ledger/node.hpp"
#include "ledger/seal.hpp"
#include "node/call_receipt.hpp"
#include "node/contract_executor.hpp"
#include "node/invocation.hpp"
#include "simulate/plan_binding.hpp"

namespace covenant::simulate {
namespace {

constexpr uint64_t kDayMs = 86'400'000;

std::string storage(const ledger::StorageError& e) { return e.describe(); }

// One record waiting for its block: a claim (with the index of its first transaction and
// how many parts) or a call.
struct Pending {
  uint64_t seq = 0;
  bool is_claim = true;
  claims::Claim claim;
  std::string pseudonym;
  claims::Call call;
  size_t first_tx = 0, parts = 0;
};

class NodeRunner {
 public:
  NodeRunner(const PlanBinding& b, const SimulationOptions& o, ledger::Node& node,
             const ledger::KeyPair& key, const node::Deployment& deployment, NodeRun& run)
      : b_(b), o_(o), node_(node), key_(key), deployment_(deployment), run_(run),
        hasher_(ledger::Hasher::create_or_abort()) {}

  Expected<void, std::string> start() {
    auto nonce = node_.ledger().next_nonce(key_.public_key());
    if (!nonce) return unexpected(storage(nonce.error()));
    nonce_ = *nonce;
    return {};
  }

  // Adds a claim or call to the current block, committing it when full.
  Expected<void, std::string> add(uint64_t seq, claims::Record& record, int64_t latest) {
    latest_ = std::max(latest_, latest);
    Pending p;
    p.seq = seq;
    if (auto* claim = std::get_if<claims::Claim>(&record)) {
      size_t parts = b_.parts(*claim);
      if (txs_.size() + parts > kBlockTransactions)
        if (auto ok = commit(); !ok) return ok;
      std::vector<std::vector<uint8_t>> blocks(parts);
      for (size_t k = 0; k < parts; ++k)
        if (auto ok = b_.encode_part(*claim, k, blocks[k], hasher_); !ok) {
          std::string text = claim->location + " (claim " + claim->id + "): " + ok.error();
          if (o_.strict) return unexpected(text);
          ++run_.summary.malformed;
          if (o_.problem) o_.problem(text);
          return {};
        }
      p.first_tx = txs_.size();
      p.parts = parts;
      for (auto& block : blocks)
        if (auto ok = push_invoke(b_.entry().name, std::move(block)); !ok) return ok;
      p.pseudonym = pseudonym_hex(member_pseudonym(claim->member, hasher_));
      p.claim = std::move(*claim);
    } else {
      auto& call = std::get<claims::Call>(record);
      ++run_.summary.calls;
      const runtime::AbiEntry* entry = b_.plan().abi().find(call.entry);
      auto input = entry ? runtime::encode_params(*entry, call.args_json)
                         : Expected<std::vector<uint8_t>, std::string>(
                               unexpected(b_.plan().name() + " has no entry `" + call.entry + "`"));
      if (!input) {
        ++run_.summary.calls_refused;
        std::string text = call.location + ": " + call.entry + ": " + input.error();
        if (o_.strict) return unexpected(text);
        ++run_.summary.malformed;
        if (o_.problem) o_.problem(text);
        return {};
      }
      if (txs_.size() + 1 > kBlockTransactions)
        if (auto ok = commit(); !ok) return ok;
      p.is_claim = false;
      p.first_tx = txs_.size();
      p.parts = 1;
      if (auto ok = push_invoke(call.entry, std::move(*input)); !ok) return ok;
      p.call = std::move(call);
    }
    pending_.push_back(std::move(p));
    return {};
  }

  // Seals, appends and executes the block being built, and writes its results.
  Expected<void, std::string> commit() {
    if (txs_.empty()) return {};
    const std::string& chain = node_.ledger().chain_id();
    auto admitted = ledger::seal_and_admit(txs_, key_, nonce_, chain);
    if (!admitted) return unexpected("sealing a block: " + admitted.error().reason);
    uint64_t time = std::max(node_.ledger().head().time_ms,
                             static_cast<uint64_t>(std::max<int64_t>(latest_, 0)) * kDayMs);
    auto appended = node_.ledger().append_transactions(*admitted, time, node_.key());
    if (!appended) return unexpected(storage(appended.error()));
    nonce_ += txs_.size() + 1;
    if (run_.first_block == 0) run_.first_block = appended->header.height;
    run_.last_block = appended->header.height;
    run_.entries += appended->receipts.size();
    // receipts[0] is the seal's.
    for (const auto& p : pending_) {
      if (!p.is_claim) {
        const ledger::Receipt& r = appended->receipts[1 + p.first_tx];
        if (r.status != ledger::ReceiptStatus::ok) {
          ++run_.summary.calls_refused;
          if (o_.problem) o_.problem(p.call.location + ": " + p.call.entry + " refused: " + r.reason);
        }
        continue;
      }
      ClaimResult result = b_.start(p.claim, p.pseudonym);
      for (size_t k = 0; k < p.parts; ++k)
        b_.add_outcome(p.claim, k, node::call_outcome(appended->receipts[1 + p.first_tx + k]),
                       result);
      run_.summary.add(result);
      if (out_) {
        line_.clear();
        append_result_json(result, line_);
        if (std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size())
          return unexpected(o_.out->string() + ": cannot write: " + std::strerror(errno));
      }
    }
    txs_.clear();
    pending_.clear();
    return {};
  }

  std::FILE* out_ = nullptr;

 private:
  Expected<void, std::string> push_invoke(const std::string& entry, std::vector<uint8_t> args) {
    node::Invocation call;
    call.contract = deployment_.name;
    call.version = deployment_.version;
    call.entry = entry;
    call.gas_limit = o_.gas;
    call.args = std::move(args);
    auto payload = node::encode_invocation(call);
    if (!payload) return unexpected(payload.error());
    ledger::Transaction tx;
    tx.kind = ledger::TxKind::invoke;
    tx.payload = std::move(*payload);
    txs_.push_back(std::move(tx));
    return {};
  }

  const PlanBinding& b_;
  const SimulationOptions& o_;
  ledger::Node& node_;
  const ledger::KeyPair& key_;
  const node::Deployment& deployment_;
  NodeRun& run_;
  ledger::Hasher hasher_;
  uint64_t nonce_ = 0;
  int64_t latest_ = 0;
  std::vector<ledger::Transaction> txs_;
  std::vector<Pending> pending_;
  std::string line_;
};

// The plan's deployment on the node: found, or made by a deploy transaction.
Expected<node::Deployment, std::string> ensure_deployed(ledger::Node& node,
                                                        const ledger::KeyPair& key,
                                                        std::span<const uint8_t> module,
                                                        const runtime::LoadedContract& plan,
                                                        NodeRun& run) {
  auto hasher = ledger::Hasher::create_or_abort();
  ledger::Hash id = hasher.sha256(module);
  auto find = [&]() -> Expected<std::optional<node::Deployment>, std::string> {
    auto list = node::ContractExecutor::deployments(node.ledger().state());
    if (!list) return unexpected(storage(list.error()));
    for (const auto& d : *list)
      if (d.name == plan.name() && d.version == static_cast<uint32_t>(plan.version())) {
        if (d.module_id != id)
          return unexpected(plan.name() + " version " + std::to_string(plan.version()) +
                            " is deployed on this node with another module; give the plan a new "
                            "version to simulate it here");
        return std::optional<node::Deployment>(d);
      }
    return std::optional<node::Deployment>();
  };
  auto found = find();
  if (!found) return unexpected(found.error());
  if (*found) return **found;
  auto nonce = node.ledger().next_nonce(key.public_key());
  if (!nonce) return unexpected(storage(nonce.error()));
  ledger::Transaction tx;
  tx.chain_id = node.ledger().chain_id();
  tx.nonce = *nonce;
  tx.kind = ledger::TxKind::deploy;
  tx.payload.assign(module.begin(), module.end());
  if (auto ok = ledger::sign_transaction(tx, key); !ok) return unexpected(ok.error().reason);
  auto bytes = ledger::encode(tx);
  if (!bytes) return unexpected(bytes.error().reason);
  auto admitted = ledger::admit_transaction(*bytes, node.ledger().chain_id());
  if (!admitted) return unexpected(admitted.error().reason);
  std::vector<ledger::AdmittedTx> txs{std::move(*admitted)};
  auto appended = node.ledger().append_transactions(txs, node.ledger().head().time_ms, node.key());
  if (!appended) return unexpected(storage(appended.error()));
  if (appended->receipts[0].status != ledger::ReceiptStatus::ok)
    return unexpected("deploying " + plan.name() + ": " + appended->receipts[0].reason);
  run.deployed = "deployed " + plan.name() + " version " + std::to_string(plan.version()) +
                 " in block " + std::to_string(appended->header.height);
  auto again = find();
  if (!again) return unexpected(again.error());
  if (!*again) return unexpected("the deployment of " + plan.name() + " is not in the state");
  return **again;
}

}  // namespace

Expected<NodeRun, std::string> simulate_on_node(std::span<const uint8_t> module_bytes,
                                                const runtime::LoadedContract& plan,
                                                const SimulationOptions& o,
                                                const std::filesystem::path& node_dir,
                                                const ledger::KeyPair* signer) {
  auto started = std::chrono::steady_clock::now();
  auto binding = PlanBinding::bind(plan, o.entry);
  if (!binding) return unexpected(binding.error());
  node::ContractExecutor executor;
  consent::install(executor);
  auto node = ledger::Node::open(node_dir, ledger::OpenMode::read_write, &executor);
  if (!node) return unexpected(storage(node.error()));
  const ledger::KeyPair& key = signer ? *signer : node->key();
  NodeRun run;
  auto deployment = ensure_deployed(*node, key, module_bytes, plan, run);
  if (!deployment) return unexpected(deployment.error());
  auto sources = open_sources(o);
  if (!sources) return unexpected(sources.error());

  NodeRunner runner(*binding, o, *node, key, *deployment, run);
  if (auto ok = runner.start(); !ok) return unexpected(ok.error());
  if (o.out) {
    runner.out_ = o.out->string() == "-" ? stdout : std::fopen(o.out->c_str(), "wb");
    if (!runner.out_) return unexpected(o.out->string() + ": cannot create: " + std::strerror(errno));
  }
  claims::Record record;
  uint64_t seq = 0, claims_read = 0;
  int64_t latest = 0;
  Progress progress;
  for (const auto& source : *sources) progress.total += source->bytes_total();
  Expected<void, std::string> failed;
  uint64_t bytes_before = 0;
  for (auto& source : *sources) {
    while (failed && source->next(record)) {
      ++seq;
      if (auto* problem = std::get_if<claims::Problem>(&record)) {
        std::string text = problem->location + ": " + problem->reason;
        if (o.strict) {
          failed = unexpected(text);
          break;
        }
        ++run.summary.malformed;
        if (o.problem) o.problem(text);
        continue;
      }
      if (auto* claim = std::get_if<claims::Claim>(&record)) {
        ++claims_read;
        latest = std::max(latest, claim->received);
      }
      failed = runner.add(seq, record, latest);
      if (o.progress && (seq & 4095) == 0) {
        progress.done = bytes_before + source->bytes_read();
        progress.records = claims_read;
        o.progress(progress);
      }
    }
    bytes_before += source->bytes_total();
  }
  if (failed) failed = runner.commit();
  if (runner.out_) {
    bool closed = runner.out_ == stdout ? std::fflush(stdout) == 0 : std::fclose(runner.out_) == 0;
    if (failed && !closed)
      failed = unexpected(o.out->string() + ": cannot write: " + std::strerror(errno));
  }
  if (!failed) return unexpected(failed.error());
  auto checkpoint = node->checkpoint();
  if (!checkpoint) return unexpected(storage(checkpoint.error()));
  run.checkpoint = *checkpoint;
  run.summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run;
}

}  // namespace covenant::simulate
