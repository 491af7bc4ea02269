#pragma once
/// \file
/// The output of the semantic passes: a contract whose every name is resolved and every
/// expression typed (the annotations live in the AST nodes, see ast.hpp "Set by sema"), plus
/// the tables of declarations that code generation, the reference evaluator and the ABI need.
/// Immutable once `check` returns it.

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler/diagnostics.hpp"
#include "compiler/sema/types.hpp"
#include "compiler/source.hpp"
#include "compiler/sources.hpp"
#include "compiler/syntax/ast.hpp"
#include "runtime/abi.hpp"

namespace covenant::compiler {

/// How Money × Rate and Money / Int round to the currency's minor unit. The numbers are what
/// the runtime helpers take (Java RoundingMode semantics).
enum class Rounding : uint8_t {
  half_up = 0,    ///< Ties away from zero.
  half_even = 1,  ///< Ties to the even neighbour.
  down = 2,       ///< Toward zero.
  up = 3,         ///< Away from zero.
};

/// Builtin functions and methods (Expr::ref == Ref::builtin, Expr::ref_index == Builtin).
enum class Builtin : uint32_t {
  min, max, abs,           ///< Int, Money (one currency), Rate, Date.
  days, months, years,     ///< Int -> Duration.
  date,                    ///< date(y, m, d) -> Date.
  now,                     ///< now() -> Date: the transaction's date.
  pseudonym, hash,         ///< Compile time only: of a string (SHA-256) or a 0x literal.
  year, month, day,        ///< Date fields (`d.year`), Int.
  len,                     ///< list.len (a field), Int.
  is_some, is_none,        ///< option.is_some / option.is_none (fields), Bool.
  map_get,                 ///< state map.get(k) -> Option<V>
  map_put,                 ///< state map.put(k, v)
  map_remove,              ///< state map.remove(k) (maps and sets)
  map_contains,            ///< state map.contains(k) / set.contains(k) / k in set
  set_add,                 ///< state set.add(k)
  list_push,               ///< var list.push(x): appends; faults past the maximum.
  table_get,               ///< table[k] -> Option<V>
  key,                     ///< key(0x...) -> Key: compile time only, of a 0x literal.
  caller,                  ///< caller() -> Key: who signed the transaction (host `caller`).
  sha256,                  ///< sha256(x) -> Hash of x's canonical bytes (host `sha256`).
  state_first,             ///< state m.first() -> Option<K>: the first key, in key order.
  state_next,              ///< state m.next(k) -> Option<K>: the first key after k.
};

/// A parameter, `let`/`var`, loop variable or match binding of one function or test.
struct LocalInfo {
  std::string name;
  const Type* type = nullptr;
  bool is_mutable = false;
  Span span;
};

/// A `fn` or `entry`.
struct FunctionInfo {
  const ast::FunctionDecl* decl = nullptr;
  std::string name;
  bool is_entry = false;
  std::vector<const Type*> params;  ///< Locals 0..params.size()-1 are the parameters.
  const Type* result = nullptr;     ///< unit when there is none.
  std::vector<LocalInfo> locals;
  uint32_t param_size = 0;          ///< Bytes of the parameter block (entries' input).
};

/// A `test` block, compiled as an extra entry point in test builds.
struct TestInfo {
  const ast::TestDecl* decl = nullptr;
  std::string entry_name;           ///< "__test_<n>".
  std::vector<LocalInfo> locals;
};

struct ConstInfo {
  const ast::ConstDecl* decl = nullptr;
  const Type* type = nullptr;
};

/// A table with its entries evaluated at compile time and sorted by key.
struct TableInfo {
  std::string name;
  const Type* key = nullptr;
  const Type* value = nullptr;
  /// (key bytes, value bytes) in the layout of types.hpp, sorted ascending by key (signed
  /// for Int and Date, byte-wise for Code, by tag for enums). Keys are unique.
  std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>> entries;
};

/// A code set: its members as 16-byte code texts (zero padded), ranges inclusive.
struct CodeSetInfo {
  std::string name;
  struct Member {
    enum class Kind : uint8_t { exact, range, prefix } kind = Kind::exact;
    std::array<uint8_t, 16> low{};   ///< exact code, range start, or prefix.
    std::array<uint8_t, 16> high{};  ///< range end.
    uint32_t prefix_length = 0;      ///< prefix: characters that must match.
  };
  std::vector<Member> members;
};

/// A `state` declaration. `id` is the number the host functions take (1-based, in
/// declaration order).
struct StateInfo {
  std::string name;
  uint32_t id = 0;
  const Type* key = nullptr;
  const Type* value = nullptr;  ///< nullptr for a Set.
};

/// A `deny` (or `require … else deny`): r0 of a denied call is its 1-based index.
struct DenyInfo {
  Span span;
  std::string reason;
  std::optional<int64_t> code;
};

/// An `expect` of a test: what to print when it fails.
struct ExpectInfo {
  Span span;
  const Type* type = nullptr;  ///< Type of the two compared values (Bool for a plain expect).
  ast::Op op = ast::Op::eq;    ///< The comparison; eq for a plain `expect cond`.
  bool compares = false;       ///< True for `expect a OP b`.
  std::string lhs_text;        ///< Source text of the two sides.
  std::string rhs_text;
};

/// A checked contract. Refers into the AST and the sources, which must outlive it.
struct Checked {
  const SourceFile* source = nullptr;  ///< The file compiled.
  /// Every file of the compilation: spans of library code are in library files, and code
  /// generation locates code by unit lines (sources.hpp).
  const Sources* sources = nullptr;
  /// Owns `sources` when `check` was given none (a compilation of one file).
  std::shared_ptr<const Sources> own_sources;
  bool library = false;                ///< The file compiled is a library (`library name`).
  const ast::Contract* contract = nullptr;
  std::unique_ptr<TypeTable> types;
  std::string name;
  int64_t version = 0;
  std::optional<Rounding> rounding;
  std::vector<ConstInfo> constants;
  std::vector<TableInfo> tables;
  std::vector<CodeSetInfo> codesets;
  std::vector<StateInfo> states;
  std::vector<FunctionInfo> functions;
  std::vector<TestInfo> tests;
  std::vector<DenyInfo> denies;
  std::vector<ExpectInfo> expects;
  std::vector<const Type*> records;  ///< Record types (events too) in declaration order.
  /// Event types (records declared with `event`) in declaration order: event i is number i,
  /// what `emit` passes to the host and the ABI's "events" lists.
  std::vector<const Type*> events;
  std::vector<const Type*> enums;    ///< Enum types in declaration order.
  /// Largest number of body executions of every loop, by its source position (line, column
  /// of the `for`): what the static gas bound multiplies by.
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> loop_bounds;

  /// The function called `name`, or nullptr.
  const FunctionInfo* find_function(const std::string& wanted) const;
};

/// A `use` of one file of a compilation, resolved to the library file it names.
struct Import {
  uint32_t file = 0;  ///< The library's file index (compiler/sources.hpp).
  /// `use std.lib.{A, B}`: the names listed (each must be declared by the library, E0213);
  /// nullopt for `use std.lib`, which imports all of its declarations.
  std::optional<std::vector<ast::Ident>> names;
  Span span;          ///< The whole `use`.
};

/// One file of a compilation as the checker sees it (by file index, compiler/sources.hpp).
struct FileInfo {
  std::string library;          ///< The library's name; empty for a contract.
  std::filesystem::path dir;    ///< Where its CSV tables are, when not `embedded`.
  bool embedded = false;        ///< Its CSV tables come from the embedded std (std_library.hpp).
  std::vector<Import> imports;  ///< Its `use`s, in order.
};

/// What `check` needs besides the contract: where files are, and the libraries linked in.
struct CheckOptions {
  std::filesystem::path base_dir;  ///< Directory of the contract: CSV paths are relative to it.
  /// Every file of the compilation, when it links libraries (compiler/libraries.hpp); null
  /// for a compilation of the one file given to `check`.
  const Sources* sources = nullptr;
  /// By file index, one per file of `sources`; empty for a compilation of one file (which is
  /// then a contract or library whose CSV tables are in `base_dir`, using no library).
  std::vector<FileInfo> files;
};

/// Runs the semantic passes in order (declarations and names, types and units, termination)
/// over `contract`, which holds the declarations of every library it uses before its own
/// (compiler/libraries.hpp). Every declaration is checked in the settings of `contract`
/// (its currency and rounding; a library compiled on its own: USD and half_even). Reports
/// every problem to `diags`; returns the checked contract when there was none. `contract` is
/// annotated in place.
std::optional<Checked> check(const SourceFile& source, ast::Contract& contract,
                             Diagnostics& diags, const CheckOptions& options);

/// The 16-byte form of a code text (zero padded). Requires 1..16 characters.
std::array<uint8_t, 16> code_bytes(const std::string& text);

/// The calendar the compiler folds date literals with is the runtime's (runtime/abi.hpp), so
/// a date means the same day in a module and in the JSON of `covenant call`.
using runtime::days_from_civil;
using runtime::valid_date;

}  // namespace covenant::compiler
