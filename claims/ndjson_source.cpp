// The NDJSON claims reader (docs/claims-format.md, "NDJSON"): one JSON object per line, a
// claim or a call. Claims are read with simdjson's On Demand API straight from the line
// buffer, every member visited once in file order, so that a claim costs one pass and no
// allocation once the reused Claim has grown to size: member names are matched and strings
// without escapes taken in place, amounts from their number tokens as written. Calls are rare
// and kept whole (their arguments are passed on as JSON), so they go through the DOM API,
// which validates them fully.

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <span>

#include "claims/fields.hpp"
#include "claims/line_reader.hpp"
#include "claims/readers.hpp"

namespace covenant::claims {

namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

static_assert(LineReader::kPadding >= simdjson::SIMDJSON_PADDING);

bool json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Empties a line for reuse, keeping its strings' and vectors' storage.
void reset(Line& line) {
  line.code.clear();
  line.modifiers.clear();
  line.units = 1;
  line.charge = 0;
  line.service_date = 0;
  line.place.clear();
  line.diagnosis_pointers.clear();
  line.prior_auth.reset();
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && json_space(s.back())) s.remove_suffix(1);
  return s;
}

// The members of a claim and of a line, as bits, to find duplicates and missing ones.
constexpr uint32_t m_id = 1u << 0, m_member = 1u << 1, m_provider = 1u << 2, m_currency = 1u << 3,
                   m_received = 1u << 4, m_frequency = 1u << 5, m_replaces = 1u << 6,
                   m_diagnoses = 1u << 7, m_other_coverage = 1u << 8, m_lines = 1u << 9,
                   m_enrolled = 1u << 10, m_plan = 1u << 11, m_secondary_plan = 1u << 12,
                   m_service = 1u << 13;
constexpr uint32_t l_code = 1u << 0, l_modifiers = 1u << 1, l_units = 1u << 2, l_charge = 1u << 3,
                   l_service_date = 1u << 4, l_place = 1u << 5, l_diagnosis_pointers = 1u << 6,
                   l_prior_auth = 1u << 7;

// The members' names, in bit order.
constexpr std::string_view kClaimMembers[] = {
    "id", "member", "provider", "currency", "received", "frequency", "replaces", "diagnoses",
    "other_coverage", "lines", "enrolled", "plan", "secondary_plan", "service"};
constexpr std::string_view kLineMembers[] = {
    "code", "modifiers", "units", "charge", "service_date", "place", "diagnosis_pointers", "prior_auth"};

// True when the member name at `raw` (just after its opening quote) is `name`, written
// without escapes. Reads name's length + 1 bytes, inside the line or its padding.
template <size_t N>
bool raw_is(const char* raw, const char (&name)[N]) {
  return std::memcmp(raw, name, N - 1) == 0 && raw[N - 1] == '"';
}

// The bit of the claim member named at `raw`, compared in place (no copy, no length scan);
// 0 for another name or one written with escapes.
uint32_t claim_member(const char* raw) {
  switch (raw[0]) {
    case 'i': return raw_is(raw, "id") ? m_id : 0;
    case 'm': return raw_is(raw, "member") ? m_member : 0;
    case 'p': return raw_is(raw, "provider") ? m_provider : raw_is(raw, "plan") ? m_plan : 0;
    case 'c': return raw_is(raw, "currency") ? m_currency : 0;
    case 'r': return raw_is(raw, "received") ? m_received : raw_is(raw, "replaces") ? m_replaces : 0;
    case 'f': return raw_is(raw, "frequency") ? m_frequency : 0;
    case 'd': return raw_is(raw, "diagnoses") ? m_diagnoses : 0;
    case 'o': return raw_is(raw, "other_coverage") ? m_other_coverage : 0;
    case 'l': return raw_is(raw, "lines") ? m_lines : 0;
    case 'e': return raw_is(raw, "enrolled") ? m_enrolled : 0;
    case 's': return raw_is(raw, "service") ? m_service : raw_is(raw, "secondary_plan") ? m_secondary_plan : 0;
    default: return 0;
  }
}

// As claim_member, for a line's members.
uint32_t line_member(const char* raw) {
  switch (raw[0]) {
    case 'c': return raw_is(raw, "code") ? l_code : raw_is(raw, "charge") ? l_charge : 0;
    case 'm': return raw_is(raw, "modifiers") ? l_modifiers : 0;
    case 'u': return raw_is(raw, "units") ? l_units : 0;
    case 's': return raw_is(raw, "service_date") ? l_service_date : 0;
    case 'p': return raw_is(raw, "place") ? l_place : raw_is(raw, "prior_auth") ? l_prior_auth : 0;
    case 'd': return raw_is(raw, "diagnosis_pointers") ? l_diagnosis_pointers : 0;
    default: return 0;
  }
}

// The bit of `key` (unescaped) among `names`, or 0.
template <size_t N>
uint32_t member_bit(std::string_view key, const std::string_view (&names)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == key) return 1u << i;
  return 0;
}

std::string_view member_name(uint32_t bit, std::span<const std::string_view> names) {
  return names[static_cast<size_t>(std::countr_zero(bit))];
}

/// Where in a claim a value sits, for messages: "lines[2].charge", "diagnoses[0]".
struct Path {
  std::string_view field;  // the claim's member, or the line's when `line >= 0`
  int64_t line = -1;       // index in "lines"
  int64_t item = -1;       // index in an array member

  std::string text() const {
    std::string out;
    if (line >= 0) out = "lines[" + std::to_string(line) + "]" + (field.empty() ? "" : ".");
    out += field;
    if (item >= 0) out += "[" + std::to_string(item) + "]";
    return out;
  }
};

class NdjsonSource final : public Source {
 public:
  explicit NdjsonSource(std::unique_ptr<ByteStream> in) : in_(std::move(in)), lines_(*in_) {}

  bool next(Record& out) override;
  uint64_t bytes_read() const override { return in_->position(); }
  uint64_t bytes_total() const override { return in_->size(); }

 private:
  enum class Kind : uint8_t { claim, call, failed };

  Kind read_claim(std::string_view text, Claim& c);
  bool read_line(od::value& value, int64_t index, Line& line);
  bool finish_claim(Claim& c);
  bool read_call(std::string_view text, Call& call);

  // Each sets `reason_` and returns false.
  bool fail(const Path& at, std::string_view why) {
    std::string where = at.text();
    reason_ = where.empty() ? std::string(why) : where + ": " + std::string(why);
    return false;
  }
  bool json_error(const Path& at, error_code e, std::string_view expected) {
    // A value of another type is the file's mistake in a valid document; anything else
    // is JSON that does not parse.
    if (!expected.empty() &&
        (e == simdjson::INCORRECT_TYPE || e == simdjson::NUMBER_ERROR || e == simdjson::NUMBER_OUT_OF_RANGE))
      return fail(at, std::string("expected ") + std::string(expected));
    return fail({}, std::string("not valid JSON (") + simdjson::error_message(e) + ")");
  }

  bool get_string(od::value& v, const Path& at, std::string_view& out) {
    // Most strings have no escapes: their text is used in place, without simdjson's copy.
    // A string token runs to its closing quote, then only white space to the next token.
    std::string_view token = trim_right(v.raw_json_token());
    if (token.size() >= 2 && token.front() == '"' && token.back() == '"') {
      std::string_view text = token.substr(1, token.size() - 2);
      if (std::memchr(text.data(), '\\', text.size()) == nullptr) {
        od::raw_json_string raw;
        if (auto e = v.get_raw_json_string().get(raw)) return json_error(at, e, "a string");
        out = text;
        return true;
      }
    }
    if (auto e = v.get_string().get(out)) return json_error(at, e, "a string");
    return true;
  }
  bool get_code(od::value& v, const Path& at, std::string& out, bool empty_allowed) {
    std::string_view s;
    if (!get_string(v, at, s)) return false;
    if (!(empty_allowed && s.empty()) && !valid_code(s))
      return fail(at, quote(s) + " is not a code (1 to 16 printable characters, no spaces)");
    out.assign(s);
    return true;
  }
  bool get_date(od::value& v, const Path& at, int64_t& out) {
    std::string_view s;
    if (!get_string(v, at, s)) return false;
    auto day = parse_date(s);
    if (!day) return fail(at, quote(s) + " is not a date (YYYY-MM-DD)");
    out = *day;
    return true;
  }
  // True when `v` is null (consuming it). False when it is not, or with `ok` false when it
  // cannot be read.
  bool is_null(od::value& v, bool& ok) {
    od::json_type type;
    if (auto e = v.type().get(type)) {
      ok = json_error({}, e, "");
      return false;
    }
    ok = true;
    if (type != od::json_type::null) return false;
    bool null = false;
    if (auto e = v.is_null().get(null); e || !null) {
      ok = fail({}, "not valid JSON (a misspelt null)");
      return false;
    }
    return true;
  }
  void set_location(std::string& location) {
    location.assign(in_->name());
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, lines_.line_number());
    location += ':';
    location.append(digits, end);
  }

  std::unique_ptr<ByteStream> in_;
  LineReader lines_;
  od::parser parser_;
  simdjson::dom::parser dom_;
  // Each line's charge as written: checked once the claim's currency is known, which may
  // come after the lines. Views into the line or the parser, valid for one record.
  std::vector<std::pair<std::string_view, bool>> charges_;
  std::string reason_;
  bool done_ = false;
};

bool NdjsonSource::next(Record& out) {
  while (!done_) {
    std::string_view text;
    switch (lines_.next(text)) {
      case LineReader::Status::end:
        done_ = true;
        return false;
      case LineReader::Status::failed:
        done_ = true;
        out = Problem{in_->name(), lines_.error()};
        return true;
      case LineReader::Status::too_long: {
        Problem p;
        set_location(p.location);
        p.reason = "line longer than " + std::to_string(lines_.max_line() >> 20) + " MiB";
        out = std::move(p);
        return true;
      }
      case LineReader::Status::line:
        break;
    }
    if (lines_.line_number() == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    if (std::all_of(text.begin(), text.end(), json_space)) continue;

    Claim* claim = std::get_if<Claim>(&out);
    if (claim == nullptr) claim = &out.emplace<Claim>();
    Kind kind = read_claim(text, *claim);
    if (kind == Kind::claim) {
      set_location(claim->location);
      return true;
    }
    if (kind == Kind::call) {
      Call call;
      if (read_call(text, call)) {
        set_location(call.location);
        out = std::move(call);
        return true;
      }
    }
    Problem p;
    set_location(p.location);
    p.reason = std::move(reason_);
    out = std::move(p);
    return true;
  }
  return false;
}

NdjsonSource::Kind NdjsonSource::read_claim(std::string_view text, Claim& c) {
  // The lines are kept, to be reused with their storage: most claims have a few.
  std::vector<Line> lines = std::move(c.lines);
  c.clear();
  c.lines = std::move(lines);
  size_t used = 0;
  charges_.clear();
  od::document doc;
  if (auto e = parser_.iterate(text.data(), text.size(), text.size() + LineReader::kPadding).get(doc)) {
    json_error({}, e, "");
    return Kind::failed;
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    json_error({}, e, "a JSON object");
    return Kind::failed;
  }
  uint32_t seen = 0;
  for (auto member : obj) {
    od::field field;
    if (auto e = std::move(member).get(field)) {
      json_error({}, e, "");
      return Kind::failed;
    }
    uint32_t bit = claim_member(field.key().raw());
    if (bit == 0) {
      // A name with escapes, or not a claim's.
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) {
        json_error({}, e, "");
        return Kind::failed;
      }
      bit = member_bit(key, kClaimMembers);
      if (bit == 0 && (key == "call" || key == "args")) return Kind::call;
      if (bit == 0) {
        fail({}, "unknown member " + quote(key));
        return Kind::failed;
      }
    }
    std::string_view key = member_name(bit, kClaimMembers);
    if ((seen & bit) != 0) {
      fail({}, "member " + quote(key) + " appears twice");
      return Kind::failed;
    }
    seen |= bit;
    od::value& v = field.value();
    Path at{key};
    bool ok = true;
    switch (bit) {
      case m_id:
      case m_member: {
        std::string_view s;
        ok = get_string(v, at, s) && (!s.empty() || fail(at, "empty"));
        if (ok) (bit == m_id ? c.id : c.member).assign(s);
        break;
      }
      case m_provider:
        ok = get_code(v, at, c.provider, true);
        break;
      case m_currency: {
        std::string_view s;
        ok = get_string(v, at, s) &&
             (currency_digits(s).has_value() || fail(at, quote(s) + " is not a supported currency (USD EUR GBP CHF CAD CNY JPY)"));
        if (ok) c.currency.assign(s);
        break;
      }
      case m_received:
        ok = get_date(v, at, c.received);
        break;
      case m_frequency: {
        std::string_view s;
        ok = get_string(v, at, s);
        if (!ok) break;
        if (s == "original") c.frequency = Frequency::original;
        else if (s == "replacement") c.frequency = Frequency::replacement;
        else if (s == "void") c.frequency = Frequency::void_;
        else ok = fail(at, quote(s) + " is not original, replacement or void");
        break;
      }
      case m_replaces: {
        if (is_null(v, ok) || !ok) break;
        std::string_view s;
        ok = get_string(v, at, s) && (!s.empty() || fail(at, "empty (null when there is none)"));
        if (ok) c.replaces.emplace(s);
        break;
      }
      case m_diagnoses: {
        od::array arr;
        if (auto e = v.get_array().get(arr)) {
          ok = json_error(at, e, "an array of codes");
          break;
        }
        for (auto item : arr) {
          od::value iv;
          Path ip{key, -1, static_cast<int64_t>(c.diagnoses.size())};
          if (auto e = std::move(item).get(iv)) {
            ok = json_error(ip, e, "");
            break;
          }
          if (!(ok = get_code(iv, ip, c.diagnoses.emplace_back(), false))) break;
        }
        break;
      }
      case m_other_coverage:
        if (auto e = v.get_bool().get(c.other_coverage)) ok = json_error(at, e, "true or false");
        break;
      case m_lines: {
        od::array arr;
        if (auto e = v.get_array().get(arr)) {
          ok = json_error(at, e, "an array of lines");
          break;
        }
        for (auto item : arr) {
          auto index = static_cast<int64_t>(used);
          od::value iv;
          if (auto e = std::move(item).get(iv)) {
            ok = json_error({"", index}, e, "");
            break;
          }
          if (used == c.lines.size()) c.lines.emplace_back();
          else reset(c.lines[used]);
          if (!(ok = read_line(iv, index, c.lines[used++]))) break;
        }
        break;
      }
      case m_enrolled: {
        if (is_null(v, ok) || !ok) break;
        ok = get_date(v, at, c.enrolled.emplace());
        break;
      }
      case m_plan:
      case m_secondary_plan: {
        if (is_null(v, ok) || !ok) break;
        int64_t id = 0;
        if (auto e = v.get_int64().get(id)) ok = json_error(at, e, "an integer or null");
        else (bit == m_plan ? c.plan : c.secondary_plan) = id;
        break;
      }
      case m_service: {
        std::string_view s;
        ok = get_string(v, at, s);
        if (ok) c.service.assign(s);
        break;
      }
      default:
        break;
    }
    if (!ok) return Kind::failed;
  }
  // On Demand reads no further than the object; anything after it is checked here.
  c.lines.resize(used);
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    fail({}, "not valid JSON (text after the object)");
    return Kind::failed;
  }
  static constexpr std::pair<uint32_t, std::string_view> kRequired[] = {
      {m_id, "id"}, {m_member, "member"}, {m_received, "received"}, {m_lines, "lines"}};
  for (auto [bit, name] : kRequired)
    if ((seen & bit) == 0) {
      fail({name}, "missing");
      return Kind::failed;
    }
  return finish_claim(c) ? Kind::claim : Kind::failed;
}

bool NdjsonSource::read_line(od::value& value, int64_t index, Line& line) {
  od::object obj;
  if (auto e = value.get_object().get(obj)) return json_error({"", index}, e, "an object");
  uint32_t seen = 0;
  for (auto member : obj) {
    od::field field;
    if (auto e = std::move(member).get(field)) return json_error({}, e, "");
    uint32_t bit = line_member(field.key().raw());
    if (bit == 0) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return json_error({}, e, "");
      bit = member_bit(key, kLineMembers);
      if (bit == 0) return fail({"", index}, "unknown member " + quote(key));
    }
    std::string_view key = member_name(bit, kLineMembers);
    if ((seen & bit) != 0) return fail({"", index}, "member " + quote(key) + " appears twice");
    seen |= bit;
    od::value& v = field.value();
    Path at{key, index};
    bool ok = true;
    switch (bit) {
      case l_code:
        ok = get_code(v, at, line.code, false);
        break;
      case l_modifiers:
      case l_diagnosis_pointers: {
        od::array arr;
        if (auto e = v.get_array().get(arr))
          return json_error(at, e, bit == l_modifiers ? "an array of codes" : "an array of integers");
        int64_t i = 0;
        for (auto item : arr) {
          od::value iv;
          Path ip{key, index, i++};
          if (auto e = std::move(item).get(iv)) return json_error(ip, e, "");
          if (bit == l_modifiers) {
            if (!get_code(iv, ip, line.modifiers.emplace_back(), false)) return false;
          } else {
            int64_t pointer = 0;
            if (auto e = iv.get_int64().get(pointer)) return json_error(ip, e, "an integer");
            line.diagnosis_pointers.push_back(pointer);
          }
        }
        break;
      }
      case l_units:
        if (auto e = v.get_int64().get(line.units)) return json_error(at, e, "an integer");
        if (line.units < 1) return fail(at, std::to_string(line.units) + " is not a number of units (at least 1)");
        break;
      case l_charge: {
        od::json_type type;
        if (auto e = v.type().get(type)) return json_error(at, e, "");
        std::string_view text;
        if (type == od::json_type::number) {
          // The token as written: a double would round "0.1".
          text = trim_right(v.raw_json_token());
        } else if (!get_string(v, at, text)) {
          return fail(at, "expected an amount (a number or a string)");
        }
        charges_.resize(static_cast<size_t>(index) + 1);
        charges_[static_cast<size_t>(index)] = {text, type != od::json_type::number};
        break;
      }
      case l_service_date:
        ok = get_date(v, at, line.service_date);
        break;
      case l_place:
        ok = get_code(v, at, line.place, true);
        break;
      case l_prior_auth:
        if (is_null(v, ok) || !ok) break;
        ok = get_code(v, at, line.prior_auth.emplace(), false);
        break;
      default:
        break;
    }
    if (!ok) return false;
  }
  static constexpr std::pair<uint32_t, std::string_view> kRequired[] = {
      {l_code, "code"}, {l_charge, "charge"}, {l_service_date, "service_date"}};
  for (auto [bit, name] : kRequired)
    if ((seen & bit) == 0) return fail({name, index}, "missing");
  return true;
}

bool NdjsonSource::finish_claim(Claim& c) {
  if (c.lines.empty()) return fail({"lines"}, "empty (a claim has at least one line)");
  int64_t total = 0;
  int digits = currency_digits(c.currency).value_or(2);
  for (size_t i = 0; i < c.lines.size(); ++i) {
    Line& line = c.lines[i];
    Path at{"charge", static_cast<int64_t>(i)};
    auto amount = parse_amount(charges_[i].first, c.currency, digits, charges_[i].second);
    if (!amount) return fail(at, amount.error());
    line.charge = *amount;
    if (__builtin_add_overflow(total, line.charge, &total)) return fail(at, "the claim's charges add up to more than 2^63 minor units");
    for (size_t p = 0; p < line.diagnosis_pointers.size(); ++p) {
      int64_t pointer = line.diagnosis_pointers[p];
      if (pointer < 1 || static_cast<uint64_t>(pointer) > c.diagnoses.size())
        return fail({"diagnosis_pointers", static_cast<int64_t>(i), static_cast<int64_t>(p)},
                    std::to_string(pointer) + " does not point at one of the claim's " +
                        std::to_string(c.diagnoses.size()) + " diagnoses");
    }
  }
  if (c.frequency != Frequency::original && !c.replaces)
    return fail({"replaces"}, "missing: a replacement or void names the claim it corrects");
  if (c.frequency == Frequency::original && c.replaces)
    return fail({"replaces"}, "an original claim replaces nothing (frequency is original)");
  return true;
}

bool NdjsonSource::read_call(std::string_view text, Call& call) {
  simdjson::dom::element root;
  if (auto e = dom_.parse(text.data(), text.size(), false).get(root))
    return fail({}, std::string("not valid JSON (") + simdjson::error_message(e) + ")");
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return fail({}, "expected a JSON object");
  bool has_call = false, has_args = false;
  simdjson::dom::object args;
  for (simdjson::dom::key_value_pair kv : obj) {
    bool& seen = kv.key == "call" ? has_call : has_args;
    if (kv.key != "call" && kv.key != "args") {
      return fail({}, "unknown member " + quote(kv.key) + " (a call has only \"call\" and \"args\")");
    }
    if (seen) return fail({}, "member " + quote(kv.key) + " appears twice");
    seen = true;
    if (kv.key == "call") {
      std::string_view entry;
      if (kv.value.get_string().get(entry)) return fail({"call"}, "expected the entry's name, a string");
      if (entry.empty()) return fail({"call"}, "empty");
      call.entry.assign(entry);
    } else if (kv.value.get_object().get(args)) {
      return fail({"args"}, "expected an object (the entry's arguments by name)");
    }
  }
  if (!has_call) return fail({"call"}, "missing");
  call.args_json = has_args ? simdjson::minify(args) : "{}";
  call.member.clear();
  if (!has_args) return true;
  std::string_view member;
  if (args["member"].get_string().get(member) == simdjson::SUCCESS) {
    call.member.assign(member);
    return true;
  }
  for (simdjson::dom::key_value_pair kv : args) {
    simdjson::dom::object arg;
    if (kv.value.get_object().get(arg) == simdjson::SUCCESS && arg["member"].get_string().get(member) == simdjson::SUCCESS) {
      call.member.assign(member);
      break;
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<Source> ndjson_source(std::unique_ptr<ByteStream> in) {
  return std::make_unique<NdjsonSource>(std::move(in));
}

}  // namespace covenant::claims
