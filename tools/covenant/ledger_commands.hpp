#pragma once
/// \file
/// `covenant ledger init | append | show | verify | proof | consistency | checkpoint`: the
/// node directory's commands (docs/ledger.md, "Command line").

#include <CLI/CLI.hpp>

namespace covenant::cli {

/// Adds `ledger` and its subcommands to `app`. Each sets `exit_code` when it runs: 0 on
/// success, 1 when the ledger is damaged or refuses the request (verification failed, block
/// rejected), 2 on unusable input (bad arguments, missing or unreadable files, a ledger in
/// use).
void add_ledger_commands(CLI::App& app, int& exit_code);

}  // namespace covenant::cli
