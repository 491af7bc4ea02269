#include "compiler/sema/table_csv.hpp"

#include <fstream>
#include <sstream>

#include "compiler/sema/literal_bytes.hpp"
#include "compiler/std_library.hpp"

namespace covenant::compiler::sema {
namespace {

// Splits one CSV line into cells (RFC 4180: quoted cells may hold commas and "" for a quote).
std::optional<std::vector<std::string>> split_csv_line(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"' && cells.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  if (quoted) return std::nullopt;
  for (std::string& s : cells) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
    size_t b = s.find_first_not_of(' ');
    s = b == std::string::npos ? std::string() : s.substr(b);
  }
  return cells;
}

bool parse_int(const std::string& s, int64_t& v) {
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  __int128 acc = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '_') continue;
    if (s[i] < '0' || s[i] > '9') return false;
    acc = acc * 10 + (s[i] - '0');
    if (acc > (__int128{1} << 63)) return false;
  }
  if (s[0] == '-') acc = -acc;
  if (acc > INT64_MAX || acc < INT64_MIN) return false;
  v = static_cast<int64_t>(acc);
  return true;
}

// The bytes of one cell of type `t`, or a reason.
std::optional<std::vector<uint8_t>> cell_bytes(const Type* t, const std::string& cell, std::string& why) {
  std::vector<uint8_t> out;
  switch (t->kind) {
    case TypeKind::code: {
      bool ok = !cell.empty() && cell.size() <= 16;
      for (char c : cell) ok &= c > ' ' && c < 127;
      if (!ok) {
        why = "`" + cell + "` is not a code (1 to 16 printable characters)";
        return std::nullopt;
      }
      auto b = code_bytes(cell);
      return std::vector<uint8_t>(b.begin(), b.end());
    }
    case TypeKind::int_: {
      int64_t v = 0;
      if (!parse_int(cell, v)) {
        why = "`" + cell + "` is not a 64-bit integer";
        return std::nullopt;
      }
      put_word(out, v);
      return out;
    }
    case TypeKind::bool_:
      if (cell != "true" && cell != "false") {
        why = "`" + cell + "` is not true or false";
        return std::nullopt;
      }
      put_word(out, cell == "true");
      return out;
    case TypeKind::date: {
      int y = 0, m = 0, d = 0;
      char extra = 0;
      if (cell.size() != 10 || std::sscanf(cell.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
          !valid_date(y, m, d)) {
        why = "`" + cell + "` is not a date YYYY-MM-DD";
        return std::nullopt;
      }
      put_word(out, days_from_civil(y, m, d));
      return out;
    }
    case TypeKind::enum_: {
      int tag = t->enumeration->find(cell);
      if (tag < 0) {
        why = "`" + cell + "` is not a variant of " + t->name();
        return std::nullopt;
      }
      put_word(out, tag);
      return out;
    }
    case TypeKind::money: {
      std::string number = cell;
      size_t space = cell.find(' ');
      if (space != std::string::npos) {
        number = cell.substr(0, space);
        std::string cur = cell.substr(space + 1);
        if (cur != t->currency) {
          why = "`" + cell + "` is not in " + t->currency;
          return std::nullopt;
        }
      }
      bool negative = !number.empty() && number[0] == '-';
      if (negative) number = number.substr(1);
      auto v = money_minor_units(number, *currency_minor_digits(t->currency), why);
      if (!v) {
        why = "`" + cell + "` " + why;
        return std::nullopt;
      }
      put_word(out, negative ? -*v : *v);
      return out;
    }
    case TypeKind::rate: {
      std::string unit = cell.size() >= 1 && cell.back() == '%' ? "%"
                         : cell.size() >= 2 && cell.ends_with("bp") ? "bp" : "";
      if (unit.empty()) {
        why = "`" + cell + "` is not a rate like 12.5% or 150bp";
        return std::nullopt;
      }
      auto v = rate_billionths(cell.substr(0, cell.size() - unit.size()), unit, why);
      if (!v) {
        why = "`" + cell + "` " + why;
        return std::nullopt;
      }
      put_word(out, *v);
      return out;
    }
    default:
      why = "a CSV table holds Code, Int, Date, enum, Money, Rate or Bool cells, not " + t->name();
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::vector<TableRow>> load_table_csv(Sema& sema, const ast::TableDecl& decl,
                                                    const TableInfo& info) {
  auto fail = [&](const std::string& why) -> std::optional<std::vector<TableRow>> {
    sema.error(Diag::table_file, decl.csv_span, why,
               "the file has a header row, then one `key,value` row per entry");
    return std::nullopt;
  };
  // The file is beside the contract or library that declares the table; for a library of
  // the standard library, it is embedded in the compiler with it.
  const FileInfo& file = sema.files_[sema.file_of(decl.span)];
  std::istringstream in;
  if (file.embedded) {
    auto text = std_library_file(*decl.csv);
    if (!text) return fail("cannot read `" + *decl.csv + "` (the standard library has no such file)");
    in.str(std::string(*text));
  } else {
    std::filesystem::path path = file.dir / *decl.csv;
    std::ifstream disk(path, std::ios::binary);
    if (!disk) return fail("cannot read `" + *decl.csv + "` (looked for " + path.string() + ")");
    std::stringstream text;
    text << disk.rdbuf();
    in.str(text.str());
  }
  std::vector<TableRow> rows;
  std::string line;
  uint32_t number = 0;
  bool header = true;
  while (std::getline(in, line)) {
    ++number;
    std::string where = *decl.csv + ":" + std::to_string(number) + ": ";
    if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
    auto cells = split_csv_line(line);
    if (!cells) return fail(where + "a quoted cell is not closed");
    if (header) {
      header = false;
      if (cells->size() != 2) return fail(where + "the header row must name two columns");
      continue;
    }
    if (cells->size() != 2)
      return fail(where + "expected 2 cells (key,value), found " + std::to_string(cells->size()));
    std::string why;
    auto k = cell_bytes(info.key, (*cells)[0], why);
    if (!k) return fail(where + why);
    auto v = cell_bytes(info.value, (*cells)[1], why);
    if (!v) return fail(where + why);
    rows.push_back({decl.csv_span, {std::move(*k), std::move(*v)}});
    if (rows.size() > kMaxValueSize / 16) return fail(where + "too many rows");
  }
  if (header) return fail("`" + *decl.csv + "` is empty");
  return rows;
}

}  // namespace covenant::compiler::sema
