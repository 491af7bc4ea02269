#pragma once
/// \file
/// A deliberately small loader for the BPF ELF relocatable objects clang produces
/// (`clang-19 -target bpf -O2 -c`), just enough to run the benchmark workloads in the VM.
///
/// What it supports: one code section holding the requested function, read-only data in
/// `.rodata*` sections, and `R_BPF_64_64` relocations of `lddw` against that data, which are
/// resolved to `region_base(Region::rodata)` + the datum's offset in the concatenated
/// read-only data. Anything else that the function's code needs (calls to functions that must
/// be linked, writable globals, maps, RELA relocations, other relocation types) is rejected
/// with a reason rather than guessed at.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vm/expected.hpp"
#include "vm/opcodes.hpp"

namespace covenant::bench {

/// A function extracted from a BPF object, ready for `vm::Program::load`.
struct BpfFunction {
  std::vector<vm::RawInsn> code;          ///< The whole code section holding it, relocated.
  std::vector<uint8_t> rodata;            ///< All `.rodata*` sections, concatenated and aligned.
  uint32_t entry = 0;                     ///< Slot of the function's first instruction.
  std::vector<uint32_t> function_starts;  ///< Slots of every function in the section, sorted.
};

/// Extracts the function named `function` from the ELF object `elf`. Fails with a one-line
/// reason on a malformed object or on anything the header comment does not list.
Expected<BpfFunction, std::string> load_bpf_function(std::span<const uint8_t> elf,
                                                     std::string_view function);

}  // namespace covenant::bench
