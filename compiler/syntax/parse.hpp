#pragma once
/// \file
/// The parser: contract source text to `ast::Contract`. The grammar (Boost.Spirit X3, in
/// parse.cpp) stays behind this one function so that later phases never see it; the EBNF it
/// implements is the header comment of ast.hpp.

#include <cstdint>
#include <optional>

#include "compiler/diagnostics.hpp"
#include "compiler/source.hpp"
#include "compiler/syntax/ast.hpp"

namespace covenant::compiler {

/// Parses `source` into a contract. Reports every syntax error it finds to `diags` (E0101 to
/// E0106; several per run: it recovers at declaration and statement boundaries) and returns
/// nullopt when it reported any. Never throws, always terminates, never crashes on any bytes:
/// nesting deeper than `kMaxParseDepth`, or an expression taller than `kMaxExprHeight`, is
/// reported (E0101) instead of being built.
std::optional<ast::Contract> parse(const SourceFile& source, Diagnostics& diags);

/// How deeply expressions, blocks and types may nest (parentheses, brackets, record literals,
/// `if` and `match` all count one level). Real contracts stay far below it; it bounds the
/// parser's stack use.
inline constexpr int kMaxParseDepth = 64;

/// The tallest expression tree `parse` returns, counted in nodes from the root to the deepest
/// leaf. Long operator chains (`a + b + ...`) and runs of prefix operators are parsed in a loop
/// but still build tall trees; this bound lets every later phase (and ~Expr) recurse safely.
inline constexpr uint32_t kMaxExprHeight = 1000;

}  // namespace covenant::compiler
