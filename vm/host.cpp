#include "vm/host.hpp"

#include <cstring>

namespace covenant::vm {

bool HostCall::charge(uint64_t gas) {
  if (fault_) return false;
  if (gas > gas_left_) {
    // Out of gas consumes the whole limit, whoever ran out (docs/gas.md).
    fault_ = Fault{.kind = FaultKind::out_of_gas, .pc = pc_, .needed = gas};
    gas_left_ = 0;
    return false;
  }
  gas_left_ -= gas;
  return true;
}

uint8_t* HostCall::memory(uint64_t addr, uint64_t size, Access access) {
  if (fault_) return nullptr;
  uint8_t* p = memory_.translate(addr, size, access);
  if (p == nullptr) {
    fault_ = Fault{.kind = FaultKind::memory,
                   .pc = pc_,
                   .address = addr,
                   .size = static_cast<uint32_t>(size > UINT32_MAX ? UINT32_MAX : size),
                   .access = access};
    return nullptr;
  }
  if (access == Access::write) marks_.note(addr, size);
  return p;
}

void HostCall::abort(uint64_t code, std::string message) {
  if (fault_) return;
  fault_ = Fault{.kind = FaultKind::abort, .pc = pc_, .code = code, .message = std::move(message)};
}

namespace {

uint64_t host_unwind(HostCall& call) { return call.args[0]; }

uint64_t host_abort(HostCall& call) {
  call.abort(call.args[0]);
  return 0;
}

uint64_t host_trace(HostCall& call) { return call.args[0]; }

uint64_t host_memset(HostCall& call) {
  uint64_t addr = call.args[0], len = call.args[2];
  // Charge before touching memory, so a huge length cannot do work it has not paid for.
  if (!call.charge(len / 8 + (len % 8 != 0))) return 0;
  if (len == 0) return addr;
  uint8_t* p = call.memory(addr, len, Access::write);
  if (p == nullptr) return 0;
  std::memset(p, static_cast<int>(call.args[1] & 0xff), len);
  return addr;
}

}  // namespace

HostTable test_host_table() {
  HostTable table;
  table.add(1, {"abort", 0, host_abort});
  table.add(2, {"trace", 1, host_trace});
  table.add(3, {"memset", 2, host_memset});
  table.add(5, {"unwind", 0, host_unwind});
  return table;
}

}  // namespace covenant::vm
