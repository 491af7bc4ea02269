#include "compiler/driver.hpp"

#include <algorithm>

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>
#include <openssl/evp.h>

#include "compiler/abi.hpp"
#include "compiler/backend.hpp"
#include "compiler/codegen/codegen.hpp"
#include "compiler/libraries.hpp"
#include "compiler/syntax/parse.hpp"
#include "compiler/syntax/print.hpp"
#include "runtime/contract_host.hpp"
#include "vm/hex.hpp"

namespace covenant::compiler {
namespace {

std::string sha256_hex(const std::string& text) {
  uint8_t digest[32];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return to_hex(std::span<const uint8_t>(digest, 32));
}

// The metadata every module carries besides what the packager adds: who made it, from what
// source (the libraries too, as `source.<k>`: "name sha256", which `module_location` reads),
// its interface, and what each denial means (at a unit line, sources.hpp).
std::vector<std::pair<std::string, std::string>> module_metadata(const Sources& sources,
                                                                 const Checked& checked) {
  const SourceFile& source = sources.root();
  std::vector<std::pair<std::string, std::string>> meta = {
      {"abi", abi_json(checked)},
      {"compiler", kCompilerVersion},
      {"contract", checked.name},
      {"contract_version", std::to_string(checked.version)},
      {"source", std::filesystem::path(source.name()).filename().string()},
      {"source_sha256", sha256_hex(source.text())},
  };
  for (const auto& library : sources.libraries())
    meta.push_back({"source." + std::to_string(library->index()),
                    library->name() + " " + sha256_hex(library->text())});
  for (size_t i = 0; i < checked.denies.size(); ++i) {
    const DenyInfo& d = checked.denies[i];
    LineCol lc = sources.unit_line_col(d.span.begin);
    std::string value = std::to_string(lc.line) + ":" + std::to_string(lc.column) + " " + d.reason;
    if (d.code) value = std::to_string(*d.code) + " " + value;
    meta.push_back({"deny." + std::to_string(i + 1), value});
  }
  return meta;
}

// The function or test an LLVM function name ("claim.body", "__test_2.body") comes from, as
// the words of a message and the span to point at; the header when it is none of them.
std::pair<std::string, Span> owner_of(const Checked& checked, const std::string& llvm_name) {
  std::string name = llvm_name.ends_with(".body") ? llvm_name.substr(0, llvm_name.size() - 5) : llvm_name;
  for (const TestInfo& t : checked.tests)
    if (t.entry_name == name) return {"test \"" + t.decl->name + "\"", t.decl->name_span};
  for (const FunctionInfo& f : checked.functions)
    if (f.name == name) return {(f.is_entry ? "entry `" : "function `") + f.name + "`", f.decl->name.span};
  return {"a function of this contract", checked.contract->header.name.span};
}

// The functions LLVM's messages about frames over the BPF stack limit name ("... in function
// NAME ..."), each once, in the order first named.
std::vector<std::string> functions_named_in(const std::string& messages) {
  const std::string marker = "in function ";
  std::vector<std::string> out;
  for (size_t at = messages.find(marker); at != std::string::npos; at = messages.find(marker, at + 1)) {
    size_t begin = at + marker.size();
    size_t end = messages.find_first_of(" :\n", begin);
    std::string name = messages.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

}  // namespace

Compilation compile(const SourceFile& source, const CompileRequest& request, Diagnostics& diags) {
  Compilation out;
  auto parsed = parse(source, diags);
  if (!parsed) return out;
  out.contract = std::make_unique<ast::Contract>(std::move(*parsed));
  if (request.emit == Emit::ast) {
    out.text = print_ast(source, *out.contract);
    return out;
  }
  out.sources = std::make_unique<Sources>(source);
  // A library compiled on its own finds the libraries beside it first: checking or testing
  // stdlib/split.cvn uses the stdlib/money.cvn of the same tree, not the copy embedded when
  // the compiler was built.
  std::vector<std::filesystem::path> library_dirs = request.library_dirs;
  if (out.contract->header.library) library_dirs.insert(library_dirs.begin(), request.base_dir);
  auto files = link_libraries(*out.contract, *out.sources, request.base_dir, library_dirs, diags);
  if (!files) return out;
  CheckOptions options{request.base_dir, out.sources.get(), std::move(*files)};
  out.checked = check(source, *out.contract, diags, options);
  if (!out.checked || request.emit == Emit::check) return out;
  // A module names an entry in at most vm::kMaxEntryName bytes.
  size_t errors = diags.error_count();
  for (const FunctionInfo& f : out.checked->functions) {
    if (f.is_entry && f.name.size() > vm::kMaxEntryName) {
      diags.report(Diag::too_large, f.decl->name.span,
                   "the name of entry `" + f.name + "` is " + std::to_string(f.name.size()) +
                       " bytes; a module names an entry in at most " +
                       std::to_string(vm::kMaxEntryName),
                   "transactions call entries by name: choose a shorter one");
    }
  }
  if (diags.error_count() > errors) return out;

  auto internal = [&](const std::string& why) {
    diags.report(Diag::internal, out.contract->header.name.span, why,
                 "this is a compiler bug; the contract itself may be fine");
  };
  llvm::LLVMContext context;
  auto generated = generate(*out.checked, context, request.tests);
  if (!generated) {
    internal(generated.error());
    return out;
  }
  if (request.emit == Emit::assembly) {
    auto text = emit_assembly(*generated->module, true);
    if (!text) internal(text.error());
    else out.text = std::move(*text);
    return out;
  }
  auto object = emit_object(*generated->module, true);
  if (!object) {
    // The one backend limit a contract can reach on its own: a function whose values do not
    // fit in its stack frame. Say so in the contract's terms rather than as a compiler bug.
    if (object.error().find("stack limit") != std::string::npos) {
      std::vector<std::string> functions = functions_named_in(object.error());
      if (functions.empty()) functions.push_back("");
      for (const std::string& function : functions) {
        auto [what, at] = owner_of(*out.checked, function);
        diags.report(Diag::too_large, at,
                     what + " needs more than " + std::to_string(kFrameSize) +
                         " bytes of stack for its values",
                     "split it, or use smaller lists (List<T, N> with a smaller N); the values of "
                     "the functions it calls count too when the optimiser merges them into it");
      }
    } else {
      internal(object.error());
    }
    return out;
  }
  if (request.emit == Emit::llvm) {
    llvm::raw_string_ostream os(out.text);
    generated->module->print(os, nullptr);
    return out;
  }
  vm::HostTable hosts = runtime::contract_host_table();
  PackageRequest package_request;
  package_request.entries = generated->entries;
  package_request.loop_bounds = generated->loop_bounds;
  package_request.metadata = module_metadata(*out.sources, *out.checked);
  package_request.hosts = &hosts;
  auto packaged = package(*object, package_request);
  if (!packaged) {
    internal(packaged.error());
    return out;
  }
  out.bytes = vm::encode(packaged->module);
  out.packaged = std::move(*packaged);
  return out;
}

}  // namespace covenant::compiler
