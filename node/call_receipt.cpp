#include "node/call_receipt.hpp"

#include <charconv>

namespace covenant::node {

namespace {
constexpr std::string_view kCodePrefix = "code ";
}  // namespace

ledger::Receipt call_receipt(const runtime::CallOutcome& outcome,
                             const std::vector<runtime::Event>& events, const ledger::Hash& writes,
                             const ledger::Hash& reads) {
  using ledger::ReceiptStatus;
  ledger::Receipt r;
  r.gas_used = outcome.gas_used;
  r.read_set_hash = reads;
  switch (outcome.status) {
    case runtime::CallStatus::ok:
      r.status = ReceiptStatus::ok;
      r.write_set_hash = writes;
      r.output = outcome.output;
      for (const runtime::Event& e : events) r.events.push_back(runtime::encode_event(e));
      return r;
    case runtime::CallStatus::denied: r.status = ReceiptStatus::denied; break;
    case runtime::CallStatus::fault: r.status = ReceiptStatus::fault; break;
    case runtime::CallStatus::out_of_gas: r.status = ReceiptStatus::out_of_gas; break;
  }
  std::string reason = outcome.reason;
  if (outcome.deny_code) reason = std::string(kCodePrefix) + std::to_string(*outcome.deny_code) + ": " + reason;
  r.reason = ledger::receipt_reason(reason);
  r.fail_line = outcome.line;
  r.fail_column = outcome.line == 0 ? 0 : outcome.column;
  return r;
}

ledger::Receipt rejected_receipt(const std::string& reason) {
  ledger::Receipt r;
  r.status = ledger::ReceiptStatus::rejected;
  r.reason = ledger::receipt_reason(reason);
  return r;
}

runtime::CallOutcome call_outcome(const ledger::Receipt& receipt) {
  using ledger::ReceiptStatus;
  runtime::CallOutcome out;
  out.gas_used = receipt.gas_used;
  out.output = receipt.output;
  out.reason = receipt.reason;
  out.line = receipt.fail_line;
  out.column = receipt.fail_column;
  switch (receipt.status) {
    case ReceiptStatus::ok: out.status = runtime::CallStatus::ok; break;
    case ReceiptStatus::denied: {
      out.status = runtime::CallStatus::denied;
      std::string_view text = receipt.reason;
      if (text.starts_with(kCodePrefix)) {
        text.remove_prefix(kCodePrefix.size());
        int64_t code = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
        const char* stop = text.data() + text.size();
        if (ec == std::errc() && stop - end >= 2 && std::string_view(end, 2) == ": ") {
          out.deny_code = code;
          out.reason = std::string(end + 2, stop);
        }
      }
      break;
    }
    case ReceiptStatus::out_of_gas: out.status = runtime::CallStatus::out_of_gas; break;
    case ReceiptStatus::fault:
    case ReceiptStatus::rejected: out.status = runtime::CallStatus::fault; break;
  }
  return out;
}

std::vector<runtime::Event> receipt_events(const ledger::Receipt& receipt) {
  std::vector<runtime::Event> out;
  for (const auto& record : receipt.events) {
    if (record.size() < 4) continue;
    runtime::Event e;
    e.index = static_cast<uint32_t>(record[0]) | static_cast<uint32_t>(record[1]) << 8 |
              static_cast<uint32_t>(record[2]) << 16 | static_cast<uint32_t>(record[3]) << 24;
    e.data.assign(record.begin() + 4, record.end());
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace covenant::node
