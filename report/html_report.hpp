#pragma once
/// \file
/// The one-page HTML report of a results file (docs/report.md): headline figures, where the
/// billed money went, plan payment per claim, denials, adjustments, top procedure codes and
/// outcomes, with charts as inline SVG (report/svg_charts.hpp). The page is self-contained
/// (inline CSS, no scripts, fonts, images or links to anything outside it), prints on A4 or
/// Letter, and is a pure function of the Summary and the options: the same results give the
/// same bytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "report/results_summary.hpp"

namespace covenant::report {

/// What the page says about itself.
struct ReportOptions {
  std::string title = "Claims simulation report";  ///< The page's title and heading (plain text).
};

/// The whole page, UTF-8. Every text from the results (codes, reasons, locations, claim ids)
/// and the options is escaped.
std::string render_html(const Summary& summary, const ReportOptions& options = {});

/// `value` minor units with `digits` minor digits, thousands separated: "1,234,567.89",
/// "-0.50", "1,200" (0 digits).
std::string format_money(Money value, int digits);

/// `count` with thousands separated: "1,234,567".
std::string format_count(uint64_t count);

/// `part` of `whole` as a percentage to one decimal, rounded half away from zero: "12.5%";
/// "–" when `whole` is not positive.
std::string format_percent(Money part, Money whole);

/// The X12 meaning of a claim adjustment reason code the plans use (1, 2, 3, 16, 18, 26, 27,
/// 29, 31, 45, 96, 97, 151, 197, 198); empty for any other code.
std::string_view carc_description(int64_t code);

/// "31 · Patient cannot be identified as our insured" for a known code, "CARC 7" otherwise.
std::string carc_label(int64_t code);

/// The X12 name of a claim adjustment group code ("CO" → "Contractual obligation"); empty for
/// an unknown group.
std::string_view group_description(std::string_view group);

}  // namespace covenant::report
