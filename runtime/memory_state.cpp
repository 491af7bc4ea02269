#include "runtime/memory_state.hpp"

#include <algorithm>

namespace covenant::runtime {

bool MemoryState::Less::less(uint32_t sa, std::span<const uint8_t> a, uint32_t sb,
                             std::span<const uint8_t> b) {
  if (sa != sb) return sa < sb;
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

std::optional<std::span<const uint8_t>> MemoryState::get(uint32_t state,
                                                         std::span<const uint8_t> key) const {
  auto it = entries_.find(KeyView{state, key});
  if (it == entries_.end()) return std::nullopt;
  return std::span<const uint8_t>(it->second);
}

bool MemoryState::has(uint32_t state, std::span<const uint8_t> key) const {
  return entries_.find(KeyView{state, key}) != entries_.end();
}

void MemoryState::put(uint32_t state, std::span<const uint8_t> key,
                      std::span<const uint8_t> value) {
  auto it = entries_.find(KeyView{state, key});
  if (it == entries_.end()) {
    Key k{state, std::vector<uint8_t>(key.begin(), key.end())};
    undo_.push_back(Undo{k, std::nullopt});
    entries_.emplace(std::move(k), std::vector<uint8_t>(value.begin(), value.end()));
    return;
  }
  undo_.push_back(Undo{it->first, std::move(it->second)});
  it->second.assign(value.begin(), value.end());
}

bool MemoryState::remove(uint32_t state, std::span<const uint8_t> key) {
  auto it = entries_.find(KeyView{state, key});
  if (it == entries_.end()) return false;  // no change, nothing to undo
  undo_.push_back(Undo{it->first, std::move(it->second)});
  entries_.erase(it);
  return true;
}

std::optional<std::vector<uint8_t>> MemoryState::next(
    uint32_t state, std::optional<std::span<const uint8_t>> after) {
  auto it = after ? entries_.upper_bound(KeyView{state, *after})
                  : entries_.lower_bound(KeyView{state, {}});
  if (it == entries_.end() || it->first.first != state) return std::nullopt;
  return it->first.second;
}

void MemoryState::rollback(uint64_t mark) {
  if (!can_rollback(mark)) return;
  while (checkpoint() > mark) {
    Undo& u = undo_.back();
    if (u.before) {
      entries_.insert_or_assign(std::move(u.key), std::move(*u.before));
    } else {
      entries_.erase(u.key);
    }
    undo_.pop_back();
  }
}

void MemoryState::commit() {
  base_ += undo_.size();
  undo_.clear();
}

std::vector<StateEntry> MemoryState::dump() const {
  std::vector<StateEntry> out;
  out.reserve(entries_.size());
  for (const auto& [key, value] : entries_) out.push_back(StateEntry{key.first, key.second, value});
  return out;
}

}  // namespace covenant::runtime
