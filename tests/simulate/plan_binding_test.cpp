// The claim encoder and the result decoder against the commercial PPO plan: a claim written
// by the encoder is byte for byte the parameter block `covenant call --args` makes of the
// same claim in JSON, and the plan's remittance reads back with the amounts the plan's own
// documentation works out (docs/contracts.md).

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/driver.hpp"
#include "runtime/contract_call.hpp"
#include "runtime/memory_state.hpp"
#include "simulate/claim_encoder.hpp"
#include "simulate/result_decoder.hpp"
#include "vm/machine.hpp"

using namespace covenant;

namespace {

runtime::LoadedContract compile_plan(const std::string& relative) {
  const std::string path = std::string(COVENANT_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  static std::vector<std::unique_ptr<compiler::SourceFile>> sources;
  sources.push_back(std::make_unique<compiler::SourceFile>(path, text.str()));
  compiler::Diagnostics diags;
  compiler::CompileRequest request;
  request.base_dir = std::filesystem::path(path).parent_path();  // the plan's CSV tables
  compiler::Compilation c = compiler::compile(*sources.back(), request, diags);
  REQUIRE_FALSE(diags.has_errors());
  auto loaded = runtime::LoadedContract::load(c.bytes);
  REQUIRE(loaded);
  return std::move(*loaded);
}

const runtime::LoadedContract& ppo() {
  static runtime::LoadedContract plan = compile_plan("contracts/claims/commercial_ppo.cvn");
  return plan;
}

std::string hex(const simulate::Digest& d) {
  std::string s;
  char b[3];
  for (uint8_t x : d) {
    std::snprintf(b, sizeof b, "%02x", x);
    s += b;
  }
  return s;
}

constexpr const char* kMember = "00000000000000000000000000000000000000000000000000000000000000a1";

// The claim of contracts/claims/commercial_ppo_claim.json, as a reader would produce it.
claims::Claim colonoscopy_claim() {
  claims::Claim c;
  c.id = "C-1001";
  c.member = kMember;
  c.provider = "1234567893";
  c.received = *runtime::parse_date("2027-03-10");
  c.diagnoses = {"Z1211", "R0789"};
  claims::Line a;
  a.code = "45378";
  a.charge = 200000;
  a.service_date = *runtime::parse_date("2027-03-01");
  a.place = "22";
  a.diagnosis_pointers = {1};
  claims::Line b = a;
  b.code = "71046";
  b.charge = 5000;
  b.diagnosis_pointers = {2};
  c.lines = {a, b};
  return c;
}

}  // namespace

TEST_CASE("simulate: the claim encoder writes what the ABI's JSON encoding writes") {
  const runtime::AbiEntry* entry = ppo().abi().find("adjudicate");
  REQUIRE(entry);
  auto encoder = simulate::ClaimEncoder::make(*entry);
  REQUIRE(encoder);
  CHECK(encoder->max_lines() == 6);
  auto hasher = ledger::Hasher::create_or_abort();
  claims::Claim claim = colonoscopy_claim();
  claim.lines[1].modifiers = {"59", "LT"};
  claim.lines[1].prior_auth = "PA-77";
  claim.lines[1].units = 3;
  claim.other_coverage = true;
  claim.frequency = claims::Frequency::replacement;
  claim.replaces = "C-0999";
  std::vector<uint8_t> block(encoder->param_size());
  REQUIRE(encoder->encode(claim, 0, 2, "", block, hasher));

  std::string json = std::string("{\"c\":{\"id\":\"") + hex(simulate::claim_digest("C-1001", hasher)) +
                     "\",\"member\":\"" + kMember +
                     "\",\"provider\":\"1234567893\",\"received\":\"2027-03-10\","
                     "\"frequency\":\"replacement\",\"replaces\":\"" +
                     hex(simulate::claim_digest("C-0999", hasher)) +
                     "\",\"diagnoses\":[\"Z1211\",\"R0789\"],\"other_coverage\":true,\"lines\":["
                     "{\"code\":\"45378\",\"modifiers\":[],\"units\":1,\"charge\":\"2000.00 USD\","
                     "\"service_date\":\"2027-03-01\",\"place\":\"22\",\"diagnosis_pointers\":[1],"
                     "\"prior_auth\":null},"
                     "{\"code\":\"71046\",\"modifiers\":[\"59\",\"LT\"],\"units\":3,"
                     "\"charge\":\"50.00 USD\",\"service_date\":\"2027-03-01\",\"place\":\"22\","
                     "\"diagnosis_pointers\":[2],\"prior_auth\":\"PA-77\"}]}}";
  auto expected = runtime::encode_params(*entry, json);
  REQUIRE_MESSAGE(expected, expected.error());
  CHECK(block == *expected);

  SUBCASE("a part of a split claim has its own id and only its lines") {
    REQUIRE(encoder->encode(claim, 1, 1, "#2", block, hasher));
    std::vector<uint8_t> id(block.begin(), block.begin() + 32);
    auto part = simulate::claim_digest("C-1001#2", hasher);
    CHECK(id == std::vector<uint8_t>(part.begin(), part.end()));
  }
  SUBCASE("values that do not fit the plan are named") {
    claims::Claim bad = colonoscopy_claim();
    bad.lines[0].code = "THIS-CODE-IS-TOO-LONG";
    auto e = encoder->encode(bad, 0, 2, "", block, hasher);
    REQUIRE_FALSE(e);
    CHECK(e.error().find("lines[0].code") == 0);
    bad = colonoscopy_claim();
    bad.currency = "EUR";
    e = encoder->encode(bad, 0, 2, "", block, hasher);
    REQUIRE_FALSE(e);
    CHECK(e.error() == "lines[0].charge: the plan takes USD, the claim is in EUR");
    bad = colonoscopy_claim();
    bad.diagnoses.assign(13, "Z00");
    e = encoder->encode(bad, 0, 2, "", block, hasher);
    REQUIRE_FALSE(e);
    CHECK(e.error() == "diagnoses: the plan takes at most 12, the claim has 13");
  }
}

TEST_CASE("simulate: a member id that is not a pseudonym is hashed") {
  auto hasher = ledger::Hasher::create_or_abort();
  CHECK(hex(simulate::member_pseudonym(kMember, hasher)) == kMember);
  // SHA-256("patient-1")
  CHECK(hex(simulate::member_pseudonym("patient-1", hasher)) ==
        hex(hasher.sha256(std::span(reinterpret_cast<const uint8_t*>("patient-1"), 9))));
  std::string upper(kMember);
  upper[62] = 'A';  // upper-case hex names the same bytes
  CHECK(hex(simulate::member_pseudonym(upper, hasher)) == kMember);
  CHECK(hex(simulate::member_pseudonym(std::string(63, 'a') + "g", hasher)) !=
        std::string(63, 'a') + "g");
}

TEST_CASE("simulate: the result decoder reads the plan's remittance") {
  const runtime::AbiEntry* enrol = ppo().abi().find("enrol");
  const runtime::AbiEntry* adjudicate = ppo().abi().find("adjudicate");
  REQUIRE(enrol);
  REQUIRE(adjudicate);
  auto encoder = simulate::ClaimEncoder::make(*adjudicate);
  auto decoder = simulate::ResultDecoder::make(*adjudicate);
  REQUIRE(encoder);
  REQUIRE(decoder);
  runtime::MemoryState state;
  vm::Machine machine;
  runtime::CallContext ctx;
  ctx.state = &state;
  auto args = runtime::encode_params(
      *enrol, std::string("{\"member\":\"") + kMember + "\",\"from\":\"2027-01-01\",\"until\":\"2027-12-31\"}");
  REQUIRE(args);
  REQUIRE(runtime::call_entry(machine, ppo(), *enrol, *args, 1'000'000, ctx).status ==
          runtime::CallStatus::ok);
  auto hasher = ledger::Hasher::create_or_abort();
  std::vector<uint8_t> block(encoder->param_size());
  REQUIRE(encoder->encode(colonoscopy_claim(), 0, 2, "", block, hasher));
  auto outcome = runtime::call_entry(machine, ppo(), *adjudicate, block, 10'000'000, ctx);
  REQUIRE(outcome.status == runtime::CallStatus::ok);
  simulate::ClaimResult r;
  r.currency = "USD";
  decoder->add(outcome.output, 1, r);
  // The worked example of docs/contracts.md: the deductible takes 950.10 of the colonoscopy's
  // allowed amount and 49.90 of the X-ray's, and 20% coinsurance applies to the X-ray's last
  // 0.10.
  CHECK(r.status == "primary");
  REQUIRE(r.lines.size() == 2);
  CHECK(r.billed == 205000);
  CHECK(r.payer == 8);
  CHECK(r.patient == 100002);
  CHECK(r.lines[0].allowed == 95010);
  CHECK(r.lines[0].deductible == 95010);
  CHECK(r.lines[0].adjustments.size() == 2);
  CHECK(r.lines[0].adjustments[0].group == "CO");
  CHECK(r.lines[0].adjustments[0].reason == 45);
  CHECK(r.lines[0].adjustments[0].amount == 104990);
  CHECK(r.lines[1].coinsurance == 2);
  CHECK(r.contractual == 104990);
  CHECK(r.balanced());

  SUBCASE("lines of a later part are numbered on") {
    simulate::ClaimResult later;
    decoder->add(outcome.output, 7, later);
    CHECK(later.lines[0].number == 7);
    CHECK(later.lines[1].number == 8);
  }
}

TEST_CASE("simulate: Synthea's payer model is read with its own names") {
  static runtime::LoadedContract synthea = compile_plan("contracts/claims/synthea_payer.cvn");
  const runtime::AbiEntry* entry = synthea.abi().find("adjudicate");
  REQUIRE(entry);
  auto encoder = simulate::ClaimEncoder::make(*entry);
  REQUIRE_MESSAGE(encoder, encoder.error());
  CHECK(encoder->max_lines() == 32);
  auto decoder = simulate::ResultDecoder::make(*entry);
  REQUIRE_MESSAGE(decoder, decoder.error());
  claims::Claim c = colonoscopy_claim();
  auto hasher = ledger::Hasher::create_or_abort();
  std::vector<uint8_t> block(encoder->param_size());
  auto missing = encoder->encode(c, 0, 2, "", block, hasher);
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == "enrolled: the plan needs it and the claim has none");
  c.enrolled = *runtime::parse_date("2027-01-01");
  c.service = "ambulatory";
  c.plan = 10001;
  REQUIRE(encoder->encode(c, 0, 2, "", block, hasher));
  c.service = "teleportation";
  auto unknown = encoder->encode(c, 0, 2, "", block, hasher);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == "service: the plan's Service has no `teleportation`");
}
