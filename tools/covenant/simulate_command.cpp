#include "tools/covenant/simulate_command.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "runtime/contract_call.hpp"
#include "ledger/ed25519.hpp"
#include "simulate/node_run.hpp"
#include "simulate/simulation.hpp"
#include "tools/covenant/cli_util.hpp"
#include "tools/covenant/contract_commands.hpp"

namespace covenant::cli {
namespace {

constexpr int kStopped = 1;
constexpr int kUnusable = 2;

struct SimulateArgs {
  std::string plan;
  std::string claims;
  std::string format;
  std::string out;
  std::string entry = "adjudicate";
  std::string scratch;
  std::string node;
  std::string setup;
  std::string key;
  uint64_t gas = 10'000'000;
  unsigned threads = 0;
  bool strict = false;
  bool json = false;
};

std::string duration_text(double seconds) {
  auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

// A one-line progress display on stderr, redrawn in place at most ten times a second.
class ProgressBar {
 public:
  void show(const simulate::Progress& p) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double elapsed = std::chrono::duration<double>(now - start_).count();
    const char* phase = p.phase == simulate::Progress::Phase::reading        ? "reading"
                        : p.phase == simulate::Progress::Phase::adjudicating ? "adjudicating"
                                                                             : "writing";
    if (p.phase != phase_) {
      phase_ = p.phase;
      phase_start_ = now;
    }
    double phase_elapsed = std::chrono::duration<double>(now - phase_start_).count();
    double fraction = p.total ? static_cast<double>(p.done) / static_cast<double>(p.total) : 0;
    constexpr int kWidth = 24;
    std::string bar(kWidth, ' ');
    for (int i = 0; i < static_cast<int>(fraction * kWidth) && i < kWidth; ++i) bar[i] = '#';
    double rate = elapsed > 0 ? static_cast<double>(p.records) / elapsed : 0;
    std::string eta = fraction > 0.01 ? duration_text(phase_elapsed / fraction - phase_elapsed) : "-";
    std::fprintf(stderr, "\r%-12s [%s] %3.0f%%  %llu claims  %.0f claims/s  ETA %s   ", phase,
                 bar.c_str(), fraction * 100, static_cast<unsigned long long>(p.records), rate,
                 eta.c_str());
    shown_ = true;
  }
  void clear() {
    if (shown_) std::fprintf(stderr, "\r%100s\r", "");
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  std::chrono::steady_clock::time_point phase_start_ = start_;
  simulate::Progress::Phase phase_ = simulate::Progress::Phase::reading;
  bool shown_ = false;
};

int run_simulate(const SimulateArgs& a) {
  const std::string command = "simulate";
  int exit_code = 0;
  auto bytes = module_bytes(command, a.plan, exit_code);
  if (!bytes) return exit_code;
  auto plan = runtime::LoadedContract::load(*bytes);
  if (!plan) {
    fail(command, a.plan + ": " + plan.error());
    return kUnusable;
  }
  simulate::SimulationOptions o;
  o.claims = a.claims;
  if (a.format.empty()) {
    o.format = claims::guess_format(a.claims);
  } else if (auto f = claims::parse_format(a.format)) {
    o.format = *f;
  } else {
    fail(command, "--format: `" + a.format + "` is not ndjson, csv, fhir or synthea");
    return kUnusable;
  }
  if (!a.out.empty()) o.out = a.out;
  if (!a.setup.empty()) o.setup = a.setup;
  o.entry = a.entry;
  o.gas = a.gas;
  o.threads = a.threads ? a.threads : std::max(1u, std::thread::hardware_concurrency());
  o.strict = a.strict;
  if (!a.scratch.empty()) o.scratch = a.scratch;
  auto bar = std::make_shared<ProgressBar>();
  bool tty = isatty(STDERR_FILENO) != 0;
  o.problem = [bar, tty](const std::string& text) {
    if (tty) bar->clear();
    std::fprintf(stderr, "%s\n", text.c_str());
  };
  if (tty) o.progress = [bar](const simulate::Progress& p) { bar->show(p); };
  std::optional<simulate::NodeRun> on_node;
  Expected<simulate::Summary, std::string> summary = simulate::Summary{};
  if (a.node.empty()) {
    summary = simulate::simulate(*plan, o);
  } else {
    std::optional<ledger::KeyPair> signer;
    if (!a.key.empty()) {
      auto seed = read_seed_file(a.key);
      if (!seed) {
        fail(command, seed.error());
        return kUnusable;
      }
      auto key = ledger::KeyPair::from_seed(*seed);
      if (!key) {
        fail(command, a.key + ": " + key.error().reason);
        return kUnusable;
      }
      signer = std::move(*key);
    }
    auto run = simulate::simulate_on_node(*bytes, *plan, o, a.node, signer ? &*signer : nullptr);
    if (run) {
      summary = run->summary;
      on_node = std::move(*run);
    } else {
      summary = unexpected(run.error());
    }
  }
  if (tty) bar->clear();
  if (summary) summary->peak_memory_kib = peak_resident_kib();
  if (!summary) {
    fail(command, summary.error());
    return a.strict ? kStopped : kUnusable;
  }
  if (a.json) {
    std::printf("%s\n", summary->json().c_str());
  } else {
    std::printf("%s on %s\n%s", plan->name().c_str(), a.claims.c_str(), summary->table().c_str());
    if (!a.out.empty() && a.out != "-") std::printf("results: %s\n", a.out.c_str());
    if (on_node) {
      if (!on_node->deployed.empty()) std::printf("%s\n", on_node->deployed.c_str());
      std::printf("ledger %s: blocks %llu to %llu, %llu entries; its checkpoint:\n%s", a.node.c_str(),
                  static_cast<unsigned long long>(on_node->first_block),
                  static_cast<unsigned long long>(on_node->last_block),
                  static_cast<unsigned long long>(on_node->entries), on_node->checkpoint.c_str());
    }
  }
  if (!summary->balanced()) {
    fail(command, "the totals do not balance: the plan broke billed = paid + patient + "
                  "secondary + adjustments (see `unbalanced`)");
    return kStopped;
  }
  return 0;
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* s = app.add_subcommand(
      "simulate", "Run a claims file through a plan and total what it pays, denies and why");
  s->add_option("--plan", args->plan, "The plan: a contract (.cvn) or module (.cvm)")->required();
  s->add_option("--claims", args->claims,
                "Claims: a file, a directory (fhir, synthea) or - for standard input")
      ->required();
  s->add_option("--format", args->format,
                "ndjson, csv, fhir or synthea (default: guessed from the path)");
  s->add_option("--setup", args->setup,
                "NDJSON of entry calls (enrolments, authorisations) run before the claims");
  s->add_option("--out", args->out, "Write one result per claim, in input order, as NDJSON");
  s->add_option("--threads", args->threads, "Adjudicating threads (default: one per core)");
  s->add_option("--entry", args->entry, "The plan's claim entry")->capture_default_str();
  s->add_option("--gas", args->gas, "Gas limit of each call")->capture_default_str();
  s->add_option("--scratch", args->scratch, "Directory for scratch files (default: $TMPDIR or /tmp)");
  s->add_option("--node", args->node,
                "Adjudicate on this node's ledger: every claim an entry, a block per 4,096");
  s->add_option("--key", args->key, "With --node: the signing key file (default: the node's key)");
  s->add_flag("--strict", args->strict, "Stop at the first record that cannot be used");
  s->add_flag("--json", args->json, "Print the summary as JSON");
  s->callback([args, &exit_code] { exit_code = run_simulate(*args); });
}

}  // namespace covenant::cli
