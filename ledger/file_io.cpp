#include "ledger/file_io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace covenant::ledger {

namespace {

StorageError io_error(const std::string& path, const std::string& what, int error) {
  return StorageError::of(error == ENOENT ? StorageError::Code::not_found : StorageError::Code::io,
                          what + ": " + std::strerror(error))
      .in(path);
}

}  // namespace

Expected<File, StorageError> File::open(const std::filesystem::path& path, int flags,
                                        mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return unexpected(io_error(path.string(), "cannot open", errno));
  return File(fd, path.string());
}

File::File(File&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

StorageError File::os_error(const std::string& what, int error) const {
  return io_error(path_, what, error);
}

Expected<uint64_t, StorageError> File::size() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return unexpected(os_error("cannot stat", errno));
  return static_cast<uint64_t>(st.st_size);
}

Expected<void, StorageError> File::read_at(uint64_t offset, std::span<uint8_t> out) const {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                        static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      StorageError e = os_error("cannot read", errno);
      e.offset = offset + done;
      return unexpected(std::move(e));
    }
    if (n == 0) {
      return unexpected(StorageError::of(StorageError::Code::corrupt,
                                         "file ends " + std::to_string(out.size() - done) +
                                             " bytes too early")
                            .in(path_, offset + done));
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Expected<void, StorageError> File::write_at(uint64_t offset, std::span<const uint8_t> first,
                                            std::span<const uint8_t> second) {
  size_t total = first.size() + second.size();
  size_t done = 0;
  while (done < total) {
    iovec iov[2];
    int count = 0;
    if (done < first.size()) {
      iov[count++] = {const_cast<uint8_t*>(first.data()) + done, first.size() - done};
      if (!second.empty()) iov[count++] = {const_cast<uint8_t*>(second.data()), second.size()};
    } else {
      size_t in_second = done - first.size();
      iov[count++] = {const_cast<uint8_t*>(second.data()) + in_second, second.size() - in_second};
    }
    ssize_t n = ::pwritev(fd_, iov, count, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      StorageError e = os_error("cannot write", errno);
      e.offset = offset + done;
      return unexpected(std::move(e));
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Expected<void, StorageError> File::sync_data() {
  if (::fdatasync(fd_) != 0) return unexpected(os_error("fdatasync failed", errno));
  return {};
}

Expected<void, StorageError> File::sync_all() {
  if (::fsync(fd_) != 0) return unexpected(os_error("fsync failed", errno));
  return {};
}

Expected<void, StorageError> sync_directory(const std::filesystem::path& dir) {
  auto d = File::open(dir, O_RDONLY | O_DIRECTORY);
  if (!d) return unexpected(std::move(d).error());
  return d->sync_all();
}

Expected<void, StorageError> write_file_durably(const std::filesystem::path& path,
                                                std::span<const uint8_t> bytes, mode_t mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    auto f = File::open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (!f) return unexpected(std::move(f).error());
    if (auto ok = f->write_at(0, bytes); !ok) return ok;
    if (auto ok = f->sync_data(); !ok) return ok;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return unexpected(io_error(path.string(), "cannot rename " + tmp.string() + " to it", errno));
  }
  return sync_directory(path.parent_path().empty() ? "." : path.parent_path());
}

Expected<std::vector<uint8_t>, StorageError> read_whole_file(const std::filesystem::path& path,
                                                             uint64_t max_size) {
  auto f = File::open(path, O_RDONLY);
  if (!f) return unexpected(std::move(f).error());
  auto size = f->size();
  if (!size) return unexpected(std::move(size).error());
  if (*size > max_size) {
    return unexpected(StorageError::of(StorageError::Code::corrupt,
                                       std::to_string(*size) + " bytes, more than the " +
                                           std::to_string(max_size) + " expected")
                          .in(path.string()));
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(*size));
  if (auto ok = f->read_at(0, bytes); !ok) return unexpected(ok.error());
  return bytes;
}

Expected<DirectoryLock, StorageError> DirectoryLock::acquire(
    const std::filesystem::path& lock_file, bool exclusive) {
  auto f = File::open(lock_file, O_RDWR | O_CREAT, 0644);
  if (!f) return unexpected(std::move(f).error());
  if (::flock(f->fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    int error = errno;
    if (error == EWOULDBLOCK) {
      return unexpected(StorageError::of(StorageError::Code::busy,
                                         "the ledger is in use by another process")
                            .in(lock_file.string()));
    }
    return unexpected(io_error(lock_file.string(), "cannot lock", error));
  }
  return DirectoryLock(std::move(f).value());
}

}  // namespace covenant::ledger
