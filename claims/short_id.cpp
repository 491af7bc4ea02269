#include "claims/short_id.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace covenant::claims {

std::string short_id(std::string_view id) {
  if (id.size() <= kShortIdMax) return std::string(id);
  std::array<uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  // SHA-256 is the project's hash everywhere (vm/module.cpp, ledger/hasher.hpp). EVP_Digest
  // fails only when OpenSSL cannot allocate; the field must still fit, so the identifier's
  // last 16 characters stand in (the unique part of a UUID or a reference's tail).
  if (EVP_Digest(id.data(), id.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length < kShortIdMax / 2)
    return std::string(id.substr(id.size() - kShortIdMax));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < kShortIdMax / 2; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace covenant::claims
