#pragma once
/// \file
/// Reads the ELF relocatable object LLVM's BPF backend produces (`emit_object`) and links
/// it at compile time into the flat image a module holds: the code of `.text` with every
/// relocation applied, the read-only data laid out as the VM maps it, the function symbols
/// and the DWARF line table. The VM never sees ELF. Accepted, and nothing else:
///
/// - code only in `.text` (another executable section with contents is an error);
/// - read-only data in any allocatable, non-writable, non-executable section (`.rodata`,
///   `.rodata.*`, `.rodata.str*`, `.rodata.cst*`), concatenated in section order, each at
///   its own alignment, mapped at `region_base(Region::rodata)`;
/// - no writable data: an allocatable writable section (`.data`, `.bss`) with contents is
///   an error naming its symbols;
/// - relocations of `.text`: `R_BPF_64_64` on an `lddw` of a read-only datum (the address
///   is split into the two immediates), `R_BPF_64_32` on a `call` of a function in
///   `.text` (becomes a `call local` with a slot-relative immediate); relocations of
///   read-only data: `R_BPF_64_ABS64` of a pointer to read-only data. Any other
///   relocation of code or data is an error naming its type.
///
/// Debug information, BTF and unwind tables (`.debug_*`, `.BTF`, `.BTF.ext`, `.eh_frame`)
/// and their relocations are not part of the image; only the line table is read from them.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "vm/expected.hpp"
#include "vm/module.hpp"
#include "vm/opcodes.hpp"

namespace covenant::compiler {

/// A BPF object linked into one flat image.
struct ObjectImage {
  std::vector<vm::RawInsn> code;              ///< `.text`, relocated, one element per slot.
  std::vector<uint8_t> rodata;                ///< Read-only data as mapped at run time.
  std::map<std::string, uint32_t> functions;  ///< Function symbols of `.text` -> first slot.
  /// The DWARF line table by slot: sorted by pc, one row per pc, each covering its slot up
  /// to the next row, consecutive rows with the same line and column merged. Line 0 rows
  /// (code the compiler attributes to no source line) are kept, so that a lookup never
  /// credits such code with a neighbour's line. Empty without debug information.
  std::vector<vm::SourceLoc> lines;
};

/// Reads and links `object` (an ELF64 little-endian BPF relocatable object). Fails with a
/// one-line reason, prefixed "BPF object: ", for a malformed object or anything the file
/// comment does not accept. Deterministic: the same bytes give the same image.
Expected<ObjectImage, std::string> read_object(std::span<const uint8_t> object);

}  // namespace covenant::compiler
