#pragma once
/// \file
/// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, and C2SP tlog
/// checkpoints (https://c2sp.org/tlog-checkpoint) carried in them: the log's origin, tree
/// size and root, signed so that any holder of the public key can check them. Pure text
/// formatting and parsing, no I/O. Rules in docs/ledger.md, "Checkpoints".

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/ed25519.hpp"
#include "ledger/hasher.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The signed-note signature type of Ed25519 (the byte hashed into the key ID).
inline constexpr uint8_t kNoteEd25519Type = 0x01;
/// The most signature lines a note may carry (as golang.org/x/mod/sumdb/note).
inline constexpr size_t kMaxNoteSignatures = 100;
/// The largest note accepted, in bytes (checkpoints are a few hundred bytes).
inline constexpr size_t kMaxNoteSize = 1u << 16;

/// Why a note or checkpoint cannot be made, or is not accepted.
struct NoteError {
  /// What is wrong.
  enum class Code {
    invalid_argument,  ///< a name, origin or text the caller supplied cannot be signed
    malformed,         ///< the text breaks the signed-note or checkpoint syntax (see `line`)
    unknown_key,       ///< no signature line is by the expected key (name and key ID)
    bad_signature,     ///< a signature line by the expected key does not verify
    wrong_origin,      ///< the checkpoint's origin is not the expected one
    internal,          ///< OpenSSL failed
  };
  /// Which of the above.
  Code code = Code::internal;
  /// For `malformed`, `bad_signature`: the 1-based line of the whole note at fault; 0 when
  /// no single line is (e.g. the note is not valid UTF-8 or has no signature block).
  size_t line = 0;
  /// One line, no trailing period.
  std::string reason;
};

/// The 4-byte signed-note key ID of an Ed25519 key, as a big-endian number: the first four
/// bytes of SHA-256(name || 0x0A || 0x01 || public key).
uint32_t note_key_id(std::string_view name, const PublicKey& key);

/// The verifier key text "<name>+<8 hex digits of key ID>+<base64(0x01 || public key)>"
/// used by golang.org/x/mod/sumdb/note, for display and interoperability.
std::string note_verifier_key(std::string_view name, const PublicKey& key);

/// True if `name` can be a signed-note key name: non-empty printable ASCII (0x21-0x7e)
/// without '+'. (The spec allows any UTF-8 without spaces or '+'; we sign only ASCII names.)
bool valid_note_name(std::string_view name);

/// Signs `text` as a signed note with one signature line by `name`'s `key`:
/// text || "\n" || "— " name " " base64(key ID || signature) "\n". `text` must be
/// non-empty, valid UTF-8, end in a newline, contain no blank line and no ASCII control
/// character other than newline. Fails with `invalid_argument` or `internal`.
Expected<std::string, NoteError> sign_note(std::string_view text, std::string_view name,
                                           const KeyPair& key);

/// Checks a signed note and returns its text (up to and including the newline before the
/// blank line). Syntax errors give `malformed` with the line; signature lines by other keys
/// are skipped (they are allowed); every line by `name` with `key`'s ID must verify
/// (`bad_signature`), and at least one must exist (`unknown_key`).
Expected<std::string, NoteError> open_note(std::string_view note, std::string_view name,
                                           const PublicKey& key);

/// What a verified checkpoint says about the log.
struct CheckpointInfo {
  /// Number of leaves in the log.
  uint64_t size = 0;
  /// RFC 9162 root of those leaves.
  Hash root{};
};

/// The checkpoint "<origin>\n<size>\n<base64 root>\n" signed by `name`'s `key` as a signed
/// note. `origin` must be non-empty printable ASCII without spaces (0x21-0x7e), `name` a
/// valid note name; we emit no extension lines. Fails with `invalid_argument`
/// or `internal`.
Expected<std::string, NoteError> format_checkpoint(std::string_view origin, uint64_t size,
                                                   const Hash& root, std::string_view name,
                                                   const KeyPair& key);

/// Verifies a checkpoint note (`open_note`), then parses its text: line 1 the origin (must
/// equal `expected_origin`: `wrong_origin`), line 2 the size (decimal, no sign, no leading
/// zeros, at most 2^64-1), line 3 the root (canonical base64 of 32 bytes), then optional
/// non-empty extension lines (ignored). Syntax errors give `malformed` with the line.
Expected<CheckpointInfo, NoteError> parse_and_verify_checkpoint(std::string_view text,
                                                                std::string_view expected_origin,
                                                                std::string_view name,
                                                                const PublicKey& key);

}  // namespace covenant::ledger
