#pragma once
/// \file
/// Claims sources: a file or directory read one record at a time, in input order, with
/// memory bounded by the largest record (a CSV claim's rows, one FHIR Bundle), never by the
/// input's size. Formats (docs/claims-format.md):
///   ndjson   one claim (or one call) per line; `-` reads standard input
///   csv      one service line per row, consecutive rows with the same claim_id are one claim
///   fhir     FHIR R4 Bundles or Claim resources: a .json/.json.gz/.ndjson file, or a
///            directory of them (read in name order)
///   synthea  a directory of Synthea's CSV export (claims, claims_transactions' CHARGE rows,
///            encounters, medications, payer_transitions, payers, insurance_plans)
/// Files ending in .gz are decompressed as they are read (zlib).

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "claims/claim.hpp"
#include "vm/expected.hpp"

namespace covenant::claims {

/// The input formats.
enum class Format : uint8_t { ndjson, csv, fhir, synthea };

/// "ndjson", "csv", "fhir", "synthea" → Format; nullopt for anything else.
std::optional<Format> parse_format(std::string_view name);

/// The format a path most likely holds: a directory with claims.csv → synthea, another
/// directory → fhir, *.csv[.gz] → csv, *.json[.gz] → fhir, anything else → ndjson.
Format guess_format(const std::filesystem::path& path);

/// One record of a source: a claim, a call, or a record that could not be read.
using Record = std::variant<Claim, Call, Problem>;

/// A source of records in input order.
class Source {
 public:
  virtual ~Source() = default;
  /// Reads the next record into `out` (reusing its storage when it already holds the same
  /// alternative). Returns false at the end of the input. A malformed record is a `Problem`
  /// and reading goes on with the next; an input that cannot be read any further (an I/O
  /// error, a corrupt gzip stream, a missing Synthea file) is reported as a `Problem` whose
  /// location is the file, after which `next` returns false.
  virtual bool next(Record& out) = 0;
  /// Bytes of input consumed so far (compressed bytes for .gz), for progress.
  virtual uint64_t bytes_read() const = 0;
  /// Total bytes of input when known (0 when not: standard input), for progress.
  virtual uint64_t bytes_total() const = 0;
};

/// Opens `path` as `format`. Fails with one line when the path does not exist or cannot be
/// opened, or a directory lacks what the format needs (naming the missing file).
Expected<std::unique_ptr<Source>, std::string> open_source(const std::filesystem::path& path,
                                                           Format format);

}  // namespace covenant::claims
