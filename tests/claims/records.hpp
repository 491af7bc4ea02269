#pragma once
/// \file
/// What the claims reader tests share: a source over text, every record it gives, and a
/// scratch directory.

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "claims/readers.hpp"

namespace covenant::claims::testing {

/// `text` as a stream called `name`.
inline std::unique_ptr<ByteStream> text_stream(std::string_view text, std::string name) {
  return memory_stream(std::vector<uint8_t>(text.begin(), text.end()), std::move(name));
}

/// Every record `source` gives, read into one reused `Record` as a simulator would.
inline std::vector<Record> read_all(Source& source) {
  std::vector<Record> records;
  Record record;
  while (source.next(record)) records.push_back(record);
  return records;
}

/// The claims and the problems of `source`, apart (calls are left out).
struct Split {
  std::vector<Claim> claims;
  std::vector<Problem> problems;
};
inline Split read_split(Source& source) {
  Split out;
  Record record;
  while (source.next(record)) {
    if (auto* c = std::get_if<Claim>(&record)) out.claims.push_back(*c);
    else if (auto* p = std::get_if<Problem>(&record)) out.problems.push_back(*p);
  }
  return out;
}

/// `problems`, one "location: reason" line each (for test messages).
inline std::string describe(const std::vector<Problem>& problems) {
  std::string s;
  for (const auto& p : problems) s += p.location + ": " + p.reason + "\n";
  return s;
}

/// The claim `record` holds; fails the test, showing the problem, when it holds another.
inline const Claim& claim_of(const Record& record) {
  if (const auto* p = std::get_if<Problem>(&record)) FAIL_CHECK(p->location << ": " << p->reason);
  REQUIRE(std::holds_alternative<Claim>(record));
  return std::get<Claim>(record);
}

/// The problem `record` holds, as "location: reason"; "" when it holds none.
inline std::string problem_of(const Record& record) {
  const auto* p = std::get_if<Problem>(&record);
  return p == nullptr ? std::string() : p->location + ": " + p->reason;
}

/// A fresh directory under the system's temporary directory, removed with its contents.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "covenant-claims-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  /// Writes `bytes` to the file `name` in the directory and returns its path.
  std::filesystem::path write(const std::string& name, std::string_view bytes) const {
    std::filesystem::path path = path_ / name;
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
    return path;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace covenant::claims::testing
