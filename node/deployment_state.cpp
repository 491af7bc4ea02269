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
  std::vector<uint8_t> full = key_of(state, key);
  auto value = block_.get(full);
  reads_.insert(std::move(full));
  if (!value) return std::nullopt;
  last_ = std::move(*value);
  return std::span<const uint8_t>(last_);
}

bool DeploymentState::has(uint32_t state, std::span<const uint8_t> key) {
  std::vector<uint8_t> full = key_of(state, key);
  const bool present = block_.get(full).has_value();
  reads_.insert(std::move(full));
  return present;
}

void DeploymentState::put(uint32_t state, std::span<const uint8_t> key,
                          std::span<const uint8_t> value) {
  block_.set(key_of(state, key), value);
}

bool DeploymentState::remove(uint32_t state, std::span<const uint8_t> key) {
  std::vector<uint8_t> full = key_of(state, key);
  const bool present = block_.get(full).has_value();
  if (present) block_.set(full, std::nullopt);
  reads_.insert(std::move(full));
  return present;
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
  reads_.insert(found->key);
  return std::vector<uint8_t>(found->key.begin() + static_cast<ptrdiff_t>(prefix.size()),
                              found->key.end());
}

}  // namespace covenant::node
