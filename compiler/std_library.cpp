#include "compiler/std_library.hpp"

namespace covenant::compiler {

std::optional<std::string_view> std_library_file(std::string_view name) {
  for (const EmbeddedFile& f : std_library_files())
    if (f.name == name)
      return std::string_view(reinterpret_cast<const char*>(f.bytes.data()), f.bytes.size());
  return std::nullopt;
}

}  // namespace covenant::compiler
