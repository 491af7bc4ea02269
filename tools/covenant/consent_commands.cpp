#include "tools/covenant/consent_commands.hpp"

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "consent/audit_trail.hpp"
#include "consent/batch.hpp"
#include "consent/consent_handler.hpp"
#include "consent/consent_tx.hpp"
#include "consent/decider.hpp"
#include "consent/fhir_import.hpp"
#include "consent/pseudonym.hpp"
#include "consent/store.hpp"
#include "consent/template_abi.hpp"
#include "compiler/driver.hpp"
#include "ledger/log_proofs.hpp"
#include "ledger/verify.hpp"
#include "runtime/abi.hpp"
#include "tools/covenant/cli_util.hpp"
#include "tools/covenant/node_tx.hpp"
#include "tools/covenant/program_file.hpp"
#include "vm/hex.hpp"

namespace covenant::cli {
// contracts/consent/fhir_consent.cvn, embedded: the template `consent import` deploys.
extern const std::span<const uint8_t> kFhirConsentSource;

namespace {

using consent::Pseudonym;
using consent::Subject;
using ledger::Node;
using ledger::OpenMode;
using ledger::StorageError;

constexpr int kRefused = 1;
constexpr int kUnusable = 2;


// A node opened with the consent layer installed, and its pseudonym secret.
struct OpenNode {
  std::unique_ptr<node::ContractExecutor> executor;
  std::optional<Node> node;
  std::optional<consent::Pseudonymizer> pseudonyms;
};

Expected<OpenNode, int> open_node(const std::string& command, const std::string& dir, OpenMode mode) {
  OpenNode out;
  out.executor = std::make_unique<node::ContractExecutor>();
  consent::install(*out.executor);
  auto node = Node::open(dir, mode, out.executor.get());
  if (!node) return unexpected(fail_with(command, node.error()));
  out.node.emplace(std::move(node).value());
  auto secret = consent::open_secret(consent::secret_path(dir));
  if (!secret) return unexpected(fail_with(command, secret.error(), kUnusable));
  out.pseudonyms.emplace(*secret);
  return out;
}

// "@patient:ID", "@party:ID" and "@class:NAME" string values of a JSON text become the
// pseudonym or class hash as 64 hex digits, so that terms can name people by their
// identifiers while only pseudonyms reach the ledger.
std::string substitute_names(const std::string& json, const consent::Pseudonymizer& p) {
  std::string out;
  size_t i = 0;
  while (i < json.size()) {
    if (json[i] != '"') {
      out += json[i++];
      continue;
    }
    size_t j = i + 1;
    while (j < json.size() && json[j] != '"') j += json[j] == '\\' ? 2 : 1;
    const std::string body = json.substr(i + 1, std::min(j, json.size()) - i - 1);
    auto with = [&](std::string_view prefix) { return body.rfind(prefix, 0) == 0; };
    if (with("@patient:")) out += "\"" + to_hex(p.patient(body.substr(9))) + "\"";
    else if (with("@party:")) out += "\"" + to_hex(p.party(body.substr(7))) + "\"";
    else if (with("@class:")) out += "\"" + to_hex(consent::class_hash(body.substr(7))) + "\"";
    else out += json.substr(i, j + 1 - i);
    i = j + 1;
  }
  return out;
}

Expected<int64_t, std::string> day_option(const std::string& name, const std::string& text) {
  auto day = runtime::parse_date(text);
  if (!day) return unexpected(name + ": expected a date YYYY-MM-DD, got \"" + text + "\"");
  return *day;
}

std::string short_hex(std::span<const uint8_t> bytes) { return to_hex(bytes).substr(0, 16); }

// ---- the request options shared by check and fetch ---------------------------------------

struct RequestOptions {
  std::string patient, grantee, data_class, purpose, action = "access", study, record_date;
  std::vector<std::string> groups, labels;
};

void add_request_options(CLI::App* c, RequestOptions& r, bool with_record) {
  if (with_record) {
    c->add_option("--patient", r.patient, "The patient: an identifier (pseudonymised with the node's secret) or a 64-hex pseudonym")
        ->required();
    c->add_option("--class", r.data_class, "Data class name (\"labs\", \"MedicationStatement\")")->required();
    c->add_option("--record-date", r.record_date, "Date of the data asked for, YYYY-MM-DD");
  }
  c->add_option("--grantee", r.grantee, "Who asks: an identifier or a 64-hex pseudonym")->required();
  c->add_option("--group", r.groups, "A group the grantee acts for (repeatable, at most 4)");
  c->add_option("--purpose", r.purpose, "HL7 v3 PurposeOfUse code: TREAT, ETREAT, HRESCH, ...")->required();
  c->add_option("--action", r.action, "FHIR consentaction code")->capture_default_str();
  c->add_option("--label", r.labels, "A security label on the data (repeatable, at most 4)");
  c->add_option("--study", r.study, "The study the request is made for");
}

Expected<consent::AccessRequest, std::string> make_request(const RequestOptions& o,
                                                           const consent::Pseudonymizer& p) {
  consent::AccessRequest r;
  r.patient = consent::pseudonym_or_hex(p, Subject::patient, o.patient);
  r.grantee = consent::pseudonym_or_hex(p, Subject::party, o.grantee);
  for (const std::string& g : o.groups) r.groups.push_back(consent::pseudonym_or_hex(p, Subject::party, g));
  r.data_class = consent::class_hash(o.data_class);
  r.purpose = o.purpose;
  r.action = o.action;
  r.labels = o.labels;
  if (!o.study.empty()) r.study = o.study;
  if (!o.record_date.empty()) {
    auto d = day_option("--record-date", o.record_date);
    if (!d) return unexpected(d.error());
    r.record_date = *d;
  }
  if (auto ok = consent::check_request(r); !ok) return unexpected(ok.error());
  return r;
}

// The template and version of consent `id`, for explanations ("" when it cannot be read).
std::string consent_label(const ledger::StateReader& state, uint64_t id) {
  node::BlockState block(state);
  auto bytes = block.get(consent::instance_key(id));
  if (!bytes) return "";
  auto i = consent::decode_instance(id, *bytes);
  return i ? i->template_name + " version " + std::to_string(i->version) : "";
}

void print_decision(const consent::Decision& d, const ledger::StateReader& state) {
  std::printf("%s: %s\n", std::string(consent::outcome_name(d.outcome)).c_str(),
              std::string(consent::reason_text(d.reason)).c_str());
  if (d.consent != 0)
    std::printf("  consent %" PRIu64 " (%s), rule %s\n", d.consent, consent_label(state, d.consent).c_str(),
                d.rule.c_str());
  if (d.flag) std::printf("  flagged for review (emergency access)\n");
  std::printf("  consents consulted %u, policy set %s, request %s\n", d.consulted,
              to_hex(d.policy_hash).c_str(), to_hex(d.request_hash).c_str());
  if (d.record)
    std::printf("  record %s at %s\n", to_hex(d.record->document).c_str(), d.record->location.c_str());
}

int decision_exit(const consent::Decision& d) {
  return d.outcome == consent::Outcome::permitted ? 0 : kRefused;
}

// Records a consent operation; prints a rejection. On success, the receipt.
Expected<Recorded, int> record_op(const std::string& command, OpenNode& n, const std::string& key_file,
                                  const consent::ConsentOp& op, std::optional<uint64_t> time) {
  auto key = key_from_file(key_file);
  if (!key) return unexpected(fail_with(command, key.error(), kUnusable));
  auto recorded = record(*n.node, *key ? **key : n.node->key(), ledger::TxKind::consent,
                         consent::encode_consent_op(op), time);
  if (!recorded) return unexpected(fail_with(command, recorded.error()));
  if (recorded->receipt.status != ledger::ReceiptStatus::ok) {
    std::string why = recorded->receipt.reason;
    if (recorded->receipt.fail_line != 0) why += " (line " + std::to_string(recorded->receipt.fail_line) + ")";
    return unexpected(fail_with(command, std::string(ledger::status_name(recorded->receipt.status)) + " in block " +
                                          std::to_string(recorded->header.height) + ", entry " +
                                          std::to_string(recorded->entry) + ": " + why,
                             kRefused));
  }
  return std::move(recorded).value();
}

// ---- consent pseudonym ------------------------------------------------------------------

int run_pseudonym(const std::string& dir, const std::string& patient, const std::string& party) {
  if (patient.empty() == party.empty()) return fail_with("consent pseudonym", "give --patient or --party", kUnusable);
  auto secret = consent::open_secret(consent::secret_path(dir));
  if (!secret) return fail_with("consent pseudonym", secret.error(), kUnusable);
  std::printf("%s\n", to_hex(patient.empty() ? secret->party(party) : secret->patient(patient)).c_str());
  return 0;
}

// ---- consent enrol -----------------------------------------------------------------------

struct EnrolOptions {
  std::string node = ".", key_file, patient;
  std::vector<std::string> holders;
  std::optional<uint64_t> time_ms;
};

int run_enrol(const EnrolOptions& o) {
  auto n = open_node("consent enrol", o.node, OpenMode::read_write);
  if (!n) return n.error();
  consent::Enrol e;
  e.patient = consent::pseudonym_or_hex(*n->pseudonyms, Subject::patient, o.patient);
  for (const std::string& h : o.holders) {
    if (auto caller = parse_caller(h); caller && h.size() == 64) {
      e.keys.push_back(*caller);
      continue;
    }
    auto key = key_from_file(h);
    if (!key || !*key) return fail_with("consent enrol", "--holder " + h + ": neither a key file nor 64 hex digits", kUnusable);
    e.keys.push_back((**key).public_key());
  }
  if (e.keys.empty()) e.keys.push_back(n->node->key().public_key());
  if (e.keys.size() > consent::kMaxPatientKeys)
    return fail_with("consent enrol", "at most 8 holders", kUnusable);
  auto recorded = record_op("consent enrol", *n, o.key_file, e, o.time_ms);
  if (!recorded) return recorded.error();
  std::printf("enrolled patient %s with %zu key(s) in block %" PRIu64 ", entry %" PRIu64 "\n",
              to_hex(e.patient).c_str(), e.keys.size(), recorded->header.height, recorded->entry);
  return 0;
}

// ---- consent grant -----------------------------------------------------------------------

struct GrantOptions {
  std::string node = ".", key_file, template_ref, args;
  std::optional<uint64_t> time_ms;
};

int run_grant(const GrantOptions& o) {
  auto n = open_node("consent grant", o.node, OpenMode::read_write);
  if (!n) return n.error();
  std::string name;
  uint32_t version = 0;
  if (!parse_contract_ref(o.template_ref, name, version))
    return fail_with("consent grant", "template \"" + o.template_ref + "\": expected NAME or NAME@VERSION", kUnusable);
  auto resolved = n->executor->resolve(n->node->ledger().state(), name, version);
  if (!resolved) return fail_with("consent grant", resolved.error());
  auto entries = consent::template_entries(resolved->contract->abi());
  if (!entries) return fail_with("consent grant", entries.error(), kUnusable);
  auto terms = runtime::encode_params(*entries->grant, substitute_names(o.args, *n->pseudonyms));
  if (!terms) return fail_with("consent grant", "--args: " + terms.error(), kUnusable);
  consent::Grant g{name, resolved->deployment.version, std::move(terms).value()};
  auto recorded = record_op("consent grant", *n, o.key_file, g, o.time_ms);
  if (!recorded) return recorded.error();
  ledger::ByteReader in(recorded->receipt.output);
  auto id_read = in.take_le(8, "id");
  const uint64_t id = id_read ? *id_read : 0;
  std::printf("granted consent %" PRIu64 " (%s version %u) in block %" PRIu64 ", entry %" PRIu64 "\n", id,
              name.c_str(), g.version, recorded->header.height, recorded->entry);
  return 0;
}

// ---- consent revoke ----------------------------------------------------------------------

struct RevokeOptions {
  std::string node = ".", key_file;
  uint64_t id = 0;
  std::optional<uint64_t> time_ms;
};

int run_revoke(const RevokeOptions& o) {
  auto n = open_node("consent revoke", o.node, OpenMode::read_write);
  if (!n) return n.error();
  auto recorded = record_op("consent revoke", *n, o.key_file, consent::Revoke{o.id}, o.time_ms);
  if (!recorded) return recorded.error();
  std::printf("revoked consent %" PRIu64 " in block %" PRIu64 ", entry %" PRIu64
              "; decisions from block %" PRIu64 " on no longer rely on it\n",
              o.id, recorded->header.height, recorded->entry, recorded->header.height + 1);
  return 0;
}

// ---- consent check -----------------------------------------------------------------------

struct CheckOptions {
  std::string node = ".", key_file, at;
  RequestOptions request;
  std::optional<uint64_t> time_ms;
  bool json = false;
};

int run_check(const CheckOptions& o) {
  const bool recorded_check = o.at.empty();
  auto n = open_node("consent check", o.node, recorded_check ? OpenMode::read_write : OpenMode::read_only);
  if (!n) return n.error();
  auto request = make_request(o.request, *n->pseudonyms);
  if (!request) return fail_with("consent check", request.error(), kUnusable);
  const ledger::StateReader& state = n->node->ledger().state();
  if (!recorded_check) {
    // A what-if: the consents in force now, judged at another date; recorded nowhere.
    auto day = day_option("--at", o.at);
    if (!day) return fail_with("consent check", day.error(), kUnusable);
    node::BlockState block(state);
    consent::Decider decider;
    auto d = decider.decide(*n->executor, block, *request, *day, n->node->ledger().head().height + 1);
    if (!d) return fail_with("consent check", d.error());
    if (o.json) std::printf("%s\n", consent::decision_json(*d).c_str());
    else {
      print_decision(*d, state);
      std::printf("  at %s, not recorded (--at)\n", o.at.c_str());
    }
    return decision_exit(*d);
  }
  auto recorded = record_op("consent check", *n, o.key_file, consent::Ask{*request}, o.time_ms);
  if (!recorded) return recorded.error();
  auto d = consent::decode_decision(recorded->receipt.output);
  if (!d) return fail_with("consent check", "the receipt's decision does not decode: " + d.error().reason, kRefused);
  if (o.json) {
    std::string text = consent::decision_json(*d);
    text.pop_back();
    std::printf("%s,\"block\":%" PRIu64 ",\"entry\":%" PRIu64 "}\n", text.c_str(), recorded->header.height,
                recorded->entry);
  } else {
    print_decision(*d, n->node->ledger().state());
    std::printf("  recorded in block %" PRIu64 ", entry %" PRIu64 " (%s)\n", recorded->header.height,
                recorded->entry, iso_time(recorded->header.time_ms).c_str());
  }
  return decision_exit(*d);
}

// ---- consent decide (many requests, group-committed) -------------------------------------

struct DecideOptions {
  std::string node = ".", key_file, file;
  std::optional<uint64_t> time_ms;
};

// One NDJSON request line: {"patient", "grantee", "class", "purpose"} required; "groups",
// "action", "labels", "study", "record_date" optional. Fails naming the field.
Expected<RequestOptions, std::string> request_line(simdjson::dom::element line) {
  RequestOptions r;
  simdjson::dom::object o;
  if (line.get_object().get(o) != simdjson::SUCCESS) return unexpected(std::string("not a JSON object"));
  auto text = [&](const char* name, std::string& into, bool required) -> Expected<void, std::string> {
    simdjson::dom::element e;
    if (o[name].get(e) != simdjson::SUCCESS || e.is_null()) {
      if (required) return unexpected(std::string("\"") + name + "\" is missing");
      return {};
    }
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) return unexpected(std::string("\"") + name + "\" is not a string");
    into.assign(v);
    return {};
  };
  auto texts = [&](const char* name, std::vector<std::string>& into) -> Expected<void, std::string> {
    simdjson::dom::element e;
    if (o[name].get(e) != simdjson::SUCCESS || e.is_null()) return {};
    simdjson::dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) return unexpected(std::string("\"") + name + "\" is not an array");
    for (simdjson::dom::element item : a) {
      std::string_view v;
      if (item.get_string().get(v) != simdjson::SUCCESS)
        return unexpected(std::string("\"") + name + "\" holds a value that is not a string");
      into.emplace_back(v);
    }
    return {};
  };
  for (auto ok : {text("patient", r.patient, true), text("grantee", r.grantee, true), text("class", r.data_class, true),
                  text("purpose", r.purpose, true), text("action", r.action, false), text("study", r.study, false),
                  text("record_date", r.record_date, false), texts("groups", r.groups), texts("labels", r.labels)})
    if (!ok) return unexpected(ok.error());
  return r;
}

int run_decide(const DecideOptions& o) {
  auto n = open_node("consent decide", o.node, OpenMode::read_write);
  if (!n) return n.error();
  simdjson::dom::parser parser;
  simdjson::padded_string text;
  if (simdjson::padded_string::load(o.file).get(text) != simdjson::SUCCESS)
    return fail_with("consent decide", o.file + ": cannot be read", kUnusable);
  // Every line is checked before anything is recorded: a bad request records nothing.
  std::vector<consent::AccessRequest> requests;
  std::string_view rest(text.data(), text.size());
  for (size_t number = 1; !rest.empty(); ++number) {
    const size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto where = o.file + ":" + std::to_string(number) + ": ";
    simdjson::dom::element e;
    if (parser.parse(line.data(), line.size()).get(e) != simdjson::SUCCESS)
      return fail_with("consent decide", where + "not JSON", kUnusable);
    auto options = request_line(e);
    if (!options) return fail_with("consent decide", where + options.error(), kUnusable);
    auto request = make_request(*options, *n->pseudonyms);
    if (!request) return fail_with("consent decide", where + request.error(), kUnusable);
    requests.push_back(std::move(*request));
  }
  auto key = key_from_file(o.key_file);
  if (!key) return fail_with("consent decide", key.error(), kUnusable);
  const uint64_t time = o.time_ms.value_or(std::max(now_ms(), n->node->ledger().head().time_ms));
  auto recorded = consent::record_decisions(*n->node, *key ? **key : n->node->key(), requests, time);
  if (!recorded) return fail_with("consent decide", recorded.error(), kRefused);
  size_t permitted = 0;
  for (const consent::RecordedDecision& r : *recorded) {
    std::string line = consent::decision_json(r.decision);
    line.pop_back();
    std::printf("%s,\"block\":%" PRIu64 ",\"entry\":%" PRIu64 "}\n", line.c_str(), r.block, r.entry);
    if (r.decision.outcome == consent::Outcome::permitted) ++permitted;
  }
  std::fprintf(stderr, "%zu decisions recorded (%zu permitted) in %zu block(s)\n", recorded->size(), permitted,
               (recorded->size() + consent::kDecisionsPerBlock - 1) / consent::kDecisionsPerBlock);
  return 0;
}

// ---- consent list ------------------------------------------------------------------------

int run_list(const std::string& dir, const std::string& patient_text, bool json) {
  auto n = open_node("consent list", dir, OpenMode::read_only);
  if (!n) return n.error();
  const Pseudonym patient = consent::pseudonym_or_hex(*n->pseudonyms, Subject::patient, patient_text);
  node::BlockState block(n->node->ledger().state());
  std::vector<uint64_t> ids;
  consent::ids_under(block, consent::index_prefix(patient), ids);
  if (block.error()) return fail_with("consent list", *block.error());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string array = "[";
  for (uint64_t id : ids) {
    auto bytes = block.get(consent::instance_key(id));
    auto i = bytes ? consent::decode_instance(id, *bytes) : std::nullopt;
    if (!i) return fail_with("consent list", "consent " + std::to_string(id) + " is indexed but unreadable", kRefused);
    if (json) {
      JsonObject obj;
      obj.num("consent", id).str("template", i->template_name).num("version", i->version)
          .num("granted_block", i->granted_height).str("granter", to_hex(i->granter));
      if (i->revoked_height != 0) obj.num("revoked_block", i->revoked_height);
      array += (array.size() > 1 ? "," : "") + obj.text();
    } else {
      std::printf("consent %-6" PRIu64 " %-24s version %-3u granted in block %" PRIu64 "%s\n", id,
                  i->template_name.c_str(), i->version, i->granted_height,
                  i->revoked_height ? (", revoked in block " + std::to_string(i->revoked_height)).c_str() : "");
    }
  }
  if (json) std::printf("%s]\n", array.c_str());
  else if (ids.empty()) std::printf("no consents for patient %s\n", to_hex(patient).c_str());
  return 0;
}

// ---- consent import ----------------------------------------------------------------------

struct ImportOptions {
  std::string node = ".", key_file, file;
  std::optional<uint64_t> time_ms;
};

// The FhirConsent template on the node, deployed by the node key (the hospital) if needed.
Expected<node::ResolvedContract, int> fhir_template(OpenNode& n, std::optional<uint64_t> time) {
  auto resolved = n.executor->resolve(n.node->ledger().state(), "FhirConsent", 0);
  if (resolved) return std::move(resolved).value();
  if (resolved.error().code != StorageError::Code::not_found) return unexpected(fail_with("consent import", resolved.error()));
  static compiler::SourceFile source(
      "contracts/consent/fhir_consent.cvn",
      std::string(reinterpret_cast<const char*>(kFhirConsentSource.data()), kFhirConsentSource.size()));
  compiler::Diagnostics diags;
  compiler::Compilation c = compiler::compile(source, compiler::CompileRequest{}, diags);
  if (diags.has_errors()) return unexpected(fail_with("consent import", "the embedded FhirConsent template does not compile", kUnusable));
  auto recorded = record(*n.node, n.node->key(), ledger::TxKind::deploy, c.bytes, time);
  if (!recorded) return unexpected(fail_with("consent import", recorded.error()));
  if (recorded->receipt.status != ledger::ReceiptStatus::ok)
    return unexpected(fail_with("consent import", "deploying FhirConsent: " + recorded->receipt.reason, kRefused));
  resolved = n.executor->resolve(n.node->ledger().state(), "FhirConsent", 0);
  if (!resolved) return unexpected(fail_with("consent import", resolved.error()));
  return std::move(resolved).value();
}

int run_import(const ImportOptions& o) {
  auto n = open_node("consent import", o.node, OpenMode::read_write);
  if (!n) return n.error();
  auto text = read_file(o.file);
  if (!text) return fail_with("consent import", text.error(), kUnusable);
  auto imported = consent::import_fhir_consent(
      std::string_view(reinterpret_cast<const char*>(text->data()), text->size()), *n->pseudonyms);
  if (!imported) return fail_with("consent import", o.file + ": " + imported.error(), kUnusable);
  auto key = key_from_file(o.key_file);
  if (!key) return fail_with("consent import", key.error(), kUnusable);
  const ledger::KeyPair& signer = *key ? **key : n->node->key();
  auto resolved = fhir_template(*n, o.time_ms);
  if (!resolved) return resolved.error();
  auto entries = consent::template_entries(resolved->contract->abi());
  if (!entries) return fail_with("consent import", entries.error(), kRefused);
  auto terms = runtime::encode_params(*entries->grant, imported->grant_args);
  if (!terms) return fail_with("consent import", "the imported terms do not fit FhirConsent: " + terms.error(), kRefused);
  // A consent from the hospital's FHIR server: the hospital acts as the patient's delegate
  // when the patient is not enrolled yet (the patient's own keys can be bound later).
  node::BlockState block(n->node->ledger().state());
  if (!block.get(consent::enrolment_key(imported->patient))) {
    if (block.error()) return fail_with("consent import", *block.error());
    consent::Enrol e{imported->patient, {signer.public_key()}};
    if (auto r = record_op("consent import", *n, "", e, o.time_ms); !r) return r.error();
  }
  consent::Grant g{"FhirConsent", resolved->deployment.version, std::move(terms).value()};
  auto recorded = record_op("consent import", *n, o.key_file, g, o.time_ms);
  if (!recorded) return recorded.error();
  ledger::ByteReader in(recorded->receipt.output);
  auto id = in.take_le(8, "id");
  std::printf("imported %s (FHIR %s, %zu provisions) as consent %" PRIu64
              " (FhirConsent version %u) for patient %s in block %" PRIu64 ", entry %" PRIu64 "\n",
              o.file.c_str(), imported->version == consent::FhirVersion::r4 ? "R4" : "R5",
              imported->provision_paths.size(), id ? *id : 0, g.version, to_hex(imported->patient).c_str(),
              recorded->header.height, recorded->entry);
  return 0;
}

// ---- audit -------------------------------------------------------------------------------

struct AuditOptions {
  std::string node = ".", patient, from, to;
  bool proof = false, json = false;
};

int run_audit(const AuditOptions& o) {
  auto n = open_node("audit", o.node, OpenMode::read_only);
  if (!n) return n.error();
  uint64_t from_ms = 0, to_ms = UINT64_MAX;
  if (!o.from.empty()) {
    auto d = day_option("--from", o.from);
    if (!d || *d < 0) return fail_with("audit", d ? "--from: before 1970" : d.error(), kUnusable);
    from_ms = static_cast<uint64_t>(*d) * 86'400'000;
  }
  if (!o.to.empty()) {
    auto d = day_option("--to", o.to);
    if (!d || *d < 0) return fail_with("audit", d ? "--to: before 1970" : d.error(), kUnusable);
    to_ms = static_cast<uint64_t>(*d + 1) * 86'400'000 - 1;  // the whole day
  }
  const Pseudonym patient = consent::pseudonym_or_hex(*n->pseudonyms, Subject::patient, o.patient);
  const ledger::Ledger& ledger = n->node->ledger();
  auto entries = consent::accesses_of(ledger, patient, from_ms, to_ms);
  if (!entries) return fail_with("audit", entries.error());
  const uint64_t tree_size = ledger.head().log_size;
  std::string array = "[";
  if (!o.json)
    std::printf("patient %s: %zu decision(s)\n", to_hex(patient).c_str(), entries->size());
  for (const consent::AccessEntry& e : *entries) {
    std::optional<ledger::InclusionProof> proof;
    if (o.proof) {
      auto p = ledger::prove_inclusion(ledger, e.entry, tree_size);
      if (!p) return fail_with("audit", p.error());
      proof = std::move(*p);
    }
    if (o.json) {
      std::string d = consent::decision_json(e.decision);
      d.pop_back();
      d += ",\"entry\":" + std::to_string(e.entry) + ",\"block\":" + std::to_string(e.block) +
           ",\"time\":\"" + iso_time(e.time_ms) + "\",\"grantee\":\"" + to_hex(e.request.grantee) +
           "\",\"class\":\"" + to_hex(e.request.data_class) + "\",\"purpose\":\"" + e.request.purpose +
           "\",\"submitter\":\"" + to_hex(e.submitter) + "\"";
      if (e.document) d += ",\"document\":\"" + to_hex(*e.document) + "\"";
      if (proof) {
        std::string path = "[";
        for (const auto& h : proof->path) path += (path.size() > 1 ? ",\"" : "\"") + to_hex(h) + "\"";
        // The fields of `covenant ledger proof --json`, so any RFC 9162 verifier can check it.
        d += ",\"proof\":{\"entry\":" + std::to_string(proof->leaf_index) + ",\"tree_size\":" +
             std::to_string(proof->tree_size) + ",\"root\":\"" + to_hex(proof->root) + "\",\"leaf_hash\":\"" +
             to_hex(proof->leaf_hash) + "\",\"entry_bytes\":\"" + to_hex(proof->leaf_data) +
             "\",\"audit_path\":" + path + "],\"verified\":true}";
      }
      array += (array.size() > 1 ? "," : "") + d + "}";
      continue;
    }
    std::printf("%s  entry %-8" PRIu64 " %-17s %s grantee %s purpose %s class %s", iso_time(e.time_ms).c_str(),
                e.entry, std::string(consent::outcome_name(e.decision.outcome)).c_str(),
                e.document ? "fetch" : "ask  ", short_hex(e.request.grantee).c_str(), e.request.purpose.c_str(),
                short_hex(e.request.data_class).c_str());
    if (e.decision.consent != 0)
      std::printf(" consent %" PRIu64 " rule %s", e.decision.consent, e.decision.rule.c_str());
    if (e.decision.outcome != consent::Outcome::permitted)
      std::printf(" (%s)", std::string(consent::reason_name(e.decision.reason)).c_str());
    if (e.decision.flag) std::printf(" FLAGGED");
    std::printf("\n");
    if (proof)
      std::printf("    inclusion proof: leaf %s, %zu hashes to root %s of %" PRIu64 " entries, verified\n",
                  short_hex(proof->leaf_hash).c_str(), proof->path.size(), to_hex(proof->root).c_str(),
                  proof->tree_size);
  }
  if (o.json) std::printf("%s]\n", array.c_str());
  return 0;
}

// ---- record register / fetch -------------------------------------------------------------

struct RegisterOptions {
  std::string node = ".", key_file, document, patient, data_class, date, location;
  std::optional<uint64_t> time_ms;
};

int run_register(const RegisterOptions& o) {
  auto n = open_node("record register", o.node, OpenMode::read_write);
  if (!n) return n.error();
  auto bytes = read_file(o.document);
  if (!bytes) return fail_with("record register", bytes.error(), kUnusable);
  auto day = day_option("--date", o.date);
  if (!day) return fail_with("record register", day.error(), kUnusable);
  if (o.location.empty() || o.location.size() > consent::kMaxLocation)
    return fail_with("record register", "--location: 1 to 512 printable characters", kUnusable);
  consent::RegisterRecord r;
  r.document = ledger::thread_hasher().sha256(*bytes);
  r.patient = consent::pseudonym_or_hex(*n->pseudonyms, Subject::patient, o.patient);
  r.data_class = consent::class_hash(o.data_class);
  r.date = *day;
  r.location = o.location;
  auto recorded = record_op("record register", *n, o.key_file, r, o.time_ms);
  if (!recorded) return recorded.error();
  std::printf("registered document %s in block %" PRIu64 ", entry %" PRIu64 "\n", to_hex(r.document).c_str(),
              recorded->header.height, recorded->entry);
  return 0;
}

struct FetchOptions {
  std::string node = ".", key_file, document, verify;
  RequestOptions request;
  std::optional<uint64_t> time_ms;
  bool json = false;
};

int run_fetch(const FetchOptions& o) {
  auto n = open_node("record fetch", o.node, OpenMode::read_write);
  if (!n) return n.error();
  consent::Fetch f;
  auto doc = parse_hex(o.document);
  if (!doc || doc->size() != 32) return fail_with("record fetch", "document: expected its SHA-256 as 64 hex digits", kUnusable);
  std::copy(doc->begin(), doc->end(), f.document.begin());
  // The request repeats the registered record's patient, class and date.
  node::BlockState block(n->node->ledger().state());
  auto stored = block.get(consent::record_key(f.document));
  if (block.error()) return fail_with("record fetch", *block.error());
  if (!stored) return fail_with("record fetch", "no record is registered for the document " + o.document, kRefused);
  auto entry = consent::decode_record(f.document, *stored);
  if (!entry) return fail_with("record fetch", "the registered record is malformed", kRefused);
  RequestOptions ro = o.request;
  ro.patient = to_hex(entry->patient);
  auto request = make_request(ro, *n->pseudonyms);
  if (!request) return fail_with("record fetch", request.error(), kUnusable);
  request->data_class = entry->data_class;
  request->record_date = entry->date;
  f.request = std::move(*request);
  auto recorded = record_op("record fetch", *n, o.key_file, f, o.time_ms);
  if (!recorded) return recorded.error();
  auto d = consent::decode_decision(recorded->receipt.output);
  if (!d) return fail_with("record fetch", "the receipt's decision does not decode", kRefused);
  if (o.json) std::printf("%s\n", consent::decision_json(*d).c_str());
  else print_decision(*d, n->node->ledger().state());
  if (d->outcome != consent::Outcome::permitted) return kRefused;
  if (!o.verify.empty()) {
    auto bytes = read_file(o.verify);
    if (!bytes) return fail_with("record fetch", bytes.error(), kUnusable);
    const ledger::Hash got = ledger::thread_hasher().sha256(*bytes);
    if (got != d->record->document)
      return fail_with("record fetch", o.verify + ": SHA-256 " + to_hex(got) + " does not match the registered " +
                                        to_hex(d->record->document) + "; the document is not the one registered",
                    kRefused);
    if (!o.json) std::printf("  %s matches the registered SHA-256\n", o.verify.c_str());
  }
  return 0;
}

void add_node_option(CLI::App* cmd, std::string& dir) {
  cmd->add_option("--node", dir, "Node directory (made by covenant init)")->capture_default_str();
}

void add_write_options(CLI::App* cmd, std::string& dir, std::string& key_file, std::optional<uint64_t>& time) {
  add_node_option(cmd, dir);
  cmd->add_option("--key", key_file, "Key file of the signer (default: the node key)");
  cmd->add_option("--time", time, "Block time, Unix milliseconds (default: now)");
}

}  // namespace

void add_consent_commands(CLI::App& app, int& exit_code) {
  CLI::App* c = app.add_subcommand("consent", "Consent on a node: enrol, grant, revoke, check, list (docs/consent.md)");
  c->require_subcommand(1);

  auto ps = std::make_shared<std::array<std::string, 3>>();
  (*ps)[0] = ".";
  CLI::App* p = c->add_subcommand("pseudonym", "Print the pseudonym of a patient or party under the node's secret");
  add_node_option(p, (*ps)[0]);
  p->add_option("--patient", (*ps)[1], "A patient's identifier");
  p->add_option("--party", (*ps)[2], "A party's identifier (clinician, hospital, study team)");
  p->callback([ps, &exit_code] { exit_code = run_pseudonym((*ps)[0], (*ps)[1], (*ps)[2]); });

  auto enrol = std::make_shared<EnrolOptions>();
  CLI::App* e = c->add_subcommand("enrol", "Bind a patient to the keys that may grant and revoke for them");
  e->add_option("--patient", enrol->patient, "The patient: identifier or 64-hex pseudonym")->required();
  e->add_option("--holder", enrol->holders, "A key file or 64-hex public key allowed to act for the patient (repeatable; default: the node key)");
  add_write_options(e, enrol->node, enrol->key_file, enrol->time_ms);
  e->callback([enrol, &exit_code] { exit_code = run_enrol(*enrol); });

  auto grant = std::make_shared<GrantOptions>();
  CLI::App* g = c->add_subcommand("grant", "Instantiate a deployed consent template with its terms");
  g->add_option("template", grant->template_ref, "Template: NAME or NAME@VERSION")->required();
  g->add_option("--args", grant->args, "The terms as grant's JSON arguments; \"@patient:ID\", \"@party:ID\", \"@class:NAME\" are replaced by pseudonyms and class hashes")
      ->required();
  add_write_options(g, grant->node, grant->key_file, grant->time_ms);
  g->callback([grant, &exit_code] { exit_code = run_grant(*grant); });

  auto revoke = std::make_shared<RevokeOptions>();
  CLI::App* r = c->add_subcommand("revoke", "Revoke a consent (in force until the end of the block that revokes it)");
  r->add_option("id", revoke->id, "Consent id")->required();
  add_write_options(r, revoke->node, revoke->key_file, revoke->time_ms);
  r->callback([revoke, &exit_code] { exit_code = run_revoke(*revoke); });

  auto check = std::make_shared<CheckOptions>();
  CLI::App* k = c->add_subcommand("check", "Decide an access request and record the decision (exit 0 permitted, 1 refused)");
  add_request_options(k, check->request, true);
  k->add_option("--at", check->at, "Judge at this date, YYYY-MM-DD, without recording (a what-if)");
  k->add_flag("--json", check->json, "Print one JSON object");
  add_write_options(k, check->node, check->key_file, check->time_ms);
  k->callback([check, &exit_code] { exit_code = run_check(*check); });

  auto decide = std::make_shared<DecideOptions>();
  CLI::App* dc = c->add_subcommand("decide", "Decide many requests (NDJSON, one per line), recorded in sealed blocks of up to 4,096 (one fsync each)");
  dc->add_option("requests", decide->file, "NDJSON: {\"patient\",\"grantee\",\"class\",\"purpose\"[,\"groups\",\"action\",\"labels\",\"study\",\"record_date\"]} per line")
      ->required();
  add_write_options(dc, decide->node, decide->key_file, decide->time_ms);
  dc->callback([decide, &exit_code] { exit_code = run_decide(*decide); });

  auto list = std::make_shared<std::array<std::string, 2>>();
  (*list)[0] = ".";
  auto list_json = std::make_shared<bool>(false);
  CLI::App* l = c->add_subcommand("list", "List a patient's consents");
  add_node_option(l, (*list)[0]);
  l->add_option("--patient", (*list)[1], "The patient: identifier or 64-hex pseudonym")->required();
  l->add_flag("--json", *list_json, "Print one JSON array");
  l->callback([list, list_json, &exit_code] { exit_code = run_list((*list)[0], (*list)[1], *list_json); });

  auto import = std::make_shared<ImportOptions>();
  CLI::App* im = c->add_subcommand("import", "Import a FHIR Consent (R4 or R5 JSON) as an instance of FhirConsent");
  im->add_option("file", import->file, "The Consent resource (JSON)")->required();
  add_write_options(im, import->node, import->key_file, import->time_ms);
  im->callback([import, &exit_code] { exit_code = run_import(*import); });

  auto audit = std::make_shared<AuditOptions>();
  CLI::App* a = app.add_subcommand("audit", "List the recorded decisions on a patient's data, with inclusion proofs on request");
  add_node_option(a, audit->node);
  a->add_option("--patient", audit->patient, "The patient: identifier or 64-hex pseudonym")->required();
  a->add_option("--from", audit->from, "First day, YYYY-MM-DD (UTC)");
  a->add_option("--to", audit->to, "Last day, YYYY-MM-DD (UTC)");
  a->add_flag("--proof", audit->proof, "Prove each entry's inclusion in the log (each proof is verified)");
  a->add_flag("--json", audit->json, "Print one JSON array");
  a->callback([audit, &exit_code] { exit_code = run_audit(*audit); });

  CLI::App* rec = app.add_subcommand("record", "Shared records: register a document, fetch it under consent");
  rec->require_subcommand(1);
  auto reg = std::make_shared<RegisterOptions>();
  CLI::App* rg = rec->add_subcommand("register", "Register a document's metadata and SHA-256 (signed by its custodian)");
  rg->add_option("document", reg->document, "The document file (only its SHA-256 is recorded)")->required();
  rg->add_option("--patient", reg->patient, "The patient: identifier or 64-hex pseudonym")->required();
  rg->add_option("--class", reg->data_class, "Data class name")->required();
  rg->add_option("--date", reg->date, "The document's date, YYYY-MM-DD")->required();
  rg->add_option("--location", reg->location, "Where a permitted reader fetches it (no identifiers in it)")->required();
  add_write_options(rg, reg->node, reg->key_file, reg->time_ms);
  rg->callback([reg, &exit_code] { exit_code = run_register(*reg); });

  auto fetch = std::make_shared<FetchOptions>();
  CLI::App* f = rec->add_subcommand("fetch", "Ask for a registered document: a recorded decision, and its location if permitted");
  f->add_option("document", fetch->document, "The document's SHA-256 (64 hex digits)")->required();
  add_request_options(f, fetch->request, false);
  f->add_option("--verify", fetch->verify, "The fetched file: check it against the registered SHA-256");
  f->add_flag("--json", fetch->json, "Print one JSON object");
  add_write_options(f, fetch->node, fetch->key_file, fetch->time_ms);
  f->callback([fetch, &exit_code] { exit_code = run_fetch(*fetch); });
}

}  // namespace covenant::cli
