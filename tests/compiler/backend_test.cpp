#include "compiler/backend.hpp"

#include <doctest/doctest.h>
#include <llvm/AsmParser/Parser.h>
#include <llvm/IR/DiagnosticHandler.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/SourceMgr.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace covenant::compiler;

namespace {

std::unique_ptr<llvm::Module> parse(const std::string& ir, llvm::LLVMContext& context) {
  llvm::SMDiagnostic error;
  auto module = llvm::parseAssemblyString(ir, error, context);
  REQUIRE_MESSAGE(module != nullptr, error.getMessage().str());
  return module;
}

// Parses `ir` in a fresh context and emits it.
covenant::Expected<std::vector<uint8_t>, std::string> emit(const std::string& ir, bool optimize = true) {
  llvm::LLVMContext context;
  auto module = parse(ir, context);
  return emit_object(*module, optimize);
}

const std::string kSimple = R"(
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %x = load i64, ptr %in, align 8
  %y = mul i64 %x, 3
  %z = add i64 %y, 7
  store i64 %z, ptr %out, align 8
  ret i64 %z
}
)";

// A frame of `bytes` bytes that the optimiser cannot drop: its address goes to a host call.
std::string frame_of(size_t bytes) {
  return R"(
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %buf = alloca [)" + std::to_string(bytes) + R"( x i8], align 8
  %end = getelementptr i8, ptr %buf, i64 )" + std::to_string(bytes - 8) + R"(
  store i64 1, ptr %end, align 8
  %a = ptrtoint ptr %buf to i64
  %r = call i64 inttoptr (i64 2 to ptr)(i64 %a)
  ret i64 %r
}
)";
}

void record_nothing(const llvm::DiagnosticInfo*, void*) {}

}  // namespace

TEST_CASE("backend: emits a BPF ELF relocatable object") {
  auto object = emit(kSimple);
  REQUIRE_MESSAGE(object.has_value(), (object ? "" : object.error()));
  REQUIRE(object->size() > 64);
  CHECK((*object)[0] == 0x7f);
  CHECK((*object)[1] == 'E');
  CHECK((*object)[2] == 'L');
  CHECK((*object)[3] == 'F');
  CHECK((*object)[4] == 2);                        // ELFCLASS64
  CHECK((*object)[5] == 1);                        // little-endian
  CHECK((*object)[16] == 1);                       // ET_REL
  CHECK(((*object)[18] | (*object)[19] << 8) == 247);  // EM_BPF
}

TEST_CASE("backend: the same IR gives the same bytes, optimised or not") {
  for (bool optimize : {true, false}) {
    auto a = emit(kSimple, optimize);
    auto b = emit(kSimple, optimize);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(*a == *b);
  }
}

TEST_CASE("backend: emits from several threads at once, each with its own context") {
  auto reference = emit(kSimple);
  REQUIRE(reference.has_value());
  std::vector<std::vector<uint8_t>> results(4);
  std::vector<std::string> errors(4);
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < results.size(); ++i)
      threads.emplace_back([&, i] {
        init_backend();
        llvm::LLVMContext context;
        llvm::SMDiagnostic error;
        auto module = llvm::parseAssemblyString(kSimple, error, context);
        if (!module) {
          errors[i] = "parse";
          return;
        }
        auto object = emit_object(*module, true);
        if (object) results[i] = *object;
        else errors[i] = object.error();
      });
    for (auto& t : threads) t.join();
  }
  for (size_t i = 0; i < results.size(); ++i) {
    CHECK(errors[i].empty());
    CHECK(results[i] == *reference);
  }
}

TEST_CASE("backend: the optimiser runs only when asked") {
  // Without optimisation the redundant stack traffic of unoptimised IR stays.
  const std::string ir = R"(
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %slot = alloca i64, align 8
  store i64 5, ptr %slot, align 8
  %v = load i64, ptr %slot, align 8
  ret i64 %v
}
)";
  auto plain = emit(ir, false);
  auto optimised = emit(ir, true);
  REQUIRE(plain.has_value());
  REQUIRE(optimised.has_value());
  CHECK(plain->size() > optimised->size());
}

TEST_CASE("backend: emit_assembly returns BPF assembly text") {
  llvm::LLVMContext context;
  auto module = parse(kSimple, context);
  auto text = emit_assembly(*module);
  REQUIRE_MESSAGE(text.has_value(), (text ? "" : text.error()));
  CHECK(text->find("main:") != std::string::npos);
  CHECK(text->find("exit") != std::string::npos);
  CHECK(text->find("*= 3") != std::string::npos);
}

TEST_CASE("backend: sets the BPF triple and data layout") {
  llvm::LLVMContext context;
  auto module = parse(kSimple, context);
  REQUIRE(emit_object(*module, false).has_value());
  CHECK(module->getTargetTriple() == "bpfel");
  CHECK(module->getDataLayout().isLittleEndian());
  CHECK(module->getDataLayout().getPointerSizeInBits() == 64);
}

TEST_CASE("backend: IR that does not verify is an error, not a crash") {
  llvm::LLVMContext context;
  llvm::Module module("bad", context);
  auto* type = llvm::FunctionType::get(llvm::Type::getInt64Ty(context), false);
  auto* fn = llvm::Function::Create(type, llvm::Function::ExternalLinkage, "main", module);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "entry", fn));
  builder.CreateRetVoid();  // a function returning i64 may not `ret void`
  auto object = emit_object(module, true);
  REQUIRE_FALSE(object.has_value());
  CHECK(object.error().find("invalid LLVM IR") != std::string::npos);
  CHECK(object.error().find("return type") != std::string::npos);
}

TEST_CASE("backend: too many call arguments come back as an error") {
  const std::string ir = R"(
define internal i64 @six(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f) noinline {
  %s = add i64 %a, %f
  ret i64 %s
}
define i64 @main(ptr %in, i64 %in_len, ptr %out, i64 %out_len) {
  %r = call i64 @six(i64 1, i64 2, i64 3, i64 4, i64 5, i64 %in_len)
  ret i64 %r
}
)";
  auto object = emit(ir, false);
  REQUIRE_FALSE(object.has_value());
  CHECK(object.error().find("too many") != std::string::npos);
}

TEST_CASE("backend: frames up to kFrameSize compile, larger ones are an error") {
  // 4 KiB is eight times BPF's default limit of 512 bytes.
  auto fits = emit(frame_of(4096));
  CHECK_MESSAGE(fits.has_value(), (fits ? "" : fits.error()));
  auto too_big = emit(frame_of(kFrameSize + 1024));
  REQUIRE_FALSE(too_big.has_value());
  CHECK(too_big.error().find("stack limit") != std::string::npos);
}

TEST_CASE("backend: the context's own diagnostic handler is back after a call") {
  llvm::LLVMContext context;
  context.setDiagnosticHandlerCallBack(&record_nothing);
  auto module = parse(frame_of(kFrameSize + 1024), context);
  REQUIRE_FALSE(emit_object(*module, true).has_value());
  const bool restored = context.getDiagnosticHandlerCallBack() == &record_nothing;
  CHECK(restored);
}

TEST_CASE("backend: init_backend is idempotent") {
  init_backend();
  init_backend();
  CHECK(emit(kSimple).has_value());
}
