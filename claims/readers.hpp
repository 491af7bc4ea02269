#pragma once
/// \file
/// The readers behind `open_source` (claims/source.hpp), one per format, over a byte stream
/// so that tests and fuzz targets can feed them memory instead of files.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "claims/source.hpp"
#include "vm/expected.hpp"

namespace covenant::claims {

/// Bytes in order from a file (gunzipped when its name ends in .gz), standard input or memory.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  /// Reads up to `size` bytes into `out`; returns how many (0 at the end). Fails with one
  /// line on an I/O error or a corrupt gzip stream.
  virtual Expected<size_t, std::string> read(uint8_t* out, size_t size) = 0;
  /// Bytes consumed from the underlying file so far (compressed bytes for .gz).
  virtual uint64_t position() const = 0;
  /// The underlying file's size; 0 when unknown.
  virtual uint64_t size() const = 0;
  /// The name messages use ("claims.ndjson", "<stdin>", "<memory>").
  virtual const std::string& name() const = 0;
};

/// Opens `path` ("-": standard input); .gz files are decompressed. Fails naming the path.
Expected<std::unique_ptr<ByteStream>, std::string> open_stream(const std::filesystem::path& path);
/// A stream over a copy of `bytes`, called `name` in messages.
std::unique_ptr<ByteStream> memory_stream(std::vector<uint8_t> bytes, std::string name);

/// Readers of one stream each.
std::unique_ptr<Source> ndjson_source(std::unique_ptr<ByteStream> in);
std::unique_ptr<Source> csv_source(std::unique_ptr<ByteStream> in);
/// One FHIR file: a Bundle, a Claim, or NDJSON of either.
std::unique_ptr<Source> fhir_source(std::unique_ptr<ByteStream> in);
/// A directory of FHIR files, read in name order (each as `fhir_source`).
Expected<std::unique_ptr<Source>, std::string> fhir_directory_source(const std::filesystem::path& dir);
/// A Synthea CSV export directory.
Expected<std::unique_ptr<Source>, std::string> synthea_source(const std::filesystem::path& dir);

}  // namespace covenant::claims
