#include "vm/opcodes.hpp"

#include <map>
#include <string>
#include <vector>

namespace covenant::vm {
namespace {

using enum Form;
using enum Group;
using C = CostClass;
using D = Discriminator;

constexpr OpcodeInfo row(Op op, std::string_view mnemonic, uint8_t opcode, Form form, Group group,
                         CostClass cost, uint8_t cpu, std::string_view semantics,
                         Discriminator d = D::none, int32_t value = 0) {
  return {op, mnemonic, opcode, form, d, value, group, cost, cpu, semantics};
}

// ALU forms are told apart by the offset field (RFC 9669 §4.1: sdiv/smod use offset 1,
// movsx uses 8/16/32); every other ALU form requires offset 0.
constexpr OpcodeInfo alu(Op op, std::string_view mn, uint8_t opcode, Form form, Group group,
                         CostClass cost, uint8_t cpu, std::string_view sem, int16_t off = 0) {
  return row(op, mn, opcode, form, group, cost, cpu, sem, D::offset, off);
}

}  // namespace

// clang-format off
constexpr std::array<OpcodeInfo, kOpCount> kTable = {{
  // ---- ALU64 (class 0x07) -----------------------------------------------------------------
  alu(Op::add64_imm,  "add",  0x07, alu_imm, base64, C::alu, 1, "dst += sext(imm)"),
  alu(Op::add64_reg,  "add",  0x0f, alu_reg, base64, C::alu, 1, "dst += src"),
  alu(Op::sub64_imm,  "sub",  0x17, alu_imm, base64, C::alu, 1, "dst -= sext(imm)"),
  alu(Op::sub64_reg,  "sub",  0x1f, alu_reg, base64, C::alu, 1, "dst -= src"),
  alu(Op::mul64_imm,  "mul",  0x27, alu_imm, divmul64, C::mul, 1, "dst *= sext(imm)"),
  alu(Op::mul64_reg,  "mul",  0x2f, alu_reg, divmul64, C::mul, 1, "dst *= src"),
  alu(Op::div64_imm,  "div",  0x37, alu_imm, divmul64, C::div, 1, "dst = imm ? dst / (u64)sext(imm) : 0 (unsigned)"),
  alu(Op::div64_reg,  "div",  0x3f, alu_reg, divmul64, C::div, 1, "dst = src ? dst / src : 0 (unsigned)"),
  alu(Op::sdiv64_imm, "sdiv", 0x37, alu_imm, divmul64, C::div, 4, "dst = imm ? dst s/ sext(imm) : 0; INT64_MIN s/ -1 = INT64_MIN", 1),
  alu(Op::sdiv64_reg, "sdiv", 0x3f, alu_reg, divmul64, C::div, 4, "dst = src ? dst s/ src : 0; INT64_MIN s/ -1 = INT64_MIN", 1),
  alu(Op::or64_imm,   "or",   0x47, alu_imm, base64, C::alu, 1, "dst |= sext(imm)"),
  alu(Op::or64_reg,   "or",   0x4f, alu_reg, base64, C::alu, 1, "dst |= src"),
  alu(Op::and64_imm,  "and",  0x57, alu_imm, base64, C::alu, 1, "dst &= sext(imm)"),
  alu(Op::and64_reg,  "and",  0x5f, alu_reg, base64, C::alu, 1, "dst &= src"),
  alu(Op::lsh64_imm,  "lsh",  0x67, alu_imm, base64, C::alu, 1, "dst <<= imm & 63"),
  alu(Op::lsh64_reg,  "lsh",  0x6f, alu_reg, base64, C::alu, 1, "dst <<= src & 63"),
  alu(Op::rsh64_imm,  "rsh",  0x77, alu_imm, base64, C::alu, 1, "dst >>= imm & 63 (logical)"),
  alu(Op::rsh64_reg,  "rsh",  0x7f, alu_reg, base64, C::alu, 1, "dst >>= src & 63 (logical)"),
  row(Op::neg64,      "neg",  0x87, unary,   base64, C::alu, 1, "dst = -dst"),
  alu(Op::mod64_imm,  "mod",  0x97, alu_imm, divmul64, C::div, 1, "dst = imm ? dst % (u64)sext(imm) : dst (unsigned)"),
  alu(Op::mod64_reg,  "mod",  0x9f, alu_reg, divmul64, C::div, 1, "dst = src ? dst % src : dst (unsigned)"),
  alu(Op::smod64_imm, "smod", 0x97, alu_imm, divmul64, C::div, 4, "dst = imm ? dst s% sext(imm) : dst; sign of dividend", 1),
  alu(Op::smod64_reg, "smod", 0x9f, alu_reg, divmul64, C::div, 4, "dst = src ? dst s% src : dst; sign of dividend", 1),
  alu(Op::xor64_imm,  "xor",  0xa7, alu_imm, base64, C::alu, 1, "dst ^= sext(imm)"),
  alu(Op::xor64_reg,  "xor",  0xaf, alu_reg, base64, C::alu, 1, "dst ^= src"),
  alu(Op::mov64_imm,  "mov",  0xb7, alu_imm, base64, C::alu, 1, "dst = sext(imm)"),
  alu(Op::mov64_reg,  "mov",  0xbf, alu_reg, base64, C::alu, 1, "dst = src"),
  alu(Op::movsx8_64,  "movsx864",  0xbf, alu_reg, base64, C::alu, 4, "dst = sext64(src & 0xff)", 8),
  alu(Op::movsx16_64, "movsx1664", 0xbf, alu_reg, base64, C::alu, 4, "dst = sext64(src & 0xffff)", 16),
  alu(Op::movsx32_64, "movsx3264", 0xbf, alu_reg, base64, C::alu, 4, "dst = sext64(src & 0xffffffff)", 32),
  alu(Op::arsh64_imm, "arsh", 0xc7, alu_imm, base64, C::alu, 1, "dst = dst s>> (imm & 63)"),
  alu(Op::arsh64_reg, "arsh", 0xcf, alu_reg, base64, C::alu, 1, "dst = dst s>> (src & 63)"),
  row(Op::bswap16,    "bswap16", 0xd7, unary, base64, C::alu, 4, "dst = bswap16(dst) (zero-extended)", D::imm, 16),
  row(Op::bswap32,    "bswap32", 0xd7, unary, base64, C::alu, 4, "dst = bswap32(dst) (zero-extended)", D::imm, 32),
  row(Op::bswap64,    "bswap64", 0xd7, unary, base64, C::alu, 4, "dst = bswap64(dst)", D::imm, 64),
  // ---- ALU (class 0x04): 32-bit, results zero-extended to 64 bits -------------------------
  alu(Op::add32_imm,  "add32",  0x04, alu_imm, base32, C::alu, 1, "dst = u32(dst + imm)"),
  alu(Op::add32_reg,  "add32",  0x0c, alu_reg, base32, C::alu, 1, "dst = u32(dst + src)"),
  alu(Op::sub32_imm,  "sub32",  0x14, alu_imm, base32, C::alu, 1, "dst = u32(dst - imm)"),
  alu(Op::sub32_reg,  "sub32",  0x1c, alu_reg, base32, C::alu, 1, "dst = u32(dst - src)"),
  alu(Op::mul32_imm,  "mul32",  0x24, alu_imm, divmul32, C::mul, 1, "dst = u32(dst * imm)"),
  alu(Op::mul32_reg,  "mul32",  0x2c, alu_reg, divmul32, C::mul, 1, "dst = u32(dst * src)"),
  alu(Op::div32_imm,  "div32",  0x34, alu_imm, divmul32, C::div, 1, "dst = u32(imm) ? u32(dst) / u32(imm) : 0"),
  alu(Op::div32_reg,  "div32",  0x3c, alu_reg, divmul32, C::div, 1, "dst = u32(src) ? u32(dst) / u32(src) : 0"),
  alu(Op::sdiv32_imm, "sdiv32", 0x34, alu_imm, divmul32, C::div, 4, "dst = u32(imm ? s32(dst) s/ imm : 0); INT32_MIN s/ -1 = INT32_MIN", 1),
  alu(Op::sdiv32_reg, "sdiv32", 0x3c, alu_reg, divmul32, C::div, 4, "dst = u32(src ? s32(dst) s/ s32(src) : 0); INT32_MIN s/ -1 = INT32_MIN", 1),
  alu(Op::or32_imm,   "or32",   0x44, alu_imm, base32, C::alu, 1, "dst = u32(dst | imm)"),
  alu(Op::or32_reg,   "or32",   0x4c, alu_reg, base32, C::alu, 1, "dst = u32(dst | src)"),
  alu(Op::and32_imm,  "and32",  0x54, alu_imm, base32, C::alu, 1, "dst = u32(dst & imm)"),
  alu(Op::and32_reg,  "and32",  0x5c, alu_reg, base32, C::alu, 1, "dst = u32(dst & src)"),
  alu(Op::lsh32_imm,  "lsh32",  0x64, alu_imm, base32, C::alu, 1, "dst = u32(dst << (imm & 31))"),
  alu(Op::lsh32_reg,  "lsh32",  0x6c, alu_reg, base32, C::alu, 1, "dst = u32(dst << (src & 31))"),
  alu(Op::rsh32_imm,  "rsh32",  0x74, alu_imm, base32, C::alu, 1, "dst = u32(dst) >> (imm & 31)"),
  alu(Op::rsh32_reg,  "rsh32",  0x7c, alu_reg, base32, C::alu, 1, "dst = u32(dst) >> (src & 31)"),
  row(Op::neg32,      "neg32",  0x84, unary,   base32, C::alu, 1, "dst = u32(-dst)"),
  alu(Op::mod32_imm,  "mod32",  0x94, alu_imm, divmul32, C::div, 1, "dst = u32(imm) ? u32(dst) % u32(imm) : u32(dst)"),
  alu(Op::mod32_reg,  "mod32",  0x9c, alu_reg, divmul32, C::div, 1, "dst = u32(src) ? u32(dst) % u32(src) : u32(dst)"),
  alu(Op::smod32_imm, "smod32", 0x94, alu_imm, divmul32, C::div, 4, "dst = u32(imm ? s32(dst) s% imm : dst)", 1),
  alu(Op::smod32_reg, "smod32", 0x9c, alu_reg, divmul32, C::div, 4, "dst = u32(src ? s32(dst) s% s32(src) : dst)", 1),
  alu(Op::xor32_imm,  "xor32",  0xa4, alu_imm, base32, C::alu, 1, "dst = u32(dst ^ imm)"),
  alu(Op::xor32_reg,  "xor32",  0xac, alu_reg, base32, C::alu, 1, "dst = u32(dst ^ src)"),
  alu(Op::mov32_imm,  "mov32",  0xb4, alu_imm, base32, C::alu, 1, "dst = u32(imm)"),
  alu(Op::mov32_reg,  "mov32",  0xbc, alu_reg, base32, C::alu, 1, "dst = u32(src)"),
  alu(Op::movsx8_32,  "movsx832",  0xbc, alu_reg, base32, C::alu, 4, "dst = u32(sext32(src & 0xff))", 8),
  alu(Op::movsx16_32, "movsx1632", 0xbc, alu_reg, base32, C::alu, 4, "dst = u32(sext32(src & 0xffff))", 16),
  alu(Op::arsh32_imm, "arsh32", 0xc4, alu_imm, base32, C::alu, 1, "dst = u32(s32(dst) s>> (imm & 31))"),
  alu(Op::arsh32_reg, "arsh32", 0xcc, alu_reg, base32, C::alu, 1, "dst = u32(s32(dst) s>> (src & 31))"),
  row(Op::le16, "le16", 0xd4, unary, base32, C::alu, 1, "dst = u16(dst) (host is little-endian)", D::imm, 16),
  row(Op::le32, "le32", 0xd4, unary, base32, C::alu, 1, "dst = u32(dst)", D::imm, 32),
  row(Op::le64, "le64", 0xd4, unary, base64, C::alu, 1, "dst = dst", D::imm, 64),
  row(Op::be16, "be16", 0xdc, unary, base32, C::alu, 1, "dst = bswap16(dst) (zero-extended)", D::imm, 16),
  row(Op::be32, "be32", 0xdc, unary, base32, C::alu, 1, "dst = bswap32(dst) (zero-extended)", D::imm, 32),
  row(Op::be64, "be64", 0xdc, unary, base64, C::alu, 1, "dst = bswap64(dst)", D::imm, 64),
  // ---- Loads and stores ---------------------------------------------------------------------
  row(Op::lddw,  "lddw",  0x18, Form::lddw, base64, C::lddw, 1, "dst = imm64 (two slots)", D::src, 0),
  row(Op::ldxb,  "ldxb",  0x71, load, base32, C::load, 1, "dst = *(u8 *)(src + off)"),
  row(Op::ldxh,  "ldxh",  0x69, load, base32, C::load, 1, "dst = *(u16 *)(src + off)"),
  row(Op::ldxw,  "ldxw",  0x61, load, base32, C::load, 1, "dst = *(u32 *)(src + off)"),
  row(Op::ldxdw, "ldxdw", 0x79, load, base64, C::load, 1, "dst = *(u64 *)(src + off)"),
  row(Op::ldxsb, "ldxsb", 0x91, load, base64, C::load, 4, "dst = sext64(*(s8 *)(src + off))"),
  row(Op::ldxsh, "ldxsh", 0x89, load, base64, C::load, 4, "dst = sext64(*(s16 *)(src + off))"),
  row(Op::ldxsw, "ldxsw", 0x81, load, base64, C::load, 4, "dst = sext64(*(s32 *)(src + off))"),
  row(Op::stb,   "stb",   0x72, store_imm, base32, C::store, 1, "*(u8 *)(dst + off) = imm"),
  row(Op::sth,   "sth",   0x6a, store_imm, base32, C::store, 1, "*(u16 *)(dst + off) = imm"),
  row(Op::stw,   "stw",   0x62, store_imm, base32, C::store, 1, "*(u32 *)(dst + off) = imm"),
  row(Op::stdw,  "stdw",  0x7a, store_imm, base64, C::store, 1, "*(u64 *)(dst + off) = sext(imm)"),
  row(Op::stxb,  "stxb",  0x73, store_reg, base32, C::store, 1, "*(u8 *)(dst + off) = src"),
  row(Op::stxh,  "stxh",  0x6b, store_reg, base32, C::store, 1, "*(u16 *)(dst + off) = src"),
  row(Op::stxw,  "stxw",  0x63, store_reg, base32, C::store, 1, "*(u32 *)(dst + off) = src"),
  row(Op::stxdw, "stxdw", 0x7b, store_reg, base64, C::store, 1, "*(u64 *)(dst + off) = src"),
  // ---- Atomics (known, not executed) --------------------------------------------------------
  row(Op::atomic_add32,       "lock add32",       0xc3, atomic, atomic32, C::unsupported, 3, "*(u32 *)(dst + off) += src", D::imm, 0x00),
  row(Op::atomic_or32,        "lock or32",        0xc3, atomic, atomic32, C::unsupported, 3, "*(u32 *)(dst + off) |= src", D::imm, 0x40),
  row(Op::atomic_and32,       "lock and32",       0xc3, atomic, atomic32, C::unsupported, 3, "*(u32 *)(dst + off) &= src", D::imm, 0x50),
  row(Op::atomic_xor32,       "lock xor32",       0xc3, atomic, atomic32, C::unsupported, 3, "*(u32 *)(dst + off) ^= src", D::imm, 0xa0),
  row(Op::atomic_fetch_add32, "lock fetch add32", 0xc3, atomic, atomic32, C::unsupported, 3, "src = fetch_add(u32 dst + off, src)", D::imm, 0x01),
  row(Op::atomic_fetch_or32,  "lock fetch or32",  0xc3, atomic, atomic32, C::unsupported, 3, "src = fetch_or(u32 dst + off, src)", D::imm, 0x41),
  row(Op::atomic_fetch_and32, "lock fetch and32", 0xc3, atomic, atomic32, C::unsupported, 3, "src = fetch_and(u32 dst + off, src)", D::imm, 0x51),
  row(Op::atomic_fetch_xor32, "lock fetch xor32", 0xc3, atomic, atomic32, C::unsupported, 3, "src = fetch_xor(u32 dst + off, src)", D::imm, 0xa1),
  row(Op::atomic_xchg32,      "lock xchg32",      0xc3, atomic, atomic32, C::unsupported, 3, "src = xchg(u32 dst + off, src)", D::imm, 0xe1),
  row(Op::atomic_cmpxchg32,   "lock cmpxchg32",   0xc3, atomic, atomic32, C::unsupported, 3, "r0 = cmpxchg(u32 dst + off, r0, src)", D::imm, 0xf1),
  row(Op::atomic_add64,       "lock add",         0xdb, atomic, atomic64, C::unsupported, 1, "*(u64 *)(dst + off) += src", D::imm, 0x00),
  row(Op::atomic_or64,        "lock or",          0xdb, atomic, atomic64, C::unsupported, 3, "*(u64 *)(dst + off) |= src", D::imm, 0x40),
  row(Op::atomic_and64,       "lock and",         0xdb, atomic, atomic64, C::unsupported, 3, "*(u64 *)(dst + off) &= src", D::imm, 0x50),
  row(Op::atomic_xor64,       "lock xor",         0xdb, atomic, atomic64, C::unsupported, 3, "*(u64 *)(dst + off) ^= src", D::imm, 0xa0),
  row(Op::atomic_fetch_add64, "lock fetch add",   0xdb, atomic, atomic64, C::unsupported, 3, "src = fetch_add(u64 dst + off, src)", D::imm, 0x01),
  row(Op::atomic_fetch_or64,  "lock fetch or",    0xdb, atomic, atomic64, C::unsupported, 3, "src = fetch_or(u64 dst + off, src)", D::imm, 0x41),
  row(Op::atomic_fetch_and64, "lock fetch and",   0xdb, atomic, atomic64, C::unsupported, 3, "src = fetch_and(u64 dst + off, src)", D::imm, 0x51),
  row(Op::atomic_fetch_xor64, "lock fetch xor",   0xdb, atomic, atomic64, C::unsupported, 3, "src = fetch_xor(u64 dst + off, src)", D::imm, 0xa1),
  row(Op::atomic_xchg64,      "lock xchg",        0xdb, atomic, atomic64, C::unsupported, 3, "src = xchg(u64 dst + off, src)", D::imm, 0xe1),
  row(Op::atomic_cmpxchg64,   "lock cmpxchg",     0xdb, atomic, atomic64, C::unsupported, 3, "r0 = cmpxchg(u64 dst + off, r0, src)", D::imm, 0xf1),
  // ---- Legacy packet access (known, not executed) -------------------------------------------
  row(Op::ldabsb,  "ldabsb",  0x30, packet_abs, packet, C::unsupported, 1, "r0 = packet[imm] (u8)"),
  row(Op::ldabsh,  "ldabsh",  0x28, packet_abs, packet, C::unsupported, 1, "r0 = packet[imm] (u16)"),
  row(Op::ldabsw,  "ldabsw",  0x20, packet_abs, packet, C::unsupported, 1, "r0 = packet[imm] (u32)"),
  row(Op::ldabsdw, "ldabsdw", 0x38, packet_abs, packet, C::unsupported, 1, "r0 = packet[imm] (u64)"),
  row(Op::ldindb,  "ldindb",  0x50, packet_ind, packet, C::unsupported, 1, "r0 = packet[src + imm] (u8)"),
  row(Op::ldindh,  "ldindh",  0x48, packet_ind, packet, C::unsupported, 1, "r0 = packet[src + imm] (u16)"),
  row(Op::ldindw,  "ldindw",  0x40, packet_ind, packet, C::unsupported, 1, "r0 = packet[src + imm] (u32)"),
  row(Op::ldinddw, "ldinddw", 0x58, packet_ind, packet, C::unsupported, 1, "r0 = packet[src + imm] (u64)"),
  // ---- JMP (class 0x05): 64-bit comparisons ---------------------------------------------------
  row(Op::ja,       "ja",   0x05, jump,       base32, C::branch, 1, "pc += off"),
  row(Op::jeq_imm,  "jeq",  0x15, branch_imm, base64, C::branch, 1, "if dst == sext(imm) pc += off"),
  row(Op::jeq_reg,  "jeq",  0x1d, branch_reg, base64, C::branch, 1, "if dst == src pc += off"),
  row(Op::jgt_imm,  "jgt",  0x25, branch_imm, base64, C::branch, 1, "if dst > sext(imm) pc += off (unsigned)"),
  row(Op::jgt_reg,  "jgt",  0x2d, branch_reg, base64, C::branch, 1, "if dst > src pc += off (unsigned)"),
  row(Op::jge_imm,  "jge",  0x35, branch_imm, base64, C::branch, 1, "if dst >= sext(imm) pc += off (unsigned)"),
  row(Op::jge_reg,  "jge",  0x3d, branch_reg, base64, C::branch, 1, "if dst >= src pc += off (unsigned)"),
  row(Op::jset_imm, "jset", 0x45, branch_imm, base64, C::branch, 1, "if dst & sext(imm) pc += off"),
  row(Op::jset_reg, "jset", 0x4d, branch_reg, base64, C::branch, 1, "if dst & src pc += off"),
  row(Op::jne_imm,  "jne",  0x55, branch_imm, base64, C::branch, 1, "if dst != sext(imm) pc += off"),
  row(Op::jne_reg,  "jne",  0x5d, branch_reg, base64, C::branch, 1, "if dst != src pc += off"),
  row(Op::jsgt_imm, "jsgt", 0x65, branch_imm, base64, C::branch, 1, "if dst s> sext(imm) pc += off"),
  row(Op::jsgt_reg, "jsgt", 0x6d, branch_reg, base64, C::branch, 1, "if dst s> src pc += off"),
  row(Op::jsge_imm, "jsge", 0x75, branch_imm, base64, C::branch, 1, "if dst s>= sext(imm) pc += off"),
  row(Op::jsge_reg, "jsge", 0x7d, branch_reg, base64, C::branch, 1, "if dst s>= src pc += off"),
  row(Op::jlt_imm,  "jlt",  0xa5, branch_imm, base64, C::branch, 2, "if dst < sext(imm) pc += off (unsigned)"),
  row(Op::jlt_reg,  "jlt",  0xad, branch_reg, base64, C::branch, 2, "if dst < src pc += off (unsigned)"),
  row(Op::jle_imm,  "jle",  0xb5, branch_imm, base64, C::branch, 2, "if dst <= sext(imm) pc += off (unsigned)"),
  row(Op::jle_reg,  "jle",  0xbd, branch_reg, base64, C::branch, 2, "if dst <= src pc += off (unsigned)"),
  row(Op::jslt_imm, "jslt", 0xc5, branch_imm, base64, C::branch, 2, "if dst s< sext(imm) pc += off"),
  row(Op::jslt_reg, "jslt", 0xcd, branch_reg, base64, C::branch, 2, "if dst s< src pc += off"),
  row(Op::jsle_imm, "jsle", 0xd5, branch_imm, base64, C::branch, 2, "if dst s<= sext(imm) pc += off"),
  row(Op::jsle_reg, "jsle", 0xdd, branch_reg, base64, C::branch, 2, "if dst s<= src pc += off"),
  row(Op::call_helper, "call",       0x85, Form::call_helper, base32, C::call_host, 1, "r0 = host[imm](r1..r5); r1..r5 kept", D::src, 0),
  row(Op::call_local,  "call local", 0x85, Form::call_local,  base32, C::call_local, 1, "push frame; pc += imm", D::src, 1),
  row(Op::callx,       "callx",      0x8d, call_reg,          callx,  C::unsupported, 1, "call the function whose address is in dst"),
  row(Op::exit,        "exit",       0x95, Form::exit,        base32, C::exit, 1, "return r0 to the caller (or end the call)"),
  // ---- JMP32 (class 0x06): 32-bit comparisons, and the long jump --------------------------------
  row(Op::ja32,       "ja32",   0x06, jump_long,  base32, C::branch, 4, "pc += imm (gotol)"),
  row(Op::jeq32_imm,  "jeq32",  0x16, branch_imm, base32, C::branch, 3, "if u32(dst) == u32(imm) pc += off"),
  row(Op::jeq32_reg,  "jeq32",  0x1e, branch_reg, base32, C::branch, 3, "if u32(dst) == u32(src) pc += off"),
  row(Op::jgt32_imm,  "jgt32",  0x26, branch_imm, base32, C::branch, 3, "if u32(dst) > u32(imm) pc += off"),
  row(Op::jgt32_reg,  "jgt32",  0x2e, branch_reg, base32, C::branch, 3, "if u32(dst) > u32(src) pc += off"),
  row(Op::jge32_imm,  "jge32",  0x36, branch_imm, base32, C::branch, 3, "if u32(dst) >= u32(imm) pc += off"),
  row(Op::jge32_reg,  "jge32",  0x3e, branch_reg, base32, C::branch, 3, "if u32(dst) >= u32(src) pc += off"),
  row(Op::jset32_imm, "jset32", 0x46, branch_imm, base32, C::branch, 3, "if u32(dst) & u32(imm) pc += off"),
  row(Op::jset32_reg, "jset32", 0x4e, branch_reg, base32, C::branch, 3, "if u32(dst) & u32(src) pc += off"),
  row(Op::jne32_imm,  "jne32",  0x56, branch_imm, base32, C::branch, 3, "if u32(dst) != u32(imm) pc += off"),
  row(Op::jne32_reg,  "jne32",  0x5e, branch_reg, base32, C::branch, 3, "if u32(dst) != u32(src) pc += off"),
  row(Op::jsgt32_imm, "jsgt32", 0x66, branch_imm, base32, C::branch, 3, "if s32(dst) s> imm pc += off"),
  row(Op::jsgt32_reg, "jsgt32", 0x6e, branch_reg, base32, C::branch, 3, "if s32(dst) s> s32(src) pc += off"),
  row(Op::jsge32_imm, "jsge32", 0x76, branch_imm, base32, C::branch, 3, "if s32(dst) s>= imm pc += off"),
  row(Op::jsge32_reg, "jsge32", 0x7e, branch_reg, base32, C::branch, 3, "if s32(dst) s>= s32(src) pc += off"),
  row(Op::jlt32_imm,  "jlt32",  0xa6, branch_imm, base32, C::branch, 3, "if u32(dst) < u32(imm) pc += off"),
  row(Op::jlt32_reg,  "jlt32",  0xae, branch_reg, base32, C::branch, 3, "if u32(dst) < u32(src) pc += off"),
  row(Op::jle32_imm,  "jle32",  0xb6, branch_imm, base32, C::branch, 3, "if u32(dst) <= u32(imm) pc += off"),
  row(Op::jle32_reg,  "jle32",  0xbe, branch_reg, base32, C::branch, 3, "if u32(dst) <= u32(src) pc += off"),
  row(Op::jslt32_imm, "jslt32", 0xc6, branch_imm, base32, C::branch, 3, "if s32(dst) s< imm pc += off"),
  row(Op::jslt32_reg, "jslt32", 0xce, branch_reg, base32, C::branch, 3, "if s32(dst) s< s32(src) pc += off"),
  row(Op::jsle32_imm, "jsle32", 0xd6, branch_imm, base32, C::branch, 3, "if s32(dst) s<= imm pc += off"),
  row(Op::jsle32_reg, "jsle32", 0xde, branch_reg, base32, C::branch, 3, "if s32(dst) s<= s32(src) pc += off"),
}};
// clang-format on

constexpr bool rows_in_op_order() {
  for (size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<size_t>(kTable[i].op) != i) return false;
  return true;
}
static_assert(rows_in_op_order(), "kOpcodeTable rows must follow the order of enum Op");

const std::array<OpcodeInfo, kOpCount> kOpcodeTable = kTable;

namespace {

// For each opcode byte, the rows that use it (at most ten: the atomic operations).
struct OpcodeIndex {
  std::array<std::array<uint8_t, 10>, 256> rows{};
  std::array<uint8_t, 256> count{};
};

constexpr OpcodeIndex build_index() {
  OpcodeIndex index;
  for (size_t i = 0; i < kTable.size(); ++i) {
    uint8_t op = kTable[i].opcode;
    index.rows[op][index.count[op]++] = static_cast<uint8_t>(i);
  }
  return index;
}
constexpr OpcodeIndex kIndex = build_index();

int32_t field_value(Discriminator d, const RawInsn& insn) {
  switch (d) {
    case Discriminator::offset: return insn.offset;
    case Discriminator::imm: return insn.imm;
    case Discriminator::src: return insn.src;
    case Discriminator::none: break;
  }
  return 0;
}

}  // namespace

RawInsn RawInsn::decode(const uint8_t* b) {
  RawInsn insn;
  insn.opcode = b[0];
  insn.dst = b[1] & 0x0f;
  insn.src = b[1] >> 4;
  insn.offset = static_cast<int16_t>(static_cast<uint16_t>(b[2] | (b[3] << 8)));
  insn.imm = static_cast<int32_t>(static_cast<uint32_t>(b[4]) | (static_cast<uint32_t>(b[5]) << 8) |
                                  (static_cast<uint32_t>(b[6]) << 16) |
                                  (static_cast<uint32_t>(b[7]) << 24));
  return insn;
}

void RawInsn::encode(uint8_t* b) const {
  b[0] = opcode;
  b[1] = static_cast<uint8_t>((dst & 0x0f) | (src << 4));
  auto off = static_cast<uint16_t>(offset);
  b[2] = static_cast<uint8_t>(off);
  b[3] = static_cast<uint8_t>(off >> 8);
  auto imm32 = static_cast<uint32_t>(imm);
  for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<uint8_t>(imm32 >> (8 * i));
}

std::string_view group_name(Group g) {
  switch (g) {
    case Group::base32: return "base32";
    case Group::base64: return "base64";
    case Group::divmul32: return "divmul32";
    case Group::divmul64: return "divmul64";
    case Group::atomic32: return "atomic32";
    case Group::atomic64: return "atomic64";
    case Group::callx: return "callx";
    case Group::packet: return "packet";
  }
  return "?";
}

bool group_supported(Group g) {
  return g == Group::base32 || g == Group::base64 || g == Group::divmul32 ||
         g == Group::divmul64;
}

std::optional<Op> identify(const RawInsn& insn) {
  for (uint8_t k = 0; k < kIndex.count[insn.opcode]; ++k) {
    const OpcodeInfo& row = kTable[kIndex.rows[insn.opcode][k]];
    if (row.discriminator == Discriminator::none ||
        field_value(row.discriminator, insn) == row.disc_value)
      return row.op;
  }
  return std::nullopt;
}

std::span<const Op> lookup_mnemonic(std::string_view mnemonic) {
  static const auto* by_name = [] {
    auto* map = new std::map<std::string, std::vector<Op>, std::less<>>();
    for (const OpcodeInfo& row : kTable) {
      (*map)[std::string(row.mnemonic)].push_back(row.op);
      // 64-bit ALU and atomic forms may also be spelled with an explicit "64".
      bool alu64 = (row.opcode & 0x07) == 0x07 && row.form != Form::unary;
      if (alu64 || row.op == Op::neg64) (*map)[std::string(row.mnemonic) + "64"].push_back(row.op);
      if (row.form == Form::atomic && row.group == Group::atomic64)
        (*map)[std::string(row.mnemonic) + "64"].push_back(row.op);
      if (row.mnemonic.starts_with("bswap"))
        (*map)[std::string(row.mnemonic.substr(1))].push_back(row.op);  // swap16 ...
    }
    return map;
  }();
  auto it = by_name->find(mnemonic);
  if (it == by_name->end()) return {};
  return it->second;
}

bool writes_dst(Form form) {
  return form == Form::alu_reg || form == Form::alu_imm || form == Form::unary ||
         form == Form::lddw || form == Form::load;
}

std::optional<int64_t> jump_target(Op op, const RawInsn& insn, size_t pc) {
  auto next = static_cast<int64_t>(pc) + 1;
  switch (info(op).form) {
    case Form::jump:
    case Form::branch_imm:
    case Form::branch_reg:
      return next + insn.offset;
    case Form::jump_long:
    case Form::call_local:
      return next + insn.imm;
    default:
      return std::nullopt;
  }
}

std::optional<std::string_view> check_fields(Op op, const RawInsn& insn) {
  const OpcodeInfo& row = info(op);
  bool dst_zero = false, src_zero = false, off_zero = false, imm_zero = false;
  switch (row.form) {
    case Form::alu_reg: imm_zero = true; break;
    case Form::alu_imm: src_zero = true; break;
    case Form::unary: src_zero = off_zero = true; imm_zero = row.discriminator == Discriminator::none; break;
    case Form::lddw: off_zero = true; break;
    case Form::load: imm_zero = true; break;
    case Form::store_imm: src_zero = true; break;
    case Form::store_reg: imm_zero = true; break;
    case Form::atomic: break;
    case Form::jump: dst_zero = src_zero = imm_zero = true; break;
    case Form::jump_long: dst_zero = src_zero = off_zero = true; break;
    case Form::branch_imm: src_zero = true; break;
    case Form::branch_reg: imm_zero = true; break;
    case Form::call_helper:
    case Form::call_local: dst_zero = off_zero = true; break;
    case Form::call_reg: src_zero = off_zero = imm_zero = true; break;
    case Form::exit: dst_zero = src_zero = off_zero = imm_zero = true; break;
    case Form::packet_abs: dst_zero = src_zero = off_zero = true; break;
    case Form::packet_ind: dst_zero = off_zero = true; break;
  }
  if (dst_zero && insn.dst != 0) return "non-zero dst field (must be 0)";
  if (src_zero && insn.src != 0) return "non-zero src field (must be 0)";
  if (off_zero && insn.offset != 0) return "non-zero offset field (must be 0)";
  if (imm_zero && insn.imm != 0) return "non-zero imm field (must be 0)";
  if (insn.dst >= kRegisterCount) return "dst register out of range (r0..r10)";
  if (insn.src >= kRegisterCount) return "src register out of range (r0..r10)";
  return std::nullopt;
}

}  // namespace covenant::vm
