#pragma once
/// \file
/// The error value of the ledger's storage layer (segment files, world state, node directory,
/// audit): what kind of failure, and where — the file, the byte offset in it, the block and
/// the entry — as far as each is known. docs/ledger.md, "Storage", lists when each code occurs.

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace covenant::ledger {

/// Why a storage operation failed, and where.
struct StorageError {
  /// What kind of failure, so that callers can tell damage from misuse and from the system.
  enum class Code {
    io,                ///< the operating system refused a call (open, read, write, fsync...)
    corrupt,           ///< stored bytes are damaged or tampered with; nothing was changed
    rejected,          ///< a block or entry breaks a ledger rule; nothing was changed
    invalid_argument,  ///< the caller's input is unusable (a bad chain id, a size too large)
    busy,              ///< another process holds the ledger directory
    not_found,         ///< there is no ledger (or no such block, entry or size) there
    state,             ///< LMDB failed
    internal,          ///< OpenSSL failed, or the ledger refuses work after an earlier failure
  };
  /// The value of `offset`, `block` and `entry` when unknown or not applicable.
  static constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();

  /// Which of the above.
  Code code = Code::internal;
  /// The path of the file at fault (as opened: the ledger directory joined with its name);
  /// empty when no single file is.
  std::string file;
  /// Byte offset in `file` of the damaged or offending bytes, or kNone.
  uint64_t offset = kNone;
  /// Height of the block at fault, or kNone.
  uint64_t block = kNone;
  /// Index of the entry within that block, or kNone.
  uint64_t entry = kNone;
  /// One line, no trailing period.
  std::string reason;

  /// An error of `code` for `reason`, nothing known yet about where: `in` and `at` add that,
  /// e.g. `StorageError::of(Code::corrupt, "...").in(path, offset).at(height)`.
  static StorageError of(Code code, std::string reason) {
    StorageError e;
    e.code = code;
    e.reason = std::move(reason);
    return e;
  }
  /// This error, located in the file `path`, at byte `byte` if known.
  StorageError in(std::string path, uint64_t byte = kNone) && {
    file = std::move(path);
    offset = byte;
    return std::move(*this);
  }
  /// This error, located at block `height` and, if known, its entry `index`.
  StorageError at(uint64_t height, uint64_t index = kNone) && {
    block = height;
    entry = index;
    return std::move(*this);
  }

  /// "<file> at byte <offset>: block <block>, entry <entry>: <reason>", leaving out what is
  /// unknown. One line.
  std::string describe() const {
    std::string out;
    if (!file.empty()) {
      out += file;
      if (offset != kNone) out += " at byte " + std::to_string(offset);
      out += ": ";
    }
    if (block != kNone) {
      out += "block " + std::to_string(block);
      if (entry != kNone) out += ", entry " + std::to_string(entry);
      out += ": ";
    }
    return out + reason;
  }
};

/// The name of a code ("io", "corrupt", ...), for JSON output.
inline const char* storage_error_name(StorageError::Code code) {
  using Code = StorageError::Code;
  switch (code) {
    case Code::io: return "io";
    case Code::corrupt: return "corrupt";
    case Code::rejected: return "rejected";
    case Code::invalid_argument: return "invalid_argument";
    case Code::busy: return "busy";
    case Code::not_found: return "not_found";
    case Code::state: return "state";
    case Code::internal: return "internal";
  }
  return "unknown";
}

}  // namespace covenant::ledger
