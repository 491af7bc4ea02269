#include "vm/program.hpp"

#include <algorithm>
#include <bit>
#include <optional>
#include <utility>

#include "vm/gas.hpp"

namespace covenant::vm {
namespace {

/// Bytes accessed by a load or store form.
uint32_t access_size(Op op) {
  switch (op) {
    case Op::ldxb: case Op::ldxsb: case Op::stb: case Op::stxb: return 1;
    case Op::ldxh: case Op::ldxsh: case Op::sth: case Op::stxh: return 2;
    case Op::ldxw: case Op::ldxsw: case Op::stw: case Op::stxw: return 4;
    default: return 8;
  }
}

/// The frame-relative twin of a load or store form.
Special frame_form(Op op) {
  switch (op) {
    case Op::ldxb: return Special::frame_ldxb;
    case Op::ldxh: return Special::frame_ldxh;
    case Op::ldxw: return Special::frame_ldxw;
    case Op::ldxdw: return Special::frame_ldxdw;
    case Op::ldxsb: return Special::frame_ldxsb;
    case Op::ldxsh: return Special::frame_ldxsh;
    case Op::ldxsw: return Special::frame_ldxsw;
    case Op::stb: return Special::frame_stb;
    case Op::sth: return Special::frame_sth;
    case Op::stw: return Special::frame_stw;
    case Op::stdw: return Special::frame_stdw;
    case Op::stxb: return Special::frame_stxb;
    case Op::stxh: return Special::frame_stxh;
    case Op::stxw: return Special::frame_stxw;
    default: return Special::frame_stxdw;
  }
}

/// The input-relative twin of a load form.
Special input_form(Op op) {
  switch (op) {
    case Op::ldxb: return Special::input_ldxb;
    case Op::ldxh: return Special::input_ldxh;
    case Op::ldxw: return Special::input_ldxw;
    case Op::ldxsb: return Special::input_ldxsb;
    case Op::ldxsh: return Special::input_ldxsh;
    case Op::ldxsw: return Special::input_ldxsw;
    default: return Special::input_ldxdw;
  }
}

/// For each slot, whether r1 certainly holds the input's address when execution reaches it:
/// a forward dataflow over each entry function (one entered only from outside, never by
/// `call local`, so r1 starts as the input's address). r1 stops being the input's address at
/// any instruction that writes it and after a local call (the callee may change it); host
/// calls leave it alone. A slot reached on several paths is pinned only if every path keeps r1.
std::vector<bool> input_pinned_slots(std::span<const RawInsn> code, const CodeShape& shape,
                                     std::span<const uint32_t> entry_points) {
  const size_t n = code.size();
  enum State : uint8_t { unreached, pinned, unpinned };
  std::vector<State> state(n, unreached);
  std::vector<bool> called(n, false);
  for (size_t pc = 0; pc < n; ++pc)
    if (shape.ops[pc] == Op::call_local) called[*jump_target(Op::call_local, code[pc], pc)] = true;

  std::vector<uint32_t> work;
  auto reach = [&](size_t pc, State s) {
    if (state[pc] == unpinned || state[pc] == s) return;
    state[pc] = state[pc] == unreached ? s : unpinned;
    work.push_back(static_cast<uint32_t>(pc));
  };
  std::vector<bool> entry(n, false);
  if (entry_points.empty()) entry[0] = true;
  for (uint32_t e : entry_points) entry[e] = true;  // the verifier checked e < n
  for (uint32_t start : shape.function_starts)
    if (entry[start] && !called[start]) reach(start, pinned);
  while (!work.empty()) {
    uint32_t pc = work.back();
    work.pop_back();
    Op op = shape.ops[pc];
    const OpcodeInfo& row = info(op);
    State out = state[pc];
    if (op == Op::call_local || (writes_dst(row.form) && code[pc].dst == 1)) out = unpinned;
    switch (row.form) {
      case Form::exit: break;
      case Form::jump:
      case Form::jump_long: reach(static_cast<size_t>(*jump_target(op, code[pc], pc)), out); break;
      case Form::branch_imm:
      case Form::branch_reg:
        reach(static_cast<size_t>(*jump_target(op, code[pc], pc)), out);
        reach(pc + 1, out);
        break;
      case Form::lddw: reach(pc + 2, out); break;
      default: reach(pc + 1, out); break;
    }
  }
  std::vector<bool> result(n, false);
  for (size_t pc = 0; pc < n; ++pc) result[pc] = state[pc] == pinned;
  return result;
}

/// The `Select` word of a conditional branch form, or nothing for other forms. Read from the
/// encoding (RFC 9669 §4.3): the operation in bits 4..7, the JMP32 class in bits 0..2.
std::optional<uint32_t> select_condition(Op op) {
  const OpcodeInfo& row = info(op);
  if (row.form != Form::branch_imm && row.form != Form::branch_reg) return std::nullopt;
  uint32_t word = row.form == Form::branch_reg ? Select::kRegOperand : 0;
  if ((row.opcode & 0x07) == 0x06) word |= Select::kLow32;
  switch (row.opcode & 0xf0) {
    case 0x10: return word | Select::eq;                                         // jeq
    case 0x50: return word | Select::eq | Select::kNegate;                       // jne
    case 0xa0: return word | Select::ult;                                        // jlt
    case 0x30: return word | Select::ult | Select::kNegate;                      // jge
    case 0x20: return word | Select::ult | Select::kSwap;                        // jgt
    case 0xb0: return word | Select::ult | Select::kSwap | Select::kNegate;      // jle
    case 0xc0: return word | Select::slt;                                        // jslt
    case 0x70: return word | Select::slt | Select::kNegate;                      // jsge
    case 0x60: return word | Select::slt | Select::kSwap;                        // jsgt
    case 0xd0: return word | Select::slt | Select::kSwap | Select::kNegate;      // jsle
    case 0x40: return word | Select::set;                                        // jset
    default: return std::nullopt;
  }
}

/// The `Select` bits for the mov a select may skip, or nothing if `op` is not a plain mov.
std::optional<uint32_t> select_mov(Op op) {
  switch (op) {
    case Op::mov64_imm: return 0;
    case Op::mov64_reg: return Select::kMovReg;
    case Op::mov32_imm: return Select::kMov32;
    case Op::mov32_reg: return Select::kMovReg | Select::kMov32;
    default: return std::nullopt;
  }
}

/// The fused `mov; op` form for a 64-bit ALU op that may follow `mov rA, rB`.
std::optional<Special> mov_then(Op op) {
  switch (op) {
    case Op::add64_imm: return Special::mov_add_imm;
    case Op::add64_reg: return Special::mov_add_reg;
    case Op::sub64_imm: return Special::mov_sub_imm;
    case Op::sub64_reg: return Special::mov_sub_reg;
    case Op::mul64_imm: return Special::mov_mul_imm;
    case Op::mul64_reg: return Special::mov_mul_reg;
    case Op::and64_imm: return Special::mov_and_imm;
    case Op::and64_reg: return Special::mov_and_reg;
    case Op::or64_imm: return Special::mov_or_imm;
    case Op::or64_reg: return Special::mov_or_reg;
    case Op::xor64_imm: return Special::mov_xor_imm;
    case Op::xor64_reg: return Special::mov_xor_reg;
    case Op::lsh64_imm: return Special::mov_lsh_imm;
    case Op::lsh64_reg: return Special::mov_lsh_reg;
    case Op::rsh64_imm: return Special::mov_rsh_imm;
    case Op::rsh64_reg: return Special::mov_rsh_reg;
    case Op::arsh64_imm: return Special::mov_arsh_imm;
    case Op::arsh64_reg: return Special::mov_arsh_reg;
    default: return std::nullopt;
  }
}

/// Does this form end a straight-line run (control may go elsewhere than the next slot)?
bool ends_run(Form f) {
  return f == Form::jump || f == Form::jump_long || f == Form::branch_imm ||
         f == Form::branch_reg || f == Form::call_local || f == Form::exit;
}

}  // namespace

Divisor Divisor::of(uint64_t d) {
  Divisor v;
  v.divisor = d;
  if (d <= 1) return v;  // shift 0: n / 1 = n
  v.shift = static_cast<uint32_t>(64 - std::countl_zero(d - 1));  // ceil(log2 d), 1..64
  using u128 = unsigned __int128;
  u128 two_s = u128{1} << v.shift;
  v.multiplier = static_cast<uint64_t>(((two_s - d) << 64) / d + 1);
  return v;
}

/// The constant-divisor twin of an unsigned division or modulo by an immediate, and the
/// divisor as the instruction sees it; nothing for other forms or a zero divisor.
static std::optional<std::pair<Special, uint64_t>> constant_division(Op op, int32_t imm) {
  uint64_t wide = static_cast<uint64_t>(static_cast<int64_t>(imm));  // ALU64: sign-extended
  uint64_t narrow = static_cast<uint32_t>(imm);                       // ALU32: low 32 bits
  switch (op) {
    case Op::div64_imm: return wide ? std::optional(std::pair{Special::div64_const, wide}) : std::nullopt;
    case Op::mod64_imm: return wide ? std::optional(std::pair{Special::mod64_const, wide}) : std::nullopt;
    case Op::div32_imm: return narrow ? std::optional(std::pair{Special::div32_const, narrow}) : std::nullopt;
    case Op::mod32_imm: return narrow ? std::optional(std::pair{Special::mod32_const, narrow}) : std::nullopt;
    default: return std::nullopt;
  }
}

Expected<Program, VerifyError> Program::load_bytes(std::span<const uint8_t> bytes,
                                                   std::span<const uint8_t> rodata,
                                                   std::span<const uint32_t> entry_points,
                                                   const HostTable& hosts) {
  if (bytes.size() % kSlotSize != 0)
    return unexpected(VerifyError{static_cast<uint32_t>(bytes.size() / kSlotSize),
                                  "code length " + std::to_string(bytes.size()) +
                                      " is not a multiple of 8 bytes"});
  std::vector<RawInsn> code(bytes.size() / kSlotSize);
  for (size_t i = 0; i < code.size(); ++i) code[i] = RawInsn::decode(bytes.data() + i * kSlotSize);
  return load(code, rodata, entry_points, hosts);
}

Expected<Program, VerifyError> Program::load(std::span<const RawInsn> code,
                                             std::span<const uint8_t> rodata,
                                             std::span<const uint32_t> entry_points,
                                             const HostTable& hosts) {
  auto shape = verify(code, entry_points, hosts);
  if (!shape) return unexpected(shape.error());
  if (rodata.size() > UINT32_MAX) return unexpected(VerifyError{0, "read-only data larger than 4 GiB"});

  Program p;
  const size_t n = code.size();
  p.code_.resize(n);
  p.rodata_.assign(rodata.begin(), rodata.end());
  std::vector<uint64_t> cost(n, 0);
  std::vector<bool> run_end(n, false);
  std::vector<bool> input_pinned = input_pinned_slots(code, *shape, entry_points);
  p.function_starts_ = std::move(shape->function_starts);

  for (size_t pc = 0; pc < n; ++pc) {
    const RawInsn& raw = code[pc];
    Decoded& d = p.code_[pc];
    d.dst = raw.dst;
    d.src = raw.src;
    d.imm = raw.imm;
    Op op = shape->ops[pc];
    if (op == Op::count_) {  // second slot of an lddw: carries the upper half in imm
      d.kind = static_cast<uint8_t>(Special::lddw_tail);
      continue;
    }
    d.kind = static_cast<uint8_t>(op);
    const OpcodeInfo& row = info(op);
    cost[pc] = gas_cost(row.cost);
    run_end[pc] = ends_run(row.form);
    switch (row.form) {
      case Form::jump:
      case Form::branch_imm:
      case Form::branch_reg:
      case Form::jump_long:
      case Form::call_local:
        d.target = static_cast<int32_t>(*jump_target(op, raw, pc));  // verified: inside the code
        break;
      case Form::call_helper: {
        auto id = static_cast<uint32_t>(raw.imm);
        auto it = std::find(p.host_ids_.begin(), p.host_ids_.end(), id);
        if (it == p.host_ids_.end()) {
          p.host_ids_.push_back(id);
          p.hosts_.push_back(*hosts.find(id));  // the verifier checked the id is registered
          it = p.host_ids_.end() - 1;
        }
        d.target = static_cast<int32_t>(it - p.host_ids_.begin());
        uint64_t host_gas = p.hosts_[static_cast<size_t>(d.target)].gas;
        if (host_gas > UINT32_MAX)  // keeps the run sums below from wrapping
          return unexpected(VerifyError{static_cast<uint32_t>(pc), "host function " + std::to_string(id) +
                                                                       " costs more than 2^32 gas per call"});
        cost[pc] += host_gas;
        break;
      }
      case Form::load:
      case Form::store_imm:
      case Form::store_reg: {
        d.target = raw.offset;
        uint8_t base = row.form == Form::load ? raw.src : raw.dst;
        int32_t end = raw.offset + static_cast<int32_t>(access_size(op));
        // Constant offsets below r10 stay in the current frame once the frame is at least
        // -offset bytes; Machine::run checks that before the call starts.
        if (base == kFramePointer && raw.offset < 0 && end <= 0) {
          d.kind = static_cast<uint8_t>(frame_form(op));
          p.static_frame_need_ = std::max(p.static_frame_need_, static_cast<uint32_t>(-raw.offset));
        } else if (row.form == Form::load && base == 1 && raw.offset >= 0 && input_pinned[pc]) {
          d.kind = static_cast<uint8_t>(input_form(op));
          d.imm = end;
        }
        break;
      }
      case Form::alu_imm:
        if (auto division = constant_division(op, raw.imm)) {
          d.kind = static_cast<uint8_t>(division->first);
          d.target = static_cast<int32_t>(p.divisors_.size());
          p.divisors_.push_back(Divisor::of(division->second));
        }
        break;
      default: break;
    }
  }
  for (uint32_t start : p.function_starts_) p.code_[start].flags |= kFunctionStart;

  // Fuse `rA = rB; rA op= X` into `rA = rB op X`. Both slots are in one run, so gas is
  // unchanged; when X is rA itself the pair reads the copied value, so it is left alone.
  for (size_t pc = 0; pc + 1 < n; ++pc) {
    if (shape->ops[pc] != Op::mov64_reg || shape->ops[pc + 1] == Op::count_) continue;
    auto fused = mov_then(shape->ops[pc + 1]);
    const RawInsn& mov = code[pc];
    const RawInsn& alu = code[pc + 1];
    if (!fused || alu.dst != mov.dst) continue;
    bool reg_form = info(shape->ops[pc + 1]).form == Form::alu_reg;
    if (reg_form && alu.src == mov.dst) continue;
    Decoded& d = p.code_[pc];
    d.kind = static_cast<uint8_t>(*fused);
    d.imm = reg_form ? 0 : alu.imm;
    d.target = reg_form ? alu.src : 0;
  }

  // Fuse `if cond goto +1; mov` into a select. The mov's slot stays as it is, for jumps that
  // land on it directly.
  for (size_t pc = 0; pc + 2 < n; ++pc) {
    Op op = shape->ops[pc];
    if (op == Op::count_ || p.code_[pc].target != static_cast<int32_t>(pc + 2)) continue;
    auto condition = select_condition(op);
    auto mov = select_mov(shape->ops[pc + 1]);
    if (!condition || !mov) continue;
    p.code_[pc].kind = static_cast<uint8_t>(Special::select);
    p.code_[pc].target = static_cast<int32_t>(*condition | *mov);
  }

  // Gas of the straight-line run starting at each slot: everything up to and including the
  // first instruction that can transfer control. Entering a run charges all of it at once.
  uint64_t tail = 0;
  for (size_t pc = n; pc-- > 0;) {
    tail = run_end[pc] ? cost[pc] : cost[pc] + tail;
    if (tail > UINT32_MAX)
      return unexpected(VerifyError{static_cast<uint32_t>(pc), "straight-line run costs more than 2^32 gas"});
    p.code_[pc].entry_gas = static_cast<uint32_t>(tail);
  }
  return p;
}

}  // namespace covenant::vm
