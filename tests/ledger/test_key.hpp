#pragma once
/// \file
/// Deterministic Ed25519 keys for ledger tests.

#include <doctest/doctest.h>

#include <utility>

#include "ledger/ed25519.hpp"

namespace covenant::ledger::testing {

/// The key pair whose 32-byte seed is `tag` repeated: the same key in every run.
inline KeyPair test_key(uint8_t tag) {
  Seed seed{};
  seed.fill(tag);
  auto key = KeyPair::from_seed(seed);
  REQUIRE(key.has_value());
  return std::move(key).value();
}

}  // namespace covenant::ledger::testing
