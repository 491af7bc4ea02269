#pragma once
/// \file
/// A readable dump of the AST for `covenant build --emit ast` and for tests.

#include <string>

#include "compiler/source.hpp"
#include "compiler/syntax/ast.hpp"

namespace covenant::compiler {

/// Renders `contract` one node per line, indented two spaces per level, each line ending with
/// the node's span as `@line:col-line:col` (the end is the position one past the last byte).
/// Deterministic: the same AST always prints the same text. Binary operators print as their
/// tree, so the output shows precedence and associativity.
std::string print_ast(const SourceFile& source, const ast::Contract& contract);

}  // namespace covenant::compiler
