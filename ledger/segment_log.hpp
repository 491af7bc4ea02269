#pragma once
/// \file
/// The append-only log of block records in a directory of segment files (docs/ledger.md,
/// "Segment files" and "Recovery"). Each file is preallocated with zeros to its capacity and
/// starts with a segment header; records follow back to back, each a 24-byte frame and a
/// body; the unwritten rest of the file stays zero. `append` writes one record with one
/// pwritev and makes it durable with one fdatasync: the group commit of a whole block.
///
/// The log knows frames, heights and checksums, not what a body means: deciding whether
/// damaged bytes at the end are a torn, unacknowledged append (to discard) or damage to an
/// acknowledged block (an error) needs the world state's height, so `Ledger` decides and
/// calls `discard_from`.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ledger/file_io.hpp"
#include "ledger/segment_format.hpp"
#include "ledger/storage_error.hpp"
#include "vm/expected.hpp"

namespace covenant::ledger {

/// Where one record is stored.
struct RecordLocation {
  /// Index of the segment file.
  uint64_t segment = 0;
  /// Byte offset of the record's frame in that file; the body follows the frame.
  uint64_t offset = 0;
  /// The frame as decoded (body length, height, body checksum).
  FrameHeader frame;
};

/// Where the frame walk of `open` stopped before the zeros of an unwritten tail: bytes that
/// are not a valid next frame. Either the torn end of an interrupted append or damage.
struct ScanStop {
  /// The segment file holding them (always the last one: anywhere else is an error).
  uint64_t segment = 0;
  /// Byte offset in the file where the next frame should have been.
  uint64_t offset = 0;
  /// Why those bytes are not a valid frame, e.g. "frame header checksum mismatch".
  std::string reason;
};

/// The log of block records in one directory. Move-only. Not thread-safe.
class SegmentLog {
 public:
  /// The file name of segment `index`: eight or more decimal digits and ".seg".
  static std::string segment_name(uint64_t index);

  /// Creates `dir` (which must not exist, or be empty) holding segment 0, preallocated to
  /// `capacity` bytes, with no records. Fails with `invalid_argument` for a bad chain id or a
  /// capacity below kMinSegmentCapacity, `io` otherwise.
  static Expected<SegmentLog, StorageError> create(const std::filesystem::path& dir,
                                                   const std::string& chain_id,
                                                   uint64_t capacity);

  /// Opens the log in `dir`: checks every segment header (consecutive indices from 0, one
  /// chain id, capacity equal to the file size, first heights that continue the previous
  /// file) and walks the frames of every file, indexing the records. Body checksums are not
  /// read here (`read_body` and the audit check them). A walk that meets bytes that are not
  /// a valid frame stops there: in the last segment this is reported by `scan_stop`; in any
  /// other file, or if a later file holds records, it is an error (`corrupt`). When
  /// `writable`, leftover temporary files of an interrupted segment creation are removed.
  static Expected<SegmentLog, StorageError> open(const std::filesystem::path& dir,
                                                 bool writable);

  SegmentLog(SegmentLog&&) noexcept = default;
  SegmentLog& operator=(SegmentLog&&) noexcept = default;

  /// The chain id in the segment headers.
  const std::string& chain_id() const { return chain_id_; }
  /// Capacity of the first segment: the size new segments get (unless a record needs more).
  uint64_t capacity() const { return capacity_; }
  /// Number of segment files.
  uint64_t segment_count() const { return segments_.size(); }
  /// The path of segment `index`.
  std::filesystem::path segment_path(uint64_t index) const;
  /// The capacity (file size) of segment `index`.
  uint64_t segment_capacity(uint64_t index) const { return segments_.at(index).capacity; }
  /// Number of records indexed (heights 0 to record_count() - 1).
  uint64_t record_count() const { return records_.size(); }
  /// Where record `height` is. Precondition: height < record_count().
  const RecordLocation& record(uint64_t height) const { return records_.at(height); }
  /// Where the frame walk of `open` stopped at bytes that are not a valid frame, if it did.
  const std::optional<ScanStop>& scan_stop() const { return scan_stop_; }
  /// Offset just past the last record in the last segment: where the next record goes.
  uint64_t tail_offset() const { return tail_; }

  /// The body of record `height`, checked against its frame's length and checksum. Fails
  /// with `corrupt` (naming the file, the body's offset and the block) or `io`.
  Expected<std::vector<uint8_t>, StorageError> read_body(uint64_t height) const;

  /// The bytes where the body of record `height` should be, unchecked: for diagnosing a
  /// body whose checksum fails. Fails with `io` or `corrupt` (the file ends first).
  Expected<std::vector<uint8_t>, StorageError> read_unchecked_body(uint64_t height) const;

  /// Appends `body` as the record of block `height` (which must be record_count()) and
  /// fdatasyncs it: one write and one sync per record. If the record does not fit in the
  /// last segment, a new segment is created first (preallocated and synced, then renamed
  /// into place and the directory synced). Fails with `invalid_argument` (wrong height,
  /// body empty or above kMaxRecordBody, bytes after a scan stop not yet discarded) or `io`.
  /// After an `io` failure the log refuses further appends (`internal`): the state of the
  /// file is unknown until it is reopened and recovered.
  Expected<void, StorageError> append(uint64_t height, std::span<const uint8_t> body);

  /// Discards record `height` and everything after it, or (height == record_count()) the
  /// bytes at the scan stop: writes zeros over them up to the last non-zero byte of the last
  /// segment and fdatasyncs. Only for the torn end of the last segment: fails with
  /// `invalid_argument` if record `height` is not in the last segment. Returns the number
  /// of bytes zeroed.
  Expected<uint64_t, StorageError> discard_from(uint64_t height);

 private:
  struct Segment {
    uint64_t first_height = 0;
    uint64_t capacity = 0;
  };

  SegmentLog() = default;
  Expected<void, StorageError> add_segment(uint64_t first_height, uint64_t capacity);
  Expected<File*, StorageError> file(uint64_t segment) const;

  std::filesystem::path dir_;
  std::string chain_id_;
  uint64_t capacity_ = 0;
  std::vector<Segment> segments_;
  std::vector<RecordLocation> records_;
  std::optional<ScanStop> scan_stop_;
  uint64_t tail_ = 0;
  bool failed_ = false;
  // The last segment, open for writing; and the segment most recently read (a cache).
  std::optional<File> writer_;
  mutable std::optional<File> reader_;
  mutable uint64_t reader_segment_ = 0;
};

}  // namespace covenant::ledger
