#pragma once
/// \file
/// `covenant simulate`: a claims file through a plan (simulate/simulation.hpp), with a
/// summary table (or JSON) on stdout, skipped records and a progress bar on stderr.

#include <CLI/CLI.hpp>

namespace covenant::cli {

/// Adds `simulate` to `app`; its outcome goes to `exit_code`: 0 done, 1 the run stopped
/// (`--strict` at a bad record) or a result broke the balance, 2 the plan or input is unusable.
void add_simulate_command(CLI::App& app, int& exit_code);

}  // namespace covenant::cli
