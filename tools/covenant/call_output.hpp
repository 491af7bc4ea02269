#pragma once
/// \file
/// How `covenant call`, `invoke` and `query` print a call's outcome: one JSON object, the
/// same shape everywhere (docs/node.md, "Command line").

#include <string>

#include "runtime/abi.hpp"
#include "runtime/contract_call.hpp"
#include "runtime/contract_host.hpp"

namespace covenant::cli {

/// `{"result":…,"gas_used":N}`, `{"denied":{"code":C,"reason":"…","at":"file:line:col"},…}`,
/// `{"fault":{"reason":"…","at":"…"},…}` or `{"out_of_gas":{"at":"…"},…}`, with `"events"`
/// (each `{"event":N,"data":"hex"}`) when the call emitted any, and without the closing
/// brace, so that callers can add fields (block, entry) before closing it.
std::string outcome_json_open(const runtime::LoadedContract& contract, const runtime::AbiEntry& entry,
                              const runtime::CallOutcome& outcome,
                              const std::vector<runtime::Event>& events);

/// The exit code for an outcome: 0 for a result or a denial (both answers), 3 for a fault or
/// running out of gas.
int outcome_exit_code(const runtime::CallOutcome& outcome);

}  // namespace covenant::cli
