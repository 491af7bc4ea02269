#include "report/results_summary.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace covenant::report {
namespace {

using simdjson::dom::element;

constexpr std::array<int64_t, kPayoutBuckets> make_edges() {
  std::array<int64_t, kPayoutBuckets> edges{};
  int64_t decade = 1;
  for (size_t i = 0; i < kPayoutBuckets; i += 3) {
    edges[i] = decade;
    edges[i + 1] = 2 * decade;
    edges[i + 2] = 5 * decade;
    if (i + 3 < kPayoutBuckets) decade *= 10;
  }
  return edges;
}

constexpr size_t kMaxCodeBytes = 32;
constexpr size_t kMaxGroupBytes = 4;

// `text` cut to at most `max` bytes at a UTF-8 character boundary, "…" marking a cut.
std::string shorten(std::string_view text, size_t max = kMaxShownText) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return std::string(text.substr(0, end)) + "\u2026";
}

// `text` quoted for a message, shortened.
std::string quoted(std::string_view text) {
  return "\"" + shorten(text, 40) + "\"";
}

// A sum in minor units as a plain decimal ("-12.50"), for messages.
std::string decimal(Money value, int digits) {
  const bool negative = value < 0;
  unsigned __int128 v =
      negative ? -static_cast<unsigned __int128>(value) : static_cast<unsigned __int128>(value);
  std::string out;
  int produced = 0;
  do {
    if (digits > 0 && produced == digits) out += '.';
    out += static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
    ++produced;
  } while (v != 0 || produced <= digits);
  if (negative) out += '-';
  std::reverse(out.begin(), out.end());
  return out;
}

// The index of the field named `key` in `names`, or names.size().
template <size_t N>
size_t field_index(const std::array<std::string_view, N>& names, std::string_view key) {
  for (size_t i = 0; i < N; ++i)
    if (names[i].size() == key.size() && names[i][0] == key[0] && names[i] == key) return i;
  return N;
}

// One object's known fields, found in one pass; a field given twice is an error.
template <size_t N>
struct Fields {
  std::array<element, N> value{};
  std::array<bool, N> present{};
  bool has(size_t i) const { return present[i]; }
};

enum ClaimField : size_t {
  kClaimId,
  kOutcome,
  kStatus,
  kCurrency,
  kBilled,
  kAllowed,
  kPayer,
  kPatient,
  kSecondary,
  kContractual,
  kLines,
  kCode,
  kReason,
  kAt,
  kClaimFieldCount
};
constexpr std::array<std::string_view, kClaimFieldCount> kClaimFields = {
    "claim_id", "outcome",   "status",      "currency", "billed", "allowed", "payer",
    "patient",  "secondary", "contractual", "lines",    "code",   "reason",  "at"};

enum LineField : size_t {
  kLineCode,
  kLineCharge,
  kLineAllowed,
  kLineCopay,
  kLineDeductible,
  kLineCoinsurance,
  kLinePayer,
  kLineAdjustments,
  kLineFieldCount
};
constexpr std::array<std::string_view, kLineFieldCount> kLineFields = {
    "code", "charge", "allowed", "copay", "deductible", "coinsurance", "payer", "adjustments"};

enum AdjustmentField : size_t { kGroup, kAdjReason, kAmount, kAdjustmentFieldCount };
constexpr std::array<std::string_view, kAdjustmentFieldCount> kAdjustmentFields = {
    "group", "reason", "amount"};

enum class Outcome { adjudicated, denied, failed };

struct LineRecord {
  std::string_view code;
  int64_t charge = 0, allowed = 0, copay = 0, deductible = 0, coinsurance = 0, payer = 0;
};

struct AdjustmentRecord {
  std::string group;  // capitals
  int64_t reason = 0;
  int64_t amount = 0;
};

// One results line, checked in full before anything of it is added to the summary.
struct ClaimRecord {
  Outcome outcome = Outcome::adjudicated;
  std::string_view claim_id, status, currency, reason, at;
  int64_t billed = 0, payer = 0, patient = 0, secondary = 0, contractual = 0;
  std::optional<int64_t> allowed;
  int64_t code = 0;
  std::vector<LineRecord> lines;
  std::vector<AdjustmentRecord> adjustments;
};

// Adds `add` to `table[key]`, or to `other` once the table holds `cap` keys.
template <class Map, class Key, class Add>
void add_capped(Map& table, const Key& key, size_t cap, typename Map::mapped_type& other, Add add) {
  auto it = table.find(key);
  if (it == table.end()) {
    if (table.size() >= cap) return add(other, true);
    it = table.emplace(typename Map::key_type(key), typename Map::mapped_type{}).first;
    return add(it->second, true);
  }
  add(it->second, false);
}

}  // namespace

const std::array<int64_t, kPayoutBuckets> kPayoutEdges = make_edges();

std::optional<int> minor_digits(std::string_view currency) {
  if (currency.size() != 3 ||
      !std::all_of(currency.begin(), currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return std::nullopt;
  // ISO 4217 minor units other than 2 (the list of current codes, 2024).
  static constexpr std::string_view kZero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                               "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                               "VND", "VUV", "XAF", "XOF", "XPF"};
  static constexpr std::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
  static constexpr std::string_view kFour[] = {"CLF", "UYW"};
  if (std::find(std::begin(kZero), std::end(kZero), currency) != std::end(kZero)) return 0;
  if (std::find(std::begin(kThree), std::end(kThree), currency) != std::end(kThree)) return 3;
  if (std::find(std::begin(kFour), std::end(kFour), currency) != std::end(kFour)) return 4;
  return 2;
}

std::optional<int64_t> parse_amount(std::string_view text, int digits) {
  const size_t n = text.size();
  const size_t sign = !text.empty() && text[0] == '-' ? 1 : 0;
  const size_t fraction = static_cast<size_t>(digits);
  // [sign] whole digits, then '.' and exactly `digits` digits when the currency has them.
  const size_t whole_end = fraction > 0 ? n - std::min(n, fraction + 1) : n;
  if (whole_end <= sign || whole_end - sign + fraction > 18) return std::nullopt;
  if (fraction > 0 && text[whole_end] != '.') return std::nullopt;
  uint64_t value = 0;
  bool digits_only = true;
  auto add_digits = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const unsigned d = static_cast<unsigned>(text[i]) - '0';
      digits_only &= d <= 9;
      value = value * 10 + d;
    }
  };
  add_digits(sign, whole_end);
  if (fraction > 0) add_digits(whole_end + 1, n);
  if (!digits_only) return std::nullopt;
  return sign ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
}

struct Summarizer::Impl {
  std::string source;
  ProblemSink on_problem;
  uint64_t line_number = 0;
  simdjson::dom::parser parser;
  std::vector<char> padded;  // the line, with simdjson's padding after it
  std::string error;         // why the current line is malformed
  ClaimRecord record;
  int digits = 2;  // of the current line's currency

  // Where in the line the reader is: the line and adjustment indices, -1 outside them.
  int64_t line_index = -1, adjustment_index = -1;

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }

  // The current field's path in the line ("lines[2].adjustments[0].amount"), for messages.
  std::string path(std::string_view field) const {
    std::string out;
    if (line_index >= 0) out += "lines[" + std::to_string(line_index) + "]";
    if (adjustment_index >= 0) out += ".adjustments[" + std::to_string(adjustment_index) + "]";
    if (!field.empty()) out += (out.empty() ? "" : ".") + std::string(field);
    return out;
  }

  template <size_t N>
  bool collect(element value, const std::array<std::string_view, N>& names, Fields<N>& out) {
    simdjson::dom::object object;
    if (value.get_object().get(object))
      return fail((line_index < 0 ? std::string("the line") : "\"" + path("") + "\"") +
                  " is not a JSON object");
    for (auto field : object) {
      const size_t i = field_index(names, field.key);
      if (i == N) continue;  // fields the report does not use
      if (out.present[i]) return fail("\"" + path(field.key) + "\" given twice");
      out.present[i] = true;
      out.value[i] = field.value;
    }
    return true;
  }

  template <size_t N>
  bool require(const Fields<N>& fields, const std::array<std::string_view, N>& names,
               std::initializer_list<size_t> required) {
    for (size_t i : required)
      if (!fields.has(i)) return fail("missing \"" + path(names[i]) + "\"");
    return true;
  }

  bool string_field(element value, std::string_view field, std::string_view& out) {
    if (value.get_string().get(out)) return fail("\"" + path(field) + "\": expected a string");
    return true;
  }

  bool integer_field(element value, std::string_view field, int64_t& out) {
    if (value.get_int64().get(out) || out < 0)
      return fail("\"" + path(field) + "\": expected a non-negative integer");
    return true;
  }

  bool amount_field(element value, std::string_view field, int64_t& out) {
    std::string_view text;
    if (value.get_string().get(text))
      return fail("\"" + path(field) + "\": expected an amount as a string");
    auto amount = parse_amount(text, digits);
    if (!amount)
      return fail("\"" + path(field) + "\": " + quoted(text) + " is not an amount with " +
                  std::to_string(digits) + " decimal" + (digits == 1 ? "" : "s") + " (" +
                  std::string(record.currency) + ")");
    out = *amount;
    return true;
  }

  bool read_lines(element value) {
    simdjson::dom::array lines;
    if (value.get_array().get(lines)) return fail("\"lines\": expected an array");
    line_index = 0;
    for (element item : lines) {
      Fields<kLineFieldCount> f;
      if (!collect(item, kLineFields, f)) return false;
      if (!require(f, kLineFields, {kLineCode, kLineCharge, kLinePayer})) return false;
      LineRecord line;
      if (!string_field(f.value[kLineCode], "code", line.code)) return false;
      if (line.code.empty() || line.code.size() > kMaxCodeBytes)
        return fail("\"" + path("code") + "\": expected 1 to " + std::to_string(kMaxCodeBytes) +
                    " bytes");
      struct Amount {
        LineField field;
        int64_t LineRecord::*member;
      };
      static constexpr Amount kAmounts[] = {{kLineCharge, &LineRecord::charge},
                                            {kLineAllowed, &LineRecord::allowed},
                                            {kLineCopay, &LineRecord::copay},
                                            {kLineDeductible, &LineRecord::deductible},
                                            {kLineCoinsurance, &LineRecord::coinsurance},
                                            {kLinePayer, &LineRecord::payer}};
      for (const Amount& a : kAmounts)
        if (f.has(a.field) && !amount_field(f.value[a.field], kLineFields[a.field], line.*a.member))
          return false;
      if (f.has(kLineAdjustments) && !read_adjustments(f.value[kLineAdjustments])) return false;
      record.lines.push_back(line);
      ++line_index;
    }
    line_index = -1;
    return true;
  }

  bool read_adjustments(element value) {
    simdjson::dom::array adjustments;
    if (value.get_array().get(adjustments))
      return fail("\"" + path("adjustments") + "\": expected an array");
    adjustment_index = 0;
    for (element item : adjustments) {
      Fields<kAdjustmentFieldCount> f;
      if (!collect(item, kAdjustmentFields, f)) return false;
      if (!require(f, kAdjustmentFields, {kGroup, kAdjReason, kAmount})) return false;
      std::string_view group;
      if (!string_field(f.value[kGroup], "group", group)) return false;
      if (group.empty() || group.size() > kMaxGroupBytes ||
          !std::all_of(group.begin(), group.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }))
        return fail("\"" + path("group") + "\": expected 1 to 4 letters, got " + quoted(group));
      AdjustmentRecord& adjustment = next_adjustment();
      adjustment.group.assign(group);
      for (char& c : adjustment.group)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (!integer_field(f.value[kAdjReason], "reason", adjustment.reason)) return false;
      if (!amount_field(f.value[kAmount], "amount", adjustment.amount)) return false;
      ++adjustment_index;
    }
    adjustment_index = -1;
    return true;
  }

  // A slot for the next adjustment; the vector's strings keep their buffers between lines.
  AdjustmentRecord& next_adjustment() {
    if (adjustment_count == record.adjustments.size()) record.adjustments.emplace_back();
    return record.adjustments[adjustment_count++];
  }
  size_t adjustment_count = 0;

  // Reads the line at `data` (`size` bytes, kLinePadding readable after them) into `record`;
  // false with `error` set if the line is malformed. `summary` is only read (the file's
  // currency).
  bool read(const char* data, size_t size, const Summary& summary) {
    record.lines.clear();
    adjustment_count = 0;
    line_index = adjustment_index = -1;
    record.allowed.reset();
    element doc;
    if (auto e = parser.parse(data, size, false).get(doc); e)
      return fail(std::string("not JSON (") + simdjson::error_message(e) + ")");
    Fields<kClaimFieldCount> f;
    if (!collect(doc, kClaimFields, f)) return false;
    if (!require(f, kClaimFields, {kClaimId, kOutcome, kCurrency, kBilled})) return false;
    if (!string_field(f.value[kClaimId], "claim_id", record.claim_id)) return false;
    if (record.claim_id.empty()) return fail("\"claim_id\": empty");

    std::string_view outcome;
    if (!string_field(f.value[kOutcome], "outcome", outcome)) return false;
    if (outcome == "adjudicated")
      record.outcome = Outcome::adjudicated;
    else if (outcome == "denied")
      record.outcome = Outcome::denied;
    else if (outcome == "failed")
      record.outcome = Outcome::failed;
    else
      return fail("\"outcome\": expected \"adjudicated\", \"denied\" or \"failed\", got " +
                  quoted(outcome));

    record.status = {};
    if (f.has(kStatus)) {
      if (!string_field(f.value[kStatus], "status", record.status)) return false;
      if (record.status != "primary" && record.status != "refused" &&
          record.status != "forwarded" && record.status != "reversal")
        return fail(
            "\"status\": expected \"primary\", \"refused\", \"forwarded\" or \"reversal\", got " +
            quoted(record.status));
    }

    if (!string_field(f.value[kCurrency], "currency", record.currency)) return false;
    // Every line after the first has the file's currency.
    auto currency_digits = !summary.currency.empty() && record.currency == summary.currency
                               ? std::optional<int>(summary.digits)
                               : minor_digits(record.currency);
    if (!currency_digits)
      return fail("\"currency\": " + quoted(record.currency) + " is not an ISO 4217 code");
    if (!summary.currency.empty() && record.currency != summary.currency)
      return fail("\"currency\": " + quoted(record.currency) + ", but the file's results are in " +
                  summary.currency);
    digits = *currency_digits;
    if (!amount_field(f.value[kBilled], "billed", record.billed)) return false;

    if (record.outcome == Outcome::failed) {
      if (!require(f, kClaimFields, {kReason, kAt})) return false;
      return string_field(f.value[kReason], "reason", record.reason) &&
             string_field(f.value[kAt], "at", record.at);
    }

    if (f.has(kAllowed)) {
      int64_t allowed = 0;
      if (!amount_field(f.value[kAllowed], "allowed", allowed)) return false;
      record.allowed = allowed;
    }
    if (record.outcome == Outcome::adjudicated) {
      if (!require(f, kClaimFields, {kAllowed, kPayer, kPatient, kSecondary, kContractual, kLines}))
        return false;
    } else {
      if (!require(f, kClaimFields, {kCode, kReason, kAt})) return false;
      if (!integer_field(f.value[kCode], "code", record.code) ||
          !string_field(f.value[kReason], "reason", record.reason) ||
          !string_field(f.value[kAt], "at", record.at))
        return false;
    }
    // A denial leaves everything to the contractual write-off unless it says otherwise.
    record.payer = record.patient = record.secondary = 0;
    record.contractual = record.billed;
    if (f.has(kPayer) && !amount_field(f.value[kPayer], "payer", record.payer)) return false;
    if (f.has(kPatient) && !amount_field(f.value[kPatient], "patient", record.patient))
      return false;
    if (f.has(kSecondary) && !amount_field(f.value[kSecondary], "secondary", record.secondary))
      return false;
    if (f.has(kContractual) &&
        !amount_field(f.value[kContractual], "contractual", record.contractual))
      return false;
    if (f.has(kLines) && !read_lines(f.value[kLines])) return false;
    return true;
  }
};

Summarizer::Summarizer(std::string_view source, ProblemSink on_problem)
    : impl_(std::make_unique<Impl>()) {
  impl_->source = std::string(source);
  impl_->on_problem = std::move(on_problem);
  const size_t slash = source.find_last_of('/');
  summary_.source =
      std::string(slash == std::string_view::npos ? source : source.substr(slash + 1));
}

Summarizer::~Summarizer() = default;

void Summarizer::skip_line(std::string_view reason) {
  const uint64_t number = ++impl_->line_number;
  Note note{impl_->source + ":" + std::to_string(number), std::string(reason)};
  if (impl_->on_problem) impl_->on_problem(note);
  ++summary_.malformed;
  if (summary_.malformed_examples.size() < kMaxExamples) {
    note.location = summary_.source + ":" + std::to_string(number);
    note.message = shorten(note.message);
    summary_.malformed_examples.push_back(std::move(note));
  }
}

void Summarizer::add_line(std::string_view line) {
  add(line, false);
}

void Summarizer::add_line_in_place(std::string_view line) {
  add(line, true);
}

void Summarizer::add(std::string_view line, bool padded) {
  static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kMaxLineBytes) return skip_line("longer than 16 MiB");
  if (std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; })) {
    ++impl_->line_number;
    return;
  }
  Impl& in = *impl_;
  const char* data = line.data();
  if (!padded) {
    if (in.padded.size() < line.size() + kLinePadding) in.padded.resize(line.size() + kLinePadding);
    std::memcpy(in.padded.data(), line.data(), line.size());
    data = in.padded.data();
  }
  if (!in.read(data, line.size(), summary_)) return skip_line(in.error);
  ++in.line_number;

  // The line is well-formed: add it.
  const ClaimRecord& r = in.record;
  Summary& s = summary_;
  if (s.currency.empty()) {
    s.currency = std::string(r.currency);
    s.digits = in.digits;
  }
  ++s.claims;
  if (!r.status.empty()) {
    auto it = s.statuses.find(r.status);
    if (it == s.statuses.end()) it = s.statuses.emplace(std::string(r.status), 0).first;
    ++it->second;
  }
  s.billed += r.billed;
  if (r.outcome == Outcome::failed) {
    ++s.failed;
    s.failed_billed += r.billed;
    add_capped(s.failures, shorten(r.reason), kMaxFailureReasons, s.other_failures,
               [&](FailureTotals& t, bool first) {
                 ++t.claims;
                 t.billed += r.billed;
                 if (first && t.example_at.empty()) t.example_at = shorten(r.at);
               });
    return;
  }
  if (r.allowed)
    s.allowed += *r.allowed;
  else
    ++s.allowed_missing;
  s.payer += r.payer;
  s.patient += r.patient;
  s.secondary += r.secondary;
  s.contractual += r.contractual;
  const Money parts = Money{r.payer} + r.patient + r.secondary + r.contractual;
  if (parts != r.billed) {
    ++s.imbalanced;
    if (s.imbalanced_examples.size() < kMaxExamples)
      s.imbalanced_examples.push_back(
          {s.source + ":" + std::to_string(in.line_number),
           "claim " + shorten(r.claim_id, 64) + ": billed " + decimal(r.billed, s.digits) +
               ", but payer + patient + secondary + contractual = " + decimal(parts, s.digits)});
  }
  for (const LineRecord& service : r.lines) {
    ++s.lines;
    s.deductible += service.deductible;
    s.copay += service.copay;
    s.coinsurance += service.coinsurance;
    add_capped(s.codes, service.code, kMaxProcedureCodes, s.other_codes, [&](CodeTotals& t, bool) {
      ++t.lines;
      t.charge += service.charge;
      t.allowed += service.allowed;
      t.payer += service.payer;
    });
  }
  for (size_t i = 0; i < in.adjustment_count; ++i) {
    const AdjustmentRecord& a = r.adjustments[i];
    add_capped(s.adjustments, std::pair<std::string, int64_t>(a.group, a.reason),
               kMaxAdjustmentKeys, s.other_adjustments, [&](AdjustmentTotals& t, bool) {
                 ++t.count;
                 t.amount += a.amount;
               });
  }
  if (r.outcome == Outcome::denied) {
    ++s.denied;
    add_capped(s.denials, r.code, kMaxDenialCodes, s.other_denials,
               [&](DenialTotals& t, bool first) {
                 ++t.claims;
                 t.billed += r.billed;
                 if (first && t.example.empty()) {
                   t.example = shorten(r.reason);
                   t.example_at = shorten(r.at);
                 }
               });
    return;
  }
  ++s.adjudicated;
  if (r.payer < 0) {
    ++s.payout_negative;
  } else if (r.payer == 0) {
    ++s.payout_zero;
  } else {
    const auto edge = std::upper_bound(kPayoutEdges.begin(), kPayoutEdges.end(), r.payer);
    ++s.payout[static_cast<size_t>(edge - kPayoutEdges.begin()) - 1];
  }
}

Expected<Summary, std::string> summarize(std::FILE* in, std::string_view source,
                                         const Summarizer::ProblemSink& on_problem) {
  Summarizer summarizer(source, on_problem);
  constexpr size_t kChunk = size_t{1} << 20;
  // Lines inside a chunk are read in place; the padding after it makes that safe at its end.
  const std::unique_ptr<char[]> chunk(new char[kChunk + Summarizer::kLinePadding]);
  std::string pending;    // the start of a line that continues in the next chunk
  bool too_long = false;  // the current line has passed kMaxLineBytes and is being skipped
  const std::string_view kTooLong = "longer than 16 MiB";
  for (;;) {
    const size_t n = std::fread(chunk.get(), 1, kChunk, in);
    if (n == 0) break;
    std::memset(chunk.get() + n, 0, Summarizer::kLinePadding);  // never read uninitialised
    const char* p = chunk.get();
    const char* end = p + n;
    while (p < end) {
      const char* newline =
          static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      const char* stop = newline ? newline : end;
      if (!too_long && pending.size() + static_cast<size_t>(stop - p) > kMaxLineBytes + 1) {
        too_long = true;
        std::string().swap(pending);
      }
      if (!newline) {
        if (!too_long) pending.append(p, end);
        break;
      }
      if (too_long) {
        summarizer.skip_line(kTooLong);
        too_long = false;
      } else if (pending.empty()) {
        summarizer.add_line_in_place(std::string_view(p, static_cast<size_t>(newline - p)));
      } else {
        pending.append(p, newline);
        summarizer.add_line(pending);
        pending.clear();
      }
      p = newline + 1;
    }
  }
  if (std::ferror(in)) return unexpected(std::string(source) + ": " + std::strerror(errno));
  if (too_long)
    summarizer.skip_line(kTooLong);
  else if (!pending.empty())
    summarizer.add_line(pending);
  return summarizer.summary();
}

Expected<Summary, std::string> summarize_file(const std::string& path,
                                              const Summarizer::ProblemSink& on_problem) {
  if (path == "-") return summarize(stdin, "stdin", on_problem);
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (!in) return unexpected(path + ": " + std::strerror(errno));
  auto summary = summarize(in, path, on_problem);
  std::fclose(in);
  return summary;
}

}  // namespace covenant::report
