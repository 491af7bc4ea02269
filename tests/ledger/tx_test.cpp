// Tests of ledger/tx: the canonical encoding (round trip, exact layout, strict decoding with
// offsets), signatures bound to the chain, transaction ids, and replay protection.

#include "tests/ledger/test_key.hpp"
#include "ledger/tx.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "vm/hex.hpp"

namespace covenant::ledger {
namespace {

using testing::test_key;

Transaction signed_tx(const KeyPair& key, uint64_t nonce, std::string chain = "covenant-test",
                      TxKind kind = TxKind::note,
                      std::vector<uint8_t> payload = {'h', 'e', 'l', 'l', 'o'}) {
  Transaction tx;
  tx.chain_id = std::move(chain);
  tx.nonce = nonce;
  tx.kind = kind;
  tx.payload = std::move(payload);
  REQUIRE(sign_transaction(tx, key).has_value());
  return tx;
}

std::vector<uint8_t> encoded(const Transaction& tx) {
  auto bytes = encode(tx);
  REQUIRE(bytes.has_value());
  return *bytes;
}

TEST_CASE("tx: encode and decode round trip for every kind and several payload sizes") {
  KeyPair key = test_key(1);
  for (TxKind kind :
       {TxKind::note, TxKind::deploy, TxKind::invoke, TxKind::consent, TxKind::seal}) {
    for (size_t size : {0u, 1u, 255u, 256u, 70000u}) {
      CAPTURE(kind_name(kind));
      CAPTURE(size);
      std::vector<uint8_t> payload(size);
      for (size_t i = 0; i < size; ++i) payload[i] = static_cast<uint8_t>(i ^ 0x5a);
      Transaction tx = signed_tx(key, 17, "c", kind, payload);
      auto bytes = encoded(tx);
      CHECK(bytes.size() == kMinEncodedTxSize + size);
      auto back = decode(bytes);
      REQUIRE(back.has_value());
      CHECK(*back == tx);
      CHECK(encoded(*back) == bytes);
      CHECK(verify_signature(*back).has_value());
    }
  }
}

TEST_CASE("tx: the canonical layout, byte by byte") {
  Transaction tx;
  tx.chain_id = "ab";
  tx.signer.fill(0x11);
  tx.nonce = 0x0102030405060708;
  tx.kind = TxKind::consent;
  tx.payload = {0xaa, 0xbb, 0xcc};
  tx.signature.fill(0x22);
  auto bytes = encoded(tx);
  std::string expected = "43565458"  // "CVTX"
                         "01"        // version
                         "02" "6162"  // chain id length, "ab"
                         + std::string(64, '1') +  // signer
                         "0807060504030201"        // nonce, little-endian
                         "0400"                    // kind consent, little-endian
                         "03000000" "aabbcc"       // payload length, payload
                         + std::string(128, '2');  // signature
  CHECK(to_hex(bytes) == expected);

  // The signed message is the domain string followed by all of it except the signature.
  auto message = signing_message(tx);
  REQUIRE(message.has_value());
  std::string domain(kTxSigningDomain);
  std::vector<uint8_t> want(domain.begin(), domain.end());
  want.insert(want.end(), bytes.begin(), bytes.end() - 64);
  CHECK(*message == want);
}

TEST_CASE("tx: encoding is deterministic and the id is SHA-256 of the bytes") {
  KeyPair key = test_key(2);
  Transaction tx = signed_tx(key, 0);
  CHECK(encoded(tx) == encoded(tx));
  auto id = tx_id(tx);
  REQUIRE(id.has_value());
  Hasher h = Hasher::create_or_abort();
  CHECK(*id == h.sha256(encoded(tx)));
  Transaction other = signed_tx(key, 1);
  CHECK(*tx_id(other) != *id);
}

TEST_CASE("tx: encode refuses fields outside the limits") {
  KeyPair key = test_key(3);
  Transaction tx = signed_tx(key, 0);
  auto code_of = [](const Transaction& t) { return encode(t).error().code; };

  Transaction empty_chain = tx;
  empty_chain.chain_id.clear();
  CHECK(code_of(empty_chain) == TxError::Code::invalid_field);

  Transaction long_chain = tx;
  long_chain.chain_id = std::string(kMaxChainIdLength + 1, 'x');
  CHECK(code_of(long_chain) == TxError::Code::invalid_field);
  long_chain.chain_id.pop_back();
  CHECK(encode(long_chain).has_value());

  Transaction spaced = tx;
  spaced.chain_id = "a b";
  CHECK(code_of(spaced) == TxError::Code::invalid_field);

  Transaction unknown = tx;
  unknown.kind = static_cast<TxKind>(6);
  CHECK(code_of(unknown) == TxError::Code::invalid_field);
  unknown.kind = static_cast<TxKind>(0);
  CHECK(code_of(unknown) == TxError::Code::invalid_field);

  Transaction big = tx;
  big.payload.assign(kMaxPayloadSize + 1, 0);
  CHECK(code_of(big) == TxError::Code::invalid_field);
  big.payload.pop_back();
  CHECK(encode(big).has_value());

  // Signing an invalid transaction fails and leaves it as it was.
  Transaction before = spaced;
  CHECK_FALSE(sign_transaction(spaced, key).has_value());
  CHECK(spaced == before);
}

TEST_CASE("tx: truncation at every length is rejected with an offset inside the input") {
  KeyPair key = test_key(4);
  auto bytes = encoded(signed_tx(key, 3));
  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    auto r = decode(std::span(bytes).first(n));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset <= n);
    CHECK(r.error().reason.find("truncated") == 0);
  }
  // One byte too many is rejected too, at the first trailing byte.
  bytes.push_back(0);
  auto r = decode(bytes);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().offset == bytes.size() - 1);
}

TEST_CASE("tx: every single-byte change is rejected by decode or by the signature") {
  KeyPair key = test_key(5);
  Transaction tx = signed_tx(key, 9, "covenant-test", TxKind::invoke, {1, 2, 3, 4, 5, 6, 7, 8});
  auto bytes = encoded(tx);
  size_t by_decode = 0, by_signature = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t mask : {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff}) {
      CAPTURE(i);
      CAPTURE(mask);
      auto damaged = bytes;
      damaged[i] ^= mask;
      auto d = decode(damaged);
      if (!d) {
        // A changed length shifts every later field, so the error may surface further on.
        CHECK(d.error().offset <= damaged.size());
        ++by_decode;
        continue;
      }
      CHECK(encoded(*d) == damaged);
      CHECK_FALSE(verify_signature(*d).has_value());
      ++by_signature;
    }
  }
  MESSAGE("rejected by decode: " << by_decode << ", by signature: " << by_signature);
  CHECK(by_decode > 0);
  CHECK(by_signature > 0);
}

TEST_CASE("tx: decode names the field and offset of malformed input") {
  KeyPair key = test_key(6);
  auto good = encoded(signed_tx(key, 0, "abc"));
  // Layout with a 3-byte chain id: magic 0, version 4, chain length 5, chain 6, signer 9,
  // nonce 41, kind 49, payload length 51, payload 55.
  auto with = [&](size_t at, uint8_t value) {
    auto b = good;
    b[at] = value;
    return decode(b);
  };
  auto expect = [](const Expected<Transaction, DecodeError>& r, size_t offset,
                   const std::string& words) {
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().offset == offset);
    CHECK_MESSAGE(r.error().reason.find(words) != std::string::npos, r.error().reason);
  };
  expect(with(0, 'X'), 0, "magic");
  expect(with(4, 2), 4, "version");
  expect(with(5, 0), 5, "empty");
  expect(with(5, 65), 5, "exceeds maximum 64");
  expect(with(7, ' '), 7, "printable");
  expect(with(7, 0x80), 7, "printable");
  expect(with(49, 0), 49, "unknown kind 0");
  expect(with(49, 6), 49, "unknown kind 6");
  expect(with(50, 1), 49, "unknown kind 257");
}

TEST_CASE("tx: an oversized payload length is rejected before reading or allocating") {
  KeyPair key = test_key(7);
  auto bytes = encoded(signed_tx(key, 0, "abc", TxKind::note, {}));
  // Payload length at offset 51 for a 3-byte chain id; claim 4 GiB - 1 in a 120-byte input.
  for (size_t i = 0; i < 4; ++i) bytes[51 + i] = 0xff;
  auto r = decode(bytes);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().offset == 51);
  CHECK(r.error().reason == "payload length 4294967295 exceeds maximum 1048576");
  // Just over the limit is rejected the same way; at the limit it is merely truncated.
  uint32_t over = kMaxPayloadSize + 1;
  for (size_t i = 0; i < 4; ++i) bytes[51 + i] = static_cast<uint8_t>(over >> (8 * i));
  CHECK(decode(bytes).error().reason.find("exceeds maximum") != std::string::npos);
  uint32_t at = kMaxPayloadSize;
  for (size_t i = 0; i < 4; ++i) bytes[51 + i] = static_cast<uint8_t>(at >> (8 * i));
  CHECK(decode(bytes).error().reason.find("truncated payload") == 0);
}

TEST_CASE("tx: a signature is bound to its chain, fields and signer") {
  KeyPair key = test_key(8);
  Transaction tx = signed_tx(key, 0, "chain-a");
  CHECK(verify_signature(tx).has_value());

  Transaction moved = tx;
  moved.chain_id = "chain-b";
  CHECK(verify_signature(moved).error().code == TxError::Code::bad_signature);

  Transaction other_kind = tx;
  other_kind.kind = TxKind::deploy;
  CHECK_FALSE(verify_signature(other_kind).has_value());

  Transaction other_nonce = tx;
  other_nonce.nonce = 1;
  CHECK_FALSE(verify_signature(other_nonce).has_value());

  Transaction other_signer = tx;
  other_signer.signer = test_key(9).public_key();
  CHECK_FALSE(verify_signature(other_signer).has_value());

  Transaction bad_sig = tx;
  bad_sig.signature[10] ^= 4;
  CHECK(verify_signature(bad_sig).error().code == TxError::Code::bad_signature);
}

TEST_CASE("tx: nonce book accepts 0, 1, 2 ... per signer; rejects replays and gaps") {
  NonceBook book;
  PublicKey alice = test_key(10).public_key();
  PublicKey bob = test_key(11).public_key();
  CHECK(book.next_nonce(alice) == 0);
  CHECK(book.accept(alice, 0).has_value());
  CHECK(book.accept(alice, 1).has_value());
  CHECK(book.next_nonce(alice) == 2);
  CHECK(book.next_nonce(bob) == 0);  // sequences are per signer

  auto replay = book.accept(alice, 1);
  REQUIRE_FALSE(replay.has_value());
  CHECK(replay.error().code == TxError::Code::replayed_nonce);
  CHECK(replay.error().reason == "nonce 1 already used, expected 2");

  auto gap = book.accept(bob, 1);
  REQUIRE_FALSE(gap.has_value());
  CHECK(gap.error().code == TxError::Code::nonce_gap);
  CHECK(gap.error().reason == "nonce 1 skips ahead, expected 0");
  CHECK(book.signer_count() == 1);  // the failed attempt did not create an entry

  CHECK(book.accept(bob, 0).has_value());
  CHECK(book.signer_count() == 2);
}

TEST_CASE("tx: check_transaction checks chain, signature, nonce; rejection changes nothing") {
  KeyPair key = test_key(12);
  NonceBook book;
  const std::string chain = "covenant-main";

  Transaction t0 = signed_tx(key, 0, chain);
  Transaction t1 = signed_tx(key, 1, chain);
  Transaction t3 = signed_tx(key, 3, chain);
  Transaction foreign = signed_tx(key, 1, "covenant-test");
  Transaction forged = t1;
  forged.payload.push_back('!');

  CHECK(check_transaction(t0, chain, book).has_value());
  CHECK(book.next_nonce(key.public_key()) == 1);

  const NonceBook before = book;
  auto expect_rejected = [&](const Transaction& tx, TxError::Code code) {
    auto r = check_transaction(tx, chain, book);
    REQUIRE_FALSE(r.has_value());
    CHECK_MESSAGE(r.error().code == code, r.error().reason);
    CHECK(book == before);
  };
  expect_rejected(foreign, TxError::Code::wrong_chain);
  expect_rejected(forged, TxError::Code::bad_signature);
  expect_rejected(t0, TxError::Code::replayed_nonce);
  expect_rejected(t3, TxError::Code::nonce_gap);

  // A forged transaction with the right nonce must not consume it either.
  CHECK(check_transaction(t1, chain, book).has_value());
  CHECK(book.next_nonce(key.public_key()) == 2);
}

TEST_CASE("tx: a nonce far ahead is a gap, not an error of another kind") {
  // 2^64 - 1 can only ever be a gap in practice; the book refuses to accept it even as the
  // next nonce (nonce_exhausted), since the sequence would wrap to 0.
  NonceBook book;
  PublicKey signer{};
  auto r = book.check(signer, UINT64_MAX);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == TxError::Code::nonce_gap);
  CHECK(book.signer_count() == 0);
}

}  // namespace
}  // namespace covenant::ledger
