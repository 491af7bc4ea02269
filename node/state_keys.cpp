#include "node/state_keys.hpp"

#include "ledger/codec.hpp"

namespace covenant::node {

namespace {

void append(std::vector<uint8_t>& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

void put_be(std::vector<uint8_t>& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

uint64_t get_le(std::span<const uint8_t> bytes, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | bytes[at + i];
  return v;
}

constexpr size_t kDeploymentSize = 8 + 32 + 32 + 8;
// Room for the contract key that usually follows a state prefix.
constexpr size_t runtime_key_room = 64;

}  // namespace

std::vector<uint8_t> deployment_prefix(std::string_view name) {
  // Sized once and filled in place (GCC 12's -Wstringop-overflow misfires on growing it).
  static constexpr std::string_view kPrefix = "deploy/";
  std::vector<uint8_t> key(kPrefix.size() + name.size() + 1, 0);
  std::copy(kPrefix.begin(), kPrefix.end(), key.begin());
  std::copy(name.begin(), name.end(), key.begin() + static_cast<ptrdiff_t>(kPrefix.size()));
  return key;
}

std::vector<uint8_t> deployment_key(std::string_view name, uint32_t version) {
  std::vector<uint8_t> key = deployment_prefix(name);
  put_be(key, version, 4);
  return key;
}

std::vector<uint8_t> module_key(const ledger::Hash& module_id) {
  std::vector<uint8_t> key;
  key.reserve(7 + module_id.size());
  append(key, "module/");
  key.insert(key.end(), module_id.begin(), module_id.end());
  return key;
}

std::vector<uint8_t> deployment_count_key() {
  static constexpr std::string_view kKey = "meta/deployments";
  return std::vector<uint8_t>(kKey.begin(), kKey.end());
}

std::vector<uint8_t> contract_state_prefix(uint64_t deployment, uint32_t state) {
  std::vector<uint8_t> key;
  key.reserve(3 + 8 + 4 + runtime_key_room);
  append(key, "cs/");
  put_be(key, deployment, 8);
  put_be(key, state, 4);
  return key;
}

std::vector<uint8_t> encode_deployment(const Deployment& d) {
  std::vector<uint8_t> out;
  out.reserve(kDeploymentSize);
  ledger::put_u64(out, d.number);
  out.insert(out.end(), d.module_id.begin(), d.module_id.end());
  out.insert(out.end(), d.deployer.begin(), d.deployer.end());
  ledger::put_u64(out, d.height);
  return out;
}

std::optional<Deployment> decode_deployment(std::string_view name, uint32_t version,
                                            std::span<const uint8_t> value) {
  if (value.size() != kDeploymentSize) return std::nullopt;
  Deployment d;
  d.name = std::string(name);
  d.version = version;
  d.number = get_le(value, 0);
  std::copy(value.begin() + 8, value.begin() + 40, d.module_id.begin());
  std::copy(value.begin() + 40, value.begin() + 72, d.deployer.begin());
  d.height = get_le(value, 72);
  return d;
}

}  // namespace covenant::node
