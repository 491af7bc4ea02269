#include "ledger/node.hpp"

#include <openssl/rand.h>

#include <utility>

#include "ledger/admission.hpp"
#include "ledger/checkpoint.hpp"
#include "ledger/file_io.hpp"
#include "ledger/seal.hpp"
#include "ledger/tx.hpp"

namespace covenant::ledger {

namespace {

namespace fs = std::filesystem;

StorageError error(StorageError::Code code, std::string file, std::string reason) {
  return StorageError::of(code, std::move(reason)).in(std::move(file));
}

}  // namespace

Expected<Node, StorageError> Node::init(const fs::path& dir, const std::string& chain_id,
                                        uint64_t genesis_time_ms, const std::optional<Seed>& seed,
                                        uint64_t segment_capacity, Executor* executor) {
  if (!valid_chain_id(chain_id) || !valid_note_name(chain_id)) {
    return unexpected(error(StorageError::Code::invalid_argument, "",
                            "chain id \"" + chain_id +
                                "\" must be 1 to 64 bytes of printable ASCII without spaces "
                                "or '+' (it names the checkpoint key too)"));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return unexpected(error(StorageError::Code::io, dir.string(), "cannot create: " + ec.message()));
  if (!fs::is_empty(dir, ec) || ec) {
    return unexpected(error(StorageError::Code::invalid_argument, dir.string(),
                            "not empty: a node is created in a new or empty directory"));
  }
  Seed bytes{};
  if (seed) {
    bytes = *seed;
  } else if (RAND_priv_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return unexpected(error(StorageError::Code::internal, "", "OpenSSL's RNG failed"));
  }
  auto key = KeyPair::from_seed(bytes);
  if (!key) return unexpected(error(StorageError::Code::internal, "", key.error().reason));
  // The key first: a ledger whose proposer key was lost could never grow again.
  if (auto ok = write_file_durably(dir / kNodeKeyFile, bytes, 0600); !ok) {
    return unexpected(ok.error());
  }
  auto ledger = Ledger::create(dir, chain_id, *key, genesis_time_ms, segment_capacity);
  if (!ledger) return unexpected(std::move(ledger).error());
  ledger->set_executor(executor);
  return Node(std::move(ledger).value(), std::move(key).value());
}

Expected<Node, StorageError> Node::open(const fs::path& dir, OpenMode mode, Executor* executor) {
  auto ledger = Ledger::open(dir, mode, executor);
  if (!ledger) return unexpected(std::move(ledger).error());
  const fs::path key_path = dir / kNodeKeyFile;
  auto bytes = read_whole_file(key_path, 1024);
  if (!bytes) return unexpected(std::move(bytes).error());
  if (bytes->size() != Seed{}.size()) {
    return unexpected(error(StorageError::Code::corrupt, key_path.string(),
                            std::to_string(bytes->size()) +
                                " bytes, expected a 32-byte Ed25519 seed"));
  }
  Seed seed{};
  std::copy(bytes->begin(), bytes->end(), seed.begin());
  auto key = KeyPair::from_seed(seed);
  if (!key) return unexpected(error(StorageError::Code::internal, "", key.error().reason));
  if (key->public_key() != ledger->proposer()) {
    return unexpected(error(StorageError::Code::corrupt, key_path.string(),
                            "not the key of this ledger's proposer"));
  }
  return Node(std::move(ledger).value(), std::move(key).value());
}

Expected<BlockHeader, StorageError> Node::append_notes(
    std::span<const std::vector<uint8_t>> payloads, uint64_t time_ms, bool sealed) {
  auto nonce = ledger_.next_nonce(key_.public_key());
  if (!nonce) return unexpected(std::move(nonce).error());
  std::vector<AdmittedTx> txs;
  txs.reserve(payloads.size() + (sealed ? 1 : 0));
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (payloads[i].size() > kMaxPayloadSize) {
      StorageError e = error(StorageError::Code::invalid_argument, "",
                             "note " + std::to_string(i) + " has " +
                                 std::to_string(payloads[i].size()) +
                                 " bytes, the largest payload is " +
                                 std::to_string(kMaxPayloadSize));
      e.entry = i;
      return unexpected(std::move(e));
    }
  }
  if (sealed) {
    std::vector<Transaction> notes(payloads.size());
    for (size_t i = 0; i < payloads.size(); ++i) notes[i].payload = payloads[i];
    auto admitted = seal_and_admit(notes, key_, *nonce, ledger_.chain_id());
    if (!admitted) {
      auto code = admitted.error().code == TxError::Code::internal
                      ? StorageError::Code::internal
                      : StorageError::Code::invalid_argument;
      return unexpected(error(code, "", admitted.error().reason));
    }
    txs = std::move(admitted).value();
  }
  for (size_t i = 0; i < payloads.size() && !sealed; ++i) {
    Transaction tx;
    tx.chain_id = ledger_.chain_id();
    tx.nonce = *nonce + i;
    tx.kind = TxKind::note;
    tx.payload = payloads[i];
    if (auto ok = sign_transaction(tx, key_); !ok) {
      return unexpected(error(StorageError::Code::internal, "", ok.error().reason));
    }
    auto bytes = encode(tx);
    if (!bytes) return unexpected(error(StorageError::Code::internal, "", bytes.error().reason));
    auto admitted = admit_transaction(*bytes, ledger_.chain_id());
    if (!admitted) {
      return unexpected(error(StorageError::Code::internal, "", admitted.error().reason));
    }
    txs.push_back(std::move(admitted).value());
  }
  if (ledger_.has_executor()) {
    auto appended = ledger_.append_transactions(txs, time_ms, key_);
    if (!appended) return unexpected(std::move(appended).error());
    return appended->header;
  }
  // Without an executor a note's receipt is ok: no gas, no events, no writes; a seal's is
  // the one the ledger requires.
  std::vector<BlockItem> items;
  items.reserve(txs.size());
  for (AdmittedTx& tx : txs) {
    Receipt receipt = tx.kind() == TxKind::seal
                          ? seal_receipt(tx.nonce(), static_cast<uint32_t>(payloads.size()))
                          : Receipt{};
    items.push_back(BlockItem{std::move(tx), std::move(receipt)});
  }
  return ledger_.append_block(items, time_ms, key_);
}

Expected<std::string, StorageError> Node::checkpoint() const {
  const BlockHeader& head = ledger_.head();
  auto note = format_checkpoint(ledger_.chain_id(), head.log_size, head.log_root,
                                ledger_.chain_id(), key_);
  if (!note) return unexpected(error(StorageError::Code::internal, "", note.error().reason));
  return std::move(note).value();
}

std::string Node::verifier_key() const {
  return note_verifier_key(ledger_.chain_id(), key_.public_key());
}

}  // namespace covenant::ledger
