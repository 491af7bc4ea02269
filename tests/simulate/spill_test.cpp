#include "simulate/spill.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace covenant;

TEST_CASE("simulate: claims and calls come back from a scratch file as they went in") {
  claims::Claim c;
  c.id = "C-1";
  c.member = "member-7";
  c.provider = "1234567893";
  c.currency = "JPY";
  c.received = 20000;
  c.frequency = claims::Frequency::void_;
  c.replaces = "C-0";
  c.diagnoses = {"Z00", "R07"};
  c.other_coverage = true;
  c.enrolled = -5;
  c.plan = 10001;
  c.service = "wellness";
  c.location = "claims.ndjson:3";
  claims::Line l;
  l.code = "99213";
  l.modifiers = {"25"};
  l.units = 2;
  l.charge = -123456789012;
  l.service_date = 19999;
  l.place = "11";
  l.diagnosis_pointers = {1, 2};
  l.prior_auth = "PA";
  c.lines = {l, claims::Line{}};
  claims::Call call{"enrol", "{\"member\":\"x\"}", "member-7", "claims.ndjson:1"};

  std::string bytes;
  simulate::append_call(1, 19000, call, bytes);
  simulate::append_claim(2, c, bytes);
  auto records = simulate::split_records(
      std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  REQUIRE(records);
  REQUIRE(records->size() == 2);
  CHECK((*records)[0].kind == simulate::SpilledRecord::Kind::call);
  CHECK((*records)[0].seq == 1);
  CHECK((*records)[0].today == 19000);
  CHECK((*records)[0].member == "member-7");
  CHECK((*records)[1].seq == 2);
  claims::Call back_call;
  REQUIRE(simulate::decode_call((*records)[0].body, back_call));
  CHECK(back_call.entry == "enrol");
  CHECK(back_call.args_json == call.args_json);
  CHECK(back_call.location == call.location);
  claims::Claim back;
  back.member = std::string((*records)[1].member);
  REQUIRE(simulate::decode_claim((*records)[1].body, back));
  CHECK(back.id == c.id);
  CHECK(back.member == c.member);
  CHECK(back.currency == "JPY");
  CHECK(back.frequency == claims::Frequency::void_);
  CHECK(back.replaces == c.replaces);
  CHECK(back.diagnoses == c.diagnoses);
  CHECK(back.enrolled == -5);
  CHECK(back.plan == 10001);
  CHECK_FALSE(back.secondary_plan);
  CHECK(back.service == "wellness");
  CHECK(back.location == c.location);
  REQUIRE(back.lines.size() == 2);
  CHECK(back.lines[0].charge == l.charge);
  CHECK(back.lines[0].modifiers == l.modifiers);
  CHECK(back.lines[0].diagnosis_pointers == l.diagnosis_pointers);
  CHECK(back.lines[0].prior_auth == l.prior_auth);
  CHECK_FALSE(back.lines[1].prior_auth);

  SUBCASE("a damaged file is reported, not misread") {
    for (size_t cut = 1; cut < bytes.size(); ++cut) {
      auto part = simulate::split_records(
          std::span(reinterpret_cast<const uint8_t*>(bytes.data()), cut));
      if (part) {
        // A cut at a frame boundary leaves whole records only.
        CHECK(part->size() == 1);
      }
    }
  }
}

TEST_CASE("simulate: a scratch writer flushes in pieces and keeps every byte") {
  auto dir = std::filesystem::temp_directory_path() / "covenant-spill-test";
  std::filesystem::create_directories(dir);
  auto w = simulate::SpillWriter::create(dir / "a");
  REQUIRE(w);
  std::string expected;
  for (int i = 0; i < 5000; ++i) {
    std::string piece = std::to_string(i) + ",";
    w->buffer() += piece;
    expected += piece;
    REQUIRE(w->maybe_flush(100));
  }
  CHECK(w->size() == expected.size());
  REQUIRE(w->close());
  auto back = simulate::read_spill(dir / "a");
  REQUIRE(back);
  CHECK(std::string(back->begin(), back->end()) == expected);
  std::filesystem::remove_all(dir);
}
