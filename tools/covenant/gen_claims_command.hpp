#pragma once
/// \file
/// `covenant gen-claims`: synthetic claims for the Commercial PPO plan as NDJSON
/// (claims/generator.hpp, docs/gen-claims.md), for demos and benchmarks of `covenant simulate`.

#include <CLI/CLI.hpp>

namespace covenant::cli {

/// Registers `gen-claims` on `app`. It sets `exit_code`: 0 when every record was written,
/// 2 when the options are unusable or the output cannot be opened or written.
void add_gen_claims_command(CLI::App& app, int& exit_code);

}  // namespace covenant::cli
