#pragma once
/// \file
/// Sealed batches: one Ed25519 signature that authorises a run of one signer's consecutive
/// transactions, each of which stays its own log entry with its own nonce, receipt and
/// inclusion proof. A seal is a signed transaction of kind `seal` whose payload lists the
/// SHA-256 of the signing message of each transaction it covers, in nonce order; a covered
/// transaction carries an all-zero signature and must follow its seal in the same block.
/// Verifying one signature and K hashes replaces K signature verifications (about 110 us
/// each here against 1-3 us per hash). The rule and why it is as strong as a signature per
/// transaction: docs/ledger.md, "Sealed batches".

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ledger/block.hpp"
#include "ledger/ed25519.hpp"
#include "ledger/hasher.hpp"
#include "ledger/tx.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The most transactions one seal may cover. A seal is all or nothing (one wrong covered
/// transaction rejects the whole batch and its block), so the bound caps what one bad byte
/// costs and what admission holds for one batch: 16,384 transactions, a 512 KiB payload.
inline constexpr uint32_t kMaxSealedTransactions = 16384;

/// Size of one listed hash in a seal's payload, in bytes.
inline constexpr size_t kSealHashSize = 32;

/// Size of a seal receipt's output, in bytes: the first covered nonce (u64 LE) then the
/// number of covered transactions (u32 LE).
inline constexpr size_t kSealReceiptOutputSize = 12;

/// True if every byte of `signature` is zero: the mark of a transaction covered by a seal.
bool is_zero_signature(const Signature& signature);

/// SHA-256 of the signing message of the transaction whose canonical encoding is `tx_bytes`:
/// kTxSigningDomain || `tx_bytes` without its last 64 bytes (the signature), hashed in place.
/// `tx_bytes` must be a canonical encoding (`decode` accepts it); shorter input aborts.
Hash signing_hash(Hasher& hasher, std::span<const uint8_t> tx_bytes);

/// SHA-256 of `signing_message(tx)`: what a seal lists for `tx`. Fails with `invalid_field`
/// if `tx` cannot be encoded.
Expected<Hash, TxError> signing_hash(const Transaction& tx);

/// The payload of a seal listing `hashes` in order: their concatenation, 32 bytes each.
/// Fails with `bad_seal` for no hash or more than kMaxSealedTransactions.
Expected<std::vector<uint8_t>, TxError> encode_seal_payload(std::span<const Hash> hashes);

/// The number of hashes the seal payload `payload` lists. Fails with `bad_seal` if its size
/// is not a positive multiple of 32 or it lists more than kMaxSealedTransactions.
Expected<uint32_t, TxError> seal_count(std::span<const uint8_t> payload);

/// Hash `index` of a payload that `seal_count` accepted (index below the count).
Hash seal_hash_at(std::span<const uint8_t> payload, uint32_t index);

/// The one receipt a seal may have, fixed by the ledger so that it records what the seal
/// covered and cannot say anything else: status ok, no gas, events or set hashes, and the
/// output u64 LE `seal_nonce + 1` (the first covered nonce) || u32 LE `count`.
Receipt seal_receipt(uint64_t seal_nonce, uint32_t count);

/// The sealing rule over one block's transactions, fed in block order:
///
/// - a transaction with an all-zero signature is covered: it must come while a seal's run
///   is open, be that seal's signer's, carry the next nonce of the run, not be a seal, and
///   its signing hash must be the one the seal lists at that place;
/// - while a run is open every transaction must be its next covered one (a run is not
///   interrupted); a seal opens a run over its next K nonces, which ends after the K-th;
/// - a transaction with any other signature is on its own: its signature must verify,
///   which the caller checks (on other threads if it likes), seals included;
/// - at the end of the block no run may be open (`finish`).
///
/// Stateless and deterministic: every block can be checked on its own. Not thread-safe.
class SealCursor {
 public:
  /// Feeds the next transaction. `payload` is its payload; for a seal it must stay valid
  /// until the seal's run ends. `zero_signature` is `is_zero_signature(tx.signature)`;
  /// `signing_hash_of_tx` must point to the transaction's signing hash when `zero_signature`
  /// is true and is not read otherwise. Fails with `bad_seal`, the reason naming the seal
  /// by its nonce; after a failure the cursor must not be used again.
  Expected<void, TxError> next(const PublicKey& signer, uint64_t nonce, TxKind kind,
                               std::span<const uint8_t> payload, bool zero_signature,
                               const Hash* signing_hash_of_tx);

  /// Succeeds if no seal's run is still open after the last transaction. Fails with
  /// `bad_seal` saying how many of the seal's transactions followed it.
  Expected<void, TxError> finish() const;

  /// While a run is open (or after `finish` failed): the position, counted in calls to
  /// `next` from 0, of the seal that opened it; for naming its entry.
  size_t seal_position() const { return seal_position_; }

  /// True while a seal's run is open.
  bool open() const { return remaining_ != 0; }

 private:
  size_t position_ = 0;       // calls to `next` so far
  size_t seal_position_ = 0;  // of the open run's seal
  PublicKey signer_{};
  uint64_t seal_nonce_ = 0;
  uint32_t count_ = 0;        // hashes the open seal lists
  uint32_t remaining_ = 0;    // of them still to come
  std::span<const uint8_t> hashes_;
};

/// Makes a sealed batch for `chain_id`, signed by `key`: each transaction of `txs` gets the
/// chain id, the key's public key as signer, the nonce `first_nonce + 1 + i` and an all-zero
/// signature (kinds and payloads are the caller's); the seal returned has nonce
/// `first_nonce` and lists their signing hashes. Append the seal, then `txs` in order, in
/// one block (`admit_sealed_batch` admits them). Fails with `bad_seal` for an empty batch,
/// more than kMaxSealedTransactions, a seal among `txs` or nonces past 2^64-2, `invalid_field` for a bad chain
/// id or a transaction with an unknown kind or an oversized payload (then `txs` is
/// unchanged), or `internal` if OpenSSL cannot sign (then `txs` is filled in but no seal
/// exists: discard them).
Expected<Transaction, TxError> seal_batch(std::span<Transaction> txs, const KeyPair& key,
                                          uint64_t first_nonce, std::string_view chain_id);

}  // namespace covenant::ledger
