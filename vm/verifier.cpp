#include "vm/verifier.hpp"

#include <algorithm>
#include <string>

#include "vm/hex.hpp"

namespace covenant::vm {
namespace {

Unexpected<VerifyError> reject(size_t pc, std::string reason) {
  return unexpected(VerifyError{static_cast<uint32_t>(pc), std::move(reason)});
}

/// Does execution never continue to the next slot after this instruction?
bool ends_function(Op op) { return op == Op::exit || op == Op::ja || op == Op::ja32; }

std::string unsupported_reason(const OpcodeInfo& row) {
  switch (row.group) {
    case Group::atomic32:
    case Group::atomic64:
      return "atomic instruction '" + std::string(row.mnemonic) + "' (group " +
             std::string(group_name(row.group)) +
             ") is not supported: contracts are single-threaded";
    case Group::callx:
      return "callx is not supported: calls must name their target statically";
    case Group::packet:
      return "legacy packet access '" + std::string(row.mnemonic) + "' is not supported";
    default:
      return "instruction '" + std::string(row.mnemonic) + "' is not supported";
  }
}

/// Reason for an opcode byte the table has no row for, or whose discriminating field holds
/// a value no row accepts.
std::string unknown_reason(const RawInsn& insn) {
  for (const OpcodeInfo& row : kOpcodeTable) {
    if (row.opcode != insn.opcode) continue;
    switch (row.discriminator) {
      case Discriminator::offset:
        return "opcode " + hex_byte(insn.opcode) + " (" + std::string(row.mnemonic) +
               ") with invalid offset " + std::to_string(insn.offset);
      case Discriminator::imm:
        return "opcode " + hex_byte(insn.opcode) + " (" + std::string(row.mnemonic) +
               ") with invalid imm " + std::to_string(insn.imm);
      case Discriminator::src:
        return "opcode " + hex_byte(insn.opcode) + " (" + std::string(row.mnemonic) +
               ") with unsupported src " + std::to_string(insn.src);
      case Discriminator::none: break;
    }
  }
  return "unknown opcode " + hex_byte(insn.opcode);
}

}  // namespace

Expected<CodeShape, VerifyError> verify(std::span<const RawInsn> code,
                                        std::span<const uint32_t> entry_points,
                                        const HostTable& hosts) {
  const size_t n = code.size();
  if (n == 0) return reject(0, "empty program");
  if (n > kMaxSlots) return reject(kMaxSlots, "program longer than " + std::to_string(kMaxSlots) + " slots");

  CodeShape shape;
  shape.ops.assign(n, Op::count_);
  std::vector<bool> lddw_tail(n, false);
  std::vector<uint32_t> starts = {0};

  // Pass 1: every slot on its own.
  for (size_t pc = 0; pc < n; ++pc) {
    const RawInsn& insn = code[pc];
    std::optional<Op> op = identify(insn);
    if (!op) return reject(pc, unknown_reason(insn));
    const OpcodeInfo& row = info(*op);
    if (!group_supported(row.group)) return reject(pc, unsupported_reason(row));
    if (auto bad = check_fields(*op, insn)) return reject(pc, std::string(row.mnemonic) + ": " + std::string(*bad));
    if (writes_dst(row.form) && insn.dst == kFramePointer)
      return reject(pc, std::string(row.mnemonic) + " writes r10, which is read-only (frame pointer)");
    shape.ops[pc] = *op;

    switch (row.form) {
      case Form::lddw: {
        if (pc + 1 >= n) return reject(pc, "lddw at the end of the code is missing its second slot");
        const RawInsn& tail = code[pc + 1];
        if (tail.opcode != 0 || tail.dst != 0 || tail.src != 0 || tail.offset != 0)
          return reject(pc + 1, "second slot of lddw must have opcode, registers and offset 0");
        lddw_tail[++pc] = true;
        break;
      }
      case Form::call_helper:
        if (hosts.find(static_cast<uint32_t>(insn.imm)) == nullptr)
          return reject(pc, "call to unknown host function " + std::to_string(static_cast<uint32_t>(insn.imm)));
        break;
      case Form::call_local: {
        int64_t target = *jump_target(*op, insn, pc);
        if (target < 0 || target >= static_cast<int64_t>(n))
          return reject(pc, "call local to slot " + std::to_string(target) + " outside the code");
        starts.push_back(static_cast<uint32_t>(target));
        break;
      }
      default: break;
    }
  }

  for (uint32_t e : entry_points) {
    if (e >= n) return reject(e, "entry point at slot " + std::to_string(e) + " outside the code");
    starts.push_back(e);
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  for (uint32_t s : starts)
    if (lddw_tail[s]) return reject(s, "function starts inside an lddw (slot " + std::to_string(s) + ")");

  // Pass 2: control flow, now that function boundaries are known.
  auto function_of = [&](size_t pc) {
    return std::upper_bound(starts.begin(), starts.end(), static_cast<uint32_t>(pc)) - starts.begin();
  };
  for (size_t pc = 0; pc < n; ++pc) {
    if (lddw_tail[pc]) continue;
    if (shape.ops[pc] == Op::call_local) continue;  // checked in pass 1
    std::optional<int64_t> jump = jump_target(shape.ops[pc], code[pc], pc);
    if (!jump) continue;
    int64_t target = *jump;
    if (target < 0 || target >= static_cast<int64_t>(n))
      return reject(pc, "jump to slot " + std::to_string(target) + " outside the code");
    if (lddw_tail[target])
      return reject(pc, "jump to slot " + std::to_string(target) + " lands inside an lddw");
    if (function_of(static_cast<size_t>(target)) != function_of(pc))
      return reject(pc, "jump to slot " + std::to_string(target) + " leaves its function");
  }

  // No function may run off its end into the next one (or off the code).
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t last = (i + 1 < starts.size() ? starts[i + 1] : n) - 1;
    if (lddw_tail[last] || !ends_function(shape.ops[last]))
      return reject(last, "function at slot " + std::to_string(starts[i]) +
                              " can run off its end: its last instruction must be exit or ja");
  }

  shape.function_starts = std::move(starts);
  return shape;
}

}  // namespace covenant::vm
