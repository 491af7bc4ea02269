#pragma once
/// \file
/// Admission: the checks of a transaction that need no state (canonical encoding, chain id,
/// signature), made once when it arrives and before it is ordered into a block. An
/// `AdmittedTx` can only come from `admit_transaction`, so a block builder that takes them
/// (`Ledger::append_block`) knows the checks ran without repeating the signature check, the
/// costliest step (docs/ledger.md, "Appending").

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ledger/ed25519.hpp"
#include "ledger/tx.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// A transaction that passed admission on one chain: its canonical bytes and the fields the
/// block builder needs. Copyable; immutable.
class AdmittedTx {
 public:
  /// The canonical encoding, signature included.
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  /// The signer's public key.
  const PublicKey& signer() const { return signer_; }
  /// The signer's sequence number.
  uint64_t nonce() const { return nonce_; }
  /// What the payload is for.
  TxKind kind() const { return kind_; }
  /// The payload, within `bytes()`.
  std::span<const uint8_t> payload() const {
    return std::span<const uint8_t>(bytes_).subspan(payload_at_, payload_size_);
  }

 private:
  friend Expected<AdmittedTx, TxError> admit_transaction(std::span<const uint8_t> bytes,
                                                         std::string_view chain_id);
  AdmittedTx() = default;

  std::vector<uint8_t> bytes_;
  PublicKey signer_{};
  uint64_t nonce_ = 0;
  TxKind kind_ = TxKind::note;
  size_t payload_at_ = 0;
  size_t payload_size_ = 0;
};

/// Admits the transaction encoded in `bytes` on the chain `chain_id`: it must decode
/// canonically (`invalid_field`, the reason giving the byte offset), carry this chain id
/// (`wrong_chain`) and a valid signature (`bad_signature`, `internal`). The nonce is not
/// checked here: it depends on the order of transactions, which the block decides.
Expected<AdmittedTx, TxError> admit_transaction(std::span<const uint8_t> bytes,
                                                std::string_view chain_id);

}  // namespace covenant::ledger
