// libFuzzer target for what a node executes from untrusted transaction payloads: the invoke
// payload decoder (whatever it accepts re-encodes to exactly the same bytes; a rejection
// points inside the input), and the contract executor given the bytes as an invoke and as a
// deploy payload on an empty state (every outcome is a receipt the ledger accepts, never a
// crash or a storage error).

#include <cstddef>
#include <cstdint>
#include <span>

#include "ledger/state.hpp"
#include "node/contract_executor.hpp"
#include "node/invocation.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#define CHECK(cond) COVENANT_FUZZ_CHECK("invocation_fuzz", cond)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covenant;
  std::span<const uint8_t> bytes(data, size);
  auto call = node::decode_invocation(bytes);
  if (call) {
    auto again = node::encode_invocation(*call);
    CHECK(again.has_value());
    CHECK(fuzz::same_bytes(*again, bytes));
  } else {
    CHECK(call.error().offset <= size);
    CHECK(!call.error().reason.empty());
  }

  static node::ContractExecutor executor;
  ledger::MemoryState empty;
  const ledger::ExecutedTx txs[] = {
      {ledger::PublicKey{}, 0, ledger::TxKind::invoke, bytes},
      {ledger::PublicKey{}, 1, ledger::TxKind::deploy, bytes},
  };
  auto executed = executor.execute(empty, ledger::BlockEnv{1, 0}, txs);
  CHECK(executed.has_value());
  CHECK(executed->receipts.size() == 2);
  for (const ledger::Receipt& r : executed->receipts) CHECK(ledger::validate_receipt(r).has_value());
  // Nothing deployable can come from the invoke, so its receipt is a rejection.
  CHECK(executed->receipts[0].status == ledger::ReceiptStatus::rejected);
  return 0;
}
