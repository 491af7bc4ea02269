#include "vm/assembler.hpp"

#include <map>
#include <optional>
#include <span>

#include "vm/asm_operands.hpp"
#include "vm/raw_word.hpp"

namespace covenant::vm {
namespace {

using namespace asm_operands;

// What an operand looks like on its face, before it is parsed: enough to choose between
// forms that share a mnemonic (`add %r1, %r2` against `add %r1, 2`).
enum class Shape : uint8_t { reg, mem, number, name };

// What a form expects in one operand position.
enum class Kind : uint8_t { reg, imm32, imm64, mem, target };

// The operands of each form, in text order (see the Form comments in opcodes.hpp).
std::span<const Kind> operand_kinds(Form form) {
  using enum Kind;
  static constexpr Kind reg_reg[] = {reg, reg};
  static constexpr Kind reg_imm[] = {reg, imm32};
  static constexpr Kind reg_only[] = {reg};
  static constexpr Kind reg_imm64[] = {reg, imm64};
  static constexpr Kind reg_mem[] = {reg, mem};
  static constexpr Kind mem_imm[] = {mem, imm32};
  static constexpr Kind mem_reg[] = {mem, reg};
  static constexpr Kind target_only[] = {target};
  static constexpr Kind reg_imm_target[] = {reg, imm32, target};
  static constexpr Kind reg_reg_target[] = {reg, reg, target};
  static constexpr Kind imm_only[] = {imm32};
  switch (form) {
    case Form::alu_reg:
      return reg_reg;
    case Form::alu_imm:
      return reg_imm;
    case Form::unary:
      return reg_only;
    case Form::lddw:
      return reg_imm64;
    case Form::load:
      return reg_mem;
    case Form::store_imm:
      return mem_imm;
    case Form::store_reg:
      return mem_reg;
    case Form::atomic:
      return mem_reg;
    case Form::jump:
      return target_only;
    case Form::jump_long:
      return target_only;
    case Form::branch_imm:
      return reg_imm_target;
    case Form::branch_reg:
      return reg_reg_target;
    case Form::call_helper:
      return imm_only;
    case Form::call_local:
      return target_only;
    case Form::call_reg:
      return reg_only;
    case Form::exit:
      return {};
    case Form::packet_abs:
      return imm_only;
    case Form::packet_ind:
      return reg_imm;  // `ldindw %rS, imm`: the register is src
  }
  return {};
}

bool accepts(Kind kind, Shape shape) {
  switch (kind) {
    case Kind::reg:
      return shape == Shape::reg;
    case Kind::mem:
      return shape == Shape::mem;
    case Kind::imm32:
    case Kind::imm64:
      return shape == Shape::number;
    case Kind::target:
      return shape == Shape::number || shape == Shape::name;
  }
  return false;
}

std::string_view describe(Kind kind) {
  switch (kind) {
    case Kind::reg:
      return "a register (%r0..%r10)";
    case Kind::mem:
      return "a memory operand like [%r1+8]";
    case Kind::imm32:
    case Kind::imm64:
      return "an immediate";
    case Kind::target:
      return "a label or a signed offset";
  }
  return "?";
}

Shape shape_of(std::string_view operand) {
  char c = operand.front();
  if (c == '%') return Shape::reg;
  if (c == '[') return Shape::mem;
  if ((c >= '0' && c <= '9') || c == '+' || c == '-') return Shape::number;
  return Shape::name;
}

// One operand: its trimmed text and the 1-based column where it starts.
struct Operand {
  std::string_view text;
  uint32_t column = 0;
};

// A jump or local call whose label is resolved once every label is known.
struct Fixup {
  size_t slot = 0;
  std::string label;
  uint32_t line = 0;
  uint32_t column = 0;
  bool in_imm = false;  // ja32 and call local hold the target in imm, others in offset
};

class Assembler {
 public:
  explicit Assembler(uint32_t first_line) : first_line_(first_line), line_(first_line - 1) {}
  Expected<std::vector<RawInsn>, AsmError> run(std::string_view text);

 private:
  std::optional<AsmError> line(std::string_view s);
  std::optional<AsmError> instruction(std::string_view s, size_t pos);
  std::optional<AsmError> encode(const OpcodeInfo& row, std::span<const Operand> ops);
  std::optional<AsmError> raw_directive(std::span<const Operand> ops, uint32_t column);
  std::optional<AsmError> resolve(const Fixup& fixup);

  Expected<std::vector<Operand>, AsmError> split_operands(std::string_view s, size_t pos);
  template <class T>
  Expected<T, AsmError> at(Operand op, Expected<T, OperandError> parsed) const;
  std::optional<AsmError> target(Operand op, RawInsn& insn, bool in_imm);

  AsmError error(uint32_t column, std::string reason) const {
    return {line_, column, std::move(reason)};
  }

  std::vector<RawInsn> code_;
  struct Label {
    size_t slot;
    uint32_t line;
  };
  std::map<std::string, Label, std::less<>> labels_;
  std::optional<size_t> first_exit_;
  std::vector<Fixup> fixups_;
  uint32_t first_line_;
  uint32_t line_;
};

Expected<std::vector<RawInsn>, AsmError> Assembler::run(std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line_;
    if (auto e = line(text.substr(start, end - start))) return unexpected(std::move(*e));
    start = end + 1;
  }
  if (code_.empty()) return unexpected(AsmError{first_line_, 1, "empty program: no instructions"});
  for (const Fixup& f : fixups_)
    if (auto e = resolve(f)) return unexpected(std::move(*e));
  return std::move(code_);
}

// line := label* instruction? comment?
std::optional<AsmError> Assembler::line(std::string_view s) {
  if (size_t hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
  size_t pos = 0;
  for (;;) {
    while (pos < s.size() && is_space(s[pos]))
      ++pos;
    if (pos == s.size()) return std::nullopt;
    size_t end = pos;
    while (end < s.size() && !is_space(s[end]))
      ++end;
    std::string_view word = s.substr(pos, end - pos);
    if (!word.ends_with(':')) return instruction(s, pos);
    std::string_view name = word.substr(0, word.size() - 1);
    auto column = static_cast<uint32_t>(pos + 1);
    if (!is_label_name(name))
      return error(column, "invalid label name '" + std::string(name) + "'");
    if (auto it = labels_.find(name); it != labels_.end())
      return error(column, "duplicate label '" + std::string(name) + "' (first defined on line " +
                               std::to_string(it->second.line) + ")");
    labels_.emplace(std::string(name), Label{code_.size(), line_});
    pos = end;
  }
}

// instruction := mnemonic (operand (',' operand)*)?, where a mnemonic is one to three words
// ("exit", "call local", "lock fetch add32"): the longest run of leading words that names
// table rows wins, so a label operand such as `ja exit` is never mistaken for a mnemonic.
std::optional<AsmError> Assembler::instruction(std::string_view s, size_t pos) {
  const auto column = static_cast<uint32_t>(pos + 1);
  std::vector<std::pair<size_t, size_t>> words;  // [begin, end) of each leading word
  for (size_t p = pos; p < s.size() && words.size() < 3;) {
    size_t end = p;
    while (end < s.size() && is_word_char(s[end]))
      ++end;
    if (end == p || (end < s.size() && !is_space(s[end]))) break;
    words.emplace_back(p, end);
    p = end;
    while (p < s.size() && is_space(s[p]))
      ++p;
  }
  if (words.empty()) {
    size_t end = pos;
    while (end < s.size() && !is_space(s[end]))
      ++end;
    return error(column, "expected a mnemonic or a label, got '" +
                             std::string(s.substr(pos, end - pos)) + "'");
  }
  auto joined = [&](size_t k) {
    std::string name;
    for (size_t i = 0; i < k; ++i) {
      if (i) name += ' ';
      name += s.substr(words[i].first, words[i].second - words[i].first);
    }
    return name;
  };
  size_t k = words.size();
  std::string name;
  std::vector<Op> candidates;
  for (; k > 0; --k) {
    name = joined(k);
    auto ops = lookup_mnemonic(name);
    candidates.assign(ops.begin(), ops.end());
    // bpf_conformance writes callx as `call %rN`.
    if (name == "call")
      for (Op op : lookup_mnemonic("callx"))
        candidates.push_back(op);
    if (!candidates.empty() || name == ".raw") break;
  }
  std::string first = joined(1);
  if (k == 0) {
    if (first == "lock" && words.size() == 1)
      return error(column,
                   "invalid number of operands for lock: expected an operation and two "
                   "operands, e.g. 'lock add [%r10-8], %r1'");
    if (first == "lock") return error(column, "unknown atomic operation '" + joined(2) + "'");
    return error(column, "unknown mnemonic '" + first + "'");
  }

  auto operands = split_operands(s, words[k - 1].second);
  if (!operands) return operands.error();
  const std::vector<Operand>& ops = *operands;
  if (name == ".raw") return raw_directive(ops, column);

  // Keep the candidates with the right operand count, then the first whose operands fit.
  std::vector<Op> counted;
  for (Op op : candidates)
    if (operand_kinds(info(op).form).size() == ops.size()) counted.push_back(op);
  if (counted.empty()) {
    size_t want = operand_kinds(info(candidates.front()).form).size();
    return error(column, "invalid number of operands for '" + name + "': expected " +
                             std::to_string(want) + ", got " + std::to_string(ops.size()));
  }
  for (Op op : counted) {
    auto kinds = operand_kinds(info(op).form);
    bool fits = true;
    for (size_t i = 0; i < ops.size() && fits; ++i)
      fits = accepts(kinds[i], shape_of(ops[i].text));
    if (fits) return encode(info(op), ops);
  }
  // No form fits: report the first operand that no still-possible form accepts.
  for (size_t i = 0; i < ops.size(); ++i) {
    std::vector<Op> still;
    std::string expected;
    for (Op op : counted) {
      Kind kind = operand_kinds(info(op).form)[i];
      if (accepts(kind, shape_of(ops[i].text))) {
        still.push_back(op);
      } else if (expected.find(describe(kind)) == std::string::npos) {
        expected += (expected.empty() ? "" : " or ") + std::string(describe(kind));
      }
    }
    if (still.empty())
      return error(ops[i].column, "operand " + std::to_string(i + 1) + " of '" + name +
                                      "' must be " + expected + ", got '" +
                                      std::string(ops[i].text) + "'");
    counted = std::move(still);
  }
  return error(column, "operands do not fit '" + name + "'");  // unreachable: some form fits
}

Expected<std::vector<Operand>, AsmError> Assembler::split_operands(std::string_view s, size_t pos) {
  std::vector<Operand> ops;
  if (trim(s.substr(pos)).empty()) return ops;
  for (;;) {
    size_t comma = s.find(',', pos);
    size_t end = comma == std::string_view::npos ? s.size() : comma;
    size_t begin = pos;
    while (begin < end && is_space(s[begin]))
      ++begin;
    std::string_view text = trim(s.substr(begin, end - begin));
    auto column = static_cast<uint32_t>(begin + 1);
    if (text.empty()) return unexpected(error(column, "missing operand"));
    // Whitespace may pad a memory operand ("[%r1 + 8]") but never separates two operands.
    bool in_brackets = false;
    for (char c : text) {
      if (c == '[') in_brackets = true;
      if (c == ']') in_brackets = false;
      if (is_space(c) && !in_brackets)
        return unexpected(
            error(column, "expected ',' between operands in '" + std::string(text) + "'"));
    }
    ops.push_back({text, column});
    if (comma == std::string_view::npos) return ops;
    pos = comma + 1;
  }
}

// Runs an operand parser, placing its error at the operand's column.
template <class T>
Expected<T, AsmError> Assembler::at(Operand op, Expected<T, OperandError> parsed) const {
  if (parsed) return std::move(parsed).value();
  const OperandError& e = parsed.error();
  return unexpected(error(op.column + static_cast<uint32_t>(e.at), e.reason));
}

// A numeric target is an offset written into the field now; a label waits for `resolve`.
std::optional<AsmError> Assembler::target(Operand op, RawInsn& insn, bool in_imm) {
  if (shape_of(op.text) == Shape::name) {
    if (!is_label_name(op.text))
      return error(op.column, "invalid label name '" + std::string(op.text) + "'");
    fixups_.push_back({code_.size(), std::string(op.text), line_, op.column, in_imm});
    return std::nullopt;
  }
  auto value = at(op, parse_field(op.text, in_imm ? 32 : 16, in_imm ? "jump offset" : "offset"));
  if (!value) return value.error();
  if (in_imm)
    insn.imm = static_cast<int32_t>(*value);
  else
    insn.offset = static_cast<int16_t>(*value);
  return std::nullopt;
}

std::optional<AsmError> Assembler::encode(const OpcodeInfo& row, std::span<const Operand> ops) {
  RawInsn insn;
  insn.opcode = row.opcode;
  switch (row.discriminator) {
    case Discriminator::offset:
      insn.offset = static_cast<int16_t>(row.disc_value);
      break;
    case Discriminator::imm:
      insn.imm = row.disc_value;
      break;
    case Discriminator::src:
      insn.src = static_cast<uint8_t>(row.disc_value);
      break;
    case Discriminator::none:
      break;
  }
  auto kinds = operand_kinds(row.form);
  for (size_t i = 0; i < ops.size(); ++i) {
    switch (kinds[i]) {
      case Kind::reg: {
        auto r = at(ops[i], parse_register(ops[i].text));
        if (!r) return r.error();
        // A register after another operand is src; so is the only register of packet_ind
        // (`ldindw %rS, imm`). Otherwise the first register is dst.
        bool is_src = i > 0 || row.form == Form::packet_ind;
        (is_src ? insn.src : insn.dst) = *r;
        break;
      }
      case Kind::mem: {
        auto m = at(ops[i], parse_memory(ops[i].text));
        if (!m) return m.error();
        // Loads read through src; stores and atomics write through dst.
        (row.form == Form::load ? insn.src : insn.dst) = m->reg;
        insn.offset = m->offset;
        break;
      }
      case Kind::imm32: {
        auto v = at(ops[i], parse_field(ops[i].text, 32, "immediate"));
        if (!v) return v.error();
        insn.imm = static_cast<int32_t>(*v);
        break;
      }
      case Kind::imm64: {
        auto v = at(ops[i], parse_imm64(ops[i].text));
        if (!v) return v.error();
        insn.imm = static_cast<int32_t>(static_cast<uint32_t>(*v));
        RawInsn tail;
        tail.imm = static_cast<int32_t>(static_cast<uint32_t>(*v >> 32));
        code_.push_back(insn);
        code_.push_back(tail);
        return std::nullopt;
      }
      case Kind::target: {
        bool in_imm = row.form == Form::jump_long || row.form == Form::call_local;
        if (auto e = target(ops[i], insn, in_imm)) return e;
        break;
      }
    }
  }
  if (row.op == Op::exit && !first_exit_) first_exit_ = code_.size();
  code_.push_back(insn);
  return std::nullopt;
}

// .raw 0xWORD: one slot verbatim, so that the disassembler can print any slot and get it back.
std::optional<AsmError> Assembler::raw_directive(std::span<const Operand> ops, uint32_t column) {
  if (ops.size() != 1)
    return error(column, "invalid number of operands for '.raw': expected 1, got " +
                             std::to_string(ops.size()));
  auto word = at(ops[0], parse_word(ops[0].text));
  if (!word) return error(word.error().column, "'.raw': " + word.error().reason);
  code_.push_back(from_raw_word(*word));
  return std::nullopt;
}

std::optional<AsmError> Assembler::resolve(const Fixup& f) {
  std::optional<size_t> dest;
  if (auto it = labels_.find(f.label); it != labels_.end())
    dest = it->second.slot;
  else if (f.label == "exit")
    dest = first_exit_;
  if (!dest) return AsmError{f.line, f.column, "unknown label '" + f.label + "'"};
  int64_t delta = static_cast<int64_t>(*dest) - static_cast<int64_t>(f.slot) - 1;
  if (f.in_imm) {
    if (delta < INT32_MIN || delta > INT32_MAX)
      return AsmError{f.line, f.column,
                      "target '" + f.label + "' is too far away for a 32-bit offset"};
    code_[f.slot].imm = static_cast<int32_t>(delta);
  } else {
    if (delta < INT16_MIN || delta > INT16_MAX)
      return AsmError{f.line, f.column,
                      "jump to '" + f.label + "' spans " + std::to_string(delta) +
                          " slots, outside the 16-bit offset range -32768..32767 "
                          "(use ja32 for far jumps)"};
    code_[f.slot].offset = static_cast<int16_t>(delta);
  }
  return std::nullopt;
}

}  // namespace

std::string to_string(const AsmError& error) {
  return std::to_string(error.line) + ":" + std::to_string(error.column) + ": " + error.reason;
}

Expected<std::vector<RawInsn>, AsmError> assemble(std::string_view text, uint32_t first_line) {
  return Assembler(first_line).run(text);
}

}  // namespace covenant::vm
