#pragma once
/// \file
/// Linking libraries: the phase between parsing and checking that resolves every `use` of
/// the file compiled, and of the libraries it uses, to a library file; reads and parses each
/// library once; and puts their declarations into the contract, so that the semantic passes,
/// code generation and the evaluator see one program.
///
/// `use std.NAME` finds `NAME.cvn` in the given library directories (in order) and then in
/// the standard library embedded in the compiler (std_library.hpp). The file must start with
/// `library NAME`. A library used twice (by the contract and by another library, or by two
/// libraries) is read once. Its tests are dropped: they run when the library itself is tested.

#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "compiler/diagnostics.hpp"
#include "compiler/sema/checked.hpp"
#include "compiler/sources.hpp"
#include "compiler/syntax/ast.hpp"

namespace covenant::compiler {

/// Links the libraries `contract` (the parsed root of `sources`, whose CSV tables are in
/// `base_dir`) uses. Adds every library file to `sources` (index k for the k-th library
/// found, depth first in the order of the `use`s) and to `diags` (so their diagnostics
/// render), then replaces `contract.decls` by the declarations of every library (without
/// their tests; a library after the libraries it uses) followed by the contract's own.
/// Returns the FileInfo of every file by index (0 the contract) for `check`, or nullopt after
/// reporting E0503 (no such library, or a file that is not that library), E0409 (libraries
/// that use each other) or a library's syntax errors.
std::optional<std::vector<FileInfo>> link_libraries(ast::Contract& contract, Sources& sources,
                                                    const std::filesystem::path& base_dir,
                                                    std::span<const std::filesystem::path> library_dirs,
                                                    Diagnostics& diags);

}  // namespace covenant::compiler
