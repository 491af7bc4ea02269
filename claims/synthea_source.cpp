// Synthea's CSV export as claims (docs/claims-format.md, "Synthea"): one claim per claims.csv
// row, its lines the CHARGE rows of claims_transactions.csv, and what Synthea's payer model
// takes as input (the member's plan and enrolment period at the service time, the kind of
// service) from encounters.csv, medications.csv, payer_transitions.csv, payers.csv,
// insurance_plans.csv and insurance_companies.csv.
//
// The PAYMENT, TRANSFERIN, TRANSFEROUT and ADJUSTMENT rows of claims_transactions.csv are
// Synthea's own adjudication: they are never read here, so that a plan run on these claims
// cannot see the answer it is checked against.
//
// The export is cross-referenced in every direction (a claim's lines, its encounter, the
// member's periods), so the directory is read whole when the source is opened; the claims are
// then handed out one by one in the order Synthea adjudicated them.

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "claims/civil_date.hpp"
#include "claims/csv_table.hpp"
#include "claims/decimal.hpp"
#include "claims/readers.hpp"
#include "claims/short_id.hpp"

namespace covenant::claims {

namespace {

namespace fs = std::filesystem;

// Synthea's insurance companies: a payer's name (payers.csv NAME) → the company number that
// insurance_plans.csv files its plans under ("Payer Id"). The export does not include this
// table; it is Synthea's src/main/resources/payers/insurance_companies.csv (Apache-2.0),
// columns Id and Name, as of upstream synthetichealth/synthea 2e587bead (2024) and unchanged
// in its 2026 master (data/claims/synthea-2024-fhir/insurance_companies.csv and
// synthea-costs-2026/insurance_companies.csv in the project's shared data). An
// insurance_companies.csv in the export directory replaces it.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kInsuranceCompanies = {{
    {"Medicare", "10000"},
    {"Medicaid", "20000"},
    {"Dual Eligible", "30000"},
    {"Humana", "40000"},
    {"Blue Cross Blue Shield", "50000"},
    {"UnitedHealthcare", "60000"},
    {"Aetna", "70000"},
    {"Cigna Health", "80000"},
    {"Anthem", "90000"},
}};

// A non-negative integer such as a plan id or a CHARGEID.
std::optional<int64_t> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v;
}

// Synthea writes every time as "YYYY-MM-DDTHH:MM:SSZ" (UTC), so comparing the texts compares
// the times; anything else is refused so that the comparison stays right.
bool is_timestamp(std::string_view t) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != kShape.size()) return false;
  for (size_t i = 0; i < t.size(); ++i)
    if (kShape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != kShape[i]) return false;
  return parse_date_time_date(t).has_value();
}

struct Transition {
  std::string start, end, payer, secondary;
};

struct Encounter {
  std::string service, start, stop, payer;
  bool valid = true;  // START and STOP are timestamps
};

struct Charge {
  int64_t id = 0;  // CHARGEID: the order of the claim's entries
  size_t row = 0;
};

// Payer UUID → plan id, through the payer's name (payers.csv), its company number
// (insurance_companies.csv) and the company's plans (insurance_plans.csv).
class PlanLinks {
 public:
  void add_payer(const std::string& uuid, const std::string& name) { name_[uuid] = name; }
  void add_company(const std::string& name, const std::string& number) { number_[name] = number; }
  void add_plan(const std::string& number, const std::string& plan) { plans_[number].push_back(plan); }

  // The plan of payer `uuid`; none for Synthea's NO_INSURANCE payer. Fails when the payer or
  // its company is unknown, or the company has other than one plan: payer_transitions.csv
  // names the payer, not the plan, so only a single-plan company identifies one.
  Expected<std::optional<int64_t>, std::string> plan(const std::string& uuid) const {
    auto name = name_.find(uuid);
    if (name == name_.end()) return unexpected("payer " + uuid + " is not in payers.csv");
    if (name->second == "NO_INSURANCE") return std::optional<int64_t>();
    auto number = number_.find(name->second);
    if (number == number_.end())
      return unexpected("payer " + name->second + " is not in insurance_companies.csv");
    auto plans = plans_.find(number->second);
    size_t count = plans == plans_.end() ? 0 : plans->second.size();
    if (count != 1)
      return unexpected("payer " + name->second + " has " + std::to_string(count) +
                        " plans in insurance_plans.csv; payer_transitions.csv does not say which");
    auto id = parse_count(plans->second.front());
    if (!id) return unexpected("plan id `" + plans->second.front() + "` is not a number");
    return std::optional<int64_t>(*id);
  }

 private:
  std::map<std::string, std::string> name_, number_;
  std::map<std::string, std::vector<std::string>> plans_;
};

// A claim with what orders it: Synthea adjudicated each member's claims in time order, a
// medication when it was ordered (its START), an encounter when it ended (its STOP), a
// medication before an encounter at the same instant, ties in file order.
struct Pending {
  std::string member;
  std::string adjudicated_at;
  bool is_medication = false;
  size_t file_index = 0;
  Record record;
};

class SyntheaSource final : public Source {
 public:
  SyntheaSource(std::deque<Record> records, uint64_t total) : records_(std::move(records)), total_(total) {}

  bool next(Record& out) override {
    if (records_.empty()) return false;
    out = std::move(records_.front());
    records_.pop_front();
    return true;
  }
  // The whole directory was read when the source was opened.
  uint64_t bytes_read() const override { return total_; }
  uint64_t bytes_total() const override { return total_; }

 private:
  std::deque<Record> records_;
  uint64_t total_ = 0;
};

// The tables a source needs, each with the columns it reads.
struct Tables {
  CsvTable claims, transactions, encounters, medications, transitions, payers, plans;
  std::optional<CsvTable> companies;
};

Expected<Tables, std::string> read_tables(const fs::path& dir, uint64_t& bytes) {
  static constexpr std::array<const char*, 7> kFiles = {"claims.csv",         "claims_transactions.csv",
                                                        "encounters.csv",     "medications.csv",
                                                        "payer_transitions.csv", "payers.csv",
                                                        "insurance_plans.csv"};
  std::string missing;
  for (const char* file : kFiles)
    if (!fs::is_regular_file(dir / file)) missing += (missing.empty() ? "" : ", ") + std::string(file);
  if (!missing.empty()) return unexpected(dir.string() + ": not a Synthea CSV export, it lacks " + missing);

  std::string error;
  auto load = [&](const char* file, CsvTable& out, std::initializer_list<std::string_view> columns) {
    if (!error.empty()) return;
    auto table = CsvTable::read(dir / file);
    if (!table) {
      error = table.error();
      return;
    }
    if (auto ok = table->require(columns); !ok) {
      error = ok.error();
      return;
    }
    out = std::move(*table);
    std::error_code ec;
    uint64_t size = fs::file_size(dir / file, ec);
    if (!ec) bytes += size;
  };
  Tables t;
  load("claims.csv", t.claims, {"Id", "PATIENTID", "APPOINTMENTID"});
  load("claims_transactions.csv", t.transactions,
       {"CLAIMID", "CHARGEID", "TYPE", "AMOUNT", "FROMDATE", "PLACEOFSERVICE", "PROCEDURECODE", "MODIFIER1",
        "MODIFIER2", "UNITS"});
  load("encounters.csv", t.encounters, {"Id", "START", "STOP", "PAYER", "ENCOUNTERCLASS"});
  load("medications.csv", t.medications, {"START", "ENCOUNTER", "CODE", "PAYER"});
  load("payer_transitions.csv", t.transitions, {"PATIENT", "START_DATE", "END_DATE", "PAYER", "SECONDARY_PAYER"});
  load("payers.csv", t.payers, {"Id", "NAME"});
  load("insurance_plans.csv", t.plans, {"Payer Id", "Plan Id"});
  if (fs::exists(dir / "insurance_companies.csv")) {
    t.companies.emplace();
    load("insurance_companies.csv", *t.companies, {"Id", "Name"});
  }
  if (!error.empty()) return unexpected(error);
  return t;
}

}  // namespace

Expected<std::unique_ptr<Source>, std::string> synthea_source(const fs::path& dir) {
  if (!fs::is_directory(dir)) return unexpected(dir.string() + ": not a directory");
  uint64_t bytes = 0;
  auto tables = read_tables(dir, bytes);
  if (!tables) return unexpected(tables.error());
  const Tables& t = *tables;
  const std::string claims_file = (dir / "claims.csv").string();

  PlanLinks links;
  for (size_t r = 0; r < t.payers.size(); ++r) links.add_payer(t.payers.at(r, "Id"), t.payers.at(r, "NAME"));
  if (t.companies) {
    for (size_t r = 0; r < t.companies->size(); ++r)
      links.add_company(t.companies->at(r, "Name"), t.companies->at(r, "Id"));
  } else {
    for (const auto& [name, number] : kInsuranceCompanies) links.add_company(std::string(name), std::string(number));
  }
  for (size_t r = 0; r < t.plans.size(); ++r) links.add_plan(t.plans.at(r, "Payer Id"), t.plans.at(r, "Plan Id"));

  // Each claim's CHARGE rows (its entries), in CHARGEID order; a malformed CHARGEID spoils
  // only its claim.
  const CsvTable& tx = t.transactions;
  std::map<std::string, std::vector<Charge>> charges;
  std::map<std::string, std::string> bad_charge_id;
  for (size_t r = 0; r < tx.size(); ++r) {
    if (tx.at(r, "TYPE") != "CHARGE") continue;
    auto id = parse_count(tx.at(r, "CHARGEID"));
    if (!id) {
      bad_charge_id.emplace(tx.at(r, "CLAIMID"), tx.at(r, "CHARGEID"));
      continue;
    }
    charges[tx.at(r, "CLAIMID")].push_back({*id, r});
  }
  for (auto& [claim, list] : charges)
    std::sort(list.begin(), list.end(), [](const Charge& a, const Charge& b) { return a.id < b.id; });

  std::map<std::string, Encounter> encounters;
  for (size_t r = 0; r < t.encounters.size(); ++r) {
    Encounter e{t.encounters.at(r, "ENCOUNTERCLASS"), t.encounters.at(r, "START"), t.encounters.at(r, "STOP"),
                t.encounters.at(r, "PAYER")};
    e.valid = is_timestamp(e.start) && is_timestamp(e.stop);
    encounters[t.encounters.at(r, "Id")] = std::move(e);
  }

  // A medication claim's main entry is a medications.csv row of the same encounter, code and
  // start; its payer is the medication's PAYER.
  std::map<std::tuple<std::string, std::string, std::string>, std::string> medications;
  for (size_t r = 0; r < t.medications.size(); ++r)
    medications[{t.medications.at(r, "ENCOUNTER"), t.medications.at(r, "CODE"), t.medications.at(r, "START")}] =
        t.medications.at(r, "PAYER");

  // Each member's enrolment periods by start; a malformed row spoils that member's claims.
  std::map<std::string, std::vector<Transition>> transitions;
  std::map<std::string, std::string> bad_transition;
  for (size_t r = 0; r < t.transitions.size(); ++r) {
    const std::string& member = t.transitions.at(r, "PATIENT");
    Transition tr{t.transitions.at(r, "START_DATE"), t.transitions.at(r, "END_DATE"), t.transitions.at(r, "PAYER"),
                  t.transitions.at(r, "SECONDARY_PAYER")};
    if (!is_timestamp(tr.start) || !is_timestamp(tr.end)) {
      bad_transition.emplace(member, "payer_transitions.csv row " + std::to_string(r + 2) +
                                         " has a malformed START_DATE or END_DATE");
      continue;
    }
    transitions[member].push_back(std::move(tr));
  }
  for (auto& [member, list] : transitions)
    std::stable_sort(list.begin(), list.end(), [](const Transition& a, const Transition& b) { return a.start < b.start; });

  const CsvTable& cl = t.claims;
  std::vector<Pending> pending;
  pending.reserve(cl.size());
  for (size_t r = 0; r < cl.size(); ++r) {
    Pending p;
    p.member = cl.at(r, "PATIENTID");
    p.file_index = r;
    Claim c;
    c.id = cl.at(r, "Id");
    c.member = p.member;
    c.location = claims_file + ": Claim/" + c.id;
    // Fills `c` and the claim's place in the order; an error is the claim's Problem.
    auto fill = [&]() -> Expected<void, std::string> {
      if (c.id.empty()) return unexpected(std::string("no Id"));
      if (c.member.empty()) return unexpected(std::string("no PATIENTID"));
      if (auto bad = bad_charge_id.find(c.id); bad != bad_charge_id.end())
        return unexpected("claims_transactions.csv: CHARGEID `" + bad->second + "` is not a number");
      auto found = charges.find(c.id);
      if (found == charges.end()) return unexpected(std::string("no CHARGE row in claims_transactions.csv"));
      std::string service_time;
      for (const Charge& charge : found->second) {
        std::string where = "claims_transactions.csv CHARGEID " + tx.at(charge.row, "CHARGEID") + ": ";
        Line line;
        line.code = tx.at(charge.row, "PROCEDURECODE");
        if (line.code.empty() || line.code.size() > kShortIdMax)
          return unexpected(where + "PROCEDURECODE `" + line.code + "` is not 1 to 16 characters");
        auto amount = parse_decimal(tx.at(charge.row, "AMOUNT"), 2);
        if (!amount || *amount < 0)
          return unexpected(where + "AMOUNT `" + tx.at(charge.row, "AMOUNT") + "` is not an amount in cents");
        line.charge = *amount;
        const std::string& from = tx.at(charge.row, "FROMDATE");
        if (!is_timestamp(from)) return unexpected(where + "FROMDATE `" + from + "` is not a time");
        line.service_date = *parse_date_time_date(from);
        if (service_time.empty()) service_time = from;
        if (const std::string& units = tx.at(charge.row, "UNITS"); !units.empty()) {
          auto n = parse_count(units);
          if (!n || *n < 1) return unexpected(where + "UNITS `" + units + "` is not a count >= 1");
          line.units = *n;
        }
        for (const char* column : {"MODIFIER1", "MODIFIER2"})
          if (const std::string& m = tx.at(charge.row, column); !m.empty()) {
            if (m.size() > kShortIdMax) return unexpected(where + column + " `" + m + "` is longer than 16 characters");
            line.modifiers.push_back(m);
          }
        c.lines.push_back(std::move(line));
      }
      // The billing provider is the organisation where the service took place, as in
      // Synthea's FHIR Claim.provider, so both exports of a run name the same provider.
      c.provider = short_id(tx.at(found->second.front().row, "PLACEOFSERVICE"));

      const std::string& appointment = cl.at(r, "APPOINTMENTID");
      auto e = encounters.find(appointment);
      if (e == encounters.end()) return unexpected("encounter " + appointment + " is not in encounters.csv");
      if (!e->second.valid) return unexpected("encounter " + appointment + " has a malformed START or STOP");
      // Synthea adjudicates a medication claim when the medication is ordered, during its
      // encounter, and an encounter claim when the encounter ends.
      std::string payer;
      auto m = medications.find({appointment, c.lines.front().code, service_time});
      if (m != medications.end()) {
        c.service = "medication";
        p.is_medication = true;
        p.adjudicated_at = service_time;
        payer = m->second;
      } else {
        c.service = e->second.service;
        p.adjudicated_at = e->second.stop;
        payer = e->second.payer;
      }
      c.received = *parse_date_time_date(p.adjudicated_at);

      // The enrolment period is Synthea's plan record at the main entry's start: start <=
      // time < end, so a service at the very instant of a renewal falls in the new period.
      // Without one (the claim precedes the export's window), the payer is the encounter's
      // or medication's and the period is taken to start on the service date.
      if (auto bad = bad_transition.find(c.member); bad != bad_transition.end()) return unexpected(bad->second);
      const Transition* period = nullptr;
      if (auto list = transitions.find(c.member); list != transitions.end())
        for (const Transition& tr : list->second)
          if (tr.start <= service_time && service_time < tr.end) period = &tr;
      if (period != nullptr) {
        c.enrolled = *parse_date_time_date(period->start);
        payer = period->payer;
        if (!period->secondary.empty()) {
          auto secondary = links.plan(period->secondary);
          if (!secondary) return unexpected(secondary.error());
          c.secondary_plan = *secondary;
        }
      } else {
        c.enrolled = c.lines.front().service_date;
      }
      auto plan = links.plan(payer);
      if (!plan) return unexpected(plan.error());
      c.plan = *plan;
      c.other_coverage = c.secondary_plan.has_value();
      return {};
    };
    if (auto ok = fill(); !ok) {
      p.record = Problem{c.location, ok.error()};
    } else {
      p.record = std::move(c);
    }
    pending.push_back(std::move(p));
  }

  std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
    auto key = [](const Pending& p) {
      return std::tuple<const std::string&, const std::string&, bool, size_t>(p.member, p.adjudicated_at,
                                                                              !p.is_medication, p.file_index);
    };
    return key(a) < key(b);
  });
  std::deque<Record> records;
  for (Pending& p : pending) records.push_back(std::move(p.record));
  return std::unique_ptr<Source>(std::make_unique<SyntheaSource>(std::move(records), bytes));
}

}  // namespace covenant::claims
