#include "ledger/hasher.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace covenant::ledger {

const Hash kEmptyRoot = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                         0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                         0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

namespace {

// The last OpenSSL error as text, for messages.
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "no OpenSSL error queued";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "covenant: SHA-256 failed in %s (%s); broken OpenSSL installation?\n",
               what, openssl_error().c_str());
  std::abort();
}

// Fetched once per process: fetching walks the provider tables and takes locks, which is
// most of the cost of a one-shot EVP_Digest on short inputs. Never freed (process lifetime).
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

const uint8_t kLeafPrefix[1] = {0x00};
const uint8_t kNodePrefix[1] = {0x01};

}  // namespace

Expected<Hasher, HashError> Hasher::create() {
  if (sha256_md() == nullptr) {
    return unexpected(HashError{"OpenSSL cannot fetch SHA256: " + openssl_error()});
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) {
    return unexpected(HashError{"EVP_MD_CTX_new failed: " + openssl_error()});
  }
  return Hasher(ctx);
}

Hasher Hasher::create_or_abort() {
  auto h = create();
  if (!h) {
    std::fprintf(stderr, "covenant: %s\n", h.error().reason.c_str());
    std::abort();
  }
  return std::move(h).value();
}

Hasher::Hasher(Hasher&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}

Hasher& Hasher::operator=(Hasher&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

Hasher::~Hasher() { EVP_MD_CTX_free(ctx_); }

Hash Hasher::digest(std::span<const uint8_t> a, std::span<const uint8_t> b,
                    std::span<const uint8_t> c) {
  // EVP_DigestInit_ex2 on a context that already holds this digest reuses its state buffer:
  // no allocation per hash. A moved-from hasher has no context; using it is a bug.
  if (ctx_ == nullptr) die("a moved-from Hasher");
  if (EVP_DigestInit_ex2(ctx_, sha256_md(), nullptr) != 1) die("EVP_DigestInit_ex2");
  for (auto part : {a, b, c}) {
    if (!part.empty() && EVP_DigestUpdate(ctx_, part.data(), part.size()) != 1) {
      die("EVP_DigestUpdate");
    }
  }
  Hash out;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != out.size()) {
    die("EVP_DigestFinal_ex");
  }
  return out;
}

Hash Hasher::sha256(std::span<const uint8_t> data) { return digest(data); }

Hash Hasher::sha256(std::span<const uint8_t> first, std::span<const uint8_t> second) {
  return digest(first, second);
}

Hash Hasher::empty_root() { return digest({}); }

Hash Hasher::hash_leaf(std::span<const uint8_t> data) { return digest(kLeafPrefix, data); }

Hash Hasher::hash_children(const Hash& left, const Hash& right) {
  return digest(kNodePrefix, left, right);
}

Hasher& thread_hasher() {
  thread_local Hasher hasher = Hasher::create_or_abort();
  return hasher;
}

}  // namespace covenant::ledger
