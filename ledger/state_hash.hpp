#pragma once
/// \file
/// The state commitment: a homomorphic multiset hash (LtHash) over every key-value pair of the
/// world state. Adding or removing one pair costs one 2 KiB hash whatever the size of the
/// state, so a block's commitment costs time in proportion to its writes, and the same set
/// of pairs always gives the same commitment whatever the order of the writes that made it.
///
/// LtHash as in Lewi, Kim, Maykov, Weis, "Securing Update Propagation with Homomorphic
/// Hashing" (2019, https://eprint.iacr.org/2019/227) with their parameters: 1024 lanes of
/// 16 bits (2048 bytes), element hashes from an extendable-output function; the same
/// construction as Solana's accounts lattice hash (SIMD-0215). Here the XOF is SHAKE128
/// through OpenSSL and the commitment is SHA-256 of the lanes. Rules in docs/ledger.md,
/// "State commitment".

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ledger/hasher.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The number of 16-bit lanes of a state hash.
inline constexpr size_t kStateHashLanes = 1024;
/// Size of a serialised state hash: the lanes as little-endian u16.
inline constexpr size_t kStateHashBytes = 2 * kStateHashLanes;
/// The domain string hashed before every key-value pair.
inline constexpr std::string_view kStateElementDomain = "covenant/state/v1";

/// The multiset hash of a set of key-value pairs. A value type: copy it to try a change.
class StateHash {
 public:
  /// The hash of the empty state (all lanes zero).
  StateHash() = default;

  /// Adds the pair (key, value): every lane += the lane of its element hash, modulo 2^16.
  void add(std::span<const uint8_t> key, std::span<const uint8_t> value);

  /// Removes a pair previously added: every lane -= the lane of its element hash. Removing
  /// a pair that was never added gives a hash no real state has.
  void remove(std::span<const uint8_t> key, std::span<const uint8_t> value);

  /// The commitment written into block headers: SHA-256 of `bytes()`.
  Hash commitment() const;

  /// The lanes as kStateHashBytes little-endian bytes, for storage.
  std::array<uint8_t, kStateHashBytes> bytes() const;

  /// A state hash from `bytes()` output. Any kStateHashBytes bytes are lanes, so this only
  /// fails on another length.
  static Expected<StateHash, std::string> from_bytes(std::span<const uint8_t> bytes);

  /// Lane-by-lane equality.
  friend bool operator==(const StateHash&, const StateHash&) = default;

 private:
  std::array<uint16_t, kStateHashLanes> lanes_{};
};

/// The element hash of one pair: SHAKE128(kStateElementDomain || u32 LE len(key) || key ||
/// u32 LE len(value) || value) to kStateHashBytes bytes, as lanes. The length prefixes keep
/// (key, value) splits apart. Aborts like `Hasher` if OpenSSL has no SHAKE128.
std::array<uint16_t, kStateHashLanes> state_element_hash(std::span<const uint8_t> key,
                                                         std::span<const uint8_t> value);

}  // namespace covenant::ledger
