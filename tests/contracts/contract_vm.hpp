#pragma once
/// \file
/// A contract compiled in-process (compiler driver `compile()`, as the differential test of
/// tests/compiler does) and called entry by entry on the VM with the contract host table,
/// against a state that persists from call to call: what the property tests of
/// tests/contracts/ need to run the standard library and the contracts of contracts/ on
/// random inputs. Arguments go in as the JSON of `covenant call --args` (runtime/abi.hpp),
/// results come back as bytes read through their ABI type (`View`).

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/abi.hpp"
#include "runtime/contract_host.hpp"
#include "runtime/memory_state.hpp"
#include "vm/machine.hpp"
#include "vm/module.hpp"
#include "vm/program.hpp"

namespace covenant::contract_tests {

/// A value of an ABI type in a result block: fields by name, list elements by index, and the
/// 64-bit words Int, Money, Rate, Date and enum tags are stored in.
class View {
 public:
  View(const runtime::AbiType* type, std::span<const uint8_t> bytes) : type_(type), bytes_(bytes) {}

  /// The record field `name` (a failed CHECK and an empty view if there is none).
  View operator[](std::string_view name) const;
  /// List element `i` (0-based; the caller checks it against `size()`).
  View operator[](size_t i) const;
  /// A list's length.
  size_t size() const;
  /// The first 8 bytes as a signed integer: Int, Money (minor units), Rate (billionths),
  /// Date (days since 1970-01-01), an enum's tag, a Bool.
  int64_t word() const;
  /// The value as `covenant call` prints it, for messages.
  std::string json() const;
  const runtime::AbiType* type() const { return type_; }

 private:
  const runtime::AbiType* type_;
  std::span<const uint8_t> bytes_;
};

/// How one call ended.
struct Outcome {
  enum class Kind : uint8_t { ok, denied, fault };
  Kind kind = Kind::fault;
  std::vector<uint8_t> result;         ///< ok: the result block.
  uint64_t deny = 0;                   ///< denied: the 1-based number of the `deny` that ended it.
  std::string fault;                   ///< fault: what the VM or the contract reported.
  std::vector<runtime::Event> events;  ///< ok: the events it emitted, in order.
  uint64_t gas_used = 0;
};

/// One compiled contract with its state. Calls that are denied or fault leave no writes
/// behind, as on a node.
class Contract {
 public:
  /// Compiles `text` (named `name`; CSV tables are looked up in `base_dir`) and loads the
  /// module on the VM; a failed CHECK (and `ok()` false) with the diagnostics otherwise.
  Contract(const std::string& name, const std::string& text, const std::filesystem::path& base_dir);
  /// Compiles the contract file at `path`.
  static Contract from_file(const std::filesystem::path& path);

  bool ok() const { return program_ != nullptr; }

  /// Calls `entry` with the parameters given as one JSON object, signed by `caller`, on
  /// `today` (days since 1970-01-01; by default 2025-01-01, as `covenant call`). A bad
  /// argument is a failed CHECK and a fault outcome.
  Outcome call(const std::string& entry, const std::string& args_json,
               const runtime::CallerKey& caller = {}, int64_t today = 20'089);
  /// A view of the result of `entry` in `outcome` (outcome must be ok).
  View result(const std::string& entry, const Outcome& outcome) const;
  /// The static gas bound of `entry`, as the packager computed it.
  uint64_t gas_bound(const std::string& entry) const;

 private:
  std::string name_;
  vm::Module module_;
  std::unique_ptr<vm::Program> program_;
  std::unique_ptr<runtime::Abi> abi_;
  std::vector<std::pair<std::string, uint64_t>> bounds_;
  runtime::MemoryState state_;
  vm::Machine machine_;
  uint32_t frame_size_ = 8192;
  uint32_t call_depth_ = 8;
};

/// Days since 1970-01-01 of a calendar date.
int64_t days_of(int year, int month, int day);

/// Reads a source file of the repository (relative to COVENANT_SOURCE_DIR).
std::string read_source(const std::filesystem::path& relative);

/// The JSON of values, quoted: an amount ("-12.05 USD", "300 JPY") ...
std::string money_json(int64_t minor_units, int digits, std::string_view currency);
/// ... a rate in billionths ("12.5000000%") ...
std::string rate_json(int64_t billionths);
/// ... a date, from days since 1970-01-01 ("2027-03-01") ...
std::string date_json(int64_t days);
/// ... and 32 bytes as a Hash, Pseudonym or Key (64 hex digits).
std::string hex32_json(const std::array<uint8_t, 32>& bytes);

}  // namespace covenant::contract_tests
