#pragma once
/// \file
/// Compiler diagnostics: one registry of every diagnostic the compiler can give (a stable
/// id such as "E0302", a severity and a one-line summary), a collector the phases report
/// into, and the renderer that prints
///
///     contract.cvn:12:11: error[E0302]: cannot add Money<USD> and Money<EUR>
///        12 |   let x = a + b
///           |           ^~~~~
///           = hint: amounts in different currencies never mix; convert explicitly
///
/// Ids are never reused or renumbered: users search for them. Every id has a golden test in
/// tests/compiler/diagnostics/ (a check fails when one has none).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source.hpp"

namespace covenant::compiler {

/// Every diagnostic, by name. The registry (`diagnostic_info`) gives its id and summary.
enum class Diag : uint16_t {
  // Syntax (E01xx): the parser.
  syntax_unexpected,       ///< E0101: input the grammar does not allow here.
  syntax_expected,         ///< E0102: a specific token or construct is missing.
  unterminated_string,     ///< E0103: a string literal runs to the end of the line.
  number_out_of_range,     ///< E0104: an integer literal does not fit in 64 bits.
  malformed_literal,       ///< E0105: a literal of the right shape with a wrong part.
  missing_contract_header, ///< E0106: the file starts with neither `contract Name version N` nor `library name`.
  // Names (E02xx).
  unknown_name,            ///< E0201
  duplicate_name,          ///< E0202
  unknown_type,            ///< E0203
  unknown_field,           ///< E0204
  missing_field,           ///< E0205
  duplicate_field,         ///< E0206
  unknown_variant,         ///< E0207
  unknown_function,        ///< E0208
  wrong_argument_count,    ///< E0209
  unknown_method,          ///< E0210
  not_assignable,          ///< E0211
  recursive_type,          ///< E0212
  unknown_import,          ///< E0213: `use std.lib.{X}` where library lib declares no X.
  // Types and units (E03xx).
  type_mismatch,           ///< E0301
  currency_mismatch,       ///< E0302
  invalid_operands,        ///< E0303
  condition_not_bool,      ///< E0304
  no_rounding_mode,        ///< E0305
  no_currency,             ///< E0306
  unknown_currency,        ///< E0307
  inexact_literal,         ///< E0308
  invalid_date,            ///< E0309
  invalid_code,            ///< E0310
  non_exhaustive_match,    ///< E0311
  redundant_arm,           ///< E0312
  missing_return,          ///< E0313
  not_constant,            ///< E0314
  list_too_long,           ///< E0315
  invalid_table,           ///< E0316
  invalid_state_type,      ///< E0317
  invalid_code_pattern,    ///< E0318
  invalid_type_argument,   ///< E0319
  value_unused,            ///< E0320
  // Termination and structure (E04xx).
  recursion,               ///< E0401
  unbounded_loop,          ///< E0402
  loop_bound_not_constant, ///< E0403
  entry_called,            ///< E0404
  outside_loop,            ///< E0405
  test_only,               ///< E0406
  no_entry,                ///< E0407
  library_declaration,     ///< E0408: a library declares what only a contract may.
  use_cycle,               ///< E0409: libraries use each other in a cycle.
  // Files and limits (E05xx).
  table_file,              ///< E0501
  too_large,               ///< E0502
  library_not_found,       ///< E0503: `use std.name` names no library.
  // The compiler itself (E09xx).
  internal,                ///< E0901
};

/// How bad a diagnostic is. Only errors stop a build.
enum class Severity : uint8_t { error, warning };

/// A registry row.
struct DiagInfo {
  Diag diag;
  std::string_view id;       ///< Stable id, e.g. "E0302".
  Severity severity;
  std::string_view summary;  ///< What the diagnostic is about, for docs and `--explain`.
};

/// The registry row of `d`.
const DiagInfo& diagnostic_info(Diag d);
/// Every registry row, in `Diag` order.
std::span<const DiagInfo> all_diagnostics();

/// A second place a diagnostic is about ("first declared here"), rendered after it with its
/// own file, line, source line and caret.
struct Note {
  Span span;
  std::string message;  ///< One line.
};

/// One reported problem.
struct Diagnostic {
  Diag diag;
  Span span;            ///< What the caret underlines.
  std::string message;  ///< One line, specific ("cannot add Money<USD> and Money<EUR>").
  std::string hint;     ///< How to fix it; may be empty.
  std::vector<Note> notes;  ///< Other places it concerns, in order; usually none.
};

/// Collects the diagnostics of one compilation, in the order reported, and the library files
/// they may point into (so that they can be rendered from the compiled file alone).
class Diagnostics {
 public:
  /// Records a diagnostic and returns it, to add notes to. `message` and `hint` are single
  /// lines. The reference is valid until the next report.
  Diagnostic& report(Diag d, Span span, std::string message, std::string hint = {});
  /// Makes `file` (a library of the compilation, compiler/sources.hpp) known to the
  /// renderer: a diagnostic whose span lies in it is printed with its name and lines.
  void add_source(std::shared_ptr<const SourceFile> file);
  /// The file holding compilation offset `offset`: a file given to `add_source`, else `root`.
  const SourceFile& file_of(const SourceFile& root, uint32_t offset) const;
  /// True when at least one error was reported.
  bool has_errors() const { return errors_ > 0; }
  /// Number of errors reported.
  size_t error_count() const { return errors_; }
  /// Everything reported, in order.
  const std::vector<Diagnostic>& all() const { return items_; }
  /// The diagnostics sorted by compilation offset (stable for equal ones), as they are printed.
  std::vector<Diagnostic> sorted() const;

 private:
  std::vector<Diagnostic> items_;
  std::vector<std::shared_ptr<const SourceFile>> files_;
  size_t errors_ = 0;
};

/// Renders one diagnostic whose span lies in `source`: the `file:line:col: error[ID]:
/// message` line, the source line with its number, a caret under the first byte of the span
/// and `~` under the rest of it (to the end of the line for a span running over several
/// lines), and `= hint: ...`; then each note as `file:line:col: note: message` with its
/// source line and caret (a note is looked up in `source` only; see render_all).
/// Ends with a newline.
std::string render(const SourceFile& source, const Diagnostic& d);

/// Renders every diagnostic (sorted by position: those in the compiled file first, then
/// those in each library in the order of its offsets) followed by a summary line such as "2 errors" when there is at
/// least one error. `source` is the file compiled; spans in the library files given to
/// `Diagnostics::add_source` are rendered with those files.
std::string render_all(const SourceFile& source, const Diagnostics& diagnostics);

}  // namespace covenant::compiler
