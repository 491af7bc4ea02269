#include "compiler/backend.hpp"

#include <llvm/ADT/SmallVector.h>
#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/DiagnosticHandler.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/OptimizationLevel.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include <memory>
#include <mutex>
#include <optional>

namespace covenant::compiler {
namespace {

constexpr const char* kTriple = "bpfel";
constexpr const char* kCpu = "v4";

// What init_backend found wrong, if anything; written once under the call_once.
std::string& init_error() {
  static std::string error;
  return error;
}

// Collects the errors LLVM reports through the context while the guard lives, and puts the
// context's previous handler back when it goes. The handler is LLVM's own base class with
// a plain-function callback: subclassing it would need typeinfo from libLLVM, which is
// built without RTTI.
class DiagnosticCapture {
 public:
  explicit DiagnosticCapture(llvm::LLVMContext& context)
      : context_(context), previous_(context.getDiagnosticHandler()) {
    auto handler = std::make_unique<llvm::DiagnosticHandler>(this);
    handler->DiagHandlerCallback = &DiagnosticCapture::callback;
    context_.setDiagnosticHandler(std::move(handler));
  }
  ~DiagnosticCapture() { context_.setDiagnosticHandler(std::move(previous_)); }
  DiagnosticCapture(const DiagnosticCapture&) = delete;
  DiagnosticCapture& operator=(const DiagnosticCapture&) = delete;

  bool failed() const { return !errors_.empty(); }
  const std::string& errors() const { return errors_; }

 private:
  static void callback(const llvm::DiagnosticInfo* info, void* self) {
    // Warnings and remarks do not stop the build; only errors are collected. LLVM carries
    // on after an error it reported this way, so the caller checks `failed()` at the end.
    if (info->getSeverity() != llvm::DS_Error) return;
    std::string text;
    {
      llvm::raw_string_ostream os(text);
      llvm::DiagnosticPrinterRawOStream printer(os);
      info->print(printer);
    }
    // Some messages end in a newline of their own; the caller gets one message per line.
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    auto& capture = *static_cast<DiagnosticCapture*>(self);
    if (!capture.errors_.empty()) capture.errors_ += '\n';
    capture.errors_ += text;
  }

  llvm::LLVMContext& context_;
  std::unique_ptr<llvm::DiagnosticHandler> previous_;
  std::string errors_;
};

// The O2 pipeline of the new pass manager, with the BPF target's own passes and cost model.
void optimize_module(llvm::Module& module, llvm::TargetMachine& machine) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager passes = builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  passes.run(module, mam);
}

// Verifies, optionally optimises, and generates code of `type` for `module` into `out`.
Expected<void, std::string> generate(llvm::Module& module, bool optimize,
                                     llvm::CodeGenFileType type,
                                     llvm::SmallVectorImpl<char>& out) {
  init_backend();
  if (!init_error().empty()) return unexpected(init_error());

  std::string lookup_error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(kTriple, lookup_error);
  if (target == nullptr) return unexpected("BPF target unavailable: " + lookup_error);
  // Static relocation: the BPF target defaults to PIC, which changes no instruction but
  // puts constant tables of pointers in the writable `.data.rel.ro`; static keeps them in
  // `.rodata`, where the packager links them.
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      kTriple, kCpu, "", llvm::TargetOptions(), llvm::Reloc::Static, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine) return unexpected(std::string("cannot create a BPF target machine"));

  module.setTargetTriple(kTriple);
  module.setDataLayout(machine->createDataLayout());

  std::string verify_errors;
  {
    llvm::raw_string_ostream os(verify_errors);
    if (llvm::verifyModule(module, &os)) {
      os.flush();
      return unexpected("invalid LLVM IR: " + verify_errors);
    }
  }

  DiagnosticCapture capture(module.getContext());
  if (optimize) optimize_module(module, *machine);
  if (capture.failed()) return unexpected(capture.errors());

  llvm::raw_svector_ostream os(out);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, os, nullptr, type))
    return unexpected(std::string("the BPF target cannot emit this file type"));
  codegen.run(module);
  if (capture.failed()) return unexpected(capture.errors());
  return {};
}

}  // namespace

void init_backend() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeBPFTargetInfo();
    LLVMInitializeBPFTarget();
    LLVMInitializeBPFTargetMC();
    LLVMInitializeBPFAsmPrinter();
    LLVMInitializeBPFAsmParser();
    // The BPF backend refuses frames above 512 bytes unless told otherwise, and the only
    // way to tell it is its command-line option. Passing an error stream makes a rejected
    // option a return value instead of a process exit.
    const std::string stack_option = "-bpf-stack-size=" + std::to_string(kFrameSize);
    const char* argv[] = {"covenant", stack_option.c_str()};
    std::string errors;
    llvm::raw_string_ostream os(errors);
    if (!llvm::cl::ParseCommandLineOptions(2, argv, "", &os)) {
      os.flush();
      init_error() = "cannot set the BPF stack limit: " + errors;
    }
  });
}

Expected<std::vector<uint8_t>, std::string> emit_object(llvm::Module& module, bool optimize) {
  llvm::SmallVector<char, 0> buffer;
  auto done = generate(module, optimize, llvm::CodeGenFileType::ObjectFile, buffer);
  if (!done) return unexpected(done.error());
  return std::vector<uint8_t>(buffer.begin(), buffer.end());
}

Expected<std::string, std::string> emit_assembly(llvm::Module& module, bool optimize) {
  llvm::SmallVector<char, 0> buffer;
  auto done = generate(module, optimize, llvm::CodeGenFileType::AssemblyFile, buffer);
  if (!done) return unexpected(done.error());
  return std::string(buffer.begin(), buffer.end());
}

}  // namespace covenant::compiler
