#include "ledger/state.hpp"

namespace covenant::ledger {

void apply_delta(StateHash& hash, const StateDelta& delta) {
  for (const auto& [key, change] : delta) {
    if (change.before) hash.remove(key, *change.before);
    if (change.after) hash.add(key, *change.after);
  }
}

Expected<std::optional<std::vector<uint8_t>>, StorageError> MemoryState::get(
    std::span<const uint8_t> key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::optional<std::vector<uint8_t>>();
  return std::optional<std::vector<uint8_t>>(it->second);
}

Expected<std::optional<StatePair>, StorageError> MemoryState::seek(
    std::span<const uint8_t> key) const {
  auto it = entries_.lower_bound(key);
  if (it == entries_.end()) return std::optional<StatePair>();
  return std::optional<StatePair>(StatePair{it->first, it->second});
}

void MemoryState::apply(const StateDelta& delta) {
  for (const auto& [key, change] : delta) {
    if (change.after) {
      entries_[key] = *change.after;
    } else {
      entries_.erase(key);
    }
  }
}

StateHash MemoryState::hash() const {
  StateHash h;
  for (const auto& [key, value] : entries_) h.add(key, value);
  return h;
}

}  // namespace covenant::ledger
