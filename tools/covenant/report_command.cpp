#include "tools/covenant/report_command.hpp"

#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "report/html_report.hpp"
#include "report/results_summary.hpp"
#include "tools/covenant/cli_util.hpp"

namespace covenant::cli {
namespace {

struct ReportOptions {
  std::string input, html;
  std::string title = report::ReportOptions().title;
};

std::string plural(uint64_t n, const char* one, const char* many) {
  return report::format_count(n) + " " + (n == 1 ? one : many);
}

int run_report(const ReportOptions& o) {
  auto summary = report::summarize_file(o.input, [](const report::Note& n) {
    std::fprintf(stderr, "%s: %s\n", n.location.c_str(), n.message.c_str());
  });
  if (!summary) return fail("report", summary.error()), 2;
  const std::string page = report::render_html(*summary, {.title = o.title});
  if (!write_file(o.html, std::span(reinterpret_cast<const uint8_t*>(page.data()), page.size())))
    return fail("report", o.html + ": cannot write"), 2;

  const report::Summary& s = *summary;
  const std::string currency = s.currency.empty() ? "" : " " + s.currency;
  std::string line = "wrote " + o.html + ": " + plural(s.claims, "claim", "claims") + " (" +
                     report::format_count(s.adjudicated) + " adjudicated, " +
                     report::format_count(s.denied) + " denied, " + report::format_count(s.failed) +
                     " failed), " + report::format_money(s.payer, s.digits) + currency +
                     " paid by the plan of " + report::format_money(s.billed, s.digits) + currency +
                     " billed";
  if (s.malformed > 0)
    line += "; " + plural(s.malformed, "malformed line", "malformed lines") + " skipped";
  if (s.imbalanced > 0) line += "; " + plural(s.imbalanced, "claim", "claims") + " out of balance";
  std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* r =
      app.add_subcommand("report", "Write a one-page HTML report of a simulation's results");
  r->add_option("results", options->input, "Results of covenant simulate (NDJSON; - for stdin)")
      ->required();
  r->add_option("--html", options->html, "HTML page to write")->required();
  r->add_option("--title", options->title, "The page's title")->capture_default_str();
  r->callback([options, &exit_code] { exit_code = run_report(*options); });
}

}  // namespace covenant::cli
