#include "compiler/elf_object.hpp"

#include <llvm/ADT/SmallString.h>
#include <llvm/BinaryFormat/ELF.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/DebugInfo/DWARF/DWARFDebugLine.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBufferRef.h>

#include <algorithm>
#include <optional>

#include "vm/memory.hpp"

namespace covenant::compiler {
namespace {

namespace elf = llvm::ELF;
using llvm::object::ELF64LEObjectFile;
using llvm::object::ELFSectionRef;
using llvm::object::ELFSymbolRef;

constexpr uint8_t kLddwOpcode = 0x18;
constexpr uint8_t kCallOpcode = 0x85;

Unexpected<std::string> fail(std::string reason) { return unexpected("BPF object: " + reason); }

// The message of an LLVM error, which must be consumed either way.
std::string message(llvm::Error error) { return llvm::toString(std::move(error)); }

// What a section holds, for the image.
enum class Kind { code, rodata, other_code, writable, unwind, unsupported, ignored };

Kind classify(std::string_view name, const ELFSectionRef& section) {
  const uint64_t flags = section.getFlags();
  if (flags & elf::SHF_EXECINSTR) return name == ".text" ? Kind::code : Kind::other_code;
  if (!(flags & elf::SHF_ALLOC)) return Kind::ignored;  // debug info, BTF, symbols, strings
  if (flags & elf::SHF_WRITE) return Kind::writable;
  // Unwind tables are allocatable, but no code refers to them: BPF has no unwinder.
  if (name == ".eh_frame") return Kind::unwind;
  if (section.getType() == elf::SHT_PROGBITS) return Kind::rodata;
  return Kind::unsupported;
}

struct Section {
  std::string name;
  Kind kind = Kind::ignored;
  uint64_t size = 0;
  std::optional<uint64_t> rodata_offset;  // where a read-only section lands in the image
};

std::string relocation_name(const llvm::object::RelocationRef& r) {
  llvm::SmallString<32> name;
  r.getTypeName(name);
  return std::string(name.str());
}

// A symbol's name, or a placeholder for a malformed name (the error is consumed).
std::string symbol_name(const ELFSymbolRef& symbol) {
  auto name = symbol.getName();
  if (!name) {
    llvm::consumeError(name.takeError());
    return "?";
  }
  return name->str();
}

// The line table of every compile unit, as sorted rows of slots (see ObjectImage::lines).
Expected<std::vector<vm::SourceLoc>, std::string> read_lines(const ELF64LEObjectFile& object,
                                                             uint64_t text_index,
                                                             uint64_t text_size) {
  std::string errors;
  auto record = [&](llvm::Error e) {
    if (!errors.empty()) errors += "; ";
    errors += message(std::move(e));
  };
  // The object is relocatable: DWARFContext applies the relocations of .debug_line itself
  // (R_BPF_64_ABS64 against .text for each sequence's start address), which gives every
  // row its section index and section-relative address.
  auto dwarf = llvm::DWARFContext::create(
      object, llvm::DWARFContext::ProcessDebugRelocations::Process, nullptr, "", record,
      [](llvm::Error e) { llvm::consumeError(std::move(e)); });
  struct Row {
    uint64_t address;
    uint32_t line, column;
    size_t order;
  };
  std::vector<Row> rows;
  for (const auto& unit : dwarf->compile_units()) {
    auto table = dwarf->getLineTableForUnit(unit.get(), record);
    if (!table) {
      record(table.takeError());
      continue;
    }
    if (*table == nullptr) continue;
    for (const auto& row : (*table)->Rows) {
      if (row.EndSequence) continue;
      if (row.Address.SectionIndex != text_index) continue;
      if (row.Address.Address % vm::kSlotSize != 0 || row.Address.Address >= text_size)
        return fail("line table row at .text+" + std::to_string(row.Address.Address) +
                    " is not on an instruction slot");
      rows.push_back({row.Address.Address, row.Line, row.Column, rows.size()});
    }
  }
  if (!errors.empty()) return fail("malformed debug information: " + errors);

  // One row per slot: of several rows at one address, the last one holds (the others
  // describe empty ranges).
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.address < b.address; });
  std::vector<vm::SourceLoc> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i + 1 < rows.size() && rows[i + 1].address == rows[i].address) continue;
    vm::SourceLoc loc{static_cast<uint32_t>(rows[i].address / vm::kSlotSize), rows[i].line,
                      rows[i].column};
    if (!out.empty() && out.back().line == loc.line && out.back().column == loc.column) continue;
    out.push_back(loc);
  }
  return out;
}

}  // namespace

Expected<ObjectImage, std::string> read_object(std::span<const uint8_t> bytes) {
  llvm::MemoryBufferRef buffer(
      llvm::StringRef(reinterpret_cast<const char*>(bytes.data()), bytes.size()), "object");
  auto opened = llvm::object::ObjectFile::createObjectFile(buffer);
  if (!opened) return fail(message(opened.takeError()));
  const auto* object = llvm::dyn_cast<ELF64LEObjectFile>(opened->get());
  if (object == nullptr) return fail("not a 64-bit little-endian ELF file");
  if (object->getELFFile().getHeader().e_machine != elf::EM_BPF) return fail("machine is not BPF");
  if (object->getELFFile().getHeader().e_type != elf::ET_REL)
    return fail("not a relocatable object");

  // Sections by index, classified; read-only ones laid out in section order.
  std::vector<Section> sections;
  std::optional<uint64_t> text;
  ObjectImage image;
  for (const ELFSectionRef s : object->sections()) {
    auto name = s.getName();
    if (!name) return fail(message(name.takeError()));
    const uint64_t index = s.getIndex();
    if (sections.size() <= index) sections.resize(index + 1);
    Section& section = sections[index];
    section.name = name->str();
    section.kind = classify(section.name, s);
    section.size = s.getSize();
    switch (section.kind) {
      case Kind::code: {
        text = index;
        auto contents = s.getContents();
        if (!contents) return fail(message(contents.takeError()));
        if (contents->size() % vm::kSlotSize != 0)
          return fail(".text is " + std::to_string(contents->size()) +
                      " bytes, not a whole number of instruction slots");
        for (size_t at = 0; at < contents->size(); at += vm::kSlotSize)
          image.code.push_back(
              vm::RawInsn::decode(reinterpret_cast<const uint8_t*>(contents->data()) + at));
        break;
      }
      case Kind::other_code:
        if (section.size != 0)
          return fail("code in section " + section.name +
                      ": all code must be in .text (no section attributes on functions)");
        break;
      case Kind::writable:
        if (section.size != 0) {
          std::string names;
          for (const ELFSymbolRef sym : object->symbols()) {
            auto in = sym.getSection();
            if (!in) {
              llvm::consumeError(in.takeError());
              continue;
            }
            if (*in == object->section_end() || (*in)->getIndex() != index ||
                sym.getELFType() != elf::STT_OBJECT)
              continue;
            names += (names.empty() ? " '" : ", '") + symbol_name(sym) + "'";
          }
          return fail("writable global" + (names.empty() ? std::string(" data") : names) +
                      " in section " + section.name +
                      ": contracts keep state through host calls, not in global variables");
        }
        break;
      case Kind::rodata: {
        const uint64_t align = s.getAlignment().value();
        image.rodata.resize((image.rodata.size() + align - 1) / align * align);
        section.rodata_offset = image.rodata.size();
        auto contents = s.getContents();
        if (!contents) return fail(message(contents.takeError()));
        image.rodata.insert(image.rodata.end(), contents->bytes_begin(), contents->bytes_end());
        if (image.rodata.size() > UINT32_MAX) return fail("read-only data exceeds 4 GiB");
        break;
      }
      case Kind::unsupported:
        if (section.size != 0)
          return fail("allocatable section " + section.name + " of type " +
                      std::to_string(s.getType()) + " is not supported");
        break;
      case Kind::unwind:
      case Kind::ignored:
        break;
    }
  }
  if (!text || image.code.empty()) return fail("no code: .text is missing or empty");

  // Function symbols of .text.
  for (const ELFSymbolRef sym : object->symbols()) {
    if (sym.getELFType() != elf::STT_FUNC) continue;
    auto in = sym.getSection();
    if (!in) return fail(message(in.takeError()));
    if (*in == object->section_end() || (*in)->getIndex() != *text) continue;
    const std::string name = symbol_name(sym);
    auto value_or = sym.getValue();
    if (!value_or) return fail(message(value_or.takeError()));
    const uint64_t value = *value_or;
    if (value % vm::kSlotSize != 0 || value / vm::kSlotSize >= image.code.size())
      return fail("function '" + name + "' does not start on an instruction slot");
    if (!image.functions.emplace(name, static_cast<uint32_t>(value / vm::kSlotSize)).second)
      return fail("two functions are named '" + name + "'");
  }

  // Relocations, applied to the image.
  const uint64_t rodata_base = vm::region_base(vm::Region::rodata);
  for (const ELFSectionRef rel : object->sections()) {
    auto target = rel.getRelocatedSection();
    if (!target) return fail(message(target.takeError()));
    if (*target == object->section_end()) continue;
    const Section& into = sections[(*target)->getIndex()];
    if (into.kind != Kind::code && into.kind != Kind::rodata) continue;

    for (const llvm::object::RelocationRef& r : rel.relocations()) {
      const uint64_t offset = r.getOffset();
      const uint64_t type = r.getType();
      const std::string at = into.name + "+" + std::to_string(offset);
      auto symbol_it = r.getSymbol();
      if (symbol_it == object->symbol_end())
        return fail("relocation " + relocation_name(r) + " at " + at + " names no symbol");
      const ELFSymbolRef symbol(*symbol_it);
      auto section_it = symbol.getSection();
      if (!section_it) return fail(message(section_it.takeError()));
      if (*section_it == object->section_end())
        return fail("relocation at " + at + " refers to the undefined symbol '" +
                    symbol_name(symbol) +
                    "' (everything a contract calls must be in the module or a host function)");
      const Section& from = sections[(*section_it)->getIndex()];
      // Section symbols have no name of their own.
      const std::string sym = symbol_name(symbol).empty() ? from.name : symbol_name(symbol);
      auto value_or = symbol.getValue();
      if (!value_or) return fail(message(value_or.takeError()));
      const uint64_t symbol_value = *value_or;

      // The address of read-only datum `symbol` + `addend`, checked to lie inside it.
      auto rodata_address = [&](uint64_t addend) -> Expected<uint64_t, std::string> {
        if (!from.rodata_offset)
          return fail("relocation at " + at + " refers to '" + sym + "' in section " +
                      from.name + ", which is not read-only data");
        const uint64_t within = symbol_value + addend;
        if (within < symbol_value || within > from.size)
          return fail("relocation at " + at + " points outside section " + from.name);
        return rodata_base + *from.rodata_offset + within;
      };

      if (into.kind == Kind::rodata) {
        // A pointer stored in read-only data (a table of strings, say).
        if (type != elf::R_BPF_64_ABS64)
          return fail("unsupported relocation " + relocation_name(r) + " at " + at +
                      " (read-only data may only hold 64-bit pointers to read-only data)");
        if (offset > into.size || into.size - offset < 8)
          return fail("relocation at " + at + " lies outside its section");
        const uint64_t field = *into.rodata_offset + offset;
        uint64_t addend = 0;  // REL: the addend is the field's current contents
        for (int i = 7; i >= 0; --i) addend = addend << 8 | image.rodata[field + i];
        auto address = rodata_address(addend);
        if (!address) return unexpected(std::move(address).error());
        for (int i = 0; i < 8; ++i) image.rodata[field + i] = static_cast<uint8_t>(*address >> (8 * i));
        continue;
      }

      const uint64_t slot = offset / vm::kSlotSize;
      const std::string where = at + " (slot " + std::to_string(slot) + ")";
      if (offset % vm::kSlotSize != 0 || slot >= image.code.size())
        return fail("relocation " + relocation_name(r) + " at " + at +
                    " is not on an instruction slot");
      vm::RawInsn& insn = image.code[slot];
      if (type == elf::R_BPF_64_64) {
        if (insn.opcode != kLddwOpcode || insn.src != 0 || slot + 1 >= image.code.size())
          return fail("R_BPF_64_64 at " + where + " does not apply to an lddw");
        vm::RawInsn& high = image.code[slot + 1];
        // BPF uses REL relocations: the addend is the lddw's own 64-bit immediate.
        const uint64_t addend = uint64_t{static_cast<uint32_t>(insn.imm)} |
                                uint64_t{static_cast<uint32_t>(high.imm)} << 32;
        auto address = rodata_address(addend);
        if (!address) return unexpected(std::move(address).error());
        insn.imm = static_cast<int32_t>(static_cast<uint32_t>(*address));
        high.imm = static_cast<int32_t>(static_cast<uint32_t>(*address >> 32));
      } else if (type == elf::R_BPF_64_32) {
        if (insn.opcode != kCallOpcode || insn.src != 1)
          return fail("R_BPF_64_32 at " + where + " does not apply to a local call");
        if (from.kind != Kind::code)
          return fail("call at " + where + " targets '" + sym + "' in section " + from.name +
                      ", which is not code");
        // The callee's slot is the symbol's slot plus the immediate plus one (the
        // immediate is -1 for a function symbol, or encodes the offset for a section
        // symbol), as libbpf reads it.
        const int64_t callee = static_cast<int64_t>(symbol_value / vm::kSlotSize) + insn.imm + 1;
        if (symbol_value % vm::kSlotSize != 0 || callee < 0 ||
            callee >= static_cast<int64_t>(image.code.size()))
          return fail("call at " + where + " targets a slot outside .text");
        insn.imm = static_cast<int32_t>(callee - static_cast<int64_t>(slot) - 1);
      } else {
        return fail("unsupported relocation " + relocation_name(r) + " at " + where +
                    " (code may only load addresses of read-only data and call local functions)");
      }
    }
  }

  auto lines = read_lines(*object, *text, image.code.size() * vm::kSlotSize);
  if (!lines) return unexpected(std::move(lines).error());
  image.lines = std::move(*lines);
  return image;
}

}  // namespace covenant::compiler
