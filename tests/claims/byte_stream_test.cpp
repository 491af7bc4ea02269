#include <doctest/doctest.h>
#include <zlib.h>

#include <string>

#include "claims/readers.hpp"
#include "tests/claims/records.hpp"

using namespace covenant::claims;
using namespace covenant::claims::testing;

namespace {

// Everything `in` gives, read `chunk` bytes at a time; the error when it fails.
std::string drain(ByteStream& in, size_t chunk = 7, std::string* error = nullptr) {
  std::string out;
  std::vector<uint8_t> buffer(chunk);
  for (;;) {
    auto n = in.read(buffer.data(), buffer.size());
    if (!n) {
      if (error != nullptr) *error = n.error();
      return out;
    }
    if (*n == 0) return out;
    out.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
}

// `text` compressed as one gzip member.
std::string gzip(std::string_view text) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Text that does not compress to nothing: many lines, each different.
std::string sample_text(size_t lines) {
  std::string text;
  for (size_t i = 0; i < lines; ++i) text += "line " + std::to_string(i * 7919 % 100003) + "\n";
  return text;
}

}  // namespace

TEST_CASE("byte stream: memory") {
  auto in = memory_stream({'a', 'b', 'c', 'd'}, "<memory>");
  CHECK(in->name() == "<memory>");
  CHECK(in->size() == 4);
  uint8_t buffer[3];
  CHECK(*in->read(buffer, 3) == 3);
  CHECK(in->position() == 3);
  CHECK(*in->read(buffer, 3) == 1);
  CHECK(buffer[0] == 'd');
  CHECK(*in->read(buffer, 3) == 0);
  CHECK(in->position() == 4);
}

TEST_CASE("byte stream: a file, named as given, with its size") {
  ScratchDir dir;
  std::string text = sample_text(1000);
  auto path = dir.write("claims.ndjson", text);
  auto in = open_stream(path);
  REQUIRE(in.has_value());
  CHECK((*in)->name() == path.string());
  CHECK((*in)->size() == text.size());
  CHECK(drain(**in, 4096) == text);
  CHECK((*in)->position() == text.size());
}

TEST_CASE("byte stream: files that cannot be opened") {
  ScratchDir dir;
  auto missing = open_stream(dir.path() / "missing.ndjson");
  REQUIRE(!missing.has_value());
  CHECK(missing.error() == "cannot open " + (dir.path() / "missing.ndjson").string() + ": No such file or directory");
  auto directory = open_stream(dir.path());
  REQUIRE(!directory.has_value());
  CHECK(directory.error() == "cannot open " + dir.path().string() + ": it is a directory");
}

TEST_CASE("byte stream: gzip round trip, whole and in several members") {
  ScratchDir dir;
  std::string text = sample_text(20000);
  std::string packed = gzip(text);
  REQUIRE(packed.size() < text.size() / 2);
  auto path = dir.write("claims.ndjson.gz", packed);
  for (size_t chunk : {size_t{1}, size_t{1000}, size_t{1} << 20}) {
    auto in = open_stream(path);
    REQUIRE(in.has_value());
    CHECK((*in)->size() == packed.size());
    std::string error;
    CHECK(drain(**in, chunk, &error) == text);
    CHECK(error.empty());
    CHECK((*in)->position() == packed.size());
  }
  // `cat a.gz b.gz` is one stream, as gunzip reads it.
  auto two = dir.write("two.ndjson.gz", gzip("first\n") + gzip("") + gzip("second\n"));
  auto in = open_stream(two);
  REQUIRE(in.has_value());
  CHECK(drain(**in) == "first\nsecond\n");
}

TEST_CASE("byte stream: corrupt, truncated and empty gzip files fail naming the file") {
  ScratchDir dir;
  std::string packed = gzip(sample_text(5000));
  auto fails = [&](const std::string& name, const std::string& bytes) {
    auto path = dir.write(name, bytes);
    auto in = open_stream(path);
    REQUIRE(in.has_value());
    std::string error;
    drain(**in, 4096, &error);
    // Once failed, it stays failed.
    uint8_t byte;
    CHECK(!(*in)->read(&byte, 1).has_value());
    return error;
  };
  std::string corrupt = packed;
  for (size_t i = 20; i < 40; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5A);
  auto base = dir.path().string() + "/";
  CHECK(fails("corrupt.gz", corrupt).starts_with(base + "corrupt.gz: corrupt gzip stream ("));
  CHECK(fails("truncated.gz", packed.substr(0, packed.size() / 2)) == base + "truncated.gz: truncated gzip stream");
  CHECK(fails("no_trailer.gz", packed.substr(0, packed.size() - 4)) == base + "no_trailer.gz: truncated gzip stream");
  CHECK(fails("empty.gz", "") == base + "empty.gz: not a gzip stream: the file is empty");
  CHECK(fails("plain.gz", "not gzip at all\n").starts_with(base + "plain.gz: corrupt gzip stream ("));
  CHECK(fails("garbage_after.gz", packed + "trailing").starts_with(base + "garbage_after.gz: corrupt gzip stream ("));
}

TEST_CASE("byte stream: a corrupt gzip stream ends a source with a problem at the file") {
  ScratchDir dir;
  std::string claim =
      R"({"id":"C-1","member":"M","received":"2027-03-10","lines":[{"code":"A","charge":1,"service_date":"2027-03-01"}]})"
      "\n";
  std::string text;
  for (int i = 0; i < 2000; ++i) text += claim;
  std::string packed = gzip(text);
  auto path = dir.write("claims.ndjson.gz", packed.substr(0, packed.size() - 10));
  auto source = open_source(path, Format::ndjson);
  REQUIRE(source.has_value());
  auto records = read_all(**source);
  REQUIRE(!records.empty());
  CHECK(problem_of(records.back()) == path.string() + ": " + path.string() + ": truncated gzip stream");
  for (size_t i = 0; i + 1 < records.size(); ++i) CHECK(std::holds_alternative<Claim>(records[i]));
  Record again;
  CHECK(!(*source)->next(again));
}
