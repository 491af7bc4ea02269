// covenant: one command line for building, running and checking Covenant programs.

#include <CLI/CLI.hpp>

#include "tools/covenant/consent_commands.hpp"
#include "tools/covenant/contract_commands.hpp"
#include "tools/covenant/gen_claims_command.hpp"
#include "tools/covenant/ledger_commands.hpp"
#include "tools/covenant/node_commands.hpp"
#include "tools/covenant/report_command.hpp"
#include "tools/covenant/simulate_command.hpp"
#include "tools/covenant/vm_commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Covenant: healthcare agreements that run by themselves, on a deterministic eBPF VM"};
  app.require_subcommand(1);
  int exit_code = 0;
  covenant::cli::add_vm_commands(app, exit_code);
  covenant::cli::add_contract_commands(app, exit_code);
  covenant::cli::add_node_commands(app, exit_code);
  covenant::cli::add_ledger_commands(app, exit_code);
  covenant::cli::add_consent_commands(app, exit_code);
  covenant::cli::add_simulate_command(app, exit_code);
  covenant::cli::add_gen_claims_command(app, exit_code);
  covenant::cli::add_report_command(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
