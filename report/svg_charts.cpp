#include "report/svg_charts.hpp"

#include <algorithm>
#include <cstdint>

namespace covenant::report::svg {
namespace {

constexpr int kWidth = 720;

std::string num(int64_t v) {
  return std::to_string(v);
}

// `value` * `span` / `max`, rounded down, for 0 <= value <= max; 0 when max <= 0.
int64_t scale(Value value, Value max, int64_t span) {
  if (max <= 0 || value <= 0) return 0;
  return static_cast<int64_t>(std::min(value, max) * span / max);
}

// Characters of `text`, counting a UTF-8 sequence as one.
size_t characters(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// `text` cut to `max` characters (UTF-8 aware), "…" marking a cut.
std::string fit(std::string_view text, size_t max) {
  if (characters(text) <= max) return std::string(text);
  size_t kept = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (kept == max - 1) break;
      ++kept;
    }
  }
  return std::string(text.substr(0, i)) + "\u2026";
}

// The opening of a chart: the svg element and its accessible name and description.
std::string open_svg(const Chart& chart, int height) {
  const std::string id = escape(chart.id);
  return "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " + num(kWidth) + " " + num(height) +
         "\" width=\"" + num(kWidth) + "\" height=\"" + num(height) + "\" aria-labelledby=\"" + id +
         "-t " + id + "-d\"><title id=\"" + id + "-t\">" + escape(chart.title) +
         "</title><desc id=\"" + id + "-d\">" + escape(chart.description) + "</desc>";
}

std::string tooltip(const Bar& bar) {
  return escape(bar.tooltip.empty() ? bar.label + ": " + bar.value_text : bar.tooltip);
}

std::string rect(int64_t x, int64_t y, int64_t w, int64_t h, Colour colour) {
  return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
         num(h) + "\" fill=\"" + hex(colour) + "\"/>";
}

std::string text(int64_t x, int64_t y, std::string_view anchor, std::string_view content,
                 std::string_view cls = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + std::string(anchor) +
         "\"" + (cls.empty() ? "" : " class=\"" + std::string(cls) + "\"") + ">" + escape(content) +
         "</text>";
}

Value longest(const std::vector<Bar>& bars) {
  Value max = 0;
  for (const Bar& b : bars)
    max = std::max(max, b.value);
  return max;
}

}  // namespace

const char* hex(Colour colour) {
  switch (colour) {
    case Colour::blue:
      return "#0072B2";
    case Colour::orange:
      return "#E69F00";
    case Colour::sky:
      return "#56B4E9";
    case Colour::green:
      return "#009E73";
    case Colour::vermillion:
      return "#D55E00";
    case Colour::purple:
      return "#CC79A7";
    case Colour::yellow:
      return "#F0E442";
    case Colour::grey:
      return "#999999";
  }
  return "#999999";
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
        out += c;
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
          out += "\uFFFD";
        else
          out += c;
    }
  }
  return out;
}

std::string bar_chart(const Chart& chart, const std::vector<Bar>& bars) {
  constexpr int kRow = 24, kBar = 16, kLabelEnd = 250, kBarStart = 258, kBarSpan = 330;
  const int height = static_cast<int>(bars.size()) * kRow + 8;
  const Value max = longest(bars);
  std::string out = open_svg(chart, height);
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int64_t y = static_cast<int64_t>(i) * kRow + 4;
    const int64_t w = std::max<int64_t>(scale(b.value, max, kBarSpan), b.value > 0 ? 1 : 0);
    out += "<g><title>" + tooltip(b) + "</title>";
    out += text(kLabelEnd, y + 12, "end", fit(b.label, 36));
    out += rect(kBarStart, y, w, kBar, b.colour);
    out += text(kBarStart + w + 6, y + 12, "start", b.value_text, "figure");
    out += "</g>";
  }
  return out + "</svg>";
}

std::string column_chart(const Chart& chart, const std::vector<Bar>& bars, std::string_view x_title,
                         std::string_view y_title) {
  constexpr int kHeight = 280, kLeft = 40, kRight = 10, kTop = 24, kBottom = 64;
  constexpr int kPlot = kHeight - kTop - kBottom;
  const Value max = longest(bars);
  std::string out = open_svg(chart, kHeight);
  const int64_t n = std::max<int64_t>(1, static_cast<int64_t>(bars.size()));
  const int64_t slot = (kWidth - kLeft - kRight) / n;
  const int64_t gap = std::max<int64_t>(1, slot / 8);
  const int64_t base = kTop + kPlot;
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int64_t x = kLeft + static_cast<int64_t>(i) * slot;
    const int64_t h = std::max<int64_t>(scale(b.value, max, kPlot), b.value > 0 ? 1 : 0);
    const int64_t middle = x + slot / 2;
    out += "<g><title>" + tooltip(b) + "</title>";
    out += rect(x + gap / 2, base - h, slot - gap, h, b.colour);
    out += text(middle, base - h - 4, "middle", b.value_text, "figure small");
    out += text(middle, base + 14, "middle",
                fit(b.label, static_cast<size_t>(std::max<int64_t>(3, slot / 6))), "small");
    out += "</g>";
  }
  out += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(base) + "\" x2=\"" + num(kWidth - kRight) +
         "\" y2=\"" + num(base) + "\" stroke=\"#444444\"/>";
  out += text(kLeft + (kWidth - kLeft - kRight) / 2, kHeight - 16, "middle", x_title, "axis");
  out += "<text x=\"14\" y=\"" + num(kTop + kPlot / 2) +
         "\" text-anchor=\"middle\" class=\"axis\"" + " transform=\"rotate(-90 14 " +
         num(kTop + kPlot / 2) + ")\">" + escape(y_title) + "</text>";
  return out + "</svg>";
}

std::string stacked_bar(const Chart& chart, const std::vector<Segment>& segments) {
  constexpr int kBarHeight = 40, kLegendTop = 56, kLegendRow = 22, kColumn = kWidth / 2;
  const int rows = static_cast<int>((segments.size() + 1) / 2);
  const int height = kLegendTop + rows * kLegendRow + 4;
  Value total = 0;
  for (const Segment& s : segments)
    total += std::max<Value>(0, s.value);
  std::string out = open_svg(chart, height);
  out += "<rect x=\"0\" y=\"0\" width=\"" + num(kWidth) + "\" height=\"" + num(kBarHeight) +
         "\" fill=\"#FFFFFF\" stroke=\"#444444\"/>";
  // Edges from running totals, so the segments tile the bar exactly.
  Value running = 0;
  for (const Segment& s : segments) {
    const Value v = std::max<Value>(0, s.value);
    const int64_t x0 = scale(running, total, kWidth);
    running += v;
    const int64_t x1 = scale(running, total, kWidth);
    if (x1 <= x0) continue;
    out += "<g><title>" + escape(s.label + ": " + s.value_text) + "</title>";
    out += "<rect x=\"" + num(x0) + "\" y=\"0\" width=\"" + num(x1 - x0) + "\" height=\"" +
           num(kBarHeight) + "\" fill=\"" + hex(s.colour) + "\" stroke=\"#FFFFFF\"/>";
    // The share on the segment, when it fits.
    const int64_t tenths = static_cast<int64_t>((v * 2000 + total) / (2 * total));
    const std::string share = num(tenths / 10) + "." + num(tenths % 10) + "%";
    if (x1 - x0 >= static_cast<int64_t>(share.size()) * 8 + 6)
      out +=
          text((x0 + x1) / 2, 25, "middle", share,
               s.colour == Colour::blue || s.colour == Colour::vermillion ? "on-dark" : "on-light");
    out += "</g>";
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    const int64_t x = static_cast<int64_t>(i % 2) * kColumn;
    const int64_t y = kLegendTop + static_cast<int64_t>(i / 2) * kLegendRow;
    out += "<g><rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"14\" height=\"14\" fill=\"" +
           hex(s.colour) + "\" stroke=\"#444444\"/>";
    out += text(x + 20, y + 12, "start", s.label + ": " + s.value_text);
    out += "</g>";
  }
  return out + "</svg>";
}

std::string inline_bar(Value value, Value max, Colour colour) {
  constexpr int kSpan = 120;
  const int64_t w = std::max<int64_t>(scale(value, max, kSpan), value > 0 ? 1 : 0);
  return "<svg class=\"cell-bar\" viewBox=\"0 0 " + num(kSpan) + " 12\" width=\"" + num(kSpan) +
         "\" height=\"12\" aria-hidden=\"true\">" + rect(0, 0, w, 12, colour) + "</svg>";
}

}  // namespace covenant::report::svg
