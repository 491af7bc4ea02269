#pragma once
/// \file
/// The VM's address space. A VM address is `(region << 32) | offset`: the upper 32 bits name
/// a region, the lower 32 bits are the offset inside it. Addresses never depend on where the
/// host placed the memory, so programs behave identically on every machine, and translation
/// is a shift, a table lookup and one bounds comparison.

#include <cstdint>
#include <string_view>

namespace covenant::vm {

/// Memory regions, numbered by the upper half of a VM address. Address 0 (region `none`)
/// is never mapped, so a null pointer always faults.
enum class Region : uint8_t { none = 0, rodata = 1, input = 2, stack = 3, heap = 4, output = 5 };

/// Number of region slots, including `none`.
inline constexpr uint32_t kRegionSlots = 6;
/// Bits of a VM address that hold the offset within its region.
inline constexpr uint32_t kRegionShift = 32;

/// VM address of the first byte of `r`.
constexpr uint64_t region_base(Region r) { return static_cast<uint64_t>(r) << kRegionShift; }

/// Region name as printed in faults ("stack", "heap", ...).
std::string_view region_name(Region r);

/// Kind of memory access, as reported in a memory fault.
enum class Access : uint8_t { read, write };

/// One mapped region: host bytes, size in bytes, and whether programs may store into it.
struct RegionMap {
  uint8_t* host = nullptr;
  uint32_t size = 0;
  bool writable = false;
};

/// The regions mapped for one call. `translate` is the only way a program reaches memory.
struct AddressSpace {
  RegionMap regions[kRegionSlots] = {};

  /// Host pointer for `size` bytes at VM address `addr`, or nullptr if any byte lies outside
  /// a mapped region or a write targets a read-only region. `size` is 1..8 for instructions
  /// and at most 2^32 for host functions.
  uint8_t* translate(uint64_t addr, uint64_t size, Access access) const {
    uint64_t slot = addr >> kRegionShift;
    if (slot >= kRegionSlots) return nullptr;
    const RegionMap& r = regions[slot];
    uint64_t offset = addr & 0xffffffffu;
    // Written so that no sum can wrap, whatever `size` a host function passes.
    if (size > r.size || offset > r.size - size) return nullptr;
    if (access == Access::write && !r.writable) return nullptr;
    return r.host + offset;
  }
};

/// The extent of memory a call may have written, so that only those bytes are cleared before
/// the next call: the lowest stack offset and the highest heap offset (exclusive) written.
struct WriteMarks {
  uint64_t stack_low = UINT64_MAX;
  uint64_t heap_high = 0;

  /// Records a write of `size` bytes at VM address `addr` (already translated successfully).
  void note(uint64_t addr, uint64_t size) {
    uint64_t slot = addr >> kRegionShift, offset = addr & 0xffffffffu;
    if (slot == static_cast<uint64_t>(Region::stack)) {
      if (offset < stack_low) stack_low = offset;
    } else if (slot == static_cast<uint64_t>(Region::heap)) {
      if (offset + size > heap_high) heap_high = offset + size;
    }
  }
};

}  // namespace covenant::vm
