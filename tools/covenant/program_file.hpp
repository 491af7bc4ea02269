#pragma once
/// \file
/// Reads a program the way every `covenant` VM command accepts one: a `.cvm` module, an
/// assembly text (`.s`, `.asm`) or raw instruction bytes (anything else).

#include <string>

#include "vm/expected.hpp"
#include "vm/module.hpp"

namespace covenant::cli {

/// A program read from disk, as a module (raw code and assembly become a module with one
/// entry, `main`, at slot 0).
struct ProgramFile {
  vm::Module module;
  bool was_module = false;  ///< True if the file was a `.cvm` container.
};

/// Reads `path`. Fails with "path: reason" (assembly errors as "path:line:column: reason").
Expected<ProgramFile, std::string> read_program(const std::string& path);

/// Reads a whole file as bytes. Fails with "path: reason".
Expected<std::vector<uint8_t>, std::string> read_file(const std::string& path);

}  // namespace covenant::cli
