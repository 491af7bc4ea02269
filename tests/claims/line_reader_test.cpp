#include "claims/line_reader.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "tests/claims/records.hpp"

using namespace covenant::claims;
using namespace covenant::claims::testing;

namespace {

// Each line as text, "<long>" for one too long, then "<end>" or "<failed: why>".
std::vector<std::string> lines_of(std::string_view text, size_t max_line) {
  auto in = text_stream(text, "t");
  LineReader reader(*in, max_line);
  std::vector<std::string> out;
  for (;;) {
    std::string_view line;
    auto status = reader.next(line);
    if (status == LineReader::Status::line) out.emplace_back(std::string(line) + "@" + std::to_string(reader.line_number()));
    if (status == LineReader::Status::too_long) out.push_back("<long>@" + std::to_string(reader.line_number()));
    if (status == LineReader::Status::end) {
      out.emplace_back("<end>");
      return out;
    }
    if (status == LineReader::Status::failed) {
      out.push_back("<failed: " + reader.error() + ">");
      return out;
    }
  }
}

// A stream that gives `text` and then fails.
class FailingStream final : public ByteStream {
 public:
  explicit FailingStream(std::string text) : text_(std::move(text)) {}
  covenant::Expected<size_t, std::string> read(uint8_t* out, size_t size) override {
    if (given_) return covenant::unexpected(std::string("disk on fire"));
    given_ = true;
    size_t n = std::min(size, text_.size());
    std::memcpy(out, text_.data(), n);
    return n;
  }
  uint64_t position() const override { return 0; }
  uint64_t size() const override { return 0; }
  const std::string& name() const override { return name_; }

 private:
  std::string text_;
  std::string name_ = "failing";
  bool given_ = false;
};

}  // namespace

TEST_CASE("line reader: LF, CRLF, blank lines and a last line without a break") {
  CHECK(lines_of("a\nbb\r\n\nccc", 10) == std::vector<std::string>{"a@1", "bb@2", "@3", "ccc@4", "<end>"});
  CHECK(lines_of("a\n", 10) == std::vector<std::string>{"a@1", "<end>"});
  CHECK(lines_of("", 10) == std::vector<std::string>{"<end>"});
  CHECK(lines_of("a\r", 10) == std::vector<std::string>{"a@1", "<end>"});
  CHECK(lines_of("a\rb\n", 10) == std::vector<std::string>{"a\rb@1", "<end>"});
}

TEST_CASE("line reader: lines longer than the bound are skipped to their end") {
  CHECK(lines_of("0123456789\n01234567890\nok\n", 10) ==
        std::vector<std::string>{"0123456789@1", "<long>@2", "ok@3", "<end>"});
  CHECK(lines_of("0123456789\r\n", 10) == std::vector<std::string>{"0123456789@1", "<end>"});
  CHECK(lines_of("01234567890", 10) == std::vector<std::string>{"<long>@1", "<end>"});
  // Longer than the buffer: read through without keeping it.
  std::string huge(3 << 20, 'x');
  CHECK(lines_of(huge + "\nafter", 1000) == std::vector<std::string>{"<long>@1", "after@2", "<end>"});
  CHECK(lines_of(huge, 1000) == std::vector<std::string>{"<long>@1", "<end>"});
}

TEST_CASE("line reader: many lines across buffer refills") {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += std::to_string(i) + (i % 3 == 0 ? "\r\n" : "\n");
  auto lines = lines_of(text, 64);
  REQUIRE(lines.size() == 100001);
  CHECK(lines[0] == "0@1");
  CHECK(lines[99999] == "99999@100000");
}

TEST_CASE("line reader: a failing stream ends with its error") {
  FailingStream in("a\nb\npartial");
  LineReader reader(in);
  std::string_view line;
  CHECK(reader.next(line) == LineReader::Status::line);
  CHECK(line == "a");
  CHECK(reader.next(line) == LineReader::Status::line);
  CHECK(reader.next(line) == LineReader::Status::failed);
  CHECK(reader.error() == "disk on fire");
  CHECK(reader.next(line) == LineReader::Status::end);
}
