#include "compiler/diagnostics.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>

namespace covenant::compiler {
namespace {

using enum Diag;
constexpr Severity E = Severity::error;

// The registry: one row per `Diag`, in enum order (a unit test checks the order and that ids
// are unique). Ids are stable; add rows, never renumber.
constexpr std::array kRegistry = {
    DiagInfo{syntax_unexpected, "E0101", E, "input the grammar does not allow here"},
    DiagInfo{syntax_expected, "E0102", E, "a required token or construct is missing"},
    DiagInfo{unterminated_string, "E0103", E, "a string literal is not closed on its line"},
    DiagInfo{number_out_of_range, "E0104", E, "an integer literal does not fit in 64 bits"},
    DiagInfo{malformed_literal, "E0105", E, "a literal is malformed"},
    DiagInfo{missing_contract_header, "E0106", E, "the file must start with `contract Name version N` or `library name`"},
    DiagInfo{unknown_name, "E0201", E, "a name is not declared"},
    DiagInfo{duplicate_name, "E0202", E, "a name is declared twice"},
    DiagInfo{unknown_type, "E0203", E, "a type name is not known"},
    DiagInfo{unknown_field, "E0204", E, "a record has no such field"},
    DiagInfo{missing_field, "E0205", E, "a record literal leaves a field out"},
    DiagInfo{duplicate_field, "E0206", E, "a field is given or declared twice"},
    DiagInfo{unknown_variant, "E0207", E, "an enum has no such variant"},
    DiagInfo{unknown_function, "E0208", E, "a called function does not exist"},
    DiagInfo{wrong_argument_count, "E0209", E, "a call passes the wrong number of arguments"},
    DiagInfo{unknown_method, "E0210", E, "a value has no such method"},
    DiagInfo{not_assignable, "E0211", E, "the target of an assignment cannot change"},
    DiagInfo{recursive_type, "E0212", E, "a record contains itself"},
    DiagInfo{unknown_import, "E0213", E, "a `use` lists a name its library does not declare"},
    DiagInfo{type_mismatch, "E0301", E, "a value has the wrong type"},
    DiagInfo{currency_mismatch, "E0302", E, "amounts in different currencies are mixed"},
    DiagInfo{invalid_operands, "E0303", E, "an operator does not apply to these types"},
    DiagInfo{condition_not_bool, "E0304", E, "a condition is not a Bool"},
    DiagInfo{no_rounding_mode, "E0305", E, "a rounding operation without a declared rounding mode"},
    DiagInfo{no_currency, "E0306", E, "`Money` without a currency, and none declared"},
    DiagInfo{unknown_currency, "E0307", E, "a currency code is not supported"},
    DiagInfo{inexact_literal, "E0308", E, "a literal has more precision than its type holds"},
    DiagInfo{invalid_date, "E0309", E, "a date literal names no calendar day"},
    DiagInfo{invalid_code, "E0310", E, "a medical code literal is empty, too long or not printable"},
    DiagInfo{non_exhaustive_match, "E0311", E, "a match does not cover every case"},
    DiagInfo{redundant_arm, "E0312", E, "a match arm can never be chosen"},
    DiagInfo{missing_return, "E0313", E, "a function can end without returning its result"},
    DiagInfo{not_constant, "E0314", E, "a value must be known at compile time"},
    DiagInfo{list_too_long, "E0315", E, "a list literal is longer than its declared maximum"},
    DiagInfo{invalid_table, "E0316", E, "a table has a wrong or duplicate entry"},
    DiagInfo{invalid_state_type, "E0317", E, "a type cannot be used where it appears"},
    DiagInfo{invalid_code_pattern, "E0318", E, "a code-set member is malformed"},
    DiagInfo{invalid_type_argument, "E0319", E, "a generic type has wrong arguments"},
    DiagInfo{value_unused, "E0320", E, "an expression's value is computed and dropped"},
    DiagInfo{recursion, "E0401", E, "functions call each other in a cycle"},
    DiagInfo{unbounded_loop, "E0402", E, "a loop has no bound"},
    DiagInfo{loop_bound_not_constant, "E0403", E, "a range loop's bounds are not constants"},
    DiagInfo{entry_called, "E0404", E, "an entry is called from contract code"},
    DiagInfo{outside_loop, "E0405", E, "`break` or `continue` outside a loop"},
    DiagInfo{test_only, "E0406", E, "a statement is allowed only in a test"},
    DiagInfo{no_entry, "E0407", E, "a contract declares no entry"},
    DiagInfo{library_declaration, "E0408", E, "a library declares what only a contract may"},
    DiagInfo{use_cycle, "E0409", E, "libraries use each other in a cycle"},
    DiagInfo{table_file, "E0501", E, "a table file cannot be read or parsed"},
    DiagInfo{too_large, "E0502", E, "a value or program exceeds a limit"},
    DiagInfo{library_not_found, "E0503", E, "a used library cannot be found"},
    DiagInfo{internal, "E0901", E, "the compiler failed; please report it"},
};

}  // namespace

const DiagInfo& diagnostic_info(Diag d) { return kRegistry[static_cast<size_t>(d)]; }

std::span<const DiagInfo> all_diagnostics() { return kRegistry; }

Diagnostic& Diagnostics::report(Diag d, Span span, std::string message, std::string hint) {
  if (diagnostic_info(d).severity == Severity::error) ++errors_;
  items_.push_back({d, span, std::move(message), std::move(hint), {}});
  return items_.back();
}

void Diagnostics::add_source(std::shared_ptr<const SourceFile> file) {
  for (const auto& f : files_)
    if (f == file) return;
  files_.push_back(std::move(file));
}

const SourceFile& Diagnostics::file_of(const SourceFile& root, uint32_t offset) const {
  for (const auto& f : files_)
    if (f->contains(offset)) return *f;
  return root;
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> out = items_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.span.begin < b.span.begin;
  });
  return out;
}

namespace {

// The source line of `span` with its number and the caret line under the span.
std::string excerpt(const SourceFile& source, Span span) {
  LineCol at = source.line_col(span.begin);
  std::string_view line = source.line_text(at.line);
  std::string number = std::to_string(at.line);
  std::string gutter(number.size(), ' ');
  std::string out = " " + number + " | " + std::string(line) + "\n";
  // Caret under the first byte, tildes under the rest of the span on this line. Tabs in the
  // prefix are copied so the caret lines up however the terminal expands them.
  std::string marks;
  uint32_t col0 = at.column - 1;
  for (uint32_t i = 0; i < col0 && i < line.size(); ++i) marks += line[i] == '\t' ? '\t' : ' ';
  if (col0 > line.size()) marks.append(col0 - line.size(), ' ');
  uint32_t line_end = static_cast<uint32_t>(span.begin - col0 + line.size());
  uint32_t end = std::min(std::max(span.end, span.begin + 1), std::max(line_end, span.begin + 1));
  marks += '^';
  if (end > span.begin + 1) marks.append(end - span.begin - 1, '~');
  out += " " + gutter + " | " + marks + "\n";
  return out;
}

std::string gutter_of(const SourceFile& source, Span span) {
  return std::string(std::to_string(source.line_col(span.begin).line).size(), ' ');
}

std::string position(const SourceFile& source, Span span) {
  LineCol at = source.line_col(span.begin);
  return source.name() + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

std::string render_in(const SourceFile& source, const Diagnostic& d,
                      const std::function<const SourceFile&(uint32_t)>& file_of) {
  const DiagInfo& info = diagnostic_info(d.diag);
  std::string out = position(source, d.span) + ": " +
                    (info.severity == Severity::error ? "error" : "warning") + "[" +
                    std::string(info.id) + "]: " + d.message + "\n";
  out += excerpt(source, d.span);
  if (!d.hint.empty()) out += " " + gutter_of(source, d.span) + " = hint: " + d.hint + "\n";
  for (const Note& n : d.notes) {
    const SourceFile& where = file_of(n.span.begin);
    out += position(where, n.span) + ": note: " + n.message + "\n";
    out += excerpt(where, n.span);
  }
  return out;
}

}  // namespace

std::string render(const SourceFile& source, const Diagnostic& d) {
  return render_in(source, d, [&](uint32_t) -> const SourceFile& { return source; });
}

std::string render_all(const SourceFile& source, const Diagnostics& diagnostics) {
  std::string out;
  auto file_of = [&](uint32_t offset) -> const SourceFile& { return diagnostics.file_of(source, offset); };
  for (const Diagnostic& d : diagnostics.sorted()) out += render_in(file_of(d.span.begin), d, file_of);
  size_t n = diagnostics.error_count();
  if (n > 0) out += std::to_string(n) + (n == 1 ? " error\n" : " errors\n");
  return out;
}

}  // namespace covenant::compiler
