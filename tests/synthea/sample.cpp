#include "tests/synthea/sample.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <variant>

#include "claims/civil_date.hpp"
#include "claims/csv_table.hpp"
#include "claims/decimal.hpp"
#include "claims/readers.hpp"

namespace covenant::synthea {
using claims::CsvTable;

namespace {

namespace fs = std::filesystem;
using Error = std::string;

// An amount as Synthea writes it ("85.55", "50", "-3.10") in cents; more than two decimals
// or anything else is refused rather than rounded.
std::optional<int64_t> parse_cents(const std::string& text) {
  auto cents = claims::parse_decimal(text, 2);
  if (!cents) return std::nullopt;
  return *cents;
}

// A non-negative integer such as a CHARGEID.
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

// Every claim's answer, from its claims_transactions.csv rows in CHARGEID order: a CHARGE
// opens an entry; the payments after it say who paid it.
Expected<std::map<std::string, Answer>, Error> read_answers(const CsvTable& tx) {
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
  std::map<std::string, Answer> out;
  for (auto& [claim, list] : rows) {
    std::sort(list.begin(), list.end());
    Answer& answer = out[claim];
    auto& entries = answer.entries;
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
        if (entries.empty()) answer.service_time = tx.at(r, "FROMDATE");
        entries.push_back(Entry{tx.at(r, "PROCEDURECODE"), *cost, {}});
        to_secondary = false;
        continue;
      }
      if (entries.empty()) return unexpected(where + type + " before any CHARGE");
      Paid& paid = entries.back().paid;
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
    for (const Entry& e : entries) {
      const Paid& p = e.paid;
      if (p.copay + p.primary + p.secondary + p.patient + p.adjusted != e.cost)
        return unexpected("claims_transactions.csv: claim " + claim + ", entry " + e.code +
                          ": payments do not add up to the charge " + format_cents(e.cost));
    }
  }
  return out;
}

// Which claims the export lacks history for (Enrollment): a claim no payer_transitions.csv
// row covers, and a claim in a member's first exported period when an earlier claim of theirs
// had none (Synthea counted claims of that period that the export left out).
Expected<void, Error> classify(const CsvTable& pt, const std::vector<claims::Claim>& claims,
                               std::map<std::string, Answer>& answers) {
  if (auto ok = pt.require({"PATIENT", "START_DATE", "END_DATE"}); !ok) return unexpected(ok.error());
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> periods;
  for (size_t r = 0; r < pt.size(); ++r)
    periods[pt.at(r, "PATIENT")].push_back({pt.at(r, "START_DATE"), pt.at(r, "END_DATE")});
  for (auto& [member, list] : periods) std::sort(list.begin(), list.end());

  std::map<std::string, std::string> earliest_unperiodic;
  for (const claims::Claim& c : claims) {
    Answer& a = answers.at(c.id);
    const auto& list = periods[c.member];
    bool covered = std::any_of(list.begin(), list.end(), [&](const auto& p) {
      return p.first <= a.service_time && a.service_time < p.second;
    });
    if (covered) continue;
    a.enrollment = Enrollment::not_exported;
    auto& first = earliest_unperiodic[c.member];
    if (first.empty() || a.service_time < first) first = a.service_time;
  }
  for (const claims::Claim& c : claims) {
    Answer& a = answers.at(c.id);
    const auto& list = periods[c.member];
    auto before = earliest_unperiodic.find(c.member);
    if (a.enrollment == Enrollment::exported && !list.empty() && c.enrolled &&
        claims::format_date(*c.enrolled) == list.front().first.substr(0, 10) &&
        before != earliest_unperiodic.end() && before->second < list.front().first)
      a.enrollment = Enrollment::began_before_export;
  }
  return {};
}

}  // namespace

std::string format_cents(int64_t cents) { return claims::format_decimal(cents, 2); }

Expected<Sample, std::string> load_sample(const fs::path& dir) {
  auto source = claims::synthea_source(dir);
  if (!source) return unexpected(source.error());
  Sample sample;
  std::set<std::string> members;
  claims::Record record;
  while ((*source)->next(record)) {
    if (const auto* problem = std::get_if<claims::Problem>(&record))
      return unexpected(problem->location + ": " + problem->reason);
    auto* claim = std::get_if<claims::Claim>(&record);
    if (claim == nullptr) return unexpected(dir.string() + ": the Synthea source gave a call, not a claim");
    members.insert(claim->member);
    sample.entries += claim->lines.size();
    sample.claims.push_back(std::move(*claim));
  }
  sample.members = members.size();

  auto tx = CsvTable::read(dir / "claims_transactions.csv");
  if (!tx) return unexpected(tx.error());
  auto answers = read_answers(*tx);
  if (!answers) return unexpected(answers.error());
  // The claims must be the CHARGE rows the answers pay: same entries, same order, same cents.
  for (const claims::Claim& c : sample.claims) {
    auto a = answers->find(c.id);
    if (a == answers->end()) return unexpected("claim " + c.id + " has no answer in claims_transactions.csv");
    bool same = a->second.entries.size() == c.lines.size();
    for (size_t i = 0; same && i < c.lines.size(); ++i)
      same = a->second.entries[i].code == c.lines[i].code && a->second.entries[i].cost == c.lines[i].charge;
    if (!same) return unexpected("claim " + c.id + ": its lines are not the CHARGE rows its answer pays");
  }
  auto pt = CsvTable::read(dir / "payer_transitions.csv");
  if (!pt) return unexpected(pt.error());
  if (auto ok = classify(*pt, sample.claims, *answers); !ok) return unexpected(ok.error());
  sample.answers = std::move(*answers);
  return sample;
}

}  // namespace covenant::synthea
