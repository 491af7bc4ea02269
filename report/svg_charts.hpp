#pragma once
/// \file
/// Charts as inline SVG for the HTML report: a horizontal bar chart, a column chart (the
/// histogram), a stacked bar with its legend, and a small bar for a table cell. Every chart
/// is an `<svg role="img">` with a `<title>` and a `<desc>`, every bar carries a `<title>`
/// (its tooltip, read by screen readers) and a text label, so nothing is told by colour
/// alone; colours are the Okabe–Ito palette, distinguishable with every common colour-vision
/// deficiency. Geometry is integer arithmetic on the values, so the same values give the same
/// bytes on every machine. No chart refers to anything outside itself.

#include <string>
#include <string_view>
#include <vector>

namespace covenant::report::svg {

/// A length to draw: an amount in minor units or a count. Negative values are drawn as zero.
using Value = __int128;

/// The chart colours (Okabe & Ito, "Color Universal Design", 2008), plus a neutral grey.
enum class Colour { blue, orange, sky, green, vermillion, purple, yellow, grey };

/// The colour as "#RRGGBB".
const char* hex(Colour colour);

/// `text` safe as HTML or SVG character data and as a quoted attribute value: `&`, `<`,
/// `>`, `"` and `'` become character references, and control characters other than tab and
/// newline become U+FFFD.
std::string escape(std::string_view text);

/// What every chart is called: `id` (unique in the page, [A-Za-z0-9-]; it prefixes the ids
/// of the title and description), the title and a one-sentence description (plain text;
/// escaped here).
struct Chart {
  std::string id;
  std::string title;
  std::string description;
};

/// One bar of a bar or column chart. Texts are plain (escaped here).
struct Bar {
  std::string label;       ///< Beside (bar chart) or under (column chart) the bar.
  Value value = 0;         ///< The bar's length, relative to the longest bar.
  std::string value_text;  ///< Printed at the end of the bar.
  std::string tooltip;     ///< The bar's `<title>`; empty: "label: value_text".
  Colour colour = Colour::blue;
};

/// Horizontal bars, one row each, labels on the left (cut to 36 characters; the tooltip keeps
/// the whole text), values at the bars' ends. 720 units wide, 24 per row.
std::string bar_chart(const Chart& chart, const std::vector<Bar>& bars);

/// Vertical columns side by side (a histogram when the bars are adjacent buckets), each
/// labelled underneath, its value above it, with the axes' titles. 720 × 280 units.
std::string column_chart(const Chart& chart, const std::vector<Bar>& bars, std::string_view x_title,
                         std::string_view y_title);

/// One part of a stacked bar. Texts are plain (escaped here).
struct Segment {
  std::string label;       ///< The legend's name for it.
  Value value = 0;         ///< Its share of the bar.
  std::string value_text;  ///< The legend's figure for it ("$1,200.00 · 12.5%").
  Colour colour = Colour::blue;
};

/// One bar split into `segments` in proportion to their values (a segment's share is also
/// printed on it when it is wide enough), with a two-column legend underneath. 720 units
/// wide. An all-zero bar is drawn empty.
std::string stacked_bar(const Chart& chart, const std::vector<Segment>& segments);

/// A bar for a table cell: `value` relative to `max`, 120 × 12 units, decorative (hidden
/// from screen readers; the cell beside it has the figure).
std::string inline_bar(Value value, Value max, Colour colour);

}  // namespace covenant::report::svg
