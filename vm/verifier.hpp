#pragma once
/// \file
/// The verifier: decides whether a sequence of instruction slots is a program this VM will
/// run. What a verified program guarantees is written down in docs/bytecode.md; in short:
/// every slot is a known instruction of the base32/base64/divmul32/divmul64 groups with its
/// reserved fields zero, every jump lands on an instruction of its own function (never on the
/// second slot of an lddw), r10 is never written, calls go to registered host functions or to
/// the first slot of a local function, and no function can run off its end.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vm/expected.hpp"
#include "vm/host.hpp"
#include "vm/opcodes.hpp"

namespace covenant::vm {

/// Why a program was rejected, at which slot.
struct VerifyError {
  uint32_t pc = 0;      ///< Slot index of the offending instruction.
  std::string reason;   ///< e.g. "jump to slot 12 lands inside an lddw".
};

/// What verification learned about the code, for the loader to reuse.
struct CodeShape {
  std::vector<Op> ops;                  ///< Form of every slot (lddw tails: `Op::count_`).
  std::vector<uint32_t> function_starts;  ///< Sorted; always contains 0.
};

/// Upper bound on the number of slots in one program (16 MiB of code).
inline constexpr size_t kMaxSlots = size_t{1} << 21;

/// Verifies `code`. `entry_points` are slot indices callable from outside (each starts a
/// function, as does every `call local` target); `hosts` lists the callable host ids.
Expected<CodeShape, VerifyError> verify(std::span<const RawInsn> code,
                                        std::span<const uint32_t> entry_points,
                                        const HostTable& hosts);

}  // namespace covenant::vm
