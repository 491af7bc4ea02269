// libFuzzer target for the Merkle layer: planning and verification of inclusion and
// consistency proofs. Hostile input (any sizes, indices, hashes) must never crash and must get
// the same verdict twice; honest proofs planned and hashed for a small tree built from the
// input must always verify, and the compact range must agree with the recursive root.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "ledger/merkle.hpp"
#include "ledger/verify.hpp"

namespace {

#define LEDGER_FUZZ_CHECK(cond)                                                                   \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "ledger_fuzz: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      __builtin_trap();                                                                           \
    }                                                                                             \
  } while (0)

using covenant::ledger::Hash;

uint64_t take_u64(const uint8_t*& p, size_t& n) {
  uint64_t v = 0;
  size_t k = n < 8 ? n : 8;
  if (k == 0) return 0;  // an empty input has no bytes (and may come as a null pointer)
  std::memcpy(&v, p, k);
  p += k;
  n -= k;
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covenant::ledger;
  Hasher& hasher = thread_hasher();
  const uint8_t* p = data;
  size_t n = size;
  uint64_t a = take_u64(p, n), b = take_u64(p, n), c = take_u64(p, n);

  // Hostile: the rest of the input is read as 32-byte hashes; the first three serve as leaf
  // and roots, the others as the proof.
  std::vector<Hash> hashes(n / 32);
  for (size_t i = 0; i < hashes.size(); ++i) std::memcpy(hashes[i].data(), p + 32 * i, 32);
  Hash h0{}, h1{}, h2{};
  if (hashes.size() > 0) h0 = hashes[0];
  if (hashes.size() > 1) h1 = hashes[1];
  if (hashes.size() > 2) h2 = hashes[2];
  std::span<const Hash> proof(hashes);
  if (proof.size() > 3) proof = proof.subspan(3);
  bool inc = verify_inclusion(hasher, c, a, h0, proof, h1).has_value();
  LEDGER_FUZZ_CHECK(inc == verify_inclusion(hasher, c, a, h0, proof, h1).has_value());
  bool con = verify_consistency(hasher, a, b, proof, h1, h2).has_value();
  LEDGER_FUZZ_CHECK(con == verify_consistency(hasher, a, b, proof, h1, h2).has_value());

  // Honest: a tree of up to 64 leaves whose contents come from the input.
  uint64_t leaves = a % 65;
  std::vector<Hash> leaf_hashes;
  CompactRange range;
  for (uint64_t i = 0; i < leaves; ++i) {
    uint8_t content[9];
    std::memcpy(content, &i, 8);
    content[8] = static_cast<uint8_t>(b >> (i % 8));
    leaf_hashes.push_back(hasher.hash_leaf(content));
    range.append(hasher, leaf_hashes.back());
  }
  Hash root = range_hash(hasher, leaf_hashes, 0, leaves);
  LEDGER_FUZZ_CHECK(range.root(hasher) == root);
  if (leaves > 0) {
    uint64_t index = c % leaves;
    auto plan = plan_inclusion(index, leaves);
    LEDGER_FUZZ_CHECK(plan.has_value());
    auto path = proof_hashes(hasher, leaf_hashes, *plan);
    LEDGER_FUZZ_CHECK(verify_inclusion(hasher, index, leaves, leaf_hashes[index], path, root).has_value());
  }
  uint64_t old_size = leaves == 0 ? 0 : b % (leaves + 1);
  auto plan = plan_consistency(old_size, leaves);
  LEDGER_FUZZ_CHECK(plan.has_value());
  auto path = proof_hashes(hasher, leaf_hashes, *plan);
  Hash old_root = range_hash(hasher, leaf_hashes, 0, old_size);
  LEDGER_FUZZ_CHECK(verify_consistency(hasher, old_size, leaves, path, old_root, root).has_value());
  return 0;
}
