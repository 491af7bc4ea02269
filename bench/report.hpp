#pragma once
/// \file
/// What the benchmark programs share: which runs a closing summary reads, and starting
/// Google Benchmark with defaults that the command line can override.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace covenant::bench {

/// True for the runs a summary table uses: the median when repetitions are aggregated,
/// otherwise the single run; never a failed one.
inline bool summary_run(const benchmark::BenchmarkReporter::Run& r) {
  if (r.error_occurred) return false;
  return r.run_type == benchmark::BenchmarkReporter::Run::RT_Aggregate
             ? r.aggregate_name == "median"
             : r.repetitions <= 1;
}

/// Parses the benchmark flags, `defaults` first so that the command line overrides them.
/// Returns false (after printing why) on a flag the library does not know.
inline bool initialize_benchmarks(int argc, char** argv, std::vector<std::string> defaults) {
  std::vector<std::string> args = {argv[0]};
  args.insert(args.end(), defaults.begin(), defaults.end());
  args.insert(args.end(), argv + 1, argv + argc);
  std::vector<char*> arg_ptrs;
  for (std::string& a : args) arg_ptrs.push_back(a.data());
  int arg_count = static_cast<int>(arg_ptrs.size());
  benchmark::Initialize(&arg_count, arg_ptrs.data());
  return !benchmark::ReportUnrecognizedArguments(arg_count, arg_ptrs.data());
}

}  // namespace covenant::bench
