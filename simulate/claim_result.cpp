#include "simulate/claim_result.hpp"

#include <cstdio>

#include "runtime/abi.hpp"

namespace covenant::simulate {
namespace {

void append_int(int64_t v, std::string& out) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out.append(buf, static_cast<size_t>(n));
}

void append_date(int64_t days, std::string& out) {
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "\"%04lld-%02lld-%02lld\"", static_cast<long long>(y),
                        static_cast<long long>(m), static_cast<long long>(d));
  out.append(buf, static_cast<size_t>(n));
}

struct Writer {
  std::string& out;
  int digits;
  bool first = true;
  void key(const char* k) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += k;
    out += "\":";
  }
  void money(const char* k, int64_t v) {
    key(k);
    out += '"';
    append_amount(v, digits, out);
    out += '"';
  }
  void text(const char* k, const std::string& v) {
    key(k);
    out += runtime::json_string(v);
  }
  void integer(const char* k, int64_t v) {
    key(k);
    append_int(v, out);
  }
};

}  // namespace

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::adjudicated: return "adjudicated";
    case Outcome::denied: return "denied";
    case Outcome::failed: return "failed";
  }
  return "failed";
}

void append_amount(int64_t minor, int digits, std::string& out) {
  uint64_t magnitude = minor < 0 ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  if (minor < 0) out += '-';
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(magnitude / scale));
  out.append(buf, static_cast<size_t>(n));
  if (digits > 0) {
    out += '.';
    uint64_t frac = magnitude % scale;
    for (int i = digits - 1; i >= 0; --i) {
      uint64_t p = 1;
      for (int j = 0; j < i; ++j) p *= 10;
      out += static_cast<char>('0' + (frac / p) % 10);
    }
  }
}

void append_result_json(const ClaimResult& r, std::string& out) {
  int digits = runtime::currency_digits(r.currency);
  if (digits < 0) digits = 2;
  Writer w{out, digits};
  out += '{';
  w.text("claim_id", r.claim_id);
  w.text("member", r.member);
  w.key("outcome");
  out += '"';
  out += outcome_name(r.outcome);
  out += '"';
  if (!r.status.empty()) w.text("status", r.status);
  w.text("currency", r.currency);
  w.money("billed", r.billed);
  if (r.outcome != Outcome::failed) {
    if (r.allowed) w.money("allowed", *r.allowed);
    w.money("payer", r.payer);
    w.money("patient", r.patient);
    w.money("secondary", r.secondary);
    w.money("contractual", r.contractual);
  }
  if (r.outcome != Outcome::adjudicated) {
    if (r.code) w.integer("code", *r.code);
    w.text("reason", r.reason);
    if (!r.at.empty()) w.text("at", r.at);
  }
  w.key("lines");
  out += '[';
  for (size_t i = 0; i < r.lines.size(); ++i) {
    const LineResult& l = r.lines[i];
    if (i) out += ',';
    out += '{';
    Writer lw{out, digits};
    lw.integer("number", l.number);
    lw.text("code", l.code);
    lw.key("service_date");
    append_date(l.service_date, out);
    lw.integer("units", l.units);
    lw.money("charge", l.charge);
    if (l.allowed) lw.money("allowed", *l.allowed);
    lw.money("copay", l.copay);
    lw.money("deductible", l.deductible);
    lw.money("coinsurance", l.coinsurance);
    lw.money("payer", l.payer);
    lw.money("secondary", l.secondary);
    lw.money("patient", l.patient);
    lw.key("adjustments");
    out += '[';
    for (size_t a = 0; a < l.adjustments.size(); ++a) {
      if (a) out += ',';
      out += '{';
      Writer aw{out, digits};
      aw.text("group", l.adjustments[a].group);
      aw.integer("reason", l.adjustments[a].reason);
      aw.money("amount", l.adjustments[a].amount);
      out += '}';
    }
    out += "]}";
  }
  out += ']';
  w.integer("gas", static_cast<int64_t>(r.gas));
  out += "}\n";
}

}  // namespace covenant::simulate
