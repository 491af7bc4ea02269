#include "ledger/checkpoint.hpp"

#include "ledger/base64.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace covenant::ledger {

namespace {

// U+2014 EM DASH followed by a space: the start of every signature line.
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";

// Length of the valid UTF-8 sequence starting at `s[i]`, or 0 if it is not one (overlong
// forms, surrogates and code points above U+10FFFF are invalid).
size_t utf8_sequence(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b = byte(i);
  if (b < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
    cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    cp = b & 0x0F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    cp = b & 0x07;
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

NoteError note_error(NoteError::Code code, size_t line, std::string reason) {
  NoteError e;
  e.code = code;
  e.line = line;
  e.reason = std::move(reason);
  return e;
}

NoteError malformed(size_t line, std::string reason) {
  return note_error(NoteError::Code::malformed, line,
                    (line == 0 ? "" : "malformed line " + std::to_string(line) + ": ") +
                        std::move(reason));
}

// Valid UTF-8 with no ASCII control character but newline; on failure the 1-based line.
Expected<void, NoteError> check_note_characters(std::string_view s) {
  size_t line = 1;
  for (size_t i = 0; i < s.size();) {
    uint8_t b = static_cast<uint8_t>(s[i]);
    if (b == '\n') {
      ++line;
      ++i;
      continue;
    }
    if (b < 0x20 || b == 0x7f) return unexpected(malformed(line, "control character"));
    size_t n = utf8_sequence(s, i);
    if (n == 0) return unexpected(malformed(line, "invalid UTF-8"));
    i += n;
  }
  return {};
}

// A foreign key name: non-empty, no space and no '+' (other keys' names need not be ASCII).
bool acceptable_foreign_name(std::string_view name) {
  return !name.empty() && name.find_first_of(" +") == std::string_view::npos;
}

bool valid_origin(std::string_view origin) {
  return !origin.empty() && std::all_of(origin.begin(), origin.end(), [](char c) {
    return c >= 0x21 && c <= 0x7e;
  });
}

std::vector<std::string_view> split_lines(std::string_view text) {
  // `text` ends with '\n'; the result has one element per line, without the newline.
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

uint32_t note_key_id(std::string_view name, const PublicKey& key) {
  std::vector<uint8_t> input(name.begin(), name.end());
  input.push_back('\n');
  input.push_back(kNoteEd25519Type);
  input.insert(input.end(), key.begin(), key.end());
  Hash h = thread_hasher().sha256(input);
  return (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
}

std::string note_verifier_key(std::string_view name, const PublicKey& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint32_t id = note_key_id(name, key);
  std::string out(name);
  out.push_back('+');
  for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kHex[(id >> shift) & 15]);
  out.push_back('+');
  std::vector<uint8_t> typed{kNoteEd25519Type};
  typed.insert(typed.end(), key.begin(), key.end());
  out += encode_base64(typed);
  return out;
}

bool valid_note_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return c >= 0x21 && c <= 0x7e && c != '+';
  });
}

Expected<std::string, NoteError> sign_note(std::string_view text, std::string_view name,
                                           const KeyPair& key) {
  using Code = NoteError::Code;
  if (!valid_note_name(name)) {
    return unexpected(note_error(Code::invalid_argument, 0,
                                 "key name must be non-empty printable ASCII without '+'"));
  }
  if (text.empty() || text.back() != '\n') {
    return unexpected(note_error(Code::invalid_argument, 0, "text must end with a newline"));
  }
  if (text.front() == '\n' || text.find("\n\n") != std::string_view::npos) {
    return unexpected(note_error(Code::invalid_argument, 0, "text has a blank line"));
  }
  if (auto ok = check_note_characters(text); !ok) {
    return unexpected(note_error(Code::invalid_argument, ok.error().line, ok.error().reason));
  }
  auto signature = key.sign(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  if (!signature) return unexpected(note_error(Code::internal, 0, signature.error().reason));
  uint32_t id = note_key_id(name, key.public_key());
  std::vector<uint8_t> blob = {static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(id >> 16),
                               static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
  blob.insert(blob.end(), signature->begin(), signature->end());
  std::string note(text);
  note += '\n';
  note += kSignaturePrefix;
  note += name;
  note += ' ';
  note += encode_base64(blob);
  note += '\n';
  if (note.size() > kMaxNoteSize) {
    return unexpected(note_error(Code::invalid_argument, 0, "note exceeds the maximum size"));
  }
  return note;
}

Expected<std::string, NoteError> open_note(std::string_view note, std::string_view name,
                                           const PublicKey& key) {
  using Code = NoteError::Code;
  if (note.size() > kMaxNoteSize) {
    return unexpected(malformed(0, "note has " + std::to_string(note.size()) +
                                       " bytes, maximum " + std::to_string(kMaxNoteSize)));
  }
  if (auto ok = check_note_characters(note); !ok) return unexpected(ok.error());
  // The signatures follow the LAST blank line; the text is everything before it, including
  // its final newline (c2sp.org/signed-note).
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return unexpected(malformed(0, "no blank line before the signatures"));
  }
  std::string_view text = note.substr(0, split + 1);
  std::string_view signatures = note.substr(split + 2);
  size_t first_signature_line =
      static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 2;
  if (signatures.empty()) return unexpected(malformed(first_signature_line, "no signature"));
  if (signatures.back() != '\n') {
    return unexpected(malformed(first_signature_line +
                                    static_cast<size_t>(std::count(signatures.begin(),
                                                                   signatures.end(), '\n')),
                                "last signature line does not end with a newline"));
  }
  auto lines = split_lines(signatures);
  if (lines.size() > kMaxNoteSignatures) {
    return unexpected(malformed(first_signature_line + kMaxNoteSignatures,
                                "more than " + std::to_string(kMaxNoteSignatures) +
                                    " signatures"));
  }
  uint32_t our_id = note_key_id(name, key);
  bool verified = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t line_number = first_signature_line + i;
    std::string_view line = lines[i];
    if (!line.starts_with(kSignaturePrefix)) {
      return unexpected(malformed(line_number, "signature line does not start with \"— \""));
    }
    line.remove_prefix(kSignaturePrefix.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return unexpected(malformed(line_number, "no space between key name and signature"));
    }
    std::string_view line_name = line.substr(0, space);
    if (!acceptable_foreign_name(line_name)) {
      return unexpected(malformed(line_number, "bad key name"));
    }
    auto blob = decode_base64(line.substr(space + 1));
    if (!blob || blob->size() < 5) {
      return unexpected(malformed(line_number, "signature is not base64 of a key ID and "
                                               "a signature"));
    }
    uint32_t id = (uint32_t{(*blob)[0]} << 24) | (uint32_t{(*blob)[1]} << 16) |
                  (uint32_t{(*blob)[2]} << 8) | (*blob)[3];
    // Signatures by other keys are allowed and ignored: a checkpoint may carry witnesses'
    // cosignatures we do not know.
    if (line_name != name || id != our_id) continue;
    if (blob->size() != 4 + 64) {
      return unexpected(note_error(Code::bad_signature, line_number,
                                   "bad signature on line " + std::to_string(line_number) +
                                       ": " + std::to_string(blob->size() - 4) +
                                       " signature bytes, expected 64"));
    }
    Signature signature{};
    std::copy(blob->begin() + 4, blob->end(), signature.begin());
    auto ok = verify(key, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                     signature);
    if (!ok) {
      auto code = ok.error().code == SignatureError::Code::internal ? Code::internal
                                                                    : Code::bad_signature;
      return unexpected(note_error(code, line_number,
                                   "bad signature on line " + std::to_string(line_number) +
                                       ": " + ok.error().reason));
    }
    verified = true;
  }
  if (!verified) {
    return unexpected(note_error(Code::unknown_key, 0,
                                 "no signature by the expected key \"" + std::string(name) +
                                     "\""));
  }
  return std::string(text);
}

Expected<std::string, NoteError> format_checkpoint(std::string_view origin, uint64_t size,
                                                   const Hash& root, std::string_view name,
                                                   const KeyPair& key) {
  if (!valid_origin(origin)) {
    return unexpected(note_error(NoteError::Code::invalid_argument, 0,
                                 "origin must be non-empty printable ASCII without spaces"));
  }
  std::string text(origin);
  text += '\n';
  text += std::to_string(size);
  text += '\n';
  text += encode_base64(root);
  text += '\n';
  return sign_note(text, name, key);
}

Expected<CheckpointInfo, NoteError> parse_and_verify_checkpoint(std::string_view text,
                                                                std::string_view expected_origin,
                                                                std::string_view name,
                                                                const PublicKey& key) {
  // The signature first: nothing of an unverified note is interpreted.
  auto body = open_note(text, name, key);
  if (!body) return unexpected(std::move(body).error());
  auto lines = split_lines(*body);
  if (lines.size() < 3) {
    return unexpected(malformed(lines.size() + 1, "checkpoint needs origin, size and root lines"));
  }
  if (lines[0].empty()) return unexpected(malformed(1, "empty origin"));
  std::string_view size_text = lines[1];
  if (size_text.empty() || size_text.size() > 20 ||
      !std::all_of(size_text.begin(), size_text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      (size_text.size() > 1 && size_text[0] == '0')) {
    return unexpected(malformed(2, "tree size is not a decimal number without leading zeros"));
  }
  CheckpointInfo info;
  for (char c : size_text) {
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (info.size > (UINT64_MAX - digit) / 10) {
      return unexpected(malformed(2, "tree size exceeds 2^64-1"));
    }
    info.size = info.size * 10 + digit;
  }
  auto root = decode_base64(lines[2]);
  if (!root || root->size() != info.root.size()) {
    return unexpected(malformed(3, "root is not canonical base64 of 32 bytes"));
  }
  std::copy(root->begin(), root->end(), info.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return unexpected(malformed(i + 1, "empty extension line"));
  }
  if (lines[0] != expected_origin) {
    return unexpected(note_error(NoteError::Code::wrong_origin, 1,
                                 "origin \"" + std::string(lines[0]) + "\" is not \"" +
                                     std::string(expected_origin) + "\""));
  }
  return info;
}

}  // namespace covenant::ledger
