#include "tests/synthea/sample.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "claims/csv_table.hpp"

namespace covenant::synthea {
using claims::CsvTable;

namespace {

namespace fs = std::filesystem;
using Error = std::string;

// An amount as Synthea writes it ("85.55", "50", "-3.10") in cents; more than two decimals
// or anything else is refused rather than rounded.
std::optional<int64_t> parse_cents(const std::string& text) {
  size_t i = 0;
  bool negative = !text.empty() && text[0] == '-';
  if (negative) i = 1;
  int64_t units = 0;
  size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
    if (units > (INT64_MAX - 9) / 1000) return std::nullopt;
    units = units * 10 + (text[i] - '0');
  }
  if (digits == 0) return std::nullopt;
  int64_t cents = units * 100;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int64_t scale = 10;
    size_t decimals = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++decimals) {
      if (decimals == 2) return std::nullopt;
      cents += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i != text.size()) return std::nullopt;
  return negative ? -cents : cents;
}

// A non-negative integer such as a plan id or a CHARGEID.
std::optional<int64_t> parse_count(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v;
}

// Synthea's timestamps are all "YYYY-MM-DDTHH:MM:SSZ", so comparing the text compares the
// times.
bool is_timestamp(const std::string& t) {
  static const std::string shape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != shape.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i]) return false;
  }
  return true;
}

struct Transition {
  std::string start, end, payer, secondary;
};

struct Encounter {
  std::string service, start, stop, payer;
};

// Payer UUID -> plan id, through the payer's name (payers.csv), its number
// (insurance_companies.csv) and its plans (insurance_plans.csv).
class PlanLinks {
 public:
  static Expected<PlanLinks, Error> load(const CsvTable& payers, const CsvTable& companies,
                                         const CsvTable& plans) {
    if (auto ok = payers.require({"Id", "NAME"}); !ok) return unexpected(ok.error());
    if (auto ok = companies.require({"Id", "Name"}); !ok) return unexpected(ok.error());
    if (auto ok = plans.require({"Payer Id", "Plan Id"}); !ok) return unexpected(ok.error());
    PlanLinks links;
    for (size_t r = 0; r < payers.size(); ++r) links.name_[payers.at(r, "Id")] = payers.at(r, "NAME");
    for (size_t r = 0; r < companies.size(); ++r)
      links.number_[companies.at(r, "Name")] = companies.at(r, "Id");
    for (size_t r = 0; r < plans.size(); ++r)
      links.plans_[plans.at(r, "Payer Id")].push_back(plans.at(r, "Plan Id"));
    return links;
  }

  // The plan of payer `uuid`; none for Synthea's NO_INSURANCE payer.
  Expected<std::optional<int64_t>, Error> plan(const std::string& uuid) const {
    auto name = name_.find(uuid);
    if (name == name_.end()) return unexpected("payer " + uuid + " is not in payers.csv");
    if (name->second == "NO_INSURANCE") return std::optional<int64_t>();
    auto number = number_.find(name->second);
    if (number == number_.end())
      return unexpected("payer " + name->second + " is not in insurance_companies.csv");
    auto plans = plans_.find(number->second);
    if (plans == plans_.end() || plans->second.size() != 1)
      return unexpected("payer " + name->second + " has " +
                        std::to_string(plans == plans_.end() ? 0 : plans->second.size()) +
                        " plans in insurance_plans.csv; payer_transitions.csv does not say which");
    auto id = parse_count(plans->second.front());
    if (!id) return unexpected("plan id `" + plans->second.front() + "` is not a number");
    return std::optional<int64_t>(*id);
  }

 private:
  std::map<std::string, std::string> name_, number_;
  std::map<std::string, std::vector<std::string>> plans_;
};

// The entries of every claim, from its claims_transactions.csv rows in CHARGEID order: a
// CHARGE opens an entry; the payments after it say who paid it.
Expected<std::map<std::string, std::vector<std::pair<Line, std::string>>>, Error> read_lines(
    const CsvTable& tx) {
  if (auto ok = tx.require({"CLAIMID", "CHARGEID", "TYPE", "AMOUNT", "METHOD", "FROMDATE",
                            "PROCEDURECODE", "TRANSFERTYPE", "PAYMENTS", "ADJUSTMENTS"});
      !ok)
    return unexpected(ok.error());
  std::map<std::string, std::vector<std::pair<int64_t, size_t>>> rows;
  for (size_t r = 0; r < tx.size(); ++r) {
    auto id = parse_count(tx.at(r, "CHARGEID"));
    if (!id) return unexpected("claims_transactions.csv: CHARGEID `" + tx.at(r, "CHARGEID") + "`");
    rows[tx.at(r, "CLAIMID")].push_back({*id, r});
  }
  // Each entry with the FROMDATE of its CHARGE row (the main entry's start).
  std::map<std::string, std::vector<std::pair<Line, std::string>>> out;
  for (auto& [claim, list] : rows) {
    std::sort(list.begin(), list.end());
    auto& lines = out[claim];
    bool to_secondary = false;
    for (auto [charge_id, r] : list) {
      const std::string& type = tx.at(r, "TYPE");
      std::string where = "claims_transactions.csv: claim " + claim + ", CHARGEID " +
                          tx.at(r, "CHARGEID") + ": ";
      if (type == "CHARGE") {
        auto cost = parse_cents(tx.at(r, "AMOUNT"));
        if (!cost) return unexpected(where + "AMOUNT `" + tx.at(r, "AMOUNT") + "`");
        if (!is_timestamp(tx.at(r, "FROMDATE")))
          return unexpected(where + "FROMDATE `" + tx.at(r, "FROMDATE") + "`");
        lines.push_back({Line{tx.at(r, "PROCEDURECODE"), *cost, {}}, tx.at(r, "FROMDATE")});
        to_secondary = false;
        continue;
      }
      if (lines.empty()) return unexpected(where + type + " before any CHARGE");
      Paid& paid = lines.back().first.expected;
      if (type == "TRANSFERIN") {
        to_secondary = tx.at(r, "TRANSFERTYPE") == "2";
      } else if (type == "ADJUSTMENT") {
        auto amount = parse_cents(tx.at(r, "ADJUSTMENTS"));
        if (!amount) return unexpected(where + "ADJUSTMENTS `" + tx.at(r, "ADJUSTMENTS") + "`");
        paid.adjusted += *amount;
      } else if (type == "PAYMENT") {
        auto amount = parse_cents(tx.at(r, "PAYMENTS"));
        if (!amount) return unexpected(where + "PAYMENTS `" + tx.at(r, "PAYMENTS") + "`");
        const std::string& method = tx.at(r, "METHOD");
        if (method == "COPAY") paid.copay += *amount;
        else if (method == "ECHECK") (to_secondary ? paid.secondary : paid.primary) += *amount;
        else if (method == "CASH" || method == "CHECK" || method == "CC") paid.patient += *amount;
        else return unexpected(where + "payment method `" + method + "`");
      } else if (type != "TRANSFEROUT") {
        return unexpected(where + "TYPE `" + type + "`");
      }
    }
    for (const auto& [line, from] : lines) {
      const Paid& p = line.expected;
      if (p.copay + p.primary + p.secondary + p.patient + p.adjusted != line.cost)
        return unexpected("claims_transactions.csv: claim " + claim + ", entry " + line.code +
                          ": payments do not add up to the charge " + format_cents(line.cost));
    }
  }
  return out;
}

}  // namespace

std::string format_cents(int64_t cents) {
  std::string sign = cents < 0 ? "-" : "";
  uint64_t m = cents < 0 ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  std::string frac = std::to_string(m % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return sign + std::to_string(m / 100) + "." + frac;
}

Expected<Sample, std::string> load_sample(const fs::path& dir, const fs::path& companies_csv) {
  std::map<std::string, CsvTable> t;
  for (const char* name : {"claims.csv", "claims_transactions.csv", "encounters.csv",
                           "medications.csv", "payer_transitions.csv", "payers.csv",
                           "insurance_plans.csv"}) {
    auto table = CsvTable::read(dir / name);
    if (!table) return unexpected(table.error());
    t.emplace(name, std::move(*table));
  }
  auto companies = CsvTable::read(companies_csv);
  if (!companies) return unexpected(companies.error());
  auto links = PlanLinks::load(t.at("payers.csv"), *companies, t.at("insurance_plans.csv"));
  if (!links) return unexpected(links.error());
  auto lines = read_lines(t.at("claims_transactions.csv"));
  if (!lines) return unexpected(lines.error());

  const CsvTable& enc = t.at("encounters.csv");
  if (auto ok = enc.require({"Id", "START", "STOP", "PAYER", "ENCOUNTERCLASS"}); !ok)
    return unexpected(ok.error());
  std::map<std::string, Encounter> encounters;
  for (size_t r = 0; r < enc.size(); ++r) {
    Encounter e{enc.at(r, "ENCOUNTERCLASS"), enc.at(r, "START"), enc.at(r, "STOP"), enc.at(r, "PAYER")};
    if (!is_timestamp(e.start) || !is_timestamp(e.stop))
      return unexpected("encounters.csv: encounter " + enc.at(r, "Id") + " has a malformed START or STOP");
    encounters[enc.at(r, "Id")] = e;
  }

  // A medication claim's main entry is a medications.csv row of the same encounter, code and
  // start; its value is the medication's PAYER.
  const CsvTable& med = t.at("medications.csv");
  if (auto ok = med.require({"START", "ENCOUNTER", "CODE", "PAYER"}); !ok) return unexpected(ok.error());
  std::map<std::tuple<std::string, std::string, std::string>, std::string> medications;
  for (size_t r = 0; r < med.size(); ++r)
    medications[{med.at(r, "ENCOUNTER"), med.at(r, "CODE"), med.at(r, "START")}] = med.at(r, "PAYER");

  const CsvTable& pt = t.at("payer_transitions.csv");
  if (auto ok = pt.require({"PATIENT", "START_DATE", "END_DATE", "PAYER", "SECONDARY_PAYER"}); !ok)
    return unexpected(ok.error());
  std::map<std::string, std::vector<Transition>> transitions;
  for (size_t r = 0; r < pt.size(); ++r) {
    Transition tr{pt.at(r, "START_DATE"), pt.at(r, "END_DATE"), pt.at(r, "PAYER"),
                  pt.at(r, "SECONDARY_PAYER")};
    if (!is_timestamp(tr.start) || !is_timestamp(tr.end))
      return unexpected("payer_transitions.csv: row " + std::to_string(r + 2) + " has a malformed date");
    transitions[pt.at(r, "PATIENT")].push_back(tr);
  }
  for (auto& [patient, list] : transitions)
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.start < b.start; });

  const CsvTable& cl = t.at("claims.csv");
  if (auto ok = cl.require({"Id", "PATIENTID", "APPOINTMENTID"}); !ok) return unexpected(ok.error());
  Sample sample;
  std::set<std::string> members;
  for (size_t r = 0; r < cl.size(); ++r) {
    Claim c;
    c.id = cl.at(r, "Id");
    c.patient = cl.at(r, "PATIENTID");
    c.file_index = r;
    auto found = lines->find(c.id);
    if (found == lines->end() || found->second.empty())
      return unexpected("claims.csv: claim " + c.id + " has no CHARGE in claims_transactions.csv");
    for (const auto& [line, from] : found->second) c.lines.push_back(line);
    c.service_time = found->second.front().second;
    auto e = encounters.find(cl.at(r, "APPOINTMENTID"));
    if (e == encounters.end())
      return unexpected("claims.csv: claim " + c.id + ": encounter " + cl.at(r, "APPOINTMENTID") +
                        " is not in encounters.csv");
    // Synthea adjudicates a medication claim when the medication is ordered, during its
    // encounter, and an encounter claim when the encounter ends.
    auto m = medications.find({e->first, c.lines.front().code, c.service_time});
    std::string payer;
    if (m != medications.end()) {
      c.service = "medication";
      c.adjudicated_at = c.service_time;
      payer = m->second;
    } else {
      c.service = e->second.service;
      c.adjudicated_at = e->second.stop;
      payer = e->second.payer;
    }

    // The enrollment period is Synthea's plan record at the main entry's start: start <=
    // time < end, so a service at the very instant of a renewal falls in the new period.
    const Transition* period = nullptr;
    for (const Transition& tr : transitions[c.patient])
      if (tr.start <= c.service_time && c.service_time < tr.end) period = &tr;
    if (period) {
      c.enrolled = period->start.substr(0, 10);
      payer = period->payer;
      if (!period->secondary.empty()) {
        auto secondary = links->plan(period->secondary);
        if (!secondary) return unexpected("claim " + c.id + ": " + secondary.error());
        c.secondary = *secondary;
      }
    } else {
      c.enrollment = Enrollment::not_exported;
      c.enrolled = c.service_time.substr(0, 10);
    }
    auto plan = links->plan(payer);
    if (!plan) return unexpected("claim " + c.id + ": " + plan.error());
    c.plan = *plan;
    members.insert(c.patient);
    sample.entries += c.lines.size();
    sample.claims.push_back(std::move(c));
  }

  // A member's first exported period began before the export's window when an earlier
  // claim of theirs was exported without a period: Synthea had history the file lacks.
  std::map<std::string, std::string> earliest_unperiodic;
  for (const Claim& c : sample.claims)
    if (c.enrollment == Enrollment::not_exported) {
      auto& first = earliest_unperiodic[c.patient];
      if (first.empty() || c.service_time < first) first = c.service_time;
    }
  for (Claim& c : sample.claims) {
    const auto& rows = transitions[c.patient];
    auto before = earliest_unperiodic.find(c.patient);
    if (c.enrollment == Enrollment::exported && !rows.empty() &&
        c.enrolled == rows.front().start.substr(0, 10) && before != earliest_unperiodic.end() &&
        before->second < rows.front().start)
      c.enrollment = Enrollment::began_before_export;
  }

  std::stable_sort(sample.claims.begin(), sample.claims.end(), [](const Claim& a, const Claim& b) {
    auto key = [](const Claim& c) {
      return std::tuple(c.patient, c.adjudicated_at, c.service != "medication", c.file_index);
    };
    return key(a) < key(b);
  });
  sample.members = members.size();
  return sample;
}

}  // namespace covenant::synthea
