#include "ledger/admission.hpp"

#include <string>

#include "ledger/seal.hpp"

namespace covenant::ledger {

namespace {

Expected<Transaction, TxError> decode_for_admission(std::span<const uint8_t> bytes) {
  auto tx = decode(bytes);
  if (!tx) {
    return unexpected(TxError{TxError::Code::invalid_field,
                              "byte " + std::to_string(tx.error().offset) + ": " +
                                  tx.error().reason});
  }
  return std::move(tx).value();
}

TxError in_covered(size_t index, TxError e) {
  e.reason = "covered transaction " + std::to_string(index) + ": " + e.reason;
  return e;
}

}  // namespace

AdmittedTx AdmittedTx::of(std::span<const uint8_t> bytes, Transaction&& tx) {
  AdmittedTx admitted;
  admitted.bytes_.assign(bytes.begin(), bytes.end());
  admitted.signer_ = tx.signer;
  admitted.nonce_ = tx.nonce;
  admitted.kind_ = tx.kind;
  // The payload is followed only by the 64-byte signature (docs/ledger.md, "Transactions").
  admitted.payload_at_ = bytes.size() - 64 - tx.payload.size();
  admitted.payload_size_ = tx.payload.size();
  return admitted;
}

Expected<AdmittedTx, TxError> admit_transaction(std::span<const uint8_t> bytes,
                                                std::string_view chain_id) {
  auto tx = decode_for_admission(bytes);
  if (!tx) return unexpected(std::move(tx).error());
  // Neither can be appended on its own, so neither is admitted on its own: a block builder
  // holding an AdmittedTx of either got it from a whole batch.
  if (tx->kind == TxKind::seal) {
    return unexpected(TxError{TxError::Code::bad_seal,
                              "a seal is admitted together with the transactions it covers"});
  }
  if (is_zero_signature(tx->signature)) {
    return unexpected(TxError{TxError::Code::bad_seal,
                              "all-zero signature: a transaction covered by a seal is "
                              "admitted only together with its seal"});
  }
  if (auto ok = check_stateless(*tx, chain_id); !ok) return unexpected(ok.error());
  return AdmittedTx::of(bytes, std::move(tx).value());
}

Expected<std::vector<AdmittedTx>, TxError> admit_sealed_batch(
    std::span<const uint8_t> seal, std::span<const std::vector<uint8_t>> covered,
    std::string_view chain_id) {
  auto seal_tx = decode_for_admission(seal);
  if (!seal_tx) return unexpected(std::move(seal_tx).error());
  if (seal_tx->kind != TxKind::seal) {
    return unexpected(TxError{TxError::Code::bad_seal,
                              "the batch's first transaction is of kind " +
                                  std::string(kind_name(seal_tx->kind)) + ", not a seal"});
  }
  if (auto ok = check_stateless(*seal_tx, chain_id); !ok) return unexpected(ok.error());
  auto count = seal_count(seal_tx->payload);
  if (!count) return unexpected(std::move(count).error());
  if (*count != covered.size()) {
    return unexpected(TxError{TxError::Code::bad_seal,
                              "the seal lists " + std::to_string(*count) +
                                  " transactions, the batch has " +
                                  std::to_string(covered.size())});
  }
  std::vector<AdmittedTx> out;
  out.reserve(covered.size() + 1);
  out.push_back(AdmittedTx::of(seal, std::move(seal_tx).value()));
  SealCursor cursor;
  // The seal's payload span stays valid: it points into out[0]'s bytes, which `reserve`
  // keeps in place.
  if (auto ok = cursor.next(out[0].signer(), out[0].nonce(), out[0].kind(), out[0].payload(),
                            false, nullptr);
      !ok) {
    return unexpected(ok.error());
  }
  Hasher& hasher = thread_hasher();
  for (size_t i = 0; i < covered.size(); ++i) {
    auto tx = decode_for_admission(covered[i]);
    if (!tx) return unexpected(in_covered(i, std::move(tx).error()));
    if (tx->chain_id != chain_id) {
      return unexpected(in_covered(
          i, TxError{TxError::Code::wrong_chain, "chain id \"" + tx->chain_id +
                                                     "\" is not this chain's (\"" +
                                                     std::string(chain_id) + "\")"}));
    }
    const bool zero = is_zero_signature(tx->signature);
    const Hash hash = zero ? signing_hash(hasher, covered[i]) : Hash{};
    if (auto ok = cursor.next(tx->signer, tx->nonce, tx->kind, tx->payload, zero, &hash); !ok) {
      return unexpected(in_covered(i, ok.error()));
    }
    AdmittedTx admitted = AdmittedTx::of(covered[i], std::move(tx).value());
    admitted.covered_ = true;
    admitted.signing_hash_ = hash;
    out.push_back(std::move(admitted));
  }
  // Cannot fail: the count matched and every covered transaction advanced the run.
  if (auto ok = cursor.finish(); !ok) return unexpected(ok.error());
  return out;
}

Expected<std::vector<AdmittedTx>, TxError> seal_and_admit(std::span<Transaction> txs, const KeyPair& key,
                                                          uint64_t first_nonce, std::string_view chain_id) {
  auto internal = [](std::string reason) { return unexpected(TxError{TxError::Code::internal, std::move(reason)}); };
  auto seal = seal_batch(txs, key, first_nonce, chain_id);
  if (!seal) return unexpected(std::move(seal).error());
  auto seal_bytes = encode(*seal);
  if (!seal_bytes) return internal(seal_bytes.error().reason);
  std::vector<std::vector<uint8_t>> covered;
  covered.reserve(txs.size());
  for (const Transaction& tx : txs) {
    auto bytes = encode(tx);
    if (!bytes) return internal(bytes.error().reason);
    covered.push_back(std::move(bytes).value());
  }
  auto admitted = admit_sealed_batch(*seal_bytes, covered, chain_id);
  if (!admitted) return internal(admitted.error().reason);
  return std::move(admitted).value();
}

}  // namespace covenant::ledger
