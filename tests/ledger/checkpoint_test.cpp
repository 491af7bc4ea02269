// Tests of ledger/checkpoint: signed notes against the golang.org/x/mod/sumdb/note example
// (PeterNeumann), checkpoint round trips, and rejection of every single-byte change, a wrong
// origin and a wrong key, each with its reason.

#include "tests/ledger/test_key.hpp"
#include "ledger/checkpoint.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <utility>

#include "ledger/base64.hpp"

namespace covenant::ledger {
namespace {

using testing::test_key;

// The example of golang.org/x/mod/sumdb/note (package documentation and note_test.go):
// skey PRIVATE+KEY+PeterNeumann+c74f20a3+<base64(0x01 || seed)>, vkey
// PeterNeumann+c74f20a3+<base64(0x01 || public key)>, and the note it signs.
constexpr const char* kPeterSeed = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr const char* kPeterVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr const char* kPeterText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr const char* kPeterNote =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

PublicKey peter_public_key() {
  auto typed = decode_base64("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  REQUIRE(typed.has_value());
  REQUIRE(typed->size() == 33);
  REQUIRE((*typed)[0] == 0x01);
  PublicKey key{};
  std::copy(typed->begin() + 1, typed->end(), key.begin());
  return key;
}

Hash root_of(uint8_t tag) {
  Hash h{};
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(tag + i);
  return h;
}

}  // namespace

TEST_CASE("signed note: the sumdb/note PeterNeumann example") {
  PublicKey key = peter_public_key();
  CHECK(note_key_id("PeterNeumann", key) == 0xc74f20a3);
  CHECK(note_verifier_key("PeterNeumann", key) == kPeterVkey);

  auto text = open_note(kPeterNote, "PeterNeumann", key);
  REQUIRE_MESSAGE(text.has_value(), text.error().reason);
  CHECK(*text == kPeterText);

  // Ed25519 is deterministic, so signing with the example's seed reproduces the note.
  auto typed_seed = decode_base64(kPeterSeed);
  REQUIRE(typed_seed.has_value());
  REQUIRE(typed_seed->size() == 33);
  Seed seed{};
  std::copy(typed_seed->begin() + 1, typed_seed->end(), seed.begin());
  auto signer = KeyPair::from_seed(seed);
  REQUIRE(signer.has_value());
  CHECK(signer->public_key() == key);
  auto note = sign_note(kPeterText, "PeterNeumann", *signer);
  REQUIRE(note.has_value());
  CHECK(*note == kPeterNote);

  std::string tampered = kPeterNote;
  tampered.replace(tampered.find("cryptography"), 12, "cryptographY");
  auto bad = open_note(tampered, "PeterNeumann", key);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == NoteError::Code::bad_signature);
  CHECK(bad.error().line == 4);

  auto other = open_note(kPeterNote, "PeterNeumann", test_key(1).public_key());
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == NoteError::Code::unknown_key);
}

TEST_CASE("signed note: foreign signatures are skipped, syntax is strict") {
  KeyPair log_key = test_key(1);
  KeyPair witness = test_key(2);
  auto note = sign_note("hello\n", "log.example", log_key);
  REQUIRE(note.has_value());
  auto cosigned = sign_note("hello\n", "witness.example", witness);
  REQUIRE(cosigned.has_value());
  std::string both = *note + cosigned->substr(cosigned->find("\xE2\x80\x94"));
  CHECK(open_note(both, "log.example", log_key.public_key()).has_value());
  CHECK(open_note(both, "witness.example", witness.public_key()).has_value());

  auto e = open_note("hello\n\nnot a signature\n", "log.example", log_key.public_key());
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == NoteError::Code::malformed);
  CHECK(e.error().line == 3);
  CHECK(e.error().reason == "malformed line 3: signature line does not start with \"— \"");

  e = open_note("hel\x01lo\n\n", "log.example", log_key.public_key());
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().reason == "malformed line 1: control character");
  e = open_note("hel\xC0\xAFlo\n", "log.example", log_key.public_key());
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().reason == "malformed line 1: invalid UTF-8");

  CHECK_FALSE(sign_note("no newline", "log.example", log_key).has_value());
  CHECK_FALSE(sign_note("a\n\nb\n", "log.example", log_key).has_value());
  CHECK_FALSE(sign_note("a\n", "bad+name", log_key).has_value());
  CHECK_FALSE(sign_note("a\n", "bad name", log_key).has_value());
}

TEST_CASE("checkpoint: round trip and layout") {
  KeyPair key = test_key(4);
  Hash root = root_of(3);
  auto text = format_checkpoint("covenant.example/log", 20852163, root, "covenant.example/log",
                                key);
  REQUIRE(text.has_value());
  std::string body = "covenant.example/log\n20852163\n" +
                     std::string("AwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISI=") + "\n";
  CHECK(text->starts_with(body + "\n\xE2\x80\x94 covenant.example/log "));
  CHECK(text->size() == body.size() + 1 + 4 + 21 + 92 + 1);

  auto info = parse_and_verify_checkpoint(*text, "covenant.example/log", "covenant.example/log",
                                          key.public_key());
  REQUIRE_MESSAGE(info.has_value(), info.error().reason);
  CHECK(info->size == 20852163);
  CHECK(info->root == root);

  auto empty = format_checkpoint("o", 0, kEmptyRoot, "k", key);
  REQUIRE(empty.has_value());
  auto empty_info = parse_and_verify_checkpoint(*empty, "o", "k", key.public_key());
  REQUIRE(empty_info.has_value());
  CHECK(empty_info->size == 0);
  CHECK(empty_info->root == kEmptyRoot);

  auto max = format_checkpoint("o", UINT64_MAX, root, "k", key);
  REQUIRE(max.has_value());
  auto max_info = parse_and_verify_checkpoint(*max, "o", "k", key.public_key());
  REQUIRE(max_info.has_value());
  CHECK(max_info->size == UINT64_MAX);

  CHECK_FALSE(format_checkpoint("", 1, root, "k", key).has_value());
  CHECK_FALSE(format_checkpoint("with space", 1, root, "k", key).has_value());
}

TEST_CASE("checkpoint: wrong origin, wrong key, malformed body") {
  KeyPair key = test_key(4);
  auto text = format_checkpoint("covenant.example/log", 7, root_of(1), "log-key", key);
  REQUIRE(text.has_value());

  auto r = parse_and_verify_checkpoint(*text, "other.example/log", "log-key", key.public_key());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == NoteError::Code::wrong_origin);
  CHECK(r.error().reason == "origin \"covenant.example/log\" is not \"other.example/log\"");

  r = parse_and_verify_checkpoint(*text, "covenant.example/log", "log-key",
                                  test_key(5).public_key());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == NoteError::Code::unknown_key);
  r = parse_and_verify_checkpoint(*text, "covenant.example/log", "other-key", key.public_key());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == NoteError::Code::unknown_key);

  // Validly signed notes whose bodies are not checkpoints.
  auto check_body = [&](const std::string& body, size_t line) {
    auto note = sign_note(body, "log-key", key);
    REQUIRE(note.has_value());
    auto e = parse_and_verify_checkpoint(*note, "o", "log-key", key.public_key());
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().code == NoteError::Code::malformed);
    CHECK_MESSAGE(e.error().line == line, body);
  };
  std::string root = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
  check_body("o\n1\n", 3);
  check_body("o\n01\n" + root + "\n", 2);
  check_body("o\n+1\n" + root + "\n", 2);
  check_body("o\n18446744073709551616\n" + root + "\n", 2);
  check_body("o\n1\nAQID\n", 3);
  check_body("o\n1\n" + root.substr(0, 42) + "B=\n", 3);  // non-zero padding bits
  // Extension lines are accepted and ignored.
  auto note = sign_note("o\n1\n" + root + "\nextension\n", "log-key", key);
  REQUIRE(note.has_value());
  CHECK(parse_and_verify_checkpoint(*note, "o", "log-key", key.public_key()).has_value());
}

TEST_CASE("checkpoint: every single-byte change is rejected") {
  KeyPair key = test_key(6);
  auto text = format_checkpoint("covenant.example/log", 1234, root_of(9), "covenant.example/log",
                                key);
  REQUIRE(text.has_value());
  std::set<NoteError::Code> seen;
  for (size_t pos = 0; pos < text->size(); ++pos) {
    for (uint8_t mask : {0x01, 0x02, 0x20, 0x80}) {
      std::string changed = *text;
      changed[pos] = static_cast<char>(changed[pos] ^ mask);
      auto r = parse_and_verify_checkpoint(changed, "covenant.example/log",
                                           "covenant.example/log", key.public_key());
      CHECK_MESSAGE(!r.has_value(), "byte ", pos, " mask ", int(mask));
      if (!r.has_value()) seen.insert(r.error().code);
    }
  }
  CHECK(seen.count(NoteError::Code::malformed) == 1);
  CHECK(seen.count(NoteError::Code::bad_signature) == 1);
  CHECK(seen.count(NoteError::Code::unknown_key) == 1);
}

}  // namespace covenant::ledger
