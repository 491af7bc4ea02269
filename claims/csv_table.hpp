#pragma once
/// \file
/// A CSV file as Synthea writes it and RFC 4180 defines it: a header row naming the columns,
/// then one record per row. A quoted field may hold commas, line breaks and doubled quotes
/// (`"a ""b"", c"` is `a "b", c`); a UTF-8 byte-order mark before the header is skipped;
/// rows end in LF or CRLF, and the last may have no line break; blank lines are skipped. A
/// record may have more fields than the header only when the extra ones are empty (Synthea's
/// insurance_companies.csv ends some rows with a comma); they are dropped.

#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "vm/expected.hpp"

namespace covenant::claims {

/// A parsed CSV file: its header and its records, every record as wide as the header.
class CsvTable {
 public:
  /// Parses `text`. Fails with "line N: why" when a quoted field is not closed, a quote
  /// appears inside an unquoted field or after a closing quote, the header is missing or
  /// names a column twice, or a record has a different number of fields than the header.
  /// `name` prefixes the reason.
  static Expected<CsvTable, std::string> parse(std::string_view text, std::string_view name);

  /// Reads and parses the file at `path`; fails as `parse` does, or when it cannot be read.
  static Expected<CsvTable, std::string> read(const std::filesystem::path& path);

  /// The column names, in file order.
  const std::vector<std::string>& header() const { return header_; }
  /// The records, in file order.
  const std::vector<std::vector<std::string>>& rows() const { return rows_; }
  size_t size() const { return rows_.size(); }
  /// The index of column `name`, or npos.
  size_t column(std::string_view name) const;
  /// The field of record `row` in column `name`. Requires the column to exist (check with
  /// `require`) and `row < size()`.
  const std::string& at(size_t row, std::string_view name) const;
  /// Fails naming the first of `names` the header lacks.
  Expected<void, std::string> require(std::initializer_list<std::string_view> names) const;

  static constexpr size_t npos = static_cast<size_t>(-1);

 private:
  std::string name_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace covenant::claims
