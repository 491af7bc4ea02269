#include "tools/covenant/cli_util.hpp"

#include <ctime>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "tools/covenant/program_file.hpp"
#include "vm/hex.hpp"

namespace covenant::cli {

void fail(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "covenant %s: %s\n", command.c_str(), message.c_str());
}

bool write_file(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

int storage_exit_code(const ledger::StorageError& e) {
  return e.code == ledger::StorageError::Code::corrupt ||
                 e.code == ledger::StorageError::Code::rejected
             ? 1
             : 2;
}

Expected<ledger::Seed, std::string> read_seed_file(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return unexpected(bytes.error());
  ledger::Seed seed{};
  if (bytes->size() != seed.size())
    return unexpected(path + ": " + std::to_string(bytes->size()) +
                      " bytes, expected a 32-byte Ed25519 seed");
  std::copy(bytes->begin(), bytes->end(), seed.begin());
  return seed;
}

Expected<runtime::CallerKey, std::string> parse_caller(const std::string& text) {
  runtime::CallerKey key{};
  if (text.empty()) return key;
  auto bytes = parse_hex(text);
  if (!bytes || bytes->size() != key.size())
    return unexpected("expected a public key of 64 hex digits, got \"" + text + "\"");
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

uint64_t peak_resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return 0;
}

int fail_with(const std::string& command, const std::string& message, int code) {
  fail(command, message);
  return code;
}

int fail_with(const std::string& command, const ledger::StorageError& e) {
  return fail_with(command, e.describe(), storage_exit_code(e));
}

std::string iso_time(uint64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(ms % 1000));
  return buf;
}

}  // namespace covenant::cli
