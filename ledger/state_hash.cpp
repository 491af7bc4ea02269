#include "ledger/state_hash.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace covenant::ledger {

namespace {

[[noreturn]] void die(const char* what) {
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  std::fprintf(stderr, "covenant: SHAKE128 failed in %s (%s); broken OpenSSL installation?\n",
               what, buf);
  std::abort();
}

// As for SHA-256 in hasher.cpp: fetch the implementation once, and keep one context per
// thread re-initialised for every element (state hashes are computed on several threads
// only by tests, but nothing here may be shared unsynchronised).
struct ShakeContext {
  ShakeContext() {
    static EVP_MD* shake128 = EVP_MD_fetch(nullptr, "SHAKE128", nullptr);
    if (shake128 == nullptr) die("EVP_MD_fetch");
    md = shake128;
    ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) die("EVP_MD_CTX_new");
  }
  ~ShakeContext() { EVP_MD_CTX_free(ctx); }
  ShakeContext(const ShakeContext&) = delete;
  ShakeContext& operator=(const ShakeContext&) = delete;

  const EVP_MD* md = nullptr;
  EVP_MD_CTX* ctx = nullptr;
};

void update(EVP_MD_CTX* ctx, const void* data, size_t size) {
  if (EVP_DigestUpdate(ctx, data, size) != 1) die("EVP_DigestUpdate");
}

void update_length(EVP_MD_CTX* ctx, size_t length) {
  uint8_t le[4];
  for (int i = 0; i < 4; ++i) le[i] = static_cast<uint8_t>(length >> (8 * i));
  update(ctx, le, sizeof le);
}

}  // namespace

std::array<uint16_t, kStateHashLanes> state_element_hash(std::span<const uint8_t> key,
                                                         std::span<const uint8_t> value) {
  thread_local ShakeContext shake;
  if (EVP_DigestInit_ex2(shake.ctx, shake.md, nullptr) != 1) die("EVP_DigestInit_ex2");
  update(shake.ctx, kStateElementDomain.data(), kStateElementDomain.size());
  update_length(shake.ctx, key.size());
  update(shake.ctx, key.data(), key.size());
  update_length(shake.ctx, value.size());
  update(shake.ctx, value.data(), value.size());
  std::array<uint8_t, kStateHashBytes> out{};
  if (EVP_DigestFinalXOF(shake.ctx, out.data(), out.size()) != 1) die("EVP_DigestFinalXOF");
  std::array<uint16_t, kStateHashLanes> lanes{};
  for (size_t i = 0; i < kStateHashLanes; ++i) {
    lanes[i] = static_cast<uint16_t>(out[2 * i] | (out[2 * i + 1] << 8));
  }
  return lanes;
}

void StateHash::add(std::span<const uint8_t> key, std::span<const uint8_t> value) {
  auto element = state_element_hash(key, value);
  for (size_t i = 0; i < kStateHashLanes; ++i) lanes_[i] = static_cast<uint16_t>(lanes_[i] + element[i]);
}

void StateHash::remove(std::span<const uint8_t> key, std::span<const uint8_t> value) {
  auto element = state_element_hash(key, value);
  for (size_t i = 0; i < kStateHashLanes; ++i) lanes_[i] = static_cast<uint16_t>(lanes_[i] - element[i]);
}

std::array<uint8_t, kStateHashBytes> StateHash::bytes() const {
  std::array<uint8_t, kStateHashBytes> out{};
  for (size_t i = 0; i < kStateHashLanes; ++i) {
    out[2 * i] = static_cast<uint8_t>(lanes_[i]);
    out[2 * i + 1] = static_cast<uint8_t>(lanes_[i] >> 8);
  }
  return out;
}

Hash StateHash::commitment() const { return thread_hasher().sha256(bytes()); }

Expected<StateHash, std::string> StateHash::from_bytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != kStateHashBytes) {
    return unexpected("state hash has " + std::to_string(bytes.size()) + " bytes, expected " +
                      std::to_string(kStateHashBytes));
  }
  StateHash h;
  for (size_t i = 0; i < kStateHashLanes; ++i) {
    h.lanes_[i] = static_cast<uint16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
  }
  return h;
}

}  // namespace covenant::ledger
