#pragma once
/// \file
/// Compile-time values in their memory layout (types.hpp): what tables put in read-only
/// data, and how table keys are ordered.

#include <array>
#include <cstdint>
#include <vector>

#include "compiler/sema/types.hpp"
#include "compiler/syntax/ast.hpp"

namespace covenant::compiler {

/// The 32 bytes of `pseudonym(...)` / `hash(...)` / `key(...)` with a checked argument: the
/// hex digits of a 0x literal, or SHA-256 of the text of a string literal.
std::array<uint8_t, 32> hash_literal_bytes(const ast::Expr& argument);

/// Months and days of a checked duration literal.
std::pair<int64_t, int64_t> duration_parts(const ast::Expr& literal);

/// Strict weak order of table keys of type `key` (signed for Int and Date, byte-wise for
/// Code, by tag for enums).
bool key_less(const Type* key, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b);

/// Appends `v` little-endian.
void put_word(std::vector<uint8_t>& out, int64_t v);

}  // namespace covenant::compiler
