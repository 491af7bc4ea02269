#pragma once
/// \file
/// A module's interface as the runtime sees it: the ABI JSON the compiler stores in the
/// module metadata under "abi" (written by compiler/abi.hpp), parsed back into a tree of
/// types with their memory layout (compiler/sema/types.hpp, "Values in memory"), and the
/// mapping between JSON values and the bytes of those types that `covenant call --args` and
/// the printing of results use.
///
/// JSON forms of values (input and canonical output):
///   Bool       true / false
///   Int        a JSON integer (exactly representable in 64 bits)
///   Money<C>   "1500.00 C": optional '-', digits, optional '.' and at most the currency's
///              minor digits (USD EUR CNY GBP CHF CAD: 2, JPY: 0); output always has them all
///   Rate       "12.5%" (at most 7 decimals) or "150bp" (at most 5); output is the shortest
///              exact percentage ("20%", "0.15%")
///   Date       "2027-03-01" (years 1..9999); output of a day outside them is its number
///   Duration   {"months": M, "days": D} (a missing member is 0 on input)
///   Code       "99213": 1..16 printable ASCII characters, no spaces
///   Hash, Pseudonym   64 hex digits (output lower case)
///   enum       "variant"
///   Option<T>  null, or the value
///   List<T,N>  an array of at most N values (output: the first `length`, clamped to N)
///   record     an object with exactly its fields (output in declaration order)

#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vm/expected.hpp"

namespace covenant::runtime {

/// Largest size of one value or parameter block in bytes; the compiler's `kMaxValueSize`
/// (compiler/sema/types.hpp), restated because the runtime does not depend on the compiler.
inline constexpr uint64_t kMaxAbiValueSize = 1 << 20;

/// The kinds of value types.
enum class AbiKind : uint8_t {
  bool_, int_, money, rate, date, duration, code, hash, pseudonym, key, record, enum_, option, list,
};

struct AbiType;

/// A record field and its place in the record.
struct AbiField {
  std::string name;
  const AbiType* type = nullptr;
  uint32_t offset = 0;  ///< Bytes from the start of the record.
};

/// A value type with its layout. Owned by an `Abi`; compare by pointer within one `Abi`.
struct AbiType {
  AbiKind kind = AbiKind::int_;
  std::string name;              ///< As the compiler writes it: "Money<USD>", "List<Line, 50>".
  std::string currency;          ///< money: "USD", ...
  uint32_t minor_digits = 0;     ///< money: decimals of the currency's minor unit.
  const AbiType* elem = nullptr; ///< option, list: the element type.
  uint64_t bound = 0;            ///< list: the most elements.
  std::vector<AbiField> fields;  ///< record: in declaration order.
  std::vector<std::string> variants;  ///< enum: tag i is variants[i].
  uint32_t size = 0;             ///< Bytes in memory, a multiple of 8, <= kMaxAbiValueSize.
};

/// A parameter of an entry, at `offset` in the parameter block.
struct AbiParam {
  std::string name;
  const AbiType* type = nullptr;
  uint32_t offset = 0;
};

/// An entry point: its parameter block (the call's input) and result block (its output).
struct AbiEntry {
  std::string name;
  std::vector<AbiParam> params;     ///< In declaration order, laid out back to back.
  const AbiType* result = nullptr;  ///< nullptr when the entry returns nothing.
  uint32_t param_size = 0;          ///< Bytes of the parameter block.
  uint32_t result_size = 0;         ///< Bytes of the result block (0 without a result).
};

/// An event a contract may emit: its number (what `emit` records) and its fields, laid out
/// as a record.
struct AbiEvent {
  std::string name;
  uint32_t index = 0;
  const AbiType* type = nullptr;  ///< A record type named after the event.
};

/// A parsed ABI. Owns its types; movable (types live on the heap, so pointers into a moved
/// Abi stay valid), not copyable.
class Abi {
 public:
  /// Parses the ABI JSON of compiler/abi.hpp. Fails with a one-line reason when the text is
  /// not JSON, a member is missing, of the wrong JSON type or unknown, a name is empty or
  /// repeated, a type name cannot be resolved (unknown currency, record or enum; a record
  /// that contains itself), or a value or parameter block exceeds kMaxAbiValueSize.
  static Expected<Abi, std::string> parse(std::string_view json);

  Abi(Abi&&) noexcept = default;
  Abi& operator=(Abi&&) noexcept = default;
  Abi(const Abi&) = delete;
  Abi& operator=(const Abi&) = delete;

  /// The contract's name and version.
  const std::string& contract() const { return contract_; }
  int64_t version() const { return version_; }
  /// Entries in declaration order.
  const std::vector<AbiEntry>& entries() const { return entries_; }
  /// Events in declaration order (their numbers are their positions).
  const std::vector<AbiEvent>& events() const { return events_; }
  /// `{"event":"Name","data":{…}}` for an event record's number and data, or
  /// `{"event":N,"data":"hex"}` when the ABI has no such event or the data does not fit it.
  std::string event_json(uint32_t index, std::span<const uint8_t> data) const;
  /// The entry called `entry`, or nullptr.
  const AbiEntry* find(std::string_view entry) const;
  /// The type written `name` ("Int", "Money<EUR>", "List<Line, 5>", a record or enum name),
  /// built on first use from the built-in types and this ABI's records and enums (a test's
  /// `expect` may compare values of types no entry mentions); nullptr if `name` is not such
  /// a type. Not thread-safe: it may add to the ABI's types.
  const AbiType* type_named(std::string_view name) const;
  /// Record and enum types in declaration order.
  const std::vector<const AbiType*>& records() const { return records_; }
  const std::vector<const AbiType*>& enums() const { return enums_; }

 private:
  Abi() = default;
  friend class AbiBuilder;

  std::string contract_;
  int64_t version_ = 0;
  std::vector<AbiEntry> entries_;
  std::vector<AbiEvent> events_;
  std::vector<const AbiType*> records_, enums_;
  // Every type, each once, and the index by name; `type_named` adds to them.
  mutable std::vector<std::unique_ptr<AbiType>> types_;
  mutable std::map<std::string, const AbiType*, std::less<>> by_name_;
};

/// The parameter block of `entry` from a JSON object holding exactly its parameters (the
/// `--args` of `covenant call`), `entry.param_size` bytes. Fails with one line naming the
/// path and what was expected, e.g.
/// `c.lines[2].billed: expected an amount like "12.50 USD", found 12.5`.
Expected<std::vector<uint8_t>, std::string> encode_params(const AbiEntry& entry,
                                                          std::string_view json_object);

/// The `type.size` bytes of one value from its JSON form; errors name the path `what`.
Expected<std::vector<uint8_t>, std::string> encode_value(const AbiType& type,
                                                         std::string_view json,
                                                         std::string_view what = "value");

/// The canonical compact JSON of the value of `type` in `bytes`. Never fails: bytes that no
/// valid value has (a Bool of 2, an enum tag past the variants, a date outside years
/// 1..9999) print as numbers, a list's length is clamped to its bound, and bytes past the
/// end of `bytes` read as zero. Deterministic.
std::string value_json(const AbiType& type, std::span<const uint8_t> bytes);

/// `text` as a JSON string literal, quoted, with `"` and `\` escaped and every byte outside
/// printable ASCII written `\u00XX`, so the result is ASCII and valid JSON whatever the bytes.
std::string json_string(std::string_view text);

/// The minor-unit digits of a supported currency (USD EUR CNY GBP CHF CAD: 2, JPY: 0), or
/// -1 for any other code.
int currency_digits(std::string_view code);

/// Days since 1970-01-01 of a proleptic Gregorian date (no range check).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day);

/// True when year-month-day names a day of the calendar in years 1..9999.
bool valid_date(int64_t year, int64_t month, int64_t day);

/// The day "YYYY-MM-DD" names, as days since 1970-01-01; nullopt if it is not exactly such a
/// valid date.
std::optional<int64_t> parse_date(std::string_view text);

}  // namespace covenant::runtime
