#include "compiler/package.hpp"

#include <doctest/doctest.h>
#include <llvm/AsmParser/Parser.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Support/SourceMgr.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/backend.hpp"
#include "compiler/elf_object.hpp"
#include "vm/machine.hpp"
#include "vm/memory.hpp"

using namespace covenant;
using namespace covenant::compiler;

namespace {

const vm::HostTable& hosts() {
  static const vm::HostTable table = vm::test_host_table();
  return table;
}

// Module header and the debug-info skeleton every test module shares: one compile unit
// for "contract.cvn", line tables only. Functions add their DISubprogram (!10, !20, ...)
// and DILocations.
const std::string kHeader = R"(
target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
target triple = "bpfel"
)";
const std::string kDebug = R"(
!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!1, !2}
!0 = distinct !DICompileUnit(language: DW_LANG_C, file: !3, producer: "covenant", isOptimized: true, runtimeVersion: 0, emissionKind: LineTablesOnly)
!1 = !{i32 2, !"Dwarf Version", i32 5}
!2 = !{i32 2, !"Debug Info Version", i32 3}
!3 = !DIFile(filename: "contract.cvn", directory: "/src")
!4 = !DISubroutineType(types: !{})
)";

std::vector<uint8_t> object_of(const std::string& ir, bool optimize = true) {
  llvm::LLVMContext context;
  llvm::SMDiagnostic error;
  auto module = llvm::parseAssemblyString(kHeader + ir + kDebug, error, context);
  REQUIRE_MESSAGE(module != nullptr, error.getMessage().str());
  auto object = emit_object(*module, optimize);
  REQUIRE_MESSAGE(object.has_value(), (object ? "" : object.error()));
  return *object;
}

PackageRequest request_for(std::vector<EntrySpec> entries) {
  PackageRequest request;
  request.entries = std::move(entries);
  request.hosts = &hosts();
  return request;
}

Packaged build(const std::string& ir, const PackageRequest& request, bool optimize = true) {
  auto packaged = package(object_of(ir, optimize), request);
  REQUIRE_MESSAGE(packaged.has_value(), (packaged ? "" : packaged.error()));
  return std::move(packaged).value();
}

std::string build_error(const std::string& ir, const PackageRequest& request, bool optimize = true) {
  auto packaged = package(object_of(ir, optimize), request);
  REQUIRE(!packaged.has_value());
  return packaged.error();
}

vm::Program load(const vm::Module& module) {
  auto program = vm::load_module(module, hosts());
  REQUIRE_MESSAGE(program.has_value(), (program ? "" : vm::describe(program.error())));
  return std::move(program).value();
}

std::vector<uint8_t> words(std::initializer_list<uint64_t> values) {
  std::vector<uint8_t> out(values.size() * 8);
  size_t at = 0;
  for (uint64_t v : values) {
    std::memcpy(out.data() + at, &v, 8);
    at += 8;
  }
  return out;
}

uint64_t word_at(std::span<const uint8_t> bytes, size_t at) {
  uint64_t v = 0;
  std::memcpy(&v, bytes.data() + at, 8);
  return v;
}

vm::Limits limits(uint32_t output_size = 8) {
  vm::Limits l;
  l.frame_size = kFrameSize;
  l.output_size = output_size;
  return l;
}

std::string metadata(const vm::Module& module, const std::string& key) {
  for (const auto& [k, v] : module.metadata)
    if (k == key) return v;
  return "<absent>";
}

// A rodata table, an internal function called from the entry, a host call through
// `inttoptr`, and line information for each statement.
const std::string kScale = R"(
@tbl = internal constant [4 x i64] [i64 10, i64 20, i64 30, i64 40], align 8

define internal i64 @scale(i64 %a, i64 %b) noinline !dbg !10 {
  %s = mul i64 %a, %b, !dbg !11
  %r = call i64 inttoptr (i64 2 to ptr)(i64 %s, i64 %b), !dbg !12
  ret i64 %r, !dbg !12
}

define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) !dbg !20 {
  %x = load i64, ptr %in, align 8, !dbg !21
  %i = and i64 %x, 3, !dbg !21
  %p = getelementptr [4 x i64], ptr @tbl, i64 0, i64 %i, !dbg !21
  %v = load i64, ptr %p, align 8, !dbg !21
  %y = lshr i64 %x, 8, !dbg !22
  %r = call i64 @scale(i64 %v, i64 %y), !dbg !22
  store i64 %r, ptr %out, align 8, !dbg !23
  ret i64 %v, !dbg !23
}
!10 = distinct !DISubprogram(name: "scale", scope: !3, file: !3, line: 1, type: !4, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!11 = !DILocation(line: 2, column: 10, scope: !10)
!12 = !DILocation(line: 3, column: 10, scope: !10)
!20 = distinct !DISubprogram(name: "main", scope: !3, file: !3, line: 5, type: !4, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!21 = !DILocation(line: 6, column: 3, scope: !20)
!22 = !DILocation(line: 7, column: 3, scope: !20)
!23 = !DILocation(line: 8, column: 3, scope: !20)
)";

}  // namespace

TEST_CASE("package: rodata, a local call and a host call run in the VM") {
  Packaged p = build(kScale, request_for({{"main", 8, 8}}));
  REQUIRE(p.module.entries.size() == 1);
  CHECK(p.module.entries[0].name == "main");
  CHECK(p.module.entries[0].param_size == 8);
  CHECK(p.module.entries[0].result_size == 8);
  CHECK(p.module.rodata == words({10, 20, 30, 40}));

  vm::Program program = load(p.module);
  vm::Machine machine;
  for (uint64_t x : {0ull, 1ull, 2ull, 3ull, 0x705ull, 0x1234567ull}) {
    auto input = words({x});
    vm::Outcome o = machine.run(program, p.module.entries[0].slot, input, limits());
    REQUIRE_MESSAGE(o.ok(), vm::describe(*o.fault));
    const uint64_t table[] = {10, 20, 30, 40};
    CHECK(o.r0 == table[x & 3]);
    CHECK(word_at(machine.output(), 0) == table[x & 3] * (x >> 8));
  }
}

TEST_CASE("package: metadata carries the frame size, call depth and gas bounds") {
  PackageRequest request = request_for({{"main", 8, 8}});
  request.metadata = {{"source", "contract.cvn"}, {"compiler", "covenant 0.1"}};
  Packaged p = build(kScale, request);
  CHECK(metadata(p.module, "frame_size") == std::to_string(kFrameSize));
  CHECK(metadata(p.module, "max_call_depth") == "2");
  CHECK(p.max_call_depth == 2);
  REQUIRE(p.gas_bound.count("main") == 1);
  CHECK(metadata(p.module, "gas.main") == std::to_string(p.gas_bound["main"]));
  CHECK(metadata(p.module, "source") == "contract.cvn");
  CHECK(metadata(p.module, "compiler") == "covenant 0.1");
  CHECK(std::is_sorted(p.module.metadata.begin(), p.module.metadata.end()));
  // The module is in canonical (decoded) form.
  auto decoded = vm::decode(vm::encode(p.module));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p.module);
}

TEST_CASE("package: the source map follows the DWARF line table") {
  Packaged p = build(kScale, request_for({{"main", 8, 8}}));
  const auto& map = p.module.source_map;
  REQUIRE(!map.empty());
  for (size_t i = 0; i < map.size(); ++i) {
    CHECK(map[i].line != 0);
    CHECK(map[i].pc < p.module.code.size());
    if (i > 0) {
      CHECK(map[i - 1].pc < map[i].pc);
      CHECK((map[i - 1].line != map[i].line || map[i - 1].column != map[i].column));
    }
  }
  // `scale` is the first function: its multiply is at line 2, its host call at line 3.
  std::vector<uint32_t> lines;
  for (const auto& row : map) lines.push_back(row.line);
  CHECK(std::find(lines.begin(), lines.end(), 2u) != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), 3u) != lines.end());
  for (uint32_t pc = 0; pc < p.module.code.size(); ++pc) {
    const auto& insn = p.module.code[pc];
    if (insn.opcode == 0x85 && insn.src == 0) {  // the host call
      REQUIRE(p.module.locate(pc) != nullptr);
      CHECK(p.module.locate(pc)->line == 3);
      CHECK(p.module.locate(pc)->column == 10);
    }
  }
}

TEST_CASE("package: a fault is located at its source line") {
  const std::string ir = R"(
define i64 @peek(ptr %in, i64 %in_len, ptr %out, i64 %out_len) !dbg !10 {
  %a = load i64, ptr %in, align 8, !dbg !11
  %b = add i64 %a, 16, !dbg !11
  %q = inttoptr i64 %b to ptr, !dbg !12
  %v = load i64, ptr %q, align 8, !dbg !12
  %w = mul i64 %v, 3, !dbg !13
  ret i64 %w, !dbg !13
}
!10 = distinct !DISubprogram(name: "peek", scope: !3, file: !3, line: 20, type: !4, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!11 = !DILocation(line: 21, column: 5, scope: !10)
!12 = !DILocation(line: 22, column: 7, scope: !10)
!13 = !DILocation(line: 23, column: 9, scope: !10)
)";
  Packaged p = build(ir, request_for({{"peek", 8, 0}}));
  vm::Program program = load(p.module);
  vm::Machine machine;

  // A good address: the rodata region is empty here, so use the input itself.
  auto ok_input = words({vm::region_base(vm::Region::input) - 16});
  vm::Outcome ok = machine.run(program, p.module.entries[0].slot, ok_input, limits(0));
  REQUIRE_MESSAGE(ok.ok(), vm::describe(*ok.fault));
  CHECK(ok.r0 == (vm::region_base(vm::Region::input) - 16) * 3);

  auto bad_input = words({0x40});  // region 0: never mapped
  vm::Outcome bad = machine.run(program, p.module.entries[0].slot, bad_input, limits(0));
  REQUIRE(bad.fault.has_value());
  CHECK(bad.fault->kind == vm::FaultKind::memory);
  const vm::SourceLoc* at = p.module.locate(bad.fault->pc);
  REQUIRE(at != nullptr);
  CHECK(at->line == 22);
  CHECK(at->column == 7);
  CHECK(bad.gas_used <= p.gas_bound["peek"]);
}

TEST_CASE("package: an entry calling another entry and pointers stored in rodata") {
  // A call to an external function leaves an R_BPF_64_32 relocation; a constant table of
  // pointers leaves R_BPF_64_ABS64 relocations inside .rodata.
  const std::string ir = R"(
@a = internal constant [4 x i8] c"abc\00"
@b = internal constant [4 x i8] c"xyz\00"
@strs = internal constant [2 x ptr] [ptr @a, ptr getelementptr (i8, ptr @b, i64 1)], align 8

define i64 @pick(ptr %in, i64 %in_len, ptr %out, i64 %out_len) noinline {
  %n = load i64, ptr %in, align 8
  %i = and i64 %n, 1
  %pp = getelementptr [2 x ptr], ptr @strs, i64 0, i64 %i
  %p = load ptr, ptr %pp, align 8
  %c = load i8, ptr %p, align 1
  %r = zext i8 %c to i64
  ret i64 %r
}

define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %r = call i64 @pick(ptr %in, i64 %in_len, ptr %out, i64 %out_len)
  %r2 = add i64 %r, 1000
  store i64 %r2, ptr %out, align 8
  ret i64 0
}
)";
  const auto object = object_of(ir);
  auto image = read_object(object);
  REQUIRE_MESSAGE(image.has_value(), (image ? "" : image.error()));
  CHECK(image->functions.count("pick") == 1);
  CHECK(image->functions.count("main") == 1);
  CHECK(image->lines.empty());  // no debug information in this module

  Packaged p = build(ir, request_for({{"main", 8, 8}, {"pick", 8, 0}}));
  CHECK(p.module.entries[0].name == "main");  // sorted by name
  CHECK(p.module.entries[1].name == "pick");
  CHECK(p.max_call_depth == 2);
  vm::Program program = load(p.module);
  vm::Machine machine;
  for (uint64_t n : {0ull, 1ull}) {
    auto input = words({n});
    vm::Outcome o = machine.run(program, p.module.find_entry("main")->slot, input, limits());
    REQUIRE_MESSAGE(o.ok(), vm::describe(*o.fault));
    CHECK(word_at(machine.output(), 0) == (n == 0 ? 'a' : 'y') + 1000u);
    vm::Outcome direct = machine.run(program, p.module.find_entry("pick")->slot, input, limits(0));
    REQUIRE(direct.ok());
    CHECK(direct.r0 == (n == 0 ? 'a' : 'y'));
  }
}

TEST_CASE("package: the same object and request give the same module bytes") {
  PackageRequest request = request_for({{"main", 8, 8}});
  request.metadata = {{"source", "contract.cvn"}};
  const auto first_object = object_of(kScale);
  const auto second_object = object_of(kScale);
  CHECK(first_object == second_object);
  auto first = package(first_object, request);
  auto second = package(second_object, request);
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(vm::encode(first->module) == vm::encode(second->module));
  // The order entries and metadata are listed in does not matter.
  request.metadata.insert(request.metadata.begin(), {"a.first", "1"});
  PackageRequest reordered = request;
  std::reverse(reordered.metadata.begin(), reordered.metadata.end());
  auto x = package(first_object, request);
  auto y = package(first_object, reordered);
  REQUIRE(x.has_value());
  REQUIRE(y.has_value());
  CHECK(vm::encode(x->module) == vm::encode(y->module));
}

TEST_CASE("package: a writable global is an error naming it") {
  const std::string ir = R"(
@counter = internal global i64 5, align 8
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %c = load i64, ptr @counter, align 8
  %n = add i64 %c, 1
  store i64 %n, ptr @counter, align 8
  ret i64 %n
}
)";
  const std::string error = build_error(ir, request_for({{"main", 0, 0}}), false);
  CHECK(error.find("writable global 'counter'") != std::string::npos);
  CHECK(error.find("section .data") != std::string::npos);
  // Zero-initialised: .bss.
  const std::string bss = R"(
@zeroes = internal global [4 x i64] zeroinitializer, align 8
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  store i64 %in_len, ptr @zeroes, align 8
  %v = load volatile i64, ptr @zeroes, align 8
  ret i64 %v
}
)";
  const std::string bss_error = build_error(bss, request_for({{"main", 0, 0}}), false);
  CHECK(bss_error.find("writable global 'zeroes' in section .bss") != std::string::npos);
}

TEST_CASE("package: an entry that names no function is an error") {
  CHECK(build_error(kScale, request_for({{"nope", 0, 0}})).find("entry 'nope'") != std::string::npos);
  CHECK(build_error(kScale, request_for({{"main", 8, 8}, {"main", 8, 8}})).find("listed twice") !=
        std::string::npos);
  CHECK(package(object_of(kScale), request_for({})).error().find("no entry points") != std::string::npos);
  PackageRequest no_hosts = request_for({{"main", 8, 8}});
  no_hosts.hosts = nullptr;
  CHECK(package(object_of(kScale), no_hosts).error().find("no host table") != std::string::npos);
}

TEST_CASE("package: metadata keys of the packager are reserved") {
  for (const char* key : {"frame_size", "max_call_depth", "gas.main"}) {
    PackageRequest request = request_for({{"main", 8, 8}});
    request.metadata = {{key, "1"}};
    CHECK(build_error(kScale, request).find("reserved") != std::string::npos);
  }
  PackageRequest twice = request_for({{"main", 8, 8}});
  twice.metadata = {{"k", "1"}, {"k", "2"}};
  CHECK(build_error(kScale, twice).find("listed twice") != std::string::npos);
}

TEST_CASE("package: a call to an undefined function is an error") {
  const std::string ir = R"(
declare i64 @elsewhere(i64)
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %r = call i64 @elsewhere(i64 %in_len)
  ret i64 %r
}
)";
  CHECK(build_error(ir, request_for({{"main", 0, 0}})).find("undefined symbol 'elsewhere'") !=
        std::string::npos);
}

TEST_CASE("package: code outside .text is an error") {
  const std::string ir = R"(
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) section ".text.other" {
  ret i64 %in_len
}
)";
  CHECK(build_error(ir, request_for({{"main", 0, 0}})).find("code in section .text.other") !=
        std::string::npos);
}

TEST_CASE("package: the address of a function is not read-only data") {
  const std::string ir = R"(
define internal i64 @f(i64 %x) noinline {
  ret i64 %x
}
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  store ptr @f, ptr %out, align 8
  ret i64 0
}
)";
  CHECK(build_error(ir, request_for({{"main", 0, 8}})).find("not read-only data") !=
        std::string::npos);
}

TEST_CASE("package: an unsupported relocation is an error naming its type") {
  auto object = object_of(kScale);
  // Rewrite the type of the lddw's relocation (R_BPF_64_64) in .rel.text to R_BPF_64_ABS32.
  auto parsed = llvm::object::ObjectFile::createObjectFile(llvm::MemoryBufferRef(
      llvm::StringRef(reinterpret_cast<const char*>(object.data()), object.size()), "o"));
  REQUIRE(static_cast<bool>(parsed));
  const auto* elf = llvm::cast<llvm::object::ELF64LEObjectFile>(parsed->get());
  size_t patched = 0;
  for (const llvm::object::ELFSectionRef section : elf->sections()) {
    auto name = section.getName();
    REQUIRE(static_cast<bool>(name));
    if (*name != ".rel.text") continue;
    const uint64_t at = section.getOffset();
    for (uint64_t r = 0; r < section.getSize() / 16; ++r) {
      uint8_t& type = object[at + r * 16 + 8];  // low byte of r_info is the type
      if (type == 1) {
        type = 3;
        ++patched;
      }
    }
  }
  llvm::consumeError(parsed.takeError());
  REQUIRE(patched == 1);
  auto packaged = package(object, request_for({{"main", 8, 8}}));
  REQUIRE_FALSE(packaged.has_value());
  CHECK(packaged.error().find("unsupported relocation R_BPF_64_ABS32") != std::string::npos);
}

TEST_CASE("package: bytes that are not a BPF object are an error") {
  const std::vector<uint8_t> junk = {'n', 'o', 't', ' ', 'e', 'l', 'f'};
  auto packaged = package(junk, request_for({{"main", 0, 0}}));
  REQUIRE_FALSE(packaged.has_value());
  CHECK(packaged.error().starts_with("BPF object: "));
}

TEST_CASE("package: code the VM rejects is an error with its source location") {
  // An atomic add compiles to a BPF atomic instruction, which the verifier refuses.
  const std::string ir = R"(
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) !dbg !10 {
  %old = atomicrmw add ptr %out, i64 1 seq_cst, align 8, !dbg !11
  ret i64 %old, !dbg !11
}
!10 = distinct !DISubprogram(name: "main", scope: !3, file: !3, line: 1, type: !4, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!11 = !DILocation(line: 4, column: 9, scope: !10)
)";
  const std::string error = build_error(ir, request_for({{"main", 0, 8}}));
  CHECK(error.find("the VM rejects the code") != std::string::npos);
  CHECK(error.find("line 4") != std::string::npos);
}

TEST_CASE("package: a host function missing from the table is an error") {
  const std::string ir = R"(
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %r = call i64 inttoptr (i64 99 to ptr)(i64 %in_len)
  ret i64 %r
}
)";
  CHECK(build_error(ir, request_for({{"main", 0, 0}})).find("the VM rejects the code") !=
        std::string::npos);
}
