#include "claims/decimal.hpp"

#include <doctest/doctest.h>

namespace covenant::claims {
namespace {

TEST_CASE("decimal: amounts are read exactly into minor units") {
  CHECK(*parse_decimal("123.45", 2) == 12345);
  CHECK(*parse_decimal("0.1", 2) == 10);  // not 0.1000000000000000055
  CHECK(*parse_decimal("542.0", 2) == 54200);
  CHECK(*parse_decimal("542.000", 2) == 54200);  // trailing zeros keep the value exact
  CHECK(*parse_decimal("125", 2) == 12500);
  CHECK(*parse_decimal("-3.10", 2) == -310);
  CHECK(*parse_decimal("1.5e2", 2) == 15000);
  CHECK(*parse_decimal("12345E-2", 2) == 12345);
  CHECK(*parse_decimal("007", 0) == 7);
  CHECK(*parse_decimal("1500", 0) == 1500);
  CHECK(*parse_decimal("92233720368547758.07", 2) == INT64_MAX);
  CHECK(*parse_decimal("-92233720368547758.08", 2) == INT64_MIN);
}

TEST_CASE("decimal: too many decimals, malformed text and overflow are refused") {
  CHECK(!parse_decimal("1.005", 2));
  CHECK(!parse_decimal("0.001", 2));
  CHECK(!parse_decimal("1.5", 0));
  CHECK(!parse_decimal("1e-3", 2));
  for (const char* text : {"", "-", "+1", "1.", ".5", "1,00", "1 ", "0x10", "1e", "1e+", "12a", "NaN"})
    CHECK_MESSAGE(!parse_decimal(text, 2), text);
  CHECK(!parse_decimal("92233720368547758.08", 2));
  CHECK(!parse_decimal("1e400", 2));
  CHECK(!parse_decimal("99999999999999999999999", 0));
  CHECK(parse_decimal("1.005", 2).error() == "more than 2 decimals");
}

TEST_CASE("decimal: currencies and formatting") {
  CHECK(*currency_digits("USD") == 2);
  CHECK(*currency_digits("JPY") == 0);
  CHECK(!currency_digits("XAU"));
  CHECK(!currency_digits("usd"));
  CHECK(format_decimal(12345, 2) == "123.45");
  CHECK(format_decimal(-5, 2) == "-0.05");
  CHECK(format_decimal(0, 2) == "0.00");
  CHECK(format_decimal(7, 0) == "7");
  CHECK(format_decimal(INT64_MIN, 2) == "-92233720368547758.08");
}

}  // namespace
}  // namespace covenant::claims
