// libFuzzer target for the assembler and disassembler. Any text either fails with a position
// inside the text and a reason, or assembles to slots whose disassembly reassembles to exactly
// the same slots. Violations trap, so libFuzzer (and the replay) report them as crashes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "vm/assembler.hpp"
#include "vm/disassembler.hpp"

namespace {

#define ASM_FUZZ_CHECK(cond)                                                                   \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "asm_fuzz: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      __builtin_trap();                                                                        \
    }                                                                                          \
  } while (0)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto code = covenant::vm::assemble(text);
  if (!code) {
    const auto& e = code.error();
    size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    ASM_FUZZ_CHECK(e.line >= 1 && e.line <= lines);
    ASM_FUZZ_CHECK(!e.reason.empty());
    return 0;
  }
  std::string listing = covenant::vm::disassemble(*code);
  auto again = covenant::vm::assemble(listing);
  ASM_FUZZ_CHECK(again.has_value());
  ASM_FUZZ_CHECK(*again == *code);
  return 0;
}
