#include "compiler/runtime/runtime_module.hpp"

#include <memory>
#include <string>

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Triple.h>

namespace covenant::compiler {

// Generated from covenant_runtime.c by compiler/runtime/CMakeLists.txt through cmake/embed.cmake.
extern const std::span<const uint8_t> kRuntimeBitcode;

namespace {

// Function attributes that record how clang built the C file rather than what the code does.
// Left in place they would block ordinary inlining into contract code built without them
// ("no-builtins" makes the callee's library assumptions incompatible, differing
// "target-cpu"/"target-features" fail the target's compatibility check) and would pin the
// runtime to clang's options instead of the contract's.
constexpr std::string_view kBuildAttributes[] = {
    "no-builtins",
    "target-cpu",
    "target-features",
    "tune-cpu",
    "frame-pointer",
    "no-trapping-math",
    "stack-protector-buffer-size",
};

llvm::Error failure(const llvm::Twine& message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "runtime library: " + message);
}

// Collects the messages of errors reported to a context while linking, and restores the
// context's own handler afterwards: llvm::Linker reports through the context, not its result.
class DiagnosticCapture {
 public:
  explicit DiagnosticCapture(llvm::LLVMContext& context)
      : context_(context), saved_(context.getDiagnosticHandler()) {
    context_.setDiagnosticHandler(std::make_unique<Handler>(messages_));
  }
  ~DiagnosticCapture() { context_.setDiagnosticHandler(std::move(saved_)); }
  DiagnosticCapture(const DiagnosticCapture&) = delete;
  DiagnosticCapture& operator=(const DiagnosticCapture&) = delete;
  const std::string& messages() const { return messages_; }

 private:
  struct Handler : llvm::DiagnosticHandler {
    explicit Handler(std::string& out) : out_(out) {}
    bool handleDiagnostics(const llvm::DiagnosticInfo& info) override {
      // Warnings (such as a data layout mismatch) are not failures, but keep them for the
      // message in case the link fails anyway.
      if (!out_.empty()) out_ += "; ";
      llvm::raw_string_ostream os(out_);
      llvm::DiagnosticPrinterRawOStream printer(os);
      info.print(printer);
      return true;
    }
    std::string& out_;
  };
  llvm::LLVMContext& context_;
  std::unique_ptr<llvm::DiagnosticHandler> saved_;
  std::string messages_;
};

}  // namespace

std::span<const uint8_t> runtime_bitcode() {
  return kRuntimeBitcode;
}

llvm::Error link_runtime(llvm::Module& into) {
  llvm::LLVMContext& context = into.getContext();
  const std::span<const uint8_t> bytes = runtime_bitcode();
  llvm::MemoryBufferRef buffer(
      llvm::StringRef(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
      "covenant_runtime.bc");
  llvm::Expected<std::unique_ptr<llvm::Module>> parsed = llvm::parseBitcodeFile(buffer, context);
  if (!parsed) return failure("embedded bitcode: " + llvm::toString(parsed.takeError()));
  std::unique_ptr<llvm::Module> runtime = std::move(*parsed);

  if (!into.getTargetTriple().empty()) {
    const llvm::Triple triple(into.getTargetTriple());
    if (!triple.isBPF())
      return failure("cannot link BPF code into a module for '" + into.getTargetTriple() + "'");
    // Adopt the contract's exact spelling ("bpf" or "bpfel") and layout so the linker has
    // nothing to warn about.
    runtime->setTargetTriple(into.getTargetTriple());
    if (!into.getDataLayout().isDefault()) runtime->setDataLayout(into.getDataLayout());
  }

  // Check what `into` expects of each runtime name before the linker sees it: a mismatched
  // declaration would link silently into a call with the wrong arguments.
  for (const RuntimeFunction& fn : kRuntimeFunctions) {
    llvm::GlobalValue* existing = into.getNamedValue(fn.name);
    if (existing == nullptr || existing->hasLocalLinkage()) continue;
    llvm::Function* declared = llvm::dyn_cast<llvm::Function>(existing);
    if (declared == nullptr)
      return failure("'" + llvm::Twine(fn.name) + "' is not a function in the module");
    if (!declared->isDeclaration())
      return failure("the module already defines '" + llvm::Twine(fn.name) + "'");
    const llvm::Function* definition = runtime->getFunction(fn.name);
    if (definition == nullptr || declared->getFunctionType() != definition->getFunctionType())
      return failure("'" + llvm::Twine(fn.name) + "' is declared with a type other than i64(" +
                     llvm::Twine(fn.arity) + " x i64)");
  }

  for (llvm::Function& function : *runtime) {
    if (function.isDeclaration()) continue;  // intrinsics such as llvm.abs
    for (std::string_view attribute : kBuildAttributes)
      function.removeFnAttr(attribute);
    function.removeFnAttr(llvm::Attribute::NoInline);
  }
  // The compiler version and clang's module flags describe the C build, not the contract.
  for (const char* name : {"llvm.ident", "llvm.module.flags"})
    if (llvm::NamedMDNode* node = runtime->getNamedMetadata(name))
      runtime->eraseNamedMetadata(node);

  bool failed = false;
  std::string messages;
  {
    DiagnosticCapture capture(context);
    failed = llvm::Linker::linkModules(into, std::move(runtime), llvm::Linker::LinkOnlyNeeded);
    messages = capture.messages();
  }
  if (failed) return failure("link failed: " + messages);

  for (const RuntimeFunction& fn : kRuntimeFunctions) {
    llvm::Function* linked = into.getFunction(fn.name);
    if (linked == nullptr || linked->isDeclaration()) continue;
    linked->setLinkage(llvm::GlobalValue::InternalLinkage);
    linked->setVisibility(llvm::GlobalValue::DefaultVisibility);
  }
  return llvm::Error::success();
}

}  // namespace covenant::compiler
