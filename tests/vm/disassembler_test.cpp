#include "vm/disassembler.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/conformance/data_file.hpp"
#include "vm/assembler.hpp"
#include "vm/raw_word.hpp"

namespace covenant::vm {
namespace {

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

// assemble(disassemble(code)) must give back `code` exactly; returns the text.
std::string round_trip(const std::vector<RawInsn>& code) {
  std::string text = disassemble(code);
  INFO("disassembly:\n" << text);
  auto again = assemble(text);
  if (!again) FAIL_CHECK("reassembly failed: " << to_string(again.error()));
  REQUIRE(again.has_value());
  CHECK(*again == code);
  return text;
}

// A program holding one instance of `row` with distinctive field values, followed by
// `mov %r0, 0` and `exit`; jumps and local calls target the final exit.
std::vector<RawInsn> sample(const OpcodeInfo& row) {
  RawInsn i;
  i.opcode = row.opcode;
  switch (row.discriminator) {
    case Discriminator::offset:
      i.offset = static_cast<int16_t>(row.disc_value);
      break;
    case Discriminator::imm:
      i.imm = row.disc_value;
      break;
    case Discriminator::src:
      i.src = static_cast<uint8_t>(row.disc_value);
      break;
    case Discriminator::none:
      break;
  }
  std::vector<RawInsn> code;
  const int32_t to_exit = 1;  // from the slot after `i`, skip the mov to land on exit
  switch (row.form) {
    case Form::alu_reg:
      i.dst = 3;
      i.src = 9;
      break;
    case Form::alu_imm:
      i.dst = 3;
      i.imm = -7;
      break;
    case Form::unary:
      i.dst = 5;
      break;
    case Form::lddw:
      i.dst = 6;
      i.imm = static_cast<int32_t>(0x89abcdefu);
      break;
    case Form::load:
      i.dst = 1;
      i.src = 10;
      i.offset = -8;
      break;
    case Form::store_imm:
      i.dst = 10;
      i.offset = -16;
      i.imm = -1;
      break;
    case Form::store_reg:
      i.dst = 2;
      i.src = 3;
      i.offset = 12;
      break;
    case Form::atomic:
      i.dst = 10;
      i.src = 1;
      i.offset = -8;
      break;
    case Form::jump:
      i.offset = to_exit;
      break;
    case Form::jump_long:
      i.imm = to_exit;
      break;
    case Form::branch_imm:
      i.dst = 1;
      i.imm = 0x7fffffff;
      i.offset = to_exit;
      break;
    case Form::branch_reg:
      i.dst = 1;
      i.src = 2;
      i.offset = to_exit;
      break;
    case Form::call_helper:
      i.imm = 5;
      break;
    case Form::call_local:
      i.imm = to_exit;
      break;
    case Form::call_reg:
      i.dst = 2;
      break;
    case Form::exit:
      break;
    case Form::packet_abs:
      i.imm = 4;
      break;
    case Form::packet_ind:
      i.src = 3;
      i.imm = -2;
      break;
  }
  code.push_back(i);
  if (row.form == Form::lddw) code.push_back(RawInsn{0, 0, 0, 0, -0x12345678});
  code.push_back(RawInsn{0xb7, 0, 0, 0, 0});
  code.push_back(RawInsn{0x95, 0, 0, 0, 0});
  return code;
}

TEST_CASE("disassembler: every form of the opcode table round-trips") {
  for (const OpcodeInfo& row : kOpcodeTable) {
    INFO("form " << row.mnemonic << " (opcode " << int(row.opcode) << ")");
    std::vector<RawInsn> code = sample(row);
    REQUIRE(identify(code[0]) == row.op);
    REQUIRE_FALSE(check_fields(row.op, code[0]).has_value());
    std::string text = round_trip(code);
    CHECK(text.starts_with(std::string(row.mnemonic) + (row.form == Form::exit ? "\n" : " ")));
    CHECK_FALSE(contains(text, ".raw"));
    bool has_target = row.form == Form::jump || row.form == Form::jump_long ||
                      row.form == Form::branch_imm || row.form == Form::branch_reg ||
                      row.form == Form::call_local;
    CHECK(contains(text, "L" + std::to_string(code.size() - 1) + ":\nexit") == has_target);
  }
}

TEST_CASE("disassembler: mnemonic aliases read back as the same slots") {
  auto code =
      assemble("swap16 %r1\nadd64 %r1, 2\nneg64 %r2\nlock add64 [%r1], %r2\ncall %r3\nexit");
  REQUIRE(code.has_value());
  std::string text = round_trip(*code);
  CHECK(contains(text, "bswap16 %r1\nadd %r1, 2\nneg %r2\nlock add [%r1], %r2\ncallx %r3\n"));
}

TEST_CASE("disassembler: fields the syntax cannot express become .raw lines") {
  const std::vector<std::pair<std::vector<RawInsn>, std::string_view>> cases = {
      {{{0xff, 0, 0, 0, 0}}, "unknown opcode 0xff"},
      {{{0x95, 1, 0, 0, 0}}, "exit: non-zero dst field"},
      {{{0xbf, 0, 1, 5, 0}}, "opcode 0xbf with no form for these fields"},
      {{{0xb7, 11, 0, 0, 0}}, "dst register out of range"},
      {{{0x18, 0, 0, 0, 1}}, "lddw without its second slot"},
      {{{0x18, 0, 0, 0, 1}, {0x95, 0, 0, 0, 0}}, "lddw whose second slot"},
      {{{0x18, 0, 1, 0, 1}, {0, 0, 0, 0, 0}}, "opcode 0x18 with no form"},  // src 1: map fd
  };
  for (const auto& [code, reason] : cases) {
    std::string text = round_trip(code);
    CHECK(text.starts_with(".raw 0x"));
    CHECK(contains(text, reason));
  }
  CHECK(disassemble(std::vector<RawInsn>{{0x95, 1, 0, 0, 0}}) ==
        ".raw 0x0000000000000195  # exit: non-zero dst field (must be 0)\n");
}

TEST_CASE("disassembler: labels only for targets that are instruction starts") {
  std::vector<RawInsn> code = {
      {0x05, 0, 0, 2, 0},    // 0: ja -> 3 (exit), labelled
      {0x18, 0, 0, 0, 1},    // 1: lddw
      {0x00, 0, 0, 0, 0},    // 2: its second slot
      {0x95, 0, 0, 0, 0},    // 3: exit
      {0x05, 0, 0, -3, 0},   // 4: ja -> 2, inside the lddw: numeric
      {0x15, 1, 0, 100, 0},  // 5: jeq -> 106, outside: numeric
      {0x85, 0, 1, 0, -7},   // 6: call local -> 0, labelled
      {0x06, 0, 0, 0, -8},   // 7: ja32 -> 0
  };
  std::string text = round_trip(code);
  CHECK(text ==
        "L0:\n"
        "ja L3\n"
        "lddw %r0, 0x0000000000000001\n"
        "L3:\n"
        "exit\n"
        "ja -3\n"
        "jeq %r1, 0, +100\n"
        "call local L0\n"
        "ja32 L0\n");
}

TEST_CASE("disassembler: host calls are annotated with the host's name") {
  HostTable hosts = test_host_table();
  std::vector<RawInsn> code = {{0x85, 0, 0, 0, 5}, {0x85, 0, 0, 0, 77}, {0x95, 0, 0, 0, 0}};
  std::string text = disassemble(code, &hosts);
  CHECK(text == "call 5  # unwind\ncall 77\nexit\n");
  auto again = assemble(text);
  REQUIRE(again.has_value());
  CHECK(*again == code);
}

TEST_CASE("disassembler: disassemble_one and slot_width") {
  std::vector<RawInsn> code = {
      {0x18, 2, 0, 0, -1}, {0, 0, 0, 0, 0}, {0x2d, 1, 2, -3, 0}, {0x95, 0, 0, 0, 0}};
  CHECK(disassemble_one(code, 0) == "lddw %r2, 0x00000000ffffffff");
  CHECK(disassemble_one(code, 2) == "jgt %r1, %r2, -3");
  CHECK(disassemble_one(code, 4).empty());
  CHECK(slot_width(code, 0) == 2);
  CHECK(slot_width(code, 2) == 1);
  CHECK(slot_width(code, 9) == 0);
  CHECK(disassemble_one(std::vector<RawInsn>{{0x18, 0, 0, 0, 0}}, 0).starts_with(".raw"));
  CHECK(disassemble(std::vector<RawInsn>{}).empty());
}

TEST_CASE("disassembler: random slots round-trip") {
  // Deterministic xorshift; opcodes drawn mostly from the table so that most slots are
  // instructions, with random fields so that many are not.
  uint64_t state = 0x9e3779b97f4a7c15;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  size_t instruction_lines = 0, raw_lines = 0;
  for (int program = 0; program < 2000; ++program) {
    std::vector<RawInsn> code;
    size_t n = 1 + next() % 12;
    for (size_t k = 0; k < n; ++k) {
      RawInsn i = from_raw_word(next());
      if (next() % 4 != 0) {
        const OpcodeInfo& row = kOpcodeTable[next() % kOpcodeTable.size()];
        i.opcode = row.opcode;
        if (next() % 4 != 0) {  // mostly, repair the fields to make a valid instruction
          i.dst %= kRegisterCount;
          i.src %= kRegisterCount;
          i.offset = static_cast<int16_t>(i.offset % 8);
          if (row.discriminator == Discriminator::offset)
            i.offset = static_cast<int16_t>(row.disc_value);
          if (row.discriminator == Discriminator::imm) i.imm = row.disc_value;
          if (row.discriminator == Discriminator::src) i.src = static_cast<uint8_t>(row.disc_value);
          while (auto bad = check_fields(row.op, i)) {
            std::string why(*bad);
            if (contains(why, "dst"))
              i.dst = 0;
            else if (contains(why, "src"))
              i.src = 0;
            else if (contains(why, "offset"))
              i.offset = 0;
            else
              i.imm = 0;
          }
        }
      }
      code.push_back(i);
    }
    INFO("program " << program);
    std::string text = round_trip(code);
    for (size_t pos = 0; pos < text.size(); pos = text.find('\n', pos) + 1)
      ++(text.compare(pos, 4, ".raw") == 0 ? raw_lines : instruction_lines);
  }
  // Both kinds of line must be well represented for the round trip to mean something.
  CHECK(instruction_lines > 6000);
  CHECK(raw_lines > 4000);
}

TEST_CASE("disassembler: every assembly vector of bpf_conformance round-trips") {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(COVENANT_SHARED_DIR) / "vectors/bpf-conformance/tests";
  if (!fs::exists(dir)) {
    MESSAGE("skipped: no vectors at " << dir.string());
    return;
  }
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".data") continue;
    auto file = conformance::read_data_file(entry.path().string());
    REQUIRE_MESSAGE(file.has_value(), (file ? "" : file.error()));
    if (!file->asm_text) continue;
    INFO("vector " << entry.path().filename().string());
    auto code = assemble(*file->asm_text);
    REQUIRE_MESSAGE(code.has_value(), (code ? "" : to_string(code.error())));
    round_trip(*code);
    ++checked;
  }
  CHECK(checked > 300);
}

}  // namespace
}  // namespace covenant::vm
