#include "compiler/driver.hpp"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>
#include <openssl/evp.h>

#include "compiler/abi.hpp"
#include "compiler/backend.hpp"
#include "compiler/codegen/codegen.hpp"
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
// source, its interface, and what each denial means.
std::vector<std::pair<std::string, std::string>> module_metadata(const SourceFile& source,
                                                                 const Checked& checked) {
  std::vector<std::pair<std::string, std::string>> meta = {
      {"abi", abi_json(checked)},
      {"compiler", kCompilerVersion},
      {"contract", checked.name},
      {"contract_version", std::to_string(checked.version)},
      {"source", std::filesystem::path(source.name()).filename().string()},
      {"source_sha256", sha256_hex(source.text())},
  };
  for (size_t i = 0; i < checked.denies.size(); ++i) {
    const DenyInfo& d = checked.denies[i];
    LineCol lc = source.line_col(d.span.begin);
    std::string value = std::to_string(lc.line) + ":" + std::to_string(lc.column) + " " + d.reason;
    if (d.code) value = std::to_string(*d.code) + " " + value;
    meta.push_back({"deny." + std::to_string(i + 1), value});
  }
  return meta;
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
  out.checked = check(source, *out.contract, diags, CheckOptions{request.base_dir});
  if (!out.checked || request.emit == Emit::check) return out;

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
      diags.report(Diag::too_large, out.contract->header.name.span,
                   "a function of this contract needs more than " + std::to_string(kFrameSize) +
                       " bytes of stack for its values",
                   "split large functions, or use smaller lists (List<T, N> with a smaller N)");
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
  package_request.metadata = module_metadata(source, *out.checked);
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
