// Tests of ledger/hasher: SHA-256 through EVP with a reused context, and the RFC 9162 leaf,
// node and empty-tree hashes.

#include "ledger/hasher.hpp"

#include <doctest/doctest.h>

#include <string_view>
#include <utility>
#include <vector>

#include "vm/hex.hpp"

namespace covenant::ledger {
namespace {

std::string hex(const Hash& h) { return to_hex(h); }

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST_CASE("hasher: SHA-256 of known inputs (FIPS 180-2 examples)") {
  Hasher h = Hasher::create_or_abort();
  CHECK(hex(h.sha256(bytes("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(h.sha256({})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The context is reused: the same input again gives the same digest.
  CHECK(hex(h.sha256(bytes("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("hasher: the empty root is SHA-256() and equals kEmptyRoot") {
  Hasher h = Hasher::create_or_abort();
  CHECK(h.empty_root() == kEmptyRoot);
  CHECK(h.empty_root() == h.sha256({}));
}

TEST_CASE("hasher: leaf and node hashes carry the RFC 9162 domain prefixes") {
  Hasher h = Hasher::create_or_abort();
  // The reference tree's root of size 1 is the leaf hash of the empty input.
  CHECK(hex(h.hash_leaf({})) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  std::vector<uint8_t> leaf_input = {0x00, 'x'};
  CHECK(h.hash_leaf(bytes("x")) == h.sha256(leaf_input));
  Hash l = h.hash_leaf(bytes("l"));
  Hash r = h.hash_leaf(bytes("r"));
  std::vector<uint8_t> node_input = {0x01};
  node_input.insert(node_input.end(), l.begin(), l.end());
  node_input.insert(node_input.end(), r.begin(), r.end());
  CHECK(h.hash_children(l, r) == h.sha256(node_input));
  CHECK(h.hash_children(l, r) != h.hash_children(r, l));
}

TEST_CASE("hasher: moving keeps the context; each thread has its own") {
  Hasher a = Hasher::create_or_abort();
  Hasher b = std::move(a);
  CHECK(b.empty_root() == kEmptyRoot);
  a = std::move(b);
  CHECK(a.hash_leaf({}) == thread_hasher().hash_leaf({}));
  auto created = Hasher::create();
  REQUIRE(created.has_value());
}

}  // namespace
}  // namespace covenant::ledger
