#pragma once
/// \file
/// `covenant asm`, `covenant disasm` and `covenant run`: the VM's own commands.

#include <CLI/CLI.hpp>

namespace covenant::cli {

/// Adds the VM subcommands to `app`. Each sets `exit_code` when it runs: 0 on success, 1
/// when the program is rejected or faults, 2 on unusable input.
void add_vm_commands(CLI::App& app, int& exit_code);

}  // namespace covenant::cli
