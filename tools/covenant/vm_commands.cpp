#include "tools/covenant/vm_commands.hpp"

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "tools/covenant/json.hpp"
#include "tools/covenant/program_file.hpp"
#include "vm/disassembler.hpp"
#include "vm/hex.hpp"
#include "vm/machine.hpp"
#include "vm/module.hpp"

namespace covenant::cli {
namespace {

void fail(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "covenant %s: %s\n", command.c_str(), message.c_str());
}

bool write_file(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

/// "42,7,-1" -> the values as consecutive little-endian 64-bit words.
Expected<std::vector<uint8_t>, std::string> pack_u64(const std::string& list) {
  std::vector<uint8_t> bytes;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(start, end - start);
    char* rest = nullptr;
    errno = 0;
    uint64_t v = item.starts_with("-") ? static_cast<uint64_t>(std::strtoll(item.c_str(), &rest, 0))
                                       : std::strtoull(item.c_str(), &rest, 0);
    if (item.empty() || *rest != '\0' || errno != 0)
      return unexpected("--u64: '" + item + "' is not a 64-bit integer");
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
    start = end + 1;
  }
  return bytes;
}

struct AsmOptions {
  std::string input, output;
  bool raw = false;
};

int run_asm(const AsmOptions& o) {
  auto file = read_program(o.input);
  if (!file) return fail("asm", file.error()), 2;
  std::string out = o.output;
  if (out.empty()) {
    out = o.input.substr(0, o.input.rfind('.')) + (o.raw ? ".bin" : ".cvm");
    if (out == o.input) out += o.raw ? ".bin" : ".cvm";
  }
  std::vector<uint8_t> bytes;
  if (o.raw) {
    bytes.resize(file->module.code.size() * vm::kSlotSize);
    for (size_t i = 0; i < file->module.code.size(); ++i) file->module.code[i].encode(&bytes[i * vm::kSlotSize]);
  } else {
    bytes = vm::encode(file->module);
  }
  if (!write_file(out, bytes)) return fail("asm", out + ": cannot write"), 2;
  std::printf("wrote %s: %zu slots, %zu bytes, sha256 %s\n", out.c_str(), file->module.code.size(),
              bytes.size(), vm::module_id_hex(vm::module_id(bytes)).c_str());
  return 0;
}

int run_disasm(const std::string& input) {
  auto file = read_program(input);
  if (!file) return fail("disasm", file.error()), 2;
  const vm::Module& m = file->module;
  if (file->was_module) {
    auto bytes = read_file(input);
    std::printf("# module %s\n", vm::module_id_hex(vm::module_id(*bytes)).c_str());
    for (const auto& e : m.entries)
      std::printf("# entry %s at slot %u (params %u bytes, result %u bytes)\n", e.name.c_str(), e.slot,
                  e.param_size, e.result_size);
    if (!m.rodata.empty()) std::printf("# rodata %zu bytes\n", m.rodata.size());
    for (const auto& [key, value] : m.metadata) std::printf("# %s = %s\n", key.c_str(), value.c_str());
  }
  vm::HostTable hosts = vm::test_host_table();
  std::fputs(vm::disassemble(m.code, &hosts).c_str(), stdout);
  return 0;
}

struct RunOptions {
  std::string input, entry, mem_hex, mem_file, u64;
  vm::Limits limits;
  int64_t output_size = -1;
  bool json = false;
};

int run_run(RunOptions o) {
  auto file = read_program(o.input);
  if (!file) return fail("run", file.error()), 2;
  const vm::Module& m = file->module;

  const vm::Entry* entry = o.entry.empty() ? (m.entries.empty() ? nullptr : &m.entries.front())
                                           : m.find_entry(o.entry);
  if (entry == nullptr) return fail("run", o.input + ": no entry '" + o.entry + "'"), 2;

  std::vector<uint8_t> input;
  if (!o.mem_hex.empty()) {
    auto bytes = parse_hex(o.mem_hex);
    if (!bytes) return fail("run", "--mem is not valid hex"), 2;
    input = std::move(*bytes);
  } else if (!o.mem_file.empty()) {
    auto bytes = read_file(o.mem_file);
    if (!bytes) return fail("run", bytes.error()), 2;
    input = std::move(*bytes);
  } else if (!o.u64.empty()) {
    auto bytes = pack_u64(o.u64);
    if (!bytes) return fail("run", bytes.error()), 2;
    input = std::move(*bytes);
  }
  o.limits.output_size = o.output_size >= 0 ? static_cast<uint32_t>(o.output_size) : entry->result_size;

  auto program = vm::load_module(m, vm::test_host_table());
  if (!program) return fail("run", o.input + ": rejected: " + vm::describe(program.error())), 1;

  vm::Machine machine;
  vm::Outcome outcome = machine.run(*program, entry->slot, input, o.limits);
  if (!outcome.ok()) {
    std::string where;
    if (const vm::SourceLoc* loc = m.locate(outcome.fault->pc))
      where = " [line " + std::to_string(loc->line) + ":" + std::to_string(loc->column) + "]";
    if (o.json) {
      std::printf("{\"ok\":false,\"fault\":%s,\"pc\":%u,\"gas_used\":%" PRIu64 "}\n",
                  json_string(vm::describe(*outcome.fault)).c_str(), outcome.fault->pc, outcome.gas_used);
    }
    fail("run", vm::describe(*outcome.fault) + where + " (gas used " + std::to_string(outcome.gas_used) + ")");
    return 1;
  }
  std::string output_hex = to_hex(machine.output());
  if (o.json) {
    std::printf("{\"ok\":true,\"r0\":%" PRIu64 ",\"r0_hex\":\"0x%" PRIx64 "\",\"gas_used\":%" PRIu64
                ",\"output\":\"%s\"}\n",
                outcome.r0, outcome.r0, outcome.gas_used, output_hex.c_str());
  } else {
    std::printf("r0        %" PRId64 " (0x%" PRIx64 ")\n", static_cast<int64_t>(outcome.r0), outcome.r0);
    std::printf("gas used  %" PRIu64 " of %" PRIu64 "\n", outcome.gas_used, o.limits.gas);
    if (!output_hex.empty()) std::printf("output    %s\n", output_hex.c_str());
  }
  return 0;
}

}  // namespace

void add_vm_commands(CLI::App& app, int& exit_code) {
  auto asm_options = std::make_shared<AsmOptions>();
  CLI::App* asm_cmd = app.add_subcommand("asm", "Assemble text (bpf_conformance syntax) into a .cvm module or raw code");
  asm_cmd->add_option("file", asm_options->input, "Assembly source (.s)")->required();
  asm_cmd->add_option("-o,--output", asm_options->output, "Output path (default: FILE with .cvm or .bin)");
  asm_cmd->add_flag("--raw", asm_options->raw, "Write raw 8-byte instruction slots instead of a module");
  asm_cmd->callback([asm_options, &exit_code] { exit_code = run_asm(*asm_options); });

  auto disasm_input = std::make_shared<std::string>();
  CLI::App* disasm_cmd = app.add_subcommand("disasm", "Disassemble a .cvm module, raw code or assembly");
  disasm_cmd->add_option("file", *disasm_input, "Program (.cvm, .s, or raw bytes)")->required();
  disasm_cmd->callback([disasm_input, &exit_code] { exit_code = run_disasm(*disasm_input); });

  auto run_options = std::make_shared<RunOptions>();
  CLI::App* run_cmd = app.add_subcommand("run", "Run a program on the VM; print r0 and gas used");
  run_cmd->add_option("file", run_options->input, "Program (.cvm, .s, or raw bytes)")->required();
  run_cmd->add_option("--entry", run_options->entry, "Entry point name (default: the first)");
  auto* mem = run_cmd->add_option("--mem", run_options->mem_hex, "Input memory as hex bytes");
  auto* mem_file = run_cmd->add_option("--mem-file", run_options->mem_file, "Input memory from a binary file");
  auto* u64 = run_cmd->add_option("--u64", run_options->u64, "Input memory as comma-separated 64-bit integers");
  mem->excludes(mem_file)->excludes(u64);
  mem_file->excludes(u64);
  run_cmd->add_option("--gas", run_options->limits.gas, "Gas limit")->capture_default_str();
  run_cmd->add_option("--frame-size", run_options->limits.frame_size, "Stack bytes per frame")->capture_default_str();
  run_cmd->add_option("--depth", run_options->limits.max_call_depth, "Call depth limit")->capture_default_str();
  run_cmd->add_option("--heap", run_options->limits.heap_size, "Heap arena bytes")->capture_default_str();
  run_cmd->add_option("--output", run_options->output_size, "Output block bytes (default: the entry's result size)")
      ->check(CLI::Range(int64_t{0}, int64_t{64} << 20));
  run_cmd->add_flag("--writable-input", run_options->limits.writable_input, "Map the input read-write");
  run_cmd->add_flag("--json", run_options->json, "Print one JSON object");
  run_cmd->callback([run_options, &exit_code] { exit_code = run_run(*run_options); });
}

}  // namespace covenant::cli
