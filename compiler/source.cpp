#include "compiler/source.hpp"

#include <algorithm>

namespace covenant::compiler {

SourceFile::SourceFile(std::string name, std::string text, uint32_t index, uint32_t base)
    : name_(std::move(name)), text_(std::move(text)), index_(index), base_(base) {
  line_starts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
  // A trailing newline does not start another line that diagnostics could point at.
  if (line_starts_.size() > 1 && line_starts_.back() == text_.size()) line_starts_.pop_back();
}

LineCol SourceFile::line_col(uint32_t offset) const {
  offset = offset < base_ ? 0 : std::min<uint32_t>(offset - base_, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - line_starts_.begin());
  return {line, offset - line_starts_[line - 1] + 1};
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  size_t begin = line_starts_[line - 1];
  size_t end = line < line_starts_.size() ? line_starts_[line] : text_.size();
  std::string_view s(text_.data() + begin, end - begin);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view SourceFile::slice(Span span) const {
  uint32_t size = static_cast<uint32_t>(text_.size());
  auto local = [&](uint32_t offset) { return offset < base_ ? 0 : std::min(offset - base_, size); };
  uint32_t b = local(span.begin), e = std::max(local(span.end), b);
  return std::string_view(text_).substr(b, e - b);
}

}  // namespace covenant::compiler
