#include "runtime/contract_host.hpp"

#include <cstring>
#include <string>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "runtime/abi.hpp"
#include "runtime/host_abi.hpp"

namespace covenant::runtime {

namespace {

using vm::Access;
using vm::HostCall;

// Ends the call for a misuse of the host interface (never a contract's own fault).
uint64_t host_error(HostCall& call, std::string message) {
  call.abort(fault_code(static_cast<uint64_t>(FaultKind::host_error), 0), std::move(message));
  return 0;
}

// The state of the call, or nullptr after ending the call.
ContractState* state_of(HostCall& call) {
  auto* context = static_cast<CallContext*>(call.context());
  if (context == nullptr || context->state == nullptr) {
    host_error(call, "no state attached");
    return nullptr;
  }
  return context->state;
}

// `size` bytes at VM address `addr`; a zero size needs no memory (the compiler passes 0 for
// a Set's value) and yields an empty span. On failure the call has ended (memory fault).
bool bytes_at(HostCall& call, uint64_t addr, uint64_t size, Access access, uint8_t*& out) {
  if (size == 0) {
    out = nullptr;
    return true;
  }
  out = call.memory(addr, size, access);
  return out != nullptr;
}

// The state id and key of a state_* call (r1, r2, r3), validated.
bool state_key(HostCall& call, uint32_t& state, std::span<const uint8_t>& key) {
  uint64_t id = call.args[0], addr = call.args[1], len = call.args[2];
  if (id > UINT32_MAX) {
    host_error(call, "state id " + std::to_string(id) + " is out of range");
    return false;
  }
  if (len > kMaxStateKeyBytes) {
    host_error(call, "state key of " + std::to_string(len) + " bytes is longer than " +
                         std::to_string(kMaxStateKeyBytes));
    return false;
  }
  uint8_t* p = nullptr;
  if (!bytes_at(call, addr, len, Access::read, p)) return false;
  state = static_cast<uint32_t>(id);
  key = std::span<const uint8_t>(p, len);
  return true;
}

bool value_length(HostCall& call, uint64_t len) {
  if (len <= kMaxStateBytes) return true;
  host_error(call, "state value of " + std::to_string(len) + " bytes is longer than " +
                       std::to_string(kMaxStateBytes));
  return false;
}

uint64_t host_fault(HostCall& call) {
  uint64_t kind = call.args[0], loc = call.args[1];
  std::string message(fault_kind_name(kind));
  if (loc_line(loc) != 0)
    message += " at line " + std::to_string(loc_line(loc)) + ", column " +
               std::to_string(loc_column(loc));
  call.abort(fault_code(kind, loc), std::move(message));
  return 0;
}

uint64_t host_state_get(HostCall& call) {
  ContractState* state = state_of(call);
  uint32_t id = 0;
  std::span<const uint8_t> key;
  uint64_t value_addr = call.args[3], value_len = call.args[4];
  if (state == nullptr || !state_key(call, id, key) || !value_length(call, value_len)) return 0;
  // Translate the destination whether or not the key is present, so that a bad pointer
  // faults the same way whatever the state holds.
  uint8_t* dest = nullptr;
  if (!bytes_at(call, value_addr, value_len, Access::write, dest)) return 0;
  auto found = state->get(id, key);
  if (!found) return 0;
  if (found->size() != value_len)
    return host_error(call, "state " + std::to_string(id) + " holds a value of " +
                                std::to_string(found->size()) + " bytes where " +
                                std::to_string(value_len) + " were expected");
  if (value_len != 0) std::memcpy(dest, found->data(), value_len);
  return 1;
}

uint64_t host_state_put(HostCall& call) {
  ContractState* state = state_of(call);
  uint32_t id = 0;
  std::span<const uint8_t> key;
  uint64_t value_addr = call.args[3], value_len = call.args[4];
  if (state == nullptr || !state_key(call, id, key) || !value_length(call, value_len)) return 0;
  uint8_t* value = nullptr;
  if (!bytes_at(call, value_addr, value_len, Access::read, value)) return 0;
  state->put(id, key, std::span<const uint8_t>(value, value_len));
  return 0;
}

uint64_t host_state_remove(HostCall& call) {
  ContractState* state = state_of(call);
  uint32_t id = 0;
  std::span<const uint8_t> key;
  if (state == nullptr || !state_key(call, id, key)) return 0;
  return state->remove(id, key) ? 1 : 0;
}

uint64_t host_state_has(HostCall& call) {
  ContractState* state = state_of(call);
  uint32_t id = 0;
  std::span<const uint8_t> key;
  if (state == nullptr || !state_key(call, id, key)) return 0;
  return state->has(id, key) ? 1 : 0;
}

uint64_t host_expect_fail(HostCall& call) {
  uint64_t index = call.args[0], lhs_addr = call.args[1], rhs_addr = call.args[2],
           size = call.args[3];
  // The compared values are values of the language, so at most kMaxAbiValueSize; refusing
  // more keeps a corrupt size from making the host copy a whole region.
  if (size > kMaxAbiValueSize)
    return host_error(call, "expect_fail with " + std::to_string(size) + " bytes per value");
  uint8_t *lhs = nullptr, *rhs = nullptr;
  if (!bytes_at(call, lhs_addr, size, Access::read, lhs) ||
      !bytes_at(call, rhs_addr, size, Access::read, rhs))
    return 0;
  if (auto* context = static_cast<CallContext*>(call.context())) {
    ExpectFailure failure;
    failure.index = index;
    if (size != 0) {
      failure.lhs.assign(lhs, lhs + size);
      failure.rhs.assign(rhs, rhs + size);
    }
    context->expect_failure = std::move(failure);
  }
  call.abort(fault_code(static_cast<uint64_t>(FaultKind::expect_failed), 0),
             "expect " + std::to_string(index) + " failed");
  return 0;
}

uint64_t host_now(HostCall& call) {
  auto* context = static_cast<CallContext*>(call.context());
  if (context == nullptr) return host_error(call, "no state attached");
  return static_cast<uint64_t>(context->today);
}

uint64_t host_state_checkpoint(HostCall& call) {
  ContractState* state = state_of(call);
  return state == nullptr ? 0 : state->checkpoint();
}

uint64_t host_state_rollback(HostCall& call) {
  ContractState* state = state_of(call);
  if (state == nullptr) return 0;
  uint64_t mark = call.args[0];
  if (!state->can_rollback(mark))
    return host_error(call, "state_rollback to unknown checkpoint " + std::to_string(mark));
  state->rollback(mark);
  return 0;
}

uint64_t host_state_next(HostCall& call) {
  ContractState* state = state_of(call);
  uint32_t id = 0;
  std::span<const uint8_t> key;
  if (state == nullptr || !state_key(call, id, key)) return 0;
  const bool from_start = call.args[4] != 0;
  uint8_t* out = nullptr;
  if (!bytes_at(call, call.args[3], key.size(), Access::write, out)) return 0;
  // Copy the key before looking: `out` may overlap it.
  std::vector<uint8_t> after(key.begin(), key.end());
  auto found = from_start ? state->next(id, std::nullopt)
                          : state->next(id, std::span<const uint8_t>(after));
  if (!found) return 0;
  if (found->size() != after.size())
    return host_error(call, "state " + std::to_string(id) + " holds a key of " +
                                std::to_string(found->size()) + " bytes where " +
                                std::to_string(after.size()) + " were expected");
  if (!after.empty()) std::memcpy(out, found->data(), after.size());
  return 1;
}

uint64_t host_emit(HostCall& call) {
  auto* context = static_cast<CallContext*>(call.context());
  if (context == nullptr) return host_error(call, "no call context attached");
  uint64_t index = call.args[0], addr = call.args[1], len = call.args[2];
  if (index > UINT32_MAX) return host_error(call, "event number " + std::to_string(index));
  if (len > kMaxEventData)
    return host_error(call, "event of " + std::to_string(len) + " bytes is longer than " +
                                std::to_string(kMaxEventData));
  if (context->events.size() >= context->event_limit)
    return host_error(call, "more than " + std::to_string(context->event_limit) +
                                " events in one call");
  uint8_t* data = nullptr;
  if (!bytes_at(call, addr, len, Access::read, data)) return 0;
  Event event;
  event.index = static_cast<uint32_t>(index);
  if (len != 0) event.data.assign(data, data + len);
  context->events.push_back(std::move(event));
  return 0;
}

uint64_t host_caller(HostCall& call) {
  auto* context = static_cast<CallContext*>(call.context());
  if (context == nullptr) return host_error(call, "no call context attached");
  uint8_t* out = nullptr;
  if (!bytes_at(call, call.args[0], context->caller.size(), Access::write, out)) return 0;
  std::memcpy(out, context->caller.data(), context->caller.size());
  return 0;
}

uint64_t host_sha256(HostCall& call) {
  uint64_t addr = call.args[0], len = call.args[1], out_addr = call.args[2];
  if (len > kMaxHashInput)
    return host_error(call, "sha256 of " + std::to_string(len) + " bytes (at most " +
                                std::to_string(kMaxHashInput) + ")");
  uint8_t* data = nullptr;
  uint8_t* out = nullptr;
  if (!bytes_at(call, addr, len, Access::read, data) ||
      !bytes_at(call, out_addr, SHA256_DIGEST_LENGTH, Access::write, out))
    return 0;
  uint8_t digest[SHA256_DIGEST_LENGTH];
  unsigned size = 0;
  static const uint8_t kEmpty = 0;
  if (EVP_Digest(len == 0 ? &kEmpty : data, len, digest, &size, EVP_sha256(), nullptr) != 1)
    return host_error(call, "SHA-256 failed");
  std::memcpy(out, digest, sizeof digest);
  return 0;
}

}  // namespace

std::vector<uint8_t> encode_event(const Event& event) {
  std::vector<uint8_t> out;
  out.reserve(4 + event.data.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(event.index >> (8 * i)));
  out.insert(out.end(), event.data.begin(), event.data.end());
  return out;
}

vm::HostTable contract_host_table() {
  auto id = [](HostId h) { return static_cast<uint32_t>(h); };
  vm::HostTable t;
  t.add(id(HostId::fault), {"fault", HostGas::fault, host_fault});
  t.add(id(HostId::state_get), {"state_get", HostGas::state_get, host_state_get});
  t.add(id(HostId::state_put), {"state_put", HostGas::state_put, host_state_put});
  t.add(id(HostId::state_remove), {"state_remove", HostGas::state_remove, host_state_remove});
  t.add(id(HostId::state_has), {"state_has", HostGas::state_has, host_state_has});
  t.add(id(HostId::expect_fail), {"expect_fail", HostGas::expect_fail, host_expect_fail});
  t.add(id(HostId::now), {"now", HostGas::now, host_now});
  t.add(id(HostId::state_checkpoint),
        {"state_checkpoint", HostGas::state_checkpoint, host_state_checkpoint});
  t.add(id(HostId::state_rollback),
        {"state_rollback", HostGas::state_rollback, host_state_rollback});
  t.add(id(HostId::state_next), {"state_next", HostGas::state_next, host_state_next});
  t.add(id(HostId::emit), {"emit", HostGas::emit, host_emit});
  t.add(id(HostId::caller), {"caller", HostGas::caller, host_caller});
  t.add(id(HostId::sha256), {"sha256", HostGas::sha256, host_sha256});
  return t;
}

}  // namespace covenant::runtime
