#pragma once
/// \file
/// The pieces every canonical ledger encoding is built from: little-endian writers and a
/// bounds-checked reader over untrusted bytes whose errors name the byte offset.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "vm/expected.hpp"

namespace covenant::ledger {

/// Why bytes are not a valid encoding: where (byte offset from the start of the input) and why.
struct DecodeError {
  size_t offset = 0;
  std::string reason;
};

/// Appends `v` as 2 little-endian bytes.
inline void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
/// Appends `v` as 4 little-endian bytes.
inline void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
/// Appends `v` as 8 little-endian bytes.
inline void put_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
/// Appends a fixed-size byte array (a hash, a key, a signature).
template <size_t N>
void put_bytes(std::vector<uint8_t>& out, const std::array<uint8_t, N>& bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

/// Sequential reader over untrusted bytes: every read is preceded by a length check, and a
/// failure names the offset where the field starts. `base` shifts reported offsets, so that a
/// part decoded inside a larger record reports offsets from the start of that record.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes, size_t base = 0)
      : bytes_(bytes), base_(base) {}

  /// Offset of the next byte, as reported in errors.
  size_t offset() const { return base_ + pos_; }
  /// Bytes not read yet.
  size_t remaining() const { return bytes_.size() - pos_; }

  /// The next `n` bytes, or a truncation error naming `field`.
  Expected<std::span<const uint8_t>, DecodeError> take(size_t n, const char* field) {
    if (remaining() < n) {
      return unexpected(DecodeError{offset(), std::string("truncated ") + field + ": needs " +
                                                  std::to_string(n) + " bytes, " +
                                                  std::to_string(remaining()) + " remain"});
    }
    auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  /// A little-endian unsigned integer of `n` bytes (n <= 8).
  Expected<uint64_t, DecodeError> take_le(size_t n, const char* field) {
    auto b = take(n, field);
    if (!b) return unexpected(std::move(b).error());
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>((*b)[i]) << (8 * i);
    return v;
  }

  /// The next N bytes as an array.
  template <size_t N>
  Expected<std::array<uint8_t, N>, DecodeError> take_array(const char* field) {
    auto b = take(N, field);
    if (!b) return unexpected(std::move(b).error());
    std::array<uint8_t, N> out{};
    std::copy(b->begin(), b->end(), out.begin());
    return out;
  }

  /// Checks a 4-byte magic followed by a version byte; `name` is the magic as text.
  Expected<void, DecodeError> magic(const uint8_t (&expected)[4], uint8_t version,
                                    const char* name) {
    size_t at = offset();
    auto m = take(4, "magic");
    if (!m) return unexpected(std::move(m).error());
    if (!std::equal(m->begin(), m->end(), std::begin(expected)))
      return unexpected(DecodeError{at, std::string("bad magic, expected \"") + name + "\""});
    at = offset();
    auto v = take_le(1, "version");
    if (!v) return unexpected(std::move(v).error());
    if (*v != version) {
      return unexpected(DecodeError{at, "unsupported version " + std::to_string(*v) +
                                            ", expected " + std::to_string(version)});
    }
    return {};
  }

  /// Succeeds when every byte was read; otherwise names the trailing bytes after `after`.
  Expected<void, DecodeError> finish(const char* after) {
    if (remaining() == 0) return {};
    return unexpected(DecodeError{offset(), std::to_string(remaining()) +
                                                " trailing bytes after the " + after});
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t base_ = 0;
  size_t pos_ = 0;
};

}  // namespace covenant::ledger
