#pragma once
/// \file
/// `covenant consent ...` (enrol, grant, revoke, check, list, pseudonym, import), `covenant
/// audit` and `covenant record ...` (register, fetch): the consent layer on a node.
/// docs/consent.md.

#include <CLI/CLI.hpp>

namespace covenant::cli {

/// Adds the consent, audit and record commands to `app`; each sets `exit_code`.
void add_consent_commands(CLI::App& app, int& exit_code);

}  // namespace covenant::cli
