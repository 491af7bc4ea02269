// FHIR Consent import (consent/fhir_import.hpp) with the FhirConsent template
// (contracts/consent/fhir_consent.cvn) on the VM: every Consent of the shared data set
// (COVENANT_SHARED_DIR/data/consent, from the LEAP Consent Decision Service) is imported,
// granted, and asked the requests of its case file (tests/consent/fhir_cases/<stem>.json),
// each with the decision the FHIR rules give and why (docs/consent.md, "FHIR Consent import" has the table);
// then what reaches the terms, the mapping member by member, nesting in R4 and R5, the
// limits, dates, and every refusal of a malformed or unsupported input, with its path.

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/driver.hpp"
#include "consent/fhir_import.hpp"
#include "ledger/hasher.hpp"
#include "runtime/abi.hpp"
#include "runtime/contract_call.hpp"
#include "runtime/memory_state.hpp"
#include "vm/machine.hpp"

using namespace covenant;
using consent::FhirVersion;
using consent::import_fhir_consent;
namespace fs = std::filesystem;
namespace dom = simdjson::dom;

namespace {

const fs::path kConsentDir = fs::path(COVENANT_SHARED_DIR) / "data/consent";
const fs::path kCasesDir = fs::path(COVENANT_SOURCE_DIR) / "tests/consent/fhir_cases";
const fs::path kTemplate = fs::path(COVENANT_SOURCE_DIR) / "contracts/consent/fhir_consent.cvn";

// The decider's gas limit for one `decide` (docs/consent.md, "Decisions").
constexpr uint64_t kDecideGasLimit = 200'000;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot read " << path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const consent::Pseudonymizer& pseudonymizer() {
  static const consent::Pseudonymizer p([] {
    std::array<uint8_t, consent::kSecretSize> secret{};
    for (size_t i = 0; i < secret.size(); ++i)
      secret[i] = static_cast<uint8_t>(7 * i + 3);
    return secret;
  }());
  return p;
}

std::string hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::string class_hash(std::string_view name) {
  auto hasher = ledger::Hasher::create_or_abort();
  return hex(hasher.sha256(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(name.data()), name.size())));
}

std::string party(std::string_view id) {
  return hex(pseudonymizer().party(id));
}
std::string patient(std::string_view id) {
  return hex(pseudonymizer().patient(id));
}

// FhirConsent compiled once, with the gas bounds of its entries.
struct Template {
  runtime::LoadedContract contract;
  uint64_t grant_bound = 0;
  uint64_t decide_bound = 0;
};

const Template& fhir_template() {
  static const std::unique_ptr<Template> t = [] {
    static const std::string text = read_file(kTemplate);
    static const compiler::SourceFile source(kTemplate.string(), text);
    compiler::Diagnostics diags;
    compiler::CompileRequest request;
    request.base_dir = kTemplate.parent_path();
    compiler::Compilation c = compiler::compile(source, request, diags);
    REQUIRE_MESSAGE(!diags.has_errors(), compiler::render_all(source, diags));
    REQUIRE(c.packaged);
    auto loaded = runtime::LoadedContract::load(c.bytes);
    REQUIRE_MESSAGE(loaded, loaded.error());
    auto out = std::make_unique<Template>(Template{std::move(*loaded)});
    out->grant_bound = c.packaged->gas_bound.at("grant");
    out->decide_bound = c.packaged->gas_bound.at("decide");
    return out;
  }();
  return *t;
}

// Calls `entry` with the JSON arguments `args` on the date `day` ("YYYY-MM-DD"); the result
// as JSON, or "denied: REASON" / "fault: REASON". Checks the gas against the entry's bound.
std::string call(std::string_view entry, const std::string& args,
                 std::string_view day = "2025-01-01") {
  const Template& t = fhir_template();
  const runtime::AbiEntry* e = t.contract.abi().find(entry);
  REQUIRE(e != nullptr);
  auto input = runtime::encode_params(*e, args);
  REQUIRE_MESSAGE(input, input.error() << "\n" << args);
  auto today = runtime::parse_date(day);
  REQUIRE(today);
  runtime::MemoryState state;
  runtime::CallContext context;
  context.state = &state;
  context.today = *today;
  vm::Machine machine;
  runtime::CallOutcome out =
      runtime::call_entry(machine, t.contract, *e, *input, 10'000'000, context);
  CHECK(out.gas_used <= (entry == "grant" ? t.grant_bound : t.decide_bound));
  switch (out.status) {
    case runtime::CallStatus::ok:
      return runtime::value_json(*e->result, out.output);
    case runtime::CallStatus::denied:
      return "denied: " + out.reason;
    default:
      return "fault: " + out.reason;
  }
}

// decide's arguments: the terms of `grant_args` and the request `access`.
std::string decide_args(const std::string& grant_args, const std::string& access) {
  REQUIRE(grant_args.back() == '}');
  return grant_args.substr(0, grant_args.size() - 1) + ",\"a\":" + access + "}";
}

std::string ruling(std::string_view effect, std::string_view reason, std::string_view rule) {
  return "{\"effect\":\"" + std::string(effect) + "\",\"reason\":\"" + std::string(reason) +
         "\",\"rule\":\"" + std::string(rule) + "\",\"flag\":false}";
}

// A request in the clear, as a case file writes it; `json` pseudonymises it.
struct Request {
  std::string patient = "Patient/52";
  std::string grantee;
  std::vector<std::string> groups;
  std::string data_class = "Observation";
  std::string purpose = "TREAT";
  std::string action = "access";
  std::vector<std::string> labels;
  std::string record_date;  // "" for none

  std::string json() const {
    std::string j = "{\"patient\":\"" + ::patient(patient) + "\",\"grantee\":\"" + party(grantee) +
                    "\",\"groups\":[";
    for (size_t i = 0; i < groups.size(); ++i)
      j += (i ? ",\"" : "\"") + party(groups[i]) + "\"";
    j += "],\"data_class\":\"" + class_hash(data_class) + "\",\"purpose\":\"" + purpose +
         "\",\"action\":\"" + action + "\",\"labels\":[";
    for (size_t i = 0; i < labels.size(); ++i)
      j += (i ? ",\"" : "\"") + labels[i] + "\"";
    j += "],\"study\":null,\"record_date\":" +
         (record_date.empty() ? std::string("null") : "\"" + record_date + "\"") + "}";
    return j;
  }
};

std::string text(dom::element e) {
  std::string_view s;
  REQUIRE(e.get_string().get(s) == simdjson::SUCCESS);
  return std::string(s);
}

std::vector<std::string> texts(dom::element e) {
  std::vector<std::string> out;
  dom::array a;
  REQUIRE(e.get_array().get(a) == simdjson::SUCCESS);
  for (dom::element x : a)
    out.push_back(text(x));
  return out;
}

// Sets the request field `key` from a case file's value.
void set_field(Request& r, std::string& at, std::string_view key, dom::element v) {
  if (key == "patient")
    r.patient = text(v);
  else if (key == "grantee")
    r.grantee = text(v);
  else if (key == "groups")
    r.groups = texts(v);
  else if (key == "class")
    r.data_class = text(v);
  else if (key == "purpose")
    r.purpose = text(v);
  else if (key == "action")
    r.action = text(v);
  else if (key == "labels")
    r.labels = texts(v);
  else if (key == "record_date")
    r.record_date = v.is_null() ? "" : text(v);
  else if (key == "at")
    at = text(v);
  else if (key == "study")
    CHECK(v.is_null());
  else
    FAIL("unknown request field " << key);
}

std::vector<fs::path> shared_consents() {
  std::vector<fs::path> out;
  if (!fs::is_directory(kConsentDir)) return out;
  for (const auto& entry : fs::directory_iterator(kConsentDir))
    if (entry.path().extension() == ".json") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Every string value of a JSON document whose member name is not in `except`.
void strings_of(dom::element e, std::string_view key, const std::set<std::string_view>& except,
                std::vector<std::string>& out) {
  switch (e.type()) {
    case dom::element_type::OBJECT:
      for (dom::key_value_pair kv : dom::object(e))
        strings_of(kv.value, kv.key, except, out);
      break;
    case dom::element_type::ARRAY:
      for (dom::element x : dom::array(e))
        strings_of(x, key, except, out);
      break;
    case dom::element_type::STRING:
      if (!except.contains(key)) out.emplace_back(std::string_view(e));
      break;
    default:
      break;
  }
}

std::string replaced(std::string s, std::string_view from, std::string_view to) {
  const size_t at = s.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "no " << from);
  REQUIRE_MESSAGE(s.find(from, at + 1) == std::string::npos, "more than one " << from);
  return s.replace(at, from.size(), to);
}

std::string import_error(const std::string& json) {
  auto r = import_fhir_consent(json, pseudonymizer());
  if (r) return "(imported)";
  return r.error();
}

// A minimal R4 Consent: opt-in from 2019-11-01 through 2029-01-01, root members `root`
// (each with a leading comma) and the nested provisions `nested`.
std::string r4(const std::string& nested, const std::string& root = "",
               const std::string& top = "") {
  return R"({"resourceType":"Consent","status":"active","patient":{"reference":"Patient/52"})" +
         top +
         R"(,"provision":{"type":"permit","period":{"start":"2019-11-01","end":"2029-01-01"})" +
         root + R"(,"provision":[)" + nested + "]}}";
}

// A minimal R5 Consent with decision `decision` and the provisions `provisions`.
std::string r5(const std::string& decision, const std::string& provisions,
               const std::string& top = "") {
  return R"({"resourceType":"Consent","status":"active","subject":{"reference":"Patient/52"},)"
         R"("period":{"start":"2019-11-01"},"decision":")" +
         decision + "\"" + top + R"(,"provision":[)" + provisions + "]}";
}

constexpr const char* kIrcp =
    R"("role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType",)"
    R"("code":"IRCP"}]})";

std::string actor(std::string_view reference) {
  return std::string(R"({)") + kIrcp + R"(,"reference":{"reference":")" + std::string(reference) +
         "\"}}";
}

std::string coding(std::string_view system, std::string_view code) {
  return R"({"system":")" + std::string(system) + R"(","code":")" + std::string(code) + "\"}";
}

const std::string kNotADate = " is not a FHIR date or dateTime in years 0001 to 9999";
constexpr std::string_view kActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
constexpr std::string_view kConsentAction = "http://terminology.hl7.org/CodeSystem/consentaction";

}  // namespace

TEST_CASE("fhir import: every shared FHIR Consent decides as its case file says") {
  const std::vector<fs::path> files = shared_consents();
  if (files.empty()) {
    WARN_MESSAGE(false, "skipped: no FHIR Consents in " << kConsentDir);
    return;
  }
  // One case file per Consent, and none for a Consent that is not there.
  std::set<std::string> stems, case_stems;
  for (const auto& f : files)
    stems.insert(f.stem().string());
  for (const auto& entry : fs::directory_iterator(kCasesDir))
    case_stems.insert(entry.path().stem().string());
  CHECK(stems == case_stems);

  size_t cases = 0;
  for (const fs::path& file : files) {
    CAPTURE(file);
    auto imported = import_fhir_consent(read_file(file), pseudonymizer());
    REQUIRE_MESSAGE(imported, imported.error());

    dom::parser parser;
    dom::element spec;
    REQUIRE(parser.load((kCasesDir / (file.stem().string() + ".json")).string()).get(spec) ==
            simdjson::SUCCESS);
    CHECK(text(spec["consent"]) == file.filename().string());
    CHECK(text(spec["version"]) == (imported->version == FhirVersion::r4 ? "r4" : "r5"));
    CHECK(texts(spec["provisions"]) == imported->provision_paths);

    // grant accepts the terms; the scope is the patient's, for any grantee and class.
    CHECK(call("grant", imported->grant_args) ==
          "{\"patient\":\"" + patient("Patient/52") + "\",\"grantees\":[],\"classes\":[]}");

    Request defaults;
    std::string default_at;
    for (dom::key_value_pair kv : dom::object(spec["defaults"]))
      set_field(defaults, default_at, kv.key, kv.value);
    for (dom::element c : dom::array(spec["cases"])) {
      Request r = defaults;
      std::string at = default_at;
      std::string why;
      dom::object expect;
      for (dom::key_value_pair kv : dom::object(c)) {
        if (kv.key == "why")
          why = text(kv.value);
        else if (kv.key == "expect")
          expect = dom::object(kv.value);
        else
          set_field(r, at, kv.key, kv.value);
      }
      CAPTURE(why);
      CAPTURE(at);
      CHECK(call("decide", decide_args(imported->grant_args, r.json()), at) ==
            ruling(text(expect["effect"]), text(expect["reason"]), text(expect["rule"])));
      ++cases;
    }
  }
  MESSAGE(files.size() << " FHIR Consents, " << cases << " decisions checked");
}

TEST_CASE("fhir import: no identifier, name or text of a file reaches the terms") {
  const std::vector<fs::path> files = shared_consents();
  if (files.empty()) {
    WARN_MESSAGE(false, "skipped: no FHIR Consents in " << kConsentDir);
    return;
  }
  // Codes and dates may appear as they are; every other text of the file must not.
  const std::set<std::string_view> codes = {"code",  "status", "type",     "decision",
                                            "start", "end",    "dateTime", "date"};
  for (const fs::path& file : files) {
    CAPTURE(file);
    const std::string json = read_file(file);
    auto imported = import_fhir_consent(json, pseudonymizer());
    REQUIRE_MESSAGE(imported, imported.error());
    dom::parser parser;
    dom::element doc;
    REQUIRE(parser.parse(json).get(doc) == simdjson::SUCCESS);
    std::vector<std::string> strings;
    strings_of(doc, "", codes, strings);
    CHECK(strings.size() > 10);
    for (const std::string& s : strings) {
      CAPTURE(s);
      CHECK(imported->grant_args.find(s) == std::string::npos);
    }
    for (const char* clear : {"Patient", "Practitioner", "Organization", "Boris", "Betterhalf",
                              "boris", "http", "Consent"})
      CHECK(imported->grant_args.find(clear) == std::string::npos);
    // The identifier only as a keyed pseudonym.
    REQUIRE(imported->identifiers.size() == 1);
    CHECK(imported->identifiers[0] ==
          pseudonymizer().party(
              "Consent?identifier=http://sdhealthconnect.github.io/leap/samples/ids|" +
              file.stem().string().substr(3)));
    CHECK(!imported->resource_id);
    CHECK(imported->patient == pseudonymizer().patient("Patient/52"));
  }
}

TEST_CASE("fhir import: the terms of a Consent, member by member") {
  const std::string json =
      r4(R"({"type":"deny","period":{"start":"2020","end":"2027-06"},)"
         R"("dataPeriod":{"end":"2024-12-31T23:00:00+02:00"},)"
         R"("actor":[)" +
             actor("Organization/54") + "," + actor("https://fhir.example/Practitioner/7") +
             R"(],)"
             R"("action":[{"coding":[)" +
             coding(kConsentAction, "access") + "," + coding("http://example.org/actions", "read") +
             R"(]},{"coding":[)" + coding(kConsentAction, "access") +
             R"(]}],)"
             R"("purpose":[)" +
             coding(kActReason, "HMARKT") +
             R"(],)"
             R"("securityLabel":[)" +
             coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R") +
             R"(],)"
             R"("class":[)" +
             coding("http://hl7.org/fhir/resource-types", "MedicationStatement") + "," +
             coding("http://loinc.org", "34133-9") +
             R"(],)"
             R"("provision":[{"type":"permit","purpose":[)" +
             coding(kActReason, "ETREAT") + "]}]}",
         R"(,"purpose":[)" + coding(kActReason, "TREAT") + "," + coding(kActReason, "ETREAT") +
             "," + coding(kActReason, "HMARKT") + "]",
         R"(,"id":"c-77","identifier":[{"value":"no-system"}],)"
         R"("text":{"status":"generated","div":"<div>Boris</div>"})");
  auto imported = import_fhir_consent(json, pseudonymizer());
  REQUIRE_MESSAGE(imported, imported.error());
  CHECK(imported->version == FhirVersion::r4);
  CHECK(imported->provision_paths ==
        std::vector<std::string>{"provision", "provision.provision[0]",
                                 "provision.provision[0].provision[0]"});
  REQUIRE(imported->resource_id);
  CHECK(*imported->resource_id == pseudonymizer().party("Consent/c-77"));
  REQUIRE(imported->identifiers.size() == 1);
  CHECK(imported->identifiers[0] == pseudonymizer().party("Consent?identifier=|no-system"));
  const std::string open = R"({"start":null,"end":null})";
  const std::string expected =
      R"({"t":{"patient":")" + patient("Patient/52") +
      R"(","status":"active","period":{"start":"2019-11-01","end":"2029-01-01"},"provisions":[)"
      R"({"parent":-1,"effect":"permit","period":)" +
      open + R"(,"data_period":)" + open +
      "},"
      R"({"parent":0,"effect":"forbid","period":{"start":"2020-01-01","end":"2027-06-30"},)"
      R"("data_period":{"start":null,"end":"2024-12-31"}},)"
      R"({"parent":1,"effect":"permit","period":)" +
      open + R"(,"data_period":)" + open +
      "}],"
      R"("actors":[{"provision":1,"party":")" +
      party("Organization/54") + R"("},{"provision":1,"party":")" +
      party("https://fhir.example/Practitioner/7") +
      R"("}],)"
      R"("actions":[{"provision":1,"code":"access"}],)"
      R"("purposes":[{"provision":0,"code":"TREAT"},{"provision":0,"code":"ETREAT"},)"
      R"({"provision":0,"code":"HMARKT"},)"
      R"({"provision":1,"code":"HMARKT"},{"provision":2,"code":"ETREAT"}],)"
      R"("classes":[{"provision":1,"class":")" +
      class_hash("MedicationStatement") + R"("},{"provision":1,"class":")" +
      class_hash("http://loinc.org|34133-9") +
      R"("}],)"
      R"("labels":[{"provision":1,"code":"R"}]}})";
  CHECK(imported->grant_args == expected);
  CHECK(imported->grant_args.find("Boris") == std::string::npos);

  // And it decides: the root's purposes bound the consent; provision 2 inside provision 1.
  const std::string terms = imported->grant_args;
  Request r{.grantee = "Organization/54",
            .data_class = "MedicationStatement",
            .purpose = "HMARKT",
            .labels = {"R"},
            .record_date = "2024-06-01"};
  CHECK(call("grant", terms) != "");
  CHECK(call("decide", decide_args(terms, r.json())) ==
        ruling("forbid", "explicit", "provision.1"));
  r.grantee = "Organization/53";
  r.groups = {"https://fhir.example/Practitioner/7"};
  CHECK(call("decide", decide_args(terms, r.json())) ==
        ruling("forbid", "explicit", "provision.1"));
  r.record_date = "2025-01-01";  // after the data period
  CHECK(call("decide", decide_args(terms, r.json())) == ruling("permit", "granted", "base"));
  r.record_date = "";  // undated data: outside any data period
  CHECK(call("decide", decide_args(terms, r.json())) == ruling("permit", "granted", "base"));
  r.record_date = "2024-12-31";
  CHECK(call("decide", decide_args(terms, r.json()), "2019-12-31") ==
        ruling("permit", "granted", "base"));
  CHECK(call("decide", decide_args(terms, r.json()), "2027-06-30") ==
        ruling("forbid", "explicit", "provision.1"));
  CHECK(call("decide", decide_args(terms, r.json()), "2027-07-01") ==
        ruling("permit", "granted", "base"));
  r.purpose = "ETREAT";
  CHECK(call("decide", decide_args(terms, r.json())) == ruling("permit", "granted", "base"));
  r.data_class = "http://loinc.org|34133-9";
  r.purpose = "HMARKT";
  CHECK(call("decide", decide_args(terms, r.json())) ==
        ruling("forbid", "explicit", "provision.1"));
  r.purpose = "HRESCH";
  CHECK(call("decide", decide_args(terms, r.json())) ==
        ruling("abstain", "wrong_purpose", "scope"));
}

TEST_CASE("fhir import: nested provisions, R4 by their type, R5 each the opposite of its parent") {
  SUBCASE("R5") {
    // Deny by default; permit treatment, except Observations; except again for one clinic.
    const std::string json =
        r5("deny",
           R"({"purpose":[)" + coding(kActReason, "TREAT") + R"(],"provision":[{"resourceType":[)" +
               coding("http://hl7.org/fhir/resource-types", "Observation") +
               R"(],"provision":[{"actor":[{"reference":{"reference":"Organization/9"}}]}]}]})");
    auto imported = import_fhir_consent(json, pseudonymizer());
    REQUIRE_MESSAGE(imported, imported.error());
    CHECK(imported->version == FhirVersion::r5);
    CHECK(imported->provision_paths ==
          std::vector<std::string>{"decision", "provision[0]", "provision[0].provision[0]",
                                   "provision[0].provision[0].provision[0]"});
    CHECK(imported->grant_args.find(R"("provisions":[{"parent":-1,"effect":"forbid")") !=
          std::string::npos);
    CHECK(imported->grant_args.find(R"({"parent":0,"effect":"permit")") != std::string::npos);
    CHECK(imported->grant_args.find(R"({"parent":1,"effect":"forbid")") != std::string::npos);
    CHECK(imported->grant_args.find(R"({"parent":2,"effect":"permit")") != std::string::npos);
    Request r{.grantee = "Organization/8", .data_class = "Condition"};
    CHECK(call("decide", decide_args(imported->grant_args, r.json())) ==
          ruling("permit", "granted", "provision.1"));
    r.data_class = "Observation";
    CHECK(call("decide", decide_args(imported->grant_args, r.json())) ==
          ruling("forbid", "explicit", "provision.2"));
    r.grantee = "Organization/9";
    CHECK(call("decide", decide_args(imported->grant_args, r.json())) ==
          ruling("permit", "granted", "provision.3"));
    r.purpose = "HMARKT";
    CHECK(call("decide", decide_args(imported->grant_args, r.json())) ==
          ruling("forbid", "explicit", "base"));
    CHECK(call("decide", decide_args(imported->grant_args, r.json()), "2019-10-31") ==
          ruling("abstain", "not_yet_valid", "period"));
  }
  SUBCASE("R4") {
    // Opt-out, but Organization/54 may read for treatment, except MedicationStatements.
    std::string json =
        r4(R"({"type":"permit","actor":[)" + actor("Organization/54") + R"(],"purpose":[)" +
           coding(kActReason, "TREAT") + R"(],"provision":[{"type":"deny","class":[)" +
           coding("http://hl7.org/fhir/resource-types", "MedicationStatement") + "]}]}");
    json = replaced(json, R"("type":"permit","period")", R"("type":"deny","period")");
    auto imported = import_fhir_consent(json, pseudonymizer());
    REQUIRE_MESSAGE(imported, imported.error());
    Request r{.grantee = "Organization/54"};
    CHECK(call("decide", decide_args(imported->grant_args, r.json())) ==
          ruling("permit", "granted", "provision.1"));
    r.data_class = "MedicationStatement";
    CHECK(call("decide", decide_args(imported->grant_args, r.json())) ==
          ruling("forbid", "explicit", "provision.2"));
    r.data_class = "Observation";
    r.grantee = "Organization/55";
    CHECK(call("decide", decide_args(imported->grant_args, r.json())) ==
          ruling("forbid", "explicit", "base"));
  }
}

TEST_CASE("fhir import: the limits of the terms") {
  const std::string one = R"({"type":"deny","purpose":[)" + coding(kActReason, "HMARKT") + "]}";
  SUBCASE("provisions: the root and seven nested ones") {
    std::string seven = one;
    for (int i = 1; i < 7; ++i)
      seven += "," + one;
    auto imported = import_fhir_consent(r4(seven), pseudonymizer());
    REQUIRE_MESSAGE(imported, imported.error());
    CHECK(imported->provision_paths.size() == consent::kFhirMaxProvisions);
    CHECK(call("grant", imported->grant_args).starts_with("{\"patient\""));
    Request r{.grantee = "Organization/54", .purpose = "HMARKT"};
    CHECK(call("decide", decide_args(imported->grant_args, r.json())) ==
          ruling("forbid", "explicit", "provision.1"));
    CHECK(import_error(r4(seven + "," + one)) ==
          "provision.provision[7]: more than 8 provisions (the root and the nested ones together): "
          "FhirConsent's limit");
  }
  SUBCASE("a chain of nested provisions: the deepest decides") {
    std::string chain = R"({"type":"permit"})";
    for (int depth = 0; depth < 6; ++depth)
      chain = std::string(R"({"type":")") + (depth % 2 ? "permit" : "deny") + R"(","provision":[)" +
              chain + "]}";
    auto imported = import_fhir_consent(r4(chain), pseudonymizer());
    REQUIRE_MESSAGE(imported, imported.error());
    CHECK(imported->provision_paths.back() ==
          "provision.provision[0].provision[0].provision[0].provision[0].provision[0].provision[0]."
          "provision[0]");
    Request r{.grantee = "Organization/54"};
    CHECK(call("decide", decide_args(imported->grant_args, r.json())) ==
          ruling("permit", "granted", "provision.7"));
  }
  SUBCASE("rows of a condition table") {
    static constexpr std::array<std::string_view, 9> kPurposes = {"TREAT",   "ETREAT",  "HMARKT",
                                                                  "HRESCH",  "HPAYMT",  "HOPERAT",
                                                                  "PUBHLTH", "CAREMGT", "COVERAGE"};
    std::string eight, nine;
    for (size_t i = 0; i < kPurposes.size(); ++i) {
      const std::string c = (i ? "," : "") + coding(kActReason, kPurposes[i]);
      if (i < 8) eight += c;
      nine += c;
    }
    auto imported =
        import_fhir_consent(r4(R"({"type":"deny","purpose":[)" + eight + "]}"), pseudonymizer());
    REQUIRE_MESSAGE(imported, imported.error());
    CHECK(call("grant", imported->grant_args).starts_with("{\"patient\""));
    // A repeat within one provision counts once.
    CHECK(import_error(r4(R"({"type":"deny","purpose":[)" + eight + "," +
                          coding(kActReason, "TREAT") + "]}")) == "(imported)");
    CHECK(import_error(r4(R"({"type":"deny","purpose":[)" + nine + "]}")) ==
          "provision.provision[0].purpose[8]: more than 8 purposes in the consent: FhirConsent's "
          "limit");
    // The limit is per table over the whole consent.
    CHECK(import_error(r4(R"({"type":"deny","purpose":[)" + eight + "]}",
                          R"(,"purpose":[)" + coding(kActReason, "TREAT") + "]")) ==
          "provision.provision[0].purpose[7]: more than 8 purposes in the consent: FhirConsent's "
          "limit");
  }
}

TEST_CASE("fhir import: dates and dateTimes") {
  auto period = [](std::string_view start, std::string_view end) {
    auto imported = import_fhir_consent(
        replaced(r4(""), R"({"start":"2019-11-01","end":"2029-01-01"})",
                 R"({"start":")" + std::string(start) + R"(","end":")" + std::string(end) + "\"}"),
        pseudonymizer());
    if (!imported) return imported.error();
    const std::string& j = imported->grant_args;
    const size_t at = j.find("\"period\":");
    return j.substr(at + 9, j.find('}', at) - at - 8);
  };
  CHECK(period("2019", "2029") == R"({"start":"2019-01-01","end":"2029-12-31"})");
  CHECK(period("2019-02", "2028-02") == R"({"start":"2019-02-01","end":"2028-02-29"})");
  CHECK(period("2020-05-29T16:34:28.273Z", "2029-01-01T00:00:00-05:00") ==
        R"({"start":"2020-05-29","end":"2029-01-01"})");
  CHECK(period("2019-02-29", "2029") == R"(provision.period.start: "2019-02-29")" + kNotADate);
  CHECK(period("2019-11-01", "2029-01-01T25:00:00Z") ==
        R"(provision.period.end: "2029-01-01T25:00:00Z")" + kNotADate);
  CHECK(period("2019-11-01", "2029-01-01T10:00") ==
        R"(provision.period.end: "2029-01-01T10:00")" + kNotADate);
  CHECK(period("2019-11-01", "0000-01-01") == R"(provision.period.end: "0000-01-01")" + kNotADate);
  CHECK(period("2019-11-01", "2019-10-31") ==
        "provision.period: ends (2019-10-31) before it starts (2019-11-01)");
}

TEST_CASE("fhir import: data class names") {
  CHECK(consent::fhir_class_name("http://hl7.org/fhir/resource-types", "MedicationStatement") ==
        "MedicationStatement");
  CHECK(consent::fhir_class_name("http://loinc.org", "34133-9") == "http://loinc.org|34133-9");
}

TEST_CASE("fhir import: malformed and unsupported inputs are refused with their path") {
  const std::string optin = r4(R"({"type":"deny","actor":[)" + actor("Organization/54") + "]}");
  struct Case {
    std::string json;
    std::string error;
  };
  const std::string provision_member_error =
      " that the importer knows (unknown members are refused)";
  const std::vector<Case> cases = {
      {"{", "(resource): not JSON: "},
      {"[]", "(resource): expected an object, found an array"},
      {R"({"resourceType":"Patient","id":"1"})", R"(resourceType: "Patient" is not Consent)"},
      {R"({"status":"active"})", "resourceType: missing: not a FHIR resource"},
      {R"({"resourceType":"Consent","status":"active"})",
       "(resource): cannot tell FHIR R4 from R5: none of patient, an object provision (R4), "
       "subject, "
       "decision, period or an array provision (R5)"},
      {replaced(optin, R"("status":"active")", R"("status":"active","decision":"permit")"),
       "(resource): mixes FHIR R4 (patient) and R5 (decision) members"},
      {replaced(optin, R"("status":"active",)", ""), "status: missing"},
      {replaced(optin, R"("status":"active")", R"("status":"enacted")"),
       R"(status: "enacted" is not an R4 Consent status)"},
      {replaced(r5("permit", ""), R"("status":"active")", R"("status":"proposed")"),
       R"(status: "proposed" is not an R5 Consent status)"},
      {replaced(optin, R"("patient":{"reference":"Patient/52"},)", R"("dateTime":"2019-11-01",)"),
       "patient: missing"},
      {replaced(optin, R"({"reference":"Patient/52"})", R"({"identifier":{"value":"52"}})"),
       "patient: no reference (a patient named by identifier only is not supported: the pseudonym "
       "is "
       "made from the reference)"},
      {replaced(r5("permit", ""), R"("Patient/52")", R"("Group/1")"),
       "subject.reference: not a reference to a Patient (\"Patient/ID\" or a URL ending so): a "
       "consent "
       "of one patient is supported, not of a group or a practitioner"},
      {replaced(optin, R"("start":"2019-11-01")", R"("start":"2019-13-01")"),
       R"(provision.period.start: "2019-13-01")" + kNotADate},
      {replaced(optin, R"("type":"deny")", R"("type":"maybe")"),
       R"(provision.provision[0].type: "maybe" is not permit or deny)"},
      {replaced(optin, R"("type":"deny",)", ""),
       "provision.provision[0].type: missing: a nested R4 provision says permit or deny"},
      {replaced(optin, R"("type":"permit",)", ""),
       "provision.type: missing: the root provision's type is the base decision (permit or deny)"},
      {R"({"resourceType":"Consent","status":"active","patient":{"reference":"Patient/52"}})",
       "provision: missing: an R4 Consent's root provision gives its base decision"},
      {r5("maybe", ""), R"(decision: "maybe" is not permit or deny)"},
      {replaced(r5("permit", ""), R"("decision":"permit",)", ""),
       "decision: missing: the base decision (permit or deny) is needed"},
      {r5("permit", R"({"type":"deny"})"),
       "provision[0].type: not supported: an R5 provision has no type: it is the opposite of its "
       "parent's decision"},
      {r4(R"({"type":"deny","actor":[{)" + std::string(kIrcp) + "}]}"),
       "provision.provision[0].actor[0]: no reference"},
      {r4(R"({"type":"deny","actor":[{)" + std::string(kIrcp) +
          R"(,"reference":{"display":"Dr Bob"}}]})"),
       "provision.provision[0].actor[0].reference: no reference (an actor named by identifier only "
       "is not "
       "supported: the party pseudonym is made from the reference)"},
      {r4(R"({"type":"deny","actor":[)" + actor("#dr") + "]}"),
       "provision.provision[0].actor[0].reference.reference: a contained resource is not supported "
       "as an actor"},
      {r4(R"({"type":"deny","actor":[{"reference":{"reference":"Organization/54"}}]})"),
       "provision.provision[0].actor[0]: no role (an R4 actor has one)"},
      {replaced(optin, R"("code":"IRCP")", R"("code":"AUT")"),
       "provision.provision[0].actor[0].role: not a recipient role (v3-ParticipationType IRCP or "
       "PRCP): an "
       "actor is matched with the party that asks for the data, so only its role is supported"},
      {r4(R"({"type":"deny","actor":{}})"),
       "provision.provision[0].actor: expected an array, found an object"},
      {r4(R"({"type":"deny","action":[{"coding":[)" + coding("http://example.org", "read") +
          "]}]}"),
       "provision.provision[0].action[0]: no coding of "
       "http://terminology.hl7.org/CodeSystem/consentaction "
       "(an action in another system, or as text only, is not supported)"},
      {r4(R"({"type":"deny","action":[{"text":"reading"}]})"),
       "provision.provision[0].action[0]: no coding of "
       "http://terminology.hl7.org/CodeSystem/consentaction "
       "(an action in another system, or as text only, is not supported)"},
      {r4(R"({"type":"deny","action":[{"coding":[)" + coding(kConsentAction, "read") + "]}]}"),
       R"(provision.provision[0].action[0].coding[0].code: "read" is not a consentaction code)"},
      {r4(R"({"type":"deny","purpose":[)" + coding("http://example.org/pou", "TREAT") + "]}"),
       "provision.provision[0].purpose[0].system: a purpose of use of another system than "
       "http://terminology.hl7.org/CodeSystem/v3-ActReason is not supported"},
      {r4(R"({"type":"deny","purpose":[)" + coding(kActReason, "A-CODE-LONGER-THAN-16") + "]}"),
       "provision.provision[0].purpose[0].code: \"A-CODE-LONGER-THAN-16\" does not fit a Code (1 "
       "to 16 "
       "printable ASCII characters, no spaces)"},
      {r4(R"({"type":"deny","purpose":[{"code":"TREAT"}]})"),
       "provision.provision[0].purpose[0]: no system"},
      {r4(R"({"type":"deny","securityLabel":[)" + coding("http://example.org/labels", "R") + "]}"),
       "provision.provision[0].securityLabel[0].system: a security label of another system than "
       "the HL7 v3 "
       "ones (http://terminology.hl7.org/CodeSystem/v3-...) is not supported: labels are matched "
       "by code"},
      {r4(R"({"type":"deny","class":[{"code":"Observation"}]})"),
       "provision.provision[0].class[0]: no system"},
      {r4(R"({"type":"deny","code":[{"text":"HIV"}]})"),
       "provision.provision[0].code: not supported: a request names no clinical code, so a "
       "provision "
       "about codes cannot be decided"},
      {r4(R"({"type":"deny","data":[]})"),
       "provision.provision[0].data: not supported: a request names no resource instance, so a "
       "provision "
       "about given resources cannot be decided"},
      {r5("permit", R"({"expression":{"language":"text/fhirpath"}})"),
       "provision[0].expression: not supported: an expression cannot be evaluated by the template"},
      {r5("permit", R"({"resourceType":[)" +
                        coding("http://hl7.org/fhir/resource-types", "Observation") +
                        R"(],"documentType":[)" + coding("http://loinc.org", "34133-9") + "]}"),
       "provision[0].documentType: not supported beside resourceType: a request names one data "
       "class, "
       "which cannot be both a resource type and a document type"},
      {replaced(optin, R"("status":"active")", R"("status":"active","modifierExtension":[])"),
       "modifierExtension: not supported: a modifier extension may change the meaning of what it "
       "is on, "
       "and none is known here"},
      {replaced(optin, R"("status":"active")", R"("status":"active","implicitRules":"http://x")"),
       "implicitRules: not supported: rules the importer does not know may change the meaning of "
       "the resource"},
      {r4(R"({"type":"deny","modifierExtension":[]})"),
       "provision.provision[0].modifierExtension: not supported: a modifier extension may change "
       "the "
       "meaning of what it is on, and none is known here"},
      {r4(R"({"type":"deny","subType":"x"})"),
       "provision.provision[0].subType: not a member of an R4 Consent provision" +
           provision_member_error},
      {replaced(optin, R"("status":"active")",
                R"("status":"active","subject":{"reference":"Patient/52"})"),
       "(resource): mixes FHIR R4 (patient) and R5 (subject) members"},
      {r4(R"({"type":"deny","type":"permit"})"), "provision.provision[0].type: repeated member"},
      {replaced(optin, R"("status":"active")",
                R"("status":"active","identifier":[{"system":"urn:x"}])"),
       "identifier[0]: no value"},
      {replaced(optin, R"("status":"active")", R"("status":"active","id":7)"),
       "id: expected a string, found a number"},
      {r4(R"({"type":"deny","period":{"start":"2020-01-01","end":"2019-01-01"}})"),
       "provision.provision[0].period: ends (2019-01-01) before it starts (2020-01-01)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.json);
    const std::string error = import_error(c.json);
    if (c.error.ends_with(": "))
      CHECK(error.starts_with(c.error));
    else
      CHECK(error == c.error);
  }
}

TEST_CASE("fhir import: the template's gas bounds fit the decider") {
  const Template& t = fhir_template();
  MESSAGE("FhirConsent gas bounds: grant " << t.grant_bound << ", decide " << t.decide_bound);
  CHECK(t.grant_bound > 0);
  // The terms: 1,976 bytes (docs/consent.md, "FHIR Consent import", "Terms").
  const runtime::AbiEntry* grant = t.contract.abi().find("grant");
  REQUIRE(grant != nullptr);
  CHECK(grant->param_size == 1976);
  CHECK(t.decide_bound <= kDecideGasLimit);
}

TEST_CASE("fhir import: any truncation or damaged byte of a shared file is imported or refused") {
  const std::vector<fs::path> files = shared_consents();
  if (files.empty()) {
    WARN_MESSAGE(false, "skipped: no FHIR Consents in " << kConsentDir);
    return;
  }
  size_t refused = 0, imported = 0;
  auto attempt = [&](const std::string& json) {
    auto r = import_fhir_consent(json, pseudonymizer());
    if (r) {
      ++imported;
      CHECK(r->grant_args.starts_with("{\"t\":{\"patient\":\""));
    } else {
      ++refused;
      CHECK(r.error().find(": ") != std::string::npos);
    }
  };
  for (const fs::path& file : files) {
    CAPTURE(file);
    const std::string json = read_file(file);
    for (size_t n = 0; n < json.size(); ++n)
      attempt(json.substr(0, n));
    if (file.stem() == "r4-consent-boris-provision-array" ||
        file.stem() == "r5-consent-boris-deny-practitioner")
      for (size_t i = 0; i < json.size(); ++i)
        for (char c : {'"', '0', '[', '-'}) {
          std::string damaged = json;
          damaged[i] = c;
          attempt(damaged);
        }
  }
  MESSAGE(imported << " imported, " << refused << " refused");
  CHECK(refused > 0);
}
