#include "simulate/claim_encoder.hpp"

#include <algorithm>
#include <cstring>

namespace covenant::simulate {
namespace {

using runtime::AbiKind;
using runtime::AbiType;

// Where a record field's value comes from. Claim fields first, then line fields.
enum Source : uint8_t {
  c_id, c_member, c_provider, c_received, c_frequency, c_replaces, c_diagnoses,
  c_other_coverage, c_lines, c_enrolled, c_plan, c_secondary, c_service, c_service_date,
  c_charges,
  l_code, l_modifiers, l_units, l_charge, l_service_date, l_place, l_diagnosis_pointers,
  l_prior_auth,
};

// CMS place-of-service code 99, "other place of service not identified above".
constexpr std::string_view kOtherPlace = "99";

struct Provided {
  std::string_view name;
  Source source;
};

// The claim fields a plan's record may declare, and the line fields of its line record
// (docs/claims-format.md, "How a claim meets a plan").
constexpr Provided kClaimFields[] = {
    {"id", c_id},           {"member", c_member},
    {"provider", c_provider}, {"received", c_received},
    {"frequency", c_frequency}, {"replaces", c_replaces},
    {"diagnoses", c_diagnoses}, {"other_coverage", c_other_coverage},
    {"lines", c_lines},     {"enrolled", c_enrolled},
    {"plan", c_plan},       {"secondary", c_secondary},
    {"service", c_service}, {"service_date", c_service_date},
    {"charges", c_charges},
};
constexpr Provided kLineFields[] = {
    {"code", l_code},   {"modifiers", l_modifiers}, {"units", l_units},
    {"charge", l_charge}, {"service_date", l_service_date}, {"place", l_place},
    {"diagnosis_pointers", l_diagnosis_pointers}, {"prior_auth", l_prior_auth},
};

// The kinds each source can be written as (an Option of it is accepted too where the claim
// value may be absent).
bool fits(Source s, const AbiType& t) {
  auto k = t.kind;
  auto list_of = [&](AbiKind e) { return k == AbiKind::list && t.elem->kind == e; };
  auto opt_of = [&](AbiKind e) { return k == AbiKind::option && t.elem->kind == e; };
  switch (s) {
    case c_id: return k == AbiKind::hash;
    case c_member: return k == AbiKind::pseudonym;
    case c_provider: case l_code: case l_place: return k == AbiKind::code;
    case c_received: case c_service_date: case l_service_date: return k == AbiKind::date;
    case c_enrolled: return k == AbiKind::date || opt_of(AbiKind::date);
    case c_frequency: case c_service: return k == AbiKind::enum_;
    case c_replaces: return opt_of(AbiKind::hash);
    case c_diagnoses: case l_modifiers: return list_of(AbiKind::code);
    case c_other_coverage: return k == AbiKind::bool_;
    case c_lines: return list_of(AbiKind::record);
    case c_plan: case c_secondary: return k == AbiKind::int_ || opt_of(AbiKind::int_);
    case c_charges: return list_of(AbiKind::money);
    case l_units: return k == AbiKind::int_;
    case l_charge: return k == AbiKind::money;
    case l_diagnosis_pointers: return list_of(AbiKind::int_);
    case l_prior_auth: return opt_of(AbiKind::code);
  }
  return false;
}

void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put_i64(uint8_t* p, int64_t v) { put_u64(p, static_cast<uint64_t>(v)); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A Code value: 1..16 printable ASCII characters without spaces, zero padded to 16 bytes.
// Fails with the reason only; the caller names the field (built only on failure).
Expected<void, std::string> put_code(uint8_t* p, std::string_view text) {
  if (text.empty() || text.size() > 16)
    return unexpected("a code has 1 to 16 characters, `" + std::string(text.substr(0, 40)) +
                      "` has " + std::to_string(text.size()));
  for (char c : text)
    if (c <= 0x20 || c > 0x7e)
      return unexpected("`" + std::string(text) + "` is not printable ASCII without spaces");
  std::memcpy(p, text.data(), text.size());
  return {};
}

Expected<void, std::string> put_enum(uint8_t* p, const AbiType& t, std::string_view value,
                                     std::string_view what) {
  for (size_t i = 0; i < t.variants.size(); ++i)
    if (t.variants[i] == value) {
      put_u64(p, i);
      return {};
    }
  return unexpected(std::string(what) + ": the plan's " + t.name + " has no `" +
                    std::string(value) + "`");
}

std::string_view frequency_name(claims::Frequency f) {
  switch (f) {
    case claims::Frequency::original: return "original";
    case claims::Frequency::replacement: return "replacement";
    case claims::Frequency::void_: return "void";
  }
  return "original";
}

// Fails with the reason only; the caller names the field.
Expected<void, std::string> put_money(uint8_t* p, const AbiType& t, int64_t amount,
                                      const claims::Claim& claim) {
  if (t.currency != claim.currency)
    return unexpected("the plan takes " + t.currency + ", the claim is in " + claim.currency);
  put_i64(p, amount);
  return {};
}

// An optional Int or Date: a plain one requires the value, an Option writes none.
Expected<void, std::string> put_optional_int(uint8_t* p, const AbiType& t,
                                             const std::optional<int64_t>& v,
                                             std::string_view what) {
  if (t.kind == AbiKind::option) {
    if (v) {
      put_u64(p, 1);
      put_i64(p + 8, *v);
    }
    return {};
  }
  if (!v) return unexpected(std::string(what) + ": the plan needs it and the claim has none");
  put_i64(p, *v);
  return {};
}

}  // namespace

std::string pseudonym_hex(const Digest& d) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(64, '0');
  for (size_t i = 0; i < 32; ++i) {
    s[2 * i] = kDigits[d[i] >> 4];
    s[2 * i + 1] = kDigits[d[i] & 15];
  }
  return s;
}

Digest claim_digest(std::string_view id, ledger::Hasher& hasher) {
  return hasher.sha256(bytes_of(id));
}

Digest member_pseudonym(std::string_view member, ledger::Hasher& hasher) {
  Digest d{};
  if (member.size() == 64) {
    bool hex = true;
    for (size_t i = 0; i < 32 && hex; ++i) {
      int hi = hex_value(member[2 * i]), lo = hex_value(member[2 * i + 1]);
      if (hi < 0 || lo < 0) hex = false;
      else d[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    if (hex) return d;
  }
  return hasher.sha256(bytes_of(member));
}

Expected<ClaimEncoder, std::string> ClaimEncoder::make(const runtime::AbiEntry& entry) {
  if (entry.params.size() != 1 || entry.params[0].type->kind != AbiKind::record)
    return unexpected("entry `" + entry.name + "` must take one parameter, a claim record");
  ClaimEncoder e;
  e.param_offset_ = entry.params[0].offset;
  e.param_size_ = entry.param_size;
  const AbiType& record = *entry.params[0].type;
  auto slots_of = [](const AbiType& rec, std::span<const Provided> provided,
                     std::string_view where, std::vector<Slot>& out) -> Expected<void, std::string> {
    for (const auto& f : rec.fields) {
      auto p = std::find_if(provided.begin(), provided.end(),
                            [&](const Provided& x) { return x.name == f.name; });
      if (p == provided.end())
        return unexpected(std::string(where) + " `" + rec.name + "` has a field `" + f.name +
                          "` that no claims format provides (docs/claims-format.md)");
      if (!fits(p->source, *f.type))
        return unexpected(std::string(where) + " `" + rec.name + "`: field `" + f.name +
                          "` is " + f.type->name + ", which a claim's " + f.name +
                          " cannot fill");
      out.push_back(Slot{p->source, f.offset, f.type, {}});
    }
    return {};
  };
  if (auto ok = slots_of(record, kClaimFields, "the claim record", e.claim_slots_); !ok)
    return unexpected(ok.error());
  for (const auto& s : e.claim_slots_) {
    if (s.source != c_lines) continue;
    e.max_lines_ = s.type->bound;
    if (auto ok = slots_of(*s.type->elem, kLineFields, "the line record", e.line_slots_); !ok)
      return unexpected(ok.error());
  }
  for (const auto& s : e.claim_slots_)
    if (s.source == c_charges) e.max_lines_ = std::min<size_t>(e.max_lines_, s.type->bound);
  return e;
}

Expected<void, std::string> ClaimEncoder::encode(const claims::Claim& claim, size_t first,
                                                 size_t count, std::string_view id_suffix,
                                                 std::span<uint8_t> block,
                                                 ledger::Hasher& hasher) const {
  std::fill(block.begin(), block.end(), uint8_t{0});
  uint8_t* base = block.data() + param_offset_;
  auto lines = std::span(claim.lines).subspan(first, count);
  for (const auto& s : claim_slots_) {
    uint8_t* p = base + s.offset;
    const AbiType& t = *s.type;
    switch (s.source) {
      case c_id: {
        Digest d;
        if (id_suffix.empty()) {
          d = claim_digest(claim.id, hasher);
        } else {
          std::string part = claim.id;
          part += id_suffix;
          d = claim_digest(part, hasher);
        }
        std::memcpy(p, d.data(), d.size());
        break;
      }
      case c_member: {
        auto d = member_pseudonym(claim.member, hasher);
        std::memcpy(p, d.data(), d.size());
        break;
      }
      case c_provider:
        if (auto ok = put_code(p, claim.provider); !ok)
          return unexpected(std::string("provider") + ": " + ok.error());
        break;
      case c_received: put_i64(p, claim.received); break;
      case c_frequency:
        if (auto ok = put_enum(p, t, frequency_name(claim.frequency), "frequency"); !ok) return ok;
        break;
      case c_replaces:
        if (claim.replaces) {
          put_u64(p, 1);
          auto d = claim_digest(*claim.replaces, hasher);
          std::memcpy(p + 8, d.data(), d.size());
        }
        break;
      case c_diagnoses: {
        if (claim.diagnoses.size() > t.bound)
          return unexpected("diagnoses: the plan takes at most " + std::to_string(t.bound) +
                            ", the claim has " + std::to_string(claim.diagnoses.size()));
        put_u64(p, claim.diagnoses.size());
        for (size_t i = 0; i < claim.diagnoses.size(); ++i)
          if (auto ok = put_code(p + 8 + 16 * i, claim.diagnoses[i]); !ok)
          return unexpected("diagnoses[" + std::to_string(i) + "]" + ": " + ok.error());
        break;
      }
      case c_other_coverage: put_u64(p, claim.other_coverage ? 1 : 0); break;
      case c_lines: {
        put_u64(p, lines.size());
        const AbiType& line_type = *t.elem;
        for (size_t i = 0; i < lines.size(); ++i) {
          uint8_t* lp = p + 8 + uint64_t{line_type.size} * i;
          const claims::Line& line = lines[i];
          // Built only for an error message.
          auto where = [&](std::string_view f) {
            return "lines[" + std::to_string(first + i) + "]." + std::string(f);
          };
          for (const auto& ls : line_slots_) {
            uint8_t* q = lp + ls.offset;
            const AbiType& lt = *ls.type;
            switch (ls.source) {
              case l_code:
                if (auto ok = put_code(q, line.code); !ok)
          return unexpected(where("code") + ": " + ok.error());
                break;
              case l_modifiers:
                if (line.modifiers.size() > lt.bound)
                  return unexpected(where("modifiers") + ": the plan takes at most " +
                                    std::to_string(lt.bound));
                put_u64(q, line.modifiers.size());
                for (size_t m = 0; m < line.modifiers.size(); ++m)
                  if (auto ok = put_code(q + 8 + 16 * m, line.modifiers[m]); !ok)
          return unexpected(where("modifiers") + ": " + ok.error());
                break;
              case l_units: put_i64(q, line.units); break;
              case l_charge:
                if (auto ok = put_money(q, lt, line.charge, claim); !ok)
                  return unexpected(where("charge") + ": " + ok.error());
                break;
              case l_service_date: put_i64(q, line.service_date); break;
              case l_place:
                // A line that names no place of service (an institutional claim, most FHIR
                // claims) is at CMS place 99, "other place of service".
                if (auto ok = put_code(q, line.place.empty() ? kOtherPlace : line.place); !ok)
          return unexpected(where("place") + ": " + ok.error());
                break;
              case l_diagnosis_pointers:
                if (line.diagnosis_pointers.size() > lt.bound)
                  return unexpected(where("diagnosis_pointers") + ": the plan takes at most " +
                                    std::to_string(lt.bound));
                put_u64(q, line.diagnosis_pointers.size());
                for (size_t d = 0; d < line.diagnosis_pointers.size(); ++d)
                  put_i64(q + 8 + 8 * d, line.diagnosis_pointers[d]);
                break;
              case l_prior_auth:
                if (line.prior_auth) {
                  put_u64(q, 1);
                  if (auto ok = put_code(q + 8, *line.prior_auth); !ok)
          return unexpected(where("prior_auth") + ": " + ok.error());
                }
                break;
              default: break;
            }
          }
        }
        break;
      }
      case c_enrolled:
        if (auto ok = put_optional_int(p, t, claim.enrolled, "enrolled"); !ok) return ok;
        break;
      case c_plan:
        if (auto ok = put_optional_int(p, t, claim.plan, "plan"); !ok) return ok;
        break;
      case c_secondary:
        if (auto ok = put_optional_int(p, t, claim.secondary_plan, "secondary"); !ok) return ok;
        break;
      case c_service:
        if (claim.service.empty())
          return unexpected("service: the plan needs the kind of service and the claim has none");
        if (auto ok = put_enum(p, t, claim.service, "service"); !ok) return ok;
        break;
      case c_service_date:
        if (lines.empty()) return unexpected("service_date: the claim has no lines");
        put_i64(p, lines.front().service_date);
        break;
      case c_charges:
        put_u64(p, lines.size());
        for (size_t i = 0; i < lines.size(); ++i)
          if (auto ok = put_money(p + 8 + 8 * i, *t.elem, lines[i].charge, claim); !ok)
            return unexpected("lines[" + std::to_string(first + i) + "].charge: " + ok.error());
        break;
      default: break;
    }
  }
  return {};
}

}  // namespace covenant::simulate
