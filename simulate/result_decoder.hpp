#pragma once
/// \file
/// A plan's result block read back as a `ClaimResult` (simulate/claim_result.hpp), by field
/// name, so that any plan whose result has a list of lines with the documented names can be
/// simulated (docs/claims-format.md, "How a result is read"): std.claims' `Adjudication`
/// and Synthea's payer model both are.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/abi.hpp"
#include "simulate/claim_result.hpp"
#include "vm/expected.hpp"

namespace covenant::simulate {

/// Reads result blocks of one entry. Immutable once made; thread-safe.
class ResultDecoder {
 public:
  /// The decoder for `entry`'s result. Fails with one line when the entry returns nothing,
  /// the result is not a record, or it has no list of line records named `lines` or
  /// `entries` with a charge (`submitted` or `cost`) and a payment (`paid` or `payer`).
  static Expected<ResultDecoder, std::string> make(const runtime::AbiEntry& entry);

  /// Appends the lines of `block` to `out.lines`, numbered from `first_number`, and adds
  /// their amounts to `out`'s totals (billed, allowed, payer, patient, secondary,
  /// contractual); sets `out.status` from the plan's status field when it has one.
  void add(std::span<const uint8_t> block, int64_t first_number, ClaimResult& out) const;

  /// One field to read (public for the table in the .cpp; not part of the interface).
  struct Slot {
    uint8_t target = 0;
    uint32_t offset = 0;
    const runtime::AbiType* type = nullptr;
  };

 private:
  ResultDecoder() = default;

  const runtime::AbiType* status_ = nullptr;
  uint32_t status_offset_ = 0;
  uint32_t lines_offset_ = 0;
  const runtime::AbiType* lines_ = nullptr;
  std::vector<Slot> line_slots_;
  // Synthea's model: a line without `coinsurance` reports in `patient` only what the member
  // pays beyond copay and deductible.
  bool patient_is_rest_ = false;
  // The adjustment record's fields.
  uint32_t adj_group_ = 0, adj_reason_ = 0, adj_amount_ = 0;
  const runtime::AbiType* adj_group_type_ = nullptr;
};

}  // namespace covenant::simulate
