// libFuzzer target for the contract parser and the compiler behind it. Any bytes either parse
// to a contract, whose dump is deterministic, or yield at least one syntax diagnostic whose span
// lies inside the text; parsing never throws, crashes or recurses without bound. A contract
// that parses goes through the semantic passes, and one that passes them through the whole
// compiler (which links the standard library it `use`s): the result is always either a module
// or diagnostics, never both, never neither, and every diagnostic lies in a file compiled.
// Violations trap, so libFuzzer (and the replay) report them as crashes.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "compiler/diagnostics.hpp"
#include "compiler/driver.hpp"
#include "compiler/sema/checked.hpp"
#include "compiler/source.hpp"
#include "compiler/syntax/parse.hpp"
#include "compiler/syntax/print.hpp"

namespace {

#define PARSER_FUZZ_CHECK(cond)                                                                \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "parser_fuzz: invariant failed: %s (%s:%d)\n", #cond, __FILE__,     \
                   __LINE__);                                                                  \
      __builtin_trap();                                                                        \
    }                                                                                          \
  } while (0)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covenant::compiler;
  SourceFile source("fuzz.cvn", std::string(reinterpret_cast<const char*>(data), size));
  Diagnostics diags;
  auto contract = parse(source, diags);
  PARSER_FUZZ_CHECK(contract.has_value() != diags.has_errors());
  for (const Diagnostic& d : diags.all()) {
    PARSER_FUZZ_CHECK(d.span.begin <= d.span.end && d.span.end <= size);
    PARSER_FUZZ_CHECK(!d.message.empty() && d.message.find('\n') == std::string::npos);
    PARSER_FUZZ_CHECK(render(source, d).size() > d.message.size());
  }
  if (contract) {
    std::string dump = print_ast(source, *contract);
    Diagnostics again_diags;
    auto again = parse(source, again_diags);
    PARSER_FUZZ_CHECK(again.has_value() && print_ast(source, *again) == dump);

    Diagnostics check_diags;
    auto checked = check(source, *contract, check_diags, CheckOptions{});
    PARSER_FUZZ_CHECK(checked.has_value() != check_diags.has_errors());
    for (const Diagnostic& d : check_diags.all()) PARSER_FUZZ_CHECK(d.span.end <= size);
    if (checked) {
      // Rare for mutated input, and the only path that reaches LLVM and the packager.
      Diagnostics build_diags;
      Compilation built = compile(source, CompileRequest{}, build_diags);
      PARSER_FUZZ_CHECK(built.bytes.empty() == build_diags.has_errors());
      for (const Diagnostic& d : build_diags.all())
        PARSER_FUZZ_CHECK(built.sources && built.sources->file_of(d.span.begin).contains(d.span.begin));
    }
  }
  return 0;
}
