// The byte streams behind every claims reader (claims/readers.hpp): a file read with POSIX
// read(2), standard input, a gzip file inflated as it is read, and memory.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "claims/readers.hpp"

namespace covenant::claims {

namespace {

std::string os_error(int err) { return std::strerror(err); }

/// A file descriptor read in order; owns it unless it is standard input.
class FileStream final : public ByteStream {
 public:
  FileStream(int fd, bool owned, uint64_t size, std::string name)
      : fd_(fd), owned_(owned), size_(size), name_(std::move(name)) {}
  ~FileStream() override {
    if (owned_) ::close(fd_);
  }
  FileStream(const FileStream&) = delete;
  FileStream& operator=(const FileStream&) = delete;

  Expected<size_t, std::string> read(uint8_t* out, size_t size) override {
    for (;;) {
      ssize_t n = ::read(fd_, out, size);
      if (n >= 0) {
        position_ += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
      }
      if (errno != EINTR) return unexpected("cannot read " + name_ + ": " + os_error(errno));
    }
  }
  uint64_t position() const override { return position_; }
  uint64_t size() const override { return size_; }
  const std::string& name() const override { return name_; }

 private:
  int fd_;
  bool owned_;
  uint64_t size_;
  uint64_t position_ = 0;
  std::string name_;
};

/// A gzip file (RFC 1952), inflated as it is read. Several members one after another (what
/// `cat a.gz b.gz` makes) are one stream, as gunzip reads them; anything else after a member,
/// or a member cut short, is a corrupt stream.
class GzipStream final : public ByteStream {
 public:
  explicit GzipStream(std::unique_ptr<ByteStream> file) : file_(std::move(file)), in_(kChunk) {
    std::memset(&z_, 0, sizeof z_);
    // 16 + MAX_WBITS: gzip framing only (a raw zlib stream is not a .gz file).
    ok_ = inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK;
  }
  ~GzipStream() override {
    if (ok_) inflateEnd(&z_);
  }
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  Expected<size_t, std::string> read(uint8_t* out, size_t size) override {
    if (!ok_) return unexpected(name() + ": cannot start zlib");
    if (failed_) return unexpected(*failed_);
    const auto want = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    z_.next_out = out;
    z_.avail_out = want;
    // Until some bytes come out: a member's header or trailer alone gives none.
    while (z_.avail_out == want && want > 0) {
      if (z_.avail_in == 0) {
        if (eof_) {
          if (in_member_) return fail("truncated gzip stream");
          if (!started_) return fail("not a gzip stream: the file is empty");
          break;
        }
        auto n = file_->read(in_.data(), in_.size());
        if (!n) return fail_with(std::move(n).error());
        if (*n == 0) {
          eof_ = true;
          continue;
        }
        z_.next_in = in_.data();
        z_.avail_in = static_cast<uInt>(*n);
      }
      if (!in_member_) {
        if (inflateReset(&z_) != Z_OK) return fail("cannot reset zlib");
        in_member_ = started_ = true;
      }
      int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return fail(std::string("corrupt gzip stream (") + (z_.msg != nullptr ? z_.msg : "zlib error") + ")");
      }
    }
    return static_cast<size_t>(want - z_.avail_out);
  }
  uint64_t position() const override { return file_->position(); }
  uint64_t size() const override { return file_->size(); }
  const std::string& name() const override { return file_->name(); }

 private:
  static constexpr size_t kChunk = 1 << 16;

  Expected<size_t, std::string> fail(const std::string& why) { return fail_with(name() + ": " + why); }
  Expected<size_t, std::string> fail_with(std::string message) {
    failed_ = message;
    return unexpected(std::move(message));
  }

  std::unique_ptr<ByteStream> file_;
  std::vector<uint8_t> in_;
  z_stream z_;
  bool ok_ = false;
  bool eof_ = false;
  // Between members (or before the first): the input so far is whole.
  bool in_member_ = false;
  bool started_ = false;
  std::optional<std::string> failed_;
};

class MemoryStream final : public ByteStream {
 public:
  MemoryStream(std::vector<uint8_t> bytes, std::string name) : bytes_(std::move(bytes)), name_(std::move(name)) {}
  Expected<size_t, std::string> read(uint8_t* out, size_t size) override {
    size_t n = std::min(size, bytes_.size() - position_);
    if (n > 0) std::memcpy(out, bytes_.data() + position_, n);
    position_ += n;
    return n;
  }
  uint64_t position() const override { return position_; }
  uint64_t size() const override { return bytes_.size(); }
  const std::string& name() const override { return name_; }

 private:
  std::vector<uint8_t> bytes_;
  size_t position_ = 0;
  std::string name_;
};

}  // namespace

Expected<std::unique_ptr<ByteStream>, std::string> open_stream(const std::filesystem::path& path) {
  if (path == "-") return std::unique_ptr<ByteStream>(new FileStream(STDIN_FILENO, false, 0, "<stdin>"));
  std::string name = path.string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected("cannot open " + name + ": " + os_error(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return unexpected("cannot open " + name + ": " + os_error(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return unexpected("cannot open " + name + ": it is a directory");
  }
  // A pipe or a device has no size to show progress against.
  uint64_t size = S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
  std::unique_ptr<ByteStream> file(new FileStream(fd, true, size, name));
  if (path.extension() == ".gz") return std::unique_ptr<ByteStream>(new GzipStream(std::move(file)));
  return file;
}

std::unique_ptr<ByteStream> memory_stream(std::vector<uint8_t> bytes, std::string name) {
  return std::make_unique<MemoryStream>(std::move(bytes), std::move(name));
}

}  // namespace covenant::claims
