#include "runtime/contract_call.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "runtime/host_abi.hpp"

namespace covenant::runtime {

namespace {

// The frame size and call depth of modules that do not record theirs: the compiler's
// defaults when the metadata keys were introduced.
constexpr uint32_t kDefaultFrameSize = 8192;
constexpr uint32_t kDefaultCallDepth = 8;

uint64_t number_or(const std::string& text, uint64_t fallback) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() ? value : fallback;
}

// "deny.N" metadata: "[code ]line:col reason".
void read_denial(const LoadedContract& contract, uint64_t number, CallOutcome& out) {
  std::istringstream in(contract.metadata("deny." + std::to_string(number)));
  std::string first;
  in >> first;
  if (!first.empty() && first.find(':') == std::string::npos) {
    int64_t code = 0;
    auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), code);
    if (ec == std::errc() && end == first.data() + first.size()) out.deny_code = code;
    in >> first;
  }
  if (auto colon = first.find(':'); colon != std::string::npos) {
    out.line = static_cast<uint32_t>(number_or(first.substr(0, colon), 0));
    out.column = static_cast<uint32_t>(number_or(first.substr(colon + 1), 0));
  }
  std::string reason;
  std::getline(in, reason);
  if (!reason.empty() && reason[0] == ' ') reason.erase(0, 1);
  out.reason = reason.empty() ? "denied (deny " + std::to_string(number) + ")" : reason;
}

}  // namespace

Expected<LoadedContract, std::string> LoadedContract::load(std::span<const uint8_t> bytes) {
  auto module = vm::decode(bytes);
  if (!module) return unexpected("not a module: " + vm::describe(module.error()));
  return load(std::move(module).value());
}

Expected<LoadedContract, std::string> LoadedContract::load(vm::Module module) {
  std::string abi_text;
  for (const auto& [k, v] : module.metadata)
    if (k == "abi") abi_text = v;
  if (abi_text.empty()) return unexpected(std::string("not a contract module (no ABI)"));
  auto abi = Abi::parse(abi_text);
  if (!abi) return unexpected("not a contract module (ABI: " + abi.error() + ")");
  auto program = vm::load_module(module, contract_host_table());
  if (!program) return unexpected("the module does not load: " + vm::describe(program.error()));
  LoadedContract loaded(std::move(module), std::move(program).value(), std::move(abi).value());
  loaded.source_ = loaded.metadata("source");
  loaded.frame_size_ =
      static_cast<uint32_t>(number_or(loaded.metadata("frame_size"), kDefaultFrameSize));
  loaded.max_call_depth_ = static_cast<uint32_t>(
      std::max<uint64_t>(1, number_or(loaded.metadata("max_call_depth"), kDefaultCallDepth)));
  return loaded;
}

std::string LoadedContract::metadata(std::string_view key) const {
  for (const auto& [k, v] : module_.metadata)
    if (k == key) return v;
  return {};
}

vm::Limits LoadedContract::limits(uint32_t result_size, uint64_t gas) const {
  vm::Limits limits;
  limits.gas = gas;
  limits.frame_size = frame_size_;
  limits.max_call_depth = max_call_depth_;
  limits.output_size = result_size;
  return limits;
}

CallOutcome call_entry(vm::Machine& machine, const LoadedContract& contract, const AbiEntry& entry,
                       std::span<const uint8_t> input, uint64_t gas, CallContext& context) {
  CallOutcome out;
  const vm::Entry* slot = contract.module().find_entry(entry.name);
  if (slot == nullptr) {
    out.status = CallStatus::fault;
    out.reason = "the module has no entry " + entry.name;
    return out;
  }
  vm::Outcome run = machine.run(contract.program(), slot->slot, input,
                                contract.limits(entry.result_size, gas), &context);
  out.gas_used = run.gas_used;
  if (run.ok()) {
    if (run.r0 != 0) {
      out.status = CallStatus::denied;
      read_denial(contract, run.r0, out);
      return out;
    }
    auto result = machine.output();
    out.output.assign(result.begin(), result.begin() + std::min<size_t>(result.size(), entry.result_size));
    return out;
  }
  const vm::Fault& f = *run.fault;
  out.status = f.kind == vm::FaultKind::out_of_gas ? CallStatus::out_of_gas : CallStatus::fault;
  if (f.kind == vm::FaultKind::abort && fault_code_kind(f.code) != 0) {
    out.reason = std::string(fault_kind_name(fault_code_kind(f.code)));
    out.line = fault_code_line(f.code);
    out.column = out.line == 0 ? 0 : fault_code_column(f.code);
    // A host error's message says what the host refused.
    if (fault_code_kind(f.code) == static_cast<uint64_t>(FaultKind::host_error) && !f.message.empty())
      out.reason += ": " + f.message;
  } else {
    out.reason = f.kind == vm::FaultKind::out_of_gas ? "out of gas" : vm::describe(f);
  }
  if (out.line == 0) {
    if (const vm::SourceLoc* loc = contract.module().locate(f.pc)) {
      out.line = loc->line;
      out.column = loc->column;
    }
  }
  return out;
}

std::string outcome_location(const LoadedContract& contract, const CallOutcome& outcome) {
  if (outcome.line == 0) return contract.source();
  // Code from the k-th library the contract uses carries line k * kLibraryLineUnit + line;
  // the module's "source.k" metadata names that library's file.
  std::string file = contract.source();
  uint32_t line = outcome.line;
  if (const uint32_t k = line / kLibraryLineUnit; k != 0) {
    // "stdlib/money.cvn <sha256>": the file is the first word.
    std::string named = contract.metadata("source." + std::to_string(k));
    named = named.substr(0, named.find(' '));
    file = named.empty() ? "library " + std::to_string(k) : named;
    line %= kLibraryLineUnit;
  }
  return file + ":" + std::to_string(line) + ":" + std::to_string(outcome.column);
}

}  // namespace covenant::runtime
