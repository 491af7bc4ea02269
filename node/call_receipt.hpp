#pragma once
/// \file
/// A contract call's outcome as a ledger receipt, and back: what an invoke records and what
/// `covenant invoke` and the audit show from it. A denial's code travels at the front of
/// the reason ("code 27: service after coverage ended"), so the receipt needs no field for
/// it; a failed call records no output, events or writes.

#include <vector>

#include "ledger/block.hpp"
#include "ledger/hasher.hpp"
#include "runtime/contract_call.hpp"
#include "runtime/contract_host.hpp"

namespace covenant::node {

/// The receipt of a call that ran: status, gas, reason and location from `outcome`, and the
/// `reads` commitment (what the decision rested on, whatever the outcome); on success also
/// its `events`, the `writes` commitment and the result as output.
ledger::Receipt call_receipt(const runtime::CallOutcome& outcome,
                             const std::vector<runtime::Event>& events, const ledger::Hash& writes,
                             const ledger::Hash& reads);

/// The receipt of a transaction that never ran: `rejected`, with `reason` made to fit
/// (`ledger::receipt_reason`).
ledger::Receipt rejected_receipt(const std::string& reason);

/// The outcome a receipt records (status, gas, output, denial code, reason, location). A
/// `rejected` receipt (never ran) reads as a fault with its reason.
runtime::CallOutcome call_outcome(const ledger::Receipt& receipt);

/// The events a receipt records, decoded (event number, then data); a record shorter than
/// its 4-byte number is skipped.
std::vector<runtime::Event> receipt_events(const ledger::Receipt& receipt);

}  // namespace covenant::node
