#pragma once
/// \file
/// Random, well-formed values of checked types for the differential test, with
/// distributions that favour edges: 0, ±1, the ends of the 64-bit range, amounts near
/// overflow, rates such as 0%, 100% and 12.5%, the ends of the Date range and month ends,
/// list lengths from 0 to the maximum, codes at the boundaries of the contract's code sets
/// and in its tables, and the literals the contract itself compares with (± 1), which is what
/// provokes its denials. Hashes and pseudonyms come mostly from a small pool, so that calls
/// meet the state earlier calls wrote. Deterministic for a given seed.

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "compiler/sema/checked.hpp"

namespace covenant::compiler::testing {

/// Generates parameter blocks (and single values) for the entries of one checked contract.
class ValueGen {
 public:
  /// Harvests the interesting constants of `checked` (literals, code sets, table keys).
  /// `checked` and its AST must outlive the generator.
  ValueGen(const Checked& checked, uint64_t seed);

  /// A parameter block of `f` (its param_size bytes): every parameter a random value. In
  /// about one block of five the bytes no reading depends on (a `none` payload, list slots
  /// past the length) hold garbage, as a caller may send them: results, state, hashes and
  /// events must not depend on them.
  std::vector<uint8_t> params(const FunctionInfo& f);
  /// Writes a random value of `type` (type->size bytes) at `out`. Unused bytes (a `none`
  /// payload, list elements past the length) are zero.
  void value(const Type* type, uint8_t* out);
  /// The key `caller()` returns for a call: mostly one of a few keys (all zero among them).
  std::array<uint8_t, 32> caller();
  /// A random transaction date (days since 1970-01-01) for `now()`: mostly near the
  /// literals of the contract, sometimes at the ends of the valid range.
  int64_t today();
  /// A uniform integer in [lo, hi].
  int64_t uniform(int64_t lo, int64_t hi);

 private:
  void harvest(const ast::Expr& e);
  void harvest(const ast::Block& b);
  bool chance(int percent);
  template <typename T>
  const T& pick(const std::vector<T>& pool) {
    return pool[static_cast<size_t>(uniform(0, static_cast<int64_t>(pool.size()) - 1))];
  }
  int64_t edge_int();
  int64_t int_value();
  int64_t money_value(const Type* t);
  int64_t rate_value();
  int64_t date_value();
  int64_t duration_part();
  std::array<uint8_t, 16> code_value();
  void dirty(const Type* type, uint8_t* at);

  const Checked& C_;
  std::mt19937_64 rng_;
  std::vector<int64_t> ints_, money_, rates_, dates_, durations_;
  std::vector<std::array<uint8_t, 16>> codes_;
  std::vector<std::array<uint8_t, 32>> hashes_;
};

}  // namespace covenant::compiler::testing
