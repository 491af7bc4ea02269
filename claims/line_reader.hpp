#pragma once
/// \file
/// Lines of a byte stream, read through one buffer: the NDJSON and CSV readers' input. A
/// line ends in LF or CRLF (neither is part of it); the last line may have no line break.
/// A line is bounded (1 MiB by default) so that a file without line breaks cannot take the
/// reader's memory: a longer one is reported as such, without its text, and reading goes on
/// after its line break.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "claims/readers.hpp"

namespace covenant::claims {

/// Splits a `ByteStream` into lines, counting them from 1.
class LineReader {
 public:
  /// Bytes readable after the end of every line returned (their values unspecified):
  /// simdjson's SIMDJSON_PADDING, so JSON parsers can read a line in place.
  static constexpr size_t kPadding = 64;
  /// The default bound of a line's length in bytes, its terminator excluded.
  static constexpr size_t kMaxLine = size_t{1} << 20;

  /// Reads `in`, which must outlive the reader. Lines longer than `max_line` bytes are
  /// reported as `too_long`.
  explicit LineReader(ByteStream& in, size_t max_line = kMaxLine);

  /// What `next` found.
  enum class Status : uint8_t {
    line,      ///< A line: `line` holds it (valid until the next call).
    too_long,  ///< A line longer than the bound, skipped up to its line break.
    end,       ///< The end of the input.
    failed,    ///< The stream cannot be read further: `error()` says why; then `end`.
  };

  /// Reads the next line.
  Status next(std::string_view& line);
  /// The number of the line `next` last returned (or skipped), from 1.
  uint64_t line_number() const { return line_number_; }
  /// Why the stream failed, after `Status::failed`.
  const std::string& error() const { return error_; }
  /// The bound given at construction.
  size_t max_line() const { return max_line_; }

 private:
  // Reads more input after `end_`; false at the end of the input or on failure.
  bool fill();

  ByteStream& in_;
  size_t max_line_;
  size_t capacity_;                 // usable bytes of `buffer_`, before the padding
  std::unique_ptr<char[]> buffer_;  // capacity_ + kPadding bytes
  size_t begin_ = 0;                // the unread data is [begin_, end_)
  size_t end_ = 0;
  size_t scanned_ = 0;              // [begin_, scanned_) holds no line break
  uint64_t line_number_ = 0;
  bool eof_ = false;
  bool failed_ = false;
  std::string error_;
};

}  // namespace covenant::claims
