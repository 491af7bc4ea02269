#include "report/html_report.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "report/svg_charts.hpp"

namespace covenant::report {
namespace {

using svg::Bar;
using svg::Colour;
using svg::escape;

constexpr size_t kTopCodes = 10;
// More payout buckets than this are merged into one per decade.
constexpr size_t kMaxColumns = 21;

// The X12 claim adjustment reason codes (CARC) the plans use, in X12's words.
struct Carc {
  int64_t code;
  std::string_view text;
};
constexpr Carc kCarcs[] = {
    {1, "Deductible amount"},
    {2, "Coinsurance amount"},
    {3, "Co-payment amount"},
    {16, "Claim/service lacks information or has submission/billing error(s)"},
    {18, "Exact duplicate claim/service"},
    {26, "Expenses incurred prior to coverage"},
    {27, "Expenses incurred after coverage terminated"},
    {29, "The time limit for filing has expired"},
    {31, "Patient cannot be identified as our insured"},
    {45, "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement"},
    {96, "Non-covered charge(s)"},
    {97,
     "The benefit for this service is included in the payment/allowance for another "
     "service/procedure that has already been adjudicated"},
    {151,
     "Payment adjusted because the payer deems the information submitted does not support "
     "this many/frequency of services"},
    {197, "Precertification/authorization/notification/pre-treatment absent"},
    {198, "Precertification/notification/authorization/pre-treatment exceeded"},
};

// The claim adjustment group codes, in the order the report lists them.
constexpr std::pair<std::string_view, std::string_view> kGroups[] = {
    {"CO", "Contractual obligation"},
    {"PR", "Patient responsibility"},
    {"OA", "Other adjustment"},
    {"PI", "Payer-initiated reduction"},
    {"CR", "Correction and reversal"}};

size_t group_rank(std::string_view group) {
  for (size_t i = 0; i < std::size(kGroups); ++i)
    if (kGroups[i].first == group) return i;
  return std::size(kGroups);
}

std::string digits_with_commas(unsigned __int128 v) {
  std::string out;
  int n = 0;
  do {
    if (n > 0 && n % 3 == 0) out += ',';
    out += static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
    ++n;
  } while (v != 0);
  return std::string(out.rbegin(), out.rend());
}

// "1 line", "2 lines".
std::string counted(uint64_t n, std::string_view one, std::string_view many) {
  return format_count(n) + " " + std::string(n == 1 ? one : many);
}

// "1 claim", "2 claims".
std::string claims_text(uint64_t n) {
  return counted(n, "claim", "claims");
}

unsigned __int128 magnitude(Money v) {
  return v < 0 ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
}

unsigned __int128 power_of_ten(int n) {
  unsigned __int128 p = 1;
  for (int i = 0; i < n; ++i)
    p *= 10;
  return p;
}

// Renders a Summary; one member function per section of the page.
class Page {
 public:
  Page(const Summary& s, const ReportOptions& o) : s_(s), o_(o) {}

  std::string render() {
    head();
    out_ += "<body><main>";
    header();
    alerts();
    headline();
    cost_share();
    payouts();
    denials();
    adjustments();
    top_codes();
    outcomes();
    footer();
    out_ += "</main></body></html>\n";
    return std::move(out_);
  }

 private:
  const Summary& s_;
  const ReportOptions& o_;
  std::string out_;

  // An amount with the currency: "$1,234.50", "-$3.00", "JPY 1,200".
  std::string money(Money v) const {
    std::string symbol;
    if (s_.currency == "USD" || s_.currency.empty())
      symbol = "$";
    else if (s_.currency == "EUR")
      symbol = "\u20AC";
    else if (s_.currency == "GBP")
      symbol = "\u00A3";
    else if (s_.currency == "JPY")
      symbol = "\u00A5";
    else
      symbol = s_.currency + "\u00A0";
    return (v < 0 ? "-" : "") + symbol + format_money(v < 0 ? -v : v, s_.digits);
  }

  std::string currency_name() const { return s_.currency.empty() ? "USD" : s_.currency; }

  void head() {
    out_ +=
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>" +
        escape(o_.title) + "</title><style>" + std::string(kStyle) + "</style></head>";
  }

  void header() {
    out_ += "<header><h1>" + escape(o_.title) + "</h1><p class=\"lede\">" +
            format_count(s_.claims) + (s_.claims == 1 ? " claim" : " claims") + " from <code>" +
            escape(s_.source) + "</code>; amounts in " + escape(currency_name()) +
            ", exact to the minor unit.</p></header>";
  }

  void alerts() {
    if (s_.imbalanced > 0) {
      out_ += "<div class=\"alert warn\" role=\"alert\"><p><strong>" + format_count(s_.imbalanced) +
              (s_.imbalanced == 1 ? " claim does" : " claims do") +
              " not balance:</strong> billed is not paid by plan + patient + secondary + "
              "contractual. The totals below add up what the results say; check the plan or "
              "the simulation for these claims.</p>" +
              notes(s_.imbalanced_examples, s_.imbalanced) + "</div>";
    }
    if (s_.malformed > 0) {
      out_ += "<div class=\"alert note\" role=\"note\"><p><strong>" + format_count(s_.malformed) +
              (s_.malformed == 1 ? " line was" : " lines were") +
              " skipped as malformed</strong> and are in none of the figures.</p>" +
              notes(s_.malformed_examples, s_.malformed) + "</div>";
    }
    if (s_.claims == 0)
      out_ += "<div class=\"alert note\" role=\"note\"><p>No claims were read.</p></div>";
  }

  static std::string notes(const std::vector<Note>& examples, uint64_t total) {
    std::string out = "<ul class=\"notes\">";
    for (const Note& n : examples)
      out += "<li><code>" + escape(n.location) + "</code> " + escape(n.message) + "</li>";
    if (total > examples.size())
      out += "<li>and " + format_count(total - examples.size()) +
             " more (every one is on standard error)</li>";
    return out + "</ul>";
  }

  void figure(std::string_view label, const std::string& value, const std::string& note,
              std::string_view cls = "") {
    out_ += "<div class=\"figure" + std::string(cls.empty() ? "" : " ") + std::string(cls) +
            "\"><div class=\"label\">" + escape(label) + "</div><div class=\"value\">" +
            escape(value) + "</div><div class=\"note\">" + escape(note) + "</div></div>";
  }

  Money settled_billed() const { return s_.billed - s_.failed_billed; }

  void headline() {
    out_ +=
        "<section aria-labelledby=\"headline\"><h2 id=\"headline\">Headline figures</h2>"
        "<div class=\"figures\">";
    figure("Claims", format_count(s_.claims),
           format_count(s_.adjudicated) + " adjudicated, " + format_count(s_.denied) + " denied, " +
               format_count(s_.failed) + " failed");
    figure("Service lines", format_count(s_.lines), "on adjudicated and denied claims");
    figure("Billed", money(s_.billed),
           s_.failed_billed != 0 ? money(s_.failed_billed) + " of it on failed claims"
                                 : "by providers, all claims");
    figure("Allowed", money(s_.allowed),
           s_.allowed_missing > 0 ? format_count(s_.allowed_missing) + " claims do not report it"
                                  : format_percent(s_.allowed, settled_billed()) + " of billed");
    figure("Paid by plan", money(s_.payer),
           format_percent(s_.payer, settled_billed()) + " of billed", "primary");
    figure("Patient responsibility", money(s_.patient),
           format_percent(s_.patient, settled_billed()) + " of billed");
    figure("Secondary payer", money(s_.secondary),
           format_percent(s_.secondary, settled_billed()) + " of billed");
    figure("Contractual adjustments", money(s_.contractual),
           format_percent(s_.contractual, settled_billed()) + " of billed, written off");
    figure("Denied claims", format_count(s_.denied),
           format_percent(s_.denied, s_.claims) + " of claims (denial rate)");
    out_ += "</div></section>";
  }

  void cost_share() {
    const Money other_patient = s_.patient - s_.deductible - s_.copay - s_.coinsurance;
    struct Part {
      std::string label;
      Money value;
      Colour colour;
    };
    std::vector<Part> parts = {{"Paid by plan", s_.payer, Colour::blue},
                               {"Patient: deductible", s_.deductible, Colour::orange},
                               {"Patient: copay", s_.copay, Colour::yellow},
                               {"Patient: coinsurance", s_.coinsurance, Colour::vermillion}};
    if (other_patient != 0) parts.push_back({"Patient: other", other_patient, Colour::purple});
    parts.push_back({"Secondary payer", s_.secondary, Colour::green});
    parts.push_back({"Contractual adjustments", s_.contractual, Colour::grey});
    const Money whole = settled_billed();
    std::vector<svg::Segment> segments;
    bool negative = false;
    for (const Part& p : parts) {
      segments.push_back({p.label, p.value,
                          money(p.value) + " \u00B7 " + format_percent(p.value, whole), p.colour});
      negative = negative || p.value < 0;
    }
    out_ +=
        "<section aria-labelledby=\"share\"><h2 id=\"share\">Where the billed money went</h2>"
        "<p>Everything billed on adjudicated and denied claims (" +
        escape(money(whole)) +
        ") ends up paid by the plan, owed by the patient, left to a secondary payer or written "
        "off under the contract.</p>";
    out_ += svg::stacked_bar({"share-chart", "Cost-share split of billed amounts",
                              "One bar of all amounts billed, split into plan payment, patient "
                              "deductible, copay, coinsurance, secondary payer and contractual "
                              "adjustments."},
                             segments);
    if (negative)
      out_ +=
          "<p class=\"small\">A part below zero (reversals outweigh claims) is drawn as "
          "empty; its figure is exact.</p>";
    out_ += "</section>";
  }

  // The label of a payout bucket edge in major units, short: "0.05", "20", "5k", "1M".
  std::string edge_label(int64_t edge) const {
    const unsigned __int128 unit = power_of_ten(s_.digits);
    const unsigned __int128 e = static_cast<unsigned __int128>(edge);
    if (e < unit) {
      std::string text = format_money(edge, s_.digits);
      while (text.back() == '0')
        text.pop_back();
      return text;
    }
    unsigned __int128 major = e / unit;
    static constexpr std::string_view kSuffixes[] = {"", "k", "M", "B", "T", "P", "E"};
    size_t i = 0;
    while (major >= 1000 && major % 1000 == 0 && i + 1 < std::size(kSuffixes)) {
      major /= 1000;
      ++i;
    }
    return digits_with_commas(major) + std::string(kSuffixes[i]);
  }

  void payouts() {
    std::vector<Bar> bars;
    if (s_.payout_negative > 0)
      bars.push_back(
          {"<0", static_cast<svg::Value>(s_.payout_negative), format_count(s_.payout_negative),
           "below zero (reversals): " + claims_text(s_.payout_negative), Colour::vermillion});
    bars.push_back({"0", static_cast<svg::Value>(s_.payout_zero), format_count(s_.payout_zero),
                    "nothing paid: " + claims_text(s_.payout_zero), Colour::grey});
    size_t first = kPayoutBuckets, last = 0;
    for (size_t i = 0; i < kPayoutBuckets; ++i) {
      if (s_.payout[i] == 0) continue;
      first = std::min(first, i);
      last = i;
    }
    if (first < kPayoutBuckets) {
      // Three buckets per decade while they fit, one per decade beyond.
      const size_t step = last - first + 1 > kMaxColumns ? 3 : 1;
      if (step == 3) first -= first % 3;
      for (size_t i = first; i <= last; i += step) {
        uint64_t count = 0;
        for (size_t j = i; j < i + step && j < kPayoutBuckets; ++j)
          count += s_.payout[j];
        const size_t next = i + step;
        const std::string range =
            money(kPayoutEdges[i]) +
            (next < kPayoutBuckets ? " to " + money(kPayoutEdges[next] - 1) : " and above");
        bars.push_back({edge_label(kPayoutEdges[i]), static_cast<svg::Value>(count),
                        format_count(count), range + ": " + claims_text(count), Colour::blue});
      }
    }
    out_ +=
        "<section aria-labelledby=\"payouts\"><h2 id=\"payouts\">Plan payment per claim</h2>"
        "<p>Adjudicated claims by what the plan paid on each, in buckets that widen as the "
        "amounts grow (1, 2, 5, 10, 20, 50, …). Denied and failed claims are not in it.</p>";
    out_ += svg::column_chart({"payout-chart", "Histogram of plan payment per claim",
                               "Number of adjudicated claims in each plan-payment bucket."},
                              bars,
                              "Plan payment per claim, " + currency_name() +
                                  " (each column runs from its label to the next)",
                              "Claims");
    out_ += "</section>";
  }

  void denials() {
    out_ += "<section aria-labelledby=\"denials\"><h2 id=\"denials\">Denials by reason</h2>";
    if (s_.denied == 0) {
      out_ += "<p>No claim was denied.</p></section>";
      return;
    }
    struct Row {
      std::string label;
      int64_t code;  // -1: the other codes
      const DenialTotals* t;
    };
    std::vector<Row> rows;
    for (const auto& [code, t] : s_.denials)
      rows.push_back({carc_label(code), code, &t});
    if (s_.other_denials.claims > 0) rows.push_back({"Other codes", -1, &s_.other_denials});
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.t->claims > b.t->claims; });
    out_ += "<p>" + format_count(s_.denied) + " whole claims denied (" +
            format_percent(s_.denied, s_.claims) +
            " of claims), by the claim adjustment reason "
            "code (CARC) the plan gave.</p>";
    std::vector<Bar> bars;
    for (const Row& r : rows)
      bars.push_back(
          {r.label, static_cast<svg::Value>(r.t->claims),
           format_count(r.t->claims) + " (" + format_percent(r.t->claims, s_.denied) + ")",
           r.label + ": " + claims_text(r.t->claims) + ", " + money(r.t->billed) + " billed",
           Colour::vermillion});
    out_ += svg::bar_chart({"denial-chart", "Denied claims by reason code",
                            "Number of denied claims for each CARC code."},
                           bars);
    out_ +=
        "<table><thead><tr><th scope=\"col\">CARC</th><th scope=\"col\">Meaning (X12)</th>"
        "<th scope=\"col\" class=\"num\">Claims</th><th scope=\"col\" class=\"num\">Billed</th>"
        "<th scope=\"col\">First denial, in the plan's words</th></tr></thead><tbody>";
    for (const Row& r : rows) {
      const std::string meaning = r.code < 0 ? "codes beyond the report's table"
                                  : carc_description(r.code).empty()
                                      ? "not in the report's table of codes"
                                      : std::string(carc_description(r.code));
      out_ +=
          "<tr><td>" + (r.code < 0 ? std::string("other") : std::to_string(r.code)) + "</td><td>" +
          escape(meaning) + "</td><td class=\"num\">" + format_count(r.t->claims) +
          "</td><td class=\"num\">" + escape(money(r.t->billed)) + "</td><td>" +
          (r.t->example.empty() ? std::string()
                                : "\u201C" + escape(r.t->example) + "\u201D <span class=\"at\">" +
                                      escape(r.t->example_at) + "</span>") +
          "</td></tr>";
    }
    out_ += "</tbody></table></section>";
  }

  void adjustments() {
    out_ +=
        "<section aria-labelledby=\"adjustments\"><h2 id=\"adjustments\">Adjustments by group "
        "and reason</h2>";
    if (s_.adjustments.empty() && s_.other_adjustments.count == 0) {
      out_ += "<p>No service line carries an adjustment.</p></section>";
      return;
    }
    struct Row {
      std::string group;
      int64_t code;  // -1: the other keys
      const AdjustmentTotals* t;
    };
    std::vector<Row> rows;
    std::map<std::string, Money> by_group;
    for (const auto& [key, t] : s_.adjustments) {
      rows.push_back({key.first, key.second, &t});
      by_group[key.first] += t.amount;
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      const size_t ra = group_rank(a.group), rb = group_rank(b.group);
      if (ra != rb) return ra < rb;
      if (a.group != b.group) return a.group < b.group;
      if (a.t->amount != b.t->amount) return a.t->amount > b.t->amount;
      return a.code < b.code;
    });
    if (s_.other_adjustments.count > 0) rows.push_back({"", -1, &s_.other_adjustments});

    std::vector<std::pair<std::string, Money>> groups(by_group.begin(), by_group.end());
    std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
      const size_t ra = group_rank(a.first), rb = group_rank(b.first);
      return ra != rb ? ra < rb : a.first < b.first;
    });
    std::vector<Bar> bars;
    for (const auto& [group, amount] : groups) {
      const std::string_view name = group_description(group);
      const std::string label = group + (name.empty() ? "" : " \u00B7 " + std::string(name));
      bars.push_back({label, amount, money(amount), label + ": " + money(amount),
                      group == "PR"   ? Colour::orange
                      : group == "CO" ? Colour::grey
                                      : Colour::sky});
    }
    out_ +=
        "<p>What the service lines' adjustments add up to, by group (who bears it) and by "
        "reason code.</p>";
    out_ += svg::bar_chart({"adjustment-chart", "Adjustment amounts by group",
                            "Total adjustment amount for each claim adjustment group code."},
                           bars);
    Money max = 0;
    for (const Row& r : rows)
      max = std::max(max, r.t->amount);
    out_ +=
        "<table><thead><tr><th scope=\"col\">Group</th><th scope=\"col\">CARC</th>"
        "<th scope=\"col\">Meaning (X12)</th><th scope=\"col\" class=\"num\">Lines</th>"
        "<th scope=\"col\" class=\"num\">Amount</th><th scope=\"col\"><span class=\"sr\">"
        "Share</span></th></tr></thead><tbody>";
    for (const Row& r : rows) {
      const std::string meaning = r.code < 0 ? "other groups and codes"
                                  : carc_description(r.code).empty()
                                      ? "not in the report's table of codes"
                                      : std::string(carc_description(r.code));
      out_ += "<tr><td>" + escape(r.group) + "</td><td>" +
              (r.code < 0 ? std::string("other") : std::to_string(r.code)) + "</td><td>" +
              escape(meaning) + "</td><td class=\"num\">" + format_count(r.t->count) +
              "</td><td class=\"num\">" + escape(money(r.t->amount)) + "</td><td>" +
              svg::inline_bar(r.t->amount, max, r.group == "PR" ? Colour::orange : Colour::sky) +
              "</td></tr>";
    }
    out_ += "</tbody></table></section>";
  }

  void code_table(std::string_view caption, Money CodeTotals::*measure, Colour colour,
                  std::string_view measure_name) {
    std::vector<std::pair<const std::string*, const CodeTotals*>> ranked;
    for (const auto& [code, t] : s_.codes)
      ranked.emplace_back(&code, &t);
    // Ties keep the codes' order (the map's), so equal amounts list by code.
    std::stable_sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
      return a.second->*measure > b.second->*measure;
    });
    if (ranked.size() > kTopCodes) ranked.resize(kTopCodes);
    const Money max = ranked.empty() ? 0 : std::max<Money>(0, ranked.front().second->*measure);
    out_ += "<table class=\"top\"><caption>" + escape(caption) +
            "</caption><thead><tr><th scope=\"col\" class=\"num\">#</th><th scope=\"col\">Code</th>"
            "<th scope=\"col\" class=\"num\">Lines</th><th scope=\"col\" class=\"num\">" +
            escape(measure_name) +
            "</th><th scope=\"col\"><span class=\"sr\">Share</span></th></tr>"
            "</thead><tbody>";
    size_t rank = 0;
    for (const auto& [code, t] : ranked) {
      out_ += "<tr><td class=\"num\">" + std::to_string(++rank) + "</td><td><code>" +
              escape(*code) + "</code></td><td class=\"num\">" + format_count(t->lines) +
              "</td><td class=\"num\">" + escape(money(t->*measure)) + "</td><td>" +
              svg::inline_bar(t->*measure, max, colour) + "</td></tr>";
    }
    out_ += "</tbody></table>";
  }

  void top_codes() {
    out_ += "<section aria-labelledby=\"codes\"><h2 id=\"codes\">Top procedure codes</h2>";
    if (s_.codes.empty()) {
      out_ += "<p>No service lines.</p></section>";
      return;
    }
    out_ += "<p>The ten procedure codes with the most billed and the most paid by the plan, over " +
            format_count(s_.codes.size()) + " codes on the service lines.";
    if (s_.other_codes.lines > 0)
      out_ += " " + format_count(s_.other_codes.lines) + " lines with codes beyond the first " +
              format_count(kMaxProcedureCodes) + " are not ranked.";
    out_ += "</p><div class=\"pair\">";
    code_table("By billed", &CodeTotals::charge, Colour::sky, "Billed");
    code_table("By paid by plan", &CodeTotals::payer, Colour::blue, "Paid");
    out_ += "</div></section>";
  }

  void count_row(std::string_view label, uint64_t count, uint64_t whole, Colour colour) {
    out_ += "<tr><th scope=\"row\">" + escape(label) + "</th><td class=\"num\">" +
            format_count(count) + "</td><td class=\"num\">" + format_percent(count, whole) +
            "</td><td>" + svg::inline_bar(count, whole, colour) + "</td></tr>";
  }

  void outcomes() {
    out_ +=
        "<section aria-labelledby=\"outcomes\"><h2 id=\"outcomes\">Outcomes</h2><div "
        "class=\"pair\">";
    out_ +=
        "<table><caption>How each claim ended</caption><thead><tr><th scope=\"col\">Outcome</th>"
        "<th scope=\"col\" class=\"num\">Claims</th><th scope=\"col\" class=\"num\">Share</th>"
        "<th scope=\"col\"><span class=\"sr\">Bar</span></th></tr></thead><tbody>";
    count_row("Adjudicated", s_.adjudicated, s_.claims, Colour::blue);
    count_row("Denied (whole claim)", s_.denied, s_.claims, Colour::vermillion);
    count_row("Failed (plan fault or out of gas)", s_.failed, s_.claims, Colour::purple);
    out_ += "</tbody></table>";
    if (!s_.statuses.empty()) {
      uint64_t with_status = 0;
      for (const auto& [status, n] : s_.statuses)
        with_status += n;
      out_ +=
          "<table><caption>Claim status the plan reported</caption><thead><tr><th "
          "scope=\"col\">Status</th><th scope=\"col\" class=\"num\">Claims</th><th scope=\"col\" "
          "class=\"num\">Share</th><th scope=\"col\"><span class=\"sr\">Bar</span></th></tr>"
          "</thead><tbody>";
      // The reader accepts these four only.
      static constexpr std::pair<std::string_view, std::string_view> kStatuses[] = {
          {"primary", "Primary (the plan paid first)"},
          {"forwarded", "Forwarded to a secondary payer"},
          {"reversal", "Reversal (a void)"},
          {"refused", "Refused"}};
      for (const auto& [status, label] : kStatuses)
        if (auto it = s_.statuses.find(status); it != s_.statuses.end())
          count_row(label, it->second, with_status, Colour::sky);
      out_ += "</tbody></table>";
    }
    out_ += "</div>";
    if (s_.failed > 0) {
      out_ +=
          "<table><caption>Why claims failed</caption><thead><tr><th scope=\"col\">Reason</th>"
          "<th scope=\"col\" class=\"num\">Claims</th><th scope=\"col\" class=\"num\">Billed</th>"
          "<th scope=\"col\">First at</th></tr></thead><tbody>";
      std::vector<std::pair<std::string, const FailureTotals*>> rows;
      for (const auto& [reason, t] : s_.failures)
        rows.emplace_back(reason, &t);
      std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.second->claims > b.second->claims;
      });
      if (s_.other_failures.claims > 0) rows.emplace_back("other reasons", &s_.other_failures);
      for (const auto& [reason, t] : rows)
        out_ += "<tr><td>" + escape(reason) + "</td><td class=\"num\">" + format_count(t->claims) +
                "</td><td class=\"num\">" + escape(money(t->billed)) + "</td><td><code>" +
                escape(t->example_at) + "</code></td></tr>";
      out_ += "</tbody></table>";
    }
    out_ += "</section>";
  }

  void footer() {
    out_ += "<footer><p>Made by <code>covenant report</code> from <code>" + escape(s_.source) +
            "</code>: " + claims_text(s_.claims) + " read, " +
            counted(s_.malformed, "malformed line", "malformed lines") + " skipped, " +
            claims_text(s_.imbalanced) +
            " out of balance. Paid, patient, secondary and contractual cover adjudicated "
            "and denied claims; billed covers failed claims too.</p></footer>";
  }

  static constexpr std::string_view kStyle =
      ":root{color-scheme:light;--ink:#1b1b1b;--muted:#555;--rule:#d6d6d6;--paper:#fff}"
      "*{box-sizing:border-box}"
      "body{margin:0;background:#f4f4f2;color:var(--ink);"
      "font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica "
      "Neue\",Arial,sans-serif}"
      "main{max-width:860px;margin:0 auto;padding:24px 28px;background:var(--paper)}"
      "h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;"
      "border-bottom:2px solid var(--ink);padding-bottom:3px}"
      ".lede{color:var(--muted);margin:0 0 12px}"
      "code{font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,monospace;font-size:.92em}"
      ".figures{display:grid;grid-template-columns:repeat(3,1fr);gap:10px}"
      ".figure{border:1px solid var(--rule);border-radius:6px;padding:10px 12px}"
      ".figure.primary{border-color:#0072B2;border-width:2px}"
      ".figure .label{font-size:13px;color:var(--muted)}"
      ".figure .value{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums;"
      "overflow-wrap:anywhere}"
      ".figure .note{font-size:12px;color:var(--muted)}"
      ".alert{border:2px solid;border-radius:6px;padding:8px 14px;margin:12px 0}"
      ".alert.warn{border-color:#D55E00;background:#fff1e8}"
      ".alert.note{border-color:#0072B2;background:#eef6fb}"
      ".alert p{margin:4px 0}.notes{margin:4px 0;padding-left:20px;font-size:13px}"
      "svg.chart{display:block;max-width:100%;height:auto;margin:8px 0}"
      "svg text{font-size:12px;fill:#1b1b1b}svg text.small{font-size:11px}"
      "svg text.axis{font-size:12px;fill:#555}svg text.on-dark{fill:#fff;font-weight:600}"
      "svg text.on-light{fill:#1b1b1b;font-weight:600}svg "
      "text.figure{font-variant-numeric:tabular-nums}"
      "svg.cell-bar{display:block}"
      "table{border-collapse:collapse;width:100%;margin:10px 0;font-size:13px}"
      "caption{text-align:left;font-weight:600;padding:4px 0}"
      "th,td{border-bottom:1px solid var(--rule);padding:4px "
      "6px;text-align:left;vertical-align:top}"
      "thead th{border-bottom:2px solid var(--ink)}"
      ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
      ".pair{display:grid;grid-template-columns:1fr 1fr;gap:16px}"
      ".at{color:var(--muted);font-size:12px}.small{font-size:12px;color:var(--muted)}"
      ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}"
      "footer{margin-top:28px;font-size:12px;color:var(--muted)}"
      "@media (max-width:640px){.figures{grid-template-columns:1fr 1fr}.pair{display:block}}"
      "@media print{@page{margin:14mm}body{background:#fff;font-size:11pt}"
      "main{max-width:none;padding:0}section,table,.figure,.alert{break-inside:avoid}"
      "h2{break-after:avoid}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";
};

}  // namespace

std::string render_html(const Summary& summary, const ReportOptions& options) {
  return Page(summary, options).render();
}

std::string format_money(Money value, int digits) {
  const unsigned __int128 unit = power_of_ten(digits);
  const unsigned __int128 v = magnitude(value);
  std::string out = (value < 0 ? "-" : "") + digits_with_commas(v / unit);
  if (digits > 0) {
    std::string fraction(static_cast<size_t>(digits), '0');
    unsigned __int128 rest = v % unit;
    for (size_t i = fraction.size(); i-- > 0; rest /= 10)
      fraction[i] = static_cast<char>('0' + static_cast<int>(rest % 10));
    out += "." + fraction;
  }
  return out;
}

std::string format_count(uint64_t count) {
  return digits_with_commas(count);
}

std::string format_percent(Money part, Money whole) {
  if (whole <= 0) return "\u2013";
  // Tenths of a percent, rounded half away from zero.
  const unsigned __int128 tenths =
      (magnitude(part) * 2000 + static_cast<unsigned __int128>(whole)) /
      (2 * static_cast<unsigned __int128>(whole));
  return (part < 0 && tenths != 0 ? "-" : "") + digits_with_commas(tenths / 10) + "." +
         static_cast<char>('0' + static_cast<int>(tenths % 10)) + "%";
}

std::string_view carc_description(int64_t code) {
  for (const Carc& c : kCarcs)
    if (c.code == code) return c.text;
  return {};
}

std::string carc_label(int64_t code) {
  const std::string_view text = carc_description(code);
  return text.empty() ? "CARC " + std::to_string(code)
                      : std::to_string(code) + " \u00B7 " + std::string(text);
}

std::string_view group_description(std::string_view group) {
  for (const auto& [code, name] : kGroups)
    if (code == group) return name;
  return {};
}

}  // namespace covenant::report
