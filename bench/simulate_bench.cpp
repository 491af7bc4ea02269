// covenant-simulate-bench: claims per second of the commercial PPO plan
// (contracts/claims/commercial_ppo.cvn) on the VM, each beside the same plan written natively
// in C++ (bench/native_ppo) in the same run, on the same generated claims:
//   (a) the VM only, claims already decoded and encoded: adjudication with the plan's state;
//   (b) end to end from NDJSON: `simulate` reading, adjudicating on --threads threads and
//       writing the results file, against one native thread reading, adjudicating and writing
//       the same results;
//   (c) end to end onto a node's ledger: `simulate --node` (sealed blocks of 4,096, executed
//       by the node, group-committed), against the native plan appending the same
//       transactions with its own results as receipts to a ledger without an executor;
// and the peak RSS of `covenant simulate` over --rss-claims generated claims (a child
// process, so this program's own memory is not counted). docs/BENCHMARKS.md has the results.

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <simdjson.h>

#include "bench/native_ppo/commercial_ppo.hpp"
#include "claims/generator.hpp"
#include "claims/source.hpp"
#include "compiler/driver.hpp"
#include "ledger/admission.hpp"
#include "ledger/node.hpp"
#include "ledger/seal.hpp"
#include "node/invocation.hpp"
#include "runtime/contract_call.hpp"
#include "runtime/memory_state.hpp"
#include "simulate/node_run.hpp"
#include "simulate/plan_binding.hpp"
#include "simulate/simulation.hpp"
#include "vm/machine.hpp"

namespace fs = std::filesystem;
using namespace covenant;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  uint64_t claims = 1'000'000;      // for (b)
  uint64_t vm_claims = 200'000;     // for (a): decoded and encoded in memory
  uint64_t ledger_claims = 200'000; // for (c)
  uint64_t rss_claims = 10'000'000; // for the peak RSS; 0 skips it
  unsigned threads = 2;
  uint64_t seed = 2027;
  fs::path scratch = fs::temp_directory_path();
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "covenant-simulate-bench: %s\n", what.c_str());
  std::exit(1);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string source_dir() { return COVENANT_SOURCE_DIR; }

std::vector<uint8_t> compile_plan() {
  const std::string path = source_dir() + "/contracts/claims/commercial_ppo.cvn";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  static compiler::SourceFile source(path, text.str());
  compiler::Diagnostics diags;
  compiler::CompileRequest request;
  request.base_dir = fs::path(path).parent_path();  // the plan's fee schedule
  compiler::Compilation c = compiler::compile(source, request, diags);
  if (diags.has_errors()) die("commercial_ppo.cvn does not compile");
  return c.bytes;
}

void generate(const fs::path& path, uint64_t n, uint64_t seed) {
  claims::GeneratorOptions g;
  g.claims = n;
  g.seed = seed;
  claims::ClaimGenerator gen(g);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || !gen.write_all(f) || std::fclose(f) != 0) die("cannot write " + path.string());
}

std::vector<claims::Record> read_all(const fs::path& path) {
  auto source = claims::open_source(path, claims::Format::ndjson);
  if (!source) die(source.error());
  std::vector<claims::Record> out;
  claims::Record r;
  while ((*source)->next(r)) {
    if (std::holds_alternative<claims::Problem>(r)) die("generated claims do not read: " + std::get<claims::Problem>(r).reason);
    out.push_back(r);
  }
  return out;
}

uint64_t member_hash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return h;
}

// ---- the native plan's inputs ----------------------------------------------------------------

int64_t day(std::string_view text) {
  auto d = runtime::parse_date(text);
  if (!d) die("bad date in a generated call: " + std::string(text));
  return *d;
}

// Runs one generated call (enrol or authorise) on the native plan.
void native_call(native_ppo::NativePpo& plan, const claims::Call& call, simdjson::dom::parser& parser) {
  simdjson::dom::element args = parser.parse(call.args_json);
  if (call.entry == "enrol") {
    plan.enrol(std::string(std::string_view(args["member"])), day(args["from"]), day(args["until"]));
  } else if (call.entry == "authorise") {
    simdjson::dom::element a = args["a"];
    native_ppo::Authorisation auth;
    auth.member = std::string(std::string_view(a["member"]));
    auth.code = std::string(std::string_view(a["code"]));
    auth.from = day(a["valid"]["from"]);
    auth.until = day(a["valid"]["until"]);
    auth.units = int64_t(a["units"]);
    plan.authorise(std::string(std::string_view(args["number"])), auth);
  } else {
    die("the native plan has no entry " + call.entry);
  }
}

// The native outcome in the results file's shape (simulate/claim_result.hpp).
simulate::ClaimResult native_result(const claims::Claim& c, const native_ppo::Outcome& o) {
  simulate::ClaimResult r;
  r.claim_id = c.id;
  r.member = c.member;
  r.currency = c.currency;
  if (o.kind != native_ppo::Outcome::Kind::adjudicated) {
    r.outcome = simulate::Outcome::denied;
    r.code = o.denial.code;
    r.reason = std::string(o.denial.reason);
    r.billed = r.contractual = c.billed();
    return r;
  }
  static const char* groups[] = {"CO", "OA", "PI", "PR"};
  static const char* statuses[] = {"primary", "refused", "forwarded", "reversal"};
  const auto& a = o.adjudication;
  r.status = statuses[static_cast<int>(a.status)];
  for (uint8_t i = 0; i < a.line_count; ++i) {
    const auto& l = a.lines[i];
    simulate::LineResult out;
    out.number = l.number;
    out.code = l.code.text();
    out.service_date = l.service_date;
    out.units = l.units;
    out.charge = l.submitted;
    out.allowed = l.allowed;
    out.copay = l.copay;
    out.deductible = l.deductible;
    out.coinsurance = l.coinsurance;
    out.payer = l.paid;
    out.secondary = l.secondary;
    out.patient = l.patient;
    for (uint8_t k = 0; k < l.adjustment_count; ++k) {
      const auto& adj = l.adjustments[k];
      out.adjustments.push_back({groups[static_cast<int>(adj.group)], adj.reason, adj.amount});
      if (adj.group != native_ppo::Group::pr) r.contractual += adj.amount;
    }
    r.billed += out.charge;
    r.allowed = r.allowed.value_or(0) + l.allowed;
    r.payer += out.payer;
    r.patient += out.patient;
    r.secondary += out.secondary;
    r.lines.push_back(std::move(out));
  }
  return r;
}

fs::path fee_schedule() { return source_dir() + "/contracts/claims/commercial_ppo_fee_schedule.csv"; }

// ---- (a) the VM only ---------------------------------------------------------------------------

struct Encoded {
  uint32_t thread = 0;
  bool call = false;
  const runtime::AbiEntry* entry = nullptr;
  int64_t today = 0;
  std::vector<std::vector<uint8_t>> blocks;
};

double vm_only(const runtime::LoadedContract& plan, const std::vector<claims::Record>& records,
               unsigned threads, uint64_t& claims_done) {
  auto binding = simulate::PlanBinding::bind(plan, "adjudicate");
  if (!binding) die(binding.error());
  auto hasher = ledger::Hasher::create_or_abort();
  std::vector<Encoded> encoded;
  encoded.reserve(records.size());
  int64_t latest = 0;
  claims_done = 0;
  for (const auto& r : records) {
    Encoded e;
    if (const auto* c = std::get_if<claims::Claim>(&r)) {
      e.thread = static_cast<uint32_t>(member_hash(c->member) % threads);
      e.entry = &binding->entry();
      e.today = c->received;
      latest = std::max(latest, c->received);
      e.blocks.resize(binding->parts(*c));
      for (size_t k = 0; k < e.blocks.size(); ++k)
        if (!binding->encode_part(*c, k, e.blocks[k], hasher)) die("a generated claim does not encode");
      ++claims_done;
    } else {
      const auto& call = std::get<claims::Call>(r);
      e.thread = static_cast<uint32_t>(member_hash(call.member) % threads);
      e.call = true;
      e.entry = plan.abi().find(call.entry);
      e.today = latest;
      auto block = runtime::encode_params(*e.entry, call.args_json);
      if (!block) die(block.error());
      e.blocks.push_back(std::move(*block));
    }
    encoded.push_back(std::move(e));
  }
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      runtime::MemoryState state;
      vm::Machine machine;
      runtime::CallContext ctx;
      ctx.state = &state;
      for (const auto& e : encoded) {
        if (e.thread != t) continue;
        ctx.today = e.today;
        for (const auto& block : e.blocks) {
          uint64_t mark = state.checkpoint();
          ctx.events.clear();
          auto out = runtime::call_entry(machine, plan, *e.entry, block, 10'000'000, ctx);
          if (out.status != runtime::CallStatus::ok) state.rollback(mark);
          if (out.status == runtime::CallStatus::fault || out.status == runtime::CallStatus::out_of_gas)
            die("the plan failed on a generated claim: " + out.reason);
        }
        state.commit();
      }
    });
  for (auto& t : pool) t.join();
  return seconds_since(start);
}

double native_only(const std::vector<claims::Record>& records, unsigned threads) {
  simdjson::dom::parser parser;
  // The native plan's inputs are decoded before timing too: only adjudication is timed.
  struct Input {
    uint32_t thread;
    const claims::Claim* claim;
    const claims::Call* call;
  };
  std::vector<Input> inputs;
  for (const auto& r : records) {
    if (const auto* c = std::get_if<claims::Claim>(&r))
      inputs.push_back({static_cast<uint32_t>(member_hash(c->member) % threads), c, nullptr});
    else {
      const auto& call = std::get<claims::Call>(r);
      inputs.push_back({static_cast<uint32_t>(member_hash(call.member) % threads), nullptr, &call});
    }
  }
  std::vector<std::unique_ptr<native_ppo::NativePpo>> plans;
  for (unsigned t = 0; t < threads; ++t) plans.push_back(std::make_unique<native_ppo::NativePpo>(fee_schedule()));
  // Calls parse JSON; they are few (one per member and authorisation) and run before timing
  // would distort nothing, but they must interleave with claims, so they are timed as well.
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      simdjson::dom::parser p;
      uint64_t sink = 0;
      for (const auto& in : inputs) {
        if (in.thread != t) continue;
        if (in.call) {
          native_call(*plans[t], *in.call, p);
        } else {
          auto o = plans[t]->adjudicate(*in.claim);
          sink += o.adjudication.paid;
        }
      }
      if (sink == 0xdeadbeef) std::puts("");
    });
  for (auto& t : pool) t.join();
  return seconds_since(start);
}

// ---- (b) end to end from NDJSON ------------------------------------------------------------------

double native_end_to_end(const fs::path& claims_path, const fs::path& out_path, uint64_t& claims_done) {
  auto start = Clock::now();
  auto source = claims::open_source(claims_path, claims::Format::ndjson);
  if (!source) die(source.error());
  native_ppo::NativePpo plan(fee_schedule());
  simdjson::dom::parser parser;
  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  if (!out) die("cannot write " + out_path.string());
  std::string buffer;
  claims::Record r;
  claims_done = 0;
  while ((*source)->next(r)) {
    if (auto* call = std::get_if<claims::Call>(&r)) {
      native_call(plan, *call, parser);
      continue;
    }
    const auto& c = std::get<claims::Claim>(r);
    simulate::append_result_json(native_result(c, plan.adjudicate(c)), buffer);
    ++claims_done;
    if (buffer.size() > (1 << 20)) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
  }
  std::fwrite(buffer.data(), 1, buffer.size(), out);
  std::fclose(out);
  return seconds_since(start);
}

// ---- (c) onto a ledger ----------------------------------------------------------------------------


double native_onto_ledger(const fs::path& claims_path, const fs::path& dir, uint64_t& claims_done) {
  fs::remove_all(dir);
  ledger::Seed seed{};
  seed.fill(0x42);
  auto node = ledger::Node::init(dir, "bench", 1'780'000'000'000, seed);
  if (!node) die(node.error().describe());
  auto start = Clock::now();
  auto source = claims::open_source(claims_path, claims::Format::ndjson);
  if (!source) die(source.error());
  native_ppo::NativePpo plan(fee_schedule());
  simdjson::dom::parser parser;
  std::vector<ledger::Transaction> txs;
  std::vector<ledger::Receipt> receipts;
  uint64_t nonce = 0;
  claims_done = 0;
  auto commit = [&] {
    if (txs.empty()) return;
    auto seal = ledger::seal_batch(txs, node->key(), nonce, node->ledger().chain_id());
    if (!seal) die(seal.error().reason);
    std::vector<std::vector<uint8_t>> covered;
    covered.reserve(txs.size());
    for (const auto& tx : txs) covered.push_back(*ledger::encode(tx));
    auto admitted = ledger::admit_sealed_batch(*ledger::encode(*seal), covered, node->ledger().chain_id());
    if (!admitted) die(admitted.error().reason);
    std::vector<ledger::BlockItem> items;
    items.reserve(txs.size() + 1);
    items.push_back({std::move((*admitted)[0]), ledger::seal_receipt(nonce, static_cast<uint32_t>(txs.size()))});
    for (size_t i = 0; i < txs.size(); ++i) items.push_back({std::move((*admitted)[i + 1]), receipts[i]});
    auto appended = node->ledger().append_block(items, node->ledger().head().time_ms, node->key());
    if (!appended) die(appended.error().describe());
    nonce += txs.size() + 1;
    txs.clear();
    receipts.clear();
  };
  claims::Record r;
  std::string line;
  while ((*source)->next(r)) {
    ledger::Transaction tx;
    tx.kind = ledger::TxKind::invoke;
    ledger::Receipt receipt;
    if (auto* call = std::get_if<claims::Call>(&r)) {
      native_call(plan, *call, parser);
      tx.payload.assign(call->args_json.begin(), call->args_json.end());
    } else {
      const auto& c = std::get<claims::Claim>(r);
      line.clear();
      simulate::append_result_json(native_result(c, plan.adjudicate(c)), line);
      // The claim as the transaction's payload, the result as the receipt's output.
      tx.payload.assign(c.id.begin(), c.id.end());
      receipt.output.assign(line.begin(), line.end());
      ++claims_done;
    }
    txs.push_back(std::move(tx));
    receipts.push_back(std::move(receipt));
    if (txs.size() == simulate::kBlockTransactions) commit();
  }
  commit();
  return seconds_since(start);
}

double vm_onto_ledger(const std::vector<uint8_t>& module, const runtime::LoadedContract& plan,
                      const fs::path& claims_path, const fs::path& dir, uint64_t& claims_done) {
  fs::remove_all(dir);
  ledger::Seed seed{};
  seed.fill(0x42);
  {
    auto node = ledger::Node::init(dir, "bench", 1'780'000'000'000, seed);
    if (!node) die(node.error().describe());
  }
  simulate::SimulationOptions o;
  o.claims = claims_path;
  auto start = Clock::now();
  auto run = simulate::simulate_on_node(module, plan, o, dir, nullptr);
  if (!run) die(run.error());
  claims_done = run->summary.claims;
  return seconds_since(start);
}

// ---- peak RSS --------------------------------------------------------------------------------

// Runs `covenant simulate --json` over `claims_path` in a child process; its peak resident
// memory in KiB, as it reports it (VmHWM of its own address space: getrusage would also count
// this program's image, which the child carries until it execs).
uint64_t simulate_rss(const fs::path& covenant, const fs::path& claims_path, unsigned threads,
                      const fs::path& summary_path, double& seconds) {
  std::string plan = source_dir() + "/contracts/claims/commercial_ppo.cvn";
  std::string t = std::to_string(threads);
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    if (!std::freopen(summary_path.c_str(), "w", stdout)) _exit(126);
    execl(covenant.c_str(), "covenant", "simulate", "--plan", plan.c_str(), "--claims",
          claims_path.c_str(), "--threads", t.c_str(), "--json", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("covenant simulate failed on the memory run");
  seconds = seconds_since(start);
  simdjson::dom::parser parser;
  simdjson::dom::element summary = parser.load(summary_path.string());
  return uint64_t(summary["peak_memory_kib"]);
}

void row(const char* what, uint64_t claims, double vm_s, double native_s, const char* target) {
  double vm_rate = claims / vm_s, native_rate = claims / native_s;
  std::printf("%-44s %12.0f %14.0f %8.1fx  %s\n", what, vm_rate, native_rate, native_rate / vm_rate,
              target);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (k == "--claims") o.claims = v;
    else if (k == "--vm-claims") o.vm_claims = v;
    else if (k == "--ledger-claims") o.ledger_claims = v;
    else if (k == "--rss-claims") o.rss_claims = v;
    else if (k == "--threads") o.threads = static_cast<unsigned>(v);
    else if (k == "--scratch") o.scratch = argv[i + 1];
    else die("unknown option " + k + " (--claims, --vm-claims, --ledger-claims, --rss-claims, --threads, --scratch)");
  }
  fs::path dir = o.scratch / ("covenant-simulate-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::vector<uint8_t> module = compile_plan();
  auto plan = runtime::LoadedContract::load(module);
  if (!plan) die(plan.error());
  std::printf("commercial_ppo, generated claims (gen-claims --seed %llu), %u threads where the VM side uses them\n",
              static_cast<unsigned long long>(o.seed), o.threads);

  // (a)
  generate(dir / "a.ndjson", o.vm_claims, o.seed);
  uint64_t a_claims = 0;
  double a_vm, a_native;
  {
    auto records = read_all(dir / "a.ndjson");
    a_vm = vm_only(*plan, records, o.threads, a_claims);
    a_native = native_only(records, o.threads);
  }
  // (b)
  generate(dir / "b.ndjson", o.claims, o.seed);
  simulate::SimulationOptions so;
  so.claims = dir / "b.ndjson";
  so.out = dir / "b.results.ndjson";
  so.threads = o.threads;
  so.scratch = dir;
  auto start = Clock::now();
  auto summary = simulate::simulate(*plan, so);
  if (!summary) die(summary.error());
  double b_vm = seconds_since(start);
  uint64_t b_claims = 0;
  double b_native = native_end_to_end(dir / "b.ndjson", dir / "b.native.ndjson", b_claims);
  // (c)
  generate(dir / "c.ndjson", o.ledger_claims, o.seed);
  uint64_t c_claims = 0, c_native_claims = 0;
  double c_vm = vm_onto_ledger(module, *plan, dir / "c.ndjson", dir / "node-vm", c_claims);
  double c_native = native_onto_ledger(dir / "c.ndjson", dir / "node-native", c_native_claims);

  std::printf("\n%-44s %12s %14s %9s  %s\n", "claims per second", "VM", "native C++", "native/VM", "target (VM)");
  row("(a) VM only, claims decoded", a_claims, a_vm, a_native, ">= 2,000,000/s");
  row("(b) end to end from NDJSON, results written", b_claims, b_vm, b_native, ">= 1,000,000/s");
  row("(c) end to end onto a node's ledger", c_claims, c_vm, c_native, ">= 250,000/s");
  std::printf("claims: (a) %llu, (b) %llu, (c) %llu\n", static_cast<unsigned long long>(a_claims),
              static_cast<unsigned long long>(b_claims), static_cast<unsigned long long>(c_claims));

  if (o.rss_claims) {
    generate(dir / "rss.ndjson", o.rss_claims, o.seed);
    fs::path covenant = fs::canonical("/proc/self/exe").parent_path() / "covenant";
    double seconds = 0;
    uint64_t kib = simulate_rss(covenant, dir / "rss.ndjson", o.threads, dir / "rss.json", seconds);
    std::printf("peak RSS of covenant simulate over %llu claims: %.1f MiB (target < 256 MiB), %.0f s\n",
                static_cast<unsigned long long>(o.rss_claims), static_cast<double>(kib) / 1024.0, seconds);
  }
  fs::remove_all(dir);
  return 0;
}
