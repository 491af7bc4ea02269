#pragma once
/// \file
/// A contract's source text: its name, bytes and line table. Every later phase refers to
/// source positions by `Span` (byte offsets) and turns them into line and column only when
/// it reports them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace covenant::compiler {

/// A half-open byte range [begin, end) of one source file.
struct Span {
  uint32_t begin = 0;  ///< Offset of the first byte.
  uint32_t end = 0;    ///< Offset one past the last byte (== begin for an empty span).
  friend bool operator==(const Span&, const Span&) = default;
};

/// The smallest span covering both `a` and `b`.
constexpr Span join(Span a, Span b) {
  return {a.begin < b.begin ? a.begin : b.begin, a.end > b.end ? a.end : b.end};
}

/// A 1-based line and column (columns count bytes; a tab is one column).
struct LineCol {
  uint32_t line = 1;
  uint32_t column = 1;
  friend bool operator==(const LineCol&, const LineCol&) = default;
};

/// One source file, immutable once made.
class SourceFile {
 public:
  /// `name` is what diagnostics print (usually the path as the user gave it).
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

  /// Line and column of byte `offset` (offsets past the end map to the end).
  LineCol line_col(uint32_t offset) const;
  /// The text of 1-based `line`, without its line terminator; empty past the last line.
  std::string_view line_text(uint32_t line) const;
  /// Number of lines (a final line without a newline counts; an empty file has 1).
  uint32_t line_count() const { return static_cast<uint32_t>(line_starts_.size()); }
  /// The bytes a span covers.
  std::string_view slice(Span span) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<uint32_t> line_starts_;  // offset of the first byte of every line
};

}  // namespace covenant::compiler
