#include "ledger/tx.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace covenant::ledger {

namespace {

bool printable_ascii(char c) { return c >= 0x21 && c <= 0x7e; }

// Everything but the signature, i.e. the encoding minus its last 64 bytes. Shared by
// `encode` and `signing_message` so that what is signed cannot drift from what is stored.
Expected<std::vector<uint8_t>, TxError> encode_body(const Transaction& tx, size_t prefix_room,
                                                    size_t suffix_room) {
  if (auto ok = validate_fields(tx); !ok) return unexpected(ok.error());
  std::vector<uint8_t> out;
  out.reserve(prefix_room + kMinEncodedTxSize - 1 + tx.chain_id.size() + tx.payload.size() +
              suffix_room);
  out.insert(out.end(), std::begin(kTxMagic), std::end(kTxMagic));
  out.push_back(kTxVersion);
  out.push_back(static_cast<uint8_t>(tx.chain_id.size()));
  out.insert(out.end(), tx.chain_id.begin(), tx.chain_id.end());
  out.insert(out.end(), tx.signer.begin(), tx.signer.end());
  put_u64(out, tx.nonce);
  put_u16(out, static_cast<uint16_t>(tx.kind));
  put_u32(out, static_cast<uint32_t>(tx.payload.size()));
  out.insert(out.end(), tx.payload.begin(), tx.payload.end());
  return out;
}

DecodeError fail_at(size_t offset, std::string reason) { return {offset, std::move(reason)}; }

}  // namespace

bool is_known_kind(uint16_t value) {
  return value >= static_cast<uint16_t>(TxKind::note) &&
         value <= static_cast<uint16_t>(TxKind::seal);
}

std::string_view kind_name(TxKind kind) {
  switch (kind) {
    case TxKind::note: return "note";
    case TxKind::deploy: return "deploy";
    case TxKind::invoke: return "invoke";
    case TxKind::consent: return "consent";
    case TxKind::seal: return "seal";
  }
  return "unknown";
}

bool valid_chain_id(std::string_view chain_id) {
  return !chain_id.empty() && chain_id.size() <= kMaxChainIdLength &&
         std::all_of(chain_id.begin(), chain_id.end(), printable_ascii);
}

Expected<void, TxError> validate_fields(const Transaction& tx) {
  auto invalid = [](std::string reason) {
    return unexpected(TxError{TxError::Code::invalid_field, std::move(reason)});
  };
  if (tx.chain_id.empty()) return invalid("chain id is empty");
  if (tx.chain_id.size() > kMaxChainIdLength) {
    return invalid("chain id has " + std::to_string(tx.chain_id.size()) +
                   " bytes, maximum " + std::to_string(kMaxChainIdLength));
  }
  if (!std::all_of(tx.chain_id.begin(), tx.chain_id.end(), printable_ascii)) {
    return invalid("chain id has a byte outside printable ASCII 0x21-0x7e");
  }
  if (!is_known_kind(static_cast<uint16_t>(tx.kind))) {
    return invalid("unknown kind " + std::to_string(static_cast<uint16_t>(tx.kind)));
  }
  if (tx.payload.size() > kMaxPayloadSize) {
    return invalid("payload has " + std::to_string(tx.payload.size()) + " bytes, maximum " +
                   std::to_string(kMaxPayloadSize));
  }
  return {};
}

Expected<std::vector<uint8_t>, TxError> encode(const Transaction& tx) {
  auto out = encode_body(tx, 0, tx.signature.size());
  if (!out) return out;
  out->insert(out->end(), tx.signature.begin(), tx.signature.end());
  return out;
}

Expected<Transaction, DecodeError> decode(std::span<const uint8_t> bytes) {
  ByteReader r(bytes);
  Transaction tx;

  size_t at = r.offset();
  auto magic = r.take(sizeof kTxMagic, "magic");
  if (!magic) return unexpected(std::move(magic).error());
  if (!std::equal(magic->begin(), magic->end(), std::begin(kTxMagic))) {
    return unexpected(fail_at(at, "bad magic, expected \"CVTX\""));
  }

  at = r.offset();
  auto version = r.take_le(1, "version");
  if (!version) return unexpected(std::move(version).error());
  if (*version != kTxVersion) {
    return unexpected(fail_at(at, "unsupported version " + std::to_string(*version) +
                                      ", expected " + std::to_string(kTxVersion)));
  }

  at = r.offset();
  auto chain_length = r.take_le(1, "chain id length");
  if (!chain_length) return unexpected(std::move(chain_length).error());
  if (*chain_length == 0) return unexpected(fail_at(at, "chain id is empty"));
  if (*chain_length > kMaxChainIdLength) {
    return unexpected(fail_at(at, "chain id length " + std::to_string(*chain_length) +
                                      " exceeds maximum " + std::to_string(kMaxChainIdLength)));
  }
  at = r.offset();
  auto chain = r.take(static_cast<size_t>(*chain_length), "chain id");
  if (!chain) return unexpected(std::move(chain).error());
  for (size_t i = 0; i < chain->size(); ++i) {
    if (!printable_ascii(static_cast<char>((*chain)[i]))) {
      return unexpected(fail_at(at + i, "chain id byte outside printable ASCII 0x21-0x7e"));
    }
  }
  tx.chain_id.assign(chain->begin(), chain->end());

  auto signer = r.take(tx.signer.size(), "signer key");
  if (!signer) return unexpected(std::move(signer).error());
  std::copy(signer->begin(), signer->end(), tx.signer.begin());

  auto nonce = r.take_le(8, "nonce");
  if (!nonce) return unexpected(std::move(nonce).error());
  tx.nonce = *nonce;

  at = r.offset();
  auto kind = r.take_le(2, "kind");
  if (!kind) return unexpected(std::move(kind).error());
  if (!is_known_kind(static_cast<uint16_t>(*kind))) {
    return unexpected(fail_at(at, "unknown kind " + std::to_string(*kind)));
  }
  tx.kind = static_cast<TxKind>(*kind);

  at = r.offset();
  auto payload_length = r.take_le(4, "payload length");
  if (!payload_length) return unexpected(std::move(payload_length).error());
  // The limit is checked before the remaining length and before any allocation, so a
  // hostile length costs nothing.
  if (*payload_length > kMaxPayloadSize) {
    return unexpected(fail_at(at, "payload length " + std::to_string(*payload_length) +
                                      " exceeds maximum " + std::to_string(kMaxPayloadSize)));
  }
  auto payload = r.take(static_cast<size_t>(*payload_length), "payload");
  if (!payload) return unexpected(std::move(payload).error());
  tx.payload.assign(payload->begin(), payload->end());

  auto signature = r.take(tx.signature.size(), "signature");
  if (!signature) return unexpected(std::move(signature).error());
  std::copy(signature->begin(), signature->end(), tx.signature.begin());

  if (r.remaining() != 0) {
    return unexpected(fail_at(r.offset(), std::to_string(r.remaining()) +
                                              " trailing bytes after the signature"));
  }
  return tx;
}

Expected<std::vector<uint8_t>, TxError> signing_message(const Transaction& tx) {
  // The domain string goes first and has a fixed length, so no signed message of another
  // kind (a block header, a checkpoint) can be mistaken for a transaction's.
  auto body = encode_body(tx, kTxSigningDomain.size(), 0);
  if (!body) return body;
  body->insert(body->begin(), kTxSigningDomain.begin(), kTxSigningDomain.end());
  return body;
}

Expected<void, TxError> sign_transaction(Transaction& tx, const KeyPair& key) {
  Transaction signed_tx = tx;
  signed_tx.signer = key.public_key();
  auto message = signing_message(signed_tx);
  if (!message) return unexpected(std::move(message).error());
  auto signature = key.sign(*message);
  if (!signature) {
    return unexpected(TxError{TxError::Code::internal, signature.error().reason});
  }
  tx.signer = signed_tx.signer;
  tx.signature = *signature;
  return {};
}

Expected<void, TxError> verify_signature(const Transaction& tx) {
  auto message = signing_message(tx);
  if (!message) return unexpected(std::move(message).error());
  auto ok = verify(tx.signer, *message, tx.signature);
  if (ok) return {};
  const SignatureError& e = ok.error();
  if (e.code == SignatureError::Code::internal) {
    return unexpected(TxError{TxError::Code::internal, e.reason});
  }
  // A key OpenSSL cannot use can sign nothing: for the envelope that is a bad signature.
  return unexpected(TxError{TxError::Code::bad_signature, "bad signature: " + e.reason});
}

Expected<Hash, TxError> tx_id(const Transaction& tx) {
  auto bytes = encode(tx);
  if (!bytes) return unexpected(std::move(bytes).error());
  return thread_hasher().sha256(*bytes);
}

uint64_t NonceBook::next_nonce(const PublicKey& signer) const {
  auto it = next_.find(signer);
  return it == next_.end() ? 0 : it->second;
}

Expected<void, TxError> NonceBook::check(const PublicKey& signer, uint64_t nonce) const {
  uint64_t expected = next_nonce(signer);
  if (nonce < expected) {
    return unexpected(TxError{TxError::Code::replayed_nonce,
                              "nonce " + std::to_string(nonce) + " already used, expected " +
                                  std::to_string(expected)});
  }
  if (nonce > expected) {
    return unexpected(TxError{TxError::Code::nonce_gap,
                              "nonce " + std::to_string(nonce) + " skips ahead, expected " +
                                  std::to_string(expected)});
  }
  if (nonce == std::numeric_limits<uint64_t>::max()) {
    return unexpected(TxError{TxError::Code::nonce_exhausted,
                              "nonce 18446744073709551615 is the last; the signer's sequence "
                              "is exhausted"});
  }
  return {};
}

Expected<void, TxError> NonceBook::accept(const PublicKey& signer, uint64_t nonce) {
  if (auto ok = check(signer, nonce); !ok) return ok;
  next_[signer] = nonce + 1;
  return {};
}

Expected<void, TxError> check_stateless(const Transaction& tx,
                                        std::string_view expected_chain_id) {
  // Cheapest and most telling check first.
  if (tx.chain_id != expected_chain_id) {
    return unexpected(TxError{TxError::Code::wrong_chain,
                              "chain id \"" + tx.chain_id + "\" is not this chain's (\"" +
                                  std::string(expected_chain_id) + "\")"});
  }
  return verify_signature(tx);
}

Expected<void, TxError> check_transaction(const Transaction& tx,
                                          std::string_view expected_chain_id,
                                          NonceBook& book) {
  // The signature before the nonce, so that an unsigned transaction cannot probe (or,
  // through `accept`, consume) anyone's sequence.
  if (auto ok = check_stateless(tx, expected_chain_id); !ok) return ok;
  return book.accept(tx.signer, tx.nonce);
}

}  // namespace covenant::ledger
