#pragma once
/// \file
/// The transaction envelope: {chain id, signer's Ed25519 public key, nonce, kind, payload,
/// signature}, its canonical binary encoding, the domain-separated message that is signed,
/// transaction ids, and replay protection by a strictly sequential nonce per signer.
/// The byte layout and the rules are documented in docs/ledger.md, "Transactions".

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/ed25519.hpp"
#include "ledger/hasher.hpp"
#include "ledger/codec.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The first four bytes of every encoded transaction ("CVTX").
inline constexpr uint8_t kTxMagic[4] = {'C', 'V', 'T', 'X'};
/// The encoding version that follows the magic; any other value is rejected.
inline constexpr uint8_t kTxVersion = 1;
/// The longest chain id, in bytes (ASCII characters).
inline constexpr size_t kMaxChainIdLength = 64;
/// The largest payload, in bytes (1 MiB).
inline constexpr uint32_t kMaxPayloadSize = 1u << 20;
/// The domain-separation prefix of the signed message (14 ASCII bytes, no terminator).
inline constexpr std::string_view kTxSigningDomain = "covenant/tx/v1";
/// Size of an encoded transaction with a one-byte chain id and an empty payload.
inline constexpr size_t kMinEncodedTxSize = 4 + 1 + 1 + 1 + 32 + 8 + 2 + 4 + 64;

/// What a transaction does; the payload's meaning depends on it. Encoded as a little-endian
/// u16. Values not listed here are rejected by `encode` and `decode`.
enum class TxKind : uint16_t {
  note = 1,     ///< an opaque notarised record (e.g. a document hash)
  deploy = 2,   ///< deploy a contract module
  invoke = 3,   ///< call a deployed contract
  consent = 4,  ///< the consent layer: grants, revocations, decisions, records (docs/consent.md)
  seal = 5,     ///< authorise the signer's next transactions by their hashes (ledger/seal.hpp)
};

/// True if `value` is one of the `TxKind` enumerators.
bool is_known_kind(uint16_t value);

/// The name of a kind ("note", ...), or "unknown".
std::string_view kind_name(TxKind kind);

/// One transaction, decoded or under construction. `signature` covers every other field
/// (see `signing_message`).
struct Transaction {
  /// The chain this transaction is meant for: 1 to kMaxChainIdLength bytes of printable
  /// ASCII (0x21-0x7e, no spaces).
  std::string chain_id;
  /// Who signs, and whose nonce sequence this transaction uses.
  PublicKey signer{};
  /// The signer's sequence number: 0 for its first transaction, then +1 each time.
  uint64_t nonce = 0;
  /// What the payload is for; only the enumerators of `TxKind` are valid.
  TxKind kind = TxKind::note;
  /// Opaque to the envelope; at most kMaxPayloadSize bytes.
  std::vector<uint8_t> payload;
  /// The signer's Ed25519 signature of `signing_message(*this)`; all zero for a transaction
  /// covered by a seal, which authorises it instead (ledger/seal.hpp).
  Signature signature{};

  /// Field-by-field equality.
  friend bool operator==(const Transaction&, const Transaction&) = default;
};

/// Why a transaction cannot be encoded, signed, or is rejected.
struct TxError {
  /// The check that failed, for callers that react differently (e.g. keep a gapped
  /// transaction for later, drop a replay).
  enum class Code {
    invalid_field,    ///< a field violates the envelope's limits (cannot be encoded)
    wrong_chain,      ///< chain id differs from the one expected
    bad_signature,    ///< the signature does not verify for the signer
    replayed_nonce,   ///< nonce below the signer's next expected nonce
    nonce_gap,        ///< nonce above the signer's next expected nonce
    nonce_exhausted,  ///< nonce 2^64-1: accepting it would wrap the sequence to 0
    bad_seal,         ///< the sealing rule fails: a malformed seal, or a covered transaction
                      ///< that is not the one its seal lists at its place (ledger/seal.hpp)
    internal,         ///< OpenSSL failed
  };
  /// Which check failed.
  Code code = Code::internal;
  /// One line, no trailing period.
  std::string reason;
};

/// True if `chain_id` can name a chain: 1 to kMaxChainIdLength bytes of printable ASCII
/// 0x21-0x7e (no spaces). Transactions, segment files and checkpoint origins all use it.
bool valid_chain_id(std::string_view chain_id);

/// Checks the field limits `encode` relies on: chain id length and characters, known kind,
/// payload size. Fails with `invalid_field` naming the field.
Expected<void, TxError> validate_fields(const Transaction& tx);

/// The canonical bytes of `tx` (layout in docs/ledger.md): deterministic, the same fields
/// always give the same bytes. Fails with `invalid_field` if `validate_fields` fails.
Expected<std::vector<uint8_t>, TxError> encode(const Transaction& tx);

/// Parses canonical bytes. Checks every length against the remaining input and the limits
/// before reading or allocating, and rejects a wrong magic or version, an empty, overlong
/// or non-printable chain id, an unknown kind, an oversized payload and trailing bytes.
/// Whatever it accepts re-encodes to exactly `bytes`. Does NOT check the signature (see
/// `verify_signature`). Fails with the offset of the offending field and the reason.
Expected<Transaction, DecodeError> decode(std::span<const uint8_t> bytes);

/// The message the signer signs: kTxSigningDomain || the canonical encoding of every field
/// except the signature (the encoding without its last 64 bytes). The chain id is inside,
/// so a signature made for one chain never verifies on another. Fails with `invalid_field`.
Expected<std::vector<uint8_t>, TxError> signing_message(const Transaction& tx);

/// Sets `tx.signer` to `key`'s public key and `tx.signature` to its signature of
/// `signing_message(tx)`. On failure (`invalid_field`, `internal`) `tx` is unchanged.
Expected<void, TxError> sign_transaction(Transaction& tx, const KeyPair& key);

/// Success if `tx.signature` is the signer's valid signature of `signing_message(tx)`.
/// Fails with `bad_signature` (also for a public key OpenSSL rejects), `invalid_field` or
/// `internal`.
Expected<void, TxError> verify_signature(const Transaction& tx);

/// The transaction id: SHA-256 of the canonical bytes (signature included, so it names
/// exactly one envelope). Fails with `invalid_field` if `tx` cannot be encoded.
Expected<Hash, TxError> tx_id(const Transaction& tx);

/// Replay protection: the next expected nonce of a set of signers, in memory, ordered by
/// public key (so iteration, and anything derived from it, is deterministic). Rule: a
/// signer's transactions carry nonces 0, 1, 2, ... with no gaps and no repeats; see
/// docs/ledger.md for why a strict sequence rather than a window.
///
/// The nonces of a stored ledger live in its world state (`nonce_key`); a book is the working
/// copy of one block's signers, started from their stored nonces (docs/ledger.md, "World
/// state").
class NonceBook {
 public:
  /// An empty book: every signer starts at nonce 0.
  NonceBook() = default;

  /// A book that starts from known next nonces (e.g. read from the world state); signers not
  /// in `next` start at 0.
  explicit NonceBook(std::map<PublicKey, uint64_t> next) : next_(std::move(next)) {}

  /// The nonce the signer's next transaction must carry: 0 for a signer never seen.
  uint64_t next_nonce(const PublicKey& signer) const;

  /// Success if `nonce` is exactly `next_nonce(signer)`. Fails with `replayed_nonce` (below),
  /// `nonce_gap` (above) or `nonce_exhausted` (2^64-1, which cannot be followed). Changes
  /// nothing.
  Expected<void, TxError> check(const PublicKey& signer, uint64_t nonce) const;

  /// `check`, then on success records the nonce as used (next becomes nonce + 1). On failure
  /// the book is unchanged.
  Expected<void, TxError> accept(const PublicKey& signer, uint64_t nonce);

  /// The number of signers in the book (with an accepted or a starting nonce).
  size_t signer_count() const { return next_.size(); }

  /// Every signer in the book with its next nonce, in key order.
  const std::map<PublicKey, uint64_t>& next_nonces() const { return next_; }

  /// Same signers with the same next nonces (tests use it to show a rejection changed nothing).
  friend bool operator==(const NonceBook&, const NonceBook&) = default;

 private:
  std::map<PublicKey, uint64_t> next_;
};

/// The checks of one transaction that need no state: `tx.chain_id` equals
/// `expected_chain_id` (`wrong_chain`), then the signature (`bad_signature`,
/// `invalid_field`, `internal`). Admission runs them when a transaction arrives; the
/// nonce, which depends on the order of transactions, is checked when it is put in a block.
Expected<void, TxError> check_stateless(const Transaction& tx,
                                        std::string_view expected_chain_id);

/// Admission of one transaction: checks, in this order, that `tx.chain_id` equals
/// `expected_chain_id` (`wrong_chain`), the signature (`bad_signature`, `invalid_field`,
/// `internal`), then the nonce against `book` (`replayed_nonce`, `nonce_gap`,
/// `nonce_exhausted`). Only when all pass is the signer's nonce advanced; a rejected
/// transaction leaves `book` unchanged.
Expected<void, TxError> check_transaction(const Transaction& tx,
                                          std::string_view expected_chain_id,
                                          NonceBook& book);

}  // namespace covenant::ledger
