#pragma once
/// \file
/// The POSIX file operations the ledger's storage needs, with every failure as a
/// `StorageError` naming the file: an owned descriptor with exact positional reads and
/// writes, fdatasync, durable whole-file writes, directory syncs and an advisory directory
/// lock. Linux semantics (fdatasync, flock).

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "ledger/storage_error.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// An open file descriptor, closed when the `File` is destroyed. Move-only.
class File {
 public:
  /// Opens `path` with open(2) `flags` (O_CLOEXEC is added) and `mode` for O_CREAT. Fails
  /// with `not_found` if it does not exist (without O_CREAT), `io` otherwise.
  static Expected<File, StorageError> open(const std::filesystem::path& path, int flags,
                                           mode_t mode = 0644);

  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  /// The path it was opened with (for messages).
  const std::string& path() const { return path_; }

  /// The file size in bytes (fstat). Fails with `io`.
  Expected<uint64_t, StorageError> size() const;

  /// Reads exactly out.size() bytes at `offset`. Fails with `corrupt` if the file ends first
  /// (naming the offset), `io` on a read error.
  Expected<void, StorageError> read_at(uint64_t offset, std::span<uint8_t> out) const;

  /// Writes `first` then `second` contiguously at `offset` (one pwritev, repeated until all
  /// is written). Fails with `io`; some bytes may then have been written.
  Expected<void, StorageError> write_at(uint64_t offset, std::span<const uint8_t> first,
                                        std::span<const uint8_t> second = {});

  /// fdatasync(2): the written data (and the metadata needed to read it) is on stable
  /// storage when this returns. Fails with `io`.
  Expected<void, StorageError> sync_data();

  /// fsync(2): data and all metadata (used for directories). Fails with `io`.
  Expected<void, StorageError> sync_all();

 private:
  friend class DirectoryLock;  // flock on the descriptor
  File(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  StorageError os_error(const std::string& what, int error) const;

  int fd_ = -1;
  std::string path_;
};

/// fsync(2) of a directory, so that files created, renamed or removed in it persist. Fails
/// with `io`.
Expected<void, StorageError> sync_directory(const std::filesystem::path& dir);

/// Replaces `path` with `bytes` durably: writes `path`.tmp with `mode`, fdatasyncs it,
/// renames it over `path` and syncs the directory. After a crash, `path` holds either its
/// old contents or all of `bytes`. Fails with `io`.
Expected<void, StorageError> write_file_durably(const std::filesystem::path& path,
                                                std::span<const uint8_t> bytes, mode_t mode);

/// The whole contents of `path`, at most `max_size` bytes. Fails with `not_found`, `io`, or
/// `corrupt` if the file is larger than `max_size`.
Expected<std::vector<uint8_t>, StorageError> read_whole_file(const std::filesystem::path& path,
                                                             uint64_t max_size);

/// An advisory lock (flock(2)) on a lock file, held until destroyed: exclusive for a writer,
/// shared for readers. Never waits.
class DirectoryLock {
 public:
  /// Creates `lock_file` if needed and locks it. Fails with `busy` if another process holds
  /// a conflicting lock, `io` otherwise.
  static Expected<DirectoryLock, StorageError> acquire(const std::filesystem::path& lock_file,
                                                       bool exclusive);

 private:
  explicit DirectoryLock(File file) : file_(std::move(file)) {}
  File file_;  // closing the descriptor releases the lock
};

}  // namespace covenant::ledger
