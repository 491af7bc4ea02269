// The CSV claims reader (docs/claims-format.md, "CSV"): one service line per row, the rows of
// a claim consecutive. Rows are split as RFC 4180 says (claims/csv_table.hpp has the same
// rules for whole files), one at a time, so a claim is assembled from its rows as they come
// and memory holds one claim and one row of look-ahead.

#include <algorithm>
#include <array>
#include <functional>

#include "claims/fields.hpp"
#include "claims/line_reader.hpp"
#include "claims/readers.hpp"

namespace covenant::claims {

namespace {

enum Column : uint8_t {
  // Claim-level: the same text on every row of a claim.
  c_claim_id, c_member, c_provider, c_received, c_frequency, c_replaces, c_diagnoses,
  c_other_coverage, c_currency, c_enrolled, c_plan, c_secondary_plan, c_service,
  // Line-level.
  c_code, c_modifiers, c_units, c_charge, c_service_date, c_place, c_diagnosis_pointers, c_prior_auth,
  c_count,
};
constexpr size_t kFirstLineColumn = c_code;

constexpr std::array<std::string_view, c_count> kColumnNames = {
    "claim_id", "member", "provider", "received", "frequency", "replaces", "diagnoses",
    "other_coverage", "currency", "enrolled", "plan", "secondary_plan", "service",
    "code", "modifiers", "units", "charge", "service_date", "place", "diagnosis_pointers", "prior_auth",
};
constexpr std::array<Column, 6> kRequired = {c_claim_id, c_member, c_received, c_code, c_charge, c_service_date};

// The separator of the list columns (diagnoses, modifiers, diagnosis_pointers).
constexpr char kListSeparator = ';';

constexpr size_t kAbsent = static_cast<size_t>(-1);

/// One record of the file: its fields unquoted, one after another in `text`.
struct Row {
  std::string text;
  std::vector<uint32_t> ends;  // the end of each field in `text`
  uint64_t line = 0;           // the line it starts on
  std::string problem;         // a quoting mistake; the fields are still read

  size_t size() const { return ends.size(); }
  std::string_view field(size_t i) const {
    size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(text).substr(begin, ends[i] - begin);
  }
};

/// The claim ids already read, as 64-bit fingerprints in an open-addressing table (16 bytes
/// a claim), to catch a claim whose rows are not consecutive without keeping every id. Two
/// ids share a fingerprint with odds about n²/2^65 over n claims (under 10^-6 for 10^6).
class IdSet {
 public:
  bool contains(std::string_view id) const {
    if (slots_.empty()) return false;
    uint64_t h = fingerprint(id);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == h) return true;
      if (slots_[i] == 0) return false;
    }
  }
  void insert(std::string_view id) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    if (place(fingerprint(id))) ++count_;
  }

 private:
  static uint64_t fingerprint(std::string_view id) {
    // splitmix64's finaliser over the library hash, so the table's low bits are well mixed;
    // 0 marks an empty slot.
    uint64_t z = std::hash<std::string_view>{}(id) + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return z == 0 ? 1 : z;
  }
  bool place(uint64_t h) {
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == h) return false;
      if (slots_[i] == 0) {
        slots_[i] = h;
        return true;
      }
    }
  }
  void grow() {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    for (uint64_t h : old)
      if (h != 0) place(h);
  }

  std::vector<uint64_t> slots_;
  size_t count_ = 0;
};

class CsvSource final : public Source {
 public:
  explicit CsvSource(std::unique_ptr<ByteStream> in) : in_(std::move(in)), lines_(*in_) { column_.fill(kAbsent); }

  bool next(Record& out) override;
  uint64_t bytes_read() const override { return in_->position(); }
  uint64_t bytes_total() const override { return in_->size(); }

 private:
  enum class Read : uint8_t { row, bad, end, failed };

  Read read_row(Row& row);
  bool read_header(Record& out);
  // The claim id of `row`, or nullptr when the row is too short to have one.
  const std::string_view* claim_id(const Row& row) {
    size_t i = column_[c_claim_id];
    if (i >= row.size()) return nullptr;
    id_view_ = row.field(i);
    return &id_view_;
  }
  bool standalone_problem(const Row& row, Read read, Record& out);
  void claim_fields(const Row& row, Claim& c);
  void line_fields(const Row& row, Claim& c);
  void check_row(const Row& row);
  void finish_claim(Claim& c);

  // The first mistake of the claim being read, for `row`: later ones are not reported.
  void fail(const Row& row, Column column, std::string_view why) {
    if (!error_.empty()) return;
    if (row.line != first_line_) error_ = "line " + std::to_string(row.line) + ": ";
    error_ += kColumnNames[column];
    error_ += ": ";
    error_ += why;
  }
  std::string_view get(const Row& row, Column column) const {
    // A row of the wrong width is reported; its missing fields read as empty meanwhile.
    size_t i = column_[column];
    return i >= row.size() ? std::string_view() : row.field(i);
  }
  std::string location(uint64_t line) const { return in_->name() + ":" + std::to_string(line); }

  std::unique_ptr<ByteStream> in_;
  LineReader lines_;
  std::array<size_t, c_count> column_;  // each column's index in a row, or kAbsent
  size_t width_ = 0;                    // fields in a row
  bool header_read_ = false;
  bool done_ = false;
  std::string fatal_;                   // an I/O failure after a claim's rows, reported next

  Row row_;                             // the row being added to the claim
  Row first_;                           // the claim's first row
  Row pending_;                         // the row after the claim, read to see it end
  Read pending_read_ = Read::end;
  bool has_pending_ = false;

  std::string_view id_view_;
  uint64_t first_line_ = 0;
  std::string error_;
  IdSet seen_;
};

CsvSource::Read CsvSource::read_row(Row& row) {
  row.text.clear();
  row.ends.clear();
  row.problem.clear();
  enum class In : uint8_t { start, plain, quoted, closed } in = In::start;
  bool continued = false;  // inside a quoted field that spans lines
  for (;;) {
    std::string_view text;
    switch (lines_.next(text)) {
      case LineReader::Status::end:
        if (!continued) return Read::end;
        row.problem = "a quoted field is not closed";
        return Read::bad;
      case LineReader::Status::failed:
        return Read::failed;
      case LineReader::Status::too_long:
        row.line = lines_.line_number();
        row.problem = "line longer than " + std::to_string(lines_.max_line() >> 20) + " MiB";
        return Read::bad;
      case LineReader::Status::line:
        break;
    }
    if (!continued) {
      row.line = lines_.line_number();
      if (row.line == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
      if (text.empty()) continue;  // a blank line is no record
    } else {
      // Line breaks inside a quoted field are kept (as LF); the bound is on the record too.
      row.text += '\n';
      if (row.text.size() + text.size() > lines_.max_line()) {
        row.problem = "a quoted field runs over more than " + std::to_string(lines_.max_line() >> 20) + " MiB";
        return Read::bad;
      }
    }
    for (size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (in == In::quoted) {
        if (c != '"') {
          row.text += c;
        } else if (i + 1 < text.size() && text[i + 1] == '"') {
          row.text += '"';
          ++i;
        } else {
          in = In::closed;
        }
      } else if (c == ',') {
        row.ends.push_back(static_cast<uint32_t>(row.text.size()));
        in = In::start;
      } else if (c == '"' && in == In::start) {
        in = In::quoted;
      } else {
        // RFC 4180 allows neither; the row is reported and its text kept for its claim id.
        if (row.problem.empty() && c == '"') row.problem = "a quote inside an unquoted field";
        if (row.problem.empty() && in == In::closed) row.problem = "text after a closing quote";
        row.text += c;
        in = In::plain;
      }
    }
    if (in == In::quoted) {
      continued = true;
      continue;
    }
    row.ends.push_back(static_cast<uint32_t>(row.text.size()));
    return Read::row;
  }
}

bool CsvSource::read_header(Record& out) {
  header_read_ = true;
  auto fatal = [&](uint64_t line, std::string why) {
    done_ = true;
    out = Problem{line == 0 ? in_->name() : location(line), std::move(why)};
    return true;
  };
  Row header;
  switch (read_row(header)) {
    case Read::end:
      return fatal(0, "no header row");
    case Read::failed:
      return fatal(0, lines_.error());
    case Read::bad:
      return fatal(header.line, "header: " + header.problem);
    case Read::row:
      break;
  }
  if (!header.problem.empty()) return fatal(header.line, "header: " + header.problem);
  width_ = header.size();
  for (size_t i = 0; i < header.size(); ++i) {
    std::string_view name = header.field(i);
    size_t c = 0;
    while (c < c_count && kColumnNames[c] != name) ++c;
    if (c == c_count) return fatal(header.line, "header: unknown column " + quote(name));
    if (column_[c] != kAbsent) return fatal(header.line, "header: column " + quote(name) + " appears twice");
    column_[c] = i;
  }
  for (Column c : kRequired)
    if (column_[c] == kAbsent)
      return fatal(header.line, "header: no column " + quote(kColumnNames[c]));
  return false;
}

bool CsvSource::standalone_problem(const Row& row, Read read, Record& out) {
  std::string why;
  if (read == Read::bad || !row.problem.empty()) why = row.problem;
  else if (row.size() != width_) why = "expected " + std::to_string(width_) + " fields, found " + std::to_string(row.size());
  else why = "claim_id: empty";
  out = Problem{location(row.line), std::move(why)};
  return true;
}

bool CsvSource::next(Record& out) {
  if (done_) return false;
  if (!header_read_ && read_header(out)) return true;
  if (!fatal_.empty()) {
    done_ = true;
    out = Problem{in_->name(), std::move(fatal_)};
    return true;
  }

  Read read;
  if (has_pending_) {
    std::swap(row_, pending_);
    read = pending_read_;
    has_pending_ = false;
  } else {
    read = read_row(row_);
  }
  if (read == Read::end) {
    done_ = true;
    return false;
  }
  if (read == Read::failed) {
    done_ = true;
    out = Problem{in_->name(), lines_.error()};
    return true;
  }
  const std::string_view* id = claim_id(row_);
  if (read == Read::bad || id == nullptr || id->empty()) return standalone_problem(row_, read, out);

  // The claim's rows: this one and those after it with the same claim_id.
  Claim* claim = std::get_if<Claim>(&out);
  if (claim == nullptr) claim = &out.emplace<Claim>();
  Claim& c = *claim;
  c.clear();
  c.id.assign(*id);
  error_.clear();
  first_line_ = row_.line;
  if (seen_.contains(c.id))
    error_ = "claim " + quote(c.id) + " appears again at line " + std::to_string(row_.line) +
             "; its rows must be consecutive";
  std::swap(first_, row_);
  check_row(first_);
  claim_fields(first_, c);
  line_fields(first_, c);
  for (;;) {
    Read after = read_row(pending_);
    if (after == Read::end) break;
    if (after == Read::failed) {
      fatal_ = lines_.error();
      break;
    }
    const std::string_view* next_id = claim_id(pending_);
    if (after == Read::bad || next_id == nullptr || *next_id != c.id) {
      has_pending_ = true;
      pending_read_ = after;
      break;
    }
    std::swap(row_, pending_);
    check_row(row_);
    for (size_t col = 0; col < kFirstLineColumn && error_.empty(); ++col) {
      auto column = static_cast<Column>(col);
      if (column_[col] != kAbsent && get(row_, column) != get(first_, column))
        fail(row_, column, quote(get(row_, column)) + " differs from the claim's first row (line " +
                               std::to_string(first_line_) + ")");
    }
    line_fields(row_, c);
  }
  seen_.insert(c.id);
  if (error_.empty()) finish_claim(c);
  if (!error_.empty()) {
    out = Problem{location(first_line_), std::move(error_)};
    return true;
  }
  c.location = location(first_line_);
  return true;
}

void CsvSource::check_row(const Row& row) {
  if (!error_.empty()) return;
  if (row.line != first_line_) error_ = "line " + std::to_string(row.line) + ": ";
  if (!row.problem.empty()) error_ += row.problem;
  else if (row.size() != width_) error_ += "expected " + std::to_string(width_) + " fields, found " + std::to_string(row.size());
  else error_.clear();
}

void CsvSource::claim_fields(const Row& row, Claim& c) {
  if (!error_.empty()) return;
  std::string_view member = get(row, c_member);
  if (member.empty()) return fail(row, c_member, "empty");
  c.member.assign(member);
  std::string_view provider = get(row, c_provider);
  if (!provider.empty() && !valid_code(provider))
    return fail(row, c_provider, quote(provider) + " is not a code (1 to 16 printable characters, no spaces)");
  c.provider.assign(provider);
  std::string_view currency = get(row, c_currency);
  if (!currency.empty()) {
    if (!currency_digits(currency))
      return fail(row, c_currency, quote(currency) + " is not a supported currency (USD EUR GBP CHF CAD CNY JPY)");
    c.currency.assign(currency);
  }
  std::string_view received = get(row, c_received);
  auto day = parse_date(received);
  if (!day) return fail(row, c_received, quote(received) + " is not a date (YYYY-MM-DD)");
  c.received = *day;

  std::string_view frequency = get(row, c_frequency);
  if (frequency.empty() || frequency == "original") c.frequency = Frequency::original;
  else if (frequency == "replacement") c.frequency = Frequency::replacement;
  else if (frequency == "void") c.frequency = Frequency::void_;
  else return fail(row, c_frequency, quote(frequency) + " is not original, replacement or void");
  if (std::string_view replaces = get(row, c_replaces); !replaces.empty()) c.replaces.emplace(replaces);
  if (c.frequency != Frequency::original && !c.replaces)
    return fail(row, c_replaces, "empty: a replacement or void names the claim it corrects");
  if (c.frequency == Frequency::original && c.replaces)
    return fail(row, c_replaces, "an original claim replaces nothing (frequency is original)");

  std::string_view diagnoses = get(row, c_diagnoses);
  for (size_t begin = 0; !diagnoses.empty() && begin <= diagnoses.size();) {
    size_t end = std::min(diagnoses.find(kListSeparator, begin), diagnoses.size());
    std::string_view code = diagnoses.substr(begin, end - begin);
    if (!valid_code(code))
      return fail(row, c_diagnoses, quote(code) + " is not a code (1 to 16 printable characters, no spaces)");
    c.diagnoses.emplace_back(code);
    begin = end + 1;
  }

  std::string_view other = get(row, c_other_coverage);
  auto is = [&](std::string_view word) {
    return other.size() == word.size() &&
           std::equal(other.begin(), other.end(), word.begin(), [](char a, char b) { return (a | 0x20) == b; });
  };
  if (other == "1" || is("true")) c.other_coverage = true;
  else if (!(other.empty() || other == "0" || is("false")))
    return fail(row, c_other_coverage, quote(other) + " is not true, false, 1, 0 or empty");

  if (std::string_view enrolled = get(row, c_enrolled); !enrolled.empty()) {
    auto start = parse_date(enrolled);
    if (!start) return fail(row, c_enrolled, quote(enrolled) + " is not a date (YYYY-MM-DD)");
    c.enrolled = *start;
  }
  for (Column column : {c_plan, c_secondary_plan}) {
    std::string_view text = get(row, column);
    if (text.empty()) continue;
    auto id = parse_int(text);
    if (!id) return fail(row, column, quote(text) + " is not an integer");
    (column == c_plan ? c.plan : c.secondary_plan) = *id;
  }
  c.service.assign(get(row, c_service));
}

void CsvSource::line_fields(const Row& row, Claim& c) {
  if (!error_.empty()) return;
  Line& line = c.lines.emplace_back();
  std::string_view code = get(row, c_code);
  if (!valid_code(code)) return fail(row, c_code, quote(code) + " is not a code (1 to 16 printable characters, no spaces)");
  line.code.assign(code);

  std::string_view modifiers = get(row, c_modifiers);
  for (size_t begin = 0; !modifiers.empty() && begin <= modifiers.size();) {
    size_t end = std::min(modifiers.find(kListSeparator, begin), modifiers.size());
    std::string_view modifier = modifiers.substr(begin, end - begin);
    if (!valid_code(modifier))
      return fail(row, c_modifiers, quote(modifier) + " is not a code (1 to 16 printable characters, no spaces)");
    line.modifiers.emplace_back(modifier);
    begin = end + 1;
  }

  if (std::string_view units = get(row, c_units); !units.empty()) {
    auto n = parse_int(units);
    if (!n || *n < 1) return fail(row, c_units, quote(units) + " is not a number of units (an integer, at least 1)");
    line.units = *n;
  }
  auto charge = parse_amount(get(row, c_charge), c.currency, currency_digits(c.currency).value_or(2), true);
  if (!charge) return fail(row, c_charge, charge.error());
  line.charge = *charge;
  std::string_view service_date = get(row, c_service_date);
  auto day = parse_date(service_date);
  if (!day) return fail(row, c_service_date, quote(service_date) + " is not a date (YYYY-MM-DD)");
  line.service_date = *day;

  std::string_view place = get(row, c_place);
  if (!place.empty() && !valid_code(place))
    return fail(row, c_place, quote(place) + " is not a code (1 to 16 printable characters, no spaces)");
  line.place.assign(place);

  std::string_view pointers = get(row, c_diagnosis_pointers);
  for (size_t begin = 0; !pointers.empty() && begin <= pointers.size();) {
    size_t end = std::min(pointers.find(kListSeparator, begin), pointers.size());
    std::string_view text = pointers.substr(begin, end - begin);
    auto pointer = parse_int(text);
    if (!pointer) return fail(row, c_diagnosis_pointers, quote(text) + " is not an integer");
    if (*pointer < 1 || static_cast<uint64_t>(*pointer) > c.diagnoses.size())
      return fail(row, c_diagnosis_pointers, std::to_string(*pointer) + " does not point at one of the claim's " +
                                                 std::to_string(c.diagnoses.size()) + " diagnoses");
    line.diagnosis_pointers.push_back(*pointer);
    begin = end + 1;
  }
  if (std::string_view auth = get(row, c_prior_auth); !auth.empty()) {
    if (!valid_code(auth))
      return fail(row, c_prior_auth, quote(auth) + " is not a code (1 to 16 printable characters, no spaces)");
    line.prior_auth.emplace(auth);
  }
}

void CsvSource::finish_claim(Claim& c) {
  int64_t total = 0;
  for (const Line& line : c.lines)
    if (__builtin_add_overflow(total, line.charge, &total)) {
      error_ = "charge: the claim's charges add up to more than 2^63 minor units";
      return;
    }
}

}  // namespace

std::unique_ptr<Source> csv_source(std::unique_ptr<ByteStream> in) {
  return std::make_unique<CsvSource>(std::move(in));
}

}  // namespace covenant::claims
