#include "ledger/seal.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>

#include "ledger/codec.hpp"

namespace covenant::ledger {

namespace {

TxError bad_seal(std::string reason) { return TxError{TxError::Code::bad_seal, std::move(reason)}; }

std::string nonce_text(uint64_t nonce) { return std::to_string(nonce); }

}  // namespace

bool is_zero_signature(const Signature& signature) {
  return std::all_of(signature.begin(), signature.end(), [](uint8_t b) { return b == 0; });
}

Hash signing_hash(Hasher& hasher, std::span<const uint8_t> tx_bytes) {
  // A caller handing in fewer bytes than the smallest transaction has a bug; hashing a
  // wrapped length would hash memory that is not the transaction.
  if (tx_bytes.size() < kMinEncodedTxSize) std::abort();
  const std::span<const uint8_t> domain(reinterpret_cast<const uint8_t*>(kTxSigningDomain.data()),
                                        kTxSigningDomain.size());
  return hasher.sha256(domain, tx_bytes.first(tx_bytes.size() - Signature{}.size()));
}

Expected<Hash, TxError> signing_hash(const Transaction& tx) {
  auto message = signing_message(tx);
  if (!message) return unexpected(std::move(message).error());
  return thread_hasher().sha256(*message);
}

Expected<std::vector<uint8_t>, TxError> encode_seal_payload(std::span<const Hash> hashes) {
  if (hashes.empty()) return unexpected(bad_seal("a seal covers at least one transaction"));
  if (hashes.size() > kMaxSealedTransactions) {
    return unexpected(bad_seal("a seal covers at most " + std::to_string(kMaxSealedTransactions) +
                               " transactions, not " + std::to_string(hashes.size())));
  }
  std::vector<uint8_t> out;
  out.reserve(hashes.size() * kSealHashSize);
  for (const Hash& h : hashes) out.insert(out.end(), h.begin(), h.end());
  return out;
}

Expected<uint32_t, TxError> seal_count(std::span<const uint8_t> payload) {
  if (payload.empty() || payload.size() % kSealHashSize != 0) {
    return unexpected(bad_seal("a seal's payload is a list of 32-byte hashes, at least one; "
                               "this one has " + std::to_string(payload.size()) + " bytes"));
  }
  const size_t count = payload.size() / kSealHashSize;
  if (count > kMaxSealedTransactions) {
    return unexpected(bad_seal("the seal lists " + std::to_string(count) +
                               " transactions, at most " +
                               std::to_string(kMaxSealedTransactions) + " are allowed"));
  }
  return static_cast<uint32_t>(count);
}

Hash seal_hash_at(std::span<const uint8_t> payload, uint32_t index) {
  Hash h;
  auto at = payload.subspan(size_t{index} * kSealHashSize, kSealHashSize);
  std::copy(at.begin(), at.end(), h.begin());
  return h;
}

Receipt seal_receipt(uint64_t seal_nonce, uint32_t count) {
  Receipt r;
  r.status = ReceiptStatus::ok;
  put_u64(r.output, seal_nonce + 1);
  put_u32(r.output, count);
  return r;
}

Expected<void, TxError> SealCursor::next(const PublicKey& signer, uint64_t nonce, TxKind kind,
                                         std::span<const uint8_t> payload, bool zero_signature,
                                         const Hash* signing_hash_of_tx) {
  const size_t position = position_++;
  if (remaining_ != 0) {
    const uint32_t index = count_ - remaining_;
    const uint64_t expected = seal_nonce_ + 1 + index;
    const std::string seal = "the seal at nonce " + nonce_text(seal_nonce_);
    // Each check names what a forger or a careless builder would have done.
    if (signer != signer_) {
      return unexpected(bad_seal(seal + " still covers " + std::to_string(remaining_) +
                                 " transaction(s) of its signer; this one is another "
                                 "signer's (covered transactions follow their seal without "
                                 "interruption)"));
    }
    if (nonce != expected) {
      return unexpected(bad_seal(seal + " covers nonce " + nonce_text(expected) +
                                 " here; this transaction has nonce " + nonce_text(nonce) +
                                 " (covered transactions follow their seal in nonce order)"));
    }
    if (!zero_signature) {
      return unexpected(bad_seal(seal + " covers nonce " + nonce_text(expected) +
                                 ", whose signature must be all zero; this transaction "
                                 "carries a signature of its own"));
    }
    if (kind == TxKind::seal) {
      return unexpected(bad_seal(seal + " covers nonce " + nonce_text(expected) +
                                 ", which is a seal: a seal cannot be covered by another"));
    }
    if (signing_hash_of_tx == nullptr || *signing_hash_of_tx != seal_hash_at(hashes_, index)) {
      return unexpected(bad_seal(seal + " lists another signing hash for nonce " +
                                 nonce_text(expected) +
                                 ": the transaction was altered or replaced"));
    }
    --remaining_;
    return {};
  }
  if (zero_signature) {
    return unexpected(bad_seal("the transaction at nonce " + nonce_text(nonce) +
                               " has an all-zero signature, but no seal before it in the "
                               "block covers it (a covered transaction follows its seal in "
                               "the same block)"));
  }
  if (kind != TxKind::seal) return {};
  auto count = seal_count(payload);
  if (!count) return unexpected(std::move(count).error());
  // The run's nonces must exist: the last one a nonce book accepts is 2^64-2.
  if (*count > std::numeric_limits<uint64_t>::max() - 1 - nonce) {
    return unexpected(bad_seal("the seal at nonce " + nonce_text(nonce) + " covers " +
                               std::to_string(*count) +
                               " transactions, past the last nonce 2^64-2"));
  }
  seal_position_ = position;
  signer_ = signer;
  seal_nonce_ = nonce;
  count_ = *count;
  remaining_ = *count;
  hashes_ = payload;
  return {};
}

Expected<void, TxError> SealCursor::finish() const {
  if (remaining_ == 0) return {};
  return unexpected(bad_seal("the seal at nonce " + nonce_text(seal_nonce_) + " covers " +
                             std::to_string(count_) + " transaction(s); only " +
                             std::to_string(count_ - remaining_) +
                             " follow it in the block (a sealed batch is complete in one "
                             "block)"));
}

Expected<Transaction, TxError> seal_batch(std::span<Transaction> txs, const KeyPair& key,
                                          uint64_t first_nonce, std::string_view chain_id) {
  if (txs.empty()) return unexpected(bad_seal("a seal covers at least one transaction"));
  if (txs.size() > kMaxSealedTransactions) {
    return unexpected(bad_seal("a seal covers at most " + std::to_string(kMaxSealedTransactions) +
                               " transactions, not " + std::to_string(txs.size())));
  }
  if (txs.size() > std::numeric_limits<uint64_t>::max() - 1 - first_nonce) {
    return unexpected(bad_seal("the batch's nonces run past the last nonce 2^64-2"));
  }
  // The fields are checked first, so that the only failure after `txs` is filled in is
  // OpenSSL's; filling in place spares a copy of every payload.
  if (!valid_chain_id(chain_id)) {
    return unexpected(TxError{TxError::Code::invalid_field,
                              "chain id must be 1 to 64 bytes of printable ASCII 0x21-0x7e"});
  }
  for (size_t i = 0; i < txs.size(); ++i) {
    const auto kind = static_cast<uint16_t>(txs[i].kind);
    if (!is_known_kind(kind)) {
      return unexpected(TxError{TxError::Code::invalid_field, "transaction " + std::to_string(i) +
                                                                  ": unknown kind " +
                                                                  std::to_string(kind)});
    }
    if (txs[i].kind == TxKind::seal) {
      return unexpected(bad_seal("transaction " + std::to_string(i) +
                                 " is a seal: a seal cannot be covered by another"));
    }
    if (txs[i].payload.size() > kMaxPayloadSize) {
      return unexpected(TxError{TxError::Code::invalid_field,
                                "transaction " + std::to_string(i) + ": payload has " +
                                    std::to_string(txs[i].payload.size()) +
                                    " bytes, maximum " + std::to_string(kMaxPayloadSize)});
    }
  }
  std::vector<Hash> hashes;
  hashes.reserve(txs.size());
  Hasher& hasher = thread_hasher();
  for (size_t i = 0; i < txs.size(); ++i) {
    Transaction& tx = txs[i];
    tx.chain_id = std::string(chain_id);
    tx.signer = key.public_key();
    tx.nonce = first_nonce + 1 + i;
    tx.signature = Signature{};
    auto bytes = encode(tx);  // cannot fail: the fields were checked above
    if (!bytes) return unexpected(std::move(bytes).error());
    hashes.push_back(signing_hash(hasher, *bytes));
  }
  Transaction seal;
  seal.chain_id = std::string(chain_id);
  seal.nonce = first_nonce;
  seal.kind = TxKind::seal;
  auto payload = encode_seal_payload(hashes);
  if (!payload) return unexpected(std::move(payload).error());
  seal.payload = std::move(payload).value();
  if (auto ok = sign_transaction(seal, key); !ok) return unexpected(std::move(ok).error());
  return seal;
}

}  // namespace covenant::ledger
