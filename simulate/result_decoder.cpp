#include "simulate/result_decoder.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace covenant::simulate {
namespace {

using runtime::AbiKind;
using runtime::AbiType;

enum Target : uint8_t {
  t_number, t_code, t_service_date, t_units, t_charge, t_allowed, t_copay, t_deductible,
  t_coinsurance, t_payer, t_secondary, t_patient, t_adjustments,
};

struct Named {
  std::string_view name;
  Target target;
  AbiKind kind;
};

// Line fields by name; several names for one target are the spellings of the models the
// simulator reads (std.claims' LineAdjudication, Synthea's Entry).
constexpr Named kLineFields[] = {
    {"number", t_number, AbiKind::int_},       {"code", t_code, AbiKind::code},
    {"service_date", t_service_date, AbiKind::date}, {"units", t_units, AbiKind::int_},
    {"submitted", t_charge, AbiKind::money},   {"cost", t_charge, AbiKind::money},
    {"allowed", t_allowed, AbiKind::money},    {"copay", t_copay, AbiKind::money},
    {"deductible", t_deductible, AbiKind::money}, {"coinsurance", t_coinsurance, AbiKind::money},
    {"paid", t_payer, AbiKind::money},         {"payer", t_payer, AbiKind::money},
    {"secondary", t_secondary, AbiKind::money}, {"patient", t_patient, AbiKind::money},
    {"adjustments", t_adjustments, AbiKind::list},
};

uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
int64_t get_i64(const uint8_t* p) { return static_cast<int64_t>(get_u64(p)); }

const runtime::AbiField* field(const AbiType& t, std::string_view name) {
  for (const auto& f : t.fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Expected<ResultDecoder, std::string> ResultDecoder::make(const runtime::AbiEntry& entry) {
  if (!entry.result || entry.result->kind != AbiKind::record)
    return unexpected("entry `" + entry.name + "` must return a record of adjudicated lines");
  const AbiType& result = *entry.result;
  ResultDecoder d;
  if (const auto* s = field(result, "status"); s && s->type->kind == AbiKind::enum_) {
    d.status_ = s->type;
    d.status_offset_ = s->offset;
  }
  const runtime::AbiField* lines = field(result, "lines");
  if (!lines) lines = field(result, "entries");
  if (!lines || lines->type->kind != AbiKind::list || lines->type->elem->kind != AbiKind::record)
    return unexpected("the result `" + result.name +
                      "` has no list of line records named `lines` or `entries`");
  d.lines_ = lines->type;
  d.lines_offset_ = lines->offset;
  const AbiType& line = *lines->type->elem;
  bool charge = false, payer = false, coinsurance = false;
  for (const auto& f : line.fields) {
    auto n = std::find_if(std::begin(kLineFields), std::end(kLineFields),
                          [&](const Named& x) { return x.name == f.name; });
    if (n == std::end(kLineFields) || n->kind != f.type->kind) continue;
    if (n->target == t_adjustments) {
      const AbiType* a = f.type->elem;
      if (a->kind != AbiKind::record) continue;
      const auto* g = field(*a, "group");
      const auto* r = field(*a, "reason");
      const auto* m = field(*a, "amount");
      if (!g || !r || !m || g->type->kind != AbiKind::enum_ || r->type->kind != AbiKind::int_ ||
          m->type->kind != AbiKind::money)
        return unexpected("the line's `adjustments` must be records of group (enum), reason "
                          "(Int) and amount (Money)");
      d.adj_group_ = g->offset;
      d.adj_reason_ = r->offset;
      d.adj_amount_ = m->offset;
      d.adj_group_type_ = g->type;
    }
    charge |= n->target == t_charge;
    payer |= n->target == t_payer;
    coinsurance |= n->target == t_coinsurance;
    d.line_slots_.push_back(Slot{n->target, f.offset, f.type});
  }
  if (!charge || !payer)
    return unexpected("the line record `" + line.name +
                      "` needs a charge (`submitted` or `cost`) and a payment (`paid` or `payer`)");
  d.patient_is_rest_ = !coinsurance;
  return d;
}

void ResultDecoder::add(std::span<const uint8_t> block, int64_t first_number,
                        ClaimResult& out) const {
  const uint8_t* base = block.data();
  if (status_) {
    uint64_t tag = get_u64(base + status_offset_);
    out.status = tag < status_->variants.size() ? status_->variants[tag] : std::to_string(tag);
  }
  uint64_t count = std::min<uint64_t>(get_u64(base + lines_offset_), lines_->bound);
  uint32_t stride = lines_->elem->size;
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t* p = base + lines_offset_ + 8 + uint64_t{stride} * i;
    LineResult l;
    l.number = first_number + static_cast<int64_t>(i);
    for (const auto& s : line_slots_) {
      const uint8_t* q = p + s.offset;
      switch (s.target) {
        case t_number:
          l.number = first_number - 1 + get_i64(q);
          break;
        case t_code: {
          const char* c = reinterpret_cast<const char*>(q);
          l.code.assign(c, strnlen(c, 16));
          break;
        }
        case t_service_date: l.service_date = get_i64(q); break;
        case t_units: l.units = get_i64(q); break;
        case t_charge: l.charge = get_i64(q); break;
        case t_allowed: l.allowed = get_i64(q); break;
        case t_copay: l.copay = get_i64(q); break;
        case t_deductible: l.deductible = get_i64(q); break;
        case t_coinsurance: l.coinsurance = get_i64(q); break;
        case t_payer: l.payer = get_i64(q); break;
        case t_secondary: l.secondary = get_i64(q); break;
        case t_patient: l.patient = get_i64(q); break;
        case t_adjustments: {
          const AbiType& list = *s.type;
          uint64_t n = std::min<uint64_t>(get_u64(q), list.bound);
          for (uint64_t a = 0; a < n; ++a) {
            const uint8_t* r = q + 8 + uint64_t{list.elem->size} * a;
            uint64_t tag = get_u64(r + adj_group_);
            Adjustment adj;
            adj.group = tag < adj_group_type_->variants.size()
                            ? upper(adj_group_type_->variants[tag])
                            : std::to_string(tag);
            adj.reason = get_i64(r + adj_reason_);
            adj.amount = get_i64(r + adj_amount_);
            l.adjustments.push_back(std::move(adj));
          }
          break;
        }
      }
    }
    if (patient_is_rest_) {
      l.coinsurance = l.patient;
      l.patient = l.copay + l.deductible + l.coinsurance;
    }
    out.billed += l.charge;
    if (l.allowed) out.allowed = out.allowed.value_or(0) + *l.allowed;
    out.payer += l.payer;
    out.patient += l.patient;
    out.secondary += l.secondary;
    for (const auto& a : l.adjustments)
      if (a.group != "PR") out.contractual += a.amount;
    out.lines.push_back(std::move(l));
  }
}

}  // namespace covenant::simulate
