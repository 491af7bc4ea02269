#include "simulate/summary.hpp"

#include <cstdio>

#include "runtime/abi.hpp"

namespace covenant::simulate {
namespace {

int digits_of(const std::string& currency) {
  int d = runtime::currency_digits(currency);
  return d < 0 ? 2 : d;
}

// "1,234,567.89" (thousands separated, for the table).
std::string grouped(int64_t minor, int digits) {
  std::string plain;
  append_amount(minor, digits, plain);
  size_t start = plain[0] == '-' ? 1 : 0;
  size_t dot = plain.find('.');
  size_t int_end = dot == std::string::npos ? plain.size() : dot;
  std::string out = plain.substr(0, start);
  for (size_t i = start; i < int_end; ++i) {
    out += plain[i];
    size_t left = int_end - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  out += plain.substr(int_end);
  return out;
}

std::string count_text(uint64_t n) {
  std::string s = std::to_string(n), out;
  for (size_t i = 0; i < s.size(); ++i) {
    out += s[i];
    size_t left = s.size() - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  return out;
}

const char* carc_text(int64_t code) {
  switch (code) {
    case 1: return "deductible";
    case 2: return "coinsurance";
    case 3: return "copay";
    case 16: return "missing or invalid information";
    case 18: return "duplicate";
    case 26: return "before coverage";
    case 27: return "after coverage ended";
    case 29: return "timely filing limit";
    case 31: return "not insured";
    case 45: return "above the fee schedule";
    case 96: return "not covered";
    case 97: return "included in another service";
    case 151: return "more units than allowed";
    case 197: return "no prior authorisation";
    case 198: return "more than authorised";
    default: return "";
  }
}

}  // namespace

void Summary::add(const ClaimResult& r) {
  if (currency.empty()) currency = r.currency;
  ++claims;
  gas += r.gas;
  lines += r.lines.size();
  if (r.outcome == Outcome::failed) {
    ++failed;
    failed_billed += r.billed;
    return;
  }
  if (r.outcome == Outcome::denied) {
    ++denied;
    Tally& t = denials[r.code.value_or(-1)];
    ++t.count;
    t.amount += r.billed;
  } else {
    ++adjudicated;
  }
  if (!r.balanced()) ++unbalanced;
  billed += r.billed;
  allowed += r.allowed.value_or(0);
  payer += r.payer;
  patient += r.patient;
  secondary += r.secondary;
  contractual += r.contractual;
  for (const auto& l : r.lines) {
    copay += l.copay;
    deductible += l.deductible;
    coinsurance += l.coinsurance;
    for (const auto& a : l.adjustments) {
      Tally& t = adjustments[{a.group, a.reason}];
      ++t.count;
      t.amount += a.amount;
    }
  }
}

void Summary::merge(const Summary& o) {
  if (currency.empty()) currency = o.currency;
  claims += o.claims;
  adjudicated += o.adjudicated;
  denied += o.denied;
  failed += o.failed;
  malformed += o.malformed;
  calls += o.calls;
  calls_refused += o.calls_refused;
  lines += o.lines;
  unbalanced += o.unbalanced;
  billed += o.billed;
  allowed += o.allowed;
  payer += o.payer;
  patient += o.patient;
  secondary += o.secondary;
  contractual += o.contractual;
  copay += o.copay;
  deductible += o.deductible;
  coinsurance += o.coinsurance;
  failed_billed += o.failed_billed;
  gas += o.gas;
  for (const auto& [k, t] : o.denials) {
    denials[k].count += t.count;
    denials[k].amount += t.amount;
  }
  for (const auto& [k, t] : o.adjustments) {
    adjustments[k].count += t.count;
    adjustments[k].amount += t.amount;
  }
}

bool Summary::balanced() const {
  return unbalanced == 0 && billed == payer + patient + secondary + contractual;
}

std::string Summary::table() const {
  int d = digits_of(currency);
  std::string cur = currency.empty() ? "" : " " + currency;
  std::string out;
  char buf[256];
  auto row = [&](const char* label, const std::string& value) {
    std::snprintf(buf, sizeof buf, "  %-34s %22s\n", label, value.c_str());
    out += buf;
  };
  auto money = [&](int64_t v) { return grouped(v, d) + cur; };
  out += "Claims\n";
  row("claims", count_text(claims));
  row("  adjudicated", count_text(adjudicated));
  row("  denied whole", count_text(denied));
  if (failed) row("  failed (plan fault, out of gas)", count_text(failed));
  row("lines", count_text(lines));
  if (malformed) row("records skipped (malformed)", count_text(malformed));
  if (calls) row("entry calls", count_text(calls) + (calls_refused ? " (" + count_text(calls_refused) + " refused)" : ""));
  out += "Money\n";
  row("billed", money(billed));
  row("allowed", money(allowed));
  row("paid by the plan", money(payer));
  row("patient responsibility", money(patient));
  row("  copay", money(copay));
  row("  deductible", money(deductible));
  row("  coinsurance", money(coinsurance));
  row("secondary payer", money(secondary));
  row("contractual and other adjustments", money(contractual));
  row("balance (billed = paid + patient", balanced() ? std::string("holds") : "BROKEN");
  out += "                + secondary + adjustments)\n";
  if (unbalanced) row("unbalanced claims", count_text(unbalanced));
  if (failed) row("billed on failed claims", money(failed_billed));
  if (!denials.empty()) {
    out += "Claims denied whole, by code\n";
    for (const auto& [code, t] : denials) {
      std::snprintf(buf, sizeof buf, "  %-6s %-28s %12s %22s\n",
                    code < 0 ? "-" : std::to_string(code).c_str(), carc_text(code),
                    count_text(t.count).c_str(), money(t.amount).c_str());
      out += buf;
    }
  }
  if (!adjustments.empty()) {
    out += "Adjustments, by group and CARC\n";
    for (const auto& [key, t] : adjustments) {
      std::string code = key.first + "-" + std::to_string(key.second);
      std::snprintf(buf, sizeof buf, "  %-6s %-28s %12s %22s\n", code.c_str(),
                    carc_text(key.second), count_text(t.count).c_str(), money(t.amount).c_str());
      out += buf;
    }
  }
  out += "Throughput\n";
  double rate = seconds > 0 ? static_cast<double>(claims) / seconds : 0;
  std::snprintf(buf, sizeof buf, "%.2f s, %s claims/s", seconds,
                count_text(static_cast<uint64_t>(rate)).c_str());
  row("wall time", buf);
  row("gas", count_text(gas));
  if (peak_memory_kib) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(peak_memory_kib) / 1024);
    row("peak memory (resident)", buf);
  }
  return out;
}

std::string Summary::json() const {
  int d = digits_of(currency);
  std::string out = "{";
  auto num = [&](const char* k, uint64_t v) {
    out += '"';
    out += k;
    out += "\":" + std::to_string(v) + ",";
  };
  auto money = [&](const char* k, int64_t v) {
    out += '"';
    out += k;
    out += "\":\"";
    append_amount(v, d, out);
    out += "\",";
  };
  out += "\"currency\":" + runtime::json_string(currency) + ",";
  num("claims", claims);
  num("adjudicated", adjudicated);
  num("denied", denied);
  num("failed", failed);
  num("malformed", malformed);
  num("calls", calls);
  num("calls_refused", calls_refused);
  num("lines", lines);
  money("billed", billed);
  money("allowed", allowed);
  money("payer", payer);
  money("patient", patient);
  money("copay", copay);
  money("deductible", deductible);
  money("coinsurance", coinsurance);
  money("secondary", secondary);
  money("contractual", contractual);
  money("failed_billed", failed_billed);
  out += std::string("\"balanced\":") + (balanced() ? "true" : "false") + ",";
  num("unbalanced", unbalanced);
  out += "\"denials\":[";
  bool first = true;
  for (const auto& [code, t] : denials) {
    if (!first) out += ',';
    first = false;
    out += "{\"code\":" + (code < 0 ? std::string("null") : std::to_string(code)) +
           ",\"claims\":" + std::to_string(t.count) + ",\"billed\":\"";
    append_amount(t.amount, d, out);
    out += "\"}";
  }
  out += "],\"adjustments\":[";
  first = true;
  for (const auto& [key, t] : adjustments) {
    if (!first) out += ',';
    first = false;
    out += "{\"group\":\"" + key.first + "\",\"reason\":" + std::to_string(key.second) +
           ",\"count\":" + std::to_string(t.count) + ",\"amount\":\"";
    append_amount(t.amount, d, out);
    out += "\"}";
  }
  out += "],";
  num("gas", gas);
  char buf[64];
  num("peak_memory_kib", peak_memory_kib);
  std::snprintf(buf, sizeof buf, "\"seconds\":%.3f,\"claims_per_second\":%.0f}", seconds,
                seconds > 0 ? static_cast<double>(claims) / seconds : 0.0);
  out += buf;
  return out;
}

}  // namespace covenant::simulate
