#include "ledger/state_hash.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <cstring>
#include <string>

namespace covenant::ledger {

static_assert(std::endian::native == std::endian::little,
              "state hash lanes are stored and hashed as little-endian u16");

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
  std::array<uint16_t, kStateHashLanes> lanes{};
  // The lanes are little-endian u16 and so is the host: the XOF output is the lanes.
  if (EVP_DigestFinalXOF(shake.ctx, reinterpret_cast<uint8_t*>(lanes.data()), kStateHashBytes) != 1) {
    die("EVP_DigestFinalXOF");
  }
  return lanes;
}

namespace {

// Lane-wise addition or subtraction modulo 2^16, four lanes per 64-bit word: the top bit of
// each lane is handled apart so that no carry or borrow crosses into the next lane. A block
// changes a few keys, each costing two of these over 2 KiB; this keeps them off the profile.
constexpr uint64_t kHighBits = 0x8000800080008000ull;

uint64_t add_lanes(uint64_t a, uint64_t b) {
  return ((a & ~kHighBits) + (b & ~kHighBits)) ^ ((a ^ b) & kHighBits);
}
uint64_t sub_lanes(uint64_t a, uint64_t b) {
  return ((a | kHighBits) - (b & ~kHighBits)) ^ ((a ^ ~b) & kHighBits);
}

template <uint64_t (*op)(uint64_t, uint64_t)>
void combine(std::array<uint16_t, kStateHashLanes>& lanes,
             const std::array<uint16_t, kStateHashLanes>& element) {
  uint64_t a[kStateHashLanes / 4], b[kStateHashLanes / 4];
  std::memcpy(a, lanes.data(), sizeof a);
  std::memcpy(b, element.data(), sizeof b);
  for (size_t i = 0; i < kStateHashLanes / 4; ++i) a[i] = op(a[i], b[i]);
  std::memcpy(lanes.data(), a, sizeof a);
}

}  // namespace

void StateHash::add(std::span<const uint8_t> key, std::span<const uint8_t> value) {
  combine<add_lanes>(lanes_, state_element_hash(key, value));
}

void StateHash::remove(std::span<const uint8_t> key, std::span<const uint8_t> value) {
  combine<sub_lanes>(lanes_, state_element_hash(key, value));
}

std::array<uint8_t, kStateHashBytes> StateHash::bytes() const {
  std::array<uint8_t, kStateHashBytes> out{};
  std::memcpy(out.data(), lanes_.data(), kStateHashBytes);  // little-endian host
  return out;
}

Hash StateHash::commitment() const { return thread_hasher().sha256(bytes()); }

Expected<StateHash, std::string> StateHash::from_bytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != kStateHashBytes) {
    return unexpected("state hash has " + std::to_string(bytes.size()) + " bytes, expected " +
                      std::to_string(kStateHashBytes));
  }
  StateHash h;
  std::memcpy(h.lanes_.data(), bytes.data(), kStateHashBytes);  // little-endian host
  return h;
}

}  // namespace covenant::ledger
