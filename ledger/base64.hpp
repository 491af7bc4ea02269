#pragma once
/// \file
/// Strict base64 (RFC 4648 §4, standard alphabet, '=' padding): signed-note checkpoints and
/// the transparency-dev vectors use it.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace covenant::ledger {

/// `bytes` as padded base64 with the standard alphabet.
std::string encode_base64(std::span<const uint8_t> bytes);


/// Decodes `text`, or nothing unless it is canonical base64: length a multiple of 4, only
/// the standard alphabet, '=' only as one or two final padding characters, and the unused
/// low bits of the last symbol zero (so every byte string has exactly one encoding). The
/// empty string decodes to no bytes. No whitespace is accepted.
std::optional<std::vector<uint8_t>> decode_base64(std::string_view text);

}  // namespace covenant::ledger
