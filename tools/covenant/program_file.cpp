#include "tools/covenant/program_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "vm/assembler.hpp"

namespace covenant::cli {

Expected<std::vector<uint8_t>, std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(path + ": " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return unexpected(path + ": read error");
  return bytes;
}

Expected<ProgramFile, std::string> read_program(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return unexpected(bytes.error());
  ProgramFile file;
  bool has_magic = bytes->size() >= vm::kModuleMagic.size() &&
                   std::equal(vm::kModuleMagic.begin(), vm::kModuleMagic.end(), bytes->begin());
  if (has_magic || path.ends_with(".cvm")) {
    auto module = vm::decode(*bytes);
    if (!module) return unexpected(path + ": " + vm::describe(module.error()));
    file.module = std::move(module).value();
    file.was_module = true;
    return file;
  }
  if (path.ends_with(".s") || path.ends_with(".asm")) {
    std::string text(bytes->begin(), bytes->end());
    auto code = vm::assemble(text);
    if (!code) return unexpected(path + ":" + vm::to_string(code.error()));
    file.module.code = std::move(code).value();
  } else {
    if (bytes->size() % vm::kSlotSize != 0)
      return unexpected(path + ": raw code length " + std::to_string(bytes->size()) +
                        " is not a multiple of 8 bytes");
    for (size_t i = 0; i < bytes->size(); i += vm::kSlotSize)
      file.module.code.push_back(vm::RawInsn::decode(bytes->data() + i));
  }
  file.module.entries.push_back({"main", 0, 0, 0});
  return file;
}

}  // namespace covenant::cli
