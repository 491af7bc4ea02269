#include "bench/bpf_elf.hpp"

#include <elf.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <optional>

#include "vm/memory.hpp"

namespace covenant::bench {
namespace {

// The ELF structures are read by memcpy; that is only right on a little-endian host, which
// is also the only byte order the BPF objects are built in (ELFDATA2LSB is checked below).
static_assert(std::endian::native == std::endian::little, "the bench loader assumes a LE host");

constexpr uint8_t kLddwOpcode = 0x18;

Unexpected<std::string> fail(std::string reason) {
  return unexpected("BPF object: " + reason);
}

// Reads a T at `offset` of `bytes`, or nothing if it does not fit.
template <class T>
std::optional<T> read_at(std::span<const uint8_t> bytes, uint64_t offset) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return std::nullopt;
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

// The bytes of a section, or nothing if the header points outside the file.
std::optional<std::span<const uint8_t>> contents(std::span<const uint8_t> elf,
                                                 const Elf64_Shdr& s) {
  if (s.sh_type == SHT_NOBITS) return std::span<const uint8_t>{};
  if (s.sh_offset > elf.size() || elf.size() - s.sh_offset < s.sh_size) return std::nullopt;
  return elf.subspan(s.sh_offset, s.sh_size);
}

// The NUL-terminated string at `offset` of a string table ("" when out of range, which only
// a malformed object produces and which then matches no name we look for).
std::string_view string_at(std::span<const uint8_t> table, uint64_t offset) {
  if (offset >= table.size()) return {};
  auto begin = reinterpret_cast<const char*>(table.data()) + offset;
  auto end = static_cast<const char*>(std::memchr(begin, 0, table.size() - offset));
  return end ? std::string_view(begin, static_cast<size_t>(end - begin)) : std::string_view{};
}

bool is_rodata(const Elf64_Shdr& s) {
  return s.sh_type == SHT_PROGBITS && (s.sh_flags & SHF_ALLOC) && !(s.sh_flags & SHF_WRITE) &&
         !(s.sh_flags & SHF_EXECINSTR);
}

}  // namespace

Expected<BpfFunction, std::string> load_bpf_function(std::span<const uint8_t> elf,
                                                     std::string_view function) {
  auto eh = read_at<Elf64_Ehdr>(elf, 0);
  if (!eh || std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) return fail("not an ELF file");
  if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
    return fail("not a little-endian ELF64 file");
  if (eh->e_machine != EM_BPF) return fail("machine is not BPF");
  if (eh->e_type != ET_REL) return fail("not a relocatable object");
  if (eh->e_shentsize != sizeof(Elf64_Shdr)) return fail("unexpected section header size");

  std::vector<Elf64_Shdr> sections;
  for (uint64_t i = 0; i < eh->e_shnum; ++i) {
    auto s = read_at<Elf64_Shdr>(elf, eh->e_shoff + i * sizeof(Elf64_Shdr));
    if (!s || !contents(elf, *s)) return fail("section " + std::to_string(i) + " is truncated");
    sections.push_back(*s);
  }
  if (eh->e_shstrndx >= sections.size()) return fail("no section name table");
  auto section_names = *contents(elf, sections[eh->e_shstrndx]);
  auto section_name = [&](size_t i) {
    return std::string(string_at(section_names, sections[i].sh_name));
  };

  // The symbol table, and the function's symbol in it.
  auto symtab_it = std::find_if(sections.begin(), sections.end(),
                                [](const Elf64_Shdr& s) { return s.sh_type == SHT_SYMTAB; });
  if (symtab_it == sections.end()) return fail("no symbol table");
  const size_t symtab_index = static_cast<size_t>(symtab_it - sections.begin());
  if (symtab_it->sh_link >= sections.size()) return fail("symbol table has no string table");
  auto symtab_bytes = *contents(elf, *symtab_it);
  auto symbol_names = *contents(elf, sections[symtab_it->sh_link]);
  std::vector<Elf64_Sym> symbols(symtab_bytes.size() / sizeof(Elf64_Sym));
  if (!symbols.empty())
    std::memcpy(symbols.data(), symtab_bytes.data(), symbols.size() * sizeof(Elf64_Sym));
  auto symbol_name = [&](const Elf64_Sym& s) { return string_at(symbol_names, s.st_name); };

  auto fn = std::find_if(symbols.begin(), symbols.end(), [&](const Elf64_Sym& s) {
    return ELF64_ST_TYPE(s.st_info) == STT_FUNC && symbol_name(s) == function;
  });
  if (fn == symbols.end()) return fail("no function named '" + std::string(function) + "'");
  const size_t code_index = fn->st_shndx;
  if (code_index == SHN_UNDEF || code_index >= sections.size() ||
      sections[code_index].sh_type != SHT_PROGBITS ||
      !(sections[code_index].sh_flags & SHF_EXECINSTR))
    return fail("function '" + std::string(function) + "' is not in a code section");
  auto code_bytes = *contents(elf, sections[code_index]);
  if (code_bytes.size() % vm::kSlotSize != 0)
    return fail("code section " + section_name(code_index) + " is not a whole number of slots");

  BpfFunction out;
  for (size_t at = 0; at < code_bytes.size(); at += vm::kSlotSize)
    out.code.push_back(vm::RawInsn::decode(code_bytes.data() + at));
  for (const Elf64_Sym& s : symbols) {
    if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx != code_index) continue;
    if (s.st_value % vm::kSlotSize != 0 || s.st_value >= code_bytes.size())
      return fail("function '" + std::string(symbol_name(s)) + "' does not start on a slot");
    out.function_starts.push_back(static_cast<uint32_t>(s.st_value / vm::kSlotSize));
  }
  std::sort(out.function_starts.begin(), out.function_starts.end());
  out.entry = static_cast<uint32_t>(fn->st_value / vm::kSlotSize);

  // Lay every read-only data section out in one block, in section order, each at its own
  // alignment, remembering where each landed.
  std::map<size_t, uint64_t> rodata_offset;
  for (size_t i = 0; i < sections.size(); ++i) {
    if (!is_rodata(sections[i])) continue;
    const uint64_t align = std::max<uint64_t>(sections[i].sh_addralign, 1);
    if (!std::has_single_bit(align))
      return fail("section " + section_name(i) + " has a bad alignment");
    out.rodata.resize((out.rodata.size() + align - 1) & ~(align - 1));
    rodata_offset[i] = out.rodata.size();
    auto bytes = *contents(elf, sections[i]);
    out.rodata.insert(out.rodata.end(), bytes.begin(), bytes.end());
  }
  if (out.rodata.size() > UINT32_MAX) return fail("read-only data exceeds 4 GiB");

  // Resolve the code section's relocations; each must be an lddw of a read-only datum.
  for (size_t i = 0; i < sections.size(); ++i) {
    const Elf64_Shdr& rel = sections[i];
    if (rel.sh_info != code_index) continue;
    if (rel.sh_type == SHT_RELA) return fail("RELA relocations are not supported");
    if (rel.sh_type != SHT_REL) continue;
    if (rel.sh_link != symtab_index) return fail(section_name(i) + " uses another symbol table");
    auto rel_bytes = *contents(elf, rel);
    for (size_t at = 0; at + sizeof(Elf64_Rel) <= rel_bytes.size(); at += sizeof(Elf64_Rel)) {
      auto r = *read_at<Elf64_Rel>(rel_bytes, at);
      const std::string where = section_name(code_index) + "+" + std::to_string(r.r_offset);
      if (ELF64_R_TYPE(r.r_info) != R_BPF_64_64)
        return fail("relocation type " + std::to_string(ELF64_R_TYPE(r.r_info)) + " at " + where +
                    " is not supported (only R_BPF_64_64 of lddw against read-only data)");
      const uint64_t slot = r.r_offset / vm::kSlotSize;
      if (r.r_offset % vm::kSlotSize != 0 || slot + 1 >= out.code.size() ||
          out.code[slot].opcode != kLddwOpcode || out.code[slot + 1].opcode != 0)
        return fail("R_BPF_64_64 at " + where + " does not apply to an lddw");
      const uint64_t sym_index = ELF64_R_SYM(r.r_info);
      if (sym_index >= symbols.size()) return fail("relocation at " + where + " names no symbol");
      const Elf64_Sym& sym = symbols[sym_index];
      auto placed = rodata_offset.find(sym.st_shndx);
      if (placed == rodata_offset.end())
        return fail("lddw at " + where + " refers to '" + std::string(symbol_name(sym)) +
                    "', which is not read-only data (writable globals and maps are not supported)");
      // BPF uses REL, so the addend is the lddw's own 64-bit immediate.
      const uint64_t addend = static_cast<uint32_t>(out.code[slot].imm) |
                              uint64_t{static_cast<uint32_t>(out.code[slot + 1].imm)} << 32;
      const uint64_t offset = sym.st_value + addend;
      if (offset > sections[sym.st_shndx].sh_size)
        return fail("lddw at " + where + " points past the end of its section");
      const uint64_t address = vm::region_base(vm::Region::rodata) + placed->second + offset;
      out.code[slot].imm = static_cast<int32_t>(static_cast<uint32_t>(address));
      out.code[slot + 1].imm = static_cast<int32_t>(static_cast<uint32_t>(address >> 32));
    }
  }
  return out;
}

}  // namespace covenant::bench
