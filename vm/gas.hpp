#pragma once
/// \file
/// The gas schedule: what each cost class of the opcode table costs. docs/gas.md gives the
/// reasoning. Changing a number here changes consensus: every node must use the same table.

#include <cstdint>

#include "vm/opcodes.hpp"

namespace covenant::vm {

/// Gas of one instruction of class `c`. Host calls add the function's own `gas`.
constexpr uint32_t gas_cost(CostClass c) {
  switch (c) {
    case CostClass::alu: return 1;
    case CostClass::mul: return 2;
    case CostClass::div: return 8;
    case CostClass::load: return 2;
    case CostClass::store: return 2;
    case CostClass::lddw: return 1;
    case CostClass::branch: return 1;
    case CostClass::call_local: return 5;
    case CostClass::call_host: return 10;
    case CostClass::exit: return 2;
    case CostClass::unsupported: return 0;
  }
  return 0;
}

}  // namespace covenant::vm
