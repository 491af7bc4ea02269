#pragma once
/// \file
/// Checked types and their memory layout. Every type the checker hands out is interned in a
/// `TypeTable`, so two types are equal exactly when their pointers are.
///
/// Layout (docs/LANGUAGE.md, "Values in memory"): every value occupies a multiple of 8 bytes,
/// little-endian, 8-byte aligned, with no padding:
///   Bool, Int, Money, Rate, Date, enum   8 bytes (Bool 0/1; Money in minor units; Rate in
///                                        billionths; Date in days since 1970-01-01; enum tag)
///   Duration                             16: months, then days
///   Code                                 16: the ASCII text, zero padded
///   Hash, Pseudonym, Key                 32 bytes
///   Option<T>                            8 (0 = none, 1 = some) + T
///   List<T, N>                           8 (length) + N × T
///   record                               its fields in declaration order

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "compiler/source.hpp"

namespace covenant::compiler {

enum class TypeKind : uint8_t {
  unit,       ///< No value: a function without a result, a statement.
  bool_,
  int_,
  money,
  rate,
  date,
  duration,
  code,
  hash,
  pseudonym,
  key,        ///< A 32-byte Ed25519 public key (`caller()`).
  record,
  enum_,
  option,
  list,
  // Not values: the types of declarations that can only be named and queried.
  codeset,    ///< A `codes` declaration.
  table,      ///< A `table` declaration.
  map,        ///< A `state` Map.
  set,        ///< A `state` Set.
};

struct Type;

/// A record field with its place in the record's layout.
struct FieldInfo {
  std::string name;
  const Type* type = nullptr;
  uint32_t offset = 0;  ///< Bytes from the start of the record.
  Span span;
};

/// A declared record.
struct RecordInfo {
  std::string name;
  std::vector<FieldInfo> fields;
  uint32_t size = 0;
  Span span;
  /// The field called `name`, or nullptr.
  const FieldInfo* find(const std::string& field) const;
};

/// A declared enum.
struct EnumInfo {
  std::string name;
  std::vector<std::string> variants;  ///< Tag i is variants[i].
  Span span;
  /// The tag of `variant`, or -1.
  int find(const std::string& variant) const;
};

/// A checked type.
struct Type {
  TypeKind kind = TypeKind::unit;
  std::string currency;               ///< money: "USD", ...
  const Type* elem = nullptr;         ///< option, list, set: element; map, table: value.
  const Type* key = nullptr;          ///< map, table: key.
  uint64_t bound = 0;                 ///< list: the declared maximum length.
  const RecordInfo* record = nullptr; ///< record.
  const EnumInfo* enumeration = nullptr;  ///< enum_.
  uint32_t size = 0;                  ///< Bytes in memory; 0 for unit and the non-value kinds.

  /// True for the kinds held in one 64-bit word (Bool, Int, Money, Rate, Date, enum).
  bool is_word() const;
  /// True for types that values can have (not unit, codeset, table, map, set).
  bool is_value() const;
  /// The type as a user writes it: "Money<USD>", "List<Line, 50>", "Option<Int>".
  std::string name() const;
};

/// The minor-unit digits (ISO 4217) of the currency called `code`, or nullopt when the
/// language does not support it (see runtime::currency_digits, the one table).
std::optional<uint32_t> currency_minor_digits(const std::string& code);

/// Interns types. Owns records and enums too. Not copyable (types point into it).
class TypeTable {
 public:
  TypeTable();
  TypeTable(const TypeTable&) = delete;
  TypeTable& operator=(const TypeTable&) = delete;

  const Type* unit() const { return unit_; }
  const Type* bool_() const { return bool_t_; }
  const Type* int_() const { return int_t_; }
  const Type* rate() const { return rate_; }
  const Type* date() const { return date_; }
  const Type* duration() const { return duration_; }
  const Type* code() const { return code_; }
  const Type* hash() const { return hash_; }
  const Type* pseudonym() const { return pseudonym_; }
  const Type* key() const { return key_; }
  const Type* codeset() const { return codeset_; }
  /// Money in `currency` (which must be supported).
  const Type* money(const std::string& currency);
  const Type* option(const Type* elem);
  /// List<elem, bound>. Size grows with bound: the caller checks limits first.
  const Type* list(const Type* elem, uint64_t bound);
  const Type* table(const Type* key, const Type* value);
  const Type* map(const Type* key, const Type* value);
  const Type* set(const Type* elem);

  /// A new record type (fields filled in later by `finish_record`).
  RecordInfo* add_record(std::string name, Span span);
  /// Lays out `record` once all field types are known; returns its type.
  const Type* finish_record(RecordInfo* record);
  /// The type of a record (after `add_record`).
  const Type* record_type(const RecordInfo* record);
  /// A new enum type.
  const Type* add_enum(EnumInfo info);

 private:
  const Type* intern(Type t);
  std::deque<Type> types_;
  std::deque<RecordInfo> records_;
  std::deque<EnumInfo> enums_;
  std::map<std::tuple<int, std::string, const void*, const void*, uint64_t>, const Type*> index_;
  const Type *unit_, *bool_t_, *int_t_, *rate_, *date_, *duration_, *code_, *hash_, *pseudonym_,
      *key_, *codeset_;
};

/// Largest size of one value (a parameter block, a list, a record), in bytes. Keeps every
/// value well inside the VM's memory limits and every offset inside 32 bits.
inline constexpr uint64_t kMaxValueSize = 1 << 20;

}  // namespace covenant::compiler
