#pragma once
/// \file
/// Merkle proofs served from a stored ledger: the inclusion proof of an entry and the
/// consistency proof between two log sizes, with the roots they lead to, in the form an
/// independent RFC 9162 verifier needs. Node hashes are recomputed from the leaves read
/// back from the log (each record's checksum checked): O(n) hashing for a log of n entries,
/// which suits the command line; a node-hash index would make it O(log n).

#include <cstdint>
#include <vector>

#include "ledger/hasher.hpp"
#include "ledger/ledger.hpp"
#include "ledger/storage_error.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// An entry with its RFC 9162 inclusion proof.
struct InclusionProof {
  /// The entry's index in the log (0-based leaf index).
  uint64_t leaf_index = 0;
  /// The size of the tree the proof is for.
  uint64_t tree_size = 0;
  /// Height of the block holding the entry, and its index there.
  uint64_t block = 0;
  uint64_t entry_in_block = 0;
  /// The entry's canonical bytes: its leaf data (`encode_entry`).
  std::vector<uint8_t> leaf_data;
  /// SHA-256(0x00 || leaf_data).
  Hash leaf_hash{};
  /// The root of the tree of `tree_size` leaves.
  Hash root{};
  /// The audit path, RFC 9162 §2.1.3.1 order.
  std::vector<Hash> path;
};

/// A consistency proof between two sizes of the log.
struct ConsistencyProof {
  uint64_t size1 = 0;
  uint64_t size2 = 0;
  /// The roots of the trees of size1 and size2 leaves.
  Hash root1{};
  Hash root2{};
  /// The proof, RFC 9162 §2.1.4.1 order (empty from size 0 or between equal sizes, see the
  /// size-0 rule in docs/ledger.md).
  std::vector<Hash> path;
};

/// The inclusion proof of entry `leaf_index` in the tree of the first `tree_size` entries
/// (leaf_index < tree_size <= the log's size). The proof is checked with `verify_inclusion`
/// before it is returned. Fails with `invalid_argument`, or `corrupt`/`io` reading the log.
Expected<InclusionProof, StorageError> prove_inclusion(const Ledger& ledger, uint64_t leaf_index,
                                                       uint64_t tree_size);

/// The consistency proof from size1 to size2 (size1 <= size2 <= the log's size), checked
/// with `verify_consistency` before it is returned. Fails as `prove_inclusion`.
Expected<ConsistencyProof, StorageError> prove_consistency(const Ledger& ledger, uint64_t size1,
                                                           uint64_t size2);

}  // namespace covenant::ledger
