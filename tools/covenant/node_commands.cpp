#include "tools/covenant/node_commands.hpp"

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openssl/rand.h>

#include "consent/consent_handler.hpp"
#include "ledger/admission.hpp"
#include "ledger/file_io.hpp"
#include "ledger/node.hpp"
#include "node/call_receipt.hpp"
#include "node/contract_executor.hpp"
#include "node/invocation.hpp"
#include "runtime/abi.hpp"
#include "tools/covenant/call_output.hpp"
#include "tools/covenant/cli_util.hpp"
#include "tools/covenant/contract_commands.hpp"
#include "tools/covenant/json.hpp"
#include "tools/covenant/node_tx.hpp"
#include "vm/hex.hpp"

namespace covenant::cli {
namespace {

using ledger::Node;
using ledger::OpenMode;
using ledger::StorageError;

constexpr int kRefused = 1;
constexpr int kUnusable = 2;



// ---- keygen --------------------------------------------------------------------------

int run_keygen(const std::string& out, bool json) {
  if (std::filesystem::exists(out)) {
    return fail_with("keygen", out + ": exists; a key file is never overwritten", kUnusable);
  }
  ledger::Seed seed{};
  if (RAND_priv_bytes(seed.data(), static_cast<int>(seed.size())) != 1)
    return fail_with("keygen", "OpenSSL's RNG failed", kUnusable);
  auto key = ledger::KeyPair::from_seed(seed);
  if (!key) return fail_with("keygen", key.error().reason, kUnusable);
  if (auto ok = ledger::write_file_durably(out, seed, 0600); !ok) return fail_with("keygen", ok.error());
  const std::string public_key = to_hex(key->public_key());
  if (json) {
    std::printf("%s\n", JsonObject().str("key_file", out).str("public_key", public_key).text().c_str());
  } else {
    std::printf("wrote %s (keep it secret)\npublic key %s\n", out.c_str(), public_key.c_str());
  }
  return 0;
}

// ---- deploy --------------------------------------------------------------------------

struct DeployOptions {
  std::string input, node = ".", key_file;
  std::optional<uint64_t> time_ms;
  bool json = false;
};

int run_deploy(const DeployOptions& o) {
  int exit_code = 0;
  auto bytes = module_bytes("deploy", o.input, exit_code);
  if (!bytes) return exit_code;
  auto loaded = runtime::LoadedContract::load(*bytes);
  if (!loaded) return fail_with("deploy", o.input + ": " + loaded.error(), kUnusable);
  node::ContractExecutor executor;
  consent::install(executor);
  auto node = Node::open(o.node, OpenMode::read_write, &executor);
  if (!node) return fail_with("deploy", node.error());
  auto key = key_from_file(o.key_file);
  if (!key) return fail_with("deploy", key.error(), kUnusable);
  auto recorded =
      record(*node, *key ? **key : node->key(), ledger::TxKind::deploy, *bytes, o.time_ms);
  if (!recorded) return fail_with("deploy", recorded.error());
  const ledger::Receipt& r = recorded->receipt;
  const std::string module_id = to_hex(ledger::thread_hasher().sha256(*bytes));
  if (o.json) {
    JsonObject out;
    out.str("contract", loaded->name())
        .num("version", static_cast<uint64_t>(loaded->version()))
        .str("module", module_id)
        .str("status", ledger::status_name(r.status));
    if (!r.reason.empty()) out.str("reason", r.reason);
    out.num("block", recorded->header.height).num("entry", recorded->entry);
    std::printf("%s\n", out.text().c_str());
  } else if (r.status == ledger::ReceiptStatus::ok) {
    std::printf("deployed %s version %lld (module %s) in block %" PRIu64 ", entry %" PRIu64 "\n",
                loaded->name().c_str(), static_cast<long long>(loaded->version()), module_id.c_str(),
                recorded->header.height, recorded->entry);
  } else {
    std::printf("rejected in block %" PRIu64 ", entry %" PRIu64 ": %s\n", recorded->header.height,
                recorded->entry, r.reason.c_str());
  }
  return r.status == ledger::ReceiptStatus::ok ? 0 : kRefused;
}

// ---- invoke and query ----------------------------------------------------------------

struct CallOptions {
  std::string contract, entry, args = "{}", node = ".", key_file, today;
  std::optional<uint64_t> time_ms;
  uint64_t gas = 10'000'000;
};

// The contract, entry and parameter block a call names. On failure, the exit code.
struct Prepared {
  node::ResolvedContract resolved;
  const runtime::AbiEntry* entry = nullptr;
  std::vector<uint8_t> input;
};

Expected<Prepared, int> prepare(const std::string& command, const CallOptions& o, Node& node,
                                node::ContractExecutor& executor) {
  std::string name;
  uint32_t version = 0;
  if (!parse_contract_ref(o.contract, name, version))
    return unexpected(fail_with(command, "contract \"" + o.contract + "\": expected NAME or NAME@VERSION", kUnusable));
  auto resolved = executor.resolve(node.ledger().state(), name, version);
  if (!resolved) return unexpected(fail_with(command, resolved.error()));
  const runtime::AbiEntry* entry = resolved->contract->abi().find(o.entry);
  if (entry == nullptr) {
    std::string names;
    for (const auto& e : resolved->contract->abi().entries()) names += (names.empty() ? "" : ", ") + e.name;
    return unexpected(fail_with(command, "no entry `" + o.entry + "` in " + name + " (entries: " + names + ")", kUnusable));
  }
  auto input = runtime::encode_params(*entry, o.args);
  if (!input) return unexpected(fail_with(command, "--args: " + input.error(), kUnusable));
  return Prepared{std::move(resolved).value(), entry, std::move(input).value()};
}

int run_invoke(const CallOptions& o) {
  node::ContractExecutor executor;
  consent::install(executor);
  auto node = Node::open(o.node, OpenMode::read_write, &executor);
  if (!node) return fail_with("invoke", node.error());
  auto prepared = prepare("invoke", o, *node, executor);
  if (!prepared) return prepared.error();
  auto key = key_from_file(o.key_file);
  if (!key) return fail_with("invoke", key.error(), kUnusable);
  node::Invocation call;
  call.contract = prepared->resolved.deployment.name;
  call.version = prepared->resolved.deployment.version;
  call.entry = o.entry;
  call.gas_limit = o.gas;
  call.args = std::move(prepared->input);
  auto payload = node::encode_invocation(call);
  if (!payload) return fail_with("invoke", payload.error(), kUnusable);
  auto recorded = record(*node, *key ? **key : node->key(), ledger::TxKind::invoke,
                         std::move(payload).value(), o.time_ms);
  if (!recorded) return fail_with("invoke", recorded.error());
  const ledger::Receipt& r = recorded->receipt;
  if (r.status == ledger::ReceiptStatus::rejected) {
    fail("invoke", "rejected in block " + std::to_string(recorded->header.height) + ", entry " +
                       std::to_string(recorded->entry) + ": " + r.reason);
    return kRefused;
  }
  runtime::CallOutcome outcome = node::call_outcome(r);
  std::string text = outcome_json_open(*prepared->resolved.contract, *prepared->entry, outcome,
                                       node::receipt_events(r));
  text += ",\"contract\":" + json_string(call.contract) + ",\"version\":" + std::to_string(call.version) +
          ",\"block\":" + std::to_string(recorded->header.height) +
          ",\"entry\":" + std::to_string(recorded->entry) + "}";
  std::printf("%s\n", text.c_str());
  return outcome_exit_code(outcome);
}

int run_query(const CallOptions& o) {
  node::ContractExecutor executor;
  consent::install(executor);
  auto node = Node::open(o.node, OpenMode::read_only, &executor);
  if (!node) return fail_with("query", node.error());
  auto prepared = prepare("query", o, *node, executor);
  if (!prepared) return prepared.error();
  int64_t today = static_cast<int64_t>(now_ms() / 86'400'000);
  if (!o.today.empty()) {
    auto day = runtime::parse_date(o.today);
    if (!day) return fail_with("query", "--today: expected a date YYYY-MM-DD, got " + o.today, kUnusable);
    today = *day;
  }
  auto key = key_from_file(o.key_file);
  if (!key) return fail_with("query", key.error(), kUnusable);
  const ledger::PublicKey caller = *key ? (*key)->public_key() : node->key().public_key();
  auto result = executor.query(node->ledger().state(), prepared->resolved, *prepared->entry,
                               prepared->input, o.gas, today, caller);
  if (!result) return fail_with("query", result.error());
  std::string text = outcome_json_open(*prepared->resolved.contract, *prepared->entry,
                                       result->outcome, result->events);
  text += ",\"contract\":" + json_string(prepared->resolved.deployment.name) +
          ",\"version\":" + std::to_string(prepared->resolved.deployment.version) + "}";
  std::printf("%s\n", text.c_str());
  return outcome_exit_code(result->outcome);
}

// ---- contracts -----------------------------------------------------------------------

int run_contracts(const std::string& dir, bool json) {
  auto node = Node::open(dir, OpenMode::read_only);
  if (!node) return fail_with("contracts", node.error());
  auto list = node::ContractExecutor::deployments(node->ledger().state());
  if (!list) return fail_with("contracts", list.error());
  std::string array = "[";
  for (size_t i = 0; i < list->size(); ++i) {
    const node::Deployment& d = (*list)[i];
    if (json) {
      array += (i ? "," : "") + JsonObject()
                                    .str("contract", d.name)
                                    .num("version", d.version)
                                    .str("module", to_hex(d.module_id))
                                    .str("deployer", to_hex(d.deployer))
                                    .num("block", d.height)
                                    .text();
    } else {
      std::printf("%-32s version %-4u module %s  block %" PRIu64 "\n", d.name.c_str(), d.version,
                  to_hex(d.module_id).substr(0, 16).c_str(), d.height);
    }
  }
  if (json) std::printf("%s]\n", array.c_str());
  return 0;
}

void add_node_option(CLI::App* cmd, std::string& dir) {
  cmd->add_option("--node", dir, "Node directory (made by covenant init)")->capture_default_str();
}

}  // namespace

void add_node_commands(CLI::App& app, int& exit_code) {
  auto keygen_out = std::make_shared<std::string>();
  auto keygen_json = std::make_shared<bool>(false);
  CLI::App* k = app.add_subcommand("keygen", "Write a new Ed25519 key file (a 32-byte seed, mode 0600)");
  k->add_option("-o,--output", *keygen_out, "Key file to create")->required();
  k->add_flag("--json", *keygen_json, "Print one JSON object");
  k->callback([keygen_out, keygen_json, &exit_code] { exit_code = run_keygen(*keygen_out, *keygen_json); });

  auto deploy = std::make_shared<DeployOptions>();
  CLI::App* d = app.add_subcommand("deploy", "Deploy a contract (.cvn is compiled first, or a .cvm module) on a node");
  d->add_option("contract", deploy->input, "Contract source (.cvn) or module (.cvm)")->required();
  add_node_option(d, deploy->node);
  d->add_option("--key", deploy->key_file, "Key file of the deployer (default: the node key)");
  d->add_option("--time", deploy->time_ms, "Block time, Unix milliseconds (default: now)");
  d->add_flag("--json", deploy->json, "Print one JSON object");
  d->callback([deploy, &exit_code] { exit_code = run_deploy(*deploy); });

  auto add_call = [&app](const char* name, const char* help, std::shared_ptr<CallOptions> o) {
    CLI::App* c = app.add_subcommand(name, help);
    c->add_option("contract", o->contract, "Deployed contract: NAME or NAME@VERSION (default: its highest version)")
        ->required();
    c->add_option("entry", o->entry, "Entry to call")->required();
    c->add_option("--args", o->args, "Arguments as a JSON object")->capture_default_str();
    c->add_option("--gas", o->gas, "Gas limit")->capture_default_str();
    c->add_option("--key", o->key_file, "Key file of the caller (default: the node key)");
    add_node_option(c, o->node);
    return c;
  };
  auto invoke = std::make_shared<CallOptions>();
  CLI::App* i = add_call("invoke", "Call an entry as a signed transaction, recorded with its receipt in a new block", invoke);
  i->add_option("--time", invoke->time_ms, "Block time, Unix milliseconds (default: now); now() is its UTC date");
  i->callback([invoke, &exit_code] { exit_code = run_invoke(*invoke); });
  auto query = std::make_shared<CallOptions>();
  CLI::App* q = add_call("query", "Call an entry read-only on the node's current state (recorded nowhere)", query);
  q->add_option("--today", query->today, "What now() returns, YYYY-MM-DD (default: today, UTC)");
  q->callback([query, &exit_code] { exit_code = run_query(*query); });

  auto list_dir = std::make_shared<std::string>(".");
  auto list_json = std::make_shared<bool>(false);
  CLI::App* l = app.add_subcommand("contracts", "List the contracts deployed on a node");
  add_node_option(l, *list_dir);
  l->add_flag("--json", *list_json, "Print one JSON array");
  l->callback([list_dir, list_json, &exit_code] { exit_code = run_contracts(*list_dir, *list_json); });
}

}  // namespace covenant::cli
