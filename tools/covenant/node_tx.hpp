#pragma once
/// \file
/// What the commands that write to a node share: naming a deployed contract, the signing
/// key, and recording one signed transaction as a new block.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/block.hpp"
#include "ledger/node.hpp"
#include "ledger/tx.hpp"
#include "vm/expected.hpp"

namespace covenant::cli {

/// Parses "Name" or "Name@3" into a contract name and version (0: the highest deployed).
/// False when the text is neither.
bool parse_contract_ref(const std::string& text, std::string& name, uint32_t& version);

/// The key in the key file `key_file`, or nullopt when it is "" (the node's own key).
/// Fails with the file's problem.
Expected<std::optional<ledger::KeyPair>, std::string> key_from_file(const std::string& key_file);

/// A transaction recorded: its receipt, its block's header and its index in the log.
struct Recorded {
  ledger::Receipt receipt;
  ledger::BlockHeader header;
  uint64_t entry = 0;
};

/// Signs `payload` of `kind` with `key` (its next nonce) and appends it as one block at
/// `time` (Unix ms; default: the clock, never before the head's). Fails as the ledger does.
Expected<Recorded, ledger::StorageError> record(ledger::Node& node, const ledger::KeyPair& key,
                                                ledger::TxKind kind, std::vector<uint8_t> payload,
                                                std::optional<uint64_t> time);

}  // namespace covenant::cli
