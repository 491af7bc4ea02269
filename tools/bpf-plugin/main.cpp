// covenant-bpf-plugin: the bpf_conformance plugin protocol.
//
//   stdin:  the program as one line of hex bytes
//   argv:   [--gas N] [MEMORY_HEX]   (memory: input bytes; r1 = a writable copy, r2 = length)
//   stdout: r0 in hex; exit 0
//   on any rejection or fault (including running out of the default gas): the reason on
//   stderr and a non-zero exit.

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "vm/hex.hpp"
#include "vm/machine.hpp"

using namespace covenant;
using namespace covenant::vm;

int main(int argc, char** argv) {
  Limits limits;
  limits.gas = 100'000'000;
  limits.writable_input = true;
  std::string memory_hex;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--gas" && i + 1 < argc) {
      char* end = nullptr;
      errno = 0;
      limits.gas = std::strtoull(argv[++i], &end, 10);
      if (*argv[i] == '\0' || *argv[i] == '-' || *end != '\0' || errno != 0) {
        std::fprintf(stderr, "--gas: '%s' is not a gas amount\n", argv[i]);
        return 2;
      }
    } else if (arg.starts_with("--")) {
      continue;  // engine options meant for other plugins (e.g. --interpret, --jit)
    } else {
      memory_hex += arg;
    }
  }

  std::string program_hex, line;
  while (std::getline(std::cin, line)) program_hex += line + " ";
  auto program_bytes = parse_hex(program_hex);
  if (!program_bytes) {
    std::fprintf(stderr, "program is not valid hex\n");
    return 2;
  }
  auto memory = parse_hex(memory_hex);
  if (!memory) {
    std::fprintf(stderr, "memory is not valid hex\n");
    return 2;
  }

  auto program = Program::load_bytes(*program_bytes);
  if (!program) {
    std::fprintf(stderr, "rejected at slot %u: %s\n", program.error().pc,
                 program.error().reason.c_str());
    return 1;
  }
  Machine machine;
  Outcome outcome = machine.run(*program, 0, *memory, limits);
  if (!outcome.ok()) {
    std::fprintf(stderr, "%s\n", describe(*outcome.fault).c_str());
    return 1;
  }
  std::printf("%llx\n", static_cast<unsigned long long>(outcome.r0));
  return 0;
}
