#pragma once
/// \file
/// Admission: the checks of a transaction that need no state (canonical encoding, chain id,
/// signature, or for a sealed batch the seal's signature and the hashes it lists), made once
/// when it arrives and before it is ordered into a block. An `AdmittedTx` can only come from
/// `admit_transaction` or `admit_sealed_batch`, so a block builder that takes them
/// (`Ledger::append_block`) knows the checks ran without repeating the signature check, the
/// costliest step (docs/ledger.md, "Appending").

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ledger/ed25519.hpp"
#include "ledger/hasher.hpp"
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
  /// True for a transaction covered by a seal (its signature is all zero); it may only be
  /// appended right after its seal and the covered transactions before it.
  bool covered() const { return covered_; }
  /// For a covered transaction, the SHA-256 of its signing message, computed at admission
  /// (what its seal lists); all zero otherwise.
  const Hash& signing_hash() const { return signing_hash_; }

 private:
  friend Expected<AdmittedTx, TxError> admit_transaction(std::span<const uint8_t> bytes,
                                                         std::string_view chain_id);
  friend Expected<std::vector<AdmittedTx>, TxError> admit_sealed_batch(
      std::span<const uint8_t> seal, std::span<const std::vector<uint8_t>> covered,
      std::string_view chain_id);
  AdmittedTx() = default;
  // The admitted form of `tx`, decoded from `bytes`.
  static AdmittedTx of(std::span<const uint8_t> bytes, Transaction&& tx);

  std::vector<uint8_t> bytes_;
  PublicKey signer_{};
  uint64_t nonce_ = 0;
  TxKind kind_ = TxKind::note;
  size_t payload_at_ = 0;
  size_t payload_size_ = 0;
  bool covered_ = false;
  Hash signing_hash_{};
};

/// Admits the transaction encoded in `bytes` on the chain `chain_id`: it must decode
/// canonically (`invalid_field`, the reason giving the byte offset), carry this chain id
/// (`wrong_chain`) and a valid signature (`bad_signature`, `internal`). A seal, or a
/// transaction with an all-zero signature (one a seal covers), is refused with `bad_seal`:
/// those are admitted together by `admit_sealed_batch`. The nonce is not checked here: it
/// depends on the order of transactions, which the block decides.
Expected<AdmittedTx, TxError> admit_transaction(std::span<const uint8_t> bytes,
                                                std::string_view chain_id);

/// Admits a sealed batch on the chain `chain_id`: `seal` must decode, be of kind seal, carry
/// this chain id and a valid signature, and list exactly as many hashes as `covered` holds
/// transactions; each covered transaction must decode, carry this chain id and, in order,
/// satisfy the sealing rule (`SealCursor`: the seal's signer, the nonces after the seal's,
/// an all-zero signature, the signing hash the seal lists at its place). Returns the seal
/// then the covered transactions, to be appended in that order in one block. All or
/// nothing: fails with `invalid_field`, `wrong_chain`, `bad_signature`, `internal` (as
/// `admit_transaction`) or `bad_seal`, the reason naming the covered transaction ("covered
/// transaction 7: ...").
Expected<std::vector<AdmittedTx>, TxError> admit_sealed_batch(
    std::span<const uint8_t> seal, std::span<const std::vector<uint8_t>> covered,
    std::string_view chain_id);

/// Seals `txs` (kind and payload filled in) with `key` from nonce `first_nonce`
/// (`seal_batch`, which fills in the rest) and admits the batch (`admit_sealed_batch`): the
/// seal and then `txs`, ready for one block. Fails as `seal_batch` does; a batch it sealed
/// always encodes and admits, so any later failure is `internal`.
Expected<std::vector<AdmittedTx>, TxError> seal_and_admit(std::span<Transaction> txs, const KeyPair& key,
                                                          uint64_t first_nonce, std::string_view chain_id);

}  // namespace covenant::ledger
