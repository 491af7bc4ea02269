#include "compiler/gas_bound.hpp"

#include <doctest/doctest.h>
#include <llvm/AsmParser/Parser.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/SourceMgr.h>

#include <cstring>
#include <string>
#include <vector>

#include "compiler/backend.hpp"
#include "compiler/package.hpp"
#include "vm/assembler.hpp"
#include "vm/machine.hpp"

using namespace covenant;
using namespace covenant::compiler;

namespace {

// The test host table plus id 9, `expensive`: returns r1 and costs 1000 gas.
const vm::HostTable& hosts() {
  static const vm::HostTable table = [] {
    vm::HostTable t = vm::test_host_table();
    t.add(9, {"expensive", 1000, [](vm::HostCall& call) { return call.args[0]; }});
    return t;
  }();
  return table;
}

const std::string kModule = R"(
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

Expected<Packaged, std::string> compile(const std::string& ir, LoopBounds bounds,
                                        bool optimize = true) {
  llvm::LLVMContext context;
  llvm::SMDiagnostic error;
  auto module = llvm::parseAssemblyString(kModule + ir + kDebug, error, context);
  REQUIRE_MESSAGE(module != nullptr, error.getMessage().str());
  auto object = emit_object(*module, optimize);
  REQUIRE_MESSAGE(object.has_value(), (object ? "" : object.error()));
  PackageRequest request;
  request.entries = {{"main", 16, 8}};
  request.loop_bounds = std::move(bounds);
  request.hosts = &hosts();
  return package(*object, request);
}

Packaged compiled(const std::string& ir, LoopBounds bounds = {}, bool optimize = true) {
  auto p = compile(ir, std::move(bounds), optimize);
  REQUIRE_MESSAGE(p.has_value(), (p ? "" : p.error()));
  return std::move(p).value();
}

// Runs `main` on the two input words and returns the outcome.
struct Runner {
  explicit Runner(const Packaged& p) : packaged(p) {
    auto loaded = vm::load_module(p.module, hosts());
    REQUIRE(loaded.has_value());
    program.emplace(std::move(loaded).value());
  }
  vm::Outcome operator()(uint64_t a, uint64_t b = 0) {
    uint8_t input[16];
    std::memcpy(input, &a, 8);
    std::memcpy(input + 8, &b, 8);
    vm::Limits limits;
    limits.frame_size = kFrameSize;
    limits.output_size = 8;
    return machine.run(*program, packaged.module.find_entry("main")->slot, input, limits);
  }
  uint64_t bound() const { return packaged.gas_bound.at("main"); }

  const Packaged& packaged;
  std::optional<vm::Program> program;
  vm::Machine machine;
};

// `for` loop over i < n, as the front end emits it: the condition, the branch and the
// increment carry the location of the `for` keyword (line 30, column 3). `n` is in[0],
// capped at `cap` (the language's declared maximum), or the constant `cap` if `constant`.
std::string counting_loop(uint64_t cap, bool constant) {
  const std::string n = constant ? std::to_string(cap) : "%n";
  return R"(
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) !dbg !10 {
entry:
  %raw = load i64, ptr %in, align 8, !dbg !11
  %small = icmp ult i64 %raw, )" + std::to_string(cap) + R"(, !dbg !11
  %n = select i1 %small, i64 %raw, i64 )" + std::to_string(cap) + R"(, !dbg !11
  br label %cond, !dbg !12
cond:
  %i = phi i64 [0, %entry], [%i1, %body]
  %acc = phi i64 [0, %entry], [%acc1, %body]
  %c = icmp ult i64 %i, )" + n + R"(, !dbg !12
  br i1 %c, label %body, label %done, !dbg !12
body:
  %t = call i64 inttoptr (i64 2 to ptr)(i64 %i), !dbg !13
  %acc1 = add i64 %acc, %t, !dbg !13
  %i1 = add i64 %i, 1, !dbg !12
  br label %cond, !dbg !12
done:
  store i64 %acc, ptr %out, align 8, !dbg !14
  ret i64 %n, !dbg !14
}
!10 = distinct !DISubprogram(name: "main", scope: !3, file: !3, line: 28, type: !4, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!11 = !DILocation(line: 29, column: 3, scope: !10)
!12 = !DILocation(line: 30, column: 3, scope: !10)
!13 = !DILocation(line: 31, column: 5, scope: !10)
!14 = !DILocation(line: 33, column: 3, scope: !10)
)";
}

// Two nested `for` loops: i < min(in[0], 10) at 40:3, j < min(in[1], 20) at 41:5.
const std::string kNested = R"(
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) !dbg !10 {
entry:
  %ra = load i64, ptr %in, align 8, !dbg !11
  %pb = getelementptr i8, ptr %in, i64 8, !dbg !11
  %rb = load i64, ptr %pb, align 8, !dbg !11
  %sa = icmp ult i64 %ra, 10, !dbg !11
  %a = select i1 %sa, i64 %ra, i64 10, !dbg !11
  %sb = icmp ult i64 %rb, 20, !dbg !11
  %b = select i1 %sb, i64 %rb, i64 20, !dbg !11
  br label %outer, !dbg !12
outer:
  %i = phi i64 [0, %entry], [%i1, %outer_next]
  %acc = phi i64 [0, %entry], [%acc_out, %outer_next]
  %ci = icmp ult i64 %i, %a, !dbg !12
  br i1 %ci, label %inner_start, label %done, !dbg !12
inner_start:
  br label %inner, !dbg !13
inner:
  %j = phi i64 [0, %inner_start], [%j1, %inner_body]
  %acc2 = phi i64 [%acc, %inner_start], [%acc3, %inner_body]
  %cj = icmp ult i64 %j, %b, !dbg !13
  br i1 %cj, label %inner_body, label %outer_next, !dbg !13
inner_body:
  %ij = mul i64 %i, %j, !dbg !14
  %t = call i64 inttoptr (i64 2 to ptr)(i64 %ij), !dbg !14
  %acc3 = add i64 %acc2, %t, !dbg !14
  %j1 = add i64 %j, 1, !dbg !13
  br label %inner, !dbg !13
outer_next:
  %acc_out = phi i64 [%acc2, %inner]
  %i1 = add i64 %i, 1, !dbg !12
  br label %outer, !dbg !12
done:
  store i64 %acc, ptr %out, align 8, !dbg !15
  ret i64 0, !dbg !15
}
!10 = distinct !DISubprogram(name: "main", scope: !3, file: !3, line: 38, type: !4, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!11 = !DILocation(line: 39, column: 3, scope: !10)
!12 = !DILocation(line: 40, column: 3, scope: !10)
!13 = !DILocation(line: 41, column: 5, scope: !10)
!14 = !DILocation(line: 42, column: 7, scope: !10)
!15 = !DILocation(line: 44, column: 3, scope: !10)
)";

// The gas example of docs/gas.md, with a line table that puts the loop's branch at 5:3.
const char* kDocLoop = R"(
    mov %r0, 0
    mov %r1, 10
loop:
    add %r0, %r1
    sub %r1, 1
    jne %r1, 0, loop
    exit
)";

std::vector<vm::RawInsn> assemble(const char* text) {
  auto code = vm::assemble(text);
  REQUIRE_MESSAGE(code.has_value(), (code ? "" : vm::to_string(code.error())));
  return *code;
}

}  // namespace

TEST_CASE("gas_bound: loop-free single-path code is bounded exactly") {
  const std::string ir = R"(
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %x = load i64, ptr %in, align 8
  %y = mul i64 %x, 3
  %z = udiv i64 %y, 7
  %h = call i64 inttoptr (i64 9 to ptr)(i64 %z)
  %t = call i64 inttoptr (i64 2 to ptr)(i64 %h)
  store i64 %t, ptr %out, align 8
  ret i64 %t
}
)";
  Packaged p = compiled(ir);
  Runner run(p);
  for (uint64_t x : {0ull, 5ull, 123456789ull}) {
    vm::Outcome o = run(x);
    REQUIRE(o.ok());
    CHECK(o.r0 == x * 3 / 7);
    CHECK(o.gas_used == run.bound());
  }
  CHECK(run.bound() > 1000 + 10 + 10 + 1);  // both host calls with their fixed gas
}

TEST_CASE("gas_bound: branches are bounded by the costlier path, which is reached") {
  const std::string ir = R"(
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
entry:
  %x = load i64, ptr %in, align 8
  %big = icmp ugt i64 %x, 5
  br i1 %big, label %costly, label %cheap
costly:
  %h = call i64 inttoptr (i64 9 to ptr)(i64 %x)
  %d = udiv i64 %h, 3
  br label %done
cheap:
  %m = mul i64 %x, 5
  br label %done
done:
  %r = phi i64 [%d, %costly], [%m, %cheap]
  store i64 %r, ptr %out, align 8
  ret i64 %r
}
)";
  Packaged p = compiled(ir);
  Runner run(p);
  uint64_t most = 0;
  for (uint64_t x = 0; x < 12; ++x) {
    vm::Outcome o = run(x);
    REQUIRE(o.ok());
    CHECK(o.gas_used <= run.bound());
    most = std::max(most, o.gas_used);
  }
  CHECK(most == run.bound());
}

TEST_CASE("gas_bound: a loop with a constant trip count") {
  Packaged p = compiled(counting_loop(1000, true), {{{30, 3}, 1000}});
  Runner run(p);
  vm::Outcome o = run(0);
  REQUIRE(o.ok());
  CHECK(o.r0 == 0);
  CHECK(o.gas_used <= run.bound());
  // One extra pass of the loop at most, plus the difference between the final passes.
  CHECK(run.bound() - o.gas_used < o.gas_used / 100 + 50);
}

TEST_CASE("gas_bound: a loop with a runtime trip count bounded by the source") {
  Packaged p = compiled(counting_loop(50, false), {{{30, 3}, 50}});
  Runner run(p);
  uint64_t most = 0;
  for (uint64_t n = 0; n <= 60; ++n) {
    vm::Outcome o = run(n);
    REQUIRE(o.ok());
    CHECK(o.r0 == std::min<uint64_t>(n, 50));
    CHECK(o.gas_used <= run.bound());
    most = std::max(most, o.gas_used);
  }
  CHECK(run.bound() - most < most / 10);
}

TEST_CASE("gas_bound: nested loops multiply") {
  Packaged p = compiled(kNested, {{{40, 3}, 10}, {{41, 5}, 20}});
  Runner run(p);
  uint64_t most = 0;
  for (uint64_t a : {0ull, 1ull, 3ull, 10ull, 50ull})
    for (uint64_t b : {0ull, 1ull, 7ull, 20ull, 99ull}) {
      vm::Outcome o = run(a, b);
      REQUIRE(o.ok());
      CHECK(o.gas_used <= run.bound());
      most = std::max(most, o.gas_used);
    }
  CHECK(run.bound() - most < most / 5);

  // The outer bound scales the inner loop's cost: a bigger outer bound adds whole inner loops.
  Packaged wider = compiled(kNested, {{{40, 3}, 11}, {{41, 5}, 20}});
  CHECK(wider.gas_bound.at("main") - run.bound() > 20 * 10);
}

TEST_CASE("gas_bound: a loop without a bound is an error naming its location") {
  auto p = compile(counting_loop(50, false), {});
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().find("cannot bound the loop at slot") != std::string::npos);
  CHECK(p.error().find("(line 30:3)") != std::string::npos);
  // A bound for another location does not help.
  auto other = compile(counting_loop(50, false), {{{31, 5}, 50}});
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().find("cannot bound the loop") != std::string::npos);
  // Nested: the inner loop bounded, the outer one not.
  auto nested = compile(kNested, {{{41, 5}, 20}});
  REQUIRE_FALSE(nested.has_value());
  CHECK(nested.error().find("(line 40:3)") != std::string::npos);
}

TEST_CASE("gas_bound: recursion is an error") {
  const std::string ir = R"(
define internal i64 @down(i64 %n) noinline {
entry:
  %z = icmp eq i64 %n, 0
  br i1 %z, label %base, label %again
base:
  ret i64 1
again:
  %m = sub i64 %n, 1
  %r = call i64 @down(i64 %m)
  %p = add i64 %r, %n
  ret i64 %p
}
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %r = call i64 @down(i64 %in_len)
  ret i64 %r
}
)";
  auto p = compile(ir, {}, false);
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().find("recursive call") != std::string::npos);
}

TEST_CASE("gas_bound: call depth and callee bounds") {
  const std::string ir = R"(
define internal i64 @leaf(i64 %x) noinline {
  %h = call i64 inttoptr (i64 9 to ptr)(i64 %x)
  ret i64 %h
}
define internal i64 @middle(i64 %x) noinline {
  %a = call i64 @leaf(i64 %x)
  %b = call i64 @leaf(i64 %a)
  ret i64 %b
}
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %x = load i64, ptr %in, align 8
  %r = call i64 @middle(i64 %x)
  store i64 %r, ptr %out, align 8
  ret i64 %r
}
)";
  Packaged p = compiled(ir);
  CHECK(p.max_call_depth == 3);
  Runner run(p);
  vm::Outcome o = run(42);
  REQUIRE(o.ok());
  CHECK(o.r0 == 42);
  CHECK(o.gas_used == run.bound());  // single path through three functions
  CHECK(run.bound() > 2 * 1000);
}

TEST_CASE("gas_bound: the docs/gas.md loop, on assembled code") {
  auto code = assemble(kDocLoop);
  const std::vector<uint32_t> entries = {0};
  const std::vector<vm::SourceLoc> lines = {{0, 1, 1}, {2, 5, 3}, {5, 9, 1}};
  auto bounds = bound_gas(code, entries, lines, {{{5, 3}, 10}}, hosts());
  REQUIRE_MESSAGE(bounds.has_value(), (bounds ? "" : bounds.error()));
  REQUIRE(bounds->entry_gas.size() == 1);
  // 34 gas for the ten iterations (docs/gas.md); the bound allows one more pass (3 gas).
  CHECK(bounds->entry_gas[0] == 37);
  CHECK(bounds->max_call_depth == 1);

  auto program = vm::Program::load(code, {}, entries, hosts());
  REQUIRE(program.has_value());
  vm::Machine machine;
  vm::Outcome o = machine.run(*program, 0, {}, vm::Limits{});
  REQUIRE(o.ok());
  CHECK(o.gas_used == 34);

  // With the loop's branch at line 0 (no location) the loop cannot be matched.
  const std::vector<vm::SourceLoc> unlocated = {{0, 1, 1}, {2, 5, 3}, {4, 0, 0}, {5, 9, 1}};
  auto unknown = bound_gas(code, entries, unlocated, {{{5, 3}, 10}}, hosts());
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().find("no source location") != std::string::npos);
}

TEST_CASE("gas_bound: a fault mid-run is within the bound") {
  // The load at slot 2 faults (null address); the VM has charged the whole run from slot 2
  // to the exit, which falls through into the jump target at slot 3.
  auto code = assemble(R"(
    mov %r0, 0
    jeq %r1, 0, skip
    ldxdw %r0, [%r0+0]
skip:
    add %r0, 1
    exit
)");
  const std::vector<uint32_t> entries = {0};
  auto bounds = bound_gas(code, entries, {}, {}, hosts());
  REQUIRE(bounds.has_value());
  auto program = vm::Program::load(code, {}, entries, hosts());
  REQUIRE(program.has_value());
  vm::Machine machine;
  vm::Outcome o = machine.run(*program, 0, {}, vm::Limits{});
  REQUIRE(o.fault.has_value());
  CHECK(o.gas_used <= bounds->entry_gas[0]);
  CHECK(bounds->entry_gas[0] == 1 + 1 + 2 + 1 + 2);
}

TEST_CASE("gas_bound: irreducible control flow is an error") {
  // Two blocks that jump to each other, each entered from the start: no loop header.
  auto code = assemble(R"(
    jeq %r1, 0, second
first:
    add %r0, 1
    jgt %r0, 10, out
    ja second
second:
    add %r0, 2
    ja first
out:
    exit
)");
  const std::vector<uint32_t> entries = {0};
  auto bounds = bound_gas(code, entries, {}, {}, hosts());
  REQUIRE_FALSE(bounds.has_value());
  CHECK(bounds.error().find("irreducible") != std::string::npos);
}

TEST_CASE("gas_bound: code that does not verify is an error") {
  auto code = assemble("mov %r0, 1\n");  // runs off its end
  const std::vector<uint32_t> entries = {0};
  auto bounds = bound_gas(code, entries, {}, {}, hosts());
  REQUIRE_FALSE(bounds.has_value());
  CHECK(bounds.error().find("cannot bound gas") != std::string::npos);
}

TEST_CASE("gas_bound: a loop at the very start of a function") {
  // The function's first block is the loop header; the loop is bounded by its branch.
  auto code = assemble(R"(
top:
    add %r0, 1
    jlt %r0, 5, top
    exit
)");
  const std::vector<uint32_t> entries = {0};
  const std::vector<vm::SourceLoc> lines = {{0, 3, 1}};
  auto bounds = bound_gas(code, entries, lines, {{{3, 1}, 5}}, hosts());
  REQUIRE_MESSAGE(bounds.has_value(), (bounds ? "" : bounds.error()));
  auto program = vm::Program::load(code, {}, entries, hosts());
  REQUIRE(program.has_value());
  vm::Machine machine;
  vm::Outcome o = machine.run(*program, 0, {}, vm::Limits{});
  REQUIRE(o.ok());
  CHECK(o.gas_used == 5 * 2 + 2);
  CHECK(bounds->entry_gas[0] == 6 * 2 + 2);
}
