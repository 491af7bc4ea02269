#include "tools/covenant/gen_claims_command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "claims/generator.hpp"
#include "tools/covenant/cli_util.hpp"

namespace covenant::cli {
namespace {

constexpr int kUnusable = 2;

struct GenClaimsOptions {
  claims::GeneratorOptions generator;
  std::string out;  // empty or "-": standard output
};

// "2.00%" from a share in 1/10,000.
std::string percent(uint32_t per10k) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%02u%%", per10k / 100, per10k % 100);
  return buf;
}

std::string rates_help() {
  using namespace claims;
  return "Rates (of original claims unless stated; docs/gen-claims.md):\n"
         "  duplicates (exact resubmissions under a new number, OA-18)    " +
         percent(kDuplicatePer10k) +
         "\n"
         "  replacements (frequency 7) of an earlier claim of the member   " +
         percent(kReplacementPer10k) +
         "\n"
         "  voids (frequency 8) of an earlier claim of the member          " +
         percent(kVoidPer10k) +
         "\n"
         "  procedure pairs billed together (CO-97)                        " +
         percent(kPairEditPer10k) +
         "\n"
         "    of which, where the pair allows it, with a bypass modifier   " +
         std::to_string(kPairBypassPercent) +
         "%\n"
         "  a line over its units-per-day limit (CO-151)                   " +
         percent(kUnitsOverPer10k) +
         "\n"
         "  a line with no fee-schedule rate (CO-96), of the other claims  " +
         percent(kUncoveredPer10k) +
         "\n"
         "  received more than 180 days after the service (CO-29)          " +
         percent(kLateFilingPer10k) +
         "\n"
         "  lines needing prior authorisation billed without one (CO-197)  " +
         percent(kMissingAuthPer10k) +
         " of those lines\n"
         "  members never enrolled (CARC 31)                               " +
         percent(kNeverEnrolledPer10k) +
         " of members\n"
         "  members enrolled for part of the plan year (CO-26, CO-27)      " +
         percent(kPartYearPer10k) +
         " of members\n"
         "  members with a secondary payer (other_coverage)                " +
         percent(kOtherCoveragePer10k) +
         " of members\n"
         "Members: one per " +
         std::to_string(kClaimsPerMember) +
         " claims. Lines per claim 1-6 (mostly 1-3).\n"
         "The same --n, --seed and --plan-year give the same bytes on every platform.";
}

int run_gen_claims(const GenClaimsOptions& o) {
  std::unique_ptr<claims::ClaimGenerator> generator;
  try {
    generator = std::make_unique<claims::ClaimGenerator>(o.generator);
  } catch (const std::exception& e) {
    fail("gen-claims", e.what());
    return kUnusable;
  }
  const bool to_stdout = o.out.empty() || o.out == "-";
  std::FILE* out = to_stdout ? stdout : std::fopen(o.out.c_str(), "wb");
  if (out == nullptr) {
    fail("gen-claims", o.out + ": " + std::strerror(errno));
    return kUnusable;
  }
  const bool written = generator->write_all(out);
  const int saved_errno = errno;
  const bool closed = to_stdout || std::fclose(out) == 0;
  if (!written || !closed) {
    fail("gen-claims", (to_stdout ? std::string("standard output") : o.out) + ": " +
                           std::strerror(written ? errno : saved_errno));
    return kUnusable;
  }
  return 0;
}

}  // namespace

void add_gen_claims_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<GenClaimsOptions>();
  CLI::App* g = app.add_subcommand(
      "gen-claims",
      "Write synthetic hospital outpatient claims for contracts/claims/commercial_ppo.cvn as "
      "NDJSON "
      "(claims, with the enrol and authorise calls they need), for covenant simulate");
  g->add_option("--n", o->generator.claims, "Claims to write (call lines come on top)")->required();
  g->add_option("--seed", o->generator.seed, "Seed of every random draw")->capture_default_str();
  g->add_option(
       "--plan-year", o->generator.plan_year,
       "Plan year of the services, as the contract names it: Y runs 1 July Y to 30 June Y+1 "
       "(2026 holds the contract's examples)")
      ->capture_default_str()
      ->check(CLI::Range(1900, 9000));
  g->add_option("--out", o->out, "Output file (default: standard output)");
  g->footer(rates_help());
  g->callback([o, &exit_code] { exit_code = run_gen_claims(*o); });
}

}  // namespace covenant::cli
