#include "vm/assembler.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "vm/raw_word.hpp"

namespace covenant::vm {
namespace {

std::vector<RawInsn> asm_ok(std::string_view text) {
  auto r = assemble(text);
  INFO("text: " << text);
  if (!r) FAIL_CHECK("unexpected error: " << to_string(r.error()));
  REQUIRE(r.has_value());
  return *r;
}

AsmError asm_err(std::string_view text) {
  auto r = assemble(text);
  INFO("text: " << text);
  REQUIRE_FALSE(r.has_value());
  CHECK_FALSE(r.error().reason.empty());
  return r.error();
}

RawInsn insn(uint8_t opcode, uint8_t dst = 0, uint8_t src = 0, int16_t offset = 0,
             int32_t imm = 0) {
  return {opcode, dst, src, offset, imm};
}

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

TEST_CASE("assembler: ALU forms pick imm or reg by operand") {
  auto code = asm_ok("add32 %r0, -3\nadd %r1, %r2\nmov %r3, 0x10\nneg %r4\nneg32 %r5\nexit");
  CHECK(code[0] == insn(0x04, 0, 0, 0, -3));
  CHECK(code[1] == insn(0x0f, 1, 2));
  CHECK(code[2] == insn(0xb7, 3, 0, 0, 16));
  CHECK(code[3] == insn(0x87, 4));
  CHECK(code[4] == insn(0x84, 5));
  CHECK(code[5] == insn(0x95));
}

TEST_CASE("assembler: discriminated forms set offset or imm from the table") {
  auto code = asm_ok(
      "sdiv %r1, 3\nsmod32 %r1, %r2\nmovsx864 %r1, %r2\nmovsx1632 %r1, %r2\n"
      "le16 %r1\nbe64 %r2\nbswap32 %r3\nswap16 %r4\nexit");
  CHECK(code[0] == insn(0x37, 1, 0, 1, 3));
  CHECK(code[1] == insn(0x9c, 1, 2, 1));
  CHECK(code[2] == insn(0xbf, 1, 2, 8));
  CHECK(code[3] == insn(0xbc, 1, 2, 16));
  CHECK(code[4] == insn(0xd4, 1, 0, 0, 16));
  CHECK(code[5] == insn(0xdc, 2, 0, 0, 64));
  CHECK(code[6] == insn(0xd7, 3, 0, 0, 32));
  CHECK(code[7] == insn(0xd7, 4, 0, 0, 16));
}

TEST_CASE("assembler: lddw takes two slots, upper half in the second") {
  auto code = asm_ok("lddw %r0, 0x1122334455667788\nexit");
  REQUIRE(code.size() == 3);
  CHECK(to_raw_word(code[0]) == 0x5566778800000018);
  CHECK(to_raw_word(code[1]) == 0x1122334400000000);
  auto neg = asm_ok("lddw %r1, -1\nlddw %r2, 18446744073709551615\nexit");
  CHECK(neg[0] == insn(0x18, 1, 0, 0, -1));
  CHECK(neg[1] == insn(0, 0, 0, 0, -1));
  CHECK(neg[2] == insn(0x18, 2, 0, 0, -1));
  CHECK(neg[3] == insn(0, 0, 0, 0, -1));
  CHECK(contains(asm_err("lddw %r0, 0x10000000000000000\nexit").reason, "out of range"));
  CHECK(contains(asm_err("lddw %r0, -9223372036854775809\nexit").reason, "out of range"));
}

TEST_CASE("assembler: memory operands") {
  auto code = asm_ok(
      "ldxw %r0, [%r1+4]\nldxdw %r0, [%r10-8]\nldxb %r0, [%r1]\nldxh %r0, [ %r2 + 0x10 ]\n"
      "stw [%r10-8], 7\nstxdw [%r10-16], %r3\nldxsb %r4, [%r1+1]\nexit");
  CHECK(code[0] == insn(0x61, 0, 1, 4));
  CHECK(code[1] == insn(0x79, 0, 10, -8));
  CHECK(code[2] == insn(0x71, 0, 1, 0));
  CHECK(code[3] == insn(0x69, 0, 2, 16));
  CHECK(code[4] == insn(0x62, 10, 0, -8, 7));
  CHECK(code[5] == insn(0x7b, 10, 3, -16));
  CHECK(code[6] == insn(0x91, 4, 1, 1));
}

TEST_CASE("assembler: jumps to labels and numeric offsets") {
  auto code = asm_ok("start:\nja end\njeq %r1, 5, +1\njne %r1, %r2, -3\nja32 start\nend:\nexit");
  CHECK(code[0] == insn(0x05, 0, 0, 3));
  CHECK(code[1] == insn(0x15, 1, 0, 1, 5));
  CHECK(code[2] == insn(0x5d, 1, 2, -3));
  CHECK(code[3] == insn(0x06, 0, 0, 0, -4));  // ja32 holds the target in imm
}

TEST_CASE("assembler: 'exit' as a target is the first exit unless a label says otherwise") {
  auto implicit = asm_ok("jeq %r1, 0, exit\nmov %r0, 1\nexit\nmov %r0, 2\nexit");
  CHECK(implicit[0].offset == 1);
  auto labelled = asm_ok("jne %r0, 0, exit\nexit\nexit:\nmov %r0, 1\nexit");
  CHECK(labelled[0].offset == 1);  // the label `exit:` at slot 2, not the instruction at slot 1
}

TEST_CASE("assembler: calls") {
  auto code = asm_ok("call 5\ncall local f\ncall %r2\ncallx %r3\nexit\nf:\nexit");
  CHECK(code[0] == insn(0x85, 0, 0, 0, 5));
  CHECK(code[1] == insn(0x85, 0, 1, 0, 3));
  CHECK(code[2] == insn(0x8d, 2));
  CHECK(code[3] == insn(0x8d, 3));
  auto backward = asm_ok("f:\nmov %r0, 1\nexit\ncall local f\nexit");
  CHECK(backward[2].imm == -3);
}

TEST_CASE("assembler: atomics") {
  auto code = asm_ok(
      "lock add [%r10-8], %r1\nlock fetch add32 [%r10-8], %r1\nlock xchg [%r1+8], %r2\n"
      "lock cmpxchg32 [%r1], %r2\nlock fetch xor [%r1], %r3\nlock or64 [%r1], %r3\nexit");
  CHECK(code[0] == insn(0xdb, 10, 1, -8, 0x00));
  CHECK(code[1] == insn(0xc3, 10, 1, -8, 0x01));
  CHECK(code[2] == insn(0xdb, 1, 2, 8, 0xe1));
  CHECK(code[3] == insn(0xc3, 1, 2, 0, 0xf1));
  CHECK(code[4] == insn(0xdb, 1, 3, 0, 0xa1));
  CHECK(code[5] == insn(0xdb, 1, 3, 0, 0x40));
}

TEST_CASE("assembler: packet access and .raw") {
  auto code = asm_ok("ldabsw 4\nldindh %r3, 8\n.raw 0x0000000000000095\n.raw 0xff");
  CHECK(code[0] == insn(0x20, 0, 0, 0, 4));
  CHECK(code[1] == insn(0x48, 0, 3, 0, 8));
  CHECK(code[2] == insn(0x95));
  CHECK(code[3] == insn(0xff));
  CHECK(contains(asm_err(".raw -1").reason, ".raw"));
  CHECK(contains(asm_err(".raw 0x1, 0x2").reason, "expected 1"));
}

TEST_CASE("assembler: comments, blank lines, CRLF and labels before instructions") {
  auto code =
      asm_ok("# header\n\n  mov %r0, 1   # trailing\r\nloop: add %r0, 1\n\t\nja loop # back\n");
  REQUIRE(code.size() == 3);
  CHECK(code[2].offset == -2);
}

TEST_CASE("assembler: 32-bit immediate range: int32 in decimal, up to 0xffffffff in hex") {
  CHECK(asm_ok("mov32 %r0, 2147483647\nexit")[0].imm == 2147483647);
  CHECK(asm_ok("mov32 %r0, -2147483648\nexit")[0].imm == INT32_MIN);
  CHECK(asm_ok("mov32 %r0, 0xffffffff\nexit")[0].imm == -1);
  CHECK(asm_ok("mov32 %r0, -0x80000000\nexit")[0].imm == INT32_MIN);
  AsmError e = asm_err("mov32 %r0, 2147483648\nexit");
  CHECK(e.line == 1);
  CHECK(e.column == 12);
  CHECK(contains(e.reason, "out of range"));
  CHECK(asm_err("mov32 %r0, 0x100000000\nexit").column == 12);
  CHECK(contains(asm_err("mov32 %r0, -2147483649").reason, "out of range"));
  CHECK(contains(asm_err("mov32 %r0, 99999999999999999999999").reason, "out of range"));
}

TEST_CASE("assembler: 16-bit offset range") {
  CHECK(asm_ok("ldxb %r0, [%r1+32767]\nexit")[0].offset == 32767);
  CHECK(asm_ok("ldxb %r0, [%r1-32768]\nexit")[0].offset == -32768);
  CHECK(asm_ok("ldxb %r0, [%r1+0xffff]\nexit")[0].offset == -1);
  CHECK(asm_ok("ja +32767\nexit")[0].offset == 32767);
  AsmError e = asm_err("ldxb %r0, [%r1+0x10000]\nexit");
  CHECK(e.column == 16);
  CHECK(contains(e.reason, "16-bit offset"));
  CHECK(contains(asm_err("ldxb %r0, [%r1+32768]").reason, "out of range"));
  CHECK(contains(asm_err("ldxb %r0, [%r1-32769]").reason, "out of range"));
  CHECK(contains(asm_err("ja +32768\nexit").reason, "out of range"));
  CHECK(asm_ok("ja32 +100000\nexit")[0].imm == 100000);
}

TEST_CASE("assembler: a label too far for a 16-bit offset is an error; ja32 reaches it") {
  std::string far = "ja end\n";
  for (int i = 0; i < 40000; ++i)
    far += "mov %r0, 0\n";
  far += "end:\nexit\n";
  AsmError e = asm_err(far);
  CHECK(e.line == 1);
  CHECK(e.column == 4);
  CHECK(contains(e.reason, "ja32"));
  far[1] = 'a';
  auto code = asm_ok("ja32" + far.substr(2));
  CHECK(code[0].imm == 40000);
}

TEST_CASE("assembler: errors carry line, column and reason") {
  struct Case {
    std::string_view text;
    uint32_t line, column;
    std::string_view reason;
  };
  const Case cases[] = {
      {"mov %r0, 0\nldxq %r0, %r1\nexit", 2, 1, "unknown mnemonic 'ldxq'"},
      {"lddw %r0\nexit", 1, 1, "invalid number of operands for 'lddw': expected 2, got 1"},
      {"lock\nexit", 1, 1, "invalid number of operands for lock"},
      {"lock [%r10-8], %r1\nexit", 1, 1, "invalid number of operands for lock"},
      {"lock or [%r10-8]\nexit", 1, 1, "invalid number of operands for 'lock or'"},
      {"lock nand [%r10-8], %r1\nexit", 1, 1, "unknown atomic operation 'lock nand'"},
      {"ldxb %r0, %r1\nexit", 1, 11, "must be a memory operand"},
      {"or %r0, %r50\nexit", 1, 9, "invalid register '%r50'"},
      {"  mov %r11, 1\nexit", 1, 7, "invalid register '%r11'"},
      {"mov %x1, 1", 1, 5, "invalid register '%x1'"},
      {"ja NOT_A_LABEL\nexit", 1, 4, "unknown label 'NOT_A_LABEL'"},
      {"a:\nexit\na:\nexit", 3, 1, "duplicate label 'a' (first defined on line 1)"},
      {"1abc:\nexit", 1, 1, "invalid label name"},
      {"add %r0,\nexit", 1, 9, "missing operand"},
      {"add %r0 %r1\nexit", 1, 5, "expected ','"},
      {"mov %r0, 12abc\nexit", 1, 10, "malformed number '12abc'"},
      {"ldxw %r0, [%r1+]\nexit", 1, 11, "malformed memory operand"},
      {"ldxw %r0, [%r1*2]\nexit", 1, 12, "invalid register '%r1*2'"},
      {"stw [%r1], %r2\nexit", 1, 12, "must be an immediate"},
      {"jeq %r1, [%r2], +1\nexit", 1, 10, "must be an immediate or a register"},
      {"exit %r0", 1, 1, "expected 0, got 1"},
      {"%r0", 1, 1, "expected a mnemonic or a label"},
      {"", 1, 1, "empty program"},
      {"# only a comment\n\nlabel:\n", 1, 1, "empty program"},
  };
  for (const Case& c : cases) {
    AsmError e = asm_err(c.text);
    INFO("text: " << c.text << " -> " << to_string(e));
    CHECK(e.line == c.line);
    CHECK(e.column == c.column);
    CHECK(contains(e.reason, c.reason));
  }
}

TEST_CASE("assembler: first_line shifts reported lines") {
  auto r = assemble("mov %r0, 0\nbogus\n", 10);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().line == 11);
  CHECK(to_string(r.error()) == "11:1: unknown mnemonic 'bogus'");
}

}  // namespace
}  // namespace covenant::vm
