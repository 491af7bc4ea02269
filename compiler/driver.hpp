#pragma once
/// \file
/// The compiler driver: runs the phases in order, each with a named output, and stops after
/// the first phase that reports errors:
///
///   SourceFile --parse--> ast::Contract --link_libraries--> ast::Contract (with the
///     libraries it uses) --check--> Checked --generate--> LLVM module
///     --emit_object (O2, BPF)--> ELF object --package--> vm::Module --encode--> bytes
///
/// `covenant build`, `check`, `test` and the tests all go through `compile`.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/diagnostics.hpp"
#include "compiler/package.hpp"
#include "compiler/sema/checked.hpp"
#include "compiler/source.hpp"
#include "compiler/sources.hpp"
#include "compiler/syntax/ast.hpp"

namespace covenant::compiler {

/// What a compilation should produce.
enum class Emit : uint8_t {
  module,  ///< The .cvm module (the default).
  check,   ///< Stop after the semantic passes (diagnostics only).
  ast,     ///< The AST dump (`--emit ast`), after parsing.
  llvm,    ///< The optimised LLVM IR (`--emit llvm`).
  assembly ///< The BPF assembly (`--emit asm`).
};

/// One compilation's inputs.
struct CompileRequest {
  std::filesystem::path base_dir;  ///< Where CSV tables are looked up (the contract's directory).
  Emit emit = Emit::module;
  bool tests = false;              ///< Also export every `test` block as `__test_<n>`.
  /// Directories `use std.NAME` looks in (for NAME.cvn), in order, before the standard
  /// library embedded in the compiler (compiler/libraries.hpp). Empty by default. A library
  /// compiled on its own looks in `base_dir` (its own directory) before these.
  std::vector<std::filesystem::path> library_dirs;
};

/// Everything a compilation produced, phase by phase. A phase's output is present when it
/// ran without errors.
struct Compilation {
  /// Every file compiled: the source given to `compile` and the libraries it uses. Set once
  /// parsing succeeded; `checked` points into it.
  std::unique_ptr<Sources> sources;
  std::unique_ptr<ast::Contract> contract;
  std::optional<Checked> checked;
  std::string text;                   ///< Emit::ast, llvm or assembly: the requested text.
  std::optional<Packaged> packaged;   ///< Emit::module.
  std::vector<uint8_t> bytes;         ///< Emit::module: the canonical module bytes.
};

/// Version of the compiler, recorded in every module ("compiler" metadata).
inline constexpr const char* kCompilerVersion = "covenant 0.1.0";

/// Compiles `source` (a contract, or a library compiled on its own), which must outlive the
/// result. Every problem goes to `diags` (an internal failure of LLVM or the packager as
/// E0901 with its reason); check `diags.has_errors()`. The library files it uses are added
/// to `diags` so that `render_all(source, diags)` shows diagnostics inside them with their
/// own names. Deterministic: the same source text, libraries, request and compiler version
/// give the same bytes.
///
/// A library compiled on its own (`covenant check` or `test` of a library file) exports
/// every function of its own as `__fn_<n>` (n counting its functions in order) so that each
/// is compiled and its gas bounded, plus its tests in test builds; a library with neither
/// exports one empty function `__library`. Its ABI lists no entry: nothing calls such a
/// module.
Compilation compile(const SourceFile& source, const CompileRequest& request, Diagnostics& diags);

}  // namespace covenant::compiler
