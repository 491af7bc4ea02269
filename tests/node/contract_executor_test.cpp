#include "node/contract_executor.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/driver.hpp"
#include "ledger/audit.hpp"
#include "ledger/node.hpp"
#include "ledger/seal.hpp"
#include "node/call_receipt.hpp"
#include "node/invocation.hpp"
#include "tests/ledger/storage_helpers.hpp"

using namespace covenant;
using ledger::ExecutedTx;
using ledger::ReceiptStatus;
using ledger::TxKind;

namespace {

// tests/cli/contracts/tally.cvn, compiled once.
const std::vector<uint8_t>& tally_module() {
  static const std::vector<uint8_t> bytes = [] {
    const std::string path = std::string(COVENANT_SOURCE_DIR) + "/tests/cli/contracts/tally.cvn";
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    static compiler::SourceFile source("tally.cvn", text.str());
    compiler::Diagnostics diags;
    compiler::Compilation c = compiler::compile(source, compiler::CompileRequest{}, diags);
    REQUIRE_FALSE(diags.has_errors());
    return c.bytes;
  }();
  return bytes;
}

std::vector<uint8_t> word(int64_t v) {
  std::vector<uint8_t> out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
  return out;
}

// Tally.add(member 0x07.., by) as an invoke payload.
std::vector<uint8_t> add(int64_t by, uint64_t gas = 1'000'000) {
  node::Invocation call;
  call.contract = "Tally";
  call.version = 1;
  call.entry = "add";
  call.gas_limit = gas;
  call.args.assign(32, 7);
  auto w = word(by);
  call.args.insert(call.args.end(), w.begin(), w.end());
  return *node::encode_invocation(call);
}

// Executes one block of (kind, payload) transactions on `state` and applies its changes.
ledger::BlockExecution run_block(node::ContractExecutor& executor, ledger::MemoryState& state,
                                 std::vector<std::pair<TxKind, std::vector<uint8_t>>> txs,
                                 uint64_t height = 1) {
  std::vector<ExecutedTx> views;
  for (size_t i = 0; i < txs.size(); ++i)
    views.push_back({ledger::PublicKey{}, i, txs[i].first, txs[i].second});
  auto executed = executor.execute(state, ledger::BlockEnv{height, 1'790'000'000'000}, views);
  REQUIRE(executed.has_value());
  state.apply(executed->delta);
  return std::move(executed).value();
}

}  // namespace

TEST_CASE("executor: deploy, then calls whose failures leave no writes and say where") {
  node::ContractExecutor executor;
  ledger::MemoryState state;
  auto deployed = run_block(executor, state, {{TxKind::deploy, tally_module()}});
  REQUIRE(deployed.receipts[0].status == ReceiptStatus::ok);
  CHECK(deployed.receipts[0].write_set_hash != ledger::Hash{});
  const size_t keys_after_deploy = state.entries().size();

  auto block = run_block(executor, state,
                         {{TxKind::invoke, add(2)}, {TxKind::invoke, add(-1)},
                          {TxKind::invoke, add(0)}, {TxKind::invoke, add(3, 100)},
                          {TxKind::invoke, add(5)}},
                         2);
  const auto& r = block.receipts;
  REQUIRE(r.size() == 5);
  CHECK(r[0].status == ReceiptStatus::ok);
  CHECK(r[0].output == word(2));
  CHECK(r[1].status == ReceiptStatus::denied);
  CHECK(r[1].reason == "code 7: no negative tallies");
  CHECK(r[1].fail_line == 12);
  CHECK(r[1].write_set_hash == ledger::Hash{});
  // Every call that ran read the member's count; the receipts commit to that key alone.
  CHECK(r[1].read_set_hash != ledger::Hash{});
  for (int i : {0, 2, 4}) CHECK(r[i].read_set_hash == r[1].read_set_hash);
  CHECK(r[2].status == ReceiptStatus::fault);
  CHECK(r[2].reason == "division by zero");
  CHECK(r[2].fail_line == 13);
  CHECK(r[3].status == ReceiptStatus::out_of_gas);
  CHECK(r[3].gas_used == 100);
  // The three failed calls wrote before failing; none of it survived: 2 + 5.
  CHECK(r[4].status == ReceiptStatus::ok);
  CHECK(r[4].output == word(7));
  CHECK(state.entries().size() == keys_after_deploy + 1);

  // The receipt reads back as the outcome it recorded.
  runtime::CallOutcome denied = node::call_outcome(r[1]);
  CHECK(denied.status == runtime::CallStatus::denied);
  REQUIRE(denied.deny_code.has_value());
  CHECK(*denied.deny_code == 7);
  CHECK(denied.reason == "no negative tallies");
}

TEST_CASE("executor: the same block executes to the same bytes, in a fresh executor too") {
  auto once = [] {
    node::ContractExecutor executor;
    ledger::MemoryState state;
    run_block(executor, state, {{TxKind::deploy, tally_module()}});
    return run_block(executor, state, {{TxKind::invoke, add(4)}, {TxKind::invoke, add(-4)}}, 2);
  };
  auto a = once(), b = once();
  CHECK(a.receipts == b.receipts);
  CHECK(a.delta == b.delta);
}

TEST_CASE("executor: refusals are receipts, not errors") {
  node::ContractExecutor executor;
  ledger::MemoryState state;
  auto block = run_block(executor, state,
                         {{TxKind::invoke, add(1)},
                          {TxKind::deploy, {1, 2, 3}},
                          {TxKind::deploy, tally_module()},
                          {TxKind::deploy, tally_module()},
                          {TxKind::invoke, {9, 9}},
                          {TxKind::consent, {}},
                          {TxKind::note, {1}}});
  const auto& r = block.receipts;
  CHECK(r[0].reason == "no contract Tally version 1 is deployed");
  CHECK(r[1].status == ReceiptStatus::rejected);
  CHECK(r[1].reason.starts_with("module: "));
  CHECK(r[2].status == ReceiptStatus::ok);  // a deploy is seen by the rest of its block
  CHECK(r[3].reason == "Tally version 1 is already deployed");
  CHECK(r[4].reason.starts_with("invoke payload, byte 0: "));
  CHECK(r[5].reason == "this node does not execute consent transactions");
  CHECK(r[6] == ledger::Receipt{});
  for (int i : {0, 1, 3, 4, 5}) CHECK(r[i].status == ReceiptStatus::rejected);
}

TEST_CASE("executor: a query sees the state and writes nothing") {
  node::ContractExecutor executor;
  ledger::MemoryState state;
  run_block(executor, state, {{TxKind::deploy, tally_module()}});
  run_block(executor, state, {{TxKind::invoke, add(6)}}, 2);
  const auto before = state.entries();
  auto resolved = executor.resolve(state, "Tally", 0);
  REQUIRE(resolved.has_value());
  CHECK(resolved->deployment.version == 1);
  const runtime::AbiEntry* entry = resolved->contract->abi().find("add");
  REQUIRE(entry != nullptr);
  std::vector<uint8_t> args(32, 7);
  auto w = word(1);
  args.insert(args.end(), w.begin(), w.end());
  auto result = executor.query(state, *resolved, *entry, args, 1'000'000, 0, {});
  REQUIRE(result.has_value());
  CHECK(result->outcome.output == word(7));
  CHECK(state.entries() == before);
  CHECK_FALSE(executor.resolve(state, "Tally", 2).has_value());
  auto listed = node::ContractExecutor::deployments(state);
  REQUIRE(listed.has_value());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].name == "Tally");
}

namespace {

// An executor that reports one more gas unit on every receipt than it used: a node whose
// stored receipts disagree with re-execution.
class Skewed : public ledger::Executor {
 public:
  Expected<ledger::BlockExecution, ledger::StorageError> execute(
      const ledger::StateReader& state, const ledger::BlockEnv& env,
      std::span<const ExecutedTx> txs) override {
    auto out = inner_.execute(state, env, txs);
    if (out)
      for (auto& r : out->receipts) r.gas_used += 1;
    return out;
  }

 private:
  node::ContractExecutor inner_;
};

}  // namespace

TEST_CASE("executor: a seal is a no-op whose receipt records what it covers") {
  node::ContractExecutor executor;
  ledger::MemoryState state;
  auto block = run_block(executor, state,
                         {{TxKind::seal, std::vector<uint8_t>(64, 1)},
                          {TxKind::seal, std::vector<uint8_t>(33, 1)}});
  CHECK(block.receipts[0] == ledger::seal_receipt(0, 2));
  CHECK(block.receipts[1].status == ReceiptStatus::rejected);
  CHECK(block.delta.empty());
}

TEST_CASE("a node's ledger executes a sealed batch of calls, and audits and rebuilds it") {
  ledger::testing::TempDir dir;
  node::ContractExecutor executor;
  const std::string chain = "covenant-test";
  {
    auto n = ledger::Node::init(dir.path() / "node", chain, 1'790'000'000'000, ledger::Seed{},
                                ledger::kDefaultSegmentCapacity, &executor);
    REQUIRE(n.has_value());
    const ledger::KeyPair& key = n->key();
    ledger::Transaction deploy;
    deploy.chain_id = chain;
    deploy.kind = TxKind::deploy;
    deploy.payload = tally_module();
    REQUIRE(ledger::sign_transaction(deploy, key).has_value());
    std::vector<ledger::AdmittedTx> first{*ledger::admit_transaction(*ledger::encode(deploy), chain)};
    REQUIRE(n->ledger().append_transactions(first, 1'790'000'000'001, key).has_value());
    // Ten calls under one seal (nonce 1), in one block.
    std::vector<ledger::Transaction> calls(10);
    for (auto& call : calls) {
      call.kind = TxKind::invoke;
      call.payload = add(2);
    }
    auto seal = ledger::seal_batch(calls, key, 1, chain);
    REQUIRE(seal.has_value());
    std::vector<std::vector<uint8_t>> covered;
    for (const auto& call : calls) covered.push_back(*ledger::encode(call));
    auto batch = ledger::admit_sealed_batch(*ledger::encode(*seal), covered, chain);
    REQUIRE(batch.has_value());
    auto appended = n->ledger().append_transactions(*batch, 1'790'000'000'002, key);
    REQUIRE_MESSAGE(appended.has_value(), (appended ? "" : appended.error().describe()));
    CHECK(appended->receipts[0] == ledger::seal_receipt(1, 10));
    for (size_t i = 1; i <= 10; ++i) CHECK(appended->receipts[i].status == ReceiptStatus::ok);
    // Out of order, the batch is refused before anything executes.
    auto again = ledger::seal_batch(calls, key, 12, chain);
    REQUIRE(again.has_value());
    covered.clear();
    for (const auto& call : calls) covered.push_back(*ledger::encode(call));
    auto second = ledger::admit_sealed_batch(*ledger::encode(*again), covered, chain);
    REQUIRE(second.has_value());
    std::swap((*second)[1], (*second)[2]);
    auto refused = n->ledger().append_transactions(*second, 1'790'000'000'003, key);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().entry == 1);
    CHECK(refused.error().reason.find("sealing rule") != std::string::npos);
  }
  auto audit = ledger::audit_ledger(dir.path() / "node", 1, &executor);
  REQUIRE_MESSAGE(audit.has_value(), (audit ? "" : audit.error().describe()));
  CHECK(audit->entries == 12);
  CHECK(audit->signatures == 2);
  CHECK(audit->sealed == 10);
  std::filesystem::remove_all(dir.path() / "node" / "state");
  auto reopened = ledger::Node::open(dir.path() / "node", ledger::OpenMode::read_write, &executor);
  REQUIRE_MESSAGE(reopened.has_value(), (reopened ? "" : reopened.error().describe()));
  CHECK(reopened->ledger().recovery().rebuilt_state);
  CHECK(reopened->ledger().next_nonce(reopened->key().public_key()).value() == 12);
}

TEST_CASE("a node's ledger replays through the executor; a receipt it disagrees with is damage") {
  ledger::testing::TempDir dir;
  node::ContractExecutor executor;
  {
    auto n = ledger::Node::init(dir.path() / "node", "covenant-test", 1'790'000'000'000,
                                ledger::Seed{}, ledger::kDefaultSegmentCapacity, &executor);
    REQUIRE(n.has_value());
    const ledger::KeyPair& key = n->key();
    uint64_t nonce = 0;
    for (auto payload : {tally_module(), add(2), add(-1), add(3)}) {
      ledger::Transaction tx;
      tx.chain_id = "covenant-test";
      tx.signer = key.public_key();
      tx.nonce = nonce;
      tx.kind = nonce == 0 ? TxKind::deploy : TxKind::invoke;
      tx.payload = payload;
      ++nonce;
      REQUIRE(ledger::sign_transaction(tx, key).has_value());
      auto admitted = ledger::admit_transaction(*ledger::encode(tx), "covenant-test");
      REQUIRE(admitted.has_value());
      std::vector<ledger::AdmittedTx> txs{*admitted};
      auto appended = n->ledger().append_transactions(txs, 1'790'000'000'000 + nonce, key);
      REQUIRE(appended.has_value());
    }
    // Receipts come from the executor only.
    CHECK(n->ledger().append_block({}, 1'790'000'000'100, key).error().code ==
          ledger::StorageError::Code::invalid_argument);
  }
  auto audit = ledger::audit_ledger(dir.path() / "node", 1, &executor);
  REQUIRE_MESSAGE(audit.has_value(), (audit ? "" : audit.error().describe()));
  CHECK(audit->entries == 4);
  Skewed skewed;
  auto bad = ledger::audit_ledger(dir.path() / "node", 1, &skewed);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ledger::StorageError::Code::corrupt);
  CHECK(bad.error().block == 1);
  CHECK(bad.error().describe().find("differs from re-execution") != std::string::npos);

  // Without its state, the node rebuilds it by re-executing every transaction.
  std::filesystem::remove_all(dir.path() / "node" / "state");
  auto reopened = ledger::Node::open(dir.path() / "node", ledger::OpenMode::read_write, &executor);
  REQUIRE(reopened.has_value());
  CHECK(reopened->ledger().recovery().rebuilt_state);
  auto resolved = executor.resolve(reopened->ledger().state(), "Tally", 1);
  REQUIRE(resolved.has_value());
  std::vector<uint8_t> member(32, 7);
  auto count = executor.query(reopened->ledger().state(), *resolved,
                              *resolved->contract->abi().find("count"), member, 1'000'000, 0, {});
  REQUIRE(count.has_value());
  CHECK(count->outcome.output == word(5));
}
