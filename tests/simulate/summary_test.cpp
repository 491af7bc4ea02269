#include "simulate/summary.hpp"

#include <doctest/doctest.h>

using namespace covenant::simulate;

namespace {

ClaimResult priced(int64_t charge, int64_t paid, int64_t patient, int64_t secondary) {
  ClaimResult r;
  r.currency = "USD";
  LineResult l;
  l.charge = charge;
  l.payer = paid;
  l.patient = patient;
  l.deductible = patient;
  l.secondary = secondary;
  l.adjustments.push_back({"CO", 45, charge - paid - patient - secondary});
  if (patient) l.adjustments.push_back({"PR", 1, patient});
  r.lines.push_back(l);
  r.billed = charge;
  r.payer = paid;
  r.patient = patient;
  r.secondary = secondary;
  r.contractual = charge - paid - patient - secondary;
  return r;
}

}  // namespace

TEST_CASE("simulate: totals add up, merge in any split, and keep the balance") {
  ClaimResult denied;
  denied.currency = "USD";
  denied.outcome = Outcome::denied;
  denied.code = 31;
  denied.billed = 5000;
  denied.contractual = 5000;
  ClaimResult failed;
  failed.currency = "USD";
  failed.outcome = Outcome::failed;
  failed.billed = 777;
  std::vector<ClaimResult> all{priced(10000, 6000, 1000, 0), denied, priced(2000, 0, 0, 500),
                               failed, priced(300, 300, 0, 0)};
  Summary one;
  for (const auto& r : all) one.add(r);
  Summary a, b;
  for (size_t i = 0; i < all.size(); ++i) (i % 2 ? a : b).add(all[i]);
  a.merge(b);
  CHECK(a.json() == one.json());
  CHECK(one.claims == 5);
  CHECK(one.adjudicated == 3);
  CHECK(one.denied == 1);
  CHECK(one.failed == 1);
  CHECK(one.billed == 17300);
  CHECK(one.payer == 6300);
  CHECK(one.patient == 1000);
  CHECK(one.secondary == 500);
  CHECK(one.contractual == 9500);
  CHECK(one.failed_billed == 777);
  CHECK(one.balanced());
  CHECK(one.denials.at(31).count == 1);
  CHECK(one.adjustments.at({"CO", 45}).amount == 4500);
  CHECK(one.table().find("balance (billed = paid + patient") != std::string::npos);

  ClaimResult lost = priced(1000, 500, 0, 0);
  lost.contractual -= 1;  // a plan that loses a cent
  one.add(lost);
  CHECK(one.unbalanced == 1);
  CHECK_FALSE(one.balanced());
  CHECK(one.json().find("\"balanced\":false") != std::string::npos);
}

TEST_CASE("simulate: amounts are written exactly") {
  std::string s;
  append_amount(-5, 2, s);
  s += ' ';
  append_amount(123456, 2, s);
  s += ' ';
  append_amount(1200, 0, s);
  s += ' ';
  append_amount(INT64_MIN, 2, s);
  CHECK(s == "-0.05 1234.56 1200 -92233720368547758.08");
}
