#pragma once
/// \file
/// The payload of an invoke transaction: which deployed contract version, which entry, with
/// which arguments (the entry's parameter block, as `runtime::encode_params` makes it from
/// JSON) and how much gas. Canonical bytes, documented in docs/node.md ("Transactions"); the
/// decoder accepts only what the encoder makes. A deploy transaction's payload is simply the
/// module's bytes.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ledger/codec.hpp"
#include "vm/expected.hpp"

namespace covenant::node {

/// The first four bytes of an invoke payload ("CVIN").
inline constexpr uint8_t kInvocationMagic[4] = {'C', 'V', 'I', 'N'};
/// The invoke payload version; any other is rejected.
inline constexpr uint8_t kInvocationVersion = 1;
/// The longest entry name, in bytes (the module format's limit).
inline constexpr size_t kMaxEntryName = 64;

/// One call of a deployed contract.
struct Invocation {
  /// The contract's name and version (versions start at 1).
  std::string contract;
  uint32_t version = 0;
  /// The entry to call.
  std::string entry;
  /// The most gas the call may use.
  uint64_t gas_limit = 0;
  /// The entry's parameter block.
  std::vector<uint8_t> args;

  friend bool operator==(const Invocation&, const Invocation&) = default;
};

/// "CVIN", version, u8 name length, name, u32 version, u8 entry length, entry, u64 gas
/// limit, u32 argument length, arguments (all LE). Fails (one line) if a name is empty or
/// too long, or the arguments exceed what a transaction payload can carry.
Expected<std::vector<uint8_t>, std::string> encode_invocation(const Invocation& call);

/// Parses an invoke payload, checking every length before reading. Fails with the offset
/// and reason; rejects trailing bytes and non-canonical encodings.
Expected<Invocation, ledger::DecodeError> decode_invocation(std::span<const uint8_t> bytes);

}  // namespace covenant::node
