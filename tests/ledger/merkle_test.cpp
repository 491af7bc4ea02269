// Tests of ledger/merkle: node ids, the compact range against the recursive definition,
// and proof planning (RFC 9162 §2.1.3.1, §2.1.4.1; merkle-tree-certs §4.4.1) by example and
// by its algebraic properties.

#include "ledger/merkle.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <string>
#include <vector>

namespace covenant::ledger {
namespace {

std::vector<Hash> leaves(Hasher& h, uint64_t n) {
  std::vector<Hash> out;
  for (uint64_t i = 0; i < n; ++i) {
    std::string data = "leaf " + std::to_string(i);
    out.push_back(h.hash_leaf({reinterpret_cast<const uint8_t*>(data.data()), data.size()}));
  }
  return out;
}

std::vector<ProofNode> plan(Expected<std::vector<ProofNode>, PlanError> p) {
  REQUIRE(p.has_value());
  return *p;
}

TEST_CASE("merkle: node ids cover their leaves") {
  NodeId n{3, 2};
  CHECK(n.begin() == 16);
  CHECK(n.end() == 24);
  CHECK(ProofNode{4, 8}.parts() == std::vector<NodeId>{{2, 1}});
  // [8, 13) on the right border of a 13-leaf tree: perfect [8, 12) then leaf 12.
  CHECK(ProofNode{8, 13}.parts() == std::vector<NodeId>{{2, 2}, {0, 12}});
  CHECK(ProofNode{0, 7}.parts() == std::vector<NodeId>{{2, 0}, {1, 2}, {0, 6}});
}

TEST_CASE("merkle: RFC 9162 §2.1.5 example proofs, as ranges") {
  // The 7-leaf tree of RFC 9162 §2.1.5: path for d0 is [b, h, l] = [1,2) [2,4) [4,7).
  CHECK(plan(plan_inclusion(0, 7)) == std::vector<ProofNode>{{1, 2}, {2, 4}, {4, 7}});
  // d3: [c, g, l] = [2,3) [0,2) [4,7).
  CHECK(plan(plan_inclusion(3, 7)) == std::vector<ProofNode>{{2, 3}, {0, 2}, {4, 7}});
  // d4: [f, j, k] = [5,6) [6,7) [0,4).
  CHECK(plan(plan_inclusion(4, 7)) == std::vector<ProofNode>{{5, 6}, {6, 7}, {0, 4}});
  // d6: [i, k] = [4,6) [0,4).
  CHECK(plan(plan_inclusion(6, 7)) == std::vector<ProofNode>{{4, 6}, {0, 4}});
  // Consistency 3 -> 7: [c, d, g, l]; 4 -> 7: [l]; 6 -> 7: [i, j, k].
  CHECK(plan(plan_consistency(3, 7)) == std::vector<ProofNode>{{2, 3}, {3, 4}, {0, 2}, {4, 7}});
  CHECK(plan(plan_consistency(4, 7)) == std::vector<ProofNode>{{4, 7}});
  CHECK(plan(plan_consistency(6, 7)) == std::vector<ProofNode>{{4, 6}, {6, 7}, {0, 4}});
}

TEST_CASE("merkle: merkle-tree-certs §4.4.2 example subtree proofs") {
  // [4, 8) in 14 leaves: MTH(D[0:4]), MTH(D[8:14]) (proof order: nearest first).
  CHECK(plan(plan_subtree_consistency(4, 8, 14)) == std::vector<ProofNode>{{0, 4}, {8, 14}});
  // [8, 13) in 14 leaves: d12, d13, MTH(D[8:12]), MTH(D[0:8]).
  CHECK(plan(plan_subtree_consistency(8, 13, 14)) ==
        std::vector<ProofNode>{{12, 13}, {13, 14}, {8, 12}, {0, 8}});
}

TEST_CASE("merkle: planning errors and the size-0 rule") {
  CHECK(plan_inclusion(0, 0).error().reason == "leaf index 0 outside tree of size 0");
  CHECK(plan_inclusion(8, 8).error().reason == "leaf index 8 outside tree of size 8");
  CHECK(plan_consistency(5, 3).error().reason == "size1 5 is greater than size2 3");
  CHECK(plan(plan_consistency(0, 0)).empty());
  CHECK(plan(plan_consistency(0, 9)).empty());
  CHECK(plan(plan_consistency(9, 9)).empty());
  CHECK(plan(plan_subtree_consistency(3, 3, 5)).empty());
  CHECK_FALSE(plan_subtree_consistency(1, 3, 8).has_value());
  CHECK_FALSE(plan_subtree_consistency(0, 9, 8).has_value());
  CHECK(plan(plan_inclusion(UINT64_MAX - 1, UINT64_MAX)).size() == 63);
  CHECK(plan(plan_inclusion(0, UINT64_MAX)).size() == 64);
}

TEST_CASE("merkle: valid subtrees (merkle-tree-certs §4.1)") {
  CHECK(is_valid_subtree(4, 8));
  CHECK(is_valid_subtree(8, 13));
  CHECK(is_valid_subtree(0, 13));
  CHECK(is_valid_subtree(5, 6));
  CHECK_FALSE(is_valid_subtree(3, 3));
  CHECK_FALSE(is_valid_subtree(1, 3));
  CHECK_FALSE(is_valid_subtree(2, 5));
  CHECK_FALSE(is_valid_subtree(2, 6));
  CHECK_FALSE(is_valid_subtree(1, 15));
  CHECK(is_valid_subtree(0, UINT64_MAX));
  CHECK_FALSE(is_valid_subtree(1, UINT64_MAX));
  CHECK(is_valid_subtree(uint64_t{1} << 63, UINT64_MAX));
}

TEST_CASE("merkle: the compact range matches MTH for every size up to 300") {
  Hasher h = Hasher::create_or_abort();
  auto all = leaves(h, 300);
  CompactRange range;
  CHECK(range.root(h) == kEmptyRoot);
  CHECK(range.nodes().empty());
  for (uint64_t n = 1; n <= all.size(); ++n) {
    range.append(h, all[n - 1]);
    CAPTURE(n);
    REQUIRE(range.size() == n);
    REQUIRE(range.root(h) == range_hash(h, all, 0, n));
    auto ids = range.nodes();
    REQUIRE(ids.size() == static_cast<size_t>(std::popcount(n)));
    REQUIRE(range.hashes().size() == ids.size());
    for (size_t j = 0; j < ids.size(); ++j) {
      REQUIRE(range.hashes()[j] == range_hash(h, all, ids[j].begin(), ids[j].end()));
    }
  }
}

TEST_CASE("merkle: plans are node ranges of the tree, and subtree plans generalise both") {
  for (uint64_t n = 1; n <= 70; ++n) {
    for (uint64_t i = 0; i < n; ++i) {
      auto p = plan(plan_inclusion(i, n));
      // Closed form of the audit path length: the levels where i and n - 1 differ, plus
      // the set bits of i above them (right-border levels where i is a right child).
      unsigned inner = static_cast<unsigned>(std::bit_width(i ^ (n - 1)));
      CHECK(p.size() == inner + static_cast<unsigned>(std::popcount(i >> inner)));
      CHECK(p == plan(plan_subtree_consistency(i, i + 1, n)));
      for (const ProofNode& node : p) {
        CHECK(node.begin < node.end);
        CHECK(node.end <= n);
        CHECK((i < node.begin || i >= node.end));
      }
    }
    for (uint64_t m = 1; m <= n; ++m) {
      CHECK(plan(plan_consistency(m, n)) == plan(plan_subtree_consistency(0, m, n)));
    }
  }
}

}  // namespace
TEST_CASE("compact range: append_all on several threads equals appending leaf by leaf") {
  Hasher& hasher = thread_hasher();
  std::vector<Hash> leaves;
  for (int i = 0; i < 1300; ++i) {
    uint8_t b[2] = {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)};
    leaves.push_back(hasher.hash_leaf(b));
  }
  // Every start size (aligned or not) and batch length around the power-of-two boundaries.
  for (size_t start : {0, 1, 3, 8, 100, 511, 512, 513}) {
    for (size_t count : {0, 1, 2, 7, 64, 255, 600, 787}) {
      CompactRange one, many;
      for (size_t i = 0; i < start; ++i) {
        one.append(hasher, leaves[i]);
        many.append(hasher, leaves[i]);
      }
      for (size_t i = start; i < start + count; ++i) one.append(hasher, leaves[i]);
      many.append_all(std::span(leaves).subspan(start, count), 3);
      REQUIRE(many.size() == one.size());
      CHECK(std::equal(many.hashes().begin(), many.hashes().end(), one.hashes().begin(),
                       one.hashes().end()));
    }
  }
  CHECK(perfect_subtree_root(hasher, std::span(leaves).first(8)) ==
        range_hash(hasher, leaves, 0, 8));
  CompactRange aligned;
  aligned.append_subtree(hasher, 3, perfect_subtree_root(hasher, std::span(leaves).first(8)));
  aligned.append_subtree(hasher, 2, perfect_subtree_root(hasher, std::span(leaves).subspan(8, 4)));
  CHECK(aligned.size() == 12);
  CHECK(aligned.root(hasher) == range_hash(hasher, leaves, 0, 12));
}

}  // namespace covenant::ledger
