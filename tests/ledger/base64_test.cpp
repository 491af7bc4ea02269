// Tests of the strict base64 decoder the Merkle vector harness uses.

#include "ledger/base64.hpp"

#include <doctest/doctest.h>

#include <string>

namespace covenant::ledger {
namespace {

std::string decoded(std::string_view s) {
  auto b = decode_base64(s);
  REQUIRE(b.has_value());
  return std::string(b->begin(), b->end());
}

TEST_CASE("base64: RFC 4648 §10 test vectors") {
  CHECK(decoded("") == "");
  CHECK(decoded("Zg==") == "f");
  CHECK(decoded("Zm8=") == "fo");
  CHECK(decoded("Zm9v") == "foo");
  CHECK(decoded("Zm9vYg==") == "foob");
  CHECK(decoded("Zm9vYmE=") == "fooba");
  CHECK(decoded("Zm9vYmFy") == "foobar");
  CHECK(decoded("ZG9uJ3QgY2FyZSAx") == "don't care 1");
  CHECK(decode_base64("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")->size() == 32);
}

TEST_CASE("base64: everything non-canonical is rejected") {
  for (std::string_view bad : {"Zg", "Zg=", "Zg===", "====", "Z===", "Zm9", "Zh==", "Zm9=",
                               "Zm-v", "Zm_v", "Zm 9v", "Zm9v\n", "=Zm9", "Zg==Zg==",
                               "Zm8=Zm9v"}) {
    CAPTURE(bad);
    CHECK_FALSE(decode_base64(bad).has_value());
  }
}

}  // namespace
}  // namespace covenant::ledger
