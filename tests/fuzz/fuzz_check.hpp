#pragma once
/// \file
/// What the ledger's fuzz targets share: an invariant check that traps (so libFuzzer, and the
/// replay in normal builds, report the input), and byte-for-byte comparison of a re-encoding
/// with its input.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <span>

/// Traps, after naming `target`, the condition and where, unless `cond` holds.
#define COVENANT_FUZZ_CHECK(target, cond)                                                    \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s: invariant failed: %s (%s:%d)\n", target, #cond, __FILE__,    \
                   __LINE__);                                                                \
      __builtin_trap();                                                                      \
    }                                                                                        \
  } while (0)

namespace covenant::fuzz {

/// True if `encoded` (any contiguous container of bytes) is exactly `bytes`.
template <class T>
bool same_bytes(const T& encoded, std::span<const uint8_t> bytes) {
  return encoded.size() == bytes.size() && std::equal(encoded.begin(), encoded.end(), bytes.begin());
}

}  // namespace covenant::fuzz
