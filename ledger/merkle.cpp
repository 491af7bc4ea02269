#include "ledger/merkle.hpp"

#include <algorithm>
#include <bit>
#include <cassert>

#include "ledger/parallel.hpp"

namespace covenant::ledger {

namespace {

// RFC 9162 §2.1.1: "k is the largest power of two smaller than n" (n >= 2), where every
// non-leaf range splits.
uint64_t split_point(uint64_t n) { return std::bit_floor(n - 1); }

std::string str(uint64_t v) { return std::to_string(v); }

// RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]), with m an absolute leaf index in [lo, hi). The
// recursion mirrors the RFC's definition; depth <= 64.
void path(uint64_t m, uint64_t lo, uint64_t hi, std::vector<ProofNode>& out) {
  if (hi - lo == 1) return;  // PATH(0, {d0}) = {}
  uint64_t mid = lo + split_point(hi - lo);
  if (m < mid) {
    path(m, lo, mid, out);
    out.push_back({mid, hi});  // ... : MTH(D[k:n])
  } else {
    path(m, mid, hi, out);
    out.push_back({lo, mid});  // ... : MTH(D[0:k])
  }
}

// RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b), m absolute with lo < m <= hi. `known` is b:
// whether the verifier already knows MTH(D[lo:m]) (true only while m is the old root).
void subproof(uint64_t m, uint64_t lo, uint64_t hi, bool known, std::vector<ProofNode>& out) {
  if (m == hi) {
    if (!known) out.push_back({lo, hi});  // SUBPROOF(m, D_m, false) = {MTH(D_m)}
    return;
  }
  uint64_t mid = lo + split_point(hi - lo);
  if (m <= mid) {
    subproof(m, lo, mid, known, out);
    out.push_back({mid, hi});
  } else {
    subproof(m, mid, hi, false, out);
    out.push_back({lo, mid});
  }
}

// draft-ietf-plants-merkle-tree-certs §4.4.1 SUBTREE_SUBPROOF(start, end, D[lo:hi], b) with
// absolute indices; [start, end) is a valid subtree inside [lo, hi).
void subtree_subproof(uint64_t start, uint64_t end, uint64_t lo, uint64_t hi, bool known,
                      std::vector<ProofNode>& out) {
  if (start == lo && end == hi) {
    if (!known) out.push_back({lo, hi});
    return;
  }
  uint64_t mid = lo + split_point(hi - lo);
  if (end <= mid) {  // the subtree is left of the split
    subtree_subproof(start, end, lo, mid, known, out);
    out.push_back({mid, hi});
  } else if (mid <= start) {  // right of the split
    subtree_subproof(start, end, mid, hi, known, out);
    out.push_back({lo, mid});
  } else {  // straddles the split, which a valid subtree only does with start == lo
    subtree_subproof(mid, end, mid, hi, false, out);
    out.push_back({lo, mid});
  }
}

}  // namespace

std::vector<NodeId> ProofNode::parts() const {
  std::vector<NodeId> out;
  uint64_t pos = begin;
  while (pos < end) {
    // The largest perfect subtree that starts at pos (alignment) and fits before end.
    unsigned fit = static_cast<unsigned>(std::bit_width(end - pos) - 1);
    unsigned align = pos == 0 ? 63u : static_cast<unsigned>(std::countr_zero(pos));
    unsigned level = std::min(fit, align);
    out.push_back({level, pos >> level});
    pos += uint64_t{1} << level;
  }
  return out;
}

Expected<std::vector<ProofNode>, PlanError> plan_inclusion(uint64_t index, uint64_t size) {
  if (index >= size) {
    return unexpected(PlanError{"leaf index " + str(index) + " outside tree of size " + str(size)});
  }
  std::vector<ProofNode> out;
  path(index, 0, size, out);
  return out;
}

Expected<std::vector<ProofNode>, PlanError> plan_consistency(uint64_t size1, uint64_t size2) {
  if (size1 > size2) {
    return unexpected(PlanError{"size1 " + str(size1) + " is greater than size2 " + str(size2)});
  }
  std::vector<ProofNode> out;
  // size1 == size2: nothing to prove. size1 == 0: the empty tree is a prefix of every tree
  // (our size-0 rule, docs/ledger.md); RFC 9162 defines PROOF(m, D_n) for 0 < m < n only.
  if (size1 == 0 || size1 == size2) return out;
  subproof(size1, 0, size2, true, out);
  return out;
}

bool is_valid_subtree(uint64_t start, uint64_t end) {
  if (start >= end) return false;
  uint64_t width = end - start;
  // The smallest power of two >= width would be 2^64 above 2^63: only start 0 divides it.
  if (width > (uint64_t{1} << 63)) return start == 0;
  return start % std::bit_ceil(width) == 0;
}

Expected<std::vector<ProofNode>, PlanError> plan_subtree_consistency(uint64_t start,
                                                                    uint64_t end,
                                                                    uint64_t size) {
  if (end > size || start > end) {
    return unexpected(PlanError{"subtree [" + str(start) + ", " + str(end) +
                                ") outside tree of size " + str(size)});
  }
  std::vector<ProofNode> out;
  if (start == end) return out;  // the empty range: our size-0 rule
  if (!is_valid_subtree(start, end)) {
    return unexpected(PlanError{"[" + str(start) + ", " + str(end) + ") is not a subtree"});
  }
  subtree_subproof(start, end, 0, size, true, out);
  return out;
}

Hash range_hash(Hasher& hasher, std::span<const Hash> leaf_hashes, uint64_t begin,
                uint64_t end) {
  assert(begin <= end && end <= leaf_hashes.size());
  if (begin == end) return kEmptyRoot;
  if (end - begin == 1) return leaf_hashes[begin];
  uint64_t mid = begin + split_point(end - begin);
  return hasher.hash_children(range_hash(hasher, leaf_hashes, begin, mid),
                              range_hash(hasher, leaf_hashes, mid, end));
}

std::vector<Hash> proof_hashes(Hasher& hasher, std::span<const Hash> leaf_hashes,
                               std::span<const ProofNode> plan) {
  std::vector<Hash> out;
  out.reserve(plan.size());
  for (const ProofNode& node : plan) {
    out.push_back(range_hash(hasher, leaf_hashes, node.begin, node.end));
  }
  return out;
}

std::optional<CompactRange> CompactRange::from_hashes(uint64_t size, std::vector<Hash> hashes) {
  if (hashes.size() != static_cast<size_t>(std::popcount(size))) return std::nullopt;
  CompactRange range;
  range.size_ = size;
  range.hashes_ = std::move(hashes);
  return range;
}

std::vector<NodeId> CompactRange::nodes() const {
  std::vector<NodeId> out;
  uint64_t pos = 0;
  for (int level = 63; level >= 0; --level) {
    if ((size_ >> level) & 1) {
      out.push_back({static_cast<unsigned>(level), pos >> level});
      pos += uint64_t{1} << level;
    }
  }
  return out;
}

void CompactRange::append(Hasher& hasher, const Hash& leaf_hash) {
  assert(size_ != UINT64_MAX);
  hashes_.push_back(leaf_hash);
  // Each trailing 1 bit of the old size is a perfect subtree of the new leaf's size that
  // now has a right sibling: merge them, smallest first.
  for (uint64_t s = size_; s & 1; s >>= 1) {
    Hash right = hashes_.back();
    hashes_.pop_back();
    hashes_.back() = hasher.hash_children(hashes_.back(), right);
  }
  ++size_;
}

void CompactRange::append_subtree(Hasher& hasher, unsigned level, const Hash& subtree_root) {
  assert(level < 64 && size_ % (uint64_t{1} << level) == 0);
  hashes_.push_back(subtree_root);
  // As `append`, one level up: each set bit of the old size from `level` on is a subtree of
  // the new one's size to its left.
  for (uint64_t s = size_ >> level; s & 1; s >>= 1) {
    Hash right = hashes_.back();
    hashes_.pop_back();
    hashes_.back() = hasher.hash_children(hashes_.back(), right);
  }
  size_ += uint64_t{1} << level;
}

void CompactRange::append_all(std::span<const Hash> leaf_hashes, unsigned threads) {
  if (threads <= 1) {
    Hasher& hasher = thread_hasher();
    for (const Hash& leaf : leaf_hashes) append(hasher, leaf);
    return;
  }
  // The new leaves split into the aligned perfect subtrees of [size, size + n), cut further
  // into pieces of at most about n / (4 * threads) leaves so that the threads get even
  // shares. The pieces' roots do not depend on each other; appending them in order then
  // costs a handful of merges, and gives the same hashes as appending leaf by leaf.
  const uint64_t n = leaf_hashes.size();
  const unsigned max_level =
      static_cast<unsigned>(std::bit_width(std::max<uint64_t>(1, n / (4 * threads))) - 1);
  std::vector<NodeId> pieces;
  for (const NodeId& part : ProofNode{size_, size_ + n}.parts()) {
    if (part.level <= max_level) {
      pieces.push_back(part);
      continue;
    }
    const uint64_t split = uint64_t{1} << (part.level - max_level);
    for (uint64_t j = 0; j < split; ++j) pieces.push_back({max_level, part.index * split + j});
  }
  std::vector<Hash> roots(pieces.size());
  parallel_for(pieces.size(), threads, [&](size_t begin, size_t end) {
    Hasher& hasher = thread_hasher();
    for (size_t i = begin; i < end; ++i) {
      const uint64_t first = (pieces[i].index << pieces[i].level) - size_;
      roots[i] = perfect_subtree_root(hasher, leaf_hashes.subspan(first, uint64_t{1} << pieces[i].level));
    }
  });
  Hasher& hasher = thread_hasher();
  for (size_t i = 0; i < pieces.size(); ++i) append_subtree(hasher, pieces[i].level, roots[i]);
}

Hash perfect_subtree_root(Hasher& hasher, std::span<const Hash> leaf_hashes) {
  assert(std::has_single_bit(leaf_hashes.size()));
  if (leaf_hashes.size() == 1) return leaf_hashes[0];
  std::vector<Hash> level((leaf_hashes.size() + 1) / 2);
  for (size_t i = 0; i < level.size(); ++i) {
    level[i] = hasher.hash_children(leaf_hashes[2 * i], leaf_hashes[2 * i + 1]);
  }
  for (size_t n = level.size(); n > 1; n /= 2) {
    for (size_t i = 0; i < n / 2; ++i) level[i] = hasher.hash_children(level[2 * i], level[2 * i + 1]);
  }
  return level[0];
}

Hash CompactRange::root(Hasher& hasher) const {
  if (hashes_.empty()) return kEmptyRoot;
  // RFC 9162 splits at the largest power of two, so the root is the leftmost (largest)
  // subtree joined with the root of everything to its right: a right-to-left fold.
  Hash h = hashes_.back();
  for (size_t j = hashes_.size() - 1; j-- > 0;) h = hasher.hash_children(hashes_[j], h);
  return h;
}

}  // namespace covenant::ledger
