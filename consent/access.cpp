#include "consent/access.hpp"

#include <algorithm>
#include <cstring>

namespace covenant::consent {

namespace {

// Days since 1970-01-01 of 0001-01-01 and 9999-12-31: the language's Date range.
constexpr int64_t kFirstDay = -719'162;
constexpr int64_t kLastDay = 2'932'896;

void put_code(std::vector<uint8_t>& out, std::string_view code) {
  out.push_back(static_cast<uint8_t>(code.size()));
  out.insert(out.end(), code.begin(), code.end());
}

Expected<std::string, ledger::DecodeError> take_code(ledger::ByteReader& in, const char* field) {
  const size_t at = in.offset();
  auto n = in.take_le(1, field);
  if (!n) return unexpected(std::move(n).error());
  auto bytes = in.take(*n, field);
  if (!bytes) return unexpected(std::move(bytes).error());
  std::string code(bytes->begin(), bytes->end());
  if (auto ok = check_code(field, code); !ok) return unexpected(ledger::DecodeError{at, ok.error()});
  return code;
}

Expected<bool, ledger::DecodeError> take_flag(ledger::ByteReader& in, const char* field) {
  const size_t at = in.offset();
  auto v = in.take_le(1, field);
  if (!v) return unexpected(std::move(v).error());
  if (*v > 1) return unexpected(ledger::DecodeError{at, std::string(field) + " flag is not 0 or 1"});
  return *v == 1;
}

void put_i64_at(uint8_t* p, int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(u >> (8 * i));
}

void put_code_at(uint8_t* p, std::string_view code) { std::memcpy(p, code.data(), code.size()); }

}  // namespace

ledger::Hash class_hash(std::string_view name) {
  return ledger::thread_hasher().sha256(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
}

Expected<void, std::string> check_code(std::string_view what, std::string_view code) {
  if (code.empty() || code.size() > 16)
    return unexpected(std::string(what) + ": a code has 1 to 16 characters, \"" +
                      std::string(code.substr(0, 40)) + "\" has " + std::to_string(code.size()));
  for (char c : code) {
    if (c <= 0x20 || c >= 0x7f)
      return unexpected(std::string(what) + ": a code is printable ASCII without spaces");
  }
  return {};
}

Expected<void, std::string> check_request(const AccessRequest& r) {
  if (r.groups.size() > kMaxGroups)
    return unexpected("groups: at most " + std::to_string(kMaxGroups) + ", not " +
                      std::to_string(r.groups.size()));
  if (r.labels.size() > kMaxLabels)
    return unexpected("labels: at most " + std::to_string(kMaxLabels) + ", not " +
                      std::to_string(r.labels.size()));
  if (auto ok = check_code("purpose", r.purpose); !ok) return ok;
  if (auto ok = check_code("action", r.action); !ok) return ok;
  for (const std::string& l : r.labels)
    if (auto ok = check_code("label", l); !ok) return ok;
  if (r.study)
    if (auto ok = check_code("study", *r.study); !ok) return ok;
  if (r.record_date && (*r.record_date < kFirstDay || *r.record_date > kLastDay))
    return unexpected(std::string("record date outside 0001-01-01..9999-12-31"));
  return {};
}

void put_request(std::vector<uint8_t>& out, const AccessRequest& r) {
  ledger::put_bytes(out, r.patient);
  ledger::put_bytes(out, r.grantee);
  out.push_back(static_cast<uint8_t>(r.groups.size()));
  for (const Pseudonym& g : r.groups) ledger::put_bytes(out, g);
  ledger::put_bytes(out, r.data_class);
  put_code(out, r.purpose);
  put_code(out, r.action);
  out.push_back(static_cast<uint8_t>(r.labels.size()));
  for (const std::string& l : r.labels) put_code(out, l);
  out.push_back(r.study ? 1 : 0);
  if (r.study) put_code(out, *r.study);
  out.push_back(r.record_date ? 1 : 0);
  if (r.record_date) ledger::put_u64(out, static_cast<uint64_t>(*r.record_date));
}

Expected<AccessRequest, ledger::DecodeError> take_request(ledger::ByteReader& in) {
  AccessRequest r;
  auto patient = in.take_array<32>("patient");
  if (!patient) return unexpected(std::move(patient).error());
  r.patient = *patient;
  auto grantee = in.take_array<32>("grantee");
  if (!grantee) return unexpected(std::move(grantee).error());
  r.grantee = *grantee;
  size_t at = in.offset();
  auto groups = in.take_le(1, "group count");
  if (!groups) return unexpected(std::move(groups).error());
  if (*groups > kMaxGroups)
    return unexpected(ledger::DecodeError{at, "more than " + std::to_string(kMaxGroups) + " groups"});
  for (uint64_t i = 0; i < *groups; ++i) {
    auto g = in.take_array<32>("group");
    if (!g) return unexpected(std::move(g).error());
    r.groups.push_back(*g);
  }
  auto data_class = in.take_array<32>("data class");
  if (!data_class) return unexpected(std::move(data_class).error());
  r.data_class = *data_class;
  auto purpose = take_code(in, "purpose");
  if (!purpose) return unexpected(std::move(purpose).error());
  r.purpose = std::move(*purpose);
  auto action = take_code(in, "action");
  if (!action) return unexpected(std::move(action).error());
  r.action = std::move(*action);
  at = in.offset();
  auto labels = in.take_le(1, "label count");
  if (!labels) return unexpected(std::move(labels).error());
  if (*labels > kMaxLabels)
    return unexpected(ledger::DecodeError{at, "more than " + std::to_string(kMaxLabels) + " labels"});
  for (uint64_t i = 0; i < *labels; ++i) {
    auto l = take_code(in, "label");
    if (!l) return unexpected(std::move(l).error());
    r.labels.push_back(std::move(*l));
  }
  auto has_study = take_flag(in, "study");
  if (!has_study) return unexpected(std::move(has_study).error());
  if (*has_study) {
    auto s = take_code(in, "study");
    if (!s) return unexpected(std::move(s).error());
    r.study = std::move(*s);
  }
  auto has_date = take_flag(in, "record date");
  if (!has_date) return unexpected(std::move(has_date).error());
  if (*has_date) {
    at = in.offset();
    auto d = in.take_le(8, "record date");
    if (!d) return unexpected(std::move(d).error());
    const int64_t day = static_cast<int64_t>(*d);
    if (day < kFirstDay || day > kLastDay)
      return unexpected(ledger::DecodeError{at, "record date outside 0001-01-01..9999-12-31"});
    r.record_date = day;
  }
  return r;
}

void layout_access(const AccessRequest& r, std::span<uint8_t, kAccessSize> out) {
  // std.consent `Access`, field by field (docs/LANGUAGE.md "Types": 8-byte little-endian
  // words, codes zero padded to 16 bytes, a List's length before its N slots, an Option's
  // 0/1 word before its value).
  std::fill(out.begin(), out.end(), 0);
  uint8_t* p = out.data();
  std::memcpy(p, r.patient.data(), 32);
  std::memcpy(p + 32, r.grantee.data(), 32);
  put_i64_at(p + 64, static_cast<int64_t>(r.groups.size()));
  for (size_t i = 0; i < r.groups.size(); ++i) std::memcpy(p + 72 + 32 * i, r.groups[i].data(), 32);
  std::memcpy(p + 200, r.data_class.data(), 32);
  put_code_at(p + 232, r.purpose);
  put_code_at(p + 248, r.action);
  put_i64_at(p + 264, static_cast<int64_t>(r.labels.size()));
  for (size_t i = 0; i < r.labels.size(); ++i) put_code_at(p + 272 + 16 * i, r.labels[i]);
  if (r.study) {
    put_i64_at(p + 336, 1);
    put_code_at(p + 344, *r.study);
  }
  if (r.record_date) {
    put_i64_at(p + 360, 1);
    put_i64_at(p + 368, *r.record_date);
  }
}

}  // namespace covenant::consent
