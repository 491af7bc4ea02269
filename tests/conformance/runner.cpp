/// \file
/// covenant-conformance FILE [--expect pass|asm-reject|verify-reject] [--match-error]
///
/// Runs one `.data` case (data_file.hpp) in-process: assemble, verify and load, run on a
/// Machine, compare r0. Prints one verdict line and exits 0 (pass), 1 (fail) or 77 (skip:
/// the case needs an instruction group this VM does not execute).
///
///   --expect pass           (default) the case must behave as written: r0 equals
///                           `-- result`, or, with an `-- error` section, some stage fails.
///   --expect asm-reject     the assembler must reject the `-- asm` text (absent = empty).
///   --expect verify-reject  the program (asm or raw) must be rejected by the verifier.
///   --match-error           the failure message must contain the `-- error` text
///                           (case-insensitive). For our own cases only: upstream's error
///                           texts are in upstream's words.

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>

#include "tests/conformance/data_file.hpp"
#include "vm/assembler.hpp"
#include "vm/machine.hpp"
#include "vm/raw_word.hpp"

namespace covenant::conformance {
namespace {

enum class Expect : uint8_t { pass, asm_reject, verify_reject };

struct Options {
  std::string path;
  Expect expect = Expect::pass;
  bool match_error = false;
};

constexpr int kPass = 0, kFail = 1, kSkip = 77;

struct Verdict {
  int code = kFail;
  std::string reason;
};

Verdict pass(std::string reason) {
  return {kPass, std::move(reason)};
}
Verdict fail(std::string reason) {
  return {kFail, std::move(reason)};
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Assembles the case's `-- asm` (absent = empty) with line numbers of the file.
Expected<std::vector<vm::RawInsn>, vm::AsmError> assemble_asm(const DataFile& file) {
  if (!file.asm_text) return vm::assemble("");
  return vm::assemble(*file.asm_text, file.asm_first_line);
}

std::string asm_message(const DataFile& file, const vm::AsmError& e) {
  if (!file.asm_text) return "assembler: " + e.reason;
  return "assembler: line " + std::to_string(e.line) + ", column " + std::to_string(e.column) +
         ": " + e.reason;
}

// The program of a case: the assembled `-- asm`, which must equal `-- raw` when both exist,
// or else `-- raw`. An assembler error is a stage failure (`stage_error`); a mismatch or a
// missing program is a harness failure (`verdict`).
struct Code {
  std::vector<vm::RawInsn> slots;
  std::optional<std::string> stage_error;
  std::optional<Verdict> verdict;
};

Code program_of(const DataFile& file) {
  Code code;
  if (file.asm_text) {
    auto assembled = assemble_asm(file);
    if (!assembled) {
      code.stage_error = asm_message(file, assembled.error());
      return code;
    }
    code.slots = std::move(assembled).value();
    if (file.raw && *file.raw != code.slots) {
      size_t i = 0;
      while (i < code.slots.size() && i < file.raw->size() && code.slots[i] == (*file.raw)[i])
        ++i;
      auto word = [](const std::vector<vm::RawInsn>& v, size_t k) {
        return k < v.size() ? hex(vm::to_raw_word(v[k])) : std::string("(none)");
      };
      code.verdict = fail("-- asm and -- raw differ at slot " + std::to_string(i) + ": assembled " +
                          word(code.slots, i) + ", raw " + word(*file.raw, i));
    }
    return code;
  }
  if (file.raw) {
    code.slots = *file.raw;
    return code;
  }
  code.verdict = fail("no program: the file has neither '-- asm' nor '-- raw'");
  return code;
}

// The first instruction of a group this VM does not execute, if any.
std::optional<vm::Group> unsupported_group(const std::vector<vm::RawInsn>& code) {
  for (size_t pc = 0; pc < code.size(); ++pc) {
    auto op = vm::identify(code[pc]);
    if (!op) continue;
    if (!vm::group_supported(vm::info(*op).group)) return vm::info(*op).group;
    if (*op == vm::Op::lddw) ++pc;  // its second slot is data
  }
  return std::nullopt;
}

// Limits of a conformance run (bpf_conformance: r1 = writable copy of mem, a 512-byte stack),
// overridden by the case's `-- limits` section.
std::optional<std::string> apply_limits(const DataFile& file, vm::Limits& limits) {
  limits.gas = 1'000'000;
  limits.frame_size = 512;
  limits.writable_input = true;
  for (const auto& [key, text] : file.limits) {
    uint64_t value = 0;
    if (text == "true" || text == "false") {
      value = text == "true";
    } else {
      bool is_hex = text.starts_with("0x");
      const char* first = text.data() + (is_hex ? 2 : 0);
      const char* last = text.data() + text.size();
      auto [end, ec] = std::from_chars(first, last, value, is_hex ? 16 : 10);
      if (ec != std::errc() || end != last || first == last)
        return "limit " + key + ": malformed value '" + text + "'";
    }
    if (key != "gas" && value > UINT32_MAX)
      return "limit " + key + ": " + text + " does not fit in 32 bits";
    if (key == "gas")
      limits.gas = value;
    else if (key == "max_call_depth")
      limits.max_call_depth = static_cast<uint32_t>(value);
    else if (key == "frame_size")
      limits.frame_size = static_cast<uint32_t>(value);
    else if (key == "heap_size")
      limits.heap_size = static_cast<uint32_t>(value);
    else if (key == "output_size")
      limits.output_size = static_cast<uint32_t>(value);
    else if (key == "writable_input")
      limits.writable_input = value != 0;
    else
      return "unknown limit '" + key + "'";
  }
  return std::nullopt;
}

Verdict expect_asm_reject(const DataFile& file) {
  auto assembled = assemble_asm(file);
  if (assembled)
    return fail("the assembler accepted it (" + std::to_string(assembled->size()) + " slots)");
  if (assembled.error().reason.empty()) return fail("the assembler rejected it without a reason");
  return pass("rejected by the " + asm_message(file, assembled.error()));
}

Verdict expect_verify_reject(const DataFile& file) {
  Code code = program_of(file);
  if (code.verdict) return *code.verdict;
  if (code.stage_error) return fail("expected a verifier rejection, but the " + *code.stage_error);
  auto program = vm::Program::load(code.slots);
  if (program) return fail("the verifier accepted it");
  return pass("rejected by the verifier: pc " + std::to_string(program.error().pc) + ": " +
              program.error().reason);
}

Verdict expect_pass(const DataFile& file, bool match_error) {
  const bool expects_error = file.error.has_value();
  // A stage failed with `message`: right if the case expects an error (whose text, for our
  // own cases, the message must contain), wrong otherwise.
  auto stage_failed = [&](const std::string& message) {
    if (!expects_error) return fail(message);
    if (match_error && !file.error->empty() &&
        lower(message).find(lower(*file.error)) == std::string::npos)
      return fail("failed as expected, but with '" + message + "', which does not contain '" +
                  *file.error + "'");
    return pass("failed as expected: " + message);
  };

  Code code = program_of(file);
  if (code.verdict) return *code.verdict;
  if (code.stage_error) return stage_failed(*code.stage_error);
  // A case that expects an error runs anyway: rejecting the unsupported group is its point.
  if (!expects_error) {
    if (auto group = unsupported_group(code.slots))
      return {kSkip, "needs group " + std::string(vm::group_name(*group))};
  }

  vm::Limits limits;
  if (auto bad = apply_limits(file, limits)) return fail(*bad);
  auto program = vm::Program::load(code.slots);
  if (!program)
    return stage_failed("verifier: pc " + std::to_string(program.error().pc) + ": " +
                        program.error().reason);
  vm::Machine machine;
  vm::Outcome outcome = machine.run(*program, 0, file.mem, limits);
  if (outcome.fault) return stage_failed("fault: " + vm::describe(*outcome.fault));

  if (expects_error)
    return fail("expected an error" +
                (file.error->empty() ? std::string() : " ('" + *file.error + "')") +
                " but the program returned r0 = " + hex(outcome.r0));
  if (!file.result)
    return fail("the program returned r0 = " + hex(outcome.r0) +
                " but the file has no '-- result'");
  if (outcome.r0 != *file.result)
    return fail("r0 = " + hex(outcome.r0) + ", expected " + hex(*file.result));
  return pass("r0 = " + hex(outcome.r0) + " (gas " + std::to_string(outcome.gas_used) + ")");
}

int usage() {
  std::fprintf(stderr,
               "usage: covenant-conformance FILE [--expect pass|asm-reject|verify-reject] "
               "[--match-error]\n");
  return 2;
}

}  // namespace
}  // namespace covenant::conformance

int main(int argc, char** argv) {
  using namespace covenant::conformance;
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--match-error") {
      options.match_error = true;
    } else if (arg == "--expect" && i + 1 < argc) {
      std::string_view what = argv[++i];
      if (what == "pass")
        options.expect = Expect::pass;
      else if (what == "asm-reject")
        options.expect = Expect::asm_reject;
      else if (what == "verify-reject")
        options.expect = Expect::verify_reject;
      else
        return usage();
    } else if (!arg.starts_with("--") && options.path.empty()) {
      options.path = arg;
    } else {
      return usage();
    }
  }
  if (options.path.empty()) return usage();

  Verdict verdict;
  auto file = read_data_file(options.path);
  if (!file) {
    verdict = fail(file.error());
  } else {
    switch (options.expect) {
      case Expect::pass:
        verdict = expect_pass(*file, options.match_error);
        break;
      case Expect::asm_reject:
        verdict = expect_asm_reject(*file);
        break;
      case Expect::verify_reject:
        verdict = expect_verify_reject(*file);
        break;
    }
  }
  const char* label = verdict.code == kPass ? "PASS" : verdict.code == kSkip ? "SKIP" : "FAIL";
  std::printf("%s: %s  [%s]\n", label, verdict.reason.c_str(), options.path.c_str());
  return verdict.code;
}
