// Tests of ledger/ed25519: the RFC 8032 §7.1 vectors (public key and signature from the
// secret seed), sign/verify round trips, and rejection of damaged signatures, keys and
// messages.

#include "ledger/ed25519.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "vm/hex.hpp"

namespace covenant::ledger {
namespace {

std::vector<uint8_t> unhex(std::string_view text) {
  auto bytes = parse_hex(text);
  REQUIRE(bytes.has_value());
  return *bytes;
}

template <size_t N>
std::array<uint8_t, N> unhex_array(std::string_view text) {
  auto bytes = unhex(text);
  REQUIRE(bytes.size() == N);
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

struct Rfc8032Vector {
  const char* name;
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1, TEST 1 (empty message), TEST 2 (one byte) and TEST 3 (two bytes).
const Rfc8032Vector kVectors[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST_CASE("ed25519: RFC 8032 §7.1 vectors 1-3 (key and signature from the seed)") {
  for (const auto& v : kVectors) {
    CAPTURE(v.name);
    auto key = KeyPair::from_seed(unhex_array<32>(v.secret));
    REQUIRE(key.has_value());
    CHECK(to_hex(key->public_key()) == v.public_key);
    auto message = unhex(v.message);
    auto signature = key->sign(message);
    REQUIRE(signature.has_value());
    CHECK(to_hex(*signature) == v.signature);
    // The published signature verifies under the published key.
    CHECK(verify(unhex_array<32>(v.public_key), message, unhex_array<64>(v.signature))
              .has_value());
  }
}

TEST_CASE("ed25519: generated keys sign and verify; each generation is a new key") {
  auto a = KeyPair::generate();
  auto b = KeyPair::generate();
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->public_key() != b->public_key());
  const std::vector<uint8_t> message = {'c', 'o', 'n', 's', 'e', 'n', 't'};
  auto sig = a->sign(message);
  REQUIRE(sig.has_value());
  CHECK(verify(a->public_key(), message, *sig).has_value());
  // Deterministic signatures: the same key and message sign identically.
  auto again = a->sign(message);
  REQUIRE(again.has_value());
  CHECK(*again == *sig);
  // Another key does not accept it.
  auto other = verify(b->public_key(), message, *sig);
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == SignatureError::Code::bad_signature);
}

TEST_CASE("ed25519: round trips for messages of several lengths, including empty") {
  auto key = KeyPair::from_seed(Seed{7});
  REQUIRE(key.has_value());
  for (size_t length : {0u, 1u, 31u, 32u, 33u, 1000u, 70000u}) {
    CAPTURE(length);
    std::vector<uint8_t> message(length);
    for (size_t i = 0; i < length; ++i) message[i] = static_cast<uint8_t>(i * 31 + 5);
    auto sig = key->sign(message);
    REQUIRE(sig.has_value());
    CHECK(verify(key->public_key(), message, *sig).has_value());
  }
}

TEST_CASE("ed25519: a changed message, signature bit or key bit is rejected") {
  auto key = KeyPair::from_seed(Seed{1, 2, 3});
  REQUIRE(key.has_value());
  std::vector<uint8_t> message = {1, 2, 3, 4, 5};
  auto sig = key->sign(message);
  REQUIRE(sig.has_value());

  auto changed = message;
  changed[2] ^= 0x10;
  CHECK_FALSE(verify(key->public_key(), changed, *sig).has_value());
  CHECK_FALSE(verify(key->public_key(), {}, *sig).has_value());

  for (size_t i = 0; i < sig->size(); ++i) {
    Signature bad = *sig;
    bad[i] ^= 0x01;
    auto r = verify(key->public_key(), message, bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code != SignatureError::Code::internal);
  }
  for (size_t i = 0; i < key->public_key().size(); ++i) {
    PublicKey bad = key->public_key();
    bad[i] ^= 0x01;
    auto r = verify(bad, message, *sig);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code != SignatureError::Code::internal);
  }
}

TEST_CASE("ed25519: a signature with S not reduced mod the group order is rejected") {
  // S + L is the same scalar, so a lax verifier would accept it: a malleable signature.
  // L = 2^252 + 27742317777372353535851937790883648493, little-endian bytes below.
  auto key = KeyPair::from_seed(Seed{9});
  REQUIRE(key.has_value());
  std::vector<uint8_t> message = {'x'};
  auto sig = key->sign(message);
  REQUIRE(sig.has_value());
  const auto order = unhex_array<32>(
      "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  Signature malleated = *sig;
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    unsigned sum = malleated[32 + i] + order[i] + carry;
    malleated[32 + i] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
  }
  CHECK_FALSE(verify(key->public_key(), message, malleated).has_value());
}

TEST_CASE("ed25519: the all-zero signature and key are rejected without crashing") {
  CHECK_FALSE(verify(PublicKey{}, {}, Signature{}).has_value());
  auto key = KeyPair::from_seed(Seed{});
  REQUIRE(key.has_value());
  CHECK_FALSE(verify(key->public_key(), {}, Signature{}).has_value());
}

TEST_CASE("ed25519: key pairs move") {
  auto key = KeyPair::from_seed(Seed{4});
  REQUIRE(key.has_value());
  KeyPair moved = std::move(key).value();
  std::vector<uint8_t> message = {42};
  auto sig = moved.sign(message);
  REQUIRE(sig.has_value());
  CHECK(verify(moved.public_key(), message, *sig).has_value());
}

}  // namespace
}  // namespace covenant::ledger
