#pragma once
/// \file
/// Pure verification of Merkle proofs: no I/O, no state, only hashing. Inclusion and
/// consistency follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step
/// (https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2); subtree proofs follow
/// draft-ietf-plants-merkle-tree-certs §4.3 and §4.4.3. Where a proof involves a tree (or
/// subtree) of size 0, our documented rule applies (docs/ledger.md, "The size-0 rule"):
///
/// - inclusion in an empty tree is always an error;
/// - the empty tree is a prefix of every tree: a consistency proof from size 0 is valid iff
///   it is empty and root1 is the empty-tree hash SHA-256(); it proves nothing about root2,
///   except that when size2 is 0 too, root2 must also be the empty-tree hash.
///
/// Every failure is a `VerifyError` whose reason says which check failed, for example
/// "proof has 3 hashes, expected 4", "leaf index 9 outside tree of size 8", "root mismatch".

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ledger/hasher.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// Why a proof was rejected: one line, no trailing period.
struct VerifyError {
  std::string reason;
};

/// Success, or why the proof is rejected.
using VerifyResult = Expected<void, VerifyError>;

/// `bytes` as a Hash, or "<what> has N bytes, expected 32". For proofs and roots that
/// arrive as byte strings (wire formats, test vectors): a value of another length is not a
/// SHA-256 hash and is rejected before any verification.
Expected<Hash, VerifyError> hash_from_bytes(std::span<const uint8_t> bytes, std::string_view what);

/// Verifies that `leaf_hash` is leaf `leaf_index` (0-based) of the tree of `tree_size`
/// leaves whose root is `root`, given its audit path `proof` (RFC 9162 §2.1.3.2).
/// Fails if tree_size is 0 or leaf_index >= tree_size, if the proof has the wrong number of
/// hashes for (leaf_index, tree_size), or if the recomputed root differs.
VerifyResult verify_inclusion(Hasher& hasher, uint64_t leaf_index, uint64_t tree_size,
                              const Hash& leaf_hash, std::span<const Hash> proof,
                              const Hash& root);
/// `verify_inclusion` with this thread's hasher.
VerifyResult verify_inclusion(uint64_t leaf_index, uint64_t tree_size, const Hash& leaf_hash,
                              std::span<const Hash> proof, const Hash& root);

/// Verifies that the tree of `size1` leaves with root `root1` is a prefix of the tree of
/// `size2` leaves with root `root2`, given the consistency proof `proof` (RFC 9162
/// §2.1.4.2). Equal sizes need an empty proof and equal roots. size1 == 0: see the size-0
/// rule above. Fails if size1 > size2, on a wrong proof length, or if either recomputed root
/// differs.
VerifyResult verify_consistency(Hasher& hasher, uint64_t size1, uint64_t size2,
                                std::span<const Hash> proof, const Hash& root1,
                                const Hash& root2);
/// `verify_consistency` with this thread's hasher.
VerifyResult verify_consistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                                const Hash& root1, const Hash& root2);

/// Verifies that `leaf_hash` is leaf `leaf_index` (an index of the whole log) of the
/// subtree [start, end) whose hash is `subtree_hash` (draft-ietf-plants-merkle-tree-certs
/// §4.3.3: an RFC 9162 inclusion proof of leaf_index - start in a tree of end - start
/// leaves). Fails if [start, end) is not a valid subtree (in particular if it is empty), if
/// leaf_index is outside it, on a wrong proof length or a root mismatch.
VerifyResult verify_subtree_inclusion(Hasher& hasher, uint64_t leaf_index, uint64_t start,
                                      uint64_t end, const Hash& leaf_hash,
                                      std::span<const Hash> proof, const Hash& subtree_hash);

/// Verifies that the subtree [start, end) with hash `subtree_hash` is part of the tree of
/// `tree_size` leaves with root `root` (draft-ietf-plants-merkle-tree-certs §4.4.3). An
/// empty range [s, s) with s <= tree_size follows the size-0 rule: valid iff the proof is
/// empty and subtree_hash is the empty-tree hash (and, for tree_size 0, root too). Fails if
/// [start, end) is not a valid subtree or ends past tree_size, on a wrong proof length or a
/// root mismatch.
VerifyResult verify_subtree_consistency(Hasher& hasher, uint64_t start, uint64_t end,
                                        uint64_t tree_size, std::span<const Hash> proof,
                                        const Hash& subtree_hash, const Hash& root);

}  // namespace covenant::ledger
