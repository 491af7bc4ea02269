#include "tools/covenant/cli_util.hpp"

#include <cstdio>
#include <fstream>

namespace covenant::cli {

void fail(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "covenant %s: %s\n", command.c_str(), message.c_str());
}

bool write_file(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace covenant::cli
