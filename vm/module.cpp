#include "vm/module.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>

#include "vm/hex.hpp"

namespace covenant::vm {
namespace {

// Fixed parts of each item, used to bound counts by the bytes that could hold them before
// anything is allocated: an entry has a 1-byte name length and three u32; a metadata pair a
// 1-byte key length and a u32 value length; a source-map row is three u32. (Names and keys
// are left out so that an empty one is reported as such, not as a count that cannot fit.)
constexpr uint64_t kMinEntryBytes = 1 + 3 * 4;
constexpr uint64_t kMinMetadataBytes = 1 + 4;
constexpr uint64_t kSourceRowBytes = 3 * 4;
constexpr uint32_t kFirstKind = static_cast<uint32_t>(SectionKind::code);
constexpr uint32_t kLastKind = static_cast<uint32_t>(SectionKind::metadata);

std::string str(uint64_t v) {
  return std::to_string(v);
}

std::string section_str(SectionKind k) {
  return std::string(section_name(k));
}

Unexpected<ModuleError> fail(uint64_t offset, std::string reason) {
  return unexpected(ModuleError{offset, std::move(reason)});
}

// Reads little-endian fields from `bytes[begin, end)`, never past `end`; `pos` is always an
// offset into the whole input, so errors can name it directly.
class Cursor {
 public:
  Cursor(std::span<const uint8_t> bytes, uint64_t begin, uint64_t end)
      : bytes_(bytes), pos_(begin), end_(end) {}

  uint64_t pos() const { return pos_; }
  uint64_t left() const { return end_ - pos_; }

  bool u8(uint8_t& v) {
    if (left() < 1) return false;
    v = bytes_[pos_++];
    return true;
  }
  bool u16(uint16_t& v) {
    if (left() < 2) return false;
    v = static_cast<uint16_t>(bytes_[pos_] | (bytes_[pos_ + 1] << 8));
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    if (left() < 4) return false;
    v = 0;
    for (int i = 3; i >= 0; --i)
      v = (v << 8) | bytes_[pos_ + static_cast<uint64_t>(i)];
    pos_ += 4;
    return true;
  }
  bool take(uint64_t n, std::span<const uint8_t>& out) {
    if (left() < n) return false;
    out = bytes_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  std::span<const uint8_t> bytes_;
  uint64_t pos_, end_;
};

// Little-endian writers for `encode`.
void put_u8(std::vector<uint8_t>& out, uint8_t v) {
  out.push_back(v);
}
void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_bytes(std::vector<uint8_t>& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}

// A length that does not fit its field is written as 0, which `decode` always rejects, so
// an over-long name can never be misread as a shorter valid one.
uint8_t short_length(size_t n) {
  return n <= 255 ? static_cast<uint8_t>(n) : 0;
}

bool ident_start(uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool ident_char(uint8_t c) {
  return ident_start(c) || (c >= '0' && c <= '9');
}

// Index of the first byte that does not start or continue a well-formed UTF-8 sequence
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or nothing.
std::optional<size_t> utf8_error(std::span<const uint8_t> s) {
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = s[i];
    size_t n;
    uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0) lo = 0xa0;  // overlong
      if (c == 0xed) hi = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0) lo = 0x90;  // overlong
      if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
    } else {
      return i;
    }
    if (s.size() - i - 1 < n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k <= n; ++k)
      if ((s[i + k] & 0xc0) != 0x80) return i;
    i += n + 1;
  }
  return std::nullopt;
}

std::string as_string(std::span<const uint8_t> s) {
  return std::string(s.begin(), s.end());
}

// A section as the table describes it, after the table has been checked.
struct SectionRow {
  uint64_t row = 0;     // offset of the table row
  uint64_t offset = 0;  // offset of the section's first byte
  uint64_t length = 0;
};

Expected<std::vector<RawInsn>, ModuleError> decode_code(std::span<const uint8_t> bytes,
                                                        const SectionRow& s) {
  if (s.length == 0) return fail(s.row + 8, "section CODE is empty");
  if (s.length % kSlotSize != 0)
    return fail(s.row + 8, "section CODE length " + str(s.length) + " is not a multiple of 8");
  uint64_t slots = s.length / kSlotSize;
  if (slots > kMaxSlots)
    return fail(s.row + 8,
                "section CODE has " + str(slots) + " slots, more than the limit " + str(kMaxSlots));
  std::vector<RawInsn> code(slots);
  for (uint64_t i = 0; i < slots; ++i)
    code[i] = RawInsn::decode(&bytes[s.offset + i * kSlotSize]);
  return code;
}

// Reads the u32 count that starts ENTRIES, SOURCEMAP and METADATA and checks it against the
// section's bytes, so that no count can make us allocate more than the input justifies.
Expected<uint32_t, ModuleError> read_count(Cursor& c, SectionKind kind, uint64_t min_item,
                                           uint32_t limit) {
  uint64_t at = c.pos();
  uint32_t count = 0;
  if (!c.u32(count))
    return fail(at, "section " + section_str(kind) + " is too short to hold its count");
  if (count == 0)
    return fail(at, kind == SectionKind::entries
                        ? std::string("section ENTRIES declares no entry points")
                        : "section " + section_str(kind) + " is empty (omit it instead)");
  if (count > limit)
    return fail(at, "section " + section_str(kind) + " count " + str(count) +
                        " exceeds the limit " + str(limit));
  if (uint64_t{count} * min_item > c.left())
    return fail(at, "section " + section_str(kind) + " count " + str(count) +
                        " cannot fit in its remaining " + str(c.left()) + " bytes");
  return count;
}

Expected<std::vector<Entry>, ModuleError> decode_entries(std::span<const uint8_t> bytes,
                                                         const SectionRow& s, uint64_t slots) {
  Cursor c(bytes, s.offset, s.offset + s.length);
  auto count = read_count(c, SectionKind::entries, kMinEntryBytes, kMaxEntries);
  if (!count) return unexpected(count.error());
  std::vector<Entry> entries;
  entries.reserve(*count);
  for (uint32_t i = 0; i < *count; ++i) {
    std::string where = "entry " + str(i);
    uint64_t start = c.pos();
    uint8_t len = 0;
    if (!c.u8(len)) return fail(c.pos(), "section ENTRIES ends inside " + where);
    if (len == 0 || len > kMaxEntryName)
      return fail(start,
                  where + " name length " + str(len) + " is outside 1.." + str(kMaxEntryName));
    std::span<const uint8_t> name;
    if (!c.take(len, name)) return fail(c.pos(), "section ENTRIES ends inside " + where + " name");
    for (size_t k = 0; k < name.size(); ++k) {
      if (k == 0 ? ident_start(name[k]) : ident_char(name[k])) continue;
      return fail(start + 1 + k, where + " name has byte " + hex_byte(name[k]) + " at position " +
                                     str(k) + " (names are [A-Za-z_][A-Za-z0-9_]*)");
    }
    Entry e;
    e.name = as_string(name);
    if (!entries.empty() && e.name <= entries.back().name)
      return fail(start + 1, e.name == entries.back().name
                                 ? "duplicate entry name '" + e.name + "'"
                                 : "entry name '" + e.name + "' is not after '" +
                                       entries.back().name + "' (names must be ascending)");
    uint64_t slot_at = c.pos();
    if (!c.u32(e.slot) || !c.u32(e.param_size) || !c.u32(e.result_size))
      return fail(c.pos(), "section ENTRIES ends inside " + where);
    if (e.slot >= slots)
      return fail(slot_at, "entry '" + e.name + "' slot " + str(e.slot) + " is outside the code (" +
                               str(slots) + " slots)");
    entries.push_back(std::move(e));
  }
  if (c.left() != 0)
    return fail(c.pos(), str(c.left()) + " unused bytes at the end of section ENTRIES");
  return entries;
}

Expected<std::vector<SourceLoc>, ModuleError> decode_source_map(std::span<const uint8_t> bytes,
                                                                const SectionRow& s,
                                                                uint64_t slots) {
  Cursor c(bytes, s.offset, s.offset + s.length);
  // pcs are unique and below `slots`, so there can be no more rows than slots.
  uint32_t limit = static_cast<uint32_t>(std::min<uint64_t>(slots, 0xffffffffu));
  auto count = read_count(c, SectionKind::source_map, kSourceRowBytes, limit);
  if (!count) return unexpected(count.error());
  if (uint64_t{*count} * kSourceRowBytes != c.left())
    return fail(s.offset, "section SOURCEMAP count " + str(*count) + " needs " +
                              str(uint64_t{*count} * kSourceRowBytes) + " bytes of rows, has " +
                              str(c.left()));
  std::vector<SourceLoc> rows(*count);
  for (uint32_t i = 0; i < *count; ++i) {
    uint64_t at = c.pos();
    SourceLoc& r = rows[i];
    // The count check above guarantees the bytes are there.
    (void)(c.u32(r.pc) && c.u32(r.line) && c.u32(r.column));
    if (r.pc >= slots)
      return fail(at, "source map row " + str(i) + " pc " + str(r.pc) + " is outside the code (" +
                          str(slots) + " slots)");
    if (i > 0 && r.pc <= rows[i - 1].pc)
      return fail(at, "source map row " + str(i) + " pc " + str(r.pc) + " is not after pc " +
                          str(rows[i - 1].pc) + " (rows must be ascending and unique)");
    if (r.line == 0)
      return fail(at + 4, "source map row " + str(i) + " has line 0 (lines start at 1)");
  }
  return rows;
}

Expected<std::vector<std::pair<std::string, std::string>>, ModuleError> decode_metadata(
    std::span<const uint8_t> bytes, const SectionRow& s) {
  Cursor c(bytes, s.offset, s.offset + s.length);
  auto count = read_count(c, SectionKind::metadata, kMinMetadataBytes, kMaxMetadata);
  if (!count) return unexpected(count.error());
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(*count);
  for (uint32_t i = 0; i < *count; ++i) {
    std::string where = "metadata pair " + str(i);
    uint64_t start = c.pos();
    uint8_t key_len = 0;
    if (!c.u8(key_len)) return fail(c.pos(), "section METADATA ends inside " + where);
    if (key_len == 0) return fail(start, where + " has an empty key");
    std::span<const uint8_t> key;
    if (!c.take(key_len, key))
      return fail(c.pos(), "section METADATA ends inside " + where + " key");
    if (auto bad = utf8_error(key))
      return fail(start + 1 + *bad, where + " key is not valid UTF-8");
    std::string k = as_string(key);
    if (!pairs.empty() && k <= pairs.back().first)
      return fail(start + 1, k == pairs.back().first
                                 ? "duplicate metadata key '" + k + "'"
                                 : "metadata key '" + k + "' is not after '" + pairs.back().first +
                                       "' (keys must be ascending)");
    uint64_t value_at = c.pos();
    uint32_t value_len = 0;
    if (!c.u32(value_len)) return fail(c.pos(), "section METADATA ends inside " + where);
    std::span<const uint8_t> value;
    if (!c.take(value_len, value))
      return fail(value_at,
                  where + " value length " + str(value_len) + " runs past the section end");
    if (auto bad = utf8_error(value))
      return fail(value_at + 4 + *bad, where + " value is not valid UTF-8");
    pairs.emplace_back(std::move(k), as_string(value));
  }
  if (c.left() != 0)
    return fail(c.pos(), str(c.left()) + " unused bytes at the end of section METADATA");
  return pairs;
}

const EVP_MD* sha256() {
  // Fetching resolves the provider once; EVP_MD objects are immutable and thread-safe.
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  return md;
}

}  // namespace

std::string_view section_name(SectionKind kind) {
  switch (kind) {
    case SectionKind::code:
      return "CODE";
    case SectionKind::rodata:
      return "RODATA";
    case SectionKind::entries:
      return "ENTRIES";
    case SectionKind::source_map:
      return "SOURCEMAP";
    case SectionKind::metadata:
      return "METADATA";
  }
  return "?";
}

const SourceLoc* Module::locate(uint32_t pc) const {
  auto it = std::upper_bound(source_map.begin(), source_map.end(), pc,
                             [](uint32_t p, const SourceLoc& r) { return p < r.pc; });
  if (it == source_map.begin()) return nullptr;
  return &*std::prev(it);
}

const Entry* Module::find_entry(std::string_view name) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), name,
                             [](const Entry& e, std::string_view n) { return e.name < n; });
  if (it == entries.end() || it->name != name) return nullptr;
  return &*it;
}

std::vector<uint8_t> encode(const Module& module) {
  std::vector<std::pair<SectionKind, std::vector<uint8_t>>> sections;

  std::vector<uint8_t> code(module.code.size() * kSlotSize);
  for (size_t i = 0; i < module.code.size(); ++i)
    module.code[i].encode(&code[i * kSlotSize]);
  sections.emplace_back(SectionKind::code, std::move(code));

  if (!module.rodata.empty()) sections.emplace_back(SectionKind::rodata, module.rodata);

  std::vector<const Entry*> entries;
  for (const Entry& e : module.entries)
    entries.push_back(&e);
  // Ties (only possible in an invalid module) are broken by the other fields, so the bytes
  // never depend on the order the caller listed things in. std::stable_sort is avoided: with
  // clang-19 and libstdc++ 12 it trips -Wdeprecated-declarations inside the library.
  std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
    return std::tie(a->name, a->slot, a->param_size, a->result_size) <
           std::tie(b->name, b->slot, b->param_size, b->result_size);
  });
  std::vector<uint8_t> out;
  put_u32(out, static_cast<uint32_t>(entries.size()));
  for (const Entry* e : entries) {
    put_u8(out, short_length(e->name.size()));
    put_bytes(out, e->name);
    put_u32(out, e->slot);
    put_u32(out, e->param_size);
    put_u32(out, e->result_size);
  }
  sections.emplace_back(SectionKind::entries, std::move(out));

  if (!module.source_map.empty()) {
    std::vector<SourceLoc> rows = module.source_map;
    std::sort(rows.begin(), rows.end(), [](const SourceLoc& a, const SourceLoc& b) {
      return std::tie(a.pc, a.line, a.column) < std::tie(b.pc, b.line, b.column);
    });
    out.clear();
    put_u32(out, static_cast<uint32_t>(rows.size()));
    for (const SourceLoc& r : rows) {
      put_u32(out, r.pc);
      put_u32(out, r.line);
      put_u32(out, r.column);
    }
    sections.emplace_back(SectionKind::source_map, std::move(out));
  }

  if (!module.metadata.empty()) {
    std::vector<const std::pair<std::string, std::string>*> pairs;
    for (const auto& p : module.metadata)
      pairs.push_back(&p);
    std::sort(pairs.begin(), pairs.end(), [](const auto* a, const auto* b) { return *a < *b; });
    out.clear();
    put_u32(out, static_cast<uint32_t>(pairs.size()));
    for (const auto* p : pairs) {
      put_u8(out, short_length(p->first.size()));
      put_bytes(out, p->first);
      put_u32(out, static_cast<uint32_t>(p->second.size()));
      put_bytes(out, p->second);
    }
    sections.emplace_back(SectionKind::metadata, std::move(out));
  }

  std::vector<uint8_t> bytes(kModuleMagic.begin(), kModuleMagic.end());
  put_u16(bytes, kModuleVersion);
  put_u16(bytes, 0);  // flags
  put_u32(bytes, static_cast<uint32_t>(sections.size()));
  uint64_t offset = kModuleHeaderSize + kSectionEntrySize * sections.size();
  for (const auto& [kind, body] : sections) {
    put_u32(bytes, static_cast<uint32_t>(kind));
    put_u32(bytes, static_cast<uint32_t>(offset));
    put_u32(bytes, static_cast<uint32_t>(body.size()));
    offset += body.size();
  }
  for (const auto& section : sections)
    bytes.insert(bytes.end(), section.second.begin(), section.second.end());
  return bytes;
}

Expected<Module, ModuleError> decode(std::span<const uint8_t> bytes) {
  const uint64_t size = bytes.size();
  for (size_t i = 0; i < kModuleMagic.size() && i < size; ++i)
    if (bytes[i] != kModuleMagic[i]) return fail(0, "bad magic (expected \"CVM\\0\")");
  if (size < kModuleHeaderSize)
    return fail(size,
                "truncated header: " + str(size) + " of " + str(kModuleHeaderSize) + " bytes");

  Cursor header(bytes, 4, kModuleHeaderSize);
  uint16_t version = 0, flags = 0;
  uint32_t count = 0;
  (void)(header.u16(version) && header.u16(flags) && header.u32(count));
  if (version != kModuleVersion)
    return fail(4, "unsupported format version " + str(version) + " (expected " +
                       str(kModuleVersion) + ")");
  if (flags != 0) return fail(6, "unknown flags " + str(flags) + " (must be 0)");
  if (count == 0 || count > kLastKind)
    return fail(8, "section count " + str(count) + " is outside 1.." + str(kLastKind));
  const uint64_t table_end = kModuleHeaderSize + kSectionEntrySize * count;
  if (table_end > size)
    return fail(size, "truncated section table: " + str(count) + " rows need " + str(table_end) +
                          " bytes, file has " + str(size));

  // The table: ascending kinds, each section starting exactly where the previous one (or
  // the table) ends, the last one ending at the end of the file. Together these make the
  // layout a function of the section lengths, hence canonical.
  std::optional<SectionRow> rows[kLastKind + 1];
  Cursor table(bytes, kModuleHeaderSize, table_end);
  uint32_t prev_kind = 0;
  uint64_t expected = table_end;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t row = table.pos();
    uint32_t kind = 0, offset = 0, length = 0;
    (void)(table.u32(kind) && table.u32(offset) && table.u32(length));
    if (kind < kFirstKind || kind > kLastKind)
      return fail(row, "unknown section kind " + str(kind));
    std::string name = section_str(static_cast<SectionKind>(kind));
    if (kind == prev_kind) return fail(row, "duplicate section " + name);
    if (kind < prev_kind)
      return fail(row, "section " + name + " comes after section " +
                           section_str(static_cast<SectionKind>(prev_kind)) +
                           " (kinds must be ascending)");
    uint64_t end = uint64_t{offset} + length;
    if (end > size)
      return fail(row + 4, "section " + name + " [" + str(offset) + ", " + str(end) +
                               ") extends past the end of the file (" + str(size) + " bytes)");
    if (offset < expected)
      return fail(row + 4, "section " + name + " at offset " + str(offset) +
                               " overlaps what precedes it (which ends at " + str(expected) + ")");
    if (offset > expected)
      return fail(row + 4, "gap of " + str(offset - expected) + " bytes before section " + name);
    rows[kind] = SectionRow{row, offset, length};
    prev_kind = kind;
    expected = end;
  }
  if (expected != size)
    return fail(expected, str(size - expected) + " trailing bytes after the last section");
  if (!rows[kFirstKind]) return fail(8, "missing required section CODE");
  if (!rows[static_cast<uint32_t>(SectionKind::entries)])
    return fail(8, "missing required section ENTRIES");

  Module m;
  auto code = decode_code(bytes, *rows[kFirstKind]);
  if (!code) return unexpected(code.error());
  m.code = std::move(*code);
  const uint64_t slots = m.code.size();

  if (const auto& r = rows[static_cast<uint32_t>(SectionKind::rodata)]) {
    if (r->length == 0) return fail(r->row + 8, "section RODATA is empty (omit it instead)");
    auto data = bytes.subspan(r->offset, r->length);
    m.rodata.assign(data.begin(), data.end());
  }

  auto entries = decode_entries(bytes, *rows[static_cast<uint32_t>(SectionKind::entries)], slots);
  if (!entries) return unexpected(entries.error());
  m.entries = std::move(*entries);

  if (const auto& r = rows[static_cast<uint32_t>(SectionKind::source_map)]) {
    auto map = decode_source_map(bytes, *r, slots);
    if (!map) return unexpected(map.error());
    m.source_map = std::move(*map);
  }

  if (const auto& r = rows[static_cast<uint32_t>(SectionKind::metadata)]) {
    auto meta = decode_metadata(bytes, *r);
    if (!meta) return unexpected(meta.error());
    m.metadata = std::move(*meta);
  }
  return m;
}

std::array<uint8_t, 32> module_id(std::span<const uint8_t> bytes) {
  std::array<uint8_t, 32> id{};
  unsigned int len = 0;
  const EVP_MD* md = sha256();
  if (md == nullptr || EVP_Digest(bytes.data(), bytes.size(), id.data(), &len, md, nullptr) != 1 ||
      len != id.size()) {
    std::fputs("covenant: OpenSSL cannot compute SHA-256; the installation is broken\n", stderr);
    std::abort();
  }
  return id;
}

std::string module_id_hex(const std::array<uint8_t, 32>& id) {
  return to_hex(id);
}

std::string describe(const LoadError& e) {
  std::string s = "slot " + str(e.pc);
  if (e.source) {
    s += " (line " + str(e.source->line);
    if (e.source->column != 0) s += ", column " + str(e.source->column);
    s += ")";
  }
  return s + ": " + e.reason;
}

std::string describe(const ModuleError& e) {
  return "byte " + str(e.offset) + ": " + e.reason;
}

Expected<Program, LoadError> load_module(const Module& module, const HostTable& hosts) {
  std::vector<uint32_t> slots;
  for (const Entry& e : module.entries)
    slots.push_back(e.slot);
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  auto program = Program::load(module.code, module.rodata, slots, hosts);
  if (!program) {
    const VerifyError& v = program.error();
    LoadError e{v.pc, std::nullopt, v.reason};
    if (const SourceLoc* loc = module.locate(v.pc)) e.source = *loc;
    return unexpected(std::move(e));
  }
  return std::move(*program);
}

}  // namespace covenant::vm
