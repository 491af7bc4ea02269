#pragma once
/// \file
/// Compiling a contract from text and calling its entries on the VM, for the compiler's
/// tests that check what compiled code does (libraries_test.cpp, host_features_test.cpp).
/// The test libraries of tests/compiler/libraries/ are found by `use std.NAME`.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "compiler/driver.hpp"
#include "runtime/contract_host.hpp"
#include "runtime/memory_state.hpp"
#include "vm/machine.hpp"

namespace covenant::compiler::testing {

/// A compilation and what it needs to stay valid.
struct Built {
  std::unique_ptr<SourceFile> source;
  Compilation compilation;
  std::string diagnostics;  ///< render_all of every diagnostic (empty when there was none).
  bool ok() const { return compilation.packaged.has_value(); }
  const vm::Module& module() const { return compilation.packaged->module; }
};

/// Compiles `text` under the source name `name` (CSV tables in tests/compiler/libraries).
/// With `tests`, the test blocks are exported too.
Built build(const std::string& name, const std::string& text, bool tests = false);

/// How one call ended, and what it left.
struct Called {
  vm::Outcome outcome;
  std::vector<uint8_t> output;        ///< The result block (when the call succeeded).
  std::vector<runtime::Event> events;  ///< What it emitted (kept even when it failed).
};

/// Calls entry `entry` of `built` (which compiled) with the parameter block `params`, against
/// `state` (writes kept whatever the outcome), with `caller` as the transaction's signer and
/// 2027-01-01 as the date. Throws std::runtime_error when the module does not load or has no
/// such entry (doctest reports it as a failure).
Called call(const Built& built, const std::string& entry, std::span<const uint8_t> params,
            runtime::MemoryState& state, const runtime::CallerKey& caller = {});

/// Int words, little-endian, back to back: a parameter block of Ints (or other words).
std::vector<uint8_t> words(std::initializer_list<int64_t> values);

/// The word at byte `offset` of `bytes`.
int64_t word_at(std::span<const uint8_t> bytes, size_t offset = 0);

}  // namespace covenant::compiler::testing
