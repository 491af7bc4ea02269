#include "consent/consent_tx.hpp"

#include <algorithm>

namespace covenant::consent {

namespace {

constexpr uint8_t kMagic[4] = {'C', 'V', 'C', 'S'};
constexpr uint8_t kVersion = 1;

enum class OpCode : uint8_t { enrol = 1, grant = 2, revoke = 3, ask = 4, register_record = 5, fetch = 6 };

using ledger::DecodeError;

DecodeError error_at(size_t at, std::string reason) { return DecodeError{at, std::move(reason)}; }

bool printable(std::span<const uint8_t> text) {
  return std::all_of(text.begin(), text.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

std::string_view op_name(const ConsentOp& op) {
  static constexpr std::string_view kNames[] = {"enrol", "grant", "revoke", "ask", "register", "fetch"};
  return kNames[op.index()];
}

std::vector<uint8_t> encode_consent_op(const ConsentOp& op) {
  std::vector<uint8_t> out;
  out.reserve(256);
  for (uint8_t b : kMagic) out.push_back(b);
  out.push_back(kVersion);
  out.push_back(static_cast<uint8_t>(op.index() + 1));
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, Enrol>) {
          ledger::put_bytes(out, o.patient);
          out.push_back(static_cast<uint8_t>(o.keys.size()));
          for (const auto& k : o.keys) ledger::put_bytes(out, k);
        } else if constexpr (std::is_same_v<T, Grant>) {
          out.push_back(static_cast<uint8_t>(o.template_name.size()));
          out.insert(out.end(), o.template_name.begin(), o.template_name.end());
          ledger::put_u32(out, o.version);
          ledger::put_u32(out, static_cast<uint32_t>(o.terms.size()));
          out.insert(out.end(), o.terms.begin(), o.terms.end());
        } else if constexpr (std::is_same_v<T, Revoke>) {
          ledger::put_u64(out, o.id);
        } else if constexpr (std::is_same_v<T, Ask>) {
          put_request(out, o.request);
        } else if constexpr (std::is_same_v<T, RegisterRecord>) {
          ledger::put_bytes(out, o.document);
          ledger::put_bytes(out, o.patient);
          ledger::put_bytes(out, o.data_class);
          ledger::put_u64(out, static_cast<uint64_t>(o.date));
          ledger::put_u16(out, static_cast<uint16_t>(o.location.size()));
          out.insert(out.end(), o.location.begin(), o.location.end());
        } else {
          ledger::put_bytes(out, o.document);
          put_request(out, o.request);
        }
      },
      op);
  return out;
}

Expected<ConsentOp, DecodeError> decode_consent_op(std::span<const uint8_t> payload) {
  ledger::ByteReader in(payload);
  if (auto ok = in.magic(kMagic, kVersion, "CVCS"); !ok) return unexpected(std::move(ok).error());
  const size_t op_at = in.offset();
  auto code = in.take_le(1, "operation");
  if (!code) return unexpected(std::move(code).error());
  ConsentOp op;
  switch (static_cast<OpCode>(*code)) {
    case OpCode::enrol: {
      Enrol e;
      auto p = in.take_array<32>("patient");
      if (!p) return unexpected(std::move(p).error());
      e.patient = *p;
      const size_t at = in.offset();
      auto n = in.take_le(1, "key count");
      if (!n) return unexpected(std::move(n).error());
      if (*n == 0 || *n > kMaxPatientKeys)
        return unexpected(error_at(at, "an enrolment binds 1 to " + std::to_string(kMaxPatientKeys) +
                                           " keys, not " + std::to_string(*n)));
      for (uint64_t i = 0; i < *n; ++i) {
        const size_t key_at = in.offset();
        auto k = in.take_array<32>("key");
        if (!k) return unexpected(std::move(k).error());
        if (std::find(e.keys.begin(), e.keys.end(), *k) != e.keys.end())
          return unexpected(error_at(key_at, "a key is listed twice"));
        e.keys.push_back(*k);
      }
      op = std::move(e);
      break;
    }
    case OpCode::grant: {
      Grant g;
      const size_t at = in.offset();
      auto n = in.take_le(1, "template name length");
      if (!n) return unexpected(std::move(n).error());
      if (*n == 0 || *n > kMaxTemplateName)
        return unexpected(error_at(at, "a template name has 1 to " + std::to_string(kMaxTemplateName) + " bytes"));
      auto name = in.take(*n, "template name");
      if (!name) return unexpected(std::move(name).error());
      if (!printable(*name)) return unexpected(error_at(at + 1, "template name is not printable ASCII"));
      g.template_name.assign(name->begin(), name->end());
      const size_t version_at = in.offset();
      auto v = in.take_le(4, "template version");
      if (!v) return unexpected(std::move(v).error());
      if (*v == 0) return unexpected(error_at(version_at, "template version 0; versions start at 1"));
      g.version = static_cast<uint32_t>(*v);
      auto len = in.take_le(4, "terms length");
      if (!len) return unexpected(std::move(len).error());
      auto terms = in.take(*len, "terms");
      if (!terms) return unexpected(std::move(terms).error());
      g.terms.assign(terms->begin(), terms->end());
      op = std::move(g);
      break;
    }
    case OpCode::revoke: {
      auto id = in.take_le(8, "consent id");
      if (!id) return unexpected(std::move(id).error());
      op = Revoke{*id};
      break;
    }
    case OpCode::ask: {
      auto r = take_request(in);
      if (!r) return unexpected(std::move(r).error());
      op = Ask{std::move(*r)};
      break;
    }
    case OpCode::register_record: {
      RegisterRecord rr;
      auto d = in.take_array<32>("document hash");
      if (!d) return unexpected(std::move(d).error());
      rr.document = *d;
      auto p = in.take_array<32>("patient");
      if (!p) return unexpected(std::move(p).error());
      rr.patient = *p;
      auto c = in.take_array<32>("data class");
      if (!c) return unexpected(std::move(c).error());
      rr.data_class = *c;
      auto date = in.take_le(8, "date");
      if (!date) return unexpected(std::move(date).error());
      rr.date = static_cast<int64_t>(*date);
      const size_t at = in.offset();
      auto n = in.take_le(2, "location length");
      if (!n) return unexpected(std::move(n).error());
      if (*n == 0 || *n > kMaxLocation)
        return unexpected(error_at(at, "a location has 1 to " + std::to_string(kMaxLocation) + " bytes"));
      auto loc = in.take(*n, "location");
      if (!loc) return unexpected(std::move(loc).error());
      if (!printable(*loc)) return unexpected(error_at(at + 2, "location is not printable ASCII"));
      rr.location.assign(loc->begin(), loc->end());
      op = std::move(rr);
      break;
    }
    case OpCode::fetch: {
      Fetch f;
      auto d = in.take_array<32>("document hash");
      if (!d) return unexpected(std::move(d).error());
      f.document = *d;
      auto r = take_request(in);
      if (!r) return unexpected(std::move(r).error());
      f.request = std::move(*r);
      op = std::move(f);
      break;
    }
    default:
      return unexpected(error_at(op_at, "unknown consent operation " + std::to_string(*code)));
  }
  if (auto ok = in.finish("consent operation"); !ok) return unexpected(std::move(ok).error());
  return op;
}

}  // namespace covenant::consent
