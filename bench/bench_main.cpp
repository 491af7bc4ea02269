/// \file
/// covenant-bench: runs each workload of bench/ natively and in the VM, side by side in one
/// process, and ends with a table of ns per call and the VM/native ratio against the targets.
///
/// Before anything is timed, every pre-generated input is run both ways and the results are
/// compared (a differential check); a mismatch or a VM fault ends the program with status 1.
/// Inputs come from a fixed-seed PRNG, so every run benchmarks exactly the same calls.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench/bpf_elf.hpp"
#include "bench/report.hpp"
#include "bench/workloads.h"
#include "vm/machine.hpp"
#include "vm/program.hpp"

namespace covenant::bench {

// The BPF objects, embedded at build time by embed.cmake.
extern const std::span<const uint8_t> kLoopBpf;
extern const std::span<const uint8_t> kClaimsBpf;

namespace {

// SplitMix64: tiny, fixed-seed, and good enough to make inputs that no branch predictor
// learns.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // The modulo bias is irrelevant for benchmark inputs.
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

constexpr uint64_t kSeed = 0x436f76656e616e74;  // "Covenant"

// A workload: its inputs, its native function and its loaded VM program.
template <class Input>
struct Workload {
  std::string name;
  double target_ratio = 0;  // The goal for VM/native.
  uint64_t (*native)(const Input*, uint64_t) = nullptr;
  std::vector<Input> inputs;  // A power of two in size, stepped through with a mask.
  std::optional<vm::Program> program;
  uint32_t entry = 0;
  uint32_t bpf_instructions = 0;  // Static count in the function; an lddw counts once.

  std::span<const uint8_t> bytes(size_t i) const {
    return {reinterpret_cast<const uint8_t*>(&inputs[i]), sizeof(Input)};
  }
};

std::vector<loop_input> make_loop_inputs() {
  SplitMix64 rng(kSeed);
  std::vector<loop_input> inputs(256);
  // About a thousand rounds per call, so the loop dominates the VM's per-call setup; the
  // count varies so the native loop's exit is not a constant trip count.
  for (loop_input& in : inputs)
    in = {rng.next(), 960 + rng.below(128)};
  return inputs;
}

std::vector<claim_input> make_claim_inputs() {
  SplitMix64 rng(kSeed ^ 1);
  // 16384 claims (1.25 MiB): too many for the branch predictors to memorise, few enough to
  // stay in cache, so both sides measure computation rather than memory traffic.
  std::vector<claim_input> inputs(16384);
  static constexpr uint64_t kCopays[] = {0, 1500, 2500, 4000, 7500};
  static constexpr uint64_t kCoinsurance[] = {0, 1000, 2000, 3000, 5000};
  for (size_t i = 0; i < inputs.size(); ++i) {
    claim_input& c = inputs[i];
    c.procedure = rng.below(1024);  // the function uses the low 8 bits
    c.units = 1 + rng.below(4);
    // Billed charges straddle the allowed amounts so both sides of the min() occur.
    c.billed = 1000 + rng.below(800'000);
    c.deductible_remaining = rng.below(4) == 0 ? 0 : rng.below(300'000);
    c.copay = kCopays[rng.below(5)];
    c.coinsurance_bp = kCoinsurance[rng.below(5)];
    c.oop_max = 300'000 + rng.below(600'000);
    c.oop_met = rng.below(c.oop_max + 100'000);  // now and then already past the maximum
    c.flags =
        (rng.below(10) < 8 ? CLAIM_IN_NETWORK : 0) | (rng.below(10) == 0 ? CLAIM_PREVENTIVE : 0);
    c.claim_id = i;
  }
  return inputs;
}

// Loads `symbol` from `object` into the workload, or explains why not.
template <class Input>
bool load_program(Workload<Input>& w, std::span<const uint8_t> object, const char* symbol) {
  auto fn = load_bpf_function(object, symbol);
  if (!fn) {
    std::fprintf(stderr, "covenant-bench: %s: %s\n", w.name.c_str(), fn.error().c_str());
    return false;
  }
  uint32_t end = static_cast<uint32_t>(fn->code.size());
  for (uint32_t start : fn->function_starts)
    if (start > fn->entry) end = std::min(end, start);
  for (uint32_t pc = fn->entry; pc < end; ++pc, ++w.bpf_instructions)
    if (fn->code[pc].opcode == 0x18) ++pc;  // lddw: skip its second slot

  // The workloads call no host functions, so they get an empty table.
  auto program = vm::Program::load(fn->code, fn->rodata, fn->function_starts, vm::HostTable{});
  if (!program) {
    std::fprintf(stderr, "covenant-bench: %s: the VM rejected %s at slot %u: %s\n", w.name.c_str(),
                 symbol, program.error().pc, program.error().reason.c_str());
    return false;
  }
  w.program.emplace(std::move(program).value());
  w.entry = fn->entry;
  return true;
}

// Runs every input natively and in the VM and compares; the VM is only worth timing when
// it computes what the native code computes.
template <class Input>
bool differential_check(const Workload<Input>& w) {
  vm::Machine machine;
  const vm::Limits limits;
  for (size_t i = 0; i < w.inputs.size(); ++i) {
    const uint64_t expected = w.native(&w.inputs[i], sizeof(Input));
    const vm::Outcome got = machine.run(*w.program, w.entry, w.bytes(i), limits);
    if (!got.ok()) {
      std::fprintf(stderr,
                   "covenant-bench: differential check failed: %s input %zu: native %" PRIu64
                   ", VM faulted: %s\n",
                   w.name.c_str(), i, expected, vm::describe(*got.fault).c_str());
      return false;
    }
    if (got.r0 != expected) {
      std::fprintf(stderr,
                   "covenant-bench: differential check failed: %s input %zu: native %" PRIu64
                   ", VM %" PRIu64 "\n",
                   w.name.c_str(), i, expected, got.r0);
      return false;
    }
  }
  std::fprintf(stderr, "differential check: %s: VM and native agree on all %zu inputs\n",
               w.name.c_str(), w.inputs.size());
  return true;
}

template <class Input>
void run_native(benchmark::State& state, const Workload<Input>& w) {
  const size_t mask = w.inputs.size() - 1;
  size_t i = 0;
  uint64_t checksum = 0;
  for (auto _ : state) {
    // An out-of-line call into a separately compiled object: nothing to inline or hoist.
    checksum += w.native(&w.inputs[i & mask], sizeof(Input));
    ++i;
  }
  benchmark::DoNotOptimize(checksum);
}

template <class Input>
void run_vm(benchmark::State& state, const Workload<Input>& w) {
  const size_t mask = w.inputs.size() - 1;
  vm::Machine machine;      // One machine for every call, as a node would reuse it.
  const vm::Limits limits;  // Defaults: gas metering and bounds checks on, 10M gas.
  size_t i = 0;
  uint64_t checksum = 0, gas = 0;
  for (auto _ : state) {
    const vm::Outcome out = machine.run(*w.program, w.entry, w.bytes(i & mask), limits);
    if (!out.ok()) [[unlikely]] {
      state.SkipWithError(vm::describe(*out.fault).c_str());
      break;
    }
    checksum += out.r0;
    gas += out.gas_used;
    ++i;
  }
  benchmark::DoNotOptimize(checksum);
  state.counters["gas/call"] =
      benchmark::Counter(static_cast<double>(gas), benchmark::Counter::kAvgIterations);
  state.counters["bpf_insns"] = w.bpf_instructions;
}

// One line of the closing table.
struct SummaryRow {
  std::string workload;
  double target_ratio;
  uint32_t bpf_instructions;
};

// The usual console table, then a summary comparing each VM benchmark with its native
// counterpart. With repetitions it compares medians (CPU time), which shrug off the odd
// preempted repetition on a busy machine.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter(OutputOptions options, std::vector<SummaryRow> rows)
      : ConsoleReporter(options), rows_(std::move(rows)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (!summary_run(r)) continue;
      Result& out = results_[r.run_name.str()];
      out.ns = r.GetAdjustedCPUTime() * ns_per_unit(r.time_unit);
      if (auto it = r.counters.find("gas/call"); it != r.counters.end()) out.gas = it->second.value;
    }
  }

  void Finalize() override {
    std::FILE* f = stdout;
    std::fprintf(f, "\nVM vs native, CPU time per call (median when repeated):\n");
    std::fprintf(f, "%-10s %9s %9s %13s %13s %9s %8s\n", "workload", "bpf insns", "gas/call",
                 "VM ns/call", "native ns", "VM/native", "target");
    for (const SummaryRow& row : rows_) {
      auto vm = results_.find("vm/" + row.workload + "/interpreter");
      auto native = results_.find("native/" + row.workload);
      if (vm == results_.end() || native == results_.end()) continue;  // filtered out
      const double ratio = vm->second.ns / native->second.ns;
      std::fprintf(f, "%-10s %9u %9.0f %13.1f %13.1f %8.2fx %5.0fx %s\n", row.workload.c_str(),
                   row.bpf_instructions, vm->second.gas, vm->second.ns, native->second.ns, ratio,
                   row.target_ratio, ratio <= row.target_ratio ? "met" : "MISSED");
    }
    std::fflush(f);
  }

 private:
  struct Result {
    double ns = 0;
    double gas = 0;
  };

  static double ns_per_unit(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kNanosecond:
        return 1;
      case benchmark::kMicrosecond:
        return 1e3;
      case benchmark::kMillisecond:
        return 1e6;
      case benchmark::kSecond:
        return 1e9;
    }
    return 1;
  }

  std::vector<SummaryRow> rows_;
  std::map<std::string, Result> results_;
};

template <class Input>
void register_pair(const Workload<Input>& w) {
  auto native = benchmark::RegisterBenchmark(("native/" + w.name).c_str(),
                                             [&w](benchmark::State& s) { run_native(s, w); });
  auto vm = benchmark::RegisterBenchmark(("vm/" + w.name + "/interpreter").c_str(),
                                         [&w](benchmark::State& s) { run_vm(s, w); });
  // Iteration counts are left to the library: each repetition runs for at least
  // --benchmark_min_time (0.5 s), which is millions of calls for claims on either side.
  native->Unit(benchmark::kNanosecond);
  vm->Unit(benchmark::kNanosecond);
}

}  // namespace
}  // namespace covenant::bench

int main(int argc, char** argv) {
  using namespace covenant::bench;

  Workload<loop_input> loop{
      .name = "loop", .target_ratio = 6, .native = bench_loop, .inputs = make_loop_inputs()};
  Workload<claim_input> claims{
      .name = "claims", .target_ratio = 8, .native = bench_claims, .inputs = make_claim_inputs()};
  if (!load_program(loop, kLoopBpf, "bench_loop") ||
      !load_program(claims, kClaimsBpf, "bench_claims"))
    return 1;
  if (!differential_check(loop) || !differential_check(claims)) return 1;

  register_pair(loop);
  register_pair(claims);

  if (!initialize_benchmarks(argc, argv,
                             {"--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true"}))
    return 1;

  RatioReporter reporter(
      isatty(STDOUT_FILENO) ? RatioReporter::OO_ColorTabular : RatioReporter::OO_Tabular,
      {{"loop", loop.target_ratio, loop.bpf_instructions},
       {"claims", claims.target_ratio, claims.bpf_instructions}});
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
