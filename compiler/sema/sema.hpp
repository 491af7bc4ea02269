#pragma once
/// \file
/// The state the semantic passes share (internal to compiler/sema). Each pass is one file:
///   declare.cpp      names: settings, types, constants, tables, code sets, states, signatures
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
  Span span;
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

  const SourceFile& source_;
  ast::Contract& contract_;
  Diagnostics& diags_;
  CheckOptions options_;
  std::map<std::string, Global> globals_;
  std::map<std::string, const Type*> type_names_;
  std::string currency_;  // the `currency` setting, or empty

 private:
  const Type* resolve_record_fields(RecordInfo* record, std::vector<int>& state);
  std::map<const RecordInfo*, const ast::RecordDecl*> record_decls_;
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
