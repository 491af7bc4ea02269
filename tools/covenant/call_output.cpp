#include "tools/covenant/call_output.hpp"

#include "tools/covenant/json.hpp"

namespace covenant::cli {

std::string outcome_json_open(const runtime::LoadedContract& contract, const runtime::AbiEntry& entry,
                              const runtime::CallOutcome& outcome,
                              const std::vector<runtime::Event>& events) {
  const std::string at = runtime::outcome_location(contract, outcome);
  std::string text = "{";
  switch (outcome.status) {
    case runtime::CallStatus::ok:
      text += "\"result\":" +
              (entry.result ? runtime::value_json(*entry.result, outcome.output) : std::string("null"));
      break;
    case runtime::CallStatus::denied: {
      JsonObject d;
      if (outcome.deny_code) d.raw("code", std::to_string(*outcome.deny_code));
      d.str("reason", outcome.reason).str("at", at);
      text += "\"denied\":" + d.text();
      break;
    }
    case runtime::CallStatus::fault:
      text += "\"fault\":" + JsonObject().str("reason", outcome.reason).str("at", at).text();
      break;
    case runtime::CallStatus::out_of_gas:
      text += "\"out_of_gas\":" + JsonObject().str("at", at).text();
      break;
  }
  text += ",\"gas_used\":" + std::to_string(outcome.gas_used);
  if (!events.empty()) {
    text += ",\"events\":[";
    for (size_t i = 0; i < events.size(); ++i)
      text += (i ? "," : "") + contract.abi().event_json(events[i].index, events[i].data);
    text += "]";
  }
  return text;
}

int outcome_exit_code(const runtime::CallOutcome& outcome) {
  return outcome.status == runtime::CallStatus::ok || outcome.status == runtime::CallStatus::denied
             ? 0
             : 3;
}

}  // namespace covenant::cli
