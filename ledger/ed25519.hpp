#pragma once
/// \file
/// Ed25519 signatures (RFC 8032, pure Ed25519 without context or pre-hash) through OpenSSL 3
/// (EVP_PKEY_ED25519). The private key never leaves the OpenSSL key object; callers see only
/// the 32-byte public key and 64-byte signatures. Every OpenSSL object is owned by RAII, and
/// every failure is returned as a value.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "vm/expected.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace covenant::ledger {

/// An Ed25519 public key: the 32-byte compressed point A of RFC 8032 §5.1.5.
using PublicKey = std::array<uint8_t, 32>;

/// An Ed25519 secret seed: the 32 random bytes k of RFC 8032 §5.1.5 from which the signing
/// scalar and prefix are derived. Only for tests and deterministic key derivation.
using Seed = std::array<uint8_t, 32>;

/// An Ed25519 signature: R (32 bytes) || S (32 bytes, little-endian), RFC 8032 §5.1.6.
using Signature = std::array<uint8_t, 64>;

/// Why a key could not be made, a message not signed or a signature not accepted.
struct SignatureError {
  /// What went wrong, so that callers can tell a forged or damaged signature from a broken
  /// installation.
  enum class Code {
    bad_signature,  ///< the signature does not verify for this key and message
    bad_key,        ///< OpenSSL refused the public key bytes
    internal,       ///< OpenSSL failed (allocation, RNG, missing provider)
  };
  /// Which of the above.
  Code code = Code::internal;
  /// One line, no trailing period; includes OpenSSL's error text for `internal`.
  std::string reason;
};

/// An Ed25519 key pair held in an OpenSSL key object. Move-only; the key object is freed
/// (and OpenSSL wipes the private key) when the pair is destroyed.
class KeyPair {
 public:
  /// A fresh key pair from OpenSSL's private RNG (RAND_priv_bytes). Fails with `internal`
  /// if the RNG or key creation fails.
  static Expected<KeyPair, SignatureError> generate();

  /// The key pair whose RFC 8032 secret key is `seed` (deterministic: the same seed always
  /// gives the same public key and signatures). For tests and the RFC 8032 vectors. Fails
  /// with `internal` if OpenSSL cannot create the key.
  static Expected<KeyPair, SignatureError> from_seed(const Seed& seed);

  /// Move-only: exactly one owner of the OpenSSL key object (a moved-from pair can only be
  /// destroyed or assigned to).
  KeyPair(KeyPair&&) noexcept = default;
  KeyPair& operator=(KeyPair&&) noexcept = default;
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  ~KeyPair() = default;

  /// The 32-byte public key.
  const PublicKey& public_key() const { return public_key_; }

  /// The Ed25519 signature of `message` (any length, including zero). Ed25519 is
  /// deterministic: the same key and message always give the same signature. Fails with
  /// `internal` only if OpenSSL fails.
  Expected<Signature, SignatureError> sign(std::span<const uint8_t> message) const;

 private:
  /// Frees an EVP_PKEY; defined in ed25519.cpp so that this header needs no OpenSSL header.
  struct PkeyFree {
    void operator()(EVP_PKEY* key) const;
  };
  KeyPair(std::unique_ptr<EVP_PKEY, PkeyFree> key, const PublicKey& public_key)
      : key_(std::move(key)), public_key_(public_key) {}

  std::unique_ptr<EVP_PKEY, PkeyFree> key_;
  PublicKey public_key_{};
};

/// Success if `signature` is a valid Ed25519 signature of `message` under `public_key`
/// (RFC 8032 §5.1.7, as OpenSSL implements it: S must be reduced below the group order).
/// Fails with `bad_signature` if it does not verify, `bad_key` if OpenSSL rejects the key
/// bytes, `internal` on an OpenSSL failure.
Expected<void, SignatureError> verify(const PublicKey& public_key,
                                      std::span<const uint8_t> message,
                                      const Signature& signature);

}  // namespace covenant::ledger
