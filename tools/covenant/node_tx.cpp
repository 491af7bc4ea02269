#include "tools/covenant/node_tx.hpp"

#include <algorithm>

#include "ledger/admission.hpp"
#include "tools/covenant/cli_util.hpp"

namespace covenant::cli {

using ledger::Node;
using ledger::StorageError;

bool parse_contract_ref(const std::string& text, std::string& name, uint32_t& version) {
  const size_t at = text.find('@');
  name = text.substr(0, at);
  version = 0;
  if (name.empty()) return false;
  if (at == std::string::npos) return true;
  const std::string digits = text.substr(at + 1);
  if (digits.empty() || digits.size() > 10 || digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const uint64_t v = std::stoull(digits);
  if (v == 0 || v > UINT32_MAX) return false;
  version = static_cast<uint32_t>(v);
  return true;
}

Expected<std::optional<ledger::KeyPair>, std::string> key_from_file(const std::string& key_file) {
  if (key_file.empty()) return std::optional<ledger::KeyPair>();
  auto seed = read_seed_file(key_file);
  if (!seed) return unexpected(seed.error());
  auto key = ledger::KeyPair::from_seed(*seed);
  if (!key) return unexpected(key.error().reason);
  return std::optional<ledger::KeyPair>(std::move(key).value());
}

Expected<Recorded, StorageError> record(Node& node, const ledger::KeyPair& key, ledger::TxKind kind,
                                        std::vector<uint8_t> payload,
                                        std::optional<uint64_t> time) {
  auto nonce = node.ledger().next_nonce(key.public_key());
  if (!nonce) return unexpected(std::move(nonce).error());
  ledger::Transaction tx;
  tx.chain_id = node.ledger().chain_id();
  tx.signer = key.public_key();
  tx.nonce = *nonce;
  tx.kind = kind;
  tx.payload = std::move(payload);
  auto internal = [](std::string reason) {
    return unexpected(StorageError::of(StorageError::Code::internal, std::move(reason)));
  };
  if (auto ok = ledger::sign_transaction(tx, key); !ok) return internal(ok.error().reason);
  auto bytes = ledger::encode(tx);
  if (!bytes) return internal(bytes.error().reason);
  auto admitted = ledger::admit_transaction(*bytes, node.ledger().chain_id());
  if (!admitted) return internal(admitted.error().reason);
  // Block time never goes backwards, even when this machine's clock does. An explicit time
  // is taken as given (the ledger refuses one before the head's).
  const uint64_t time_ms = time.value_or(std::max(now_ms(), node.ledger().head().time_ms));
  std::vector<ledger::AdmittedTx> txs{std::move(admitted).value()};
  auto appended = node.ledger().append_transactions(txs, time_ms, node.key());
  if (!appended) return unexpected(std::move(appended).error());
  return Recorded{std::move(appended->receipts[0]), appended->header, appended->header.log_size - 1};
}

}  // namespace covenant::cli
