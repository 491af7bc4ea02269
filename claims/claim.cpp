#include "claims/claim.hpp"

namespace covenant::claims {

void Claim::clear() {
  id.clear();
  member.clear();
  provider.clear();
  currency = "USD";
  received = 0;
  frequency = Frequency::original;
  replaces.reset();
  diagnoses.clear();
  other_coverage = false;
  lines.clear();
  enrolled.reset();
  plan.reset();
  secondary_plan.reset();
  service.clear();
  location.clear();
}

int64_t Claim::billed() const {
  int64_t sum = 0;
  for (const auto& l : lines) sum += l.charge;
  return sum;
}

}  // namespace covenant::claims
