#pragma once
/// \file
/// `covenant simulate --node DIR`: every claim adjudicated as a transaction on a node's
/// ledger. The plan is deployed first unless that very module already is; then the input is
/// read in order and each claim (each part of a longer one) and each call becomes an invoke
/// transaction, group-committed: a block holds up to `kBlockTransactions` of them, authorised
/// by one seal (ledger/seal.hpp) rather than a signature each, and executed by the node's
/// executor, whose receipts hold the results. Records run in input order against the one
/// state of the deployment, so no assumption about members is needed (docs/simulate.md).
/// The run ends with the node's signed checkpoint of its log.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "ledger/ed25519.hpp"
#include "simulate/simulation.hpp"

namespace covenant::simulate {

/// Invoke transactions per block (one seal each).
inline constexpr size_t kBlockTransactions = 4096;

/// What a run onto a node did besides its totals.
struct NodeRun {
  Summary summary;
  std::string deployed;     ///< "deployed NAME version V in block H", or "" if it already was.
  uint64_t first_block = 0, last_block = 0;  ///< The blocks the claims went into.
  uint64_t entries = 0;     ///< Log entries appended (seals included).
  std::string checkpoint;   ///< The node's signed checkpoint after the last block.
};

/// Runs `options` (its `threads` and `scratch` are not used) with the plan whose module is
/// `module_bytes` against the node in `node_dir`, signing with `signer` (the node's own key
/// when null). Block times are the latest received date read so far (never
/// before the head's), so the same input gives the same ledger. Fails with one line as
/// `simulate` does, or when the node cannot be opened or written, or another module is
/// deployed under the plan's name and version.
Expected<NodeRun, std::string> simulate_on_node(std::span<const uint8_t> module_bytes,
                                                const runtime::LoadedContract& plan,
                                                const SimulationOptions& options,
                                                const std::filesystem::path& node_dir,
                                                const ledger::KeyPair* signer);

}  // namespace covenant::simulate
