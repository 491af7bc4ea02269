// The consent layer on a node's executor: payload and decision encodings, the Access layout
// against the ABI's own encoding, and every rule of docs/consent.md "Transactions" and
// "Decisions", with a probe template whose rulings the request chooses.

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "compiler/driver.hpp"
#include "consent/access.hpp"
#include "consent/consent_handler.hpp"
#include "consent/consent_tx.hpp"
#include "consent/decision.hpp"
#include "consent/store.hpp"
#include "consent/template_abi.hpp"
#include "ledger/state.hpp"
#include "runtime/abi.hpp"
#include "runtime/contract_call.hpp"
#include "vm/hex.hpp"

using namespace covenant;
using consent::AccessRequest;
using consent::Outcome;
using consent::Reason;
using ledger::ReceiptStatus;
using ledger::TxKind;

namespace {

const std::vector<uint8_t>& probe_module() {
  static const std::vector<uint8_t> bytes = [] {
    const std::string path = std::string(COVENANT_SOURCE_DIR) + "/tests/consent/contracts/probe.cvn";
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    static compiler::SourceFile source("probe.cvn", text.str());
    compiler::Diagnostics diags;
    compiler::Compilation c = compiler::compile(source, compiler::CompileRequest{}, diags);
    REQUIRE_FALSE(diags.has_errors());
    return c.bytes;
  }();
  return bytes;
}

const runtime::LoadedContract& probe() {
  static const runtime::LoadedContract loaded = runtime::LoadedContract::load(probe_module()).value();
  return loaded;
}

ledger::PublicKey key(uint8_t b) {
  ledger::PublicKey k{};
  k.fill(b);
  return k;
}

consent::Pseudonym who(uint8_t b) {
  consent::Pseudonym p{};
  p.fill(b);
  return p;
}

const ledger::PublicKey kHospital = key(0xA0);
const ledger::PublicKey kPatientKey = key(0xB0);
const ledger::PublicKey kStranger = key(0xC0);
const consent::Pseudonym kPatient = who(1);
const consent::Pseudonym kDoctor = who(2);
const consent::Pseudonym kWard = who(3);

// The probe's terms as grant's parameter block.
std::vector<uint8_t> terms(const consent::Pseudonym& patient, std::vector<consent::Pseudonym> grantees,
                           std::vector<std::string> classes, std::string_view reason = "expired",
                           bool valid = true) {
  std::string json = "{\"t\":{\"patient\":\"" + to_hex(patient) + "\",\"grantees\":[";
  for (size_t i = 0; i < grantees.size(); ++i) json += (i ? ",\"" : "\"") + to_hex(grantees[i]) + "\"";
  json += "],\"classes\":[";
  for (size_t i = 0; i < classes.size(); ++i)
    json += (i ? ",\"" : "\"") + to_hex(consent::class_hash(classes[i])) + "\"";
  json += "],\"reason\":\"" + std::string(reason) + "\",\"valid\":" + (valid ? "true" : "false") + "}}";
  return runtime::encode_params(*probe().abi().find("grant"), json).value();
}

AccessRequest ask(const std::string& purpose, const std::string& data_class = "labs",
                  const consent::Pseudonym& grantee = kDoctor) {
  AccessRequest r;
  r.patient = kPatient;
  r.grantee = grantee;
  r.data_class = consent::class_hash(data_class);
  r.purpose = purpose;
  return r;
}

struct Tx {
  ledger::PublicKey signer;
  consent::ConsentOp op;
};

// A node's state and executor, with blocks of consent transactions (and a deploy first).
struct Chain {
  node::ContractExecutor executor;
  ledger::MemoryState state;
  uint64_t height = 0;
  uint64_t nonce = 0;

  Chain() {
    consent::install(executor);
    std::vector<uint8_t> module = probe_module();
    ledger::ExecutedTx deploy{kHospital, nonce++, TxKind::deploy, module};
    auto out = executor.execute(state, ledger::BlockEnv{++height, 1'790'000'000'000}, {&deploy, 1});
    REQUIRE(out.has_value());
    REQUIRE(out->receipts[0].status == ReceiptStatus::ok);
    state.apply(out->delta);
  }

  std::vector<ledger::Receipt> block(const std::vector<Tx>& txs) {
    std::vector<std::vector<uint8_t>> payloads;
    for (const Tx& t : txs) payloads.push_back(consent::encode_consent_op(t.op));
    std::vector<ledger::ExecutedTx> views;
    for (size_t i = 0; i < txs.size(); ++i) views.push_back({txs[i].signer, nonce++, TxKind::consent, payloads[i]});
    auto out = executor.execute(state, ledger::BlockEnv{++height, 1'790'000'000'000 + height}, views);
    REQUIRE(out.has_value());
    state.apply(out->delta);
    return out->receipts;
  }

  ledger::Receipt one(const Tx& t) { return block({t})[0]; }

  consent::Decision decide(const AccessRequest& r) {
    auto receipt = one({kStranger, consent::Ask{r}});
    REQUIRE(receipt.status == ReceiptStatus::ok);
    return consent::decode_decision(receipt.output).value();
  }

  uint64_t grant(const ledger::PublicKey& signer, std::vector<uint8_t> t) {
    auto receipt = one({signer, consent::Grant{"Probe", 1, std::move(t)}});
    REQUIRE(receipt.status == ReceiptStatus::ok);
    REQUIRE(receipt.output.size() == 8);
    return receipt.output[0];
  }
};

}  // namespace

TEST_CASE("consent payloads: every operation round-trips; only canonical bytes decode") {
  AccessRequest r = ask("TREAT");
  r.groups = {kWard};
  r.labels = {"R", "N"};
  r.study = "NCT05123456";
  r.record_date = 20'000;
  const std::vector<consent::ConsentOp> ops = {
      consent::Enrol{kPatient, {kPatientKey, kHospital}},
      consent::Grant{"Probe", 1, {1, 2, 3}},
      consent::Revoke{42},
      consent::Ask{r},
      consent::RegisterRecord{consent::class_hash("doc"), kPatient, consent::class_hash("labs"), 20'000,
                              "https://records.example/d/1"},
      consent::Fetch{consent::class_hash("doc"), r}};
  for (const auto& op : ops) {
    auto bytes = consent::encode_consent_op(op);
    auto back = consent::decode_consent_op(bytes);
    REQUIRE_MESSAGE(back.has_value(), consent::op_name(op));
    CHECK(*back == op);
    bytes.push_back(0);
    auto trailing = consent::decode_consent_op(bytes);
    REQUIRE_FALSE(trailing.has_value());
    CHECK(trailing.error().reason.find("trailing") != std::string::npos);
    bytes.pop_back();
    for (size_t cut = 0; cut < bytes.size(); ++cut)
      CHECK_FALSE(consent::decode_consent_op(std::span(bytes).first(cut)).has_value());
  }
  auto bytes = consent::encode_consent_op(consent::Revoke{1});
  bytes[5] = 9;
  CHECK(consent::decode_consent_op(bytes).error().reason == "unknown consent operation 9");
  auto twice = consent::encode_consent_op(consent::Enrol{kPatient, {kPatientKey, kPatientKey}});
  CHECK(consent::decode_consent_op(twice).error().reason == "a key is listed twice");
  AccessRequest long_code = ask("TREATMENT-FOR-A-LONG-TIME");
  auto bad = consent::encode_consent_op(consent::Ask{long_code});
  CHECK(consent::decode_consent_op(bad).error().reason.find("purpose: a code has 1 to 16") == 0);
}

TEST_CASE("decisions round-trip, with and without a record") {
  consent::Decision d;
  d.outcome = Outcome::permitted;
  d.reason = Reason::granted;
  d.flag = true;
  d.consent = 7;
  d.rule = "emergency";
  d.request_hash = consent::class_hash("r");
  d.policy_hash = consent::class_hash("p");
  d.consulted = 3;
  CHECK(consent::decode_decision(consent::encode_decision(d)).value() == d);
  d.record = consent::RecordLocation{consent::class_hash("doc"), "https://records.example/d/1"};
  auto bytes = consent::encode_decision(d);
  CHECK(consent::decode_decision(bytes).value() == d);
  bytes[2] = 99;
  CHECK_FALSE(consent::decode_decision(bytes).has_value());
  CHECK(consent::decision_json(d).find("\"flagged\":true") != std::string::npos);
}

TEST_CASE("the Access layout is the ABI's: a request laid out equals its JSON encoded by the ABI") {
  const runtime::AbiEntry& decide = *probe().abi().find("decide");
  REQUIRE(consent::template_entries(probe().abi()).has_value());
  AccessRequest r = ask("TREAT");
  r.groups = {kWard, kDoctor};
  r.labels = {"R"};
  r.study = "NCT05123456";
  r.record_date = 20'454;  // 2026-01-01
  const std::vector<uint8_t> t = terms(kPatient, {}, {});
  std::string json = "{\"t\":" + runtime::value_json(*decide.params[0].type, t) +
                     ",\"a\":{\"patient\":\"" + to_hex(r.patient) + "\",\"grantee\":\"" + to_hex(r.grantee) +
                     "\",\"groups\":[\"" + to_hex(kWard) + "\",\"" + to_hex(kDoctor) + "\"],\"data_class\":\"" +
                     to_hex(r.data_class) +
                     "\",\"purpose\":\"TREAT\",\"action\":\"access\",\"labels\":[\"R\"],\"study\":\"NCT05123456\","
                     "\"record_date\":\"2026-01-01\"}}";
  auto expected = runtime::encode_params(decide, json);
  REQUIRE_MESSAGE(expected.has_value(), expected.error());
  std::vector<uint8_t> got(t);
  got.resize(t.size() + consent::kAccessSize);
  consent::layout_access(r, std::span<uint8_t, consent::kAccessSize>(got.data() + t.size(), consent::kAccessSize));
  CHECK(got == *expected);
}

TEST_CASE("enrolment and grants: who may sign what") {
  Chain c;
  // Only a hospital (a key that deployed a consent template) enrols.
  CHECK(c.one({kStranger, consent::Enrol{kPatient, {kPatientKey}}}).status == ReceiptStatus::rejected);
  CHECK(c.one({kHospital, consent::Enrol{kPatient, {kPatientKey}}}).status == ReceiptStatus::ok);
  // The patient's key grants; another key, or a grant for a patient not enrolled, is refused.
  auto stranger = c.one({kStranger, consent::Grant{"Probe", 1, terms(kPatient, {kDoctor}, {"labs"})}});
  CHECK(stranger.status == ReceiptStatus::rejected);
  CHECK(stranger.reason.find("not one of the patient's keys") != std::string::npos);
  auto unknown = c.one({kPatientKey, consent::Grant{"Probe", 1, terms(who(9), {kDoctor}, {"labs"})}});
  CHECK(unknown.reason.find("is not enrolled") != std::string::npos);
  // The template's own checks deny bad terms, with the contract's reason.
  auto invalid = c.one({kPatientKey, consent::Grant{"Probe", 1, terms(kPatient, {}, {}, "expired", false)}});
  CHECK(invalid.status == ReceiptStatus::denied);
  CHECK(invalid.reason == "the terms are not valid");
  CHECK(c.one({kPatientKey, consent::Grant{"Nope", 1, {}}}).status == ReceiptStatus::rejected);
  CHECK(c.one({kPatientKey, consent::Grant{"Probe", 1, {1, 2}}}).reason.find("terms of 2 bytes") == 0);
  CHECK(c.grant(kPatientKey, terms(kPatient, {kDoctor}, {"labs"})) == 1);
  CHECK(c.grant(kPatientKey, terms(kPatient, {kDoctor}, {"labs"})) == 2);
  // A policy for every patient comes only from the template's deployer.
  CHECK(c.one({kPatientKey, consent::Grant{"Probe", 1, terms(consent::kAny, {}, {})}}).status ==
        ReceiptStatus::rejected);
  CHECK(c.grant(kHospital, terms(consent::kAny, {kWard}, {"imaging"})) == 3);
  // The patient's key may re-enrol (add a delegate); a stranger may not.
  CHECK(c.one({kPatientKey, consent::Enrol{kPatient, {kPatientKey, kStranger}}}).status == ReceiptStatus::ok);
}

TEST_CASE("decisions: forbid beats permit, an unflagged permit beats a flagged one, reasons explain") {
  Chain c;
  c.one({kHospital, consent::Enrol{kPatient, {kPatientKey}}});
  // No consent at all.
  consent::Decision none = c.decide(ask("PERMIT"));
  CHECK(none.outcome == Outcome::not_permitted);
  CHECK(none.reason == Reason::no_consent);
  CHECK(none.consulted == 0);
  const uint64_t labs = c.grant(kPatientKey, terms(kPatient, {kDoctor}, {"labs"}, "outside_lookback"));
  consent::Decision permitted = c.decide(ask("PERMIT"));
  CHECK(permitted.outcome == Outcome::permitted);
  CHECK(permitted.consent == labs);
  CHECK(permitted.rule == "permit");
  CHECK_FALSE(permitted.flag);
  // Another class for the same grantee: class not granted; another grantee: no consent.
  CHECK(c.decide(ask("PERMIT", "imaging")).reason == Reason::class_not_granted);
  CHECK(c.decide(ask("PERMIT", "labs", who(7))).reason == Reason::no_consent);
  // A grantee's group is covered like the grantee.
  const uint64_t ward = c.grant(kPatientKey, terms(kPatient, {kWard}, {}, "wrong_purpose"));
  AccessRequest via_group = ask("PERMIT", "notes", who(8));
  via_group.groups = {kWard};
  CHECK(c.decide(via_group).consent == ward);
  // The template's abstention reason, the most specific one across instances.
  consent::Decision abstained = c.decide(ask("OTHER"));
  CHECK(abstained.outcome == Outcome::not_permitted);
  CHECK(abstained.reason == Reason::outside_lookback);
  CHECK(abstained.consent == labs);
  // Explicitly denied beats permitted: a forbidding instance among permitting ones.
  consent::Decision forbidden = c.decide(ask("FORBID"));
  CHECK(forbidden.outcome == Outcome::explicitly_denied);
  CHECK(forbidden.reason == Reason::explicit_rule);
  CHECK(forbidden.rule == "forbid");
  // A template that faults decides nothing: not permitted, and said so.
  CHECK(c.decide(ask("FAULT")).reason == Reason::template_failed);
  // Flagged permits are flagged (break the glass); an every-patient policy applies.
  c.grant(kHospital, terms(consent::kAny, {kDoctor}, {"imaging"}));
  consent::Decision flagged = c.decide(ask("FLAG", "imaging"));
  CHECK(flagged.outcome == Outcome::permitted);
  CHECK(flagged.flag);
}

TEST_CASE("revocation takes effect from the next block") {
  Chain c;
  c.one({kHospital, consent::Enrol{kPatient, {kPatientKey}}});
  const uint64_t id = c.grant(kPatientKey, terms(kPatient, {kDoctor}, {"labs"}));
  CHECK(c.one({kStranger, consent::Revoke{id}}).status == ReceiptStatus::rejected);
  auto same_block = c.block({{kPatientKey, consent::Revoke{id}}, {kStranger, consent::Ask{ask("PERMIT")}}});
  REQUIRE(same_block[0].status == ReceiptStatus::ok);
  CHECK(consent::decode_decision(same_block[1].output)->outcome == Outcome::permitted);
  consent::Decision after = c.decide(ask("PERMIT"));
  CHECK(after.outcome == Outcome::not_permitted);
  CHECK(after.reason == Reason::revoked);
  CHECK(after.consulted == 1);
  CHECK(c.one({kPatientKey, consent::Revoke{id}}).reason.find("was revoked in block") != std::string::npos);
  CHECK(c.one({kPatientKey, consent::Revoke{99}}).reason == "no consent 99");
}

TEST_CASE("the policy-set hash changes with the consents in force, the request hash with the request") {
  Chain c;
  c.one({kHospital, consent::Enrol{kPatient, {kPatientKey}}});
  const uint64_t id = c.grant(kPatientKey, terms(kPatient, {kDoctor}, {"labs"}));
  const consent::Decision before = c.decide(ask("PERMIT"));
  CHECK(c.decide(ask("PERMIT")).policy_hash == before.policy_hash);
  CHECK(c.decide(ask("PERMIT")).request_hash == before.request_hash);
  CHECK(c.decide(ask("OTHER")).request_hash != before.request_hash);
  c.one({kPatientKey, consent::Revoke{id}});
  CHECK(c.decide(ask("PERMIT")).policy_hash != before.policy_hash);
}

TEST_CASE("records: registered by their custodian, fetched under consent, the location only when permitted") {
  Chain c;
  c.one({kHospital, consent::Enrol{kPatient, {kPatientKey}}});
  c.grant(kPatientKey, terms(kPatient, {kDoctor}, {"labs"}));
  const ledger::Hash doc = consent::class_hash("the document's bytes");
  consent::RegisterRecord reg{doc, kPatient, consent::class_hash("labs"), 20'000, "https://records.example/d/1"};
  CHECK(c.one({kHospital, reg}).status == ReceiptStatus::ok);
  CHECK(c.one({kHospital, reg}).reason.find("registered already") != std::string::npos);
  AccessRequest r = ask("PERMIT");
  r.record_date = 20'000;
  auto permitted = c.one({kStranger, consent::Fetch{doc, r}});
  auto d = consent::decode_decision(permitted.output).value();
  REQUIRE(d.record.has_value());
  CHECK(d.record->document == doc);
  CHECK(d.record->location == "https://records.example/d/1");
  r.purpose = "OTHER";
  CHECK_FALSE(consent::decode_decision(c.one({kStranger, consent::Fetch{doc, r}}).output)->record.has_value());
  r.record_date = 20'001;
  CHECK(c.one({kStranger, consent::Fetch{doc, r}}).status == ReceiptStatus::rejected);
  CHECK(c.one({kStranger, consent::Fetch{consent::class_hash("other"), r}}).status == ReceiptStatus::rejected);
}
