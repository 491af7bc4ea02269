#include "consent/pseudonym.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ledger/file_io.hpp"
#include "vm/hex.hpp"

namespace covenant::consent {

namespace {

constexpr std::string_view kPatientTag = "covenant/patient";
constexpr std::string_view kPartyTag = "covenant/party";

}  // namespace

Pseudonym Pseudonymizer::of(Subject subject, std::string_view id) const {
  const std::string_view tag = subject == Subject::patient ? kPatientTag : kPartyTag;
  std::vector<uint8_t> message;
  message.reserve(tag.size() + 1 + id.size());
  message.insert(message.end(), tag.begin(), tag.end());
  message.push_back(0);
  message.insert(message.end(), id.begin(), id.end());
  Pseudonym out{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), message.data(),
           message.size(), out.data(), &length) == nullptr ||
      length != out.size()) {
    std::fputs("covenant: OpenSSL could not compute HMAC-SHA256\n", stderr);
    std::abort();
  }
  return out;
}

std::filesystem::path secret_path(const std::filesystem::path& node_dir) {
  return node_dir / "pseudonym.key";
}

Expected<Pseudonymizer, std::string> open_secret(const std::filesystem::path& path) {
  std::array<uint8_t, kSecretSize> secret{};
  auto bytes = ledger::read_whole_file(path, kSecretSize + 1);
  if (bytes) {
    if (bytes->size() != kSecretSize) {
      return unexpected(path.string() + ": a pseudonym secret is 32 bytes, this file has " +
                        std::to_string(bytes->size()));
    }
    std::copy(bytes->begin(), bytes->end(), secret.begin());
    return Pseudonymizer(secret);
  }
  if (bytes.error().code != ledger::StorageError::Code::not_found)
    return unexpected(bytes.error().describe());
  if (RAND_priv_bytes(secret.data(), static_cast<int>(secret.size())) != 1)
    return unexpected(path.string() + ": OpenSSL could not provide random bytes for the secret");
  if (auto ok = ledger::write_file_durably(path, secret, 0600); !ok)
    return unexpected(ok.error().describe());
  return Pseudonymizer(secret);
}

Pseudonym pseudonym_or_hex(const Pseudonymizer& p, Subject subject, std::string_view text) {
  if (text.size() == 64) {
    Pseudonym out{};
    bool hex = true;
    for (size_t i = 0; i < 32 && hex; ++i) {
      const int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
      if (hi < 0 || lo < 0) hex = false;
      else out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    if (hex) return out;
  }
  return p.of(subject, text);
}

}  // namespace covenant::consent
