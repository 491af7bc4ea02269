#pragma once
/// \file
/// The state the semantic passes share (internal to compiler/sema). Each pass is one file:
///   declare.cpp      names: settings, types, events, constants, tables, code sets, states,
///                    signatures; what each file (contract or library) sees and imports
///   typecheck.cpp    types and units: every function, entry and test body
///   termination.cpp  no recursion, every loop bounded, entries not called from code
/// `check` (check.cpp) runs them in that order and stops after a pass that reported errors.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/sema/checked.hpp"

namespace covenant::compiler::sema {

/// What a top-level name denotes.
struct Global {
  ast::Ref ref = ast::Ref::none;
  uint32_t index = 0;
  Span span;          ///< The name in its declaration (which file it is in, sources.hpp).
};

class Sema {
 public:
  Sema(const SourceFile& source, ast::Contract& contract, Diagnostics& diags,
       const CheckOptions& options);

  void declare();
  void typecheck();
  void termination();

  Checked out;

  // Shared helpers.
  void error(Diag d, Span span, std::string message, std::string hint = {}) {
    diags_.report(d, span, std::move(message), std::move(hint));
  }
  /// The checked type written as `t`, or nullptr after reporting why not.
  const Type* resolve_type(const ast::TypeExpr& t);
  /// Value of a compile-time literal expression `e` of type `type` in memory layout, or
  /// nullopt after reporting. `e` must already be typechecked.
  std::optional<std::vector<uint8_t>> constant_bytes(const ast::Expr& e);

  // Names across files. Every declaration of the compilation has one name (E0202 across
  // files too); a file sees its own declarations and those it imports (`use`).

  /// The file index of a span.
  uint32_t file_of(Span span) const { return sources_.file_of(span.begin).index(); }
  /// Checks the declarations of the file holding `span` from now on (names are looked up
  /// as that file sees them).
  void enter_file(Span span) { current_file_ = file_of(span); }
  /// The global `name` if the current file sees it, else nullptr.
  const Global* lookup(const std::string& name) const;
  /// The type `name` (record, enum or event) if the current file sees it, else nullptr.
  const Type* lookup_type(const std::string& name) const;
  /// For a name the current file does not see but another file of the compilation declares,
  /// how to import it; empty otherwise.
  std::string import_hint(const std::string& name) const;
  /// The name of the file holding `span` as a sentence part: "library money" or "the contract".
  std::string file_label(Span span) const;

  const SourceFile& source_;
  ast::Contract& contract_;
  Diagnostics& diags_;
  CheckOptions options_;
  const Sources& sources_;
  std::vector<FileInfo> files_;  // by file index, at least the root
  uint32_t current_file_ = 0;
  std::map<std::string, Global> globals_;
  std::map<std::string, const Type*> type_names_;
  std::map<std::string, Span> type_spans_;  // where each type name is declared
  std::string currency_;  // the `currency` setting, or empty

 private:
  bool visible(Span declared, const std::string& name) const;
  /// Reports `name` declared again where `first` already declares it (E0202, with a note
  /// at `first` when it is in another file).
  void duplicate(const ast::Ident& name, Span first);
  const Type* resolve_record_fields(RecordInfo* record, std::vector<int>& state);
  void check_imports();
  std::map<const RecordInfo*, const std::vector<ast::FieldDecl>*> record_decls_;
  std::map<const RecordInfo*, Span> record_names_;
};

/// Parses the digits of a money literal ("1_500.00") into minor units of a currency with
/// `digits` minor digits. Fails when it has more decimals than that or does not fit in 64 bits,
/// with `why` completing a sentence that starts with the literal ("has 3 decimals but ...").
std::optional<int64_t> money_minor_units(const std::string& text, uint32_t digits,
                                         std::string& why);
/// Parses a rate literal ("12.5" with unit "%" or "bp") into billionths. Fails when inexact
/// or out of range, with `why` completing a sentence that starts with the literal.
std::optional<int64_t> rate_billionths(const std::string& text, const std::string& unit,
                                       std::string& why);

}  // namespace covenant::compiler::sema
