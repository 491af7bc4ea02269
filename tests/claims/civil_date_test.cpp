#include "claims/civil_date.hpp"

#include <doctest/doctest.h>

namespace covenant::claims {
namespace {

TEST_CASE("civil date: YYYY-MM-DD as days since 1970-01-01") {
  CHECK(*parse_date("1970-01-01") == 0);
  CHECK(*parse_date("1969-12-31") == -1);
  CHECK(*parse_date("2000-03-01") == 11017);
  CHECK(*parse_date("2024-02-29") == 19782);
  CHECK(*parse_date("0001-01-01") == -719162);
  for (const char* bad : {"2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "0000-01-01",
                          "2024-1-01", "2024/01/01", "20240101", "2024-01-01T00:00:00Z", ""})
    CHECK_MESSAGE(!parse_date(bad), bad);
  for (int64_t days : {-719162, -1, 0, 11017, 19782, 2932896}) CHECK(*parse_date(format_date(days)) == days);
}

TEST_CASE("civil date: the date of a dateTime is the date as written") {
  CHECK(*parse_date_time_date("1996-10-22T12:54:56-04:00") == *parse_date("1996-10-22"));
  CHECK(*parse_date_time_date("2011-10-14T23:52:54+00:00") == *parse_date("2011-10-14"));
  CHECK(*parse_date_time_date("2014-05-06T08:34:30Z") == *parse_date("2014-05-06"));
  CHECK(*parse_date_time_date("2014-05-06T08:34:30.123Z") == *parse_date("2014-05-06"));
  CHECK(*parse_date_time_date("2014-05-06T08:34:30") == *parse_date("2014-05-06"));
  CHECK(*parse_date_time_date("2014-05-06") == *parse_date("2014-05-06"));
  for (const char* bad : {"2014", "2014-05", "2014-05-06T", "2014-05-06T24:00:00Z", "2014-05-06T08:34Z",
                          "2014-05-06T08:34:30+5:00", "2014-05-06T08:34:30Zjunk", "2014-02-30T00:00:00Z",
                          "2014-05-06 08:34:30"})
    CHECK_MESSAGE(!parse_date_time_date(bad), bad);
}

}  // namespace
}  // namespace covenant::claims
