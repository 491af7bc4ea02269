#pragma once
/// \file
/// A source file of a compilation (the contract or library compiled, or a library it uses):
/// its name, bytes and line table. Every later phase refers to source positions by `Span`
/// (byte offsets) and turns them into line and column only when it reports them.
///
/// Offsets are those of the whole compilation, not of one file: every file has a `base`, the
/// offset of its first byte, and the files of one compilation occupy disjoint ranges
/// (compiler/sources.hpp). The file compiled has base 0, so for a compilation of one file an
/// offset is simply a byte of its text.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace covenant::compiler {

/// A half-open byte range [begin, end) of one source file, in compilation offsets.
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
  /// `name` is what diagnostics print (usually the path as the user gave it). `index` is the
  /// file's number in its compilation (0 for the file compiled, k for the k-th library it
  /// uses) and `base` the compilation offset of its first byte.
  SourceFile(std::string name, std::string text, uint32_t index = 0, uint32_t base = 0);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  /// The file's number in its compilation: 0 for the file compiled, k >= 1 for a library.
  uint32_t index() const { return index_; }
  /// The compilation offset of the first byte of the text.
  uint32_t base() const { return base_; }
  /// True when compilation offset `offset` is inside the text or just past its end (where a
  /// diagnostic about a missing token at the end of the file points).
  bool contains(uint32_t offset) const {
    return offset >= base_ && offset - base_ <= text_.size();
  }

  /// Line and column in this file of compilation offset `offset` (offsets outside the file
  /// map to its start or end).
  LineCol line_col(uint32_t offset) const;
  /// The text of 1-based `line`, without its line terminator; empty past the last line.
  std::string_view line_text(uint32_t line) const;
  /// Number of lines (a final line without a newline counts; an empty file has 1).
  uint32_t line_count() const { return static_cast<uint32_t>(line_starts_.size()); }
  /// The bytes a span (in compilation offsets) covers, clipped to this file.
  std::string_view slice(Span span) const;

 private:
  std::string name_;
  std::string text_;
  uint32_t index_ = 0;
  uint32_t base_ = 0;
  std::vector<uint32_t> line_starts_;  // offset in the text of the first byte of every line
};

}  // namespace covenant::compiler
