#include "simulate/claim_result.hpp"

#include <cstdio>

#include "claims/civil_date.hpp"
#include "claims/decimal.hpp"
#include "runtime/abi.hpp"

namespace covenant::simulate {
namespace {

void append_int(int64_t v, std::string& out) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out.append(buf, static_cast<size_t>(n));
}

void append_date(int64_t days, std::string& out) {
  out += '"';
  out += claims::format_date(days);
  out += '"';
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
  out += claims::format_decimal(minor, digits);
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
