// The results report: aggregation of tests/report/results_sample.ndjson checked to the cent
// against totals worked out by hand from the file, the page's structure, escaping and
// determinism, and the reader's handling of malformed, long and odd lines.

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "report/html_report.hpp"
#include "report/results_summary.hpp"
#include "report/svg_charts.hpp"
#include "tests/report/html_check.hpp"

using namespace covenant::report;

namespace {

const std::string kSample =
    std::string(COVENANT_SOURCE_DIR) + "/tests/report/results_sample.ndjson";

Summary read_sample(std::vector<Note>* problems = nullptr) {
  auto s = summarize_file(kSample, [&](const Note& n) {
    if (problems) problems->push_back(n);
  });
  REQUIRE(s.has_value());
  return std::move(s).value();
}

Summary read_text(const std::string& text, std::vector<Note>* problems = nullptr) {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::rewind(f);
  auto s = summarize(f, "dir/in.ndjson", [&](const Note& n) {
    if (problems) problems->push_back(n);
  });
  std::fclose(f);
  REQUIRE(s.has_value());
  return std::move(s).value();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Cents as the Money type, for comparisons that print.
long long cents(Money m) {
  return static_cast<long long>(m);
}

std::string adjudicated_line(const std::string& id, const std::string& billed,
                             const std::string& payer, const std::string& contractual,
                             const std::string& currency = "USD",
                             const std::string& zero = "0.00") {
  return R"({"claim_id":")" + id + R"(","outcome":"adjudicated","currency":")" + currency +
         R"(","billed":")" + billed + R"(","allowed":")" + payer + R"(","payer":")" + payer +
         R"(","patient":")" + zero + R"(","secondary":")" + zero + R"(","contractual":")" +
         contractual + R"(","lines":[]})";
}

}  // namespace

TEST_CASE("report: the sample's totals, to the cent") {
  // Worked out line by line from results_sample.ndjson: 26 claims read (18 adjudicated
  // including one reversal, 6 denied, 2 failed), 5 malformed lines, 1 blank line.
  const Summary s = read_sample();
  CHECK(s.source == "results_sample.ndjson");
  CHECK(s.currency == "USD");
  CHECK(s.digits == 2);
  CHECK(s.claims == 26);
  CHECK(s.adjudicated == 18);
  CHECK(s.denied == 6);
  CHECK(s.failed == 2);
  CHECK(s.lines == 24);
  CHECK(s.statuses.at("primary") == 16);
  CHECK(s.statuses.at("forwarded") == 1);
  CHECK(s.statuses.at("reversal") == 1);
  CHECK(s.statuses.at("refused") == 6);

  CHECK(cents(s.billed) == 7232200);        // 72,322.00 (failed claims included)
  CHECK(cents(s.failed_billed) == 165000);  // 1,200.00 + 450.00
  CHECK(cents(s.allowed) == 2987000);       // 29,870.00
  CHECK(s.allowed_missing == 5);            // five denials without "allowed"
  CHECK(cents(s.payer) == 2262160);         // 22,621.60
  CHECK(cents(s.patient) == 668840);        // 6,688.40
  CHECK(cents(s.secondary) == 56000);       // 560.00 (C-5, forwarded)
  CHECK(cents(s.contractual) == 4080300);   // 40,803.00 (C-17 says 1.00 more than it balances)
  CHECK(cents(s.deductible) == 83100);
  CHECK(cents(s.copay) == 39000);
  CHECK(cents(s.coinsurance) == 546740);
  CHECK(cents(s.patient - s.deductible - s.copay - s.coinsurance) == 0);
  // What is not failed balances, except the 1.00 C-17 overstates.
  CHECK(cents(s.billed - s.failed_billed - s.payer - s.patient - s.secondary - s.contractual) ==
        -100);

  CHECK(s.payout_negative == 1);  // C-7-void
  CHECK(s.payout_zero == 1);      // C-3, all deductible
  uint64_t in_buckets = 0;
  for (uint64_t n : s.payout)
    in_buckets += n;
  CHECK(in_buckets == 16);
  // C-6 paid 18,800.00: the bucket from 10,000.00 to 19,999.99.
  CHECK(s.payout[18] == 1);
  CHECK(kPayoutEdges[18] == 1000000);

  REQUIRE(s.denials.size() == 5);
  CHECK(s.denials.at(31).claims == 2);
  CHECK(cents(s.denials.at(31).billed) == 37000);
  CHECK(s.denials.at(31).example == "the member is not enrolled");
  CHECK(s.denials.at(31).example_at == "commercial_ppo.cvn:179:3");
  CHECK(s.denials.at(18).claims == 1);
  CHECK(cents(s.denials.at(29).billed) == 480000);
  CHECK(cents(s.denials.at(197).billed) == 350000);
  CHECK(s.denials.at(197).example == "no prior authorisation for <MRI> & \"contrast\"");
  CHECK(cents(s.denials.at(242).billed) == 9900);

  REQUIRE(s.adjustments.size() == 5);
  CHECK(s.adjustments.at({"CO", 45}).count == 24);
  CHECK(cents(s.adjustments.at({"CO", 45}).amount) == 3188300);
  CHECK(cents(s.adjustments.at({"PR", 1}).amount) == 83100);
  CHECK(cents(s.adjustments.at({"PR", 2}).amount) == 546740);
  CHECK(s.adjustments.at({"PR", 3}).count == 8);
  CHECK(cents(s.adjustments.at({"PR", 3}).amount) == 39000);
  CHECK(cents(s.adjustments.at({"OA", 151}).amount) == 0);

  CHECK(s.codes.size() == 17);
  CHECK(cents(s.codes.at("<b>&\"x").charge) == 100000);
  CHECK(s.codes.at("99213").lines == 5);  // one of them the reversal
  CHECK(cents(s.codes.at("99213").charge) == 45000);
  CHECK(cents(s.codes.at("99213").payer) == 20100);
  CHECK(cents(s.codes.at("27447").charge) == 4850000);
  CHECK(cents(s.codes.at("27447").payer) == 1880000);
  CHECK(cents(s.codes.at("36415").payer) == 600);

  REQUIRE(s.failures.size() == 2);
  CHECK(s.failures.at("out of gas").claims == 1);
  CHECK(cents(s.failures.at("out of gas").billed) == 120000);
  CHECK(s.failures.at("division by zero").example_at == "commercial_ppo.cvn:322:14");
}

TEST_CASE("report: malformed lines are skipped, counted and located") {
  std::vector<Note> problems;
  const Summary s = read_sample(&problems);
  CHECK(s.malformed == 5);
  REQUIRE(problems.size() == 5);
  const char* lines[] = {":6: ", ":13: ", ":21: ", ":25: ", ":29: "};
  for (size_t i = 0; i < 5; ++i) {
    CHECK(problems[i].location ==
          kSample + std::string(lines[i]).substr(0, std::string(lines[i]).size() - 2));
    CHECK(s.malformed_examples[i].location ==
          "results_sample.ndjson" +
              std::string(lines[i]).substr(0, std::string(lines[i]).size() - 2));
  }
  CHECK(contains(problems[0].message, "not JSON"));
  CHECK(problems[1].message == "\"billed\": \"12.5\" is not an amount with 2 decimals (USD)");
  CHECK(problems[2].message == "\"currency\": \"EUR\", but the file's results are in USD");
  CHECK(contains(problems[3].message, "\"outcome\""));
  CHECK(problems[4].message == "missing \"billed\"");

  const std::string html = render_html(s);
  CHECK(contains(html, "5 lines were skipped as malformed"));
  CHECK(contains(html, "<code>results_sample.ndjson:13</code>"));
}

TEST_CASE("report: the page is balanced, self-contained and escaped") {
  const Summary s = read_sample();
  const std::string html = render_html(s, {.title = "Plan <2027> & \"PPO\""});
  INFO(covenant::report::testing::check_html(html));
  CHECK(covenant::report::testing::check_html(html).empty());
  CHECK(html.starts_with("<!DOCTYPE html>"));
  // Codes, reasons and the title are text, never markup.
  CHECK_FALSE(contains(html, "<b>"));
  CHECK_FALSE(contains(html, "<MRI>"));
  CHECK_FALSE(contains(html, "<2027>"));
  CHECK(contains(html, "&lt;b&gt;&amp;&quot;x"));
  CHECK(contains(html, "&lt;MRI&gt; &amp; &quot;contrast&quot;"));
  CHECK(contains(html, "<title>Plan &lt;2027&gt; &amp; &quot;PPO&quot;</title>"));
  // Figures as a claims manager reads them.
  CHECK(contains(html, "$72,322.00"));
  CHECK(contains(html, "$22,621.60"));
  CHECK(contains(html, "$40,803.00"));
  CHECK(contains(html, "23.1% of claims (denial rate)"));  // 6 of 26
  CHECK(contains(html, "31 \u00B7 Patient cannot be identified as our insured"));
  CHECK(contains(html, "CARC 242"));
  CHECK(contains(html, "Exact duplicate claim/service"));
  CHECK(contains(html, ">&lt;0</text>"));  // the reversal, paid below zero
}

TEST_CASE("report: the same results give the same bytes") {
  const std::string a = render_html(read_sample());
  const std::string b = render_html(read_sample());
  CHECK(a == b);
  CHECK(a.size() > 10000);
}

TEST_CASE("report: a claim out of balance is flagged") {
  const Summary bad = read_sample();
  CHECK(bad.imbalanced == 1);
  REQUIRE(bad.imbalanced_examples.size() == 1);
  CHECK(bad.imbalanced_examples[0].location == "results_sample.ndjson:22");
  CHECK(bad.imbalanced_examples[0].message ==
        "claim C-17: billed 150.00, but payer + patient + secondary + contractual = 151.00");
  const std::string html = render_html(bad);
  CHECK(contains(html, "class=\"alert warn\""));
  CHECK(contains(html, "1 claim does not balance"));

  const Summary good = read_text(adjudicated_line("A", "100.00", "60.00", "40.00") + "\n");
  CHECK(good.imbalanced == 0);
  CHECK_FALSE(contains(render_html(good), "alert warn"));
}

TEST_CASE("report: amounts") {
  CHECK(parse_amount("2050.00", 2) == 205000);
  CHECK(parse_amount("-0.50", 2) == -50);
  CHECK(parse_amount("0.00", 2) == 0);
  CHECK(parse_amount("1200", 0) == 1200);
  CHECK(parse_amount("1.250", 3) == 1250);
  CHECK(parse_amount("9999999999999999.99", 2) == 999999999999999999);
  for (const char* bad : {"", "-", ".50", "1.5", "1.500", "1,000.00", "+1.00", "1.00 ", " 1.00",
                          "1e3", "--1.00", "1.-0", "99999999999999999.99"})
    CHECK_FALSE(parse_amount(bad, 2).has_value());
  CHECK_FALSE(parse_amount("1200.00", 0).has_value());
  CHECK(minor_digits("USD") == 2);
  CHECK(minor_digits("JPY") == 0);
  CHECK(minor_digits("KWD") == 3);
  CHECK_FALSE(minor_digits("usd").has_value());
  CHECK_FALSE(minor_digits("US").has_value());

  CHECK(format_money(0, 2) == "0.00");
  CHECK(format_money(5, 2) == "0.05");
  CHECK(format_money(-123456789, 2) == "-1,234,567.89");
  CHECK(format_money(1234, 0) == "1,234");
  CHECK(format_money(12345, 4) == "1.2345");
  // Ten million claims of the largest amount: beyond int64, exact in the sums.
  const Money huge = Money{999999999999999999} * 10000000;
  CHECK(format_money(huge, 2) == "99,999,999,999,999,999,900,000.00");
  CHECK(format_count(1234567) == "1,234,567");
  CHECK(format_percent(1, 3) == "33.3%");
  CHECK(format_percent(1, 8) == "12.5%");
  CHECK(format_percent(-1, 8) == "-12.5%");
  CHECK(format_percent(0, 0) == "\u2013");
  CHECK(carc_label(97).starts_with("97 \u00B7 The benefit for this service"));
  CHECK(carc_label(7) == "CARC 7");
  CHECK(group_description("PR") == "Patient responsibility");
}

TEST_CASE("report: lines across chunks, CRLF, no final newline, overlong lines") {
  // A 3 MiB line spans several 1 MiB read chunks; unknown fields are ignored.
  std::string long_line = adjudicated_line("L", "10.00", "10.00", "0.00");
  long_line.insert(1, "\"padding\":\"" + std::string(3 << 20, 'x') + "\",");
  std::string text = adjudicated_line("A", "1.00", "1.00", "0.00") + "\r\n" + long_line + "\n" +
                     "\n   \n" + adjudicated_line("B", "2.00", "1.00", "1.00");
  std::vector<Note> problems;
  Summary s = read_text(text, &problems);
  CHECK(problems.empty());
  CHECK(s.claims == 3);
  CHECK(cents(s.billed) == 1300);
  CHECK(s.source == "in.ndjson");

  // Beyond 16 MiB a line is skipped unread; the next line is still read, numbered right.
  std::string huge = "{\"x\":\"" + std::string(kMaxLineBytes, 'y') + "\"}";
  s = read_text(huge + "\n" + adjudicated_line("C", "3.00", "3.00", "0.00") + "\nnot json\n",
                &problems);
  CHECK(s.claims == 1);
  CHECK(s.malformed == 2);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].location == "dir/in.ndjson:1");
  CHECK(problems[0].message == "longer than 16 MiB");
  CHECK(problems[1].location == "dir/in.ndjson:3");
}

TEST_CASE("report: a malformed line changes nothing but the count") {
  std::vector<Note> problems;
  Summarizer summarizer("x.ndjson", [&](const Note& n) { problems.push_back(n); });
  summarizer.add_line(adjudicated_line("A", "5.00", "5.00", "0.00"));
  const std::string before = render_html(summarizer.summary());
  // Every field but the last well-formed: a bad adjustment amount deep in a line.
  summarizer.add_line(
      R"({"claim_id":"B","outcome":"adjudicated","currency":"USD","billed":"5.00","allowed":"5.00",)"
      R"("payer":"5.00","patient":"0.00","secondary":"0.00","contractual":"0.00","status":"primary",)"
      R"("lines":[{"code":"99213","charge":"5.00","payer":"5.00","adjustments":[{"group":"CO",)"
      R"("reason":45,"amount":"1"}]}]})");
  summarizer.add_line(R"({"claim_id":"C","claim_id":"D","outcome":"failed","currency":"USD"})");
  summarizer.add_line(R"([1,2,3])");
  summarizer.add_line(
      R"({"claim_id":"E","outcome":"denied","currency":"USD","billed":"5.00","code":-3,"reason":"r","at":"a"})");
  summarizer.add_line(
      R"({"claim_id":"F","outcome":"adjudicated","currency":"USD","billed":"5.00"})");
  summarizer.add_line(
      R"({"claim_id":"G","outcome":"adjudicated","status":"paid","currency":"USD","billed":"5.00"})");
  summarizer.add_line(adjudicated_line("H", "5.00", "5.00", "0.00", "XYZW"));
  summarizer.add_line(adjudicated_line("I", "5.00", "5.00", "0.00", ""));
  REQUIRE(problems.size() == 8);
  CHECK(problems[0].location == "x.ndjson:2");
  CHECK(problems[0].message ==
        "\"lines[0].adjustments[0].amount\": \"1\" is not an amount with 2 decimals (USD)");
  CHECK(problems[1].message == "\"claim_id\" given twice");
  CHECK(problems[2].message == "the line is not a JSON object");
  CHECK(problems[3].message == "\"code\": expected a non-negative integer");
  CHECK(problems[4].message == "missing \"allowed\"");
  CHECK(contains(problems[5].message, "\"status\""));
  CHECK(contains(problems[6].message, "not an ISO 4217 code"));
  CHECK(contains(problems[7].message, "not an ISO 4217 code"));
  Summary after = summarizer.summary();
  CHECK(after.malformed == 8);
  CHECK(after.claims == 1);
  CHECK(after.statuses.empty());
  CHECK(after.codes.empty());
  CHECK(after.adjustments.empty());
  after.malformed = 0;
  after.malformed_examples.clear();
  CHECK(render_html(after) == before);
}

TEST_CASE("report: tables keyed by text are capped") {
  Summarizer summarizer("caps.ndjson");
  for (size_t i = 0; i < kMaxFailureReasons + 6; ++i)
    summarizer.add_line(
        R"({"claim_id":"F","outcome":"failed","currency":"USD","billed":"1.00","reason":"fault )" +
        std::to_string(i) + R"(","at":"p.cvn:1:1"})");
  const Summary& s = summarizer.summary();
  CHECK(s.failures.size() == kMaxFailureReasons);
  CHECK(s.other_failures.claims == 6);
  CHECK(cents(s.other_failures.billed) == 600);
  CHECK(s.failed == kMaxFailureReasons + 6);
  CHECK(covenant::report::testing::check_html(render_html(s)).empty());
}

TEST_CASE("report: a currency without minor units") {
  const Summary s = read_text(adjudicated_line("J", "120000", "80000", "40000", "JPY", "0") + "\n" +
                              adjudicated_line("K", "1.00", "1.00", "0.00", "JPY", "0.00") + "\n");
  CHECK(s.currency == "JPY");
  CHECK(s.digits == 0);
  CHECK(s.claims == 1);
  CHECK(s.malformed == 1);
  const std::string html = render_html(s);
  CHECK(contains(html, "\u00A5120,000"));
  CHECK(covenant::report::testing::check_html(html).empty());

  // The first claim sets the file's currency, so it must name one.
  const Summary none = read_text(adjudicated_line("N", "1.00", "1.00", "0.00", "") + "\n");
  CHECK(none.claims == 0);
  CHECK(none.malformed == 1);
}

TEST_CASE("report: an empty file still makes a page") {
  const Summary s = read_text("");
  CHECK(s.claims == 0);
  const std::string html = render_html(s);
  CHECK(contains(html, "No claims were read."));
  CHECK(covenant::report::testing::check_html(html).empty());
}

TEST_CASE("report: escaping") {
  CHECK(svg::escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(svg::escape(std::string("x\0y", 3)) == "x\uFFFDy");
  CHECK(svg::escape("tab\tnew\nline") == "tab\tnew\nline");
}
