// Tests of ledger/block: receipt and entry encodings (round trip, strict decoding), the
// exact header layout, block creation and the chain rules: a chain verifies, and every
// single-byte change, broken link, gap, time reversal, miscount, reordering or missing
// entry is rejected with its reason.

#include "tests/ledger/test_key.hpp"
#include "ledger/block.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "vm/hex.hpp"

namespace covenant::ledger {
namespace {

using testing::test_key;

Receipt failed_receipt() {
  Receipt r;
  r.status = ReceiptStatus::fault;
  r.gas_used = 1234;
  r.events = {{1, 2, 3}, {}};
  r.write_set_hash.fill(0x77);
  r.read_set_hash.fill(0x66);
  r.fail_line = 12;
  r.fail_column = 5;
  r.reason = "division by zero";
  return r;
}

Entry make_entry(const KeyPair& key, uint64_t nonce, uint8_t tag) {
  Transaction tx;
  tx.chain_id = "covenant-test";
  tx.nonce = nonce;
  tx.kind = TxKind::note;
  tx.payload = {tag, static_cast<uint8_t>(tag + 1)};
  REQUIRE(sign_transaction(tx, key).has_value());
  auto tx_bytes = encode(tx);
  REQUIRE(tx_bytes.has_value());
  Receipt receipt;
  receipt.gas_used = tag;
  receipt.events = {{tag}};
  auto receipt_bytes = encode_receipt(receipt);
  REQUIRE(receipt_bytes.has_value());
  return Entry{*tx_bytes, *receipt_bytes};
}

Hash state(uint8_t tag) {
  Hash h{};
  h.fill(tag);
  return h;
}

// Five blocks of 0..4 entries, made from an empty log.
struct Chain {
  std::vector<BlockHeader> headers;
  std::vector<std::vector<Entry>> entries;
  std::vector<CompactRange> logs_before;
};

Chain make_chain(const KeyPair& proposer, const KeyPair& signer) {
  Chain chain;
  CompactRange log;
  uint64_t nonce = 0;
  for (uint64_t height = 0; height < 5; ++height) {
    std::vector<Entry> entries;
    for (uint64_t i = 0; i < height; ++i) {
      entries.push_back(make_entry(signer, nonce, static_cast<uint8_t>(nonce)));
      ++nonce;
    }
    chain.logs_before.push_back(log);
    const BlockHeader* previous = height == 0 ? nullptr : &chain.headers.back();
    auto header = make_block(previous, entries, 1'700'000'000'000 + height * 1000,
                             state(static_cast<uint8_t>(height)), log, proposer);
    REQUIRE(header.has_value());
    chain.headers.push_back(*header);
    chain.entries.push_back(std::move(entries));
  }
  return chain;
}

Expected<void, BlockError> verify_at(const Chain& chain, size_t i, const BlockHeader& header,
                                     const std::vector<Entry>& entries) {
  CompactRange log = chain.logs_before[i];
  return verify_block(i == 0 ? nullptr : &chain.headers[i - 1], header, entries, log);
}

BlockError::Code failure(const Expected<void, BlockError>& result) {
  REQUIRE_FALSE(result.has_value());
  return result.error().code;
}

}  // namespace

TEST_CASE("receipt: round trip, layout and limits") {
  Receipt r = failed_receipt();
  auto bytes = encode_receipt(r);
  REQUIRE(bytes.has_value());
  CHECK(bytes->size() == kMinEncodedReceiptSize + r.reason.size() + 4 + 3 + 4 + 0);
  CHECK(to_hex(std::span(bytes->data(), 6)) == "435652430102");
  auto back = decode_receipt(*bytes);
  REQUIRE(back.has_value());
  CHECK(*back == r);

  Receipt ok;
  auto ok_bytes = encode_receipt(ok);
  REQUIRE(ok_bytes.has_value());
  CHECK(ok_bytes->size() == kMinEncodedReceiptSize);

  SUBCASE("ok receipts carry no failure") {
    Receipt bad;
    bad.reason = "x";
    CHECK_FALSE(encode_receipt(bad).has_value());
    bad.reason.clear();
    bad.fail_line = 1;
    CHECK_FALSE(encode_receipt(bad).has_value());
  }
  SUBCASE("column needs a line") {
    Receipt bad = failed_receipt();
    bad.fail_line = 0;
    CHECK_FALSE(encode_receipt(bad).has_value());
  }
  SUBCASE("bounds") {
    Receipt bad = failed_receipt();
    bad.reason = std::string(kMaxReasonLength + 1, 'a');
    CHECK_FALSE(encode_receipt(bad).has_value());
    bad = failed_receipt();
    bad.reason = "tab\there";
    CHECK_FALSE(encode_receipt(bad).has_value());
    bad = failed_receipt();
    bad.events.assign(kMaxReceiptEvents + 1, {});
    CHECK_FALSE(encode_receipt(bad).has_value());
    bad = failed_receipt();
    bad.events = {std::vector<uint8_t>(kMaxEventSize + 1, 0)};
    CHECK_FALSE(encode_receipt(bad).has_value());
    bad = failed_receipt();
    bad.status = static_cast<ReceiptStatus>(5);
    CHECK_FALSE(encode_receipt(bad).has_value());
  }
  SUBCASE("decode errors carry offsets") {
    auto b = *bytes;
    b[5] = 9;
    auto e = decode_receipt(b);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().offset == 5);
    CHECK(e.error().reason == "unknown status 9");

    b = *bytes;
    b.push_back(0);
    e = decode_receipt(b);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().offset == bytes->size());

    b = *bytes;
    b.pop_back();
    CHECK_FALSE(decode_receipt(b).has_value());

    // An event length above the limit is rejected before it is compared with the input.
    // The ok receipt ends with the event count (2 bytes) and the output length (4).
    b = *ok_bytes;
    b[b.size() - 6] = 1;
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff};
    b.insert(b.end() - 4, std::begin(huge), std::end(huge));
    e = decode_receipt(b);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().offset == kMinEncodedReceiptSize - 4);
    CHECK(e.error().reason.find("exceeds maximum") != std::string::npos);

    // So is an output length above the limit, and any output on a receipt that is not ok.
    b = *ok_bytes;
    std::copy(std::begin(huge), std::end(huge), b.end() - 4);
    e = decode_receipt(b);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().offset == kMinEncodedReceiptSize - 4);
    CHECK(e.error().reason.find("output length") != std::string::npos);
    b = *bytes;
    b[b.size() - 4] = 1;
    b.push_back(7);
    e = decode_receipt(b);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().reason == "a receipt that is not ok has an output");
  }
  SUBCASE("an ok receipt carries the call's output") {
    Receipt with_output;
    with_output.output = {1, 2, 3, 4, 5, 6, 7, 8};
    auto out = encode_receipt(with_output);
    REQUIRE(out.has_value());
    CHECK(out->size() == kMinEncodedReceiptSize + 8);
    auto round = decode_receipt(*out);
    REQUIRE(round.has_value());
    CHECK(round->output == with_output.output);
    with_output.output.assign(kMaxReceiptOutput + 1, 0);
    CHECK_FALSE(encode_receipt(with_output).has_value());
    Receipt failed = failed_receipt();
    failed.output = {1};
    CHECK_FALSE(encode_receipt(failed).has_value());
  }
}

TEST_CASE("entry: leaf data is length-prefixed tx then receipt") {
  KeyPair key = test_key(1);
  Entry entry = make_entry(key, 0, 7);
  auto leaf = encode_entry(entry);
  REQUIRE(leaf.has_value());
  REQUIRE(leaf->size() == 8 + entry.tx.size() + entry.receipt.size());
  CHECK((*leaf)[0] == entry.tx.size());
  CHECK((*leaf)[4 + entry.tx.size()] == entry.receipt.size());
  auto back = decode_entry(*leaf);
  REQUIRE(back.has_value());
  CHECK(*back == entry);
  auto leaf_hash = entry_leaf_hash(thread_hasher(), entry);
  REQUIRE(leaf_hash.has_value());
  CHECK(*leaf_hash == thread_hasher().hash_leaf(*leaf));

  // An error inside the receipt is reported at its offset within the entry.
  auto bad = *leaf;
  size_t receipt_at = 8 + entry.tx.size();
  bad[receipt_at + 5] = 42;
  auto e = decode_entry(bad);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().offset == receipt_at + 5);
  CHECK(e.error().reason == "receipt: unknown status 42");
  CHECK_FALSE(encode_entry(Entry{}).has_value());
}

TEST_CASE("header: exact byte layout") {
  BlockHeader h;
  h.height = 0x0102030405060708;
  h.previous_hash.fill(0xaa);
  h.time_ms = 1'700'000'000'000;  // 0x18BCFE56800
  h.entry_count = 3;
  h.log_size = 10;
  h.log_root.fill(0xbb);
  h.state_commitment.fill(0xcc);
  h.proposer.fill(0xdd);
  h.signature.fill(0xee);
  auto bytes = encode_header(h);
  REQUIRE(bytes.size() == kEncodedHeaderSize);
  std::string expected = "43564248" "01" "0807060504030201" + std::string(64, 'a') +
                         "0068e5cf8b010000" "03000000" "0a00000000000000" +
                         std::string(64, 'b') + std::string(64, 'c') + std::string(64, 'd') +
                         std::string(128, 'e');
  CHECK(to_hex(bytes) == expected);
  auto back = decode_header(bytes);
  REQUIRE(back.has_value());
  CHECK(*back == h);

  auto message = header_signing_message(h);
  CHECK(std::string(message.begin(), message.begin() + 17) == "covenant/block/v1");
  CHECK(message.size() == 17 + kUnsignedHeaderSize);
  CHECK(std::equal(message.begin() + 17, message.end(), bytes.begin()));
  // The header hash covers the signature too.
  CHECK(header_hash(h) == thread_hasher().sha256(bytes));
  BlockHeader resigned = h;
  resigned.signature[0] ^= 1;
  CHECK(header_hash(resigned) != header_hash(h));

  auto short_bytes = bytes;
  short_bytes.pop_back();
  auto e = decode_header(short_bytes);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().offset == 161);
  CHECK(e.error().reason == "truncated signature: needs 64 bytes, 63 remain");
  bytes[4] = 2;
  e = decode_header(bytes);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().offset == 4);
}

TEST_CASE("blocks: a chain of five verifies") {
  KeyPair proposer = test_key(2);
  KeyPair signer = test_key(3);
  Chain chain = make_chain(proposer, signer);
  CompactRange log;
  uint64_t leaves = 0;
  for (size_t i = 0; i < chain.headers.size(); ++i) {
    const BlockHeader* previous = i == 0 ? nullptr : &chain.headers[i - 1];
    auto ok = verify_block(previous, chain.headers[i], chain.entries[i], log);
    REQUIRE_MESSAGE(ok.has_value(), ok.error().reason);
    leaves += i;
    CHECK(chain.headers[i].height == i);
    CHECK(chain.headers[i].log_size == leaves);
    CHECK(log.size() == leaves);
    CHECK(log.root(thread_hasher()) == chain.headers[i].log_root);
  }
  // Header 4's root is the RFC 9162 root of all ten leaves.
  std::vector<Hash> leaf_hashes;
  for (const auto& block : chain.entries) {
    for (const auto& e : block) leaf_hashes.push_back(*entry_leaf_hash(thread_hasher(), e));
  }
  CHECK(range_hash(thread_hasher(), leaf_hashes, 0, leaf_hashes.size()) ==
        chain.headers[4].log_root);
}

TEST_CASE("blocks: genesis rules") {
  KeyPair proposer = test_key(2);
  Chain chain = make_chain(proposer, test_key(3));
  const BlockHeader& genesis = chain.headers[0];
  CHECK(genesis.height == 0);
  CHECK(genesis.previous_hash == Hash{});
  CHECK(genesis.log_root == kEmptyRoot);

  BlockHeader h = genesis;
  h.height = 1;
  CHECK(failure(verify_at(chain, 0, h, {})) == BlockError::Code::height);
  h = genesis;
  h.previous_hash[31] = 1;
  CHECK(failure(verify_at(chain, 0, h, {})) == BlockError::Code::previous_hash);
  // A genesis block needs an empty log.
  CompactRange non_empty = chain.logs_before[2];
  CHECK(failure(verify_block(nullptr, genesis, {}, non_empty)) == BlockError::Code::log_before);
  CHECK(non_empty.size() == chain.logs_before[2].size());
  CHECK_FALSE(make_block(nullptr, {}, 0, state(0), non_empty, proposer).has_value());
  // Block 1 presented as a genesis block fails on its height.
  CHECK(failure(verify_at(chain, 0, chain.headers[1], chain.entries[1])) ==
        BlockError::Code::height);
}

TEST_CASE("blocks: chain rule violations are named") {
  KeyPair proposer = test_key(2);
  KeyPair signer = test_key(3);
  Chain chain = make_chain(proposer, signer);
  const size_t i = 3;  // three entries
  const BlockHeader& good = chain.headers[i];
  const auto& entries = chain.entries[i];
  REQUIRE(verify_at(chain, i, good, entries).has_value());

  SUBCASE("wrong previous hash") {
    BlockHeader h = good;
    h.previous_hash[0] ^= 1;
    auto r = verify_at(chain, i, h, entries);
    CHECK(failure(r) == BlockError::Code::previous_hash);
    CHECK(r.error().reason == "previous hash is not the hash of block 2");
  }
  SUBCASE("height gap") {
    BlockHeader h = good;
    h.height = 4;
    auto r = verify_at(chain, i, h, entries);
    CHECK(failure(r) == BlockError::Code::height);
    CHECK(r.error().reason == "height 4 does not follow previous height 2");
    // Block 4 directly after block 2.
    CompactRange log = chain.logs_before[4];
    CHECK(failure(verify_block(&chain.headers[2], chain.headers[4], chain.entries[4], log)) ==
          BlockError::Code::height);
  }
  SUBCASE("time going backwards") {
    CompactRange log = chain.logs_before[i];
    auto early = make_block(&chain.headers[i - 1], entries, chain.headers[i - 1].time_ms - 1,
                            state(9), log, proposer);
    CHECK_FALSE(early.has_value());
    CHECK(early.error().code == BlockError::Code::time);
    CHECK(log.size() == chain.logs_before[i].size());
    BlockHeader h = good;
    h.time_ms = chain.headers[i - 1].time_ms - 1;
    CHECK(failure(verify_at(chain, i, h, entries)) == BlockError::Code::time);
    // Equal time is allowed.
    auto same = make_block(&chain.headers[i - 1], entries, chain.headers[i - 1].time_ms,
                           state(9), log, proposer);
    CHECK(same.has_value());
  }
  SUBCASE("wrong entry count") {
    BlockHeader h = good;
    h.entry_count = 2;
    auto r = verify_at(chain, i, h, entries);
    CHECK(failure(r) == BlockError::Code::entry_count);
    CHECK(r.error().reason == "header says 2 entries, block has 3");
  }
  SUBCASE("missing entry") {
    std::vector<Entry> fewer(entries.begin(), entries.end() - 1);
    CHECK(failure(verify_at(chain, i, good, fewer)) == BlockError::Code::entry_count);
    // Even with the count adjusted, the log size and root give it away.
    BlockHeader h = good;
    h.entry_count = 2;
    CHECK(failure(verify_at(chain, i, h, fewer)) == BlockError::Code::log_size);
  }
  SUBCASE("reordered entries") {
    std::vector<Entry> swapped = entries;
    std::swap(swapped[0], swapped[2]);
    auto r = verify_at(chain, i, good, swapped);
    CHECK(failure(r) == BlockError::Code::log_root);
  }
  SUBCASE("wrong log size or root in the header") {
    BlockHeader h = good;
    h.log_size += 1;
    CHECK(failure(verify_at(chain, i, h, entries)) == BlockError::Code::log_size);
    h = good;
    h.log_root[0] ^= 1;
    CHECK(failure(verify_at(chain, i, h, entries)) == BlockError::Code::log_root);
  }
  SUBCASE("state commitment and proposer are signed") {
    BlockHeader h = good;
    h.state_commitment[0] ^= 1;
    CHECK(failure(verify_at(chain, i, h, entries)) == BlockError::Code::signature);
    h = good;
    h.proposer = test_key(9).public_key();
    CHECK(failure(verify_at(chain, i, h, entries)) == BlockError::Code::signature);
  }
  SUBCASE("a log that does not match the previous header") {
    CompactRange log = chain.logs_before[i - 1];
    CHECK(failure(verify_block(&chain.headers[i - 1], good, entries, log)) ==
          BlockError::Code::log_before);
  }
  SUBCASE("an entry whose transaction is not validly signed") {
    auto tx = decode(entries[1].tx);
    REQUIRE(tx.has_value());
    tx->payload.push_back(0);
    std::vector<Entry> forged = entries;
    forged[1].tx = *encode(*tx);
    auto r = verify_at(chain, i, good, forged);
    CHECK(failure(r) == BlockError::Code::entry);
    CHECK(r.error().entry == 1);
  }
}

TEST_CASE("blocks: every single-byte change of a header or entry is detected") {
  KeyPair proposer = test_key(2);
  Chain chain = make_chain(proposer, test_key(3));
  const size_t i = 3;
  const auto header_bytes = encode_header(chain.headers[i]);
  size_t by_decode = 0, by_check = 0;
  for (size_t pos = 0; pos < header_bytes.size(); ++pos) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      auto bytes = header_bytes;
      bytes[pos] ^= mask;
      auto h = decode_header(bytes);
      if (!h) {
        ++by_decode;
        continue;
      }
      CompactRange log = chain.logs_before[i];
      auto r = verify_block(&chain.headers[i - 1], *h, chain.entries[i], log);
      CHECK_MESSAGE(!r.has_value(), "header byte ", pos, " mask ", int(mask));
      CHECK(log.size() == chain.logs_before[i].size());
      ++by_check;
    }
  }
  CHECK(by_decode == 5 * 3);
  CHECK(by_check == (kEncodedHeaderSize - 5) * 3);

  // A change in the signature of block i also breaks block i+1's link.
  auto next_hash = chain.headers[i + 1].previous_hash;
  BlockHeader changed = chain.headers[i];
  changed.signature[10] ^= 1;
  CHECK(header_hash(changed) != next_hash);

  for (size_t e = 0; e < chain.entries[i].size(); ++e) {
    auto leaf = *encode_entry(chain.entries[i][e]);
    for (size_t pos = 0; pos < leaf.size(); ++pos) {
      auto bytes = leaf;
      bytes[pos] ^= 0x01;
      auto decoded = decode_entry(bytes);
      if (!decoded) continue;
      auto entries = chain.entries[i];
      entries[e] = *decoded;
      auto r = verify_at(chain, i, chain.headers[i], entries);
      CHECK_MESSAGE(!r.has_value(), "entry ", e, " byte ", pos);
    }
  }
}

}  // namespace covenant::ledger
