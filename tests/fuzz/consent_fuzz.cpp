// libFuzzer target for what the consent layer reads from untrusted bytes: consent payloads
// (whatever decodes re-encodes to exactly the same bytes; a rejection points inside the
// input), recorded decisions (the same), and the node's executor given the bytes as a
// consent transaction on an empty state (every outcome is a receipt the ledger accepts; a
// decision there finds no consent); and the FHIR Consent importer given the bytes as JSON
// text (terms, or an error that names where).

#include <cstddef>
#include <cstdint>
#include <span>

#include "consent/consent_handler.hpp"
#include "consent/consent_tx.hpp"
#include "consent/decision.hpp"
#include "consent/fhir_import.hpp"
#include "ledger/state.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#define CHECK(cond) COVENANT_FUZZ_CHECK("consent_fuzz", cond)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covenant;
  std::span<const uint8_t> bytes(data, size);
  auto op = consent::decode_consent_op(bytes);
  if (op) {
    CHECK(fuzz::same_bytes(consent::encode_consent_op(*op), bytes));
  } else {
    CHECK(op.error().offset <= size);
    CHECK(!op.error().reason.empty());
  }
  auto decision = consent::decode_decision(bytes);
  if (decision) CHECK(fuzz::same_bytes(consent::encode_decision(*decision), bytes));

  static const consent::Pseudonymizer pseudonyms(std::array<uint8_t, consent::kSecretSize>{});
  auto fhir = consent::import_fhir_consent(
      std::string_view(reinterpret_cast<const char*>(data), size), pseudonyms);
  if (fhir) {
    CHECK(fhir->grant_args.rfind("{\"t\":", 0) == 0);
    CHECK(!fhir->provision_paths.empty());
  } else {
    CHECK(!fhir.error().empty());
  }

  static node::ContractExecutor executor;
  static const bool installed = (consent::install(executor), true);
  CHECK(installed);
  ledger::MemoryState empty;
  const ledger::ExecutedTx tx{ledger::PublicKey{}, 0, ledger::TxKind::consent, bytes};
  auto executed = executor.execute(empty, ledger::BlockEnv{1, 0}, {&tx, 1});
  CHECK(executed.has_value());
  CHECK(executed->receipts.size() == 1);
  CHECK(ledger::validate_receipt(executed->receipts[0]).has_value());
  // On an empty state a decision finds no consent: not permitted.
  if (executed->receipts[0].status == ledger::ReceiptStatus::ok && op && std::holds_alternative<consent::Ask>(*op)) {
    auto d = consent::decode_decision(executed->receipts[0].output);
    CHECK(d.has_value());
    CHECK(d->outcome == consent::Outcome::not_permitted);
  }
  return 0;
}
