#pragma once
/// \file
/// `covenant report RESULTS.ndjson --html report.html [--title T]`: the one-page HTML report
/// of a results file of `covenant simulate` (docs/report.md).

#include <CLI/CLI.hpp>

namespace covenant::cli {

/// Registers `report` on `app`. It sets `exit_code`: 0 when the report was written (malformed
/// lines, each printed on stderr as "file:line: reason", and claims out of balance are in
/// the report, not failures), 2 when the results cannot be read or the page cannot be
/// written.
void add_report_command(CLI::App& app, int& exit_code);

}  // namespace covenant::cli
