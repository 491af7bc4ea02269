#include "consent/batch.hpp"

#include <algorithm>

#include "consent/consent_tx.hpp"
#include "ledger/admission.hpp"

namespace covenant::consent {

Expected<std::vector<RecordedDecision>, std::string> record_decisions(ledger::Node& node,
                                                                      const ledger::KeyPair& key,
                                                                      std::span<const AccessRequest> requests,
                                                                      uint64_t time_ms) {
  std::vector<RecordedDecision> out;
  out.reserve(requests.size());
  ledger::Ledger& ledger = node.ledger();
  const std::string chain = ledger.chain_id();
  for (size_t first = 0; first < requests.size(); first += kDecisionsPerBlock) {
    const size_t count = std::min(kDecisionsPerBlock, requests.size() - first);
    auto nonce = ledger.next_nonce(key.public_key());
    if (!nonce) return unexpected(nonce.error().describe());
    std::vector<ledger::Transaction> txs(count);
    for (size_t i = 0; i < count; ++i) {
      txs[i].kind = ledger::TxKind::consent;
      txs[i].payload = encode_consent_op(Ask{requests[first + i]});
    }
    auto admitted = ledger::seal_and_admit(txs, key, *nonce, chain);
    if (!admitted) return unexpected("sealing decisions: " + admitted.error().reason);
    auto appended = ledger.append_transactions(*admitted, std::max(time_ms, ledger.head().time_ms), node.key());
    if (!appended) return unexpected(appended.error().describe());
    // receipts[0] is the seal's; entries are numbered from the block's first.
    const uint64_t first_entry = appended->header.log_size - appended->receipts.size();
    for (size_t i = 0; i < count; ++i) {
      const ledger::Receipt& r = appended->receipts[1 + i];
      if (r.status != ledger::ReceiptStatus::ok) return unexpected("a decision was refused: " + r.reason);
      auto d = decode_decision(r.output);
      if (!d) return unexpected("a recorded decision does not decode: " + d.error().reason);
      out.push_back(RecordedDecision{std::move(*d), appended->header.height, first_entry + 1 + i});
    }
  }
  return out;
}

}  // namespace covenant::consent
