#pragma once
/// \file
/// Receipts, log entries and signed block headers: their canonical binary encodings, the
/// Merkle leaf of an entry, block creation (`make_block`) and the chain rules a block must
/// satisfy (`verify_block`). Pure encode/decode/sign/verify code, no I/O. Byte layouts and
/// rules are documented in docs/ledger.md, "Blocks and receipts".

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ed25519.hpp"
#include "ledger/hasher.hpp"
#include "ledger/merkle.hpp"
#include "ledger/tx.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// The first four bytes of every encoded receipt ("CVRC").
inline constexpr uint8_t kReceiptMagic[4] = {'C', 'V', 'R', 'C'};
/// The receipt encoding version; any other value is rejected.
inline constexpr uint8_t kReceiptVersion = 1;
/// The most events one receipt may carry.
inline constexpr size_t kMaxReceiptEvents = 64;
/// The largest single event, in bytes (4 KiB).
inline constexpr size_t kMaxEventSize = 4096;
/// The longest reason text, in bytes (printable ASCII characters).
inline constexpr size_t kMaxReasonLength = 256;
/// The largest output (a call's return value) one receipt may carry, in bytes (64 KiB).
inline constexpr size_t kMaxReceiptOutput = 64 * 1024;
/// Size of an encoded receipt with no reason, no events and no output.
inline constexpr size_t kMinEncodedReceiptSize = 4 + 1 + 1 + 8 + 32 + 32 + 4 + 4 + 2 + 2 + 4;

/// The first four bytes of every encoded block header ("CVBH").
inline constexpr uint8_t kHeaderMagic[4] = {'C', 'V', 'B', 'H'};
/// The header encoding version; any other value is rejected.
inline constexpr uint8_t kHeaderVersion = 1;
/// Size of an encoded header (fixed: every field has a fixed width).
inline constexpr size_t kEncodedHeaderSize = 225;
/// Size of the unsigned part of a header: the encoding without its last 64 bytes.
inline constexpr size_t kUnsignedHeaderSize = kEncodedHeaderSize - 64;
/// The domain-separation prefix of a header's signed message (17 ASCII bytes).
inline constexpr std::string_view kBlockSigningDomain = "covenant/block/v1";
/// The most entries one block may hold.
inline constexpr uint32_t kMaxBlockEntries = 1u << 20;
/// The largest encoded transaction an entry may hold, in bytes (the envelope's own maximum).
inline constexpr size_t kMaxEntryTxSize = 116 + kMaxChainIdLength + kMaxPayloadSize;
/// The largest encoded receipt an entry may hold, in bytes.
inline constexpr size_t kMaxEntryReceiptSize =
    kMinEncodedReceiptSize + kMaxReasonLength + kMaxReceiptEvents * (4 + kMaxEventSize) +
    kMaxReceiptOutput;

/// How the execution of a transaction ended. Encoded as one byte; other values are rejected.
enum class ReceiptStatus : uint8_t {
  ok = 0,          ///< executed; its writes are applied
  denied = 1,      ///< a policy (consent, access rule) refused it; no writes applied
  fault = 2,       ///< the contract trapped (bad memory access, division by zero, abort...)
  out_of_gas = 3,  ///< the gas limit was reached before the contract finished
  rejected = 4,    ///< not executed at all (malformed call, unknown contract, bad arguments)
};

/// True if `value` is one of the `ReceiptStatus` enumerators.
bool is_known_status(uint8_t value);

/// The name of a status ("ok", "denied", ...), or "unknown".
std::string_view status_name(ReceiptStatus status);

/// The outcome of executing one transaction.
struct Receipt {
  /// How execution ended.
  ReceiptStatus status = ReceiptStatus::ok;
  /// Gas consumed, in gas units (0 for a transaction that never ran).
  uint64_t gas_used = 0;
  /// Opaque event records emitted by the contract, in emission order: at most
  /// kMaxReceiptEvents, each at most kMaxEventSize bytes.
  std::vector<std::vector<uint8_t>> events;
  /// SHA-256 commitment to the writes the transaction made (the caller defines it; all zero
  /// is allowed, e.g. for no writes).
  Hash write_set_hash{};
  /// SHA-256 commitment to the state keys the transaction read (the caller defines it; all
  /// zero is allowed, e.g. for no reads).
  Hash read_set_hash{};
  /// Source line of a failure, 1-based; 0 when none is known. Must be 0 for `ok`.
  uint32_t fail_line = 0;
  /// Source column of a failure, 1-based; 0 when none is known (always 0 if the line is).
  uint32_t fail_column = 0;
  /// Why it failed: at most kMaxReasonLength bytes of printable ASCII (0x20-0x7e). Must be
  /// empty for `ok`.
  std::string reason;
  /// What the call returned (its result block), at most kMaxReceiptOutput bytes; empty for
  /// a call that returns nothing and for every status but `ok`.
  std::vector<uint8_t> output;

  /// Field-by-field equality.
  friend bool operator==(const Receipt&, const Receipt&) = default;
};

/// One log entry: a transaction's canonical bytes and its receipt's canonical bytes. The
/// entry's Merkle leaf data is `encode_entry` (both, length-prefixed).
struct Entry {
  /// The transaction, as produced by `encode(const Transaction&)`.
  std::vector<uint8_t> tx;
  /// Its receipt, as produced by `encode_receipt`.
  std::vector<uint8_t> receipt;

  /// Byte-wise equality.
  friend bool operator==(const Entry&, const Entry&) = default;
};

/// A block header. `signature` is the proposer's signature of `header_signing_message`.
struct BlockHeader {
  /// 0 for the genesis block, then +1 per block.
  uint64_t height = 0;
  /// `header_hash` of the previous header; all zero for the genesis block.
  Hash previous_hash{};
  /// Block time: Unix time in milliseconds, never lower than the previous block's.
  uint64_t time_ms = 0;
  /// Number of entries in the block (at most kMaxBlockEntries).
  uint32_t entry_count = 0;
  /// Number of leaves in the Merkle log after this block's entries were appended.
  uint64_t log_size = 0;
  /// Root of the Merkle log after this block (RFC 9162 MTH of `log_size` leaves).
  Hash log_root{};
  /// The caller's commitment to the world state after this block (opaque here).
  Hash state_commitment{};
  /// The proposer's Ed25519 public key.
  PublicKey proposer{};
  /// The proposer's signature of `header_signing_message(*this)`.
  Signature signature{};

  /// Field-by-field equality.
  friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

/// Why a receipt or entry cannot be encoded (a field violates its limit); one line.
struct BlockFieldError {
  /// One line, no trailing period.
  std::string reason;
};

/// Why a block cannot be made or is rejected: the check that failed, in the order
/// `verify_block` runs them.
struct BlockError {
  /// Which check failed.
  enum class Code {
    invalid_field,   ///< a header field violates its limit (entry count above the maximum)
    height,          ///< height is not previous + 1 (or not 0 for genesis)
    previous_hash,   ///< previous hash is not the previous header's hash (or not zero)
    time,            ///< block time is earlier than the previous block's
    log_before,      ///< the log handed in does not match the previous header
    entry_count,     ///< entry count differs from the number of entries supplied
    entry,           ///< an entry does not decode, or its transaction's signature is bad
    log_size,        ///< log size after the block is not log size before + entry count
    log_root,        ///< log root after the block differs from the recomputed root
    signature,       ///< the proposer's signature does not verify
    internal,        ///< OpenSSL failed
  };
  /// Which check failed.
  Code code = Code::internal;
  /// Index of the offending entry within the block for `entry`; kNoEntry otherwise.
  size_t entry = kNoEntry;
  /// One line, no trailing period.
  std::string reason;

  /// The value of `entry` when no single entry is at fault.
  static constexpr size_t kNoEntry = std::numeric_limits<size_t>::max();
};

/// The name of a `BlockError::Code` ("height", "log_root", ...).
std::string_view block_error_name(BlockError::Code code);

/// `text` made to fit a receipt's reason: every byte outside printable ASCII becomes '?',
/// and it is cut at kMaxReasonLength bytes.
std::string receipt_reason(std::string_view text);

/// Checks the receipt limits `encode_receipt` relies on (status, event count and sizes,
/// reason length and characters, no failure location or reason on `ok`, column 0 when the
/// line is 0). Fails naming the field.
Expected<void, BlockFieldError> validate_receipt(const Receipt& receipt);

/// The canonical bytes of `receipt` (layout in docs/ledger.md). Deterministic. Fails if
/// `validate_receipt` fails.
Expected<std::vector<uint8_t>, BlockFieldError> encode_receipt(const Receipt& receipt);

/// `encode_receipt`, appended to `out` (which is unchanged on failure).
Expected<void, BlockFieldError> append_receipt(std::vector<uint8_t>& out, const Receipt& receipt);

/// Parses canonical receipt bytes: checks every length against its limit, then against the
/// remaining input, before reading or allocating; rejects anything `validate_receipt`
/// rejects and trailing bytes. Whatever it accepts re-encodes to exactly `bytes`. Fails
/// with the byte offset of the offending field.
Expected<Receipt, DecodeError> decode_receipt(std::span<const uint8_t> bytes);

/// The entry's Merkle leaf data: u32 LE length of `tx` || tx || u32 LE length of `receipt`
/// || receipt. Fails if either part is empty or above its maximum size (the parts are not
/// decoded here; `make_block` and `verify_block` do that).
Expected<std::vector<uint8_t>, BlockFieldError> encode_entry(const Entry& entry);

/// Parses entry leaf data and checks that both parts are canonical (`decode` and
/// `decode_receipt` accept them); offsets in errors are from the start of `bytes`.
Expected<Entry, DecodeError> decode_entry(std::span<const uint8_t> bytes);

/// An entry's leaf data split in place: both parts checked canonical, the transaction also
/// decoded. The spans point into the bytes that were decoded.
struct EntryParts {
  /// The transaction's canonical bytes.
  std::span<const uint8_t> tx;
  /// The receipt's canonical bytes.
  std::span<const uint8_t> receipt;
  /// The transaction, decoded.
  Transaction transaction;
};

/// `decode_entry` without copying the parts (for stored entries read in bulk): the same
/// checks, the same errors.
Expected<EntryParts, DecodeError> decode_entry_parts(std::span<const uint8_t> bytes);

/// The entry's Merkle leaf hash: SHA-256(0x00 || encode_entry(entry)) (RFC 9162). Fails as
/// `encode_entry` does.
Expected<Hash, BlockFieldError> entry_leaf_hash(Hasher& hasher, const Entry& entry);

/// The canonical 225 bytes of `header` (layout in docs/ledger.md). Every field has a fixed
/// width, so this cannot fail.
std::vector<uint8_t> encode_header(const BlockHeader& header);

/// Parses exactly kEncodedHeaderSize bytes: magic, version and length are checked; every
/// other field is fixed-width, so whatever is accepted re-encodes to exactly `bytes`. Does
/// NOT check the signature or any chain rule (see `verify_block`).
Expected<BlockHeader, DecodeError> decode_header(std::span<const uint8_t> bytes);

/// The header hash: SHA-256 of the complete 225-byte encoding, signature INCLUDED, so that
/// the next block's `previous_hash` commits to every stored byte of this header (see
/// docs/ledger.md for why).
Hash header_hash(const BlockHeader& header);

/// The message the proposer signs: kBlockSigningDomain || the first kUnsignedHeaderSize
/// bytes of the encoding (every field but the signature).
std::vector<uint8_t> header_signing_message(const BlockHeader& header);

/// Makes and signs the header of a block holding `entries`, appending each entry's leaf
/// hash to `log`. `previous` is the previous block's header, or nullptr for the genesis
/// block (height 0, all-zero previous hash; then `log` must be empty). `time_ms` is Unix
/// time in milliseconds and must not be earlier than `previous->time_ms`. Each entry must
/// decode (`decode_entry`); transaction signatures are not checked here (`verify_block` does).
/// `log` must be the log after `previous` (size and root as in its header). On failure,
/// `log` is unchanged; errors use the same codes as `verify_block`.
Expected<BlockHeader, BlockError> make_block(const BlockHeader* previous,
                                             std::span<const Entry> entries, uint64_t time_ms,
                                             const Hash& state_commitment, CompactRange& log,
                                             const KeyPair& proposer);

/// `make_block` for entries already reduced to their leaf hashes (`entry_leaf_hash`), in
/// block order: the storage layer builds the record and hashes each entry's leaf data in
/// place. The caller has checked that each entry decodes; everything else is as
/// `make_block`.
Expected<BlockHeader, BlockError> make_block_from_leaves(const BlockHeader* previous,
                                                         std::span<const Hash> leaf_hashes,
                                                         uint64_t time_ms,
                                                         const Hash& state_commitment,
                                                         CompactRange& log,
                                                         const KeyPair& proposer);

/// Checks one block against the previous header (nullptr for genesis) and the log before
/// it, in this order: height, previous hash, time, `log_before` matching the previous
/// header (or empty for genesis), entry count, each entry (decodes canonically, and its
/// transaction's signature verifies or, for an all-zero signature, the sealing rule of
/// ledger/seal.hpp covers it; every seal's run is complete), log size, log root, proposer
/// signature. The first
/// failing check is returned. On success `log_before` has become the log after the block;
/// on failure it is unchanged. Which proposers may sign is the caller's policy.
Expected<void, BlockError> verify_block(const BlockHeader* previous, const BlockHeader& header,
                                        std::span<const Entry> entries,
                                        CompactRange& log_before);

/// `verify_block` for entries already reduced to their leaf hashes, in block order: every
/// check but the entries' own (canonical decoding, transaction signatures, the sealing
/// rule), which the
/// caller makes (the storage layer decodes entries in place and checks their signatures on
/// several threads). Same order and error codes as `verify_block`; on success `log_before`
/// has become the log after the block, on failure it is unchanged.
Expected<void, BlockError> verify_block_leaves(const BlockHeader* previous,
                                               const BlockHeader& header,
                                               std::span<const Hash> leaf_hashes,
                                               CompactRange& log_before);

}  // namespace covenant::ledger
