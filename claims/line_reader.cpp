#include "claims/line_reader.hpp"

#include <algorithm>
#include <cstring>

namespace covenant::claims {

namespace {

// Read size: large enough that read(2) calls cost nothing next to parsing.
constexpr size_t kChunk = size_t{1} << 18;

}  // namespace

LineReader::LineReader(ByteStream& in, size_t max_line)
    : in_(in),
      max_line_(max_line),
      // A whole line (and its CRLF) plus a chunk's room to read into.
      capacity_(max_line + 2 + kChunk),
      buffer_(new char[capacity_ + kPadding]) {
  std::memset(buffer_.get() + capacity_, 0, kPadding);
}

bool LineReader::fill() {
  if (eof_ || failed_) return false;
  if (capacity_ - end_ < kChunk) {
    // Move the partial line to the front; at most max_line + 1 bytes, so a chunk fits after.
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    scanned_ -= begin_;
    begin_ = 0;
  }
  auto n = in_.read(reinterpret_cast<uint8_t*>(buffer_.get() + end_), capacity_ - end_);
  if (!n) {
    failed_ = true;
    error_ = std::move(n).error();
    return false;
  }
  if (*n == 0) {
    eof_ = true;
    return false;
  }
  end_ += *n;
  return true;
}

LineReader::Status LineReader::next(std::string_view& line) {
  bool skipping = false;  // inside a line found too long, looking for its end
  for (;;) {
    char* data = buffer_.get();
    auto* nl = static_cast<char*>(std::memchr(data + scanned_, '\n', end_ - scanned_));
    if (nl != nullptr) {
      size_t stop = static_cast<size_t>(nl - data);
      size_t start = begin_;
      begin_ = scanned_ = stop + 1;
      if (skipping) return Status::too_long;
      ++line_number_;
      if (stop > start && data[stop - 1] == '\r') --stop;
      if (stop - start > max_line_) return Status::too_long;
      line = std::string_view(data + start, stop - start);
      return Status::line;
    }
    scanned_ = end_;
    // Without a line break yet: a line ending in CRLF may hold max_line + 1 bytes here.
    if (!skipping && end_ - begin_ > max_line_ + 1) {
      skipping = true;
      ++line_number_;
    }
    if (skipping) begin_ = scanned_ = end_ = 0;  // the text of a skipped line is not kept
    if (!fill()) {
      if (failed_) {
        failed_ = false;
        eof_ = true;
        begin_ = end_ = scanned_ = 0;
        return Status::failed;
      }
      if (skipping) return Status::too_long;
      if (begin_ == end_) return Status::end;
      // The last line, without a line break.
      size_t start = begin_, stop = end_;
      begin_ = scanned_ = end_;
      ++line_number_;
      if (data[stop - 1] == '\r') --stop;
      if (stop - start > max_line_) return Status::too_long;
      line = std::string_view(data + start, stop - start);
      return Status::line;
    }
  }
}

}  // namespace covenant::claims
