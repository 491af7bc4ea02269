#include "ledger/ed25519.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <utility>

namespace covenant::ledger {

namespace {

// The oldest queued OpenSSL error as text; clears the queue so that one failure never shows
// up in the message of a later, unrelated one.
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  std::string text = "no OpenSSL error queued";
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    text = buf;
  }
  ERR_clear_error();
  return text;
}

SignatureError internal(const char* what) {
  return {SignatureError::Code::internal, std::string(what) + ": " + openssl_error()};
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

struct PkeyDelete {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

}  // namespace

void KeyPair::PkeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

Expected<KeyPair, SignatureError> KeyPair::from_seed(const Seed& seed) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!key) return unexpected(internal("EVP_PKEY_new_raw_private_key"));
  PublicKey public_key{};
  size_t length = public_key.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &length) != 1 ||
      length != public_key.size()) {
    return unexpected(internal("EVP_PKEY_get_raw_public_key"));
  }
  return KeyPair(std::move(key), public_key);
}

Expected<KeyPair, SignatureError> KeyPair::generate() {
  // Drawing the seed ourselves (rather than EVP_PKEY_keygen) keeps one code path for keys:
  // a generated key is exactly a seeded one, with the seed from the private DRBG.
  Seed seed{};
  if (RAND_priv_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return unexpected(internal("RAND_priv_bytes"));
  }
  auto pair = from_seed(seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return pair;
}

Expected<Signature, SignatureError> KeyPair::sign(std::span<const uint8_t> message) const {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) return unexpected(internal("EVP_MD_CTX_new"));
  // Pure Ed25519 hashes internally (SHA-512 twice over the message), so no digest is named.
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return unexpected(internal("EVP_DigestSignInit"));
  }
  Signature signature{};
  size_t length = signature.size();
  if (EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()) != 1 ||
      length != signature.size()) {
    return unexpected(internal("EVP_DigestSign"));
  }
  return signature;
}

Expected<void, SignatureError> verify(const PublicKey& public_key,
                                      std::span<const uint8_t> message,
                                      const Signature& signature) {
  std::unique_ptr<EVP_PKEY, PkeyDelete> key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  if (!key) {
    return unexpected(SignatureError{SignatureError::Code::bad_key,
                                     "public key rejected: " + openssl_error()});
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) return unexpected(internal("EVP_MD_CTX_new"));
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return unexpected(internal("EVP_DigestVerifyInit"));
  }
  int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                            message.size());
  if (rc == 1) return {};
  // 0 is a signature that does not verify (including a public key that does not decode to a
  // curve point, which OpenSSL only notices here); anything else is an OpenSSL failure.
  if (rc == 0) {
    ERR_clear_error();
    return unexpected(SignatureError{SignatureError::Code::bad_signature,
                                     "signature does not verify"});
  }
  return unexpected(internal("EVP_DigestVerify"));
}

}  // namespace covenant::ledger
