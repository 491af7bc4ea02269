#include "tools/covenant/contract_commands.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "compiler/backend.hpp"
#include "compiler/driver.hpp"
#include "runtime/abi.hpp"
#include "runtime/contract_host.hpp"
#include "runtime/host_abi.hpp"
#include "runtime/memory_state.hpp"
#include "runtime/contract_call.hpp"
#include "tools/covenant/call_output.hpp"
#include "tools/covenant/cli_util.hpp"
#include "tools/covenant/program_file.hpp"
#include "vm/hex.hpp"
#include "vm/machine.hpp"
#include "vm/module.hpp"

namespace covenant::cli {
namespace {

using compiler::Compilation;
using compiler::CompileRequest;
using compiler::Diagnostics;
using compiler::SourceFile;

std::optional<SourceFile> read_source(const std::string& command, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(command, path + ": cannot read the file");
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return SourceFile(path, text.str());
}

// Compiles `path`, printing diagnostics on stderr. Null when there were errors.
std::optional<Compilation> compile_file(const std::string& command, const SourceFile& source,
                                        compiler::Emit emit, bool tests) {
  Diagnostics diags;
  CompileRequest request;
  request.base_dir = std::filesystem::path(source.name()).parent_path();
  request.emit = emit;
  request.tests = tests;
  Compilation c = compiler::compile(source, request, diags);
  std::string text = compiler::render_all(source, diags);
  if (!text.empty()) std::fputs(text.c_str(), stderr);
  if (diags.has_errors()) {
    (void)command;
    return std::nullopt;
  }
  return c;
}


// ---- build ----------------------------------------------------------------------------

struct BuildOptions {
  std::string input, output, emit;
};

int run_build(const BuildOptions& o) {
  auto source = read_source("build", o.input);
  if (!source) return 2;
  compiler::Emit emit = compiler::Emit::module;
  if (o.emit == "ast") emit = compiler::Emit::ast;
  else if (o.emit == "llvm") emit = compiler::Emit::llvm;
  else if (o.emit == "asm") emit = compiler::Emit::assembly;
  auto c = compile_file("build", *source, emit, false);
  if (!c) return 1;
  if (emit != compiler::Emit::module) {
    std::fputs(c->text.c_str(), stdout);
    return 0;
  }
  std::string out = o.output;
  if (out.empty()) {
    std::filesystem::path p(o.input);
    out = p.replace_extension(".cvm").string();
  }
  if (!write_file(out, c->bytes)) return fail("build", out + ": cannot write the module"), 2;
  std::printf("%s: %zu bytes, %zu instructions, module %s\n", out.c_str(), c->bytes.size(),
              c->packaged->module.code.size(), vm::module_id_hex(vm::module_id(c->bytes)).c_str());
  return 0;
}

// ---- check ----------------------------------------------------------------------------

int run_check(const std::string& input) {
  auto source = read_source("check", input);
  if (!source) return 2;
  auto c = compile_file("check", *source, compiler::Emit::module, false);
  if (!c) return 1;
  if (c->checked->library) {
    std::printf("%s: ok, library %s\n", input.c_str(), c->checked->name.c_str());
    return 0;
  }
  std::printf("%s: ok, contract %s version %lld\n", input.c_str(), c->checked->name.c_str(),
              static_cast<long long>(c->checked->version));
  for (const compiler::FunctionInfo& f : c->checked->functions) {
    if (!f.is_entry) continue;
    std::string sig = f.name + "(";
    for (size_t i = 0; i < f.params.size(); ++i)
      sig += (i ? ", " : "") + f.locals[i].name + ": " + f.params[i]->name();
    sig += ")";
    if (f.result != c->checked->types->unit()) sig += " -> " + f.result->name();
    std::printf("  entry %-60s gas <= %llu\n", sig.c_str(),
                static_cast<unsigned long long>(c->packaged->gas_bound.at(f.name)));
  }
  return 0;
}

// ---- test -----------------------------------------------------------------------------

struct TestOptions {
  std::string input, today = "2025-01-01", caller;
  uint64_t gas = 100'000'000;
};

int run_test(const TestOptions& o) {
  auto source = read_source("test", o.input);
  if (!source) return 2;
  auto today = runtime::parse_date(o.today);
  if (!today) return fail("test", "--today: expected a date YYYY-MM-DD, got " + o.today), 2;
  auto caller = parse_caller(o.caller);
  if (!caller) return fail("test", "--caller: " + caller.error()), 2;
  auto c = compile_file("test", *source, compiler::Emit::module, true);
  if (!c) return 1;
  const compiler::Checked& checked = *c->checked;
  auto contract = runtime::LoadedContract::load(c->packaged->module);
  if (!contract) return fail("test", contract.error()), 2;
  vm::Machine machine;
  size_t passed = 0, failed = 0;
  for (const compiler::TestInfo& t : checked.tests) {
    runtime::MemoryState state;
    runtime::CallContext context;
    context.state = &state;
    context.today = *today;
    context.caller = *caller;
    // A test makes many calls in one run; each call's own limit is the node's business.
    context.event_limit = UINT64_MAX;
    runtime::AbiEntry entry;
    entry.name = t.entry_name;
    runtime::CallOutcome out = runtime::call_entry(machine, *contract, entry, {}, o.gas, context);
    std::string name = "\"" + t.decl->name + "\"";
    if (out.status == runtime::CallStatus::ok) {
      ++passed;
      std::printf("PASS  %s (gas %llu)\n", name.c_str(), static_cast<unsigned long long>(out.gas_used));
      continue;
    }
    ++failed;
    std::printf("FAIL  %s\n", name.c_str());
    if (out.status == runtime::CallStatus::denied) {
      std::printf("      denied at %s: %s\n", runtime::outcome_location(*contract, out).c_str(),
                  out.reason.c_str());
      continue;
    }
    if (context.expect_failure) {
      const runtime::ExpectFailure& x = *context.expect_failure;
      const compiler::ExpectInfo& info = checked.expects[x.index];
      compiler::LineCol lc = source->line_col(info.span.begin);
      std::printf("      %s:%u:%u: %s\n", o.input.c_str(), lc.line, lc.column,
                  std::string(source->slice(info.span)).c_str());
      if (x.lhs.empty()) {
        std::printf("      the entry was not denied\n");
        continue;
      }
      const runtime::AbiType* type = info.type ? contract->abi().type_named(info.type->name()) : nullptr;
      auto show = [&](const std::vector<uint8_t>& bytes) {
        return type ? runtime::value_json(*type, bytes) : "0x" + to_hex(bytes);
      };
      std::printf("      left:  %s = %s\n", info.lhs_text.c_str(), show(x.lhs).c_str());
      std::printf("      right: %s = %s\n", info.rhs_text.c_str(), show(x.rhs).c_str());
      continue;
    }
    std::printf("      %s at %s\n", out.reason.c_str(), runtime::outcome_location(*contract, out).c_str());
  }
  std::printf("%zu passed, %zu failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

// ---- call -----------------------------------------------------------------------------

struct CallOptions {
  std::string module, entry, args = "{}", today = "2025-01-01", caller;
  uint64_t gas = 10'000'000;
};

int run_call(const CallOptions& o) {
  auto bytes = read_file(o.module);
  if (!bytes) return fail("call", bytes.error()), 2;
  auto today = runtime::parse_date(o.today);
  if (!today) return fail("call", "--today: expected a date YYYY-MM-DD, got " + o.today), 2;
  auto caller = parse_caller(o.caller);
  if (!caller) return fail("call", "--caller: " + caller.error()), 2;
  auto contract = runtime::LoadedContract::load(*bytes);
  if (!contract) return fail("call", o.module + ": " + contract.error()), 2;
  const runtime::AbiEntry* entry = contract->abi().find(o.entry);
  if (!entry) {
    std::string names;
    for (const auto& e : contract->abi().entries()) names += (names.empty() ? "" : ", ") + e.name;
    return fail("call", "no entry `" + o.entry + "` (entries: " + names + ")"), 2;
  }
  auto input = runtime::encode_params(*entry, o.args);
  if (!input) return fail("call", "--args: " + input.error()), 2;
  runtime::MemoryState state;
  runtime::CallContext context;
  context.state = &state;
  context.today = *today;
  context.caller = *caller;
  vm::Machine machine;
  runtime::CallOutcome out = runtime::call_entry(machine, *contract, *entry, *input, o.gas, context);
  if (out.status == runtime::CallStatus::fault || out.status == runtime::CallStatus::out_of_gas) {
    fail("call", out.reason + " at " + runtime::outcome_location(*contract, out) + " (gas used " +
                     std::to_string(out.gas_used) + ")");
    return 3;
  }
  std::printf("%s}\n", outcome_json_open(*contract, *entry, out, context.events).c_str());
  return 0;
}

}  // namespace

std::optional<std::vector<uint8_t>> module_bytes(const std::string& command,
                                                 const std::string& path, int& exit_code) {
  if (std::filesystem::path(path).extension() == ".cvn") {
    auto source = read_source(command, path);
    if (!source) return exit_code = 2, std::nullopt;
    auto c = compile_file(command, *source, compiler::Emit::module, false);
    if (!c) return exit_code = 1, std::nullopt;
    return std::move(c->bytes);
  }
  auto bytes = read_file(path);
  if (!bytes) return fail(command, bytes.error()), exit_code = 2, std::nullopt;
  return std::move(bytes).value();
}

void add_contract_commands(CLI::App& app, int& exit_code) {
  auto build = std::make_shared<BuildOptions>();
  CLI::App* b = app.add_subcommand("build", "Compile a contract (.cvn) into a module (.cvm)");
  b->add_option("contract", build->input, "Contract source (.cvn)")->required();
  b->add_option("-o,--output", build->output, "Module to write (default: the source with .cvm)");
  b->add_option("--emit", build->emit, "Print an intermediate form instead: ast, llvm or asm")
      ->check(CLI::IsMember({"ast", "llvm", "asm"}));
  b->callback([build, &exit_code] { exit_code = run_build(*build); });

  auto check_input = std::make_shared<std::string>();
  CLI::App* c = app.add_subcommand("check", "Check a contract and print the gas bound of every entry");
  c->add_option("contract", *check_input, "Contract source (.cvn)")->required();
  c->callback([check_input, &exit_code] { exit_code = run_check(*check_input); });

  auto test = std::make_shared<TestOptions>();
  CLI::App* t = app.add_subcommand("test", "Run a contract's test blocks on the VM");
  t->add_option("contract", test->input, "Contract source (.cvn)")->required();
  t->add_option("--today", test->today, "What now() returns, YYYY-MM-DD")->capture_default_str();
  t->add_option("--gas", test->gas, "Gas limit of each test")->capture_default_str();
  t->add_option("--caller", test->caller, "What caller() returns: a public key, 64 hex digits (default: all zero)");
  t->callback([test, &exit_code] { exit_code = run_test(*test); });

  auto call = std::make_shared<CallOptions>();
  CLI::App* k = app.add_subcommand("call", "Call an entry of a module with JSON arguments (in-memory state)");
  k->add_option("module", call->module, "Module (.cvm)")->required();
  k->add_option("entry", call->entry, "Entry to call")->required();
  k->add_option("--args", call->args, "Arguments as a JSON object, e.g. '{\"c\": {...}}'")->capture_default_str();
  k->add_option("--today", call->today, "What now() returns, YYYY-MM-DD")->capture_default_str();
  k->add_option("--gas", call->gas, "Gas limit")->capture_default_str();
  k->add_option("--caller", call->caller, "What caller() returns: a public key, 64 hex digits (default: all zero)");
  k->callback([call, &exit_code] { exit_code = run_call(*call); });
}

}  // namespace covenant::cli
