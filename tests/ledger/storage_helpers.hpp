#pragma once
/// \file
/// Helpers for the storage tests: temporary directories, signed note items, and byte-level
/// access to the files of a ledger.

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "ledger/admission.hpp"
#include "ledger/block.hpp"
#include "ledger/ledger.hpp"
#include "ledger/tx.hpp"
#include "tests/ledger/test_key.hpp"

namespace covenant::ledger::testing {

/// The chain id every storage test uses.
inline const std::string kTestChain = "covenant-test";

/// The genesis time of the test ledgers (Unix ms, November 2023); later blocks add to it.
inline constexpr uint64_t kTime = 1'700'000'000'000;

/// A fresh directory under the system's temporary directory, removed with its contents
/// when the object is destroyed.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "covenant-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// A signed note by `key` with `nonce` and `payload`, admitted on `chain`, with an ok
/// receipt carrying `gas` (so that receipts differ).
inline BlockItem note_item(const KeyPair& key, uint64_t nonce, std::vector<uint8_t> payload,
                           const std::string& chain = kTestChain, uint64_t gas = 0) {
  Transaction tx;
  tx.chain_id = chain;
  tx.nonce = nonce;
  tx.kind = TxKind::note;
  tx.payload = std::move(payload);
  REQUIRE(sign_transaction(tx, key).has_value());
  auto bytes = encode(tx);
  REQUIRE(bytes.has_value());
  auto admitted = admit_transaction(*bytes, chain);
  REQUIRE(admitted.has_value());
  Receipt receipt;
  receipt.gas_used = gas;
  return BlockItem{std::move(admitted).value(), receipt};
}

/// The payload of note `i` in the deterministic test ledgers: a few bytes that name it.
inline std::vector<uint8_t> test_payload(uint64_t i, size_t size = 24) {
  std::vector<uint8_t> p(size);
  for (size_t j = 0; j < size; ++j) p[j] = static_cast<uint8_t>(i * 31 + j * 7 + 1);
  return p;
}

/// The error of a failed storage call, described; empty on success (for assertion messages,
/// which doctest may evaluate after a success too).
template <class T>
std::string why(const Expected<T, StorageError>& result) {
  return result.has_value() ? std::string() : result.error().describe();
}

/// The whole contents of a file.
inline std::vector<uint8_t> file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

/// Overwrites `bytes` at `offset` of an existing file.
inline void patch_file(const std::filesystem::path& path, uint64_t offset,
                       const std::vector<uint8_t>& bytes) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  REQUIRE(f.good());
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

/// Every regular file under `dir` with its contents, in path order (to show that a failed
/// operation changed nothing).
inline std::vector<std::pair<std::string, std::vector<uint8_t>>> snapshot(
    const std::filesystem::path& dir) {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(entry.path(), dir).string();
    // LMDB's lock file holds reader slots and process ids: not ledger data.
    if (rel == "state/lock.mdb") continue;
    out.emplace_back(rel, file_bytes(entry.path()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace covenant::ledger::testing
