#pragma once
/// \file
/// The simulator's scratch files. Claims are first spread over partition files by member
/// (so that each partition holds whole members and can be adjudicated alone, in bounded
/// memory), then each partition's results are written in input order to a result file, and
/// the result files are merged back into input order. Records are framed as a LEB128 length
/// and a body; integers inside are LEB128 (signed ones zigzag), strings length-prefixed.
/// The files are the simulator's own, written and read by one run, never kept.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "claims/claim.hpp"
#include "vm/expected.hpp"

namespace covenant::simulate {

/// A record as a partition holds it.
struct SpilledRecord {
  enum class Kind : uint8_t { claim = 1, call = 2 };
  Kind kind = Kind::claim;
  uint64_t seq = 0;          ///< Position in the input among claims and calls.
  int64_t today = 0;         ///< The date a call runs at (the latest received date before it).
  std::string_view member;   ///< Points into the partition's bytes.
  std::span<const uint8_t> body;  ///< The claim or call, for `decode_claim` / `decode_call`.
};

/// Appends a framed claim record to `out`.
void append_claim(uint64_t seq, const claims::Claim& claim, std::string& out);
/// Appends a framed call record to `out`.
void append_call(uint64_t seq, int64_t today, const claims::Call& call, std::string& out);

/// Splits a partition's bytes into records, in file order. Fails on a truncated or
/// malformed frame (a scratch file damaged while the run was using it).
Expected<std::vector<SpilledRecord>, std::string> split_records(std::span<const uint8_t> bytes);

/// Decodes a claim record's body into `out` (reusing its storage).
Expected<void, std::string> decode_claim(std::span<const uint8_t> body, claims::Claim& out);
/// Decodes a call record's body into `out`.
Expected<void, std::string> decode_call(std::span<const uint8_t> body, claims::Call& out);

/// An append-only scratch file with its own buffer.
class SpillWriter {
 public:
  /// Creates (truncating) `path`. Fails naming it.
  static Expected<SpillWriter, std::string> create(const std::filesystem::path& path);
  SpillWriter(SpillWriter&& o) noexcept;
  SpillWriter& operator=(SpillWriter&& o) noexcept;
  SpillWriter(const SpillWriter&) = delete;
  SpillWriter& operator=(const SpillWriter&) = delete;
  ~SpillWriter();

  /// The buffer to append records to; `maybe_flush` writes it out once it is large.
  std::string& buffer() { return buffer_; }
  /// Writes the buffer when it holds more than `threshold` bytes. Fails on an I/O error.
  Expected<void, std::string> maybe_flush(size_t threshold = 32 * 1024);
  /// Writes everything and closes the file. Fails on an I/O error.
  Expected<void, std::string> close();
  /// Bytes written so far, buffered ones included.
  uint64_t size() const { return written_ + buffer_.size(); }

 private:
  SpillWriter(std::FILE* f, std::filesystem::path path) : file_(f), path_(std::move(path)) {}
  std::FILE* file_ = nullptr;
  std::filesystem::path path_;
  std::string buffer_;
  uint64_t written_ = 0;
};

/// Reads a whole scratch file. Fails naming it.
Expected<std::vector<uint8_t>, std::string> read_spill(const std::filesystem::path& path);

}  // namespace covenant::simulate
