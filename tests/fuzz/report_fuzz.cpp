// libFuzzer target for the results reader behind `covenant report`. Any bytes, read as a
// results file, give a Summary in which every non-blank line is either a claim or a malformed
// line, whose counts agree with each other, and a page whose elements all close, that refers
// to nothing outside itself. Reading the bytes line by line and reading them as a file (in
// chunks, lines read in place) give the same page, byte for byte.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "report/html_report.hpp"
#include "report/results_summary.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/report/html_check.hpp"

#define CHECK(cond) COVENANT_FUZZ_CHECK("report_fuzz", cond)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covenant::report;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Summarizer summarizer("fuzz.ndjson");
  uint64_t non_blank = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) ++non_blank;
    summarizer.add_line(text.substr(start, end - start));
    start = end + 1;
  }
  const Summary& s = summarizer.summary();
  CHECK(s.claims + s.malformed == non_blank);
  CHECK(s.adjudicated + s.denied + s.failed == s.claims);
  CHECK(s.malformed_examples.size() == std::min<uint64_t>(s.malformed, kMaxExamples));
  CHECK(s.imbalanced <= s.adjudicated + s.denied);
  uint64_t paid = s.payout_negative + s.payout_zero;
  for (uint64_t n : s.payout)
    paid += n;
  CHECK(paid == s.adjudicated);
  CHECK(s.denials.size() <= kMaxDenialCodes && s.failures.size() <= kMaxFailureReasons);

  const std::string html = render_html(s, {.title = "fuzz"});
  CHECK(covenant::report::testing::check_html(html).empty());

  if (size > 0) {
    std::FILE* file = fmemopen(const_cast<uint8_t*>(data), size, "rb");
    CHECK(file != nullptr);
    auto read = summarize(file, "fuzz.ndjson");
    std::fclose(file);
    CHECK(read.has_value());
    CHECK(render_html(*read, {.title = "fuzz"}) == html);
  }
  return 0;
}
