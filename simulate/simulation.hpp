#pragma once
/// \file
/// `covenant simulate`: a claims file run through a plan. The claims are read once, in input
/// order, and spread over partition files by member; partitions are adjudicated on several
/// threads, each member's records in input order against a state of its own; the results are
/// merged back into input order. Memory is bounded by one partition per thread, not by the
/// input (docs/simulate.md gives the model and its one assumption: a plan's state that spans
/// claims belongs to one member, as deductibles, out-of-pocket totals and claim history do;
/// a plan that couples members must be simulated on a node, `--node`, which runs every
/// record in input order).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "claims/source.hpp"
#include "runtime/contract_call.hpp"
#include "simulate/summary.hpp"
#include "vm/expected.hpp"

namespace covenant::simulate {

/// Where a run is, for a progress display.
struct Progress {
  enum class Phase : uint8_t { reading, adjudicating, writing };
  Phase phase = Phase::reading;
  uint64_t done = 0;     ///< Bytes read (reading), partitions done (adjudicating), results written.
  uint64_t total = 0;    ///< Of the same unit; 0 when unknown.
  uint64_t records = 0;  ///< Claims read so far.
};

/// What to simulate and how.
struct SimulationOptions {
  std::filesystem::path claims;                ///< A file, a directory or "-".
  /// NDJSON run before the claims (calls such as enrolments; claims are allowed too).
  std::optional<std::filesystem::path> setup;
  claims::Format format = claims::Format::ndjson;
  std::optional<std::filesystem::path> out;    ///< The results file; none: totals only.
  std::string entry = "adjudicate";            ///< The plan's claim entry.
  uint64_t gas = 10'000'000;                   ///< Gas limit of each call.
  unsigned threads = 1;                        ///< Adjudicating threads, >= 1.
  bool strict = false;                         ///< Stop at the first record that cannot be used.
  std::filesystem::path scratch;               ///< Where scratch files go (a new directory
                                               ///< inside it, removed at the end).
  /// Called with each record that is skipped: "location: reason", in input order within
  /// the reading phase and then within adjudication.
  std::function<void(const std::string&)> problem;
  /// Called now and then with the run's progress (from the calling thread).
  std::function<void(const Progress&)> progress;
};

/// The sources a run reads, in order: `options.setup` (NDJSON) if given, then the claims.
/// Fails as `claims::open_source` does.
Expected<std::vector<std::unique_ptr<claims::Source>>, std::string> open_sources(
    const SimulationOptions& options);

/// Runs the simulation. Fails with one line when the plan has no usable claim entry (its
/// parameter or result cannot be mapped, docs/claims-format.md), the input cannot be opened
/// or read, a scratch or result file cannot be written, or, with `strict`, at the first
/// record that cannot be used (naming it). Without `strict` such records are reported
/// through `problem`, counted in `Summary::malformed` and skipped.
Expected<Summary, std::string> simulate(const runtime::LoadedContract& plan,
                                        const SimulationOptions& options);

}  // namespace covenant::simulate
