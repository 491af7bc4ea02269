#include "ledger/log_proofs.hpp"

#include <string>

#include "ledger/merkle.hpp"
#include "ledger/verify.hpp"

namespace covenant::ledger {

namespace {

StorageError invalid(std::string reason) {
  return StorageError::of(StorageError::Code::invalid_argument, std::move(reason));
}

StorageError internal(std::string reason) {
  return StorageError::of(StorageError::Code::internal, std::move(reason));
}

// The leaf hashes of the first `count` entries, read block by block from genesis. When
// `capture` is given, the entry capture->leaf_index is copied into it on the way.
Expected<std::vector<Hash>, StorageError> read_leaves(const Ledger& ledger, uint64_t count,
                                                      InclusionProof* capture) {
  if (count > ledger.head().log_size) {
    return unexpected(invalid("tree size " + std::to_string(count) + " exceeds the log's " +
                              std::to_string(ledger.head().log_size) + " entries"));
  }
  Hasher& hasher = thread_hasher();
  std::vector<Hash> leaves;
  leaves.reserve(count);
  for (uint64_t h = 0; leaves.size() < count && h < ledger.block_count(); ++h) {
    auto block = ledger.read_block(h);
    if (!block) return unexpected(std::move(block).error());
    const auto& record_leaves = block->record.leaves;
    for (size_t i = 0; i < record_leaves.size() && leaves.size() < count; ++i) {
      if (capture != nullptr && leaves.size() == capture->leaf_index) {
        capture->block = h;
        capture->entry_in_block = i;
        capture->leaf_data.assign(record_leaves[i].begin(), record_leaves[i].end());
      }
      leaves.push_back(hasher.hash_leaf(record_leaves[i]));
    }
  }
  if (leaves.size() != count) {
    return unexpected(internal("the blocks hold " + std::to_string(leaves.size()) +
                               " entries, the head says " + std::to_string(count)));
  }
  return leaves;
}

}  // namespace

Expected<InclusionProof, StorageError> prove_inclusion(const Ledger& ledger, uint64_t leaf_index,
                                                       uint64_t tree_size) {
  if (leaf_index >= tree_size) {
    return unexpected(invalid("entry " + std::to_string(leaf_index) +
                              " is not in a tree of " + std::to_string(tree_size) + " entries"));
  }
  InclusionProof proof;
  proof.leaf_index = leaf_index;
  proof.tree_size = tree_size;
  auto leaves = read_leaves(ledger, tree_size, &proof);
  if (!leaves) return unexpected(std::move(leaves).error());
  auto plan = plan_inclusion(leaf_index, tree_size);
  if (!plan) return unexpected(invalid(plan.error().reason));
  Hasher& hasher = thread_hasher();
  proof.leaf_hash = (*leaves)[leaf_index];
  proof.root = range_hash(hasher, *leaves, 0, tree_size);
  proof.path = proof_hashes(hasher, *leaves, *plan);
  // A proof that does not verify would be a bug here; never hand one out.
  if (auto ok = verify_inclusion(hasher, leaf_index, tree_size, proof.leaf_hash, proof.path,
                                 proof.root);
      !ok) {
    return unexpected(internal("the inclusion proof does not verify: " + ok.error().reason));
  }
  return proof;
}

Expected<ConsistencyProof, StorageError> prove_consistency(const Ledger& ledger, uint64_t size1,
                                                           uint64_t size2) {
  if (size1 > size2) {
    return unexpected(invalid("size " + std::to_string(size1) + " is greater than size " +
                              std::to_string(size2)));
  }
  auto leaves = read_leaves(ledger, size2, nullptr);
  if (!leaves) return unexpected(std::move(leaves).error());
  auto plan = plan_consistency(size1, size2);
  if (!plan) return unexpected(invalid(plan.error().reason));
  Hasher& hasher = thread_hasher();
  ConsistencyProof proof;
  proof.size1 = size1;
  proof.size2 = size2;
  proof.root1 = range_hash(hasher, *leaves, 0, size1);
  proof.root2 = range_hash(hasher, *leaves, 0, size2);
  proof.path = proof_hashes(hasher, *leaves, *plan);
  if (auto ok = verify_consistency(hasher, size1, size2, proof.path, proof.root1, proof.root2);
      !ok) {
    return unexpected(internal("the consistency proof does not verify: " + ok.error().reason));
  }
  return proof;
}

}  // namespace covenant::ledger
