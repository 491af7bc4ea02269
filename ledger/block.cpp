#include "ledger/block.hpp"

#include <algorithm>
#include <utility>

#include "ledger/parallel.hpp"
#include "ledger/seal.hpp"

namespace covenant::ledger {

namespace {

bool reason_char(uint8_t c) { return c >= 0x20 && c <= 0x7e; }

// Below this many new leaves per thread, starting threads costs more than it saves.
constexpr size_t kLeavesPerThread = 512;

#define COVENANT_TRY_READ(var, expr)               \
  auto var = (expr);                               \
  if (!var) return unexpected(std::move(var).error())

Expected<Receipt, DecodeError> decode_receipt_at(std::span<const uint8_t> bytes, size_t base) {
  ByteReader r(bytes, base);
  Receipt receipt;
  if (auto ok = r.magic(kReceiptMagic, kReceiptVersion, "CVRC"); !ok) {
    return unexpected(ok.error());
  }
  size_t at = r.offset();
  COVENANT_TRY_READ(status, r.take_le(1, "status"));
  if (!is_known_status(static_cast<uint8_t>(*status))) {
    return unexpected(DecodeError{at, "unknown status " + std::to_string(*status)});
  }
  receipt.status = static_cast<ReceiptStatus>(*status);
  COVENANT_TRY_READ(gas, r.take_le(8, "gas used"));
  receipt.gas_used = *gas;
  COVENANT_TRY_READ(write_set, r.take_array<32>("write-set hash"));
  receipt.write_set_hash = *write_set;
  COVENANT_TRY_READ(read_set, r.take_array<32>("read-set hash"));
  receipt.read_set_hash = *read_set;

  size_t line_at = r.offset();
  COVENANT_TRY_READ(line, r.take_le(4, "failure line"));
  receipt.fail_line = static_cast<uint32_t>(*line);
  size_t column_at = r.offset();
  COVENANT_TRY_READ(column, r.take_le(4, "failure column"));
  receipt.fail_column = static_cast<uint32_t>(*column);
  if (receipt.status == ReceiptStatus::ok && receipt.fail_line != 0) {
    return unexpected(DecodeError{line_at, "an ok receipt has a failure line"});
  }
  if (receipt.fail_line == 0 && receipt.fail_column != 0) {
    return unexpected(DecodeError{column_at, "failure column without a failure line"});
  }

  at = r.offset();
  COVENANT_TRY_READ(reason_length, r.take_le(2, "reason length"));
  if (*reason_length > kMaxReasonLength) {
    return unexpected(DecodeError{at, "reason length " + std::to_string(*reason_length) +
                                          " exceeds maximum " +
                                          std::to_string(kMaxReasonLength)});
  }
  if (receipt.status == ReceiptStatus::ok && *reason_length != 0) {
    return unexpected(DecodeError{at, "an ok receipt has a reason"});
  }
  at = r.offset();
  COVENANT_TRY_READ(reason, r.take(static_cast<size_t>(*reason_length), "reason"));
  for (size_t i = 0; i < reason->size(); ++i) {
    if (!reason_char((*reason)[i])) {
      return unexpected(DecodeError{at + i, "reason byte outside printable ASCII 0x20-0x7e"});
    }
  }
  receipt.reason.assign(reason->begin(), reason->end());

  at = r.offset();
  COVENANT_TRY_READ(event_count, r.take_le(2, "event count"));
  if (*event_count > kMaxReceiptEvents) {
    return unexpected(DecodeError{at, "event count " + std::to_string(*event_count) +
                                          " exceeds maximum " +
                                          std::to_string(kMaxReceiptEvents)});
  }
  receipt.events.reserve(static_cast<size_t>(*event_count));
  for (uint64_t i = 0; i < *event_count; ++i) {
    at = r.offset();
    COVENANT_TRY_READ(length, r.take_le(4, "event length"));
    // Limit before remaining length and allocation: a hostile length costs nothing.
    if (*length > kMaxEventSize) {
      return unexpected(DecodeError{at, "event " + std::to_string(i) + " length " +
                                            std::to_string(*length) + " exceeds maximum " +
                                            std::to_string(kMaxEventSize)});
    }
    COVENANT_TRY_READ(event, r.take(static_cast<size_t>(*length), "event"));
    receipt.events.emplace_back(event->begin(), event->end());
  }
  at = r.offset();
  COVENANT_TRY_READ(output_length, r.take_le(4, "output length"));
  if (*output_length > kMaxReceiptOutput) {
    return unexpected(DecodeError{at, "output length " + std::to_string(*output_length) +
                                          " exceeds maximum " +
                                          std::to_string(kMaxReceiptOutput)});
  }
  if (receipt.status != ReceiptStatus::ok && *output_length != 0) {
    return unexpected(DecodeError{at, "a receipt that is not ok has an output"});
  }
  // The output is the last field: a length beyond the input is reported at the length,
  // which is the byte at fault, not at the end of the input.
  if (*output_length > r.remaining()) {
    return unexpected(DecodeError{at, "output length " + std::to_string(*output_length) +
                                          " exceeds the " + std::to_string(r.remaining()) +
                                          " bytes that remain"});
  }
  COVENANT_TRY_READ(output, r.take(static_cast<size_t>(*output_length), "output"));
  receipt.output.assign(output->begin(), output->end());
  if (auto ok = r.finish("output"); !ok) return unexpected(ok.error());
  return receipt;
}

BlockError block_error(BlockError::Code code, std::string reason,
                       size_t entry = BlockError::kNoEntry) {
  BlockError e;
  e.code = code;
  e.entry = entry;
  e.reason = std::move(reason);
  return e;
}

// The checks shared by `make_block` and `verify_block` that relate a header to its
// predecessor and to the log before it.
Expected<void, BlockError> check_link(const BlockHeader* previous, uint64_t height,
                                      const Hash& previous_hash, uint64_t time_ms,
                                      const CompactRange& log_before) {
  using Code = BlockError::Code;
  if (previous == nullptr) {
    if (height != 0) {
      return unexpected(block_error(Code::height, "genesis block has height " +
                                                      std::to_string(height) + ", expected 0"));
    }
    if (previous_hash != Hash{}) {
      return unexpected(block_error(Code::previous_hash,
                                    "genesis block has a non-zero previous hash"));
    }
    if (log_before.size() != 0) {
      return unexpected(block_error(Code::log_before,
                                    "genesis block needs an empty log, got size " +
                                        std::to_string(log_before.size())));
    }
    return {};
  }
  // A previous height of 2^64-1 has no successor; `height - 1` below cannot wrap since
  // height 0 is only valid for genesis.
  if (height == 0 || height - 1 != previous->height) {
    return unexpected(block_error(Code::height, "height " + std::to_string(height) +
                                                    " does not follow previous height " +
                                                    std::to_string(previous->height)));
  }
  if (previous_hash != header_hash(*previous)) {
    return unexpected(block_error(Code::previous_hash,
                                  "previous hash is not the hash of block " +
                                      std::to_string(previous->height)));
  }
  if (time_ms < previous->time_ms) {
    return unexpected(block_error(Code::time, "time " + std::to_string(time_ms) +
                                                  " ms is before the previous block's " +
                                                  std::to_string(previous->time_ms) + " ms"));
  }
  if (log_before.size() != previous->log_size ||
      log_before.root(thread_hasher()) != previous->log_root) {
    return unexpected(block_error(Code::log_before,
                                  "log before the block (size " +
                                      std::to_string(log_before.size()) +
                                      ") does not match the previous header's log (size " +
                                      std::to_string(previous->log_size) + ")"));
  }
  return {};
}

// Decodes every entry (and, when `check_signatures`, verifies its transaction) and returns
// its leaf hash, in order.
Expected<std::vector<Hash>, BlockError> entry_leaves(std::span<const Entry> entries,
                                                     bool check_signatures) {
  Hasher& hasher = thread_hasher();
  std::vector<Hash> leaves;
  leaves.reserve(entries.size());
  SealCursor seals;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto leaf = encode_entry(entries[i]);
    if (!leaf) {
      return unexpected(block_error(BlockError::Code::entry,
                                    "entry " + std::to_string(i) + ": " + leaf.error().reason,
                                    i));
    }
    auto decoded = decode_entry(*leaf);
    if (!decoded) {
      return unexpected(block_error(BlockError::Code::entry,
                                    "entry " + std::to_string(i) + " byte " +
                                        std::to_string(decoded.error().offset) + ": " +
                                        decoded.error().reason,
                                    i));
    }
    if (check_signatures) {
      // decode_entry has already shown the bytes decode; the check is for robustness only.
      auto tx = decode(entries[i].tx);
      if (!tx) {
        return unexpected(block_error(BlockError::Code::entry,
                                      "entry " + std::to_string(i) + ": " + tx.error().reason,
                                      i));
      }
      // A covered transaction has no signature of its own: its seal, earlier in the block,
      // lists its signing hash, and the seal's signature is checked as any other.
      const bool zero = is_zero_signature(tx->signature);
      const Hash signing = zero ? signing_hash(hasher, entries[i].tx) : Hash{};
      // The payload within the entry's bytes, which outlive a seal's run.
      const std::span<const uint8_t> payload(entries[i].tx.data() + entries[i].tx.size() -
                                                 Signature{}.size() - tx->payload.size(),
                                             tx->payload.size());
      if (auto ok = seals.next(tx->signer, tx->nonce, tx->kind, payload, zero, &signing); !ok) {
        return unexpected(block_error(BlockError::Code::entry,
                                      "entry " + std::to_string(i) + ": sealing rule: " +
                                          ok.error().reason,
                                      i));
      }
      if (zero) {
        leaves.push_back(hasher.hash_leaf(*leaf));
        continue;
      }
      if (auto ok = verify_signature(*tx); !ok) {
        auto code = ok.error().code == TxError::Code::internal ? BlockError::Code::internal
                                                               : BlockError::Code::entry;
        return unexpected(block_error(
            code, "entry " + std::to_string(i) + ": transaction " + ok.error().reason, i));
      }
    }
    leaves.push_back(hasher.hash_leaf(*leaf));
  }
  if (check_signatures) {
    if (auto ok = seals.finish(); !ok) {
      const size_t seal = seals.seal_position();
      return unexpected(block_error(BlockError::Code::entry,
                                    "entry " + std::to_string(seal) + ": sealing rule: " +
                                        ok.error().reason,
                                    seal));
    }
  }
  return leaves;
}

// The checks of `verify_block` after the entries have become leaves: log size, log root
// and the proposer's signature. On success `log` has become the log after the block.
Expected<void, BlockError> check_leaves_and_signature(const BlockHeader& header,
                                                      std::span<const Hash> leaf_hashes,
                                                      CompactRange& log) {
  using Code = BlockError::Code;
  Hasher& hasher = thread_hasher();
  CompactRange after = log;
  after.append_all(leaf_hashes, parallel_threads(leaf_hashes.size(), kLeavesPerThread));
  if (header.log_size != after.size()) {
    return unexpected(block_error(Code::log_size,
                                  "header log size " + std::to_string(header.log_size) +
                                      ", recomputed " + std::to_string(after.size())));
  }
  if (header.log_root != after.root(hasher)) {
    return unexpected(block_error(Code::log_root,
                                  "header log root differs from the root recomputed from "
                                  "the entries"));
  }
  auto ok = verify(header.proposer, header_signing_message(header), header.signature);
  if (!ok) {
    auto code = ok.error().code == SignatureError::Code::internal ? Code::internal
                                                                  : Code::signature;
    return unexpected(block_error(code, "proposer signature: " + ok.error().reason));
  }
  log = std::move(after);
  return {};
}

// The checks of `verify_block` before the entries: the header against its predecessor and
// the log before it, then its entry count against the `count` entries supplied.
Expected<void, BlockError> check_header_link(const BlockHeader* previous,
                                             const BlockHeader& header,
                                             const CompactRange& log_before, size_t count) {
  if (auto ok = check_link(previous, header.height, header.previous_hash, header.time_ms,
                           log_before);
      !ok) {
    return ok;
  }
  if (header.entry_count == count) return {};
  return unexpected(block_error(BlockError::Code::entry_count,
                                "header says " + std::to_string(header.entry_count) +
                                    " entries, block has " + std::to_string(count)));
}

}  // namespace

bool is_known_status(uint8_t value) {
  return value <= static_cast<uint8_t>(ReceiptStatus::rejected);
}

std::string_view status_name(ReceiptStatus status) {
  switch (status) {
    case ReceiptStatus::ok: return "ok";
    case ReceiptStatus::denied: return "denied";
    case ReceiptStatus::fault: return "fault";
    case ReceiptStatus::out_of_gas: return "out_of_gas";
    case ReceiptStatus::rejected: return "rejected";
  }
  return "unknown";
}

std::string_view block_error_name(BlockError::Code code) {
  using Code = BlockError::Code;
  switch (code) {
    case Code::invalid_field: return "invalid_field";
    case Code::height: return "height";
    case Code::previous_hash: return "previous_hash";
    case Code::time: return "time";
    case Code::log_before: return "log_before";
    case Code::entry_count: return "entry_count";
    case Code::entry: return "entry";
    case Code::log_size: return "log_size";
    case Code::log_root: return "log_root";
    case Code::signature: return "signature";
    case Code::internal: return "internal";
  }
  return "unknown";
}

std::string receipt_reason(std::string_view text) {
  std::string out(text.substr(0, std::min(text.size(), kMaxReasonLength)));
  for (char& c : out)
    if (!reason_char(static_cast<uint8_t>(c))) c = '?';
  return out;
}

Expected<void, BlockFieldError> validate_receipt(const Receipt& receipt) {
  auto invalid = [](std::string reason) { return unexpected(BlockFieldError{std::move(reason)}); };
  if (!is_known_status(static_cast<uint8_t>(receipt.status))) {
    return invalid("unknown status " + std::to_string(static_cast<unsigned>(receipt.status)));
  }
  if (receipt.events.size() > kMaxReceiptEvents) {
    return invalid("receipt has " + std::to_string(receipt.events.size()) +
                   " events, maximum " + std::to_string(kMaxReceiptEvents));
  }
  for (size_t i = 0; i < receipt.events.size(); ++i) {
    if (receipt.events[i].size() > kMaxEventSize) {
      return invalid("event " + std::to_string(i) + " has " +
                     std::to_string(receipt.events[i].size()) + " bytes, maximum " +
                     std::to_string(kMaxEventSize));
    }
  }
  if (receipt.reason.size() > kMaxReasonLength) {
    return invalid("reason has " + std::to_string(receipt.reason.size()) + " bytes, maximum " +
                   std::to_string(kMaxReasonLength));
  }
  for (char c : receipt.reason) {
    if (!reason_char(static_cast<uint8_t>(c))) {
      return invalid("reason has a byte outside printable ASCII 0x20-0x7e");
    }
  }
  if (receipt.status == ReceiptStatus::ok &&
      (receipt.fail_line != 0 || !receipt.reason.empty())) {
    return invalid("an ok receipt has a failure line or reason");
  }
  if (receipt.fail_line == 0 && receipt.fail_column != 0) {
    return invalid("failure column without a failure line");
  }
  if (receipt.output.size() > kMaxReceiptOutput) {
    return invalid("output has " + std::to_string(receipt.output.size()) + " bytes, maximum " +
                   std::to_string(kMaxReceiptOutput));
  }
  if (receipt.status != ReceiptStatus::ok && !receipt.output.empty()) {
    return invalid("a receipt that is not ok has an output");
  }
  return {};
}

Expected<std::vector<uint8_t>, BlockFieldError> encode_receipt(const Receipt& receipt) {
  std::vector<uint8_t> out;
  out.reserve(kMinEncodedReceiptSize + receipt.reason.size() + 4 * receipt.events.size() +
              receipt.output.size());
  if (auto ok = append_receipt(out, receipt); !ok) return unexpected(ok.error());
  return out;
}

Expected<void, BlockFieldError> append_receipt(std::vector<uint8_t>& out, const Receipt& receipt) {
  if (auto ok = validate_receipt(receipt); !ok) return unexpected(ok.error());
  out.insert(out.end(), std::begin(kReceiptMagic), std::end(kReceiptMagic));
  out.push_back(kReceiptVersion);
  out.push_back(static_cast<uint8_t>(receipt.status));
  put_u64(out, receipt.gas_used);
  put_bytes(out, receipt.write_set_hash);
  put_bytes(out, receipt.read_set_hash);
  put_u32(out, receipt.fail_line);
  put_u32(out, receipt.fail_column);
  put_u16(out, static_cast<uint16_t>(receipt.reason.size()));
  out.insert(out.end(), receipt.reason.begin(), receipt.reason.end());
  put_u16(out, static_cast<uint16_t>(receipt.events.size()));
  for (const auto& event : receipt.events) {
    put_u32(out, static_cast<uint32_t>(event.size()));
    out.insert(out.end(), event.begin(), event.end());
  }
  put_u32(out, static_cast<uint32_t>(receipt.output.size()));
  out.insert(out.end(), receipt.output.begin(), receipt.output.end());
  return {};
}

Expected<Receipt, DecodeError> decode_receipt(std::span<const uint8_t> bytes) {
  return decode_receipt_at(bytes, 0);
}

Expected<std::vector<uint8_t>, BlockFieldError> encode_entry(const Entry& entry) {
  if (entry.tx.empty() || entry.tx.size() > kMaxEntryTxSize) {
    return unexpected(BlockFieldError{"entry transaction has " +
                                      std::to_string(entry.tx.size()) +
                                      " bytes, expected 1 to " + std::to_string(kMaxEntryTxSize)});
  }
  if (entry.receipt.empty() || entry.receipt.size() > kMaxEntryReceiptSize) {
    return unexpected(BlockFieldError{"entry receipt has " +
                                      std::to_string(entry.receipt.size()) +
                                      " bytes, expected 1 to " +
                                      std::to_string(kMaxEntryReceiptSize)});
  }
  std::vector<uint8_t> out;
  out.reserve(8 + entry.tx.size() + entry.receipt.size());
  put_u32(out, static_cast<uint32_t>(entry.tx.size()));
  out.insert(out.end(), entry.tx.begin(), entry.tx.end());
  put_u32(out, static_cast<uint32_t>(entry.receipt.size()));
  out.insert(out.end(), entry.receipt.begin(), entry.receipt.end());
  return out;
}

Expected<EntryParts, DecodeError> decode_entry_parts(std::span<const uint8_t> bytes) {
  ByteReader r(bytes, 0);
  EntryParts parts;

  size_t at = r.offset();
  COVENANT_TRY_READ(tx_length, r.take_le(4, "transaction length"));
  if (*tx_length > kMaxEntryTxSize) {
    return unexpected(DecodeError{at, "transaction length " + std::to_string(*tx_length) +
                                          " exceeds maximum " + std::to_string(kMaxEntryTxSize)});
  }
  at = r.offset();
  COVENANT_TRY_READ(tx, r.take(static_cast<size_t>(*tx_length), "transaction"));
  auto decoded = decode(*tx);
  if (!decoded) {
    return unexpected(DecodeError{at + decoded.error().offset,
                                  "transaction: " + decoded.error().reason});
  }
  parts.tx = *tx;
  parts.transaction = std::move(decoded).value();

  at = r.offset();
  COVENANT_TRY_READ(receipt_length, r.take_le(4, "receipt length"));
  if (*receipt_length > kMaxEntryReceiptSize) {
    return unexpected(DecodeError{at, "receipt length " + std::to_string(*receipt_length) +
                                          " exceeds maximum " +
                                          std::to_string(kMaxEntryReceiptSize)});
  }
  at = r.offset();
  COVENANT_TRY_READ(receipt, r.take(static_cast<size_t>(*receipt_length), "receipt"));
  if (auto receipt_ok = decode_receipt_at(*receipt, at); !receipt_ok) {
    auto e = std::move(receipt_ok).error();
    e.reason = "receipt: " + e.reason;
    return unexpected(std::move(e));
  }
  parts.receipt = *receipt;
  if (auto ok = r.finish("receipt"); !ok) return unexpected(ok.error());
  return parts;
}

Expected<Entry, DecodeError> decode_entry(std::span<const uint8_t> bytes) {
  auto parts = decode_entry_parts(bytes);
  if (!parts) return unexpected(std::move(parts).error());
  return Entry{std::vector<uint8_t>(parts->tx.begin(), parts->tx.end()),
               std::vector<uint8_t>(parts->receipt.begin(), parts->receipt.end())};
}

Expected<Hash, BlockFieldError> entry_leaf_hash(Hasher& hasher, const Entry& entry) {
  auto leaf = encode_entry(entry);
  if (!leaf) return unexpected(std::move(leaf).error());
  return hasher.hash_leaf(*leaf);
}

std::vector<uint8_t> encode_header(const BlockHeader& header) {
  std::vector<uint8_t> out;
  out.reserve(kEncodedHeaderSize);
  out.insert(out.end(), std::begin(kHeaderMagic), std::end(kHeaderMagic));
  out.push_back(kHeaderVersion);
  put_u64(out, header.height);
  put_bytes(out, header.previous_hash);
  put_u64(out, header.time_ms);
  put_u32(out, header.entry_count);
  put_u64(out, header.log_size);
  put_bytes(out, header.log_root);
  put_bytes(out, header.state_commitment);
  put_bytes(out, header.proposer);
  put_bytes(out, header.signature);
  return out;
}

Expected<BlockHeader, DecodeError> decode_header(std::span<const uint8_t> bytes) {
  ByteReader r(bytes, 0);
  BlockHeader h;
  if (auto ok = r.magic(kHeaderMagic, kHeaderVersion, "CVBH"); !ok) {
    return unexpected(ok.error());
  }
  COVENANT_TRY_READ(height, r.take_le(8, "height"));
  h.height = *height;
  COVENANT_TRY_READ(previous, r.take_array<32>("previous hash"));
  h.previous_hash = *previous;
  COVENANT_TRY_READ(time, r.take_le(8, "time"));
  h.time_ms = *time;
  COVENANT_TRY_READ(count, r.take_le(4, "entry count"));
  h.entry_count = static_cast<uint32_t>(*count);
  COVENANT_TRY_READ(size, r.take_le(8, "log size"));
  h.log_size = *size;
  COVENANT_TRY_READ(root, r.take_array<32>("log root"));
  h.log_root = *root;
  COVENANT_TRY_READ(state, r.take_array<32>("state commitment"));
  h.state_commitment = *state;
  COVENANT_TRY_READ(proposer, r.take_array<32>("proposer key"));
  h.proposer = *proposer;
  COVENANT_TRY_READ(signature, r.take_array<64>("signature"));
  h.signature = *signature;
  if (auto ok = r.finish("signature"); !ok) return unexpected(ok.error());
  return h;
}

Hash header_hash(const BlockHeader& header) {
  return thread_hasher().sha256(encode_header(header));
}

std::vector<uint8_t> header_signing_message(const BlockHeader& header) {
  // A fixed-length domain string first, so that no transaction or checkpoint signature can
  // be replayed as a block signature, or the reverse.
  auto encoded = encode_header(header);
  // Sized once and copied into (rather than grown by insert), which also keeps GCC 12's
  // -Warray-bounds false positive on vector::insert at -O2 quiet.
  std::vector<uint8_t> message(kBlockSigningDomain.size() + kUnsignedHeaderSize);
  auto rest = std::copy(kBlockSigningDomain.begin(), kBlockSigningDomain.end(), message.begin());
  std::copy(encoded.begin(), encoded.begin() + kUnsignedHeaderSize, rest);
  return message;
}

Expected<BlockHeader, BlockError> make_block(const BlockHeader* previous,
                                             std::span<const Entry> entries, uint64_t time_ms,
                                             const Hash& state_commitment, CompactRange& log,
                                             const KeyPair& proposer) {
  if (entries.size() > kMaxBlockEntries) {
    return unexpected(block_error(BlockError::Code::invalid_field,
                                  std::to_string(entries.size()) + " entries, maximum " +
                                      std::to_string(kMaxBlockEntries)));
  }
  auto leaves = entry_leaves(entries, false);
  if (!leaves) return unexpected(std::move(leaves).error());
  return make_block_from_leaves(previous, *leaves, time_ms, state_commitment, log, proposer);
}

Expected<BlockHeader, BlockError> make_block_from_leaves(const BlockHeader* previous,
                                                         std::span<const Hash> leaf_hashes,
                                                         uint64_t time_ms,
                                                         const Hash& state_commitment,
                                                         CompactRange& log,
                                                         const KeyPair& proposer) {
  if (leaf_hashes.size() > kMaxBlockEntries) {
    return unexpected(block_error(BlockError::Code::invalid_field,
                                  std::to_string(leaf_hashes.size()) + " entries, maximum " +
                                      std::to_string(kMaxBlockEntries)));
  }
  BlockHeader h;
  h.height = previous == nullptr ? 0 : previous->height + 1;
  h.previous_hash = previous == nullptr ? Hash{} : header_hash(*previous);
  h.time_ms = time_ms;
  if (previous != nullptr && previous->height == std::numeric_limits<uint64_t>::max()) {
    return unexpected(block_error(BlockError::Code::height, "the previous height is the last"));
  }
  if (auto ok = check_link(previous, h.height, h.previous_hash, time_ms, log); !ok) {
    return unexpected(ok.error());
  }
  // Work on a copy so that a failure leaves the caller's log as it was.
  Hasher& hasher = thread_hasher();
  CompactRange after = log;
  after.append_all(leaf_hashes, parallel_threads(leaf_hashes.size(), kLeavesPerThread));
  h.entry_count = static_cast<uint32_t>(leaf_hashes.size());
  h.log_size = after.size();
  h.log_root = after.root(hasher);
  h.state_commitment = state_commitment;
  h.proposer = proposer.public_key();
  auto signature = proposer.sign(header_signing_message(h));
  if (!signature) {
    return unexpected(block_error(BlockError::Code::internal, signature.error().reason));
  }
  h.signature = *signature;
  log = std::move(after);
  return h;
}

Expected<void, BlockError> verify_block(const BlockHeader* previous, const BlockHeader& header,
                                        std::span<const Entry> entries,
                                        CompactRange& log_before) {
  if (auto ok = check_header_link(previous, header, log_before, entries.size()); !ok) return ok;
  auto leaves = entry_leaves(entries, true);
  if (!leaves) return unexpected(std::move(leaves).error());
  return check_leaves_and_signature(header, *leaves, log_before);
}

Expected<void, BlockError> verify_block_leaves(const BlockHeader* previous,
                                               const BlockHeader& header,
                                               std::span<const Hash> leaf_hashes,
                                               CompactRange& log_before) {
  if (auto ok = check_header_link(previous, header, log_before, leaf_hashes.size()); !ok) {
    return ok;
  }
  return check_leaves_and_signature(header, leaf_hashes, log_before);
}

}  // namespace covenant::ledger
