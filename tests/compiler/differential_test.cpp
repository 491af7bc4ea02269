// The differential test: every contract of the corpus (tests/compiler/differential/*.cvn and
// contracts/examples/*.cvn) is compiled to a module and run on the VM, and the same calls are
// evaluated by the reference evaluator (evaluator.hpp) over the checked AST. Over random,
// edge-heavy inputs (sometimes with garbage in the bytes no reading depends on) and callers,
// with the state carried from call to call, both must agree on every result, denial and
// fault (kind and source location), on the events emitted and on the state afterwards; and
// no call may use more gas than the packager's static bound for its entry. Corpus contracts
// may `use` the test libraries of tests/compiler/libraries/ as well as the standard library.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/driver.hpp"
#include "runtime/abi.hpp"
#include "runtime/contract_host.hpp"
#include "runtime/host_abi.hpp"
#include "runtime/memory_state.hpp"
#include "tests/compiler/evaluator.hpp"
#include "tests/compiler/random_values.hpp"
#include "vm/machine.hpp"
#include "vm/module.hpp"

namespace fs = std::filesystem;
using namespace covenant;
using compiler::testing::EvalOutcome;

namespace {

constexpr int kCallsPerContract = 1200;
constexpr int kMaxReported = 20;

std::vector<fs::path> corpus() {
  std::vector<fs::path> out;
  for (const char* dir : {"tests/compiler/differential", "contracts/examples"}) {
    fs::path d = fs::path(COVENANT_SOURCE_DIR) / dir;
    if (!fs::is_directory(d)) continue;
    std::vector<fs::path> here;
    for (const auto& e : fs::directory_iterator(d))
      if (e.path().extension() == ".cvn") here.push_back(e.path());
    std::sort(here.begin(), here.end());
    out.insert(out.end(), here.begin(), here.end());
  }
  return out;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string hex(std::span<const uint8_t> bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

uint64_t metadata_number(const vm::Module& m, const std::string& key, uint64_t fallback) {
  for (const auto& [k, v] : m.metadata)
    if (k == key) return std::stoull(v);
  return fallback;
}

// A VM outcome in the evaluator's terms; `other` describes a fault no contract raises
// (memory, gas, call depth, a host error), which is always a disagreement.
struct VmResult {
  EvalOutcome outcome;
  std::string other;
};

VmResult from_vm(const vm::Outcome& o, std::span<const uint8_t> output) {
  VmResult r;
  if (!o.ok()) {
    uint64_t kind = runtime::fault_code_kind(o.fault->code);
    // Contract faults, and host errors (events past the limit), which carry no location.
    if (o.fault->kind == vm::FaultKind::abort &&
        ((kind >= 1 && kind <= 5) || kind == static_cast<uint64_t>(runtime::FaultKind::host_error))) {
      r.outcome.kind = EvalOutcome::Kind::fault;
      r.outcome.fault = static_cast<runtime::FaultKind>(kind);
      r.outcome.line = runtime::fault_code_line(o.fault->code);
      r.outcome.column = runtime::fault_code_column(o.fault->code);
    } else {
      r.other = vm::describe(*o.fault);
    }
  } else if (o.r0 == 0) {
    r.outcome.kind = EvalOutcome::Kind::ok;
    r.outcome.result.assign(output.begin(), output.end());
  } else {
    r.outcome.kind = EvalOutcome::Kind::denied;
    r.outcome.deny = static_cast<uint32_t>(o.r0);
  }
  return r;
}

// The state with every key and value in canonical form, for comparison.
std::vector<runtime::StateEntry> canonical_state(const runtime::MemoryState& s, const compiler::Checked& c) {
  std::vector<runtime::StateEntry> out = s.dump();
  for (auto& e : out) {
    if (e.state == 0 || e.state > c.states.size()) continue;
    const compiler::StateInfo& info = c.states[e.state - 1];
    e.key = compiler::testing::canonical_bytes(info.key, e.key);
    if (info.value) e.value = compiler::testing::canonical_bytes(info.value, e.value);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.state, a.key, a.value) < std::tie(b.state, b.key, b.value);
  });
  return out;
}

bool same_state(const std::vector<runtime::StateEntry>& a, const std::vector<runtime::StateEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].state != b[i].state || a[i].key != b[i].key || a[i].value != b[i].value) return false;
  return true;
}

std::string describe_state(const std::vector<runtime::StateEntry>& s) {
  std::string out;
  for (const auto& e : s)
    out += "  state " + std::to_string(e.state) + " " + hex(e.key) + " -> " + hex(e.value) + "\n";
  return out.empty() ? "  (empty)\n" : out;
}

std::string input_json(const runtime::AbiEntry* entry, std::span<const uint8_t> params) {
  if (!entry) return hex(params);
  std::string out = "{";
  for (const runtime::AbiParam& p : entry->params) {
    if (out.size() > 1) out += ", ";
    out += runtime::json_string(p.name) + ": " + runtime::value_json(*p.type, params.subspan(p.offset, p.type->size));
  }
  return out + "}";
}

struct Totals {
  uint64_t contracts = 0, calls = 0, results = 0, denials = 0, disagreements = 0, over_gas = 0;
  std::map<std::string, uint64_t> faults;
};

void run_contract(const fs::path& path, bool required, Totals& totals) {
  compiler::SourceFile source(path.string(), read_text(path));
  compiler::Diagnostics diags;
  compiler::CompileRequest request;
  request.base_dir = path.parent_path();
  request.library_dirs = {fs::path(COVENANT_SOURCE_DIR) / "tests/compiler/libraries"};
  compiler::Compilation comp = compiler::compile(source, request, diags);
  if (diags.has_errors() || !comp.packaged) {
    std::string why = compiler::render_all(source, diags);
    if (required) FAIL_CHECK(path.string() << " does not compile:\n" << why);
    else MESSAGE("skipping " << path.string() << ", which does not compile:\n" << why);
    return;
  }
  const compiler::Checked& checked = *comp.checked;
  const vm::Module& module = comp.packaged->module;
  auto program = vm::load_module(module, runtime::contract_host_table());
  if (!program) {
    FAIL_CHECK(path.string() << ": the module does not load: " << vm::describe(program.error()));
    return;
  }
  std::string abi_text;
  for (const auto& [k, v] : module.metadata)
    if (k == "abi") abi_text = v;
  auto abi = runtime::Abi::parse(abi_text);
  if (!abi) MESSAGE(path.string() << ": ABI does not parse (" << abi.error() << "); inputs print as hex");

  std::vector<const compiler::FunctionInfo*> entries;
  for (const auto& f : checked.functions)
    if (f.is_entry) entries.push_back(&f);
  REQUIRE(!entries.empty());

  compiler::testing::ValueGen gen(checked, fnv1a(path.filename().string()));
  runtime::MemoryState vm_state, ev_state;
  vm::Machine machine;
  ++totals.contracts;
  uint64_t frame_size = metadata_number(module, "frame_size", 8192);
  uint64_t depth = std::max<uint64_t>(1, metadata_number(module, "max_call_depth", 8));
  Totals before = totals;

  for (int n = 0; n < kCallsPerContract; ++n) {
    const compiler::FunctionInfo& f = *entries[static_cast<size_t>(gen.uniform(0, static_cast<int64_t>(entries.size()) - 1))];
    const vm::Entry* entry = module.find_entry(f.name);
    REQUIRE(entry != nullptr);
    std::vector<uint8_t> params = gen.params(f);
    int64_t today = gen.today();
    runtime::CallerKey caller = gen.caller();
    uint64_t bound = comp.packaged->gas_bound.at(f.name);

    vm::Limits limits;
    limits.frame_size = static_cast<uint32_t>(frame_size);
    limits.max_call_depth = static_cast<uint32_t>(depth);
    limits.output_size = entry->result_size;
    limits.gas = bound > UINT64_MAX - 1'000'000 ? UINT64_MAX : bound + 1'000'000;
    runtime::CallContext context;
    context.state = &vm_state;
    context.today = today;
    context.caller = caller;
    uint64_t mark = vm_state.checkpoint();
    vm::Outcome o = machine.run(*program, entry->slot, params, limits, &context);
    VmResult vm_result = from_vm(o, machine.output());
    if (!(o.ok() && o.r0 == 0)) vm_state.rollback(mark);
    vm_state.commit();

    EvalOutcome ev = compiler::testing::evaluate(checked, f.name, params, ev_state, today, caller);
    ev_state.commit();

    ++totals.calls;
    bool agree = vm_result.other.empty() && vm_result.outcome.kind == ev.kind;
    if (agree) {
      switch (ev.kind) {
        case EvalOutcome::Kind::ok:
          agree = compiler::testing::canonical_bytes(f.result, vm_result.outcome.result) ==
                      compiler::testing::canonical_bytes(f.result, ev.result) &&
                  context.events == ev.events;
          break;
        case EvalOutcome::Kind::denied:
          agree = vm_result.outcome.deny == ev.deny;
          break;
        case EvalOutcome::Kind::fault:
          agree = vm_result.outcome.fault == ev.fault && vm_result.outcome.line == ev.line &&
                  vm_result.outcome.column == ev.column;
          break;
      }
    }
    auto vm_st = canonical_state(vm_state, checked);
    auto ev_st = canonical_state(ev_state, checked);
    bool states_agree = same_state(vm_st, ev_st);
    bool gas_ok = o.gas_used <= bound;
    if (!gas_ok) ++totals.over_gas;

    switch (ev.kind) {
      case EvalOutcome::Kind::ok: ++totals.results; break;
      case EvalOutcome::Kind::denied: ++totals.denials; break;
      case EvalOutcome::Kind::fault:
        ++totals.faults[std::string(runtime::fault_kind_name(static_cast<uint64_t>(ev.fault)))];
        break;
    }
    if (agree && states_agree && gas_ok) continue;
    ++totals.disagreements;
    if (totals.disagreements > kMaxReported) continue;
    const runtime::AbiEntry* abi_entry = abi ? abi->find(f.name) : nullptr;
    std::string vm_text = vm_result.other.empty() ? vm_result.outcome.describe() : vm_result.other;
    std::ostringstream msg;
    msg << "disagreement in " << path.filename().string() << " call #" << n << ", entry " << f.name
        << " (today " << today << ")\n  input: " << input_json(abi_entry, params) << "\n  vm:        " << vm_text
        << " (gas " << o.gas_used << " of bound " << bound << ", " << context.events.size()
        << " events)\n  evaluator: " << ev.describe() << " (" << ev.events.size() << " events)\n";
    if (!states_agree) msg << "states differ; vm:\n" << describe_state(vm_st) << "evaluator:\n" << describe_state(ev_st);
    FAIL_CHECK(msg.str());
    // Carry on from one state so the next calls still compare meaningfully.
    if (!states_agree) {
      ev_state = runtime::MemoryState();
      for (const auto& e : vm_state.dump()) ev_state.put(e.state, e.key, e.value);
      ev_state.commit();
    }
  }
  uint64_t faults = 0;
  for (const auto& [kind, count] : totals.faults) faults += count;
  for (const auto& [kind, count] : before.faults) faults -= count;
  MESSAGE(path.filename().string() << ": " << totals.calls - before.calls << " calls, "
                                   << totals.results - before.results << " results, "
                                   << totals.denials - before.denials << " denials, " << faults << " faults, "
                                   << vm_state.size() << " state entries at the end");
}

}  // namespace

TEST_CASE("differential: compiled contracts agree with the reference evaluator") {
  Totals totals;
  std::vector<fs::path> files = corpus();
  fs::path own = fs::path(COVENANT_SOURCE_DIR) / "tests/compiler/differential";
  for (const fs::path& p : files) run_contract(p, p.parent_path() == own, totals);

  std::ostringstream faults;
  for (const auto& [kind, count] : totals.faults) faults << " " << kind << "=" << count;
  MESSAGE("differential: " << totals.contracts << " contracts, " << totals.calls << " calls, " << totals.results
                           << " results, " << totals.denials << " denials, faults:" << faults.str()
                           << ", over the gas bound: " << totals.over_gas
                           << ", disagreements: " << totals.disagreements);
  CHECK(totals.contracts >= 10);
  CHECK(totals.calls >= 10'000);
  CHECK(totals.disagreements == 0);
}
