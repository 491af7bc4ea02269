#pragma once
/// \file
/// The back end's first half: an LLVM module in, an eBPF ELF relocatable object (or its
/// assembly text) out, in memory, through LLVM's own BPF target (triple `bpfel`, CPU `v4`).
/// The packager (`compiler/package.hpp`) turns the object into a `.cvm` module.
///
/// Everything LLVM reports while optimising or generating code (too many call arguments,
/// a frame above the stack limit, unsupported operations) comes back as an error string,
/// never as a printed message or a process exit. Output is deterministic: the same IR gives
/// the same bytes.

#include <cstdint>
#include <string>
#include <vector>

#include "vm/expected.hpp"

namespace llvm {
class Module;
}

namespace covenant::compiler {

/// Bytes of stack of one BPF frame. The BPF backend is told to accept frames up to this
/// size (its default limit is 512), so `vm::Limits::frame_size` must equal it when running
/// compiled modules; the packager records it as the metadata key "frame_size".
inline constexpr uint32_t kFrameSize = 8192;

/// Registers LLVM's BPF target (target info, MC layer, asm printer and parser) and sets the
/// backend's stack limit to `kFrameSize` through LLVM's global command-line options. Safe to
/// call any number of times from any thread: the work is done once. `emit_object` and
/// `emit_assembly` call it themselves; a failure here (LLVM rejecting the option) is
/// reported by them.
void init_backend();

/// Optimises `module` in place when `optimize` (LLVM's new pass manager, the default O2
/// pipeline, tuned by the BPF target), then generates an ELF64 little-endian BPF relocatable
/// object for it (CPU v4, aggressive code generation). Sets the module's target triple and
/// data layout. Fails, without printing anything, when the module does not verify (the
/// verifier's text) or when LLVM reports an error while optimising or generating code
/// (each message on its own line, with its source location when the IR carries one).
/// Installs its own diagnostic handler on the module's context for the duration of the
/// call and puts the previous one back afterwards. Deterministic.
Expected<std::vector<uint8_t>, std::string> emit_object(llvm::Module& module, bool optimize);

/// As `emit_object`, but returns the BPF assembly text of the module (`--emit asm`), in
/// LLVM's BPF syntax. With `optimize` it runs the same O2 pipeline first, so the text shows
/// the code `emit_object` would produce from the same IR; pass false for a module that was
/// already optimised. Same failures as `emit_object`.
Expected<std::string, std::string> emit_assembly(llvm::Module& module, bool optimize = true);

}  // namespace covenant::compiler
