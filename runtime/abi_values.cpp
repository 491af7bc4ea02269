// JSON values <-> the bytes of ABI types (the forms are listed in abi.hpp).
#include <simdjson.h>

#include <cstdio>
#include <cstring>

#include "runtime/abi.hpp"

namespace covenant::runtime {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr int64_t kPow10[] = {1,         10,         100,         1000,        10000,
                              100000,    1000000,    10000000,    100000000,   1000000000};

// Days of 0001-01-01 and 9999-12-31: the range of dates the language has.
const int64_t kMinDay = days_from_civil(1, 1, 1);
const int64_t kMaxDay = days_from_civil(9999, 12, 31);

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void put_word(uint8_t* at, uint64_t v) {
  for (int i = 0; i < 8; ++i) at[i] = static_cast<uint8_t>(v >> (8 * i));
}

// A word of `bytes` at `offset`; bytes past the end read as zero (value_json never fails).
uint64_t get_word(std::span<const uint8_t> bytes, uint64_t offset) {
  uint64_t v = 0;
  for (uint64_t i = 0; i < 8; ++i)
    if (offset + i < bytes.size()) v |= uint64_t{bytes[offset + i]} << (8 * i);
  return v;
}

uint8_t get_byte(std::span<const uint8_t> bytes, uint64_t offset) {
  return offset < bytes.size() ? bytes[offset] : 0;
}


// Inverse of days_from_civil (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
}

// A signed decimal "[-]digits[.digits]" followed by `suffix`, scaled by 10^max_decimals:
// the exact integer, or an error code.
enum class Decimal { ok, malformed, too_precise, out_of_range };
Decimal parse_decimal(std::string_view text, std::string_view suffix, uint32_t max_decimals,
                      int64_t& out) {
  if (text.size() <= suffix.size() || text.substr(text.size() - suffix.size()) != suffix)
    return Decimal::malformed;
  text.remove_suffix(suffix.size());
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return Decimal::malformed;
  for (char c : whole)
    if (!is_digit(c)) return Decimal::malformed;
  for (char c : frac)
    if (!is_digit(c)) return Decimal::malformed;
  if (frac.size() > max_decimals) return Decimal::too_precise;
  // The magnitude may reach 2^63 for a negative value; anything above is out of range.
  constexpr auto kLimit = static_cast<unsigned __int128>(1) << 63;
  unsigned __int128 v = 0;
  for (char c : whole) {
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > kLimit) return Decimal::out_of_range;
  }
  for (uint32_t i = 0; i < max_decimals; ++i) {
    v = v * 10 + (i < frac.size() ? static_cast<unsigned>(frac[i] - '0') : 0);
    if (v > kLimit) return Decimal::out_of_range;
  }
  if (!negative && v == kLimit) return Decimal::out_of_range;
  out = negative ? static_cast<int64_t>(-static_cast<uint64_t>(v)) : static_cast<int64_t>(v);
  return Decimal::ok;
}

// "[-]whole[.fraction]" of `v` / 10^decimals; `trim` drops trailing zeros of the fraction
// (and the point when nothing is left).
std::string format_decimal(int64_t v, uint32_t decimals, bool trim) {
  uint64_t mag = v < 0 ? -static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  uint64_t scale = static_cast<uint64_t>(kPow10[decimals]);
  std::string out = v < 0 ? "-" : "";
  out += std::to_string(mag / scale);
  if (decimals == 0) return out;
  std::string frac = std::to_string(mag % scale);
  frac.insert(0, decimals - frac.size(), '0');
  if (trim)
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) out += "." + frac;
  return out;
}

// Writes values of ABI types into a zeroed byte block; stops at the first error, which names
// the path from the parameter down to the failing value.
class Encoder {
 public:
  explicit Encoder(std::vector<uint8_t>& out) : out_(out) {}

  // Encodes `v` as a value of `t` at byte `at` of the block.
  bool value(const AbiType& t, element v, uint64_t at);
  // Encodes an object holding exactly `members` (name, type), member i at `offsets[i]`.
  // `expected` describes the object, `unknown` what to say about a key that is not a member.
  bool object_members(const std::vector<std::pair<std::string_view, const AbiType*>>& members,
                      const std::vector<uint64_t>& offsets, element v,
                      const std::string& expected, const std::string& unknown);

  std::string path;   // where the value being encoded sits ("c.lines[2].billed")
  std::string error;

 private:
  bool fail(const std::string& expected, element found) {
    std::string shown = simdjson::to_string(found);
    if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
    return fail_text(expected + ", found " + shown);
  }
  bool fail_text(const std::string& message) {
    error = (path.empty() ? std::string("arguments") : path) + ": " + message;
    return false;
  }
  bool put(uint64_t at, uint64_t w) {
    put_word(out_.data() + at, w);
    return true;
  }

  std::vector<uint8_t>& out_;
};

bool Encoder::value(const AbiType& t, element v, uint64_t at) {
  std::string_view s;
  switch (t.kind) {
    case AbiKind::bool_: {
      bool b = false;
      if (v.get_bool().get(b)) return fail("expected true or false", v);
      return put(at, b ? 1 : 0);
    }
    case AbiKind::int_: {
      if (v.type() == element_type::UINT64)
        return fail("expected an integer in the 64-bit range", v);
      int64_t i = 0;
      if (v.type() != element_type::INT64 || v.get_int64().get(i))
        return fail("expected an integer", v);
      return put(at, static_cast<uint64_t>(i));
    }
    case AbiKind::money: {
      std::string example = "\"" + format_decimal(t.minor_digits == 0 ? 12 : 1250, t.minor_digits,
                                                  false) + " " + t.currency + "\"";
      std::string expected = "expected an amount like " + example;
      if (v.get_string().get(s)) return fail(expected, v);
      size_t space = s.rfind(' ');
      if (space == std::string_view::npos) return fail(expected, v);
      std::string_view currency = s.substr(space + 1);
      if (currency != t.currency) {
        if (currency_digits(currency) >= 0)
          return fail("expected an amount in " + t.currency + " like " + example, v);
        return fail(expected, v);
      }
      int64_t minor = 0;
      switch (parse_decimal(s.substr(0, space), "", t.minor_digits, minor)) {
        case Decimal::ok: return put(at, static_cast<uint64_t>(minor));
        case Decimal::malformed: return fail(expected, v);
        case Decimal::too_precise:
          return fail("expected at most " + std::to_string(t.minor_digits) + " decimals for " +
                          t.currency,
                      v);
        case Decimal::out_of_range:
          return fail("expected an amount within the 64-bit range of minor units", v);
      }
      return false;
    }
    case AbiKind::rate: {
      const std::string expected = "expected a rate like \"12.5%\" or \"150bp\"";
      if (v.get_string().get(s)) return fail(expected, v);
      // Billionths: 1% is 10^7 of them and 1bp 10^5, so a percentage read at 7 decimals and
      // basis points read at 5 are already in billionths.
      bool bp = s.ends_with("bp");
      int64_t rate = 0;
      switch (parse_decimal(s, bp ? "bp" : "%", bp ? 5 : 7, rate)) {
        case Decimal::ok: return put(at, static_cast<uint64_t>(rate));
        case Decimal::malformed: return fail(expected, v);
        case Decimal::too_precise:
          return fail(bp ? "expected at most 5 decimals in basis points"
                         : "expected at most 7 decimals in a percentage",
                      v);
        case Decimal::out_of_range:
          return fail("expected a rate within the 64-bit range of billionths", v);
      }
      return false;
    }
    case AbiKind::date: {
      const std::string expected = "expected a date like \"2027-03-01\"";
      if (v.get_string().get(s)) return fail(expected, v);
      if (s.size() != 10 || s[4] != '-' || s[7] != '-') return fail(expected, v);
      for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!is_digit(s[i])) return fail(expected, v);
      auto day = parse_date(s);
      if (!day) return fail("expected a calendar date of years 1..9999", v);
      return put(at, static_cast<uint64_t>(*day));
    }
    case AbiKind::duration: {
      const std::string expected = "expected a duration like {\"months\":1,\"days\":15}";
      simdjson::dom::object obj;
      if (v.get_object().get(obj)) return fail(expected, v);
      bool seen[2] = {false, false};
      for (simdjson::dom::key_value_pair kv : obj) {
        int which = kv.key == "months" ? 0 : kv.key == "days" ? 1 : -1;
        if (which < 0 || seen[which]) return fail(expected, v);
        seen[which] = true;
        int64_t n = 0;
        if (kv.value.type() != element_type::INT64 || kv.value.get_int64().get(n)) {
          size_t len = path.size();
          path += "." + std::string(kv.key);
          fail("expected an integer", kv.value);
          path.resize(len);
          return false;
        }
        put_word(out_.data() + at + 8 * static_cast<uint64_t>(which), static_cast<uint64_t>(n));
      }
      return true;
    }
    case AbiKind::code: {
      const std::string expected =
          "expected a code of 1 to 16 printable ASCII characters without spaces, like \"99213\"";
      if (v.get_string().get(s)) return fail(expected, v);
      if (s.empty() || s.size() > 16) return fail(expected, v);
      for (char c : s)
        if (c <= ' ' || c > '~') return fail(expected, v);
      std::memcpy(out_.data() + at, s.data(), s.size());
      return true;
    }
    case AbiKind::hash:
    case AbiKind::pseudonym:
    case AbiKind::key: {
      const std::string expected = "expected 64 hex digits";
      if (v.get_string().get(s) || s.size() != 64) return fail(expected, v);
      for (size_t i = 0; i < 32; ++i) {
        int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return fail(expected, v);
        out_[at + i] = static_cast<uint8_t>(hi * 16 + lo);
      }
      return true;
    }
    case AbiKind::enum_: {
      std::string expected = "expected one of ";
      for (size_t i = 0; i < t.variants.size(); ++i)
        expected += (i ? ", " : "") + json_string(t.variants[i]);
      if (v.get_string().get(s)) return fail(expected, v);
      for (size_t i = 0; i < t.variants.size(); ++i)
        if (t.variants[i] == s) return put(at, i);
      return fail(expected, v);
    }
    case AbiKind::option:
      if (v.is_null()) return true;  // flag 0 and a zero payload: the block starts zeroed
      put_word(out_.data() + at, 1);
      return value(*t.elem, v, at + 8);
    case AbiKind::list: {
      simdjson::dom::array arr;
      if (v.get_array().get(arr))
        return fail("expected an array of at most " + std::to_string(t.bound) + " " +
                        t.elem->name + " values",
                    v);
      if (arr.size() > t.bound)
        return fail_text("expected at most " + std::to_string(t.bound) + " values, found " +
                         std::to_string(arr.size()));
      uint64_t i = 0;
      size_t len = path.size();
      for (element e : arr) {
        path += "[" + std::to_string(i) + "]";
        if (!value(*t.elem, e, at + 8 + i * t.elem->size)) return false;
        path.resize(len);
        ++i;
      }
      put_word(out_.data() + at, i);
      return true;
    }
    case AbiKind::record: {
      std::vector<std::pair<std::string_view, const AbiType*>> members;
      std::vector<uint64_t> offsets;
      std::string names;
      for (const AbiField& f : t.fields) {
        members.emplace_back(f.name, f.type);
        offsets.push_back(at + f.offset);
        names += (names.empty() ? "" : ", ") + f.name;
      }
      if (names.empty()) names = "none";
      return object_members(members, offsets, v,
                            "expected a " + t.name + " object with fields " + names,
                            "unknown field; " + t.name + " has " + names);
    }
  }
  return false;
}

bool Encoder::object_members(
    const std::vector<std::pair<std::string_view, const AbiType*>>& members,
    const std::vector<uint64_t>& offsets, element v, const std::string& expected,
    const std::string& unknown) {
  simdjson::dom::object obj;
  if (v.get_object().get(obj)) return fail(expected, v);
  std::vector<element> given(members.size());
  std::vector<bool> seen(members.size(), false);
  size_t len = path.size();
  auto at_member = [&](std::string_view name) {
    path.resize(len);
    if (!path.empty()) path += ".";
    path += name;
  };
  // Keys are checked in the order given, then missing members in declaration order, so the
  // error reported is the same on every run.
  for (simdjson::dom::key_value_pair kv : obj) {
    size_t i = 0;
    while (i < members.size() && members[i].first != kv.key) ++i;
    at_member(kv.key);
    if (i == members.size()) return fail_text(unknown);
    if (seen[i]) return fail_text("given twice");
    seen[i] = true;
    given[i] = kv.value;
  }
  for (size_t i = 0; i < members.size(); ++i) {
    at_member(members[i].first);
    if (!seen[i]) return fail_text("missing, expected " + members[i].second->name);
    if (!value(*members[i].second, given[i], offsets[i])) return false;
  }
  path.resize(len);
  return true;
}

}  // namespace

bool valid_date(int64_t y, int64_t m, int64_t d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  // H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil.
  year -= month <= 2;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t yoe = year - era * 400;
  int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<int64_t> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int64_t parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (text[i] - '0');
    }
  }
  if (!valid_date(parts[0], parts[1], parts[2])) return std::nullopt;
  return days_from_civil(parts[0], parts[1], parts[2]);
}

Expected<std::vector<uint8_t>, std::string> encode_params(const AbiEntry& entry,
                                                          std::string_view json_object) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json_object);
  element root;
  if (auto error = parser.parse(padded).get(root))
    return unexpected(std::string("arguments: not valid JSON (") + simdjson::error_message(error) + ")");
  std::vector<uint8_t> out(entry.param_size, 0);
  Encoder enc(out);
  std::vector<std::pair<std::string_view, const AbiType*>> members;
  std::vector<uint64_t> offsets;
  std::string names;
  for (const AbiParam& p : entry.params) {
    members.emplace_back(p.name, p.type);
    offsets.push_back(p.offset);
    names += (names.empty() ? "" : ", ") + p.name;
  }
  if (names.empty()) names = "none";
  if (!enc.object_members(members, offsets, root,
                          "expected an object with the parameters of " + entry.name + " (" +
                              names + ")",
                          "unknown parameter; " + entry.name + " takes " + names))
    return unexpected(std::move(enc.error));
  return out;
}

Expected<std::vector<uint8_t>, std::string> encode_value(const AbiType& type,
                                                         std::string_view json,
                                                         std::string_view what) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  element root;
  if (auto error = parser.parse(padded).get(root))
    return unexpected(std::string(what) + ": not valid JSON (" + simdjson::error_message(error) + ")");
  std::vector<uint8_t> out(type.size, 0);
  Encoder enc(out);
  enc.path = std::string(what);
  if (!enc.value(type, root, 0)) return unexpected(std::move(enc.error));
  return out;
}

namespace {

void write_value(const AbiType& t, std::span<const uint8_t> b, uint64_t at, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t w = get_word(b, at);
  auto i = static_cast<int64_t>(w);
  switch (t.kind) {
    case AbiKind::bool_:
      out += w == 0 ? "false" : w == 1 ? "true" : std::to_string(w);
      return;
    case AbiKind::int_: out += std::to_string(i); return;
    case AbiKind::money:
      out += "\"" + format_decimal(i, t.minor_digits, false) + " " + t.currency + "\"";
      return;
    case AbiKind::rate: {
      // Billionths; 1% is 10^7 of them, so the percentage has at most 7 decimals.
      out += "\"" + format_decimal(i, 7, true) + "%\"";
      return;
    }
    case AbiKind::date: {
      if (i < kMinDay || i > kMaxDay) {
        out += std::to_string(i);
        return;
      }
      int64_t y, m, d;
      civil_from_days(i, y, m, d);
      char buf[16];
      std::snprintf(buf, sizeof buf, "\"%04d-%02d-%02d\"", static_cast<int>(y),
                    static_cast<int>(m), static_cast<int>(d));
      out += buf;
      return;
    }
    case AbiKind::duration:
      out += "{\"months\":" + std::to_string(i) +
             ",\"days\":" + std::to_string(static_cast<int64_t>(get_word(b, at + 8))) + "}";
      return;
    case AbiKind::code: {
      std::string text;
      for (uint64_t k = 0; k < 16 && get_byte(b, at + k) != 0; ++k)
        text += static_cast<char>(get_byte(b, at + k));
      out += json_string(text);
      return;
    }
    case AbiKind::hash:
    case AbiKind::pseudonym:
    case AbiKind::key:
      out += '"';
      for (uint64_t k = 0; k < 32; ++k) {
        uint8_t byte = get_byte(b, at + k);
        out += kHex[byte >> 4];
        out += kHex[byte & 15];
      }
      out += '"';
      return;
    case AbiKind::enum_:
      if (w < t.variants.size())
        out += json_string(t.variants[w]);
      else
        out += std::to_string(w);
      return;
    case AbiKind::option:
      if (w == 0)
        out += "null";
      else
        write_value(*t.elem, b, at + 8, out);
      return;
    case AbiKind::list: {
      uint64_t n = w < t.bound ? w : t.bound;
      out += '[';
      for (uint64_t k = 0; k < n; ++k) {
        if (k) out += ',';
        write_value(*t.elem, b, at + 8 + k * t.elem->size, out);
      }
      out += ']';
      return;
    }
    case AbiKind::record: {
      out += '{';
      bool first = true;
      for (const AbiField& f : t.fields) {
        if (!first) out += ',';
        first = false;
        out += json_string(f.name) + ":";
        write_value(*f.type, b, at + f.offset, out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string value_json(const AbiType& type, std::span<const uint8_t> bytes) {
  std::string out;
  write_value(type, bytes, 0, out);
  return out;
}

std::string Abi::event_json(uint32_t index, std::span<const uint8_t> data) const {
  if (index < events_.size() && data.size() == events_[index].type->size) {
    return "{\"event\":" + json_string(events_[index].name) +
           ",\"data\":" + value_json(*events_[index].type, data) + "}";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : data) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return "{\"event\":" + std::to_string(index) + ",\"data\":\"" + hex + "\"}";
}

}  // namespace covenant::runtime
