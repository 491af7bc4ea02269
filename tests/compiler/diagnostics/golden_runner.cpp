/// \file
/// covenant-golden: the golden tests of the compiler's diagnostics. Each case is a contract
/// `DIR/NAME.cvn` and the exact text `covenant check` prints for it on stderr, `DIR/NAME.out`.
///
///   covenant-golden DIR NAME            compile NAME.cvn, compare with NAME.out (exit 1 on a
///                                       difference, printing a line diff)
///   covenant-golden DIR --coverage      fail when a registry id has no golden case
///   covenant-golden DIR --update [NAME] rewrite NAME.out (or every case's) from the compiler
///
/// `COVENANT_UPDATE_GOLDEN=1` in the environment turns a comparison into an update, so that
/// `COVENANT_UPDATE_GOLDEN=1 ctest -R diagnostics/` refreshes every file; nothing is ever
/// rewritten otherwise. The contract is compiled in-process exactly as `covenant check` does
/// (a full build, LLVM included, so that back-end failures surface too) under the source
/// name "diagnostics/NAME.cvn", which keeps absolute paths out of the expected output; CSV
/// tables are looked up in DIR, and `use std.NAME` finds the test libraries of
/// DIR/../libraries (shown as "libraries/NAME.cvn") before the standard library.
///
/// The coverage check exempts the ids of the compiler's own failures (E09xx): no contract
/// should trigger one, and one that does is a bug to fix, not a case to keep.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostics.hpp"
#include "compiler/driver.hpp"

namespace {

namespace fs = std::filesystem;
using covenant::compiler::CompileRequest;
using covenant::compiler::Diagnostics;
using covenant::compiler::Emit;
using covenant::compiler::SourceFile;

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start) + "  (no newline at end)");
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// A line diff (longest common subsequence): " " common, "-" expected only, "+" actual only.
std::string line_diff(const std::string& expected, const std::string& actual) {
  std::vector<std::string> a = split_lines(expected), b = split_lines(actual);
  std::vector<std::vector<uint32_t>> lcs(a.size() + 1, std::vector<uint32_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;)
    for (size_t j = b.size(); j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::string out;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += "- " + a[i++] + "\n";
    } else {
      out += "+ " + b[j++] + "\n";
    }
  }
  return out;
}

// What `covenant check diagnostics/NAME.cvn` prints on stderr.
std::optional<std::string> render_case(const fs::path& dir, const std::string& name) {
  auto text = read_text(dir / (name + ".cvn"));
  if (!text) {
    std::fprintf(stderr, "covenant-golden: cannot read %s\n", (dir / (name + ".cvn")).c_str());
    return std::nullopt;
  }
  SourceFile source("diagnostics/" + name + ".cvn", std::move(*text));
  CompileRequest request;
  request.base_dir = dir;
  request.emit = Emit::module;
  request.library_dirs = {dir / ".." / "libraries"};
  Diagnostics diags;
  covenant::compiler::compile(source, request, diags);
  return covenant::compiler::render_all(source, diags);
}

bool update_requested() {
  const char* env = std::getenv("COVENANT_UPDATE_GOLDEN");
  return env != nullptr && std::string_view(env) == "1";
}

int run_case(const fs::path& dir, const std::string& name, bool update) {
  auto actual = render_case(dir, name);
  if (!actual) return 2;
  fs::path out_path = dir / (name + ".out");
  if (update) {
    if (!write_text(out_path, *actual)) {
      std::fprintf(stderr, "covenant-golden: cannot write %s\n", out_path.c_str());
      return 2;
    }
    std::printf("updated %s\n", out_path.c_str());
    return 0;
  }
  auto expected = read_text(out_path);
  if (!expected) {
    std::printf("FAIL %s: no expected output %s; the compiler prints:\n%s", name.c_str(),
                out_path.c_str(), actual->c_str());
    std::printf("(write it with COVENANT_UPDATE_GOLDEN=1 or `covenant-golden DIR --update %s`)\n",
                name.c_str());
    return 1;
  }
  if (actual->find("error[") == std::string::npos) {
    std::printf("FAIL %s: the contract compiles without an error\n", name.c_str());
    return 1;
  }
  if (*expected != *actual) {
    std::printf("FAIL %s: the diagnostics differ from %s\n--- expected\n+++ actual\n%s", name.c_str(),
                out_path.c_str(), line_diff(*expected, *actual).c_str());
    std::printf("(if the new output is right: COVENANT_UPDATE_GOLDEN=1, or covenant-golden DIR --update %s)\n",
                name.c_str());
    return 1;
  }
  std::printf("PASS %s\n", name.c_str());
  return 0;
}

std::vector<std::string> case_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".cvn") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Every registry id needs a case whose expected output shows `error[ID]`; a case named
// after an id (`E0302_...`) must show that id; every case has its expected output.
int run_coverage(const fs::path& dir) {
  std::set<std::string> shown;
  std::vector<std::string> problems;
  for (const std::string& name : case_names(dir)) {
    auto out = read_text(dir / (name + ".out"));
    if (!out) {
      problems.push_back(name + ".cvn has no " + name + ".out");
      continue;
    }
    for (size_t at = out->find("error["); at != std::string::npos; at = out->find("error[", at + 1)) {
      size_t close = out->find(']', at);
      if (close != std::string::npos) shown.insert(out->substr(at + 6, close - at - 6));
    }
    if (name.size() > 6 && name[0] == 'E' && name[5] == '_' &&
        out->find("error[" + name.substr(0, 5) + "]") == std::string::npos)
      problems.push_back(name + ".out does not show error[" + name.substr(0, 5) + "]");
  }
  std::string missing;
  for (const auto& info : covenant::compiler::all_diagnostics()) {
    if (info.id.starts_with("E09")) continue;
    if (!shown.count(std::string(info.id)))
      missing += (missing.empty() ? "" : ", ") + std::string(info.id);
  }
  if (!missing.empty())
    problems.push_back("no golden case shows these diagnostic ids: " + missing +
                       " (add tests/compiler/diagnostics/<ID>_<name>.cvn and its .out)");
  for (const std::string& p : problems) std::printf("FAIL coverage: %s\n", p.c_str());
  if (!problems.empty()) return 1;
  std::printf("PASS coverage: every diagnostic id a contract can trigger (all but E09xx) has a golden case\n");
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: covenant-golden DIR NAME | DIR --coverage | DIR --update [NAME]\n"
               "  (COVENANT_UPDATE_GOLDEN=1 makes `DIR NAME` rewrite NAME.out)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) return usage();
  fs::path dir = argv[1];
  std::string arg = argv[2];
  if (arg == "--coverage") return argc == 3 ? run_coverage(dir) : usage();
  if (arg == "--update") {
    if (argc == 4) return run_case(dir, argv[3], true);
    int status = 0;
    for (const std::string& name : case_names(dir)) status = std::max(status, run_case(dir, name, true));
    return status;
  }
  if (argc != 3 || arg.starts_with("-")) return usage();
  return run_case(dir, arg, update_requested());
}
