#pragma once
/// \file
/// A sound static upper bound of the gas an entry point can use, computed on the final
/// bytecode, and the deepest chain of frames it can open.
///
/// How (docs/gas.md, "Static bounds"): every function is split into basic blocks; each
/// block costs the gas of its instructions (vm/gas.hpp by cost class, plus the fixed gas of
/// each host function it calls, plus the bound of each local function it calls). Natural
/// loops are found from dominators and back edges and bounded from the source: the compiler
/// gives every loop-control instruction of a source `for` loop the location of its `for`
/// keyword and says, per location, how many times the body runs at most (`LoopBounds`). A
/// loop matched to a bound N runs its header at most N + 1 times per entry, so it costs at
/// most N times its costliest iteration plus its costliest final pass; nested loops
/// multiply. After collapsing loops the graph is acyclic, and the bound of a function is
/// its costliest path. A path may stop anywhere (exit, fault, abort); the VM then has still
/// charged the whole straight-line run being executed, and the bound counts that too.
///
/// What it does not count: gas a host function charges dynamically (`HostCall::charge`,
/// proportional to its arguments) on top of its fixed cost.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vm/expected.hpp"
#include "vm/host.hpp"
#include "vm/module.hpp"
#include "vm/opcodes.hpp"

namespace covenant::compiler {

/// (line, column) of a source loop's `for` keyword -> the most times its body runs each
/// time the loop is entered.
using LoopBounds = std::map<std::pair<uint32_t, uint32_t>, uint64_t>;

/// The result of `bound_gas`.
struct GasBounds {
  /// Per entry, in the order given: gas a call of that entry uses at most (saturated at
  /// UINT64_MAX, still an upper bound, if the arithmetic overflows).
  std::vector<uint64_t> entry_gas;
  /// Frames a call can open at most, the entry's own included, over all entries.
  uint32_t max_call_depth = 0;
};

/// Bounds the gas of each entry of `code` (final, relocated slots). `entries` are entry
/// slots (function starts). `lines` are the line-table rows of the code, sorted by pc, each
/// covering its slot up to the next row, with line 0 where the code has no source location
/// (so a loop-control instruction is never credited with a neighbour's location).
/// `loop_bounds` bounds the source loops; `hosts` gives the fixed gas of host functions.
/// Fails with a reason when the code does not verify, when a loop cannot be matched to a
/// bound ("cannot bound the loop at slot 12 (line 7:3)"), when control flow is irreducible,
/// or when functions call each other recursively.
Expected<GasBounds, std::string> bound_gas(std::span<const vm::RawInsn> code,
                                           std::span<const uint32_t> entries,
                                           std::span<const vm::SourceLoc> lines,
                                           const LoopBounds& loop_bounds,
                                           const vm::HostTable& hosts);

}  // namespace covenant::compiler
