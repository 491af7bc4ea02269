#pragma once
/// \file
/// The `.data` test-case format of bpf_conformance (and uBPF before it), which our own VM
/// cases in tests/vm/data use too:
///
///     # comment lines at the top
///     -- asm                 program text (vm/assembler.hpp syntax)
///     -- raw                 program slots: one 64-bit word per line (0x5566778800000018,
///                            the little-endian reading of the slot: low byte = opcode), or
///                            8 hex bytes per line (04 10 00 00 01 00 00 00)
///     -- mem                 input bytes in hex, over any number of lines
///     -- result              expected r0, hex (0x...) or decimal
///     -- error               the run must fail; the text, if any, describes how
///     -- limits              our extension: `key value` lines overriding the runner's limits
///                            (gas, max_call_depth, frame_size, heap_size, output_size,
///                            writable_input)
///     -- c                   C source of the case (ignored)
///
/// Any other `-- name` section is ignored, as upstream does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vm/expected.hpp"
#include "vm/opcodes.hpp"

namespace covenant::conformance {

/// One parsed test case. Sections that are absent stay empty (`nullopt`); a present but empty
/// section is an empty value, which matters for `-- error`.
struct DataFile {
  std::optional<std::string> asm_text;          ///< `-- asm` body, verbatim.
  uint32_t asm_first_line = 0;                  ///< File line (1-based) of the body's first line.
  std::optional<std::vector<vm::RawInsn>> raw;  ///< `-- raw` slots.
  std::vector<uint8_t> mem;                     ///< `-- mem` bytes (empty if absent).
  std::optional<uint64_t> result;               ///< `-- result` value.
  std::optional<std::string> error;             ///< `-- error` body, whitespace-trimmed.
  std::vector<std::pair<std::string, std::string>> limits;  ///< `-- limits` key/value pairs.
};

/// Parses the text of a `.data` file. Fails with "line N: reason" on a malformed `-- raw`,
/// `-- mem`, `-- result` or `-- limits` line, or on a section given twice.
Expected<DataFile, std::string> parse_data_file(std::string_view text);

/// Reads and parses the file at `path`. Fails if it cannot be read or does not parse; the
/// reason then starts with the path.
Expected<DataFile, std::string> read_data_file(const std::string& path);

}  // namespace covenant::conformance
