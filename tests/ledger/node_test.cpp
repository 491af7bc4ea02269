// Tests of ledger/node: creating a node directory (its key file and its ledger), opening it
// again, recording notes signed by the node key, and the checkpoint of its log.

#include "ledger/node.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include "ledger/checkpoint.hpp"
#include "ledger/log_proofs.hpp"
#include "tests/ledger/storage_helpers.hpp"

namespace covenant::ledger {
namespace {

using testing::file_bytes;
using testing::snapshot;
using testing::TempDir;

using testing::kTime;

Seed seed_of(uint8_t tag) {
  Seed s{};
  s.fill(tag);
  return s;
}

}  // namespace

TEST_CASE("node: init writes the key, opens again, records notes") {
  TempDir dir;
  const auto path = dir / "node";
  {
    auto node = Node::init(path, "hospital-a", kTime, seed_of(5), 8192);
    REQUIRE_MESSAGE(node.has_value(), testing::why(node));
    CHECK(node->key().public_key() == KeyPair::from_seed(seed_of(5))->public_key());
    CHECK(node->ledger().proposer() == node->key().public_key());
    CHECK(node->ledger().chain_id() == "hospital-a");
  }
  struct stat st {};
  REQUIRE(::stat((path / "node.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(file_bytes(path / "node.key") == std::vector<uint8_t>(32, 5));

  auto node = Node::open(path, OpenMode::read_write);
  REQUIRE_MESSAGE(node.has_value(), testing::why(node));
  std::vector<std::vector<uint8_t>> notes = {{'a'}, {'b', 'c'}, {}};
  auto h1 = node->append_notes(notes, kTime + 10);
  REQUIRE_MESSAGE(h1.has_value(), testing::why(h1));
  CHECK(h1->entry_count == 3);
  auto h2 = node->append_notes(std::vector<std::vector<uint8_t>>{{'d'}}, kTime + 20);
  REQUIRE(h2.has_value());
  CHECK(node->ledger().next_nonce(node->key().public_key()).value() == 4);
  auto block = node->ledger().read_block(2);
  REQUIRE(block.has_value());
  auto entry = decode_entry_parts(block->record.leaves[0]);
  REQUIRE(entry.has_value());
  CHECK(entry->transaction.nonce == 3);
  CHECK(entry->transaction.kind == TxKind::note);
  CHECK(entry->transaction.payload == std::vector<uint8_t>{'d'});

  SUBCASE("the checkpoint verifies with the node's key and states the head") {
    auto note = node->checkpoint();
    REQUIRE(note.has_value());
    auto info = parse_and_verify_checkpoint(*note, "hospital-a", "hospital-a", node->key().public_key());
    REQUIRE(info.has_value());
    CHECK(info->size == 4);
    CHECK(info->root == h2->log_root);
    CHECK(node->verifier_key().starts_with("hospital-a+"));
  }
  SUBCASE("a payload over 1 MiB is refused before anything is written") {
    auto before = snapshot(path);
    std::vector<std::vector<uint8_t>> big = {{'x'}, std::vector<uint8_t>(kMaxPayloadSize + 1)};
    auto r = node->append_notes(big, kTime + 30);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == StorageError::Code::invalid_argument);
    CHECK(r.error().entry == 1);
    CHECK(snapshot(path) == before);
  }
}

TEST_CASE("node: init refuses what it cannot make, open refuses a foreign key") {
  TempDir dir;
  SUBCASE("chain ids that cannot name the checkpoint key") {
    for (const char* bad : {"", "has space", "a+b", "\x7f"}) {
      auto node = Node::init(dir / "n", bad, kTime);
      REQUIRE_FALSE(node.has_value());
      CHECK(node.error().code == StorageError::Code::invalid_argument);
    }
  }
  SUBCASE("a directory that is not empty") {
    std::filesystem::create_directories(dir / "n");
    { std::ofstream(dir / "n" / "x") << "x"; }
    auto node = Node::init(dir / "n", "c", kTime);
    REQUIRE_FALSE(node.has_value());
    CHECK(node.error().reason.find("not empty") != std::string::npos);
  }
  SUBCASE("a key that did not propose the ledger") {
    REQUIRE(Node::init(dir / "n", "c", kTime, seed_of(1), 8192).has_value());
    testing::patch_file(dir / "n" / "node.key", 0, std::vector<uint8_t>(32, 2));
    auto node = Node::open(dir / "n", OpenMode::read_only);
    REQUIRE_FALSE(node.has_value());
    CHECK(node.error().code == StorageError::Code::corrupt);
    CHECK(node.error().reason.find("not the key of this ledger's proposer") != std::string::npos);
  }
  SUBCASE("a fresh key each time without a seed") {
    auto a = Node::init(dir / "a", "c", kTime);
    auto b = Node::init(dir / "b", "c", kTime);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(a->key().public_key() != b->key().public_key());
  }
}

TEST_CASE("log proofs: every inclusion and consistency proof of a stored log") {
  TempDir dir;
  auto node = Node::init(dir / "n", "c", kTime, seed_of(9), 8192);
  REQUIRE(node.has_value());
  for (uint64_t b = 1; b <= 5; ++b) {
    std::vector<std::vector<uint8_t>> notes(b % 3 + 1, std::vector<uint8_t>{static_cast<uint8_t>(b)});
    REQUIRE(node->append_notes(notes, kTime + b).has_value());
  }
  const Ledger& ledger = node->ledger();
  const uint64_t n = ledger.head().log_size;
  REQUIRE(n == 11);
  // The leaves, read independently of log_proofs.
  std::vector<Hash> leaves;
  for (uint64_t h = 0; h < ledger.block_count(); ++h) {
    auto block = ledger.read_block(h);
    REQUIRE(block.has_value());
    for (auto leaf : block->record.leaves) leaves.push_back(thread_hasher().hash_leaf(leaf));
  }
  for (uint64_t size = 1; size <= n; ++size) {
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = prove_inclusion(ledger, i, size);
      REQUIRE_MESSAGE(proof.has_value(), testing::why(proof));
      CHECK(proof->leaf_hash == leaves[i]);
      CHECK(proof->root == range_hash(thread_hasher(), leaves, 0, size));
      CHECK(thread_hasher().hash_leaf(proof->leaf_data) == leaves[i]);
    }
    for (uint64_t from = 0; from <= size; ++from) {
      auto proof = prove_consistency(ledger, from, size);
      REQUIRE(proof.has_value());
      CHECK(proof->root1 == range_hash(thread_hasher(), leaves, 0, from));
    }
  }
  auto last = prove_inclusion(ledger, n - 1, n);
  REQUIRE(last.has_value());
  CHECK(last->root == ledger.head().log_root);
  CHECK(last->block == 5);
  CHECK_FALSE(prove_inclusion(ledger, n, n).has_value());
  CHECK_FALSE(prove_inclusion(ledger, 0, n + 1).has_value());
  CHECK_FALSE(prove_consistency(ledger, 3, 2).has_value());
  CHECK_FALSE(prove_consistency(ledger, 0, n + 1).has_value());
}

}  // namespace covenant::ledger
