// Format names and guessing, and the dispatch of `open_source` to the readers
// (claims/readers.hpp).

#include "claims/source.hpp"

#include "claims/readers.hpp"

namespace covenant::claims {

namespace {

bool ends_with(std::string_view name, std::string_view suffix) {
  if (name.size() < suffix.size()) return false;
  // File names from other systems may be upper case ("CLAIMS.CSV").
  for (size_t i = 0; i < suffix.size(); ++i) {
    char c = name[name.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  if (name == "ndjson") return Format::ndjson;
  if (name == "csv") return Format::csv;
  if (name == "fhir") return Format::fhir;
  if (name == "synthea") return Format::synthea;
  return std::nullopt;
}

Format guess_format(const std::filesystem::path& path) {
  std::error_code ec;
  if (path != "-" && std::filesystem::is_directory(path, ec)) {
    return std::filesystem::is_regular_file(path / "claims.csv", ec) ? Format::synthea : Format::fhir;
  }
  std::string name = path.filename().string();
  if (ends_with(name, ".csv") || ends_with(name, ".csv.gz")) return Format::csv;
  if (ends_with(name, ".json") || ends_with(name, ".json.gz")) return Format::fhir;
  return Format::ndjson;
}

Expected<std::unique_ptr<Source>, std::string> open_source(const std::filesystem::path& path,
                                                           Format format) {
  std::error_code ec;
  if (format == Format::synthea) return synthea_source(path);
  if (format == Format::fhir && path != "-" && std::filesystem::is_directory(path, ec))
    return fhir_directory_source(path);
  auto stream = open_stream(path);
  if (!stream) return unexpected(std::move(stream).error());
  switch (format) {
    case Format::ndjson: return ndjson_source(std::move(stream).value());
    case Format::csv: return csv_source(std::move(stream).value());
    case Format::fhir: return fhir_source(std::move(stream).value());
    case Format::synthea: break;
  }
  return unexpected(std::string("unknown format"));
}

}  // namespace covenant::claims
