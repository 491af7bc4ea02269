// libFuzzer target for the transaction envelope. Arbitrary bytes are decoded; whatever is
// accepted must re-encode to exactly the same bytes (the encoding is canonical), have an id,
// and go through signature verification and admission (alone, or as a sealed batch) without
// crashing. A rejection must point inside the input. Violations trap, so libFuzzer (and the
// replay) report them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>

#include "ledger/admission.hpp"
#include "ledger/seal.hpp"
#include "ledger/tx.hpp"

namespace {

#define TX_FUZZ_CHECK(cond)                                                                   \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "tx_fuzz: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      __builtin_trap();                                                                       \
    }                                                                                         \
  } while (0)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covenant::ledger;
  std::span<const uint8_t> bytes(data, size);
  auto tx = decode(bytes);
  if (!tx) {
    TX_FUZZ_CHECK(tx.error().offset <= size);
    TX_FUZZ_CHECK(!tx.error().reason.empty());
    return 0;
  }
  auto again = encode(*tx);
  TX_FUZZ_CHECK(again.has_value());
  TX_FUZZ_CHECK(again->size() == size);
  TX_FUZZ_CHECK(std::equal(again->begin(), again->end(), bytes.begin()));
  TX_FUZZ_CHECK(tx_id(*tx).has_value());

  auto verified = verify_signature(*tx);
  TX_FUZZ_CHECK(verified || verified.error().code == TxError::Code::bad_signature);

  // Admission agrees with verification, and only a success advances the book.
  NonceBook book;
  auto admitted = check_transaction(*tx, tx->chain_id, book);
  TX_FUZZ_CHECK(admitted.has_value() == (verified.has_value() && tx->nonce == 0));
  TX_FUZZ_CHECK(book.signer_count() == (admitted.has_value() ? 1u : 0u));

  // A seal, or a transaction with an all-zero signature (one a seal covers), is admitted only
  // in a sealed batch; a seal with nothing after it never is, since it covers at least one.
  const bool sealing = tx->kind == TxKind::seal || is_zero_signature(tx->signature);
  auto alone = admit_transaction(bytes, tx->chain_id);
  TX_FUZZ_CHECK(alone.has_value() == (verified.has_value() && !sealing));
  if (sealing) TX_FUZZ_CHECK(alone.error().code == TxError::Code::bad_seal);
  TX_FUZZ_CHECK(!admit_sealed_batch(bytes, {}, tx->chain_id).has_value());
  return 0;
}
