#include "node/block_state.hpp"

#include <algorithm>

#include "ledger/codec.hpp"

namespace covenant::node {

namespace {

bool starts_with(std::span<const uint8_t> bytes, std::span<const uint8_t> prefix) {
  return bytes.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

// The least key after `key` in byte order.
std::vector<uint8_t> successor(std::span<const uint8_t> key) {
  std::vector<uint8_t> next(key.begin(), key.end());
  next.push_back(0);
  return next;
}

}  // namespace

std::optional<std::vector<uint8_t>> BlockState::get(std::span<const uint8_t> key) {
  if (auto it = overlay_.find(key); it != overlay_.end()) return it->second;
  auto value = base_.get(key);
  if (!value) {
    if (!error_) error_ = value.error();
    return std::nullopt;
  }
  return std::move(value).value();
}

std::optional<ledger::StatePair> BlockState::base_seek(std::span<const uint8_t> key) {
  auto found = base_.seek(key);
  if (!found) {
    if (!error_) error_ = found.error();
    return std::nullopt;
  }
  return std::move(found).value();
}

std::optional<ledger::StatePair> BlockState::seek(std::span<const uint8_t> key,
                                                  std::span<const uint8_t> prefix) {
  // The base's next key that the block has not removed, then the overlay's next key that
  // holds a value: the smaller of the two.
  std::optional<ledger::StatePair> from_base = base_seek(key);
  while (from_base && starts_with(from_base->key, prefix)) {
    auto it = overlay_.find(from_base->key);
    if (it == overlay_.end() || it->second) break;
    from_base = base_seek(successor(from_base->key));
  }
  if (from_base && !starts_with(from_base->key, prefix)) from_base.reset();
  auto it = overlay_.lower_bound(key);
  while (it != overlay_.end() && !it->second && starts_with(it->first, prefix)) ++it;
  std::optional<ledger::StatePair> from_overlay;
  if (it != overlay_.end() && it->second && starts_with(it->first, prefix))
    from_overlay = ledger::StatePair{it->first, *it->second};
  if (!from_base) return from_overlay;
  if (!from_overlay) {
    // A base key the overlay rewrote shows its new value.
    if (auto o = overlay_.find(from_base->key); o != overlay_.end()) from_base->value = *o->second;
    return from_base;
  }
  if (ledger::ByteOrder{}(from_base->key, from_overlay->key)) return from_base;
  return from_overlay;
}

void BlockState::set(std::span<const uint8_t> key, std::optional<std::span<const uint8_t>> value) {
  Value next;
  if (value) next.emplace(value->begin(), value->end());
  auto it = overlay_.find(key);
  if (it == overlay_.end()) {
    journal_.push_back(Undo{{key.begin(), key.end()}, std::nullopt});
    overlay_.emplace(std::vector<uint8_t>(key.begin(), key.end()), std::move(next));
    return;
  }
  journal_.push_back(Undo{it->first, std::move(it->second)});
  it->second = std::move(next);
}

void BlockState::rollback(uint64_t mark) {
  while (journal_.size() > mark) {
    Undo& u = journal_.back();
    if (u.before) {
      overlay_.insert_or_assign(std::move(u.key), std::move(*u.before));
    } else {
      overlay_.erase(u.key);
    }
    journal_.pop_back();
  }
}

std::vector<std::pair<std::vector<uint8_t>, std::optional<std::vector<uint8_t>>>>
BlockState::written_since(uint64_t mark) const {
  std::set<std::vector<uint8_t>, ledger::ByteOrder> keys;
  for (size_t i = mark; i < journal_.size(); ++i) keys.insert(journal_[i].key);
  std::vector<std::pair<std::vector<uint8_t>, std::optional<std::vector<uint8_t>>>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) out.emplace_back(key, overlay_.at(key));
  return out;
}

Expected<ledger::StateDelta, ledger::StorageError> BlockState::delta() const {
  ledger::StateDelta delta;
  for (const auto& [key, after] : overlay_) {
    auto before = base_.get(key);
    if (!before) return unexpected(before.error());
    if (*before == after) continue;  // written, then restored: no change
    delta.emplace(key, ledger::StateChange{std::move(before).value(), after});
  }
  return delta;
}

ledger::Hash write_set_hash(
    const std::vector<std::pair<std::vector<uint8_t>, std::optional<std::vector<uint8_t>>>>& writes) {
  if (writes.empty()) return ledger::Hash{};
  std::vector<uint8_t> bytes;
  for (const auto& [key, value] : writes) {
    ledger::put_u32(bytes, static_cast<uint32_t>(key.size()));
    bytes.insert(bytes.end(), key.begin(), key.end());
    bytes.push_back(value ? 1 : 0);
    if (value) {
      ledger::put_u32(bytes, static_cast<uint32_t>(value->size()));
      bytes.insert(bytes.end(), value->begin(), value->end());
    }
  }
  return ledger::thread_hasher().sha256(bytes);
}

ledger::Hash read_set_hash(const KeySet& keys) {
  if (keys.empty()) return ledger::Hash{};
  std::vector<uint8_t> bytes;
  for (const auto& key : keys) {
    ledger::put_u32(bytes, static_cast<uint32_t>(key.size()));
    bytes.insert(bytes.end(), key.begin(), key.end());
  }
  return ledger::thread_hasher().sha256(bytes);
}

}  // namespace covenant::node
