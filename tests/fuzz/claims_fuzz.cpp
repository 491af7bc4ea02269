// libFuzzer target for the claims readers (claims/readers.hpp). The first byte picks the
// reader (0: NDJSON, 1: CSV, 2: FHIR, modulo 3), the rest is its input, read from memory.
// Every record is drained: a reader never crashes, never loops (at most one record per input
// byte, plus a fatal one), and what it gives keeps the claim model's promises: a problem has
// a location and a one-line reason; an NDJSON or CSV claim has an id, a member, lines with
// non-negative charges, at least one unit, and diagnosis pointers into its diagnoses; a call
// has an entry and an argument object. Violations trap, so libFuzzer (and the replay) report
// them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "claims/readers.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#define CLAIMS_FUZZ_CHECK(cond) COVENANT_FUZZ_CHECK("claims_fuzz", cond)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covenant::claims;
  if (size == 0) return 0;
  int format = data[0] % 3;
  auto in = memory_stream(std::vector<uint8_t>(data + 1, data + size), "fuzz");
  std::unique_ptr<Source> source = format == 0 ? ndjson_source(std::move(in))
                                   : format == 1 ? csv_source(std::move(in))
                                                 : fhir_source(std::move(in));
  Record record;
  size_t records = 0;
  while (source->next(record)) {
    CLAIMS_FUZZ_CHECK(++records <= size + 1);
    if (const auto* p = std::get_if<Problem>(&record)) {
      CLAIMS_FUZZ_CHECK(!p->location.empty() && !p->reason.empty());
      CLAIMS_FUZZ_CHECK(p->reason.find('\n') == std::string::npos);
    } else if (const auto* call = std::get_if<Call>(&record)) {
      CLAIMS_FUZZ_CHECK(!call->entry.empty() && !call->location.empty());
      CLAIMS_FUZZ_CHECK(call->args_json.starts_with("{") && call->args_json.ends_with("}"));
    } else {
      const Claim& c = std::get<Claim>(record);
      CLAIMS_FUZZ_CHECK(!c.location.empty());
      if (format == 2) continue;  // FHIR's mapping fills what a resource has
      CLAIMS_FUZZ_CHECK(!c.id.empty() && !c.member.empty() && !c.lines.empty());
      CLAIMS_FUZZ_CHECK((c.frequency == Frequency::original) != c.replaces.has_value());
      for (const Line& line : c.lines) {
        CLAIMS_FUZZ_CHECK(line.charge >= 0 && line.units >= 1);
        CLAIMS_FUZZ_CHECK(!line.code.empty() && line.code.size() <= 16);
        for (int64_t pointer : line.diagnosis_pointers)
          CLAIMS_FUZZ_CHECK(pointer >= 1 && static_cast<uint64_t>(pointer) <= c.diagnoses.size());
      }
      CLAIMS_FUZZ_CHECK(c.billed() >= 0);
    }
  }
  CLAIMS_FUZZ_CHECK(source->bytes_read() <= size - 1);
  return 0;
}
