#pragma once
/// \file
/// Small helpers every `covenant` command shares: error lines, files, JSON strings.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tools/covenant/json.hpp"

namespace covenant::cli {

/// Prints "covenant COMMAND: MESSAGE" on stderr.
void fail(const std::string& command, const std::string& message);

/// Writes `bytes` to `path`, replacing it. False when the file cannot be written.
bool write_file(const std::string& path, std::span<const uint8_t> bytes);

}  // namespace covenant::cli
