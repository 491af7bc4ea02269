#pragma once
/// \file
/// The `.cvm` module container: the code, read-only data, entry points, source map and
/// metadata of one contract, as the bytes a node stores and hashes. The layout is specified
/// byte by byte in docs/bytecode.md ("Module container"). Every module has exactly one
/// encoding: `decode` accepts only canonical bytes, so `encode(decode(b)) == b` for every
/// accepted `b`, and the SHA-256 of the bytes (`module_id`) identifies the module.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vm/expected.hpp"
#include "vm/host.hpp"
#include "vm/opcodes.hpp"
#include "vm/program.hpp"

namespace covenant::vm {

/// The four bytes every module starts with: "CVM" and a NUL.
inline constexpr std::array<uint8_t, 4> kModuleMagic = {'C', 'V', 'M', 0};
/// The only container version this code reads and writes.
inline constexpr uint16_t kModuleVersion = 1;
/// Bytes of the fixed header (magic, version, flags, section count).
inline constexpr size_t kModuleHeaderSize = 12;
/// Bytes of one section-table row (kind, offset, length).
inline constexpr size_t kSectionEntrySize = 12;
/// Longest entry-point name, in bytes.
inline constexpr size_t kMaxEntryName = 64;
/// Most entry points one module may declare.
inline constexpr uint32_t kMaxEntries = 4096;
/// Longest metadata key, in bytes.
inline constexpr size_t kMaxMetadataKey = 255;
/// Most metadata pairs one module may carry.
inline constexpr uint32_t kMaxMetadata = 4096;

/// Section kinds, numbered as they appear in the section table. Sections are stored in
/// ascending kind order, each at most once.
enum class SectionKind : uint32_t {
  code = 1,        ///< Instruction slots (required).
  rodata = 2,      ///< Read-only data mapped at region_base(Region::rodata) (optional).
  entries = 3,     ///< Named entry points (required).
  source_map = 4,  ///< Slot -> source line/column (optional).
  metadata = 5,    ///< Key/value UTF-8 text (optional).
};

/// Name of a section kind as docs/bytecode.md spells it ("CODE", "RODATA", ...), or "?".
std::string_view section_name(SectionKind kind);

/// One entry point: a function other code (the runtime) may call by name.
struct Entry {
  std::string name;          ///< 1..64 identifier characters: [A-Za-z_][A-Za-z0-9_]*.
  uint32_t slot = 0;         ///< Instruction slot where the function starts.
  uint32_t param_size = 0;   ///< Bytes of the parameter block the caller passes as input.
  uint32_t result_size = 0;  ///< Bytes of the result block the caller maps as output.
  friend bool operator==(const Entry&, const Entry&) = default;
};

/// One source-map row: instructions from slot `pc` on came from `line`:`column`.
struct SourceLoc {
  uint32_t pc = 0;      ///< Instruction slot.
  uint32_t line = 0;    ///< 1-based source line.
  uint32_t column = 0;  ///< 1-based source column; 0 when unknown.
  friend bool operator==(const SourceLoc&, const SourceLoc&) = default;
};

/// A decoded module. `decode` returns entries sorted by name, the source map sorted by pc
/// and metadata sorted by key; `encode` sorts them itself, so a hand-built module may list
/// them in any order (but `locate` and `find_entry` expect the decoded order).
struct Module {
  std::vector<RawInsn> code;          ///< Instruction slots (CODE), 1..kMaxSlots of them.
  std::vector<uint8_t> rodata;        ///< Read-only data (RODATA), mapped at region_base(rodata).
  std::vector<Entry> entries;         ///< Entry points (ENTRIES), at least one.
  std::vector<SourceLoc> source_map;  ///< Slot -> source rows (SOURCEMAP), may be empty.
  std::vector<std::pair<std::string, std::string>> metadata;  ///< Key/value UTF-8 (METADATA).

  /// The source-map row that covers `pc`: the one with the greatest pc not above `pc`, or
  /// nullptr if the map is empty or starts after `pc`. Requires `source_map` sorted by pc.
  const SourceLoc* locate(uint32_t pc) const;
  /// The entry called `name`, or nullptr. Requires `entries` sorted by name.
  const Entry* find_entry(std::string_view name) const;

  friend bool operator==(const Module&, const Module&) = default;
};

/// Why bytes are not a valid module.
struct ModuleError {
  uint64_t offset = 0;  ///< Byte offset in the input of the field found wrong.
  std::string reason;   ///< e.g. "section CODE length 12 is not a multiple of 8".
};

/// The canonical bytes of `module`: sections CODE, RODATA (if non-empty), ENTRIES,
/// SOURCEMAP (if non-empty) and METADATA (if non-empty), in that order and back to back;
/// entries sorted by name, the source map by pc, metadata by key. Deterministic: equal
/// modules give equal bytes. Does not validate; `decode` of the result fails if `module`
/// breaks a rule of the format (e.g. an entry slot outside the code, duplicate names).
std::vector<uint8_t> encode(const Module& module);

/// Parses and checks `bytes`. Accepts only canonical encodings (see docs/bytecode.md), so
/// for every success `encode(result) == bytes`. Every length and offset is checked before
/// use; counts are bounded by the bytes that could hold them, so memory allocated is
/// proportional to the input. Fails with the offset of the first wrong field and why.
/// Checks the container only: the instructions themselves are for the verifier.
Expected<Module, ModuleError> decode(std::span<const uint8_t> bytes);

/// A module's identity: SHA-256 of its bytes (OpenSSL EVP). Aborts the process only if
/// OpenSSL cannot provide SHA-256 at all, which means a broken installation.
std::array<uint8_t, 32> module_id(std::span<const uint8_t> bytes);

/// Lower-case hex of a module id (64 characters).
std::string module_id_hex(const std::array<uint8_t, 32>& id);

/// Why a decoded module failed to load: the verifier's complaint, located.
struct LoadError {
  uint32_t pc = 0;                  ///< Slot the verifier rejected.
  std::optional<SourceLoc> source;  ///< Source-map row covering `pc`, when there is one.
  std::string reason;               ///< The verifier's reason.
};

/// One line for a load error: "slot 7 (line 12, column 3): jump lands inside an lddw".
std::string describe(const LoadError& e);
/// One line for a container error: "byte 40: section CODE length 12 ...".
std::string describe(const ModuleError& e);

/// Verifies and loads `module` with its entry slots as entry points and `hosts` as the
/// callable host functions (`Program::load`). Fails with the slot and, when the source map
/// covers it, the source location the verifier objected to.
Expected<Program, LoadError> load_module(const Module& module, const HostTable& hosts);

}  // namespace covenant::vm
