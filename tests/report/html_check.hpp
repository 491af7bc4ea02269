#pragma once
/// \file
/// A small structural check of the report's HTML, for the tests and the fuzz target: every
/// element opened is closed, in order (void elements and `<x/>` aside, `<style>` read as raw
/// text), no tag is left unterminated, and nothing refers outside the page.

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace covenant::report::testing {

/// Empty when `html` is balanced and self-contained; otherwise what is wrong and where (byte
/// offset).
inline std::string check_html(std::string_view html) {
  static constexpr std::string_view kVoid[] = {"area",   "base",  "br",    "col",  "embed",
                                               "hr",     "img",   "input", "link", "meta",
                                               "source", "track", "wbr"};
  std::string lower(html);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view banned :
       {"http://", "https://", "src=", "<script", "url(", "@import", "href="})
    if (lower.find(banned) != std::string::npos)
      return "refers outside the page: " + std::string(banned) + " at " +
             std::to_string(lower.find(banned));
  std::vector<std::string> open;
  size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos) {
    const size_t end = html.find('>', i);
    if (end == std::string_view::npos) return "unterminated tag at " + std::to_string(i);
    std::string_view tag = html.substr(i + 1, end - i - 1);
    if (tag.find('<') != std::string_view::npos) return "'<' inside a tag at " + std::to_string(i);
    if (tag.starts_with("!")) {
      i = end + 1;
      continue;
    }
    const bool closing = tag.starts_with("/");
    if (closing) tag.remove_prefix(1);
    const bool self_closing = tag.ends_with("/");
    const size_t name_end = std::min(tag.find_first_of(" \t\n/"), tag.size());
    std::string name(lower.substr(i + 1 + (closing ? 1 : 0), name_end));
    if (name.empty()) return "a tag without a name at " + std::to_string(i);
    if (closing) {
      if (open.empty() || open.back() != name)
        return "</" + name + "> at " + std::to_string(i) + " closes " +
               (open.empty() ? std::string("nothing") : "<" + open.back() + ">");
      open.pop_back();
    } else if (!self_closing &&
               std::find(std::begin(kVoid), std::end(kVoid), name) == std::end(kVoid)) {
      open.push_back(name);
      if (name == "style") {
        const size_t close = lower.find("</style>", end);
        if (close == std::string::npos) return "<style> never closed";
        i = close;
        continue;
      }
    }
    i = end + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return {};
}

}  // namespace covenant::report::testing
