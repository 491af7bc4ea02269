#include "consent/template_abi.hpp"

#include <array>
#include <cstring>

#include "consent/access.hpp"

namespace covenant::consent {

namespace {

constexpr std::array<std::string_view, kTemplateReasons> kReasonVariants = {
    "granted", "explicit", "expired", "not_yet_valid", "wrong_purpose", "class_not_granted",
    "outside_lookback", "grantee_not_covered", "action_not_covered", "wrong_study",
    "label_not_covered"};

uint64_t word(std::span<const uint8_t> b, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[at + static_cast<size_t>(i)];
  return v;
}

bool is_type(const runtime::AbiType* t, std::string_view name, uint32_t size) {
  return t != nullptr && t->name == name && t->size == size;
}

}  // namespace

Expected<TemplateEntries, std::string> template_entries(const runtime::Abi& abi) {
  TemplateEntries out;
  out.grant = abi.find("grant");
  out.decide = abi.find("decide");
  if (out.grant == nullptr || out.decide == nullptr)
    return unexpected(abi.contract() + " is not a consent template: it needs entries grant and decide (std.consent)");
  const auto& g = *out.grant;
  const auto& d = *out.decide;
  if (g.params.size() != 1 || !is_type(g.result, "Scope", kScopeSize))
    return unexpected(abi.contract() + ": grant must take the terms alone and return a std.consent Scope");
  if (d.params.size() != 2 || d.params[0].type != g.params[0].type ||
      !is_type(d.params[1].type, "Access", kAccessSize) || !is_type(d.result, "Ruling", kRulingSize))
    return unexpected(abi.contract() +
                      ": decide must take the terms grant takes and a std.consent Access, and return a Ruling");
  const runtime::AbiType* reason = nullptr;
  for (const auto& f : d.result->fields)
    if (f.name == "reason") reason = f.type;
  if (reason == nullptr || reason->variants.size() != kReasonVariants.size() ||
      !std::equal(reason->variants.begin(), reason->variants.end(), kReasonVariants.begin()))
    return unexpected(abi.contract() + ": its Reason enum is not std.consent's");
  out.terms_size = g.param_size;
  return out;
}

Expected<Scope, std::string> read_scope(std::span<const uint8_t> b) {
  if (b.size() != kScopeSize) return unexpected(std::string("a Scope has 816 bytes"));
  Scope s;
  std::memcpy(s.patient.data(), b.data(), 32);
  const uint64_t grantees = word(b, 32);
  if (grantees > 8) return unexpected(std::string("Scope.grantees claims more than 8"));
  for (uint64_t i = 0; i < grantees; ++i) {
    Pseudonym p;
    std::memcpy(p.data(), b.data() + 40 + 32 * i, 32);
    s.grantees.push_back(p);
  }
  const uint64_t classes = word(b, 296);
  if (classes > 16) return unexpected(std::string("Scope.classes claims more than 16"));
  for (uint64_t i = 0; i < classes; ++i) {
    ledger::Hash c;
    std::memcpy(c.data(), b.data() + 304 + 32 * i, 32);
    s.classes.push_back(c);
  }
  return s;
}

Expected<Ruling, std::string> read_ruling(std::span<const uint8_t> b) {
  if (b.size() != kRulingSize) return unexpected(std::string("a Ruling has 40 bytes"));
  Ruling r;
  const uint64_t effect = word(b, 0), reason = word(b, 8), flag = word(b, 32);
  if (effect > 2) return unexpected(std::string("Ruling.effect out of range"));
  if (reason >= kTemplateReasons) return unexpected(std::string("Ruling.reason out of range"));
  r.effect = static_cast<Ruling::Effect>(effect);
  r.reason = static_cast<Reason>(reason);
  size_t n = 0;
  while (n < 16 && b[16 + n] != 0) ++n;
  r.rule.assign(reinterpret_cast<const char*>(b.data() + 16), n);
  r.flag = flag != 0;
  return r;
}

}  // namespace covenant::consent
