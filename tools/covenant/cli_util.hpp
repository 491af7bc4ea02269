#pragma once
/// \file
/// Small helpers every `covenant` command shares: error lines, files, JSON strings.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ledger/ed25519.hpp"
#include "ledger/storage_error.hpp"
#include "runtime/contract_host.hpp"
#include "tools/covenant/json.hpp"
#include "vm/expected.hpp"

namespace covenant::cli {

/// Prints "covenant COMMAND: MESSAGE" on stderr.
void fail(const std::string& command, const std::string& message);

/// `fail(command, message)`, then `code`: for `return fail_with(...)` in a command.
int fail_with(const std::string& command, const std::string& message, int code);

/// `fail(command, e.describe())`, then the exit code of `storage_exit_code(e)`.
int fail_with(const std::string& command, const ledger::StorageError& e);

/// Writes `bytes` to `path`, replacing it. False when the file cannot be written.
bool write_file(const std::string& path, std::span<const uint8_t> bytes);

/// The wall clock as Unix milliseconds (block times when none is given).
uint64_t now_ms();

/// Unix milliseconds as ISO 8601 UTC, e.g. 2026-11-24T09:30:00.123Z.
std::string iso_time(uint64_t ms);

/// The peak resident memory of this process's address space, KiB (Linux /proc/self/status
/// VmHWM: since the last exec, unlike getrusage, which also counts the image before it);
/// 0 where it cannot be read.
uint64_t peak_resident_kib();

/// The exit code for a ledger or node error: 1 when the ledger refuses or is damaged
/// (`rejected`, `corrupt`), 2 for everything about the input or the machine.
int storage_exit_code(const ledger::StorageError& e);

/// The 32-byte Ed25519 seed in the key file `path` (as `covenant keygen` writes it). Fails
/// with "path: reason".
Expected<ledger::Seed, std::string> read_seed_file(const std::string& path);

/// A public key given as 64 hex digits; "" is the all-zero key. Fails with the reason.
Expected<runtime::CallerKey, std::string> parse_caller(const std::string& text);

}  // namespace covenant::cli
