#include "vm/fault.hpp"

#include <cstdio>

namespace covenant::vm {

std::string describe(const Fault& f) {
  char buf[256];
  switch (f.kind) {
    case FaultKind::out_of_gas:
      std::snprintf(buf, sizeof buf, "out of gas at pc %u (the next step needed %llu gas)", f.pc,
                    static_cast<unsigned long long>(f.needed));
      return buf;
    case FaultKind::memory: {
      auto region = static_cast<Region>((f.address >> kRegionShift) < kRegionSlots
                                            ? f.address >> kRegionShift
                                            : 0);
      std::snprintf(buf, sizeof buf,
                    "memory fault at pc %u: %s of %u bytes at 0x%016llx (%s region)", f.pc,
                    f.access == Access::read ? "read" : "write", f.size,
                    static_cast<unsigned long long>(f.address),
                    std::string(region_name(region)).c_str());
      return buf;
    }
    case FaultKind::call_depth:
      std::snprintf(buf, sizeof buf, "call depth limit of %llu frames exceeded at pc %u",
                    static_cast<unsigned long long>(f.needed), f.pc);
      return buf;
    case FaultKind::unknown_host:
      std::snprintf(buf, sizeof buf, "host function '%s' is not available here (called at pc %u)",
                    f.message.c_str(), f.pc);
      return buf;
    case FaultKind::abort:
      std::snprintf(buf, sizeof buf, "abort with code %llu at pc %u",
                    static_cast<unsigned long long>(f.code), f.pc);
      return f.message.empty() ? std::string(buf) : std::string(buf) + ": " + f.message;
    case FaultKind::bad_call:
      return "invalid call: " + f.message;
  }
  return "unknown fault";
}

}  // namespace covenant::vm

