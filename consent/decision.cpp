#include "consent/decision.hpp"

#include "runtime/abi.hpp"
#include "vm/hex.hpp"

namespace covenant::consent {

namespace {
constexpr uint8_t kVersion = 1;
constexpr uint8_t kLastReason = static_cast<uint8_t>(Reason::template_failed);
}  // namespace

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::permitted: return "permitted";
    case Outcome::explicitly_denied: return "explicitly denied";
    case Outcome::not_permitted: return "not permitted";
  }
  return "?";
}

std::string_view reason_name(Reason reason) {
  static constexpr std::string_view kNames[] = {
      "granted", "explicit", "expired", "not yet valid", "wrong purpose", "class not granted",
      "outside look-back", "grantee not covered", "action not covered", "wrong study",
      "label not covered", "no consent", "revoked", "template failed"};
  return kNames[static_cast<uint8_t>(reason)];
}

std::string_view reason_text(Reason reason) {
  static constexpr std::string_view kTexts[] = {
      "a consent permits it",
      "a rule of the consent forbids it",
      "the consent has expired",
      "the consent is not yet in force",
      "the purpose of use is not one the consent grants",
      "the data class is not one the consent grants",
      "the record is outside the consent's look-back window",
      "the requester is not a grantee of the consent",
      "the action is not one the consent grants",
      "the request is for another study",
      "the data carries a security label the consent does not release",
      "the patient has no consent for this requester",
      "the consent was revoked by the patient",
      "the consent's template could not decide (a fault or out of gas)"};
  return kTexts[static_cast<uint8_t>(reason)];
}

std::vector<uint8_t> encode_decision(const Decision& d) {
  std::vector<uint8_t> out;
  out.push_back(kVersion);
  out.push_back(static_cast<uint8_t>(d.outcome));
  out.push_back(static_cast<uint8_t>(d.reason));
  out.push_back(d.flag ? 1 : 0);
  ledger::put_u64(out, d.consent);
  out.push_back(static_cast<uint8_t>(d.rule.size()));
  out.insert(out.end(), d.rule.begin(), d.rule.end());
  ledger::put_bytes(out, d.request_hash);
  ledger::put_bytes(out, d.policy_hash);
  ledger::put_u32(out, d.consulted);
  out.push_back(d.record ? 1 : 0);
  if (d.record) {
    ledger::put_bytes(out, d.record->document);
    ledger::put_u16(out, static_cast<uint16_t>(d.record->location.size()));
    out.insert(out.end(), d.record->location.begin(), d.record->location.end());
  }
  return out;
}

Expected<Decision, ledger::DecodeError> decode_decision(std::span<const uint8_t> bytes) {
  using ledger::DecodeError;
  ledger::ByteReader in(bytes);
  Decision d;
  auto version = in.take_le(1, "version");
  if (!version) return unexpected(std::move(version).error());
  if (*version != kVersion) return unexpected(DecodeError{0, "unsupported decision version"});
  auto outcome = in.take_le(1, "outcome");
  if (!outcome) return unexpected(std::move(outcome).error());
  if (*outcome > 2) return unexpected(DecodeError{1, "unknown outcome"});
  d.outcome = static_cast<Outcome>(*outcome);
  auto reason = in.take_le(1, "reason");
  if (!reason) return unexpected(std::move(reason).error());
  if (*reason > kLastReason) return unexpected(DecodeError{2, "unknown reason"});
  d.reason = static_cast<Reason>(*reason);
  auto flag = in.take_le(1, "flag");
  if (!flag) return unexpected(std::move(flag).error());
  if (*flag > 1) return unexpected(DecodeError{3, "flag is not 0 or 1"});
  d.flag = *flag == 1;
  auto consent = in.take_le(8, "consent");
  if (!consent) return unexpected(std::move(consent).error());
  d.consent = *consent;
  auto rule_length = in.take_le(1, "rule length");
  if (!rule_length) return unexpected(std::move(rule_length).error());
  auto rule = in.take(*rule_length, "rule");
  if (!rule) return unexpected(std::move(rule).error());
  d.rule.assign(rule->begin(), rule->end());
  auto request = in.take_array<32>("request hash");
  if (!request) return unexpected(std::move(request).error());
  d.request_hash = *request;
  auto policy = in.take_array<32>("policy hash");
  if (!policy) return unexpected(std::move(policy).error());
  d.policy_hash = *policy;
  auto consulted = in.take_le(4, "consulted");
  if (!consulted) return unexpected(std::move(consulted).error());
  d.consulted = static_cast<uint32_t>(*consulted);
  const size_t at = in.offset();
  auto has_record = in.take_le(1, "record flag");
  if (!has_record) return unexpected(std::move(has_record).error());
  if (*has_record > 1) return unexpected(DecodeError{at, "record flag is not 0 or 1"});
  if (*has_record == 1) {
    RecordLocation r;
    auto doc = in.take_array<32>("document hash");
    if (!doc) return unexpected(std::move(doc).error());
    r.document = *doc;
    auto n = in.take_le(2, "location length");
    if (!n) return unexpected(std::move(n).error());
    auto loc = in.take(*n, "location");
    if (!loc) return unexpected(std::move(loc).error());
    r.location.assign(loc->begin(), loc->end());
    d.record = std::move(r);
  }
  if (auto ok = in.finish("decision"); !ok) return unexpected(std::move(ok).error());
  return d;
}

std::string decision_json(const Decision& d) {
  auto quoted = [](std::string_view text) { return runtime::json_string(text); };
  std::string out = "{\"decision\":" + quoted(outcome_name(d.outcome)) +
                    ",\"reason\":" + quoted(reason_name(d.reason)) +
                    ",\"explanation\":" + quoted(reason_text(d.reason));
  if (d.consent != 0) out += ",\"consent\":" + std::to_string(d.consent) + ",\"rule\":" + quoted(d.rule);
  if (d.flag) out += ",\"flagged\":true";
  out += ",\"request\":\"" + to_hex(d.request_hash) + "\",\"policy_set\":\"" + to_hex(d.policy_hash) +
         "\",\"consulted\":" + std::to_string(d.consulted);
  if (d.record)
    out += ",\"record\":{\"sha256\":\"" + to_hex(d.record->document) + "\",\"location\":" +
           quoted(d.record->location) + "}";
  return out + "}";
}

}  // namespace covenant::consent
