#include "compiler/package.hpp"

#include <algorithm>
#include <set>

#include "compiler/backend.hpp"
#include "compiler/elf_object.hpp"

namespace covenant::compiler {
namespace {

constexpr std::string_view kGasPrefix = "gas.";

bool reserved_key(std::string_view key) {
  return key == "frame_size" || key == "max_call_depth" || key.starts_with(kGasPrefix);
}

// The source map keeps only rows with a line: code at line 0 is covered by the row before
// it, which is the best a fault there can be located.
std::vector<vm::SourceLoc> source_map(const std::vector<vm::SourceLoc>& lines) {
  std::vector<vm::SourceLoc> out;
  for (const vm::SourceLoc& row : lines) {
    if (row.line == 0) continue;
    if (!out.empty() && out.back().line == row.line && out.back().column == row.column) continue;
    out.push_back(row);
  }
  return out;
}

}  // namespace

Expected<Packaged, std::string> package(std::span<const uint8_t> object,
                                        const PackageRequest& request) {
  if (request.hosts == nullptr) return unexpected(std::string("package: no host table given"));
  if (request.entries.empty()) return unexpected(std::string("package: no entry points given"));

  auto image = read_object(object);
  if (!image) return unexpected(std::move(image).error());

  Packaged out;
  vm::Module& module = out.module;
  module.code = std::move(image->code);
  module.rodata = std::move(image->rodata);
  module.source_map = source_map(image->lines);

  std::set<std::string> names;
  for (const EntrySpec& spec : request.entries) {
    if (!names.insert(spec.name).second)
      return unexpected("entry '" + spec.name + "' is listed twice");
    auto fn = image->functions.find(spec.name);
    if (fn == image->functions.end())
      return unexpected("entry '" + spec.name + "': the object has no function of that name");
    module.entries.push_back({spec.name, fn->second, spec.param_size, spec.result_size});
  }
  std::sort(module.entries.begin(), module.entries.end(),
            [](const vm::Entry& a, const vm::Entry& b) { return a.name < b.name; });

  auto program = vm::load_module(module, *request.hosts);
  if (!program) return unexpected("the VM rejects the code: " + vm::describe(program.error()));

  std::vector<uint32_t> slots;
  for (const vm::Entry& e : module.entries) slots.push_back(e.slot);
  auto bounds = bound_gas(module.code, slots, image->lines, request.loop_bounds, *request.hosts);
  if (!bounds) return unexpected(std::move(bounds).error());
  out.max_call_depth = bounds->max_call_depth;
  for (size_t i = 0; i < module.entries.size(); ++i)
    out.gas_bound[module.entries[i].name] = bounds->entry_gas[i];

  std::set<std::string> keys;
  for (const auto& [key, value] : request.metadata) {
    if (reserved_key(key))
      return unexpected("metadata key '" + key + "' is reserved for the packager");
    if (!keys.insert(key).second) return unexpected("metadata key '" + key + "' is listed twice");
    module.metadata.emplace_back(key, value);
  }
  module.metadata.emplace_back("frame_size", std::to_string(kFrameSize));
  module.metadata.emplace_back("max_call_depth", std::to_string(out.max_call_depth));
  for (const auto& [name, gas] : out.gas_bound)
    module.metadata.emplace_back(std::string(kGasPrefix) + name, std::to_string(gas));
  std::sort(module.metadata.begin(), module.metadata.end());

  // The container's own rules (entry names, sizes, UTF-8 metadata) are checked by decoding
  // what would be written.
  auto decoded = vm::decode(vm::encode(module));
  if (!decoded) return unexpected("invalid module: " + vm::describe(decoded.error()));
  return out;
}

}  // namespace covenant::compiler
