#include "compiler/libraries.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "compiler/std_library.hpp"
#include "compiler/syntax/parse.hpp"

namespace covenant::compiler {
namespace {

// A library file found for a `use`.
struct Found {
  std::string name;           // what diagnostics call it: "stdlib/money.cvn"
  std::string text;
  std::filesystem::path dir;  // its directory, for a file found on disk
  bool embedded = false;
};

// "libs/money.cvn" for `money` in directory `.../libs`: the directory's own name and the
// file name, never a whole path, so that diagnostics and module metadata do not depend on
// where the tree is.
std::string display_name(const std::filesystem::path& dir, const std::string& file) {
  std::filesystem::path d = dir.lexically_normal();
  if (d.filename().empty()) d = d.parent_path();
  std::string last = d.filename().string();
  return last.empty() ? file : last + "/" + file;
}

std::optional<Found> find_library(const std::string& name,
                                  std::span<const std::filesystem::path> dirs) {
  const std::string file = name + ".cvn";
  for (const std::filesystem::path& dir : dirs) {
    std::ifstream in(dir / file, std::ios::binary);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    return Found{display_name(dir, file), text.str(), dir, false};
  }
  if (auto text = std_library_file(file)) return Found{"stdlib/" + file, std::string(*text), {}, true};
  return std::nullopt;
}

// Every library name that `use` can find, for the hint of E0503.
std::string known_libraries(std::span<const std::filesystem::path> dirs) {
  std::map<std::string, bool> names;
  for (const EmbeddedFile& f : std_library_files())
    if (f.name.ends_with(".cvn")) names[std::string(f.name.substr(0, f.name.size() - 4))] = true;
  for (const std::filesystem::path& dir : dirs) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().extension() == ".cvn") names[e.path().stem().string()] = true;
  }
  std::string out;
  for (const auto& [n, unused] : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

class Linker {
 public:
  Linker(Sources& sources, std::span<const std::filesystem::path> dirs, Diagnostics& diags)
      : sources_(sources), dirs_(dirs), diags_(diags) {}

  std::optional<std::vector<FileInfo>> run(ast::Contract& root, const std::filesystem::path& base_dir) {
    size_t errors = diags_.error_count();
    files_.push_back(FileInfo{root.header.library ? root.header.name.name : "", base_dir, false, {}});
    parsed_.emplace_back();  // the root is not owned here
    state_.push_back(State::active);
    if (root.header.library) {
      by_name_[root.header.name.name] = 0;
      no_settings(root.header);
    }
    path_.push_back(0);
    visit(0, root);
    // A library's settings are refused but change nothing: the checker goes on.
    if (diags_.error_count() > errors + settings_errors_) return std::nullopt;

    std::vector<ast::Decl> decls;
    for (uint32_t index : order_) {
      for (ast::Decl& d : parsed_[index]->decls)
        if (!std::holds_alternative<ast::TestDecl>(d)) decls.push_back(std::move(d));
    }
    for (ast::Decl& d : root.decls) decls.push_back(std::move(d));
    root.decls = std::move(decls);
    return std::move(files_);
  }

 private:
  enum class State { active, done };

  // A library is checked in the settings of the contract that uses it (a library compiled
  // on its own in fixed ones), so it cannot have its own.
  void no_settings(const ast::Header& h) {
    for (const std::optional<ast::Ident>* setting : {&h.currency, &h.rounding}) {
      if (!*setting) continue;
      ++settings_errors_;
      diags_.report(Diag::library_declaration, (*setting)->span,
                    "library " + h.name.name + " sets `" + (setting == &h.currency ? "currency" : "rounding") +
                        "`; a library has no settings",
                    "a library is checked in the currency and rounding of the contract that uses it");
    }
  }

  // Resolves the uses of file `index` (parsed as `file`), depth first.
  void visit(uint32_t index, const ast::Contract& file) {
    for (const ast::UseDecl& use : file.uses) {
      const std::string& name = use.library.name;
      auto known = by_name_.find(name);
      uint32_t target = 0;
      if (known != by_name_.end()) {
        target = known->second;
        if (state_[target] == State::active) {
          // `target` is on the path of files being visited: name the cycle from it.
          std::string chain;
          bool on = false;
          for (uint32_t i : path_) {
            on |= i == target;
            if (on) chain += files_[i].library + " uses ";
          }
          diags_.report(Diag::use_cycle, use.span, "libraries use each other: " + chain + name,
                        "move what they share into a library that they both use");
          continue;
        }
      } else {
        auto found = load(use);
        if (!found) continue;
        target = *found;
      }
      files_[index].imports.push_back(Import{target, use.names, use.span});
    }
    state_[index] = State::done;
    if (index != 0) order_.push_back(index);
  }

  // Reads, parses and visits the library `use` names; its file index, or nullopt after
  // reporting why it cannot be used.
  std::optional<uint32_t> load(const ast::UseDecl& use) {
    const std::string& name = use.library.name;
    auto found = find_library(name, dirs_);
    if (!found) {
      std::string known = known_libraries(dirs_);
      diags_.report(Diag::library_not_found, use.library.span, "there is no library `std." + name + "`",
                    known.empty() ? "no library is installed" : "the libraries: " + known);
      return std::nullopt;
    }
    auto file = sources_.add(found->name, std::move(found->text));
    if (!file) {
      diags_.report(Diag::too_large, use.span, "the contract and its libraries are larger than 4 GiB");
      return std::nullopt;
    }
    diags_.add_source(file);
    uint32_t index = file->index();
    by_name_[name] = index;
    files_.push_back(FileInfo{name, found->dir, found->embedded, {}});
    state_.push_back(State::active);
    parsed_.emplace_back();
    auto parsed = parse(*file, diags_);
    if (!parsed) {
      state_[index] = State::done;
      return index;
    }
    const ast::Header& h = parsed->header;
    if (!h.library || h.name.name != name) {
      diags_.report(Diag::library_not_found, use.library.span,
                    "`" + file->name() + "` is not library `" + name + "`: it starts with `" +
                        (h.library ? "library " + h.name.name : "contract " + h.name.name) + "`",
                    "a library file starts with `library " + name + "`");
      state_[index] = State::done;
      return index;
    }
    no_settings(h);
    parsed_[index] = std::make_unique<ast::Contract>(std::move(*parsed));
    path_.push_back(index);
    visit(index, *parsed_[index]);
    path_.pop_back();
    return index;
  }

  Sources& sources_;
  std::span<const std::filesystem::path> dirs_;
  Diagnostics& diags_;
  std::vector<FileInfo> files_;                          // by file index
  std::vector<std::unique_ptr<ast::Contract>> parsed_;   // by file index (null: root, or failed)
  std::vector<State> state_;                             // by file index
  std::map<std::string, uint32_t> by_name_;              // library name -> file index
  std::vector<uint32_t> order_;                          // libraries, each after those it uses
  std::vector<uint32_t> path_;                           // files being visited, outermost first
  size_t settings_errors_ = 0;                           // E0408 for a library's settings
};

}  // namespace

std::optional<std::vector<FileInfo>> link_libraries(ast::Contract& contract, Sources& sources,
                                                    const std::filesystem::path& base_dir,
                                                    std::span<const std::filesystem::path> library_dirs,
                                                    Diagnostics& diags) {
  return Linker(sources, library_dirs, diags).run(contract, base_dir);
}

}  // namespace covenant::compiler
