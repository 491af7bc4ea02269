// covenant-merkle-vectors: runs ONE external Merkle vector (or one list entry) against
// ledger/verify and prints what it expected, what it got and why; exit 0 = as expected.
// tests/ledger/CMakeLists.txt registers one ctest per vector file or list entry.
//
//   covenant-merkle-vectors td KIND ID FILE      transparency-dev probe; KIND is inclusion,
//                                                consistency, subtreeinclusion or
//                                                subtreeconsistency; ID its path under testdata/
//   covenant-merkle-vectors cctv LIST FILE N     entry N of a CCTV list (inclusion-valid, ...)
//   covenant-merkle-vectors cctv-tree FILE       CCTV merkle_tree.json: leaf hashes and roots
//   covenant-merkle-vectors reference-tree FILE  reference-tree.json: roots 0..8 and every
//                                                proof in it, planned and verified by us
//
// The expected outcome is the vector's own, except for the vectors listed in kDifferences,
// whose outcome differs under our size-0 rule or our strict hash parsing
// (docs/ledger.md, "Vectors whose outcome differs").

#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/hasher.hpp"
#include "ledger/merkle.hpp"
#include "ledger/verify.hpp"
#include "ledger/base64.hpp"
#include "vm/hex.hpp"

namespace {

using namespace covenant;
using namespace covenant::ledger;

// A vector whose expected outcome under our rules is not, or not for the same reason, the
// one its file states. `valid` is OUR expected outcome; for an error, `reason` must occur in
// our reason, so that the vector fails for the documented cause and no other. The same list,
// with the argument, is in docs/ledger.md ("Vectors whose outcome differs").
struct Difference {
  std::string_view id;
  bool valid;
  std::string_view reason;
  std::string_view why;
};

constexpr Difference kDifferences[] = {
    // (1) OUTCOME DIFFERS: upstream valid, ours an error. Upstream compares roots as byte
    // strings (or, for an empty subtree, ignores the tree root); ours are typed 32-byte
    // SHA-256 values and "ZG9uJ3QgY2FyZSAx" is the 12 bytes "don't care 1".
    {"consistency/additional/sizes-are-equal-one-and-proof-is-empty", false,
     "root1 has 12 bytes, expected 32",
     "upstream valid (equal sizes, byte-equal roots); a 12-byte root is not a SHA-256 hash"},
    {"subtreeconsistency/additional/sizes-are-equal-one-and-proof-is-empty", false,
     "root1 has 12 bytes, expected 32",
     "upstream valid (subtree = whole tree, byte-equal roots); a 12-byte root is not a hash"},
    {"subtreeconsistency/additional/"
     "subtree-is-empty-sizes-are-equal-one-subtree-root-valid-tree-root-random-proof-is-empty",
     false, "root2 has 12 bytes, expected 32",
     "upstream valid (an empty subtree ignores the tree root); a 12-byte root is not a hash"},
    {"subtreeconsistency/additional/"
     "subtree-is-empty-sizes-are-equal-zero-subtree-root-valid-tree-root-random-proof-is-empty",
     false, "root2 has 12 bytes, expected 32",
     "upstream valid (an empty subtree ignores the tree root); a 12-byte root is not a hash, "
     "and under our rule a tree of size 0 must have the empty-tree root anyway"},

    // (2) SAME OUTCOME, OTHER REASON: transparency-dev rejects every consistency proof with
    // size1 = 0. Under our rule 0 -> n with an empty proof and root1 = SHA-256() is valid, so
    // each of these must fail for its other defect, pinned here.
    {"consistency/1/size1-sub-@1", false, "proof has 3 hashes, expected 0 (from the empty tree)",
     "size1 = 0 under our rule needs an empty proof"},
    {"consistency/3/size1-XOR-@2", false, "proof has 2 hashes, expected 0 (from the empty tree)",
     "size1 = 0 under our rule needs an empty proof"},
    {"consistency/additional/consistency-check-on-empty-tree-size1-is-zero-is-useless", false,
     "proof has 1 hashes, expected 0 (from the empty tree)",
     "size1 = 0 under our rule needs an empty proof"},
    {"consistency/additional/sizes-match-but-proof-is-not-empty-and-sizes-are-zero", false,
     "proof has 1 hashes, expected 0 (equal sizes)", "equal sizes need an empty proof"},
    {"consistency/additional/size1-is-zero-and-size2-is-not-zero", false,
     "root2 has 12 bytes, expected 32",
     "valid under our rule (0 -> 1, empty proof, root1 = SHA-256()) but for the malformed root2"},
    {"consistency/additional/size1-is-zero-and-does-not-equal-size2", false,
     "root1 has 12 bytes, expected 32", "root1 is malformed"},
    {"consistency/additional/sizes-are-equal-zero-and-proof-is-empty", false,
     "root1 has 12 bytes, expected 32", "root1 is malformed (and not the empty-tree hash)"},
    {"consistency/additional/sizes-are-equal-zero-but-roots-are-not", false,
     "root1 has 12 bytes, expected 32", "root1 is malformed"},
    {"consistency/additional/roots-do-not-match-and-sizes-are-zero", false,
     "root2 has 12 bytes, expected 32", "root2 is malformed (and not the empty-tree hash)"},
    {"subtreeconsistency/additional/size1-is-zero-and-does-not-equal-size2", false,
     "root1 has 12 bytes, expected 32", "the empty subtree's hash is malformed"},
    {"subtreeconsistency/additional/consistency-check-on-empty-tree-size1-is-zero-is-useless",
     false, "proof has 1 hashes, expected 0 (empty subtree)",
     "a proof for an empty range must be empty"},
};

const Difference* find_difference(std::string_view id) {
  for (const Difference& d : kDifferences) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

[[noreturn]] void bad_vector(const std::string& what) {
  std::fprintf(stderr, "malformed vector: %s\n", what.c_str());
  std::exit(2);
}

// Field access that treats a missing or mistyped field as a malformed vector.
uint64_t u64(simdjson::dom::element obj, const char* key) {
  uint64_t v = 0;
  if (obj[key].get_uint64().get(v) != simdjson::SUCCESS) bad_vector(std::string("field ") + key);
  return v;
}

bool boolean(simdjson::dom::element obj, const char* key) {
  bool v = false;
  if (obj[key].get_bool().get(v) != simdjson::SUCCESS) bad_vector(std::string("field ") + key);
  return v;
}

std::string_view text(simdjson::dom::element obj, const char* key) {
  std::string_view v;
  if (obj[key].get_string().get(v) != simdjson::SUCCESS) bad_vector(std::string("field ") + key);
  return v;
}

std::vector<uint8_t> b64(std::string_view s, const std::string& what) {
  auto bytes = decode_base64(s);
  if (!bytes) bad_vector(what + " is not strict base64: \"" + std::string(s) + "\"");
  return *bytes;
}

// The proof list: each element base64 (strict) and then a 32-byte hash; a null list is an
// empty proof (Go marshals a nil slice as null).
Expected<std::vector<Hash>, VerifyError> proof(simdjson::dom::element obj, const char* key) {
  std::vector<Hash> out;
  simdjson::dom::element field;
  if (obj[key].get(field) != simdjson::SUCCESS) bad_vector(std::string("field ") + key);
  if (field.is_null()) return out;
  simdjson::dom::array arr;
  if (field.get_array().get(arr) != simdjson::SUCCESS) bad_vector(std::string("field ") + key);
  size_t i = 0;
  for (simdjson::dom::element e : arr) {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) bad_vector("proof element");
    std::string name = std::string(key) + "[" + std::to_string(i++) + "]";
    auto h = hash_from_bytes(b64(s, name), name);
    if (!h) return unexpected(h.error());
    out.push_back(*h);
  }
  return out;
}

Expected<Hash, VerifyError> hash_field(simdjson::dom::element obj, const char* key,
                                       std::string_view name) {
  return hash_from_bytes(b64(text(obj, key), std::string(key)), name);
}

// Runs `check` unless parsing a hash already failed; parse failures are verification
// failures (a value that is not a 32-byte hash cannot verify anything).
template <class... Parsed>
VerifyResult first_error(const Parsed&... parsed) {
  VerifyResult result;
  bool done = false;
  auto one = [&](const auto& p) {
    if (!done && !p.has_value()) {
      result = unexpected(p.error());
      done = true;
    }
  };
  (one(parsed), ...);
  return result;
}

int report(std::string_view id, bool file_valid, const VerifyResult& got) {
  const Difference* diff = find_difference(id);
  bool want_valid = diff != nullptr ? diff->valid : file_valid;
  std::string got_text = got ? "valid" : "error: " + got.error().reason;
  std::printf("vector says %s; we expect %s; got %s\n", file_valid ? "valid" : "error",
              want_valid ? "valid" : "error", got_text.c_str());
  if (diff != nullptr) std::printf("documented difference: %.*s\n", int(diff->why.size()), diff->why.data());
  if (got.has_value() != want_valid) return 1;
  if (diff != nullptr && !want_valid && got.error().reason.find(diff->reason) == std::string::npos) {
    std::printf("FAIL: reason should contain \"%.*s\"\n", int(diff->reason.size()), diff->reason.data());
    return 1;
  }
  return 0;
}

simdjson::dom::element load(simdjson::dom::parser& parser, const char* path) {
  simdjson::dom::element doc;
  if (auto err = parser.load(path).get(doc); err != simdjson::SUCCESS) {
    bad_vector(std::string(path) + ": " + simdjson::error_message(err));
  }
  return doc;
}

int run_td(std::string_view kind, std::string_view id, const char* file) {
  simdjson::dom::parser parser;
  simdjson::dom::element v = load(parser, file);
  Hasher& hasher = thread_hasher();
  std::printf("%.*s: %.*s\n", int(id.size()), id.data(), int(text(v, "desc").size()),
              text(v, "desc").data());
  bool file_valid = !boolean(v, "wantErr");
  VerifyResult got;
  if (kind == "inclusion" || kind == "subtreeinclusion") {
    auto leaf = hash_field(v, "leafHash", "leaf hash");
    auto root = hash_field(v, "root", "root");
    auto path = proof(v, "proof");
    got = first_error(leaf, root, path);
    if (got) {
      if (kind == "inclusion") {
        got = verify_inclusion(hasher, u64(v, "leafIdx"), u64(v, "treeSize"), *leaf, *path, *root);
      } else {
        got = verify_subtree_inclusion(hasher, u64(v, "leafIdx"), u64(v, "start"), u64(v, "end"),
                                       *leaf, *path, *root);
      }
    }
  } else if (kind == "consistency" || kind == "subtreeconsistency") {
    auto root1 = hash_field(v, "root1", "root1");
    auto root2 = hash_field(v, "root2", "root2");
    auto path = proof(v, "proof");
    got = first_error(root1, root2, path);
    if (got) {
      if (kind == "consistency") {
        got = verify_consistency(hasher, u64(v, "size1"), u64(v, "size2"), *path, *root1, *root2);
      } else {
        got = verify_subtree_consistency(hasher, u64(v, "start"), u64(v, "end"), u64(v, "size"),
                                         *path, *root1, *root2);
      }
    }
  } else {
    bad_vector("unknown kind " + std::string(kind));
  }
  return report(id, file_valid, got);
}

int run_cctv(std::string_view list, const char* file, size_t index) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = load(parser, file);
  simdjson::dom::array arr;
  if (doc.get_array().get(arr) != simdjson::SUCCESS || index >= arr.size()) {
    bad_vector("no entry " + std::to_string(index));
  }
  simdjson::dom::element v = arr.at(index).value();
  bool file_valid = list.ends_with("-valid");
  std::string id = "cctv/" + std::string(list) + "/" + std::to_string(index);
  std::string_view comment;
  if (v["comment"].get_string().get(comment) == simdjson::SUCCESS) {
    std::printf("%s: %.*s\n", id.c_str(), int(comment.size()), comment.data());
  }
  Hasher& hasher = thread_hasher();
  VerifyResult got;
  if (list.starts_with("inclusion")) {
    auto leaf = hash_field(v, "leaf_hash", "leaf hash");
    auto root = hash_field(v, "root_hash", "root");
    auto path = proof(v, "inclusion_path");
    got = first_error(leaf, root, path);
    if (got) got = verify_inclusion(hasher, u64(v, "leaf_index"), u64(v, "tree_size"), *leaf, *path, *root);
  } else if (list.starts_with("consistency")) {
    auto root1 = hash_field(v, "old_root", "root1");
    auto root2 = hash_field(v, "new_root", "root2");
    auto path = proof(v, "consistency_path");
    got = first_error(root1, root2, path);
    if (got) got = verify_consistency(hasher, u64(v, "old_size"), u64(v, "new_size"), *path, *root1, *root2);
  } else {
    bad_vector("unknown list " + std::string(list));
  }
  return report(id, file_valid, got);
}

// CCTV merkle_tree.json: entry i has leaf_data (text), its leaf hash and the root of the
// tree of the first i + 1 leaves.
int run_cctv_tree(const char* file) {
  simdjson::dom::parser parser;
  simdjson::dom::array arr;
  if (load(parser, file).get_array().get(arr) != simdjson::SUCCESS) bad_vector("not a list");
  Hasher& hasher = thread_hasher();
  CompactRange tree;
  int failures = 0;
  size_t i = 0;
  for (simdjson::dom::element v : arr) {
    std::string_view data = text(v, "leaf_data");
    Hash leaf = hasher.hash_leaf({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
    auto want_leaf = hash_field(v, "leaf_hash", "leaf hash");
    auto want_root = hash_field(v, "root_hash", "root");
    if (!want_leaf || !want_root) bad_vector("hash of entry " + std::to_string(i));
    tree.append(hasher, leaf);
    bool ok = leaf == *want_leaf && tree.root(hasher) == *want_root;
    std::printf("size %zu: leaf %s, root %s\n", i + 1, leaf == *want_leaf ? "ok" : "MISMATCH",
                tree.root(hasher) == *want_root ? "ok" : "MISMATCH");
    failures += ok ? 0 : 1;
    ++i;
  }
  return failures == 0 && i > 0 ? 0 : 1;
}

// reference-tree.json: the roots after 0..8 appends, then every inclusion proof (i < n) and
// every consistency proof (m <= n) of those trees, planned by us, hashed from the leaves and
// verified by us — and each one rejected once a hash is flipped.
int run_reference_tree(const char* file) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = load(parser, file);
  Hasher& hasher = thread_hasher();
  simdjson::dom::array inputs;
  simdjson::dom::array roots;
  if (doc["leaf_inputs"].get_array().get(inputs) != simdjson::SUCCESS ||
      doc["roots_by_size"].get_array().get(roots) != simdjson::SUCCESS) {
    bad_vector("leaf_inputs / roots_by_size");
  }
  std::vector<Hash> leaves;
  for (simdjson::dom::element e : inputs) {
    std::string_view hex;
    if (e.get_string().get(hex) != simdjson::SUCCESS) bad_vector("leaf input");
    auto bytes = parse_hex(hex);
    if (!bytes) bad_vector("leaf input hex");
    leaves.push_back(hasher.hash_leaf(*bytes));
  }
  std::vector<Hash> want_roots;
  for (simdjson::dom::element e : roots) {
    std::string_view hex;
    if (e.get_string().get(hex) != simdjson::SUCCESS) bad_vector("root");
    auto bytes = parse_hex(hex);
    if (!bytes) bad_vector("root hex");
    auto h = hash_from_bytes(*bytes, "root");
    if (!h) bad_vector(h.error().reason);
    want_roots.push_back(*h);
  }
  if (want_roots.size() != leaves.size() + 1) bad_vector("need one root per size 0..N");

  int failures = 0;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) {
      std::printf("FAIL: %s\n", what.c_str());
      ++failures;
    }
  };
  CompactRange tree;
  for (size_t n = 0; n <= leaves.size(); ++n) {
    if (n > 0) tree.append(hasher, leaves[n - 1]);
    check(tree.root(hasher) == want_roots[n], "compact range root of size " + std::to_string(n));
    check(range_hash(hasher, leaves, 0, n) == want_roots[n], "range_hash of size " + std::to_string(n));
  }
  size_t proofs = 0;
  for (uint64_t n = 0; n <= leaves.size(); ++n) {
    for (uint64_t i = 0; i < n; ++i) {
      std::string what = "inclusion " + std::to_string(i) + " in " + std::to_string(n);
      auto plan = plan_inclusion(i, n);
      check(plan.has_value(), what + " plan");
      if (!plan) continue;
      auto path = proof_hashes(hasher, leaves, *plan);
      auto r = verify_inclusion(hasher, i, n, leaves[i], path, want_roots[n]);
      check(r.has_value(), what + (r ? "" : ": " + r.error().reason));
      for (size_t j = 0; j < path.size(); ++j) {
        auto bad = path;
        bad[j][0] ^= 1;
        check(!verify_inclusion(hasher, i, n, leaves[i], bad, want_roots[n]), what + " flipped");
      }
      ++proofs;
    }
    check(!plan_inclusion(n, n), "no inclusion of leaf n in size n");
    for (uint64_t m = 0; m <= n; ++m) {
      std::string what = "consistency " + std::to_string(m) + " -> " + std::to_string(n);
      auto plan = plan_consistency(m, n);
      check(plan.has_value(), what + " plan");
      if (!plan) continue;
      auto path = proof_hashes(hasher, leaves, *plan);
      auto r = verify_consistency(hasher, m, n, path, want_roots[m], want_roots[n]);
      check(r.has_value(), what + (r ? "" : ": " + r.error().reason));
      for (size_t j = 0; j < path.size(); ++j) {
        auto bad = path;
        bad[j][31] ^= 0x80;
        check(!verify_consistency(hasher, m, n, bad, want_roots[m], want_roots[n]), what + " flipped");
      }
      ++proofs;
    }
  }
  std::printf("%zu roots, %zu proofs planned and verified, %d failures\n", want_roots.size(),
              proofs, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.size() == 4 && args[0] == "td") return run_td(args[1], args[2], argv[4]);
  if (args.size() == 4 && args[0] == "cctv") {
    return run_cctv(args[1], argv[3], std::strtoull(argv[4], nullptr, 10));
  }
  if (args.size() == 2 && args[0] == "cctv-tree") return run_cctv_tree(argv[2]);
  if (args.size() == 2 && args[0] == "reference-tree") return run_reference_tree(argv[2]);
  std::fprintf(stderr,
               "usage: covenant-merkle-vectors td KIND ID FILE | cctv LIST FILE N |\n"
               "       cctv-tree FILE | reference-tree FILE\n");
  return 2;
}
