// Tests of ledger/transition and ledger/admission: the nonce rule applied to a block's
// transactions against the stored nonces, and the stateless admission checks.

#include "ledger/transition.hpp"

#include <doctest/doctest.h>

#include "ledger/admission.hpp"
#include "ledger/codec.hpp"
#include "tests/ledger/storage_helpers.hpp"

namespace covenant::ledger {
namespace {

using testing::test_key;

PublicKey signer(uint8_t tag) {
  PublicKey k{};
  k.fill(tag);
  return k;
}

std::vector<uint8_t> u64(uint64_t v) {
  std::vector<uint8_t> out;
  put_u64(out, v);
  return out;
}

}  // namespace

TEST_CASE("nonce transition: a block's nonces against the state") {
  MemoryState state;
  StateDelta stored;
  stored[nonce_key(signer(1))] = StateChange{std::nullopt, u64(5)};
  state.apply(stored);

  std::vector<NonceUse> uses = {{signer(1), 5}, {signer(2), 0}, {signer(1), 6}, {signer(2), 1}};
  auto delta = nonce_transition(state, uses);
  REQUIRE(delta.has_value());
  REQUIRE(delta->size() == 2);
  CHECK(delta->at(nonce_key(signer(1))) == StateChange{u64(5), u64(7)});
  CHECK(delta->at(nonce_key(signer(2))) == StateChange{std::nullopt, u64(2)});
  CHECK(nonce_key(signer(3)).size() == 6 + 32);
  CHECK(stored_next_nonce(state, signer(1)).value() == 5);
  CHECK(stored_next_nonce(state, signer(9)).value() == 0);

  SUBCASE("a replayed nonce names its entry") {
    std::vector<NonceUse> replay = {{signer(2), 0}, {signer(1), 4}};
    auto r = nonce_transition(state, replay);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == StorageError::Code::rejected);
    CHECK(r.error().entry == 1);
    CHECK(r.error().reason == "nonce 4 already used, expected 5");
  }
  SUBCASE("reordered transactions of one signer leave a gap") {
    std::vector<NonceUse> reordered = {{signer(1), 6}, {signer(1), 5}};
    auto r = nonce_transition(state, reordered);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().entry == 0);
    CHECK(r.error().reason == "nonce 6 skips ahead, expected 5");
  }
  SUBCASE("the same nonce twice in one block") {
    std::vector<NonceUse> twice = {{signer(2), 0}, {signer(2), 0}};
    auto r = nonce_transition(state, twice);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().entry == 1);
  }
  SUBCASE("a stored nonce that is not 8 bytes") {
    StateDelta bad;
    bad[nonce_key(signer(3))] = StateChange{std::nullopt, std::vector<uint8_t>{1, 2, 3}};
    state.apply(bad);
    std::vector<NonceUse> use = {{signer(3), 0}};
    auto r = nonce_transition(state, use);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == StorageError::Code::corrupt);
  }
  SUBCASE("no transactions, no changes") {
    auto none = nonce_transition(state, {});
    REQUIRE(none.has_value());
    CHECK(none->empty());
  }
}

TEST_CASE("admission: canonical bytes, this chain, a valid signature") {
  KeyPair key = test_key(3);
  Transaction tx;
  tx.chain_id = "chain-a";
  tx.nonce = 4;
  tx.kind = TxKind::consent;
  tx.payload = {1, 2, 3};
  REQUIRE(sign_transaction(tx, key).has_value());
  auto bytes = encode(tx).value();

  auto admitted = admit_transaction(bytes, "chain-a");
  REQUIRE(admitted.has_value());
  CHECK(admitted->bytes() == bytes);
  CHECK(admitted->signer() == key.public_key());
  CHECK(admitted->nonce() == 4);
  CHECK(admitted->kind() == TxKind::consent);

  auto wrong_chain = admit_transaction(bytes, "chain-b");
  REQUIRE_FALSE(wrong_chain.has_value());
  CHECK(wrong_chain.error().code == TxError::Code::wrong_chain);

  auto forged = bytes;
  forged[bytes.size() - 65] ^= 1;  // the last payload byte: decodes, but the signature fails
  auto bad = admit_transaction(forged, "chain-a");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == TxError::Code::bad_signature);

  auto truncated = admit_transaction(std::span(bytes).first(bytes.size() - 1), "chain-a");
  REQUIRE_FALSE(truncated.has_value());
  CHECK(truncated.error().code == TxError::Code::invalid_field);
  CHECK(truncated.error().reason.starts_with("byte "));
}

}  // namespace covenant::ledger
