#pragma once
/// \file
/// Tables loaded at compile time from a CSV file beside the contract (`table t: K -> V = csv
/// "file.csv"`). The file has a header row and then one `key,value` row per entry (RFC 4180
/// quoting; blank lines ignored). Cells are written as in source, without quotes for codes:
/// `99213`, `92.00` or `92.00 USD`, `12.5%`, `150bp`, `2027-03-01`, `true`, an enum variant.

#include <optional>
#include <utility>
#include <vector>

#include "compiler/sema/sema.hpp"

namespace covenant::compiler::sema {

/// One loaded row: where to point a diagnostic about it, and its key and value bytes.
using TableRow = std::pair<Span, std::pair<std::vector<uint8_t>, std::vector<uint8_t>>>;

/// Reads the CSV file of `decl` (relative to the contract's directory) into rows of `info`'s
/// key and value types. Reports E0501 with the file, line and reason and returns nullopt when
/// the file cannot be read or a row is wrong.
std::optional<std::vector<TableRow>> load_table_csv(Sema& sema, const ast::TableDecl& decl,
                                                    const TableInfo& info);

}  // namespace covenant::compiler::sema
