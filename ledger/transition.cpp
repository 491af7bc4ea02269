#include "ledger/transition.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "ledger/codec.hpp"
#include "ledger/tx.hpp"

namespace covenant::ledger {

std::vector<uint8_t> nonce_key(const PublicKey& signer) {
  std::vector<uint8_t> key;
  key.reserve(kNonceKeyPrefix.size() + signer.size());
  key.insert(key.end(), kNonceKeyPrefix.begin(), kNonceKeyPrefix.end());
  key.insert(key.end(), signer.begin(), signer.end());
  return key;
}

namespace {

std::vector<uint8_t> nonce_value(uint64_t next) {
  std::vector<uint8_t> v;
  put_u64(v, next);
  return v;
}

}  // namespace

namespace {

// The stored next nonce of `signer`, or nullopt if the state has no key for it.
Expected<std::optional<uint64_t>, StorageError> read_nonce(const StateReader& state,
                                                           const PublicKey& signer) {
  auto value = state.get(nonce_key(signer));
  if (!value) return unexpected(std::move(value).error());
  if (!*value) return std::optional<uint64_t>();
  const std::vector<uint8_t>& bytes = **value;
  if (bytes.size() != 8) {
    return unexpected(StorageError::of(StorageError::Code::corrupt,
                                       "stored nonce has " + std::to_string(bytes.size()) +
                                           " bytes, expected 8"));
  }
  ByteReader r(bytes);
  return std::optional<uint64_t>(r.take_le(8, "nonce").value());
}

}  // namespace

Expected<uint64_t, StorageError> stored_next_nonce(const StateReader& state,
                                                   const PublicKey& signer) {
  auto stored = read_nonce(state, signer);
  if (!stored) return unexpected(std::move(stored).error());
  return stored->value_or(0);
}

Expected<StateDelta, StorageError> nonce_transition(const StateReader& state,
                                                    std::span<const NonceUse> uses) {
  // Read each signer's stored nonce once, then run the block through a book that starts
  // from them: the book holds the block's view, the state is untouched until commit.
  std::map<PublicKey, std::optional<uint64_t>> stored;
  std::map<PublicKey, uint64_t> start;
  for (const NonceUse& use : uses) {
    if (stored.contains(use.signer)) continue;
    auto next = read_nonce(state, use.signer);
    if (!next) return unexpected(std::move(next).error());
    stored.emplace(use.signer, *next);
    start.emplace(use.signer, next->value_or(0));
  }
  NonceBook book(start);
  for (size_t i = 0; i < uses.size(); ++i) {
    if (auto ok = book.accept(uses[i].signer, uses[i].nonce); !ok) {
      return unexpected(StorageError::of(StorageError::Code::rejected, ok.error().reason)
                            .at(StorageError::kNone, i));
    }
  }
  StateDelta delta;
  for (const auto& [signer, next] : book.next_nonces()) {
    if (next == start.at(signer)) continue;
    StateChange change;
    if (const auto& before = stored.at(signer)) change.before = nonce_value(*before);
    change.after = nonce_value(next);
    delta.emplace(nonce_key(signer), std::move(change));
  }
  return delta;
}

Expected<void, StorageError> merge_executed(StateDelta& nonces, const StateDelta& executed) {
  const std::span<const uint8_t> prefix(reinterpret_cast<const uint8_t*>(kNonceKeyPrefix.data()),
                                        kNonceKeyPrefix.size());
  for (const auto& [key, change] : executed) {
    if (key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin())) {
      return unexpected(StorageError::of(StorageError::Code::internal,
                                         "the executor wrote a nonce key"));
    }
  }
  for (const auto& [key, change] : executed) nonces.insert_or_assign(key, change);
  return {};
}

}  // namespace covenant::ledger
