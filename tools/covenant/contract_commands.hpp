#pragma once
/// \file
/// The contract commands of `covenant`: `build`, `check`, `test` and `call`.

#include <CLI/CLI.hpp>

namespace covenant::cli {

/// Registers the contract subcommands on `app`. Each sets `exit_code`: 0 on success, 1 when
/// the contract has errors or a test fails, 2 for unusable input (files, options, arguments),
/// 3 when a call faults.
void add_contract_commands(CLI::App& app, int& exit_code);

}  // namespace covenant::cli
