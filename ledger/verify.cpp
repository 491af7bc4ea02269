#include "ledger/verify.hpp"

#include <algorithm>
#include <bit>

#include "ledger/merkle.hpp"

namespace covenant::ledger {

namespace {

std::string str(uint64_t v) { return std::to_string(v); }

VerifyResult fail(std::string reason) { return unexpected(VerifyError{std::move(reason)}); }

std::string count_mismatch(size_t got, size_t want, const char* why = "") {
  return "proof has " + str(got) + " hashes, expected " + str(want) + why;
}

std::string range(uint64_t start, uint64_t end) {
  return "[" + str(start) + ", " + str(end) + ")";
}

// The proof length our planner gives; the planners and the verifiers implement the same
// RFC 9162 recursion from both ends, and the vector tests check them against each other.
size_t inclusion_length(uint64_t index, uint64_t size) {
  return plan_inclusion(index, size).value().size();
}

}  // namespace

Expected<Hash, VerifyError> hash_from_bytes(std::span<const uint8_t> bytes,
                                            std::string_view what) {
  Hash h;
  if (bytes.size() != h.size()) {
    return unexpected(VerifyError{std::string(what) + " has " + str(bytes.size()) +
                                  " bytes, expected 32"});
  }
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

VerifyResult verify_inclusion(Hasher& hasher, uint64_t leaf_index, uint64_t tree_size,
                              const Hash& leaf_hash, std::span<const Hash> proof,
                              const Hash& root) {
  // RFC 9162 §2.1.3.2 step 1. An empty tree has no leaves, so this also rejects size 0.
  if (leaf_index >= tree_size) {
    return fail("leaf index " + str(leaf_index) + " outside tree of size " + str(tree_size));
  }
  // Not an RFC step, but the RFC loop rejects exactly these proofs too (sn != 0 at the end,
  // or sn reaching 0 early); checking first gives the reason a clear name.
  size_t want = inclusion_length(leaf_index, tree_size);
  if (proof.size() != want) return fail(count_mismatch(proof.size(), want));

  // Steps 2-4. fn walks up the leaf's path, sn up the tree's last leaf's path; where they
  // coincide (fn == sn) the right edge of the tree has no right sibling at that level.
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return fail("proof is longer than the path to the root");
    if ((fn & 1) != 0 || fn == sn) {
      r = hasher.hash_children(p, r);
      while ((fn & 1) == 0 && fn != 0) {  // skip levels where the node has no sibling
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = hasher.hash_children(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 5.
  if (sn != 0) return fail("proof is shorter than the path to the root");
  if (r != root) return fail("root mismatch");
  return {};
}

VerifyResult verify_inclusion(uint64_t leaf_index, uint64_t tree_size, const Hash& leaf_hash,
                              std::span<const Hash> proof, const Hash& root) {
  return verify_inclusion(thread_hasher(), leaf_index, tree_size, leaf_hash, proof, root);
}

VerifyResult verify_consistency(Hasher& hasher, uint64_t size1, uint64_t size2,
                                std::span<const Hash> proof, const Hash& root1,
                                const Hash& root2) {
  if (size1 > size2) {
    return fail("size1 " + str(size1) + " is greater than size2 " + str(size2));
  }
  if (size1 == size2) {
    // The same tree: nothing to prove, and both roots must be its root. A tree of size 0
    // has exactly one root, the empty-tree hash.
    if (!proof.empty()) return fail(count_mismatch(proof.size(), 0, " (equal sizes)"));
    if (size1 == 0 && root1 != kEmptyRoot) return fail("root1 is not the empty-tree hash");
    if (root1 != root2) return fail("root mismatch: equal sizes but different roots");
    return {};
  }
  if (size1 == 0) {
    // The size-0 rule: the empty tree is a prefix of every tree. RFC 9162 defines proofs
    // for 0 < m < n only; the one fact left to check is that root1 is MTH({}).
    if (!proof.empty()) return fail(count_mismatch(proof.size(), 0, " (from the empty tree)"));
    if (root1 != kEmptyRoot) return fail("root1 is not the empty-tree hash");
    return {};
  }
  size_t want = plan_consistency(size1, size2).value().size();
  if (proof.size() != want) return fail(count_mismatch(proof.size(), want));

  // RFC 9162 §2.1.4.2. Step 1 (empty path) cannot happen here: want >= 1 for 0 < m < n.
  // Step 2: when size1 is a power of two, the old root is itself a node of the new tree
  // and the proof omits it; we treat it as an implicit first element instead of copying.
  const bool implicit_first = std::has_single_bit(size1);
  auto element = [&](size_t i) -> const Hash& {
    if (implicit_first) return i == 0 ? root1 : proof[i - 1];
    return proof[i];
  };
  const size_t count = proof.size() + (implicit_first ? 1 : 0);
  // Step 3.
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  // Step 4: skip the levels where the old tree's last node is a right child whose left
  // sibling is already inside the first element.
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  // Step 5.
  Hash fr = element(0);
  Hash sr = element(0);
  // Step 6.
  for (size_t i = 1; i < count; ++i) {
    const Hash& c = element(i);
    if (sn == 0) return fail("proof is longer than the path to the root");
    if ((fn & 1) != 0 || fn == sn) {
      fr = hasher.hash_children(c, fr);
      sr = hasher.hash_children(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = hasher.hash_children(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 7.
  if (sn != 0) return fail("proof is shorter than the path to the root");
  if (fr != root1) return fail("root mismatch: proof does not lead to root1");
  if (sr != root2) return fail("root mismatch: proof does not lead to root2");
  return {};
}

VerifyResult verify_consistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                                const Hash& root1, const Hash& root2) {
  return verify_consistency(thread_hasher(), size1, size2, proof, root1, root2);
}

VerifyResult verify_subtree_inclusion(Hasher& hasher, uint64_t leaf_index, uint64_t start,
                                      uint64_t end, const Hash& leaf_hash,
                                      std::span<const Hash> proof, const Hash& subtree_hash) {
  // draft-ietf-plants-merkle-tree-certs §4.3.2 step 1.
  if (start >= end) return fail("subtree " + range(start, end) + " is empty");
  if (!is_valid_subtree(start, end)) return fail(range(start, end) + " is not a subtree");
  if (leaf_index < start || leaf_index >= end) {
    return fail("leaf index " + str(leaf_index) + " outside subtree " + range(start, end));
  }
  // Steps 2-6 are RFC 9162 §2.1.3.2 on the subtree's own leaves.
  return verify_inclusion(hasher, leaf_index - start, end - start, leaf_hash, proof,
                          subtree_hash);
}

VerifyResult verify_subtree_consistency(Hasher& hasher, uint64_t start, uint64_t end,
                                        uint64_t tree_size, std::span<const Hash> proof,
                                        const Hash& subtree_hash, const Hash& root) {
  if (start == end) {
    // The size-0 rule for ranges: an empty range is part of every tree that reaches it.
    if (end > tree_size) {
      return fail("subtree " + range(start, end) + " outside tree of size " + str(tree_size));
    }
    if (!proof.empty()) return fail(count_mismatch(proof.size(), 0, " (empty subtree)"));
    if (subtree_hash != kEmptyRoot) return fail("subtree hash is not the empty-tree hash");
    if (tree_size == 0 && root != kEmptyRoot) return fail("root is not the empty-tree hash");
    return {};
  }
  // §4.4.3 step 1.
  if (!is_valid_subtree(start, end)) return fail(range(start, end) + " is not a subtree");
  if (end > tree_size) {
    return fail("subtree " + range(start, end) + " outside tree of size " + str(tree_size));
  }
  size_t want = plan_subtree_consistency(start, end, tree_size).value().size();
  if (proof.size() != want) return fail(count_mismatch(proof.size(), want));

  // Step 2. fn and sn walk up from the subtree's first and last leaves, tn from the tree's.
  uint64_t fn = start;
  uint64_t sn = end - 1;
  uint64_t tn = tree_size - 1;
  auto shift = [&] {
    fn >>= 1;
    sn >>= 1;
    tn >>= 1;
  };
  // Steps 3-4: climb to the lowest node that is the subtree itself or has it as a proper
  // left part: on the tree's right edge, until the subtree is one node; elsewhere, while
  // the subtree's last node is a right child.
  if (sn == tn) {
    while (fn != sn) shift();
  } else {
    while (fn != sn && (sn & 1) != 0) shift();
  }
  // Steps 5-6.
  size_t next = 0;
  Hash fr;
  Hash sr;
  if (fn == sn) {
    fr = subtree_hash;
    sr = subtree_hash;
  } else {
    // Cannot be empty: the length check above required the planner's count.
    if (proof.empty()) return fail(count_mismatch(0, 1));
    fr = proof[0];
    sr = proof[0];
    next = 1;
  }
  // Step 7.
  for (; next < proof.size(); ++next) {
    const Hash& c = proof[next];
    if (tn == 0) return fail("proof is longer than the path to the root");
    if ((sn & 1) != 0 || sn == tn) {
      if (fn < sn) fr = hasher.hash_children(c, fr);
      sr = hasher.hash_children(c, sr);
      while ((sn & 1) == 0 && sn != 0) shift();
    } else {
      sr = hasher.hash_children(sr, c);
    }
    shift();
  }
  // Step 8.
  if (tn != 0) return fail("proof is shorter than the path to the root");
  if (fr != subtree_hash) return fail("root mismatch: proof does not lead to the subtree hash");
  if (sr != root) return fail("root mismatch: proof does not lead to the tree root");
  return {};
}

}  // namespace covenant::ledger
