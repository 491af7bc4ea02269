#include "claims/csv_table.hpp"

#include <fstream>
#include <sstream>

namespace covenant::claims {

Expected<CsvTable, std::string> CsvTable::parse(std::string_view text, std::string_view name) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvTable table;
  table.name_ = std::string(name);
  size_t line = 1;
  auto fail = [&](const std::string& why) -> Expected<CsvTable, std::string> {
    return unexpected(table.name_ + ":" + std::to_string(line) + ": " + why);
  };

  std::vector<std::vector<std::string>> records;
  std::vector<size_t> record_lines;  // the line each record starts on, for messages
  std::vector<std::string> record;
  std::string field;
  // A field is unquoted until its first character is a quote; after the closing quote only
  // a separator or the end of the row may follow.
  enum class In { start, plain, quoted, closed } in = In::start;
  size_t record_line = 1;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    in = In::start;
  };
  auto end_record = [&] {
    end_field();
    // A blank line is no record.
    if (record.size() > 1 || !record.front().empty()) {
      records.push_back(std::move(record));
      record_lines.push_back(record_line);
    }
    record.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in == In::quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in = In::closed;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == ',') {
      end_field();
    } else if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      if (c == '\r') ++i;
      end_record();
      ++line;
      record_line = line;
    } else if (c == '"') {
      if (in != In::start) return fail("a quote inside an unquoted field or after a closing quote");
      in = In::quoted;
    } else {
      if (in == In::closed) return fail("text after a closing quote");
      in = In::plain;
      field += c;
    }
  }
  if (in == In::quoted) {
    line = record_line;
    return fail("a quoted field is not closed");
  }
  if (in != In::start || !record.empty() || !field.empty()) end_record();

  if (records.empty()) return fail("no header row");
  table.header_ = std::move(records.front());
  for (size_t i = 0; i < table.header_.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (table.header_[i] == table.header_[j]) {
        line = record_lines.front();
        return fail("column `" + table.header_[i] + "` appears twice in the header");
      }
  for (size_t r = 1; r < records.size(); ++r) {
    line = record_lines[r];
    while (records[r].size() > table.header_.size() && records[r].back().empty()) records[r].pop_back();
    if (records[r].size() != table.header_.size())
      return fail("expected " + std::to_string(table.header_.size()) + " fields, found " +
                  std::to_string(records[r].size()));
    table.rows_.push_back(std::move(records[r]));
  }
  return table;
}

Expected<CsvTable, std::string> CsvTable::read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.filename().string());
}

size_t CsvTable::column(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return i;
  return npos;
}

const std::string& CsvTable::at(size_t row, std::string_view name) const {
  return rows_[row][column(name)];
}

Expected<void, std::string> CsvTable::require(std::initializer_list<std::string_view> names) const {
  for (std::string_view n : names)
    if (column(n) == npos) return unexpected(name_ + ": no column `" + std::string(n) + "`");
  return {};
}

}  // namespace covenant::claims
