/// \file
/// covenant-compile-bench: how long the contract compiler takes, end to end (`compile()`:
/// parse, check, LLVM IR, LLVM O2 and the BPF back end, packaging), on a 10-line and a
/// 500-line contract of bench/contracts/, with the time of each phase of the large one, and
/// as the baseline clang-19 compiling a C file of the same plan and size to BPF at -O2 (run
/// as a subprocess, as a build would run it). Ends with a table against the 150 ms target.
///
/// The benchmarks time wall clock (the clang baseline runs in a child process, whose CPU
/// time the benchmark's own CPU timer does not see; it is measured with wait4 instead); the
/// table shows wall and CPU time, and the target is checked against wall time. Everything is
/// single-threaded. Before anything is timed each input is compiled once, and a diagnostic
/// or a failed clang ends the program with status 1.

#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include "compiler/abi.hpp"
#include "compiler/backend.hpp"
#include "compiler/codegen/codegen.hpp"
#include "compiler/driver.hpp"
#include "compiler/package.hpp"
#include "compiler/sema/checked.hpp"
#include "compiler/syntax/parse.hpp"
#include "runtime/contract_host.hpp"

extern char** environ;

namespace covenant::bench {
namespace {

namespace fs = std::filesystem;
using namespace covenant::compiler;

/// The compile-time goal for a contract of about 500 lines.
constexpr double kTargetMs = 150;

/// One contract to compile.
struct Contract {
  std::string label;  ///< "500_lines", "10_lines".
  fs::path path;
  std::string text;
  uint32_t lines = 0;
  size_t module_bytes = 0;  ///< Filled by the check before timing.
};

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

CompileRequest request_for(const Contract& c) {
  CompileRequest request;
  request.base_dir = c.path.parent_path();
  request.emit = Emit::module;
  return request;
}

// Compiles `c` once; prints the diagnostics and returns false when there are any.
bool compile_once(Contract& c) {
  SourceFile source(c.path.filename().string(), c.text);
  Diagnostics diags;
  Compilation out = compile(source, request_for(c), diags);
  if (diags.has_errors() || out.bytes.empty()) {
    std::fprintf(stderr, "covenant-compile-bench: %s does not compile:\n%s", c.path.c_str(),
                 render_all(source, diags).c_str());
    return false;
  }
  c.module_bytes = out.bytes.size();
  return true;
}

void run_compile(benchmark::State& state, const Contract& c) {
  SourceFile source(c.path.filename().string(), c.text);
  const CompileRequest request = request_for(c);
  size_t bytes = 0;
  for (auto _ : state) {
    Diagnostics diags;
    Compilation out = compile(source, request, diags);
    if (diags.has_errors()) [[unlikely]] {
      state.SkipWithError("the contract no longer compiles");
      break;
    }
    bytes = out.bytes.size();
    benchmark::DoNotOptimize(out.bytes.data());
  }
  state.counters["lines"] = c.lines;
  state.counters["module_bytes"] = static_cast<double>(bytes);
  state.counters["bytes/line"] = static_cast<double>(bytes) / c.lines;
}

// The phases of `compile()` run one by one, as the driver runs them, each timed on its own
// (milliseconds per compilation, as counters). "llvm" is the O2 pipeline and the BPF back
// end; "package" is the packager (verification, gas bounds) and the module encoding.
void run_phases(benchmark::State& state, const Contract& c) {
  using Clock = std::chrono::steady_clock;
  SourceFile source(c.path.filename().string(), c.text);
  const CheckOptions options{c.path.parent_path()};
  const vm::HostTable hosts = runtime::contract_host_table();
  double parse_s = 0, check_s = 0, codegen_s = 0, llvm_s = 0, package_s = 0;
  auto seconds = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  for (auto _ : state) {
    Diagnostics diags;
    auto t0 = Clock::now();
    auto contract = parse(source, diags);
    auto t1 = Clock::now();
    if (!contract) [[unlikely]] {
      state.SkipWithError("parse failed");
      break;
    }
    auto checked = check(source, *contract, diags, options);
    auto t2 = Clock::now();
    if (!checked) [[unlikely]] {
      state.SkipWithError("check failed");
      break;
    }
    llvm::LLVMContext context;
    auto generated = generate(*checked, context, false);
    auto t3 = Clock::now();
    if (!generated) [[unlikely]] {
      state.SkipWithError(generated.error().c_str());
      break;
    }
    auto object = emit_object(*generated->module, true);
    auto t4 = Clock::now();
    if (!object) [[unlikely]] {
      state.SkipWithError(object.error().c_str());
      break;
    }
    PackageRequest request;
    request.entries = generated->entries;
    request.loop_bounds = generated->loop_bounds;
    request.metadata = {{"abi", abi_json(*checked)}, {"compiler", kCompilerVersion}};
    request.hosts = &hosts;
    auto packaged = package(*object, request);
    if (!packaged) [[unlikely]] {
      state.SkipWithError(packaged.error().c_str());
      break;
    }
    std::vector<uint8_t> bytes = vm::encode(packaged->module);
    auto t5 = Clock::now();
    benchmark::DoNotOptimize(bytes.data());
    parse_s += seconds(t0, t1);
    check_s += seconds(t1, t2);
    codegen_s += seconds(t2, t3);
    llvm_s += seconds(t3, t4);
    package_s += seconds(t4, t5);
  }
  auto per_run_ms = [](double s) { return benchmark::Counter(s * 1e3, benchmark::Counter::kAvgIterations); };
  state.counters["parse_ms"] = per_run_ms(parse_s);
  state.counters["check_ms"] = per_run_ms(check_s);
  state.counters["codegen_ms"] = per_run_ms(codegen_s);
  state.counters["llvm_ms"] = per_run_ms(llvm_s);
  state.counters["package_ms"] = per_run_ms(package_s);
}

// Runs `argv` and waits for it; true when it exits with status 0. Adds the CPU time the
// child used (user + system, in seconds) to `*cpu_s` when given.
bool run_process(const std::vector<std::string>& argv, double* cpu_s = nullptr) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return false;
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) return false;
  if (cpu_s != nullptr) {
    for (const timeval& t : {usage.ru_utime, usage.ru_stime})
      *cpu_s += static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::vector<std::string> clang_command(const fs::path& c_file, const fs::path& object) {
  return {COVENANT_BENCH_CLANG, "-target", "bpf", "-O2", "-mcpu=v4", "-ffreestanding", "-c",
          c_file.string(), "-o", object.string()};
}

// The benchmark's CPU time is this process's, nearly nothing here; the child's CPU time is
// the counter "child_cpu_ms".
void run_clang(benchmark::State& state, const std::vector<std::string>& command, uint32_t lines) {
  double cpu_s = 0;
  for (auto _ : state) {
    if (!run_process(command, &cpu_s)) [[unlikely]] {
      state.SkipWithError("clang-19 failed");
      break;
    }
  }
  state.counters["lines"] = lines;
  state.counters["child_cpu_ms"] = benchmark::Counter(cpu_s * 1e3, benchmark::Counter::kAvgIterations);
}

// The usual console table, then the summary: each benchmark's median wall time against the
// 150 ms target and against clang-19 on the C file of the same size.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  SummaryReporter(OutputOptions options, std::vector<const Contract*> contracts)
      : ConsoleReporter(options), contracts_(std::move(contracts)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      const bool aggregate = r.run_type == Run::RT_Aggregate;
      if (aggregate ? r.aggregate_name != "median" : r.repetitions > 1) continue;
      // The function name: the full run name ends in "/real_time".
      Result& out = results_[r.run_name.function_name];
      out.ms = r.GetAdjustedRealTime() * ms_per_unit(r.time_unit);
      out.cpu_ms = r.GetAdjustedCPUTime() * ms_per_unit(r.time_unit);
      for (const auto& [name, counter] : r.counters) out.counters[name] = counter.value;
    }
  }

  void Finalize() override {
    std::FILE* f = stdout;
    auto clang = results_.find("compiler/clang19_bpf_O2/500_lines");
    double clang_cpu = clang == results_.end() ? 0 : clang->second.counters["child_cpu_ms"];
    std::fprintf(f, "\nCompile time per compilation, wall clock and CPU (median when repeated):\n");
    std::fprintf(f, "%-34s %6s %9s %9s %13s %11s %16s %12s\n", "benchmark", "lines", "wall ms",
                 "CPU ms", "module bytes", "bytes/line", "target 150 ms", "vs clang-19");
    for (const Contract* c : contracts_) {
      std::string name = "compiler/compile/" + c->label;
      auto it = results_.find(name);
      if (it == results_.end()) continue;  // filtered out
      const Result& r = it->second;
      std::string ratio = clang == results_.end() ? "-" : format("%.2fx", r.ms / clang->second.ms);
      std::fprintf(f, "%-34s %6u %9.1f %9.1f %13zu %11.1f %9s %s %12s\n", name.c_str(), c->lines,
                   r.ms, r.cpu_ms, c->module_bytes, static_cast<double>(c->module_bytes) / c->lines,
                   format("%.0f%%", 100 * r.ms / kTargetMs).c_str(),
                   r.ms <= kTargetMs ? "met   " : "MISSED", ratio.c_str());
    }
    if (clang != results_.end())
      std::fprintf(f, "%-34s %6.0f %9.1f %9.1f   (the plan in C: clang-19 -target bpf -O2, a child process)\n",
                   "compiler/clang19_bpf_O2/500_lines", clang->second.counters["lines"],
                   clang->second.ms, clang_cpu);
    auto phases = results_.find("compiler/phases/500_lines");
    if (phases != results_.end()) {
      auto& p = phases->second.counters;
      std::fprintf(f,
                   "phases of 500_lines (wall ms): parse %.1f, check %.1f, LLVM IR %.1f, "
                   "LLVM O2 + BPF %.1f, package %.1f\n",
                   p["parse_ms"], p["check_ms"], p["codegen_ms"], p["llvm_ms"], p["package_ms"]);
    }
    std::fflush(f);
  }

 private:
  struct Result {
    double ms = 0;
    double cpu_ms = 0;
    std::map<std::string, double> counters;
  };

  static std::string format(const char* pattern, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, pattern, v);
    return buf;
  }

  static double ms_per_unit(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kNanosecond:
        return 1e-6;
      case benchmark::kMicrosecond:
        return 1e-3;
      case benchmark::kMillisecond:
        return 1;
      case benchmark::kSecond:
        return 1e3;
    }
    return 1;
  }

  std::vector<const Contract*> contracts_;
  std::map<std::string, Result> results_;
};

uint32_t count_lines(const std::string& text) {
  uint32_t n = 0;
  for (char ch : text) n += ch == '\n';
  return text.empty() || text.back() == '\n' ? n : n + 1;
}

}  // namespace
}  // namespace covenant::bench

int main(int argc, char** argv) {
  using namespace covenant::bench;
  const fs::path dir = COVENANT_BENCH_CONTRACTS;

  Contract large{.label = "500_lines", .path = dir / "plan_500.cvn"};
  Contract small{.label = "10_lines", .path = dir / "small_10.cvn"};
  for (Contract* c : {&large, &small}) {
    auto text = read_text(c->path);
    if (!text) {
      std::fprintf(stderr, "covenant-compile-bench: cannot read %s\n", c->path.c_str());
      return 1;
    }
    c->text = std::move(*text);
    c->lines = count_lines(c->text);
    if (!compile_once(*c)) return 1;
  }
  const fs::path c_file = dir / "plan_500.c";
  auto c_text = read_text(c_file);
  const fs::path object =
      fs::temp_directory_path() / ("covenant-compile-bench-" + std::to_string(getpid()) + ".o");
  const std::vector<std::string> clang = clang_command(c_file, object);
  if (!c_text || !run_process(clang)) {
    std::fprintf(stderr, "covenant-compile-bench: %s does not compile with %s\n", c_file.c_str(),
                 COVENANT_BENCH_CLANG);
    return 1;
  }

  for (Contract* c : {&large, &small}) {
    benchmark::RegisterBenchmark(("compiler/compile/" + c->label).c_str(),
                                 [c](benchmark::State& s) { run_compile(s, *c); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("compiler/phases/500_lines",
                               [&large](benchmark::State& s) { run_phases(s, large); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  const uint32_t c_lines = count_lines(*c_text);
  benchmark::RegisterBenchmark("compiler/clang19_bpf_O2/500_lines",
                               [&clang, c_lines](benchmark::State& s) { run_clang(s, clang, c_lines); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();

  // Defaults that command-line flags, parsed after them, can still override.
  std::vector<std::string> args = {argv[0], "--benchmark_repetitions=5",
                                   "--benchmark_report_aggregates_only=true"};
  args.insert(args.end(), argv + 1, argv + argc);
  std::vector<char*> arg_ptrs;
  for (std::string& a : args) arg_ptrs.push_back(a.data());
  int arg_count = static_cast<int>(arg_ptrs.size());
  benchmark::Initialize(&arg_count, arg_ptrs.data());
  if (benchmark::ReportUnrecognizedArguments(arg_count, arg_ptrs.data())) return 1;

  SummaryReporter reporter(
      isatty(STDOUT_FILENO) ? SummaryReporter::OO_ColorTabular : SummaryReporter::OO_Tabular,
      {&large, &small});
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::error_code ignored;
  fs::remove(object, ignored);
  return 0;
}
