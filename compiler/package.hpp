#pragma once
/// \file
/// The packager: the BPF object `emit_object` produced in, a `.cvm` module out. It links
/// the object at compile time (`compiler/elf_object.hpp`), names the entry points, turns
/// the DWARF line table into the module's source map, computes the static gas bound of
/// every entry (`compiler/gas_bound.hpp`) and the deepest call chain, records them in the
/// module's metadata, and checks that the VM loads the result.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "compiler/gas_bound.hpp"
#include "vm/expected.hpp"
#include "vm/host.hpp"
#include "vm/module.hpp"

namespace covenant::compiler {

/// One entry point to export.
struct EntrySpec {
  std::string name;          ///< An ELF function symbol of `.text` (the LLVM function's name).
  uint32_t param_size = 0;   ///< Bytes of the parameter block the caller passes as input.
  uint32_t result_size = 0;  ///< Bytes of the result block the caller maps as output.
};

/// What the packager needs besides the object.
struct PackageRequest {
  std::vector<EntrySpec> entries;  ///< At least one; names unique.
  /// (line, column) of each source `for` keyword -> the most times its body runs per entry
  /// into the loop. Every loop left in the code must match one (see gas_bound.hpp).
  LoopBounds loop_bounds;
  /// Extra metadata (compiler version, source name, ABI, ...). Keys unique, and none of
  /// the keys the packager writes itself: "frame_size", "max_call_depth", "gas.<entry>".
  std::vector<std::pair<std::string, std::string>> metadata;
  /// The host functions the code may call, with their fixed gas. Must not be null.
  const vm::HostTable* hosts = nullptr;
};

/// A packaged module and what was computed for it.
struct Packaged {
  /// Entries sorted by name, source map by pc, metadata by key (the decoded order). Its
  /// metadata holds the request's pairs plus "frame_size" (= kFrameSize), "max_call_depth"
  /// and "gas.<entry>" for every entry, as decimal text.
  vm::Module module;
  std::map<std::string, uint64_t> gas_bound;  ///< Entry name -> static gas bound.
  uint32_t max_call_depth = 0;  ///< Frames a call can open, the entry's own included.
};

/// Builds the module of `object` (an ELF BPF relocatable object from `emit_object`).
/// Fails with a one-line reason when the object breaks a rule of `read_object`, when an
/// entry names no function of `.text`, when an entry or metadata key is repeated or
/// reserved, when a gas bound cannot be established (an unmatched loop, recursion), when
/// the VM's verifier rejects the code (with the slot and source location), or when the
/// module breaks a rule of the container (e.g. an entry name that is not an identifier).
/// Deterministic: the same object and request give the same module bytes.
Expected<Packaged, std::string> package(std::span<const uint8_t> object, const PackageRequest& request);

}  // namespace covenant::compiler
