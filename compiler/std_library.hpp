#pragma once
/// \file
/// The standard library, as embedded in the compiler when it was built: every `stdlib/*.cvn`
/// file (and the `*.csv` tables beside them) of the source tree (cmake/embed_stdlib.cmake).
/// `use std.NAME` finds `NAME.cvn` here, so the compiler needs no source tree at run time and
/// a module depends only on its own source and the compiler's version.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace covenant::compiler {

/// One embedded file.
struct EmbeddedFile {
  std::string_view name;          ///< The file name in stdlib/, e.g. "money.cvn".
  std::span<const uint8_t> bytes;  ///< Its contents.
};

/// Every embedded file, sorted by name (byte order). Empty when stdlib/ held no file.
std::span<const EmbeddedFile> std_library_files();

/// The embedded file called `name` ("money.cvn", "rates.csv"), or nullopt.
std::optional<std::string_view> std_library_file(std::string_view name);

}  // namespace covenant::compiler
