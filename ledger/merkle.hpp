#pragma once
/// \file
/// The RFC 9162 Merkle tree (https://www.rfc-editor.org/rfc/rfc9162#section-2.1) without
/// storage: node identities, the compact range that appends in O(log n), and proof
/// PLANNING — which nodes an inclusion or consistency proof contains — as pure index
/// arithmetic. Fetching or computing those nodes' hashes is the caller's business
/// (`range_hash` here, over the leaves; log_proofs.hpp reads them from a stored log).
/// Verification is in verify.hpp.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ledger/hasher.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// A perfect subtree: the node at `level` (0 = leaf) and position `index` within its level.
/// It covers leaves [index << level, (index + 1) << level). These are the nodes a log can
/// store once and never change.
struct NodeId {
  unsigned level = 0;
  uint64_t index = 0;

  /// First leaf covered.
  uint64_t begin() const { return index << level; }
  /// One past the last leaf covered.
  uint64_t end() const { return (index + 1) << level; }
  friend bool operator==(const NodeId&, const NodeId&) = default;
};

/// One hash of a proof: MTH(D[begin:end]), the RFC 9162 Merkle Tree Hash of leaves
/// [begin, end). Every node of an RFC 9162 tree is such a range; it is a perfect subtree
/// (one `NodeId`) unless it lies on the right border of a tree whose size is not a power of
/// two, in which case its hash combines several perfect subtrees (see `parts`).
struct ProofNode {
  uint64_t begin = 0;
  uint64_t end = 0;

  /// The perfect subtrees that make up this range, left to right, largest first (the
  /// binary decomposition of its size). Its hash is the right-to-left fold
  /// h = H(p[k-1]); h = hash_children(H(p[j]), h) for j = k-2 .. 0 — exactly how RFC 9162
  /// splits a range at the largest power of two smaller than its size.
  std::vector<NodeId> parts() const;
  friend bool operator==(const ProofNode&, const ProofNode&) = default;
};

/// Why a proof cannot be planned (indices out of range). `reason` is one line.
struct PlanError {
  std::string reason;
};

/// The hashes of the inclusion proof (audit path) of leaf `index` in the tree of `size`
/// leaves, in proof order (nearest the leaf first): RFC 9162 §2.1.3.1 PATH(m, D_n).
/// Fails when index >= size (in particular, always for size 0: an empty tree has no leaf).
Expected<std::vector<ProofNode>, PlanError> plan_inclusion(uint64_t index, uint64_t size);

/// The hashes of the consistency proof from tree size `size1` to `size2`, in proof order:
/// RFC 9162 §2.1.4.1 PROOF(m, D_n). Empty when size1 == size2 and, by our size-0 rule
/// (docs/ledger.md), when size1 == 0: the empty tree is a prefix of every tree. Fails when
/// size1 > size2.
Expected<std::vector<ProofNode>, PlanError> plan_consistency(uint64_t size1, uint64_t size2);

/// True if [start, end) is a subtree in the sense of draft-ietf-plants-merkle-tree-certs
/// §4.1: start < end and start is a multiple of the smallest power of two >= end - start.
bool is_valid_subtree(uint64_t start, uint64_t end);

/// The subtree consistency proof for subtree [start, end) in the tree of `size` leaves
/// (draft-ietf-plants-merkle-tree-certs §4.4.1 SUBTREE_PROOF). For start == 0 it equals
/// `plan_consistency(end, size)`; for end == start + 1 it equals `plan_inclusion(start,
/// size)`. An empty range (start == end <= size) gets an empty proof (our size-0 rule).
/// Fails when the range is not a valid subtree or end > size.
Expected<std::vector<ProofNode>, PlanError> plan_subtree_consistency(uint64_t start,
                                                                    uint64_t end,
                                                                    uint64_t size);

/// MTH(D[begin:end]) computed from all the leaf hashes (recursively, O(end - begin)
/// hashes). For tests and small trees; a log computes from stored nodes instead.
/// Precondition: begin <= end <= leaf_hashes.size(); begin == end gives the empty root.
Hash range_hash(Hasher& hasher, std::span<const Hash> leaf_hashes, uint64_t begin,
                uint64_t end);

/// The hashes of `plan`, each computed by `range_hash` (tests and small trees).
std::vector<Hash> proof_hashes(Hasher& hasher, std::span<const Hash> leaf_hashes,
                               std::span<const ProofNode> plan);

/// The root of the perfect tree over `leaf_hashes`, whose number must be a power of two
/// (RFC 9162 MTH; for one leaf, the leaf hash itself). n - 1 node hashes.
Hash perfect_subtree_root(Hasher& hasher, std::span<const Hash> leaf_hashes);

/// The compact range [0, size): the roots of the perfect subtrees that the binary
/// decomposition of `size` splits the tree into, largest (leftmost) first — at most 64
/// hashes. Appending a leaf and computing the root are O(log n) hashes; nothing else of
/// the tree is needed to extend it.
class CompactRange {
 public:
  /// The empty range (size 0).
  CompactRange() = default;

  /// The range of `size` leaves whose perfect subtree roots are `hashes` (as `hashes()`
  /// returns them), e.g. when read back from storage. Nothing if the number of hashes is not
  /// popcount(size). The hashes themselves cannot be checked without the leaves: compare
  /// `root()` with a trusted root.
  static std::optional<CompactRange> from_hashes(uint64_t size, std::vector<Hash> hashes);

  /// The number of leaves appended so far.
  uint64_t size() const { return size_; }

  /// The perfect subtree roots, left to right; `nodes()` names them.
  std::span<const Hash> hashes() const { return hashes_; }

  /// The ids of `hashes()`, in the same order.
  std::vector<NodeId> nodes() const;

  /// Appends one leaf hash (from `Hasher::hash_leaf`): merges the equal-sized subtrees the
  /// new leaf completes (one per trailing 1 bit of the old size). Amortised O(1) hashes,
  /// O(log n) worst case. Precondition: size() < 2^64 - 1.
  void append(Hasher& hasher, const Hash& leaf_hash);

  /// Appends a whole perfect subtree of 2^level leaves whose root is `subtree_root` (as
  /// `perfect_subtree_root` computes it): the same as appending its leaves one by one.
  /// Precondition: size() is a multiple of 2^level (the subtree is aligned).
  void append_subtree(Hasher& hasher, unsigned level, const Hash& subtree_root);

  /// Appends `leaf_hashes` in order, the same as `append` on each, hashing the perfect
  /// subtrees they complete on up to `threads` threads.
  void append_all(std::span<const Hash> leaf_hashes, unsigned threads);

  /// MTH of the leaves so far (RFC 9162 §2.1.1): the empty root for size 0, otherwise the
  /// right-to-left fold of `hashes()`. O(log n) hashes.
  Hash root(Hasher& hasher) const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> hashes_;
};

}  // namespace covenant::ledger
