#pragma once
/// \file
/// Where a node keeps contracts in its world state (docs/node.md, "World state"): every
/// key a node writes besides the ledger's nonces. Keys are built so that LMDB's byte order
/// is the order users expect: the versions of one contract together and ascending, a
/// deployment's entries by state id and then key bytes.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ed25519.hpp"
#include "ledger/hasher.hpp"

namespace covenant::node {

/// The longest contract name a node accepts, in bytes (names are identifiers).
inline constexpr size_t kMaxContractName = 64;

/// "deploy/" + name + 0x00 + u32 BE version: a deployment's record.
std::vector<uint8_t> deployment_key(std::string_view name, uint32_t version);
/// "deploy/" + name + 0x00: the prefix of every version of `name`.
std::vector<uint8_t> deployment_prefix(std::string_view name);
/// "module/" + module id: a deployed module's bytes (one copy per distinct module).
std::vector<uint8_t> module_key(const ledger::Hash& module_id);
/// "meta/deployments": the number of deployments so far (u64 LE), which numbers the next.
std::vector<uint8_t> deployment_count_key();
/// "cs/" + u64 BE deployment number + u32 BE state id: the prefix of one state of one
/// deployment; its entries follow it with their key bytes. 15 bytes, so that a 496-byte
/// contract key fits LMDB's 511.
std::vector<uint8_t> contract_state_prefix(uint64_t deployment, uint32_t state);

/// What a node records about one deployed contract version.
struct Deployment {
  /// The contract's name and version, as its module declares them.
  std::string name;
  uint32_t version = 0;
  /// Its number among the node's deployments (0 for the first): names its state.
  uint64_t number = 0;
  /// SHA-256 of the module bytes.
  ledger::Hash module_id{};
  /// Who signed the deploy transaction.
  ledger::PublicKey deployer{};
  /// The block that deployed it.
  uint64_t height = 0;
};

/// The record's value: u64 number, module id, deployer, u64 height (all LE; 80 bytes).
std::vector<uint8_t> encode_deployment(const Deployment& d);
/// Parses a record stored under `deployment_key(name, version)`; nullopt if malformed.
std::optional<Deployment> decode_deployment(std::string_view name, uint32_t version,
                                            std::span<const uint8_t> value);

}  // namespace covenant::node
