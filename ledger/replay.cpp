#include "ledger/replay.hpp"

#include <algorithm>
#include <string>

#include "ledger/hasher.hpp"
#include "ledger/seal.hpp"
#include "ledger/transition.hpp"
#include "vm/hex.hpp"

namespace covenant::ledger {

namespace {

// Offsets of header fields in the encoding (docs/ledger.md, "Header"): where an error that
// names a field points.
size_t header_field_offset(BlockError::Code code) {
  using Code = BlockError::Code;
  switch (code) {
    case Code::height: return 5;
    case Code::previous_hash: return 13;
    case Code::time: return 45;
    case Code::entry_count: return 53;
    case Code::log_size: return 57;
    case Code::log_root: return 65;
    case Code::signature: return 161;
    default: return 0;
  }
}
constexpr size_t kStateCommitmentAt = 97;
constexpr size_t kProposerAt = 129;
// Offset of the chain id within an entry's leaf data: the u32 transaction length, then
// magic, version and the chain id length.
constexpr size_t kChainIdInLeaf = 4 + 6;

// An error about block `block`; `offset` is within its body (the caller adds where the body
// is and names the file).
StorageError corrupt(uint64_t block, size_t offset, std::string reason,
                     uint64_t entry = StorageError::kNone) {
  StorageError e = StorageError::of(StorageError::Code::corrupt, std::move(reason)).at(block, entry);
  e.offset = offset;
  return e;
}

// Runs the block's transactions again with the executor: each stored receipt must be the
// one execution gives now, and the execution's changes join the nonces' in `out.delta`.
Expected<void, StorageError> reexecute(const ChainPosition& at, const BlockHeader& header,
                                       ReplayedBlock& out,
                                       std::span<const std::span<const uint8_t>> stored) {
  std::vector<ExecutedTx> txs;
  txs.reserve(out.transactions.size());
  for (const Transaction& tx : out.transactions) {
    txs.push_back({tx.signer, tx.nonce, tx.kind, tx.payload});
  }
  auto executed = at.executor->execute(*at.state, BlockEnv{header.height, header.time_ms}, txs);
  if (!executed) {
    StorageError e = std::move(executed).error();
    e.block = header.height;
    return unexpected(std::move(e));
  }
  if (executed->receipts.size() != txs.size()) {
    return unexpected(StorageError::of(StorageError::Code::internal,
                                       "the executor returned a receipt count that differs "
                                       "from the block's entries")
                          .at(header.height));
  }
  for (size_t i = 0; i < txs.size(); ++i) {
    auto bytes = encode_receipt(executed->receipts[i]);
    if (!bytes) {
      return unexpected(StorageError::of(StorageError::Code::internal,
                                         "re-executed receipt: " + bytes.error().reason)
                            .at(header.height, i));
    }
    if (!std::equal(bytes->begin(), bytes->end(), stored[i].begin(), stored[i].end())) {
      auto was = decode_receipt(stored[i]);
      std::string detail = was ? " (stored: " + std::string(status_name(was->status)) + ", gas " +
                                     std::to_string(was->gas_used) + "; re-executed: " +
                                     std::string(status_name(executed->receipts[i].status)) +
                                     ", gas " + std::to_string(executed->receipts[i].gas_used) + ")"
                               : "";
      return unexpected(corrupt(header.height, out.entry_offsets[i],
                                "the stored receipt differs from re-execution" + detail, i));
    }
  }
  if (auto ok = merge_executed(out.delta, executed->delta); !ok) {
    StorageError e = std::move(ok).error();
    e.block = header.height;
    return unexpected(std::move(e));
  }
  return {};
}

}  // namespace

Expected<ReplayedBlock, StorageError> replay_block(std::span<const uint8_t> body,
                                                   const ChainPosition& at) {
  const uint64_t expected_height = at.previous == nullptr ? 0 : at.previous->height + 1;
  auto record = decode_block_record(body);
  if (!record) {
    return unexpected(corrupt(expected_height, record.error().offset, record.error().reason));
  }
  ReplayedBlock out;
  out.record = std::move(record).value();
  const BlockHeader& header = out.record.header;
  const uint64_t height = header.height;

  Hasher& hasher = thread_hasher();
  const size_t count = out.record.leaves.size();
  out.leaf_hashes.reserve(count);
  out.transactions.reserve(count);
  out.entry_offsets.reserve(count);
  std::vector<NonceUse> nonces;
  nonces.reserve(count);
  std::vector<std::span<const uint8_t>> receipts;
  receipts.reserve(count);
  out.covered.reserve(count);
  SealCursor seals;
  for (size_t i = 0; i < count; ++i) {
    std::span<const uint8_t> leaf = out.record.leaves[i];
    const size_t leaf_at = static_cast<size_t>(leaf.data() - body.data());
    out.entry_offsets.push_back(leaf_at - 4);
    auto parts = decode_entry_parts(leaf);
    if (!parts) {
      return unexpected(
          corrupt(height, leaf_at + parts.error().offset, parts.error().reason, i));
    }
    if (parts->transaction.chain_id != at.chain_id) {
      return unexpected(corrupt(height, leaf_at + kChainIdInLeaf,
                                "transaction for chain \"" + parts->transaction.chain_id +
                                    "\", expected \"" + std::string(at.chain_id) + "\"",
                                i));
    }
    // The sealing rule: which entries their seal authorises, and that each seal's run is
    // exactly the transactions it lists. Hashing a covered transaction's signing message
    // costs about what hashing its leaf does.
    const Transaction& tx = parts->transaction;
    const bool zero = is_zero_signature(tx.signature);
    const Hash signing = zero ? signing_hash(hasher, parts->tx) : Hash{};
    // The payload as it lies in the body, which outlives the seal's run (the decoded copy
    // is moved away below).
    const std::span<const uint8_t> payload =
        parts->tx.subspan(parts->tx.size() - Signature{}.size() - tx.payload.size(),
                          tx.payload.size());
    if (auto ok = seals.next(tx.signer, tx.nonce, tx.kind, payload, zero, &signing); !ok) {
      return unexpected(corrupt(height, leaf_at - 4, "sealing rule: " + ok.error().reason, i));
    }
    if (tx.kind == TxKind::seal) {
      const auto covers = static_cast<uint32_t>(tx.payload.size() / kSealHashSize);
      auto expected = encode_receipt(seal_receipt(tx.nonce, covers));
      if (!expected || !std::equal(expected->begin(), expected->end(), parts->receipt.begin(),
                                   parts->receipt.end())) {
        return unexpected(corrupt(height, leaf_at - 4,
                                  "a seal's stored receipt is not the one it must have (ok, "
                                  "its first covered nonce and count)",
                                  i));
      }
    }
    out.covered.push_back(zero);
    nonces.push_back({parts->transaction.signer, parts->transaction.nonce});
    receipts.push_back(parts->receipt);
    out.transactions.push_back(std::move(parts->transaction));
    out.leaf_hashes.push_back(hasher.hash_leaf(leaf));
  }

  if (auto ok = seals.finish(); !ok) {
    const size_t seal = seals.seal_position();
    return unexpected(
        corrupt(height, out.entry_offsets[seal], "sealing rule: " + ok.error().reason, seal));
  }

  out.log = *at.log;
  if (auto ok = verify_block_leaves(at.previous, header, out.leaf_hashes, out.log); !ok) {
    const BlockError& e = ok.error();
    if (e.code == BlockError::Code::internal) {
      return unexpected(StorageError::of(StorageError::Code::internal, e.reason).at(height));
    }
    return unexpected(corrupt(expected_height, header_field_offset(e.code),
                              std::string(block_error_name(e.code)) + ": " + e.reason));
  }
  if (at.proposer != nullptr && header.proposer != *at.proposer) {
    return unexpected(corrupt(height, kProposerAt,
                              "proposed by " + to_hex(header.proposer) +
                                  ", not by the genesis proposer " + to_hex(*at.proposer)));
  }

  auto delta = nonce_transition(*at.state, nonces);
  if (!delta) {
    StorageError e = std::move(delta).error();
    e.block = height;
    if (e.code == StorageError::Code::rejected) {
      e.code = StorageError::Code::corrupt;
      e.offset = out.entry_offsets[e.entry];
    }
    return unexpected(std::move(e));
  }
  out.delta = std::move(delta).value();
  if (at.executor != nullptr) {
    if (auto ok = reexecute(at, header, out, receipts); !ok) return unexpected(ok.error());
  }
  out.state_hash = *at.state_hash;
  apply_delta(out.state_hash, out.delta);
  if (out.state_hash.commitment() != header.state_commitment) {
    return unexpected(corrupt(height, kStateCommitmentAt,
                              "state commitment " + to_hex(header.state_commitment) +
                                  " differs from the replayed state's " +
                                  to_hex(out.state_hash.commitment())));
  }
  return out;
}

}  // namespace covenant::ledger
