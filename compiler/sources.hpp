#pragma once
/// \file
/// The files of one compilation: the contract (or library) compiled and every library it
/// uses, directly or through other libraries. Each file owns a disjoint range of compilation
/// offsets (source.hpp), so a `Span` alone says which file it is in.
///
/// Unit lines. A compiled module locates code by a line and a column only (its source map,
/// the packed location of a fault, the `deny.N` metadata, loop bounds matched against the
/// DWARF line table), so the compiler numbers the lines of file k as k × kLinesPerFile + line:
/// the file compiled keeps its own line numbers, line 12 of the first library used is
/// 1000012, line 12 of the second 2000012. A line of a library can therefore never be taken
/// for a line of the contract, and `module_location` turns a unit line back into the file
/// and line it came from, using the module's `source` and `source.<k>` metadata.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source.hpp"
#include "vm/module.hpp"

namespace covenant::compiler {

/// How many lines each file of a compilation may have (one less, as line 0 means "none"):
/// the k-th file's line L is unit line k × kLinesPerFile + L.
inline constexpr uint32_t kLinesPerFile = 1'000'000;

/// The files of one compilation. The file compiled (index 0) is borrowed and must outlive
/// this object; library files are owned (and shared with the diagnostics that point into
/// them, see Diagnostics::add_source).
class Sources {
 public:
  /// A compilation of `root` (whose base must be 0) and, so far, no library.
  explicit Sources(const SourceFile& root);

  /// Adds a library file after the last one: its index is the number of files so far and
  /// its base the offset one past the end of the last file (so the end of one file is never
  /// the start of the next). Returns nullptr, adding nothing, when the offsets of the
  /// compilation would pass 2^32 - 1.
  std::shared_ptr<const SourceFile> add(std::string name, std::string text);

  /// The file compiled.
  const SourceFile& root() const { return *root_; }
  /// Number of files, the root included.
  uint32_t size() const { return static_cast<uint32_t>(libraries_.size() + 1); }
  /// File number `index` (0 is the root). Requires index < size().
  const SourceFile& file(uint32_t index) const;
  /// The library files, in index order (file 1 first).
  const std::vector<std::shared_ptr<const SourceFile>>& libraries() const { return libraries_; }
  /// The file that compilation offset `offset` is in (the root for an offset in no file).
  const SourceFile& file_of(uint32_t offset) const;

  /// The unit line (see the file comment) and column of `offset`.
  LineCol unit_line_col(uint32_t offset) const;
  /// The source text a span covers.
  std::string_view slice(Span span) const { return file_of(span.begin).slice(span); }
  /// "name:line:col" of `offset`, with the line in its own file.
  std::string where(uint32_t offset) const;

 private:
  const SourceFile* root_;
  std::vector<std::shared_ptr<const SourceFile>> libraries_;
};

/// Where unit line `line`, column `column` of a module is: "contract.cvn:12:5" for a line of
/// the contract, "stdlib/money.cvn:7:3" for one of a library, from the module's `source` and
/// `source.<k>` metadata. A line whose file the metadata does not name prints as the
/// contract's file with the unit line ("contract.cvn:3000007:3"), never as a contract line.
std::string module_location(const vm::Module& module, uint32_t line, uint32_t column);

}  // namespace covenant::compiler
