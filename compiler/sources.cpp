#include "compiler/sources.hpp"

#include <limits>

namespace covenant::compiler {

Sources::Sources(const SourceFile& root) : root_(&root) {}

std::shared_ptr<const SourceFile> Sources::add(std::string name, std::string text) {
  const SourceFile& last = libraries_.empty() ? *root_ : *libraries_.back();
  uint64_t base = uint64_t{last.base()} + last.text().size() + 1;
  if (base + text.size() >= std::numeric_limits<uint32_t>::max()) return nullptr;
  auto file = std::make_shared<const SourceFile>(std::move(name), std::move(text), size(),
                                                 static_cast<uint32_t>(base));
  libraries_.push_back(file);
  return file;
}

const SourceFile& Sources::file(uint32_t index) const {
  return index == 0 ? *root_ : *libraries_[index - 1];
}

const SourceFile& Sources::file_of(uint32_t offset) const {
  for (const auto& f : libraries_)
    if (f->contains(offset)) return *f;
  return *root_;
}

LineCol Sources::unit_line_col(uint32_t offset) const {
  const SourceFile& f = file_of(offset);
  LineCol lc = f.line_col(offset);
  lc.line += f.index() * kLinesPerFile;
  return lc;
}

std::string Sources::where(uint32_t offset) const {
  const SourceFile& f = file_of(offset);
  LineCol lc = f.line_col(offset);
  return f.name() + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.column);
}

std::string module_location(const vm::Module& module, uint32_t line, uint32_t column) {
  auto metadata = [&](const std::string& key) -> std::optional<std::string> {
    for (const auto& [k, v] : module.metadata)
      if (k == key) return v;
    return std::nullopt;
  };
  std::string root = metadata("source").value_or("contract");
  uint32_t index = line / kLinesPerFile;
  std::string text = root + ":" + std::to_string(line) + ":" + std::to_string(column);
  if (index == 0) return text;
  auto library = metadata("source." + std::to_string(index));
  if (!library) return text;
  // "stdlib/money.cvn <sha256>": the name is everything before the last space.
  std::string name = library->substr(0, library->rfind(' '));
  return name + ":" + std::to_string(line % kLinesPerFile) + ":" + std::to_string(column);
}

}  // namespace covenant::compiler
