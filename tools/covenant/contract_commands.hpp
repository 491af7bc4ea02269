#pragma once
/// \file
/// The contract commands of `covenant`: `build`, `check`, `test` and `call`.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace covenant::cli {

/// Registers the contract subcommands on `app`. Each sets `exit_code`: 0 on success, 1 when
/// the contract has errors or a test fails, 2 for unusable input (files, options, arguments),
/// 3 when a call faults.
void add_contract_commands(CLI::App& app, int& exit_code);

/// The module bytes of `path`: compiled (without tests) if it is a contract source (.cvn),
/// read as is otherwise. Diagnostics and errors go to stderr as "covenant COMMAND: ...".
/// nullopt when the source has errors (`exit_code` 1) or the file cannot be read (2).
std::optional<std::vector<uint8_t>> module_bytes(const std::string& command,
                                                 const std::string& path, int& exit_code);

}  // namespace covenant::cli
