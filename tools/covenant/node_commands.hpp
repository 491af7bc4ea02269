#pragma once
/// \file
/// The node commands of `covenant`: `keygen`, `deploy`, `invoke`, `query` and `contracts`,
/// each on a node directory (`--node DIR`, default the current directory) made by `covenant
/// init` (docs/node.md, "Command line").

#include <CLI/CLI.hpp>

namespace covenant::cli {

/// Registers the node subcommands on `app`. Each sets `exit_code`: 0 on success (a denial is
/// an answer too), 1 when the node refuses (rejected transaction, damaged ledger), 2 for
/// unusable input (options, files, arguments, a node in use), 3 when the call faulted or ran
/// out of gas.
void add_node_commands(CLI::App& app, int& exit_code);

}  // namespace covenant::cli
