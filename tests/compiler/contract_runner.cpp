#include "tests/compiler/contract_runner.hpp"

#include <filesystem>
#include <stdexcept>

#include "compiler/backend.hpp"

namespace covenant::compiler::testing {

Built build(const std::string& name, const std::string& text, bool tests) {
  Built b;
  b.source = std::make_unique<SourceFile>(name, text);
  CompileRequest request;
  request.base_dir = std::filesystem::path(COVENANT_SOURCE_DIR) / "tests/compiler/libraries";
  request.library_dirs = {request.base_dir};
  request.tests = tests;
  Diagnostics diags;
  b.compilation = compile(*b.source, request, diags);
  b.diagnostics = render_all(*b.source, diags);
  return b;
}

Called call(const Built& built, const std::string& entry, std::span<const uint8_t> params,
            runtime::MemoryState& state, const runtime::CallerKey& caller) {
  static const vm::HostTable hosts = runtime::contract_host_table();
  auto program = vm::load_module(built.module(), hosts);
  if (!program) throw std::runtime_error("the module does not load: " + vm::describe(program.error()));
  const vm::Entry* e = built.module().find_entry(entry);
  if (e == nullptr) throw std::runtime_error("the module has no entry " + entry);
  Called out;
  vm::Limits limits;
  limits.frame_size = kFrameSize;
  limits.output_size = e->result_size;
  limits.max_call_depth = 16;
  runtime::CallContext context;
  context.state = &state;
  context.today = days_from_civil(2027, 1, 1);
  context.caller = caller;
  vm::Machine machine;
  out.outcome = machine.run(*program, e->slot, params, limits, &context);
  out.output.assign(machine.output().begin(), machine.output().end());
  out.events = std::move(context.events);
  return out;
}

std::vector<uint8_t> words(std::initializer_list<int64_t> values) {
  std::vector<uint8_t> out;
  for (int64_t v : values)
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)));
  return out;
}

int64_t word_at(std::span<const uint8_t> bytes, size_t offset) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | bytes[offset + static_cast<size_t>(i)];
  return static_cast<int64_t>(v);
}

}  // namespace covenant::compiler::testing
