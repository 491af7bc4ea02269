#include "ledger/admission.hpp"

#include <string>

namespace covenant::ledger {

Expected<AdmittedTx, TxError> admit_transaction(std::span<const uint8_t> bytes,
                                                std::string_view chain_id) {
  auto tx = decode(bytes);
  if (!tx) {
    return unexpected(TxError{TxError::Code::invalid_field,
                              "byte " + std::to_string(tx.error().offset) + ": " +
                                  tx.error().reason});
  }
  if (auto ok = check_stateless(*tx, chain_id); !ok) return unexpected(ok.error());
  AdmittedTx admitted;
  admitted.bytes_.assign(bytes.begin(), bytes.end());
  admitted.signer_ = tx->signer;
  admitted.nonce_ = tx->nonce;
  admitted.kind_ = tx->kind;
  // The payload is followed only by the 64-byte signature (docs/ledger.md, "Transactions").
  admitted.payload_at_ = bytes.size() - 64 - tx->payload.size();
  admitted.payload_size_ = tx->payload.size();
  return admitted;
}

}  // namespace covenant::ledger
