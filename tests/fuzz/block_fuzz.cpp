// libFuzzer target for blocks, receipts, entries and checkpoints. The same arbitrary bytes
// are decoded as a block header, a receipt and an entry: whatever is accepted must re-encode
// to exactly the same bytes (the encodings are canonical) and a rejection must point inside
// the input. They are also read as a checkpoint note under a fixed key: that must never
// crash, and (without the private key) never verify. Violations trap, so libFuzzer (and
// the replay) report them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string_view>

#include "ledger/block.hpp"
#include "ledger/checkpoint.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#define BLOCK_FUZZ_CHECK(cond) COVENANT_FUZZ_CHECK("block_fuzz", cond)

namespace {
using covenant::fuzz::same_bytes;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covenant::ledger;
  std::span<const uint8_t> bytes(data, size);

  auto header = decode_header(bytes);
  if (header) {
    BLOCK_FUZZ_CHECK(same_bytes(encode_header(*header), bytes));
    // A decoded header goes through the chain checks without crashing. As a genesis block
    // with no entries it can only pass if it says so (height 0, no entries, empty log), and
    // the log stays empty either way. (The proposer key is the header's own, so a passing
    // header is not a forgery: which proposers count is the caller's policy.)
    CompactRange log;
    auto verified = verify_block(nullptr, *header, {}, log);
    BLOCK_FUZZ_CHECK(log.size() == 0);
    if (verified) {
      BLOCK_FUZZ_CHECK(header->height == 0 && header->entry_count == 0 &&
                       header->log_size == 0 && header->log_root == kEmptyRoot);
    }
  } else {
    BLOCK_FUZZ_CHECK(header.error().offset <= size && !header.error().reason.empty());
  }

  auto receipt = decode_receipt(bytes);
  if (receipt) {
    auto again = encode_receipt(*receipt);
    BLOCK_FUZZ_CHECK(again.has_value() && same_bytes(*again, bytes));
  } else {
    BLOCK_FUZZ_CHECK(receipt.error().offset <= size && !receipt.error().reason.empty());
  }

  auto entry = decode_entry(bytes);
  if (entry) {
    auto again = encode_entry(*entry);
    BLOCK_FUZZ_CHECK(again.has_value() && same_bytes(*again, bytes));
  } else {
    BLOCK_FUZZ_CHECK(entry.error().offset <= size && !entry.error().reason.empty());
  }

  // The key is fixed and its private half unknown to the fuzzer, so nothing may verify.
  PublicKey key{};
  key.fill(0x5a);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto checkpoint = parse_and_verify_checkpoint(text, "example.com/log", "example.com/log", key);
  BLOCK_FUZZ_CHECK(!checkpoint);
  BLOCK_FUZZ_CHECK(!checkpoint.error().reason.empty());
  return 0;
}
