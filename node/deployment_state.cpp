#include "node/deployment_state.hpp"

#include "node/state_keys.hpp"

namespace covenant::node {

std::vector<uint8_t> DeploymentState::key_of(uint32_t state, std::span<const uint8_t> key) const {
  std::vector<uint8_t> full = contract_state_prefix(deployment_, state);
  full.insert(full.end(), key.begin(), key.end());
  return full;
}

std::optional<std::span<const uint8_t>> DeploymentState::get(uint32_t state,
                                                             std::span<const uint8_t> key) {
  auto value = block_.get(key_of(state, key));
  if (!value) return std::nullopt;
  last_ = std::move(*value);
  return std::span<const uint8_t>(last_);
}

bool DeploymentState::has(uint32_t state, std::span<const uint8_t> key) {
  return block_.get(key_of(state, key)).has_value();
}

void DeploymentState::put(uint32_t state, std::span<const uint8_t> key,
                          std::span<const uint8_t> value) {
  block_.set(key_of(state, key), value);
}

bool DeploymentState::remove(uint32_t state, std::span<const uint8_t> key) {
  const std::vector<uint8_t> full = key_of(state, key);
  if (!block_.get(full)) return false;
  block_.set(full, std::nullopt);
  return true;
}

std::optional<std::vector<uint8_t>> DeploymentState::next(
    uint32_t state, std::optional<std::span<const uint8_t>> after) {
  const std::vector<uint8_t> prefix = contract_state_prefix(deployment_, state);
  std::vector<uint8_t> from = prefix;
  if (after) {
    from.insert(from.end(), after->begin(), after->end());
    from.push_back(0);  // the least key after `after`
  }
  auto found = block_.seek(from, prefix);
  if (!found) return std::nullopt;
  return std::vector<uint8_t>(found->key.begin() + static_cast<ptrdiff_t>(prefix.size()),
                              found->key.end());
}

}  // namespace covenant::node
