#pragma once
/// \file
/// Small helpers every `covenant` command shares: error lines, files, JSON strings.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace covenant::cli {

/// Prints "covenant COMMAND: MESSAGE" on stderr.
void fail(const std::string& command, const std::string& message);

/// Writes `bytes` to `path`, replacing it. False when the file cannot be written.
bool write_file(const std::string& path, std::span<const uint8_t> bytes);

/// `text` as a JSON string literal, quotes included (control characters escaped).
std::string json_string(std::string_view text);

}  // namespace covenant::cli
