#include "consent/audit_trail.hpp"

#include "consent/consent_tx.hpp"

namespace covenant::consent {

Expected<std::vector<AccessEntry>, ledger::StorageError> accesses_of(const ledger::Ledger& ledger,
                                                                     const Pseudonym& patient,
                                                                     uint64_t from_ms, uint64_t to_ms) {
  using ledger::StorageError;
  std::vector<AccessEntry> out;
  for (uint64_t height = 1; height < ledger.block_count(); ++height) {
    auto block = ledger.read_block(height);
    if (!block) return unexpected(std::move(block).error());
    const ledger::BlockHeader& header = block->record.header;
    if (header.time_ms < from_ms || header.time_ms > to_ms) continue;
    const uint64_t first = header.log_size - block->record.leaves.size();
    for (size_t i = 0; i < block->record.leaves.size(); ++i) {
      auto damaged = [&](const std::string& what) {
        return unexpected(StorageError::of(StorageError::Code::corrupt, what).at(height, i));
      };
      auto parts = ledger::decode_entry_parts(block->record.leaves[i]);
      if (!parts) return damaged("entry: " + parts.error().reason);
      if (parts->transaction.kind != ledger::TxKind::consent) continue;
      auto op = decode_consent_op(parts->transaction.payload);
      if (!op) continue;  // a malformed payload was rejected; it decided nothing
      const AccessRequest* request = nullptr;
      std::optional<ledger::Hash> document;
      if (auto* a = std::get_if<Ask>(&*op)) request = &a->request;
      if (auto* f = std::get_if<Fetch>(&*op)) {
        request = &f->request;
        document = f->document;
      }
      if (request == nullptr || request->patient != patient) continue;
      auto receipt = ledger::decode_receipt(parts->receipt);
      if (!receipt) return damaged("receipt: " + receipt.error().reason);
      if (receipt->status != ledger::ReceiptStatus::ok) continue;  // rejected: nothing decided
      auto decision = decode_decision(receipt->output);
      if (!decision) return damaged("recorded decision: " + decision.error().reason);
      out.push_back(AccessEntry{first + i, height, header.time_ms, parts->transaction.signer, *request,
                                document, std::move(*decision)});
    }
  }
  return out;
}

}  // namespace covenant::consent
