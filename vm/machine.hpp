#pragma once
/// \file
/// The interpreter. A `Machine` owns the memory of one call at a time (stack, heap, input,
/// output) and runs a `Program` under per-call limits. Reuse one Machine for many calls:
/// memory is allocated once and only the bytes a call dirtied are cleared afterwards.

#include <cstdint>
#include <span>
#include <vector>

#include "vm/fault.hpp"
#include "vm/memory.hpp"
#include "vm/program.hpp"

namespace covenant::vm {

/// Limits of one call. Every one is checked; none is global.
struct Limits {
  uint64_t gas = 10'000'000;        ///< Gas available to the call.
  uint32_t max_call_depth = 8;      ///< Frames, the entry's own included (1..64).
  uint32_t frame_size = 512;        ///< Stack bytes per frame, multiple of 8 (64..65536).
  uint32_t heap_size = 0;           ///< Bytes of zeroed heap arena at region_base(heap), <= 256 MiB.
  uint32_t output_size = 0;         ///< Bytes of zeroed output block at region_base(output), <= 64 MiB.
  bool writable_input = false;      ///< Map the input read-write (conformance tests need it).
};

/// Calling convention at entry: r1 = input address, r2 = input length, r3 = output address,
/// r4 = output length, r5 = heap length (heap at region_base(Region::heap)), r10 = top of the
/// entry's frame. On success the result is r0 and the bytes of `output()`.
class Machine {
 public:
  Machine() = default;
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  /// Runs `program` from slot `entry` (a function start). `host_context` is handed to host
  /// functions. Every failure of the program or of the call's arguments is a fault in the
  /// outcome; the only exception is std::bad_alloc when the host cannot provide the memory
  /// the limits ask for (at most 4 MiB of stack, 256 MiB of heap, 64 MiB of output).
  Outcome run(const Program& program, uint32_t entry, std::span<const uint8_t> input,
              const Limits& limits, void* host_context = nullptr);

  /// Output block of the last call (zeros if it faulted before writing).
  std::span<const uint8_t> output() const { return {output_.data(), output_size_}; }
  /// Input region as the last call left it (it can differ from the caller's bytes only when
  /// `writable_input` was set). Valid while the caller's input of that call is.
  std::span<const uint8_t> input() const { return {input_host_, input_size_}; }

 private:
  void prepare(const Program& program, std::span<const uint8_t> input, const Limits& limits);
  // `program == nullptr` only fills the dispatch table (see interpreter.cpp).
  void execute(const Program* program, uint32_t entry, const Limits& limits, void* host_context,
               Outcome& out);
  friend struct DispatchInit;
  void scrub();

  std::vector<uint8_t> stack_, heap_, input_, output_;
  uint8_t* input_host_ = nullptr;  // the caller's input, or `input_` when writable
  uint32_t input_size_ = 0, output_size_ = 0;
  AddressSpace space_;
  // Lowest stack offset and highest heap offset possibly written by the last call; only
  // those bytes are zeroed before the next call.
  uint64_t stack_low_ = 0, heap_high_ = 0;
};

}  // namespace covenant::vm
