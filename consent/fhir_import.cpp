#include "consent/fhir_import.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <set>
#include <span>
#include <utility>

#include "ledger/hasher.hpp"
#include "runtime/abi.hpp"

namespace covenant::consent {

namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kResourceTypes = "http://hl7.org/fhir/resource-types";
constexpr std::string_view kConsentAction = "http://terminology.hl7.org/CodeSystem/consentaction";
constexpr std::string_view kActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
constexpr std::string_view kParticipationType =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
constexpr std::string_view kV3Systems = "http://terminology.hl7.org/CodeSystem/v3-";

// FHIR consentaction codes (the same five in R4 and R5).
constexpr std::array<std::string_view, 5> kActions = {"collect", "access", "use", "disclose",
                                                      "correct"};
// Actor roles that name the party the data goes to: the requester of an access.
constexpr std::array<std::string_view, 2> kRecipientRoles = {"IRCP", "PRCP"};

// Members of the Consent resource, per release, that the importer reads or reads past.
// clang-format off
constexpr std::array<std::string_view, 21> kR4Members = {
    "resourceType", "id", "meta", "language", "text", "contained", "extension", "identifier",
    "status", "scope", "category", "patient", "dateTime", "performer", "organization",
    "sourceAttachment", "sourceReference", "policy", "policyRule", "verification", "provision"};
constexpr std::array<std::string_view, 25> kR5Members = {
    "resourceType", "id", "meta", "language", "text", "contained", "extension", "identifier",
    "status", "category", "subject", "date", "period", "grantor", "grantee", "manager",
    "controller", "sourceAttachment", "sourceReference", "regulatoryBasis", "policyBasis",
    "policyText", "verification", "decision", "provision"};
// The members that tell the releases apart.
constexpr std::array<std::string_view, 7> kR4Markers = {
    "patient", "dateTime", "scope", "performer", "organization", "policy", "policyRule"};
constexpr std::array<std::string_view, 11> kR5Markers = {
    "subject", "decision", "period", "date", "grantor", "grantee", "manager", "controller",
    "regulatoryBasis", "policyBasis", "policyText"};
constexpr std::array<std::string_view, 6> kR4Status = {
    "draft", "proposed", "active", "rejected", "inactive", "entered-in-error"};
constexpr std::array<std::string_view, 6> kR5Status = {
    "draft", "active", "inactive", "not-done", "entered-in-error", "unknown"};
// Members of the parts of a Consent (modifierExtension, code, data, expression and R5 type
// are known so that they are refused with their reason).
constexpr std::array<std::string_view, 14> kR4Provision = {
    "id", "extension", "type", "period", "actor", "action", "securityLabel", "purpose", "class",
    "code", "dataPeriod", "data", "provision", "modifierExtension"};
constexpr std::array<std::string_view, 16> kR5Provision = {
    "id", "extension", "period", "actor", "action", "securityLabel", "purpose", "documentType",
    "resourceType", "code", "dataPeriod", "data", "expression", "provision", "modifierExtension",
    "type"};
constexpr std::array<std::string_view, 4> kActor = {"id", "extension", "role", "reference"};
constexpr std::array<std::string_view, 6> kReference = {
    "id", "extension", "reference", "type", "identifier", "display"};
constexpr std::array<std::string_view, 4> kConcept = {"id", "extension", "coding", "text"};
constexpr std::array<std::string_view, 7> kCoding = {
    "id", "extension", "system", "version", "code", "display", "userSelected"};
constexpr std::array<std::string_view, 4> kPeriod = {"id", "extension", "start", "end"};
constexpr std::array<std::string_view, 8> kIdentifier = {
    "id", "extension", "use", "type", "system", "value", "period", "assigner"};
// clang-format on

using Result = Expected<void, std::string>;

Unexpected<std::string> fail(std::string_view path, std::string_view what) {
  return unexpected(std::string(path) + ": " + std::string(what));
}

template <size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// A value from the file quoted in an error: JSON-escaped, and cut short.
std::string quoted(std::string_view text) {
  constexpr size_t kMax = 40;
  if (text.size() > kMax) return runtime::json_string(text.substr(0, kMax)) + "...";
  return runtime::json_string(text);
}

const char* type_name(dom::element_type t) {
  switch (t) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "something else";
}

Expected<dom::object, std::string> as_object(dom::element e, std::string_view path) {
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS)
    return fail(path, std::string("expected an object, found ") + type_name(e.type()));
  return o;
}

Expected<dom::array, std::string> as_array(dom::element e, std::string_view path) {
  dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS)
    return fail(path, std::string("expected an array, found ") + type_name(e.type()));
  return a;
}

Expected<std::string_view, std::string> as_string(dom::element e, std::string_view path) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS)
    return fail(path, std::string("expected a string, found ") + type_name(e.type()));
  if (s.empty()) return fail(path, "empty string");
  return s;
}

// The member `key` of `o`, if present.
std::optional<dom::element> member(dom::object o, std::string_view key) {
  for (dom::key_value_pair kv : o)
    if (kv.key == key) return kv.value;
  return std::nullopt;
}

// Every member of `o` must be one of `known` (or `_` and one of them: the extensions of a
// primitive value), none repeated, and none of `refused` (each with the reason it is).
Result check_members(dom::object o, std::string_view path, std::span<const std::string_view> known,
                     std::initializer_list<std::pair<std::string_view, std::string_view>> refused,
                     std::string_view what) {
  std::set<std::string_view> seen;
  for (dom::key_value_pair kv : o) {
    const std::string member_path =
        std::string(path) + (path.empty() ? "" : ".") + std::string(kv.key);
    if (!seen.insert(kv.key).second) return fail(member_path, "repeated member");
    for (const auto& [name, why] : refused)
      if (kv.key == name)
        return fail(member_path, std::string("not supported: ") + std::string(why));
    std::string_view name = kv.key;
    if (name.size() > 1 && name[0] == '_') name.remove_prefix(1);
    if (std::find(known.begin(), known.end(), name) == known.end())
      return fail(member_path, std::string("not a member of ") + std::string(what) +
                                   " that the importer knows (unknown members are refused)");
  }
  return {};
}

constexpr std::string_view kModifierExtension =
    "a modifier extension may change the meaning of what it is on, and none is known here";

// A Code of the template: 1 to 16 printable ASCII characters, no spaces.
bool is_code(std::string_view s) {
  if (s.empty() || s.size() > 16) return false;
  for (char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::string hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s)
    v = v * 10 + (c - '0');
  return v;
}

// A day of a Period, as the template's Date.
struct Day {
  int64_t days = 0;  // since 1970-01-01
  std::string text;  // YYYY-MM-DD
};

std::string day_text(int y, int m, int d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// The day a FHIR date or dateTime names: "YYYY", "YYYY-MM", "YYYY-MM-DD", or
// "YYYY-MM-DDThh:mm:ss[.s...](Z|+hh:mm|-hh:mm)", whose time is dropped (the template counts
// days). A partial date names its first day as a start (`is_end` false) and its last as an
// end.
std::optional<Day> parse_fhir_day(std::string_view s, bool is_end) {
  if (s.size() < 4 || !all_digits(s.substr(0, 4))) return std::nullopt;
  const int y = to_int(s.substr(0, 4));
  int m = 0, d = 0;
  if (s.size() == 4) {
    m = is_end ? 12 : 1;
    d = is_end ? 31 : 1;
  } else {
    if (s.size() < 7 || s[4] != '-' || !all_digits(s.substr(5, 2))) return std::nullopt;
    m = to_int(s.substr(5, 2));
    if (m < 1 || m > 12) return std::nullopt;
    if (s.size() == 7) {
      d = is_end ? days_in_month(y, m) : 1;
    } else {
      if (s.size() < 10 || s[7] != '-' || !all_digits(s.substr(8, 2))) return std::nullopt;
      d = to_int(s.substr(8, 2));
      if (s.size() > 10) {
        // A time: hh:mm:ss, an optional fraction, then Z or an offset.
        std::string_view t = s.substr(10);
        if (t.size() < 9 || t[0] != 'T' || !all_digits(t.substr(1, 2)) || t[3] != ':' ||
            !all_digits(t.substr(4, 2)) || t[6] != ':' || !all_digits(t.substr(7, 2)))
          return std::nullopt;
        if (to_int(t.substr(1, 2)) > 23 || to_int(t.substr(4, 2)) > 59 ||
            to_int(t.substr(7, 2)) > 60)
          return std::nullopt;
        t.remove_prefix(9);
        if (!t.empty() && t[0] == '.') {
          size_t n = 1;
          while (n < t.size() && t[n] >= '0' && t[n] <= '9')
            ++n;
          if (n == 1) return std::nullopt;
          t.remove_prefix(n);
        }
        if (t == "Z") {
        } else if (t.size() == 6 && (t[0] == '+' || t[0] == '-') && all_digits(t.substr(1, 2)) &&
                   t[3] == ':' && all_digits(t.substr(4, 2)) && to_int(t.substr(1, 2)) <= 14 &&
                   to_int(t.substr(4, 2)) <= 59) {
        } else {
          return std::nullopt;
        }
      }
    }
  }
  if (!runtime::valid_date(y, m, d)) return std::nullopt;
  return Day{runtime::days_from_civil(y, m, d), day_text(y, m, d)};
}

struct PeriodValue {
  std::optional<Day> start, end;
};

std::string period_json(const PeriodValue& p) {
  auto side = [](const std::optional<Day>& d) {
    return d ? "\"" + d->text + "\"" : std::string("null");
  };
  return "{\"start\":" + side(p.start) + ",\"end\":" + side(p.end) + "}";
}

struct ProvisionValue {
  int64_t parent = -1;
  bool permit = true;
  PeriodValue period, data_period;
};

// One condition table of the terms: rows (provision index, value as JSON).
struct Table {
  std::string_view name;    // the terms' list: "actors", ...
  std::string_view member;  // the row's value member: "party", "code", "class"
  std::string_view noun;    // in messages: "actors", ...
  std::vector<std::pair<size_t, std::string>> rows;
};

class Importer {
 public:
  explicit Importer(const Pseudonymizer& p)
      : pseudonymizer_(p), hasher_(ledger::Hasher::create_or_abort()) {}

  Expected<FhirConsentImport, std::string> run(std::string_view json);

 private:
  Result read_r4(dom::object consent);
  Result read_r5(dom::object consent);
  // Reads the provision `o` at `path` into provisions_[index] (already pushed), its
  // conditions into the tables, then its nested provisions.
  Result read_provision(dom::object o, const std::string& path, size_t index, bool root);
  Result read_nested(dom::element list, const std::string& path, size_t parent, bool parent_permit);
  Expected<size_t, std::string> add_provision(const std::string& path, int64_t parent, bool permit);
  Result add_row(Table& table, size_t provision, std::string value_json, const std::string& path);
  Result read_period(dom::element e, const std::string& path, PeriodValue& out);
  Result read_actor(dom::element e, const std::string& path, size_t provision);
  Result read_action(dom::element e, const std::string& path, size_t provision);
  // A Coding (purpose, security label, class): checked, system and code returned.
  Expected<std::pair<std::string_view, std::string_view>, std::string> read_coding(
      dom::element e, const std::string& path);
  Result read_codings(dom::element list, const std::string& path, size_t provision, Table& table,
                      std::string_view kind);
  Expected<Pseudonym, std::string> read_patient(dom::element e, const std::string& path);
  Result read_identifiers(dom::object consent);

  std::string terms_json() const;

  const Pseudonymizer& pseudonymizer_;
  ledger::Hasher hasher_;
  FhirVersion version_ = FhirVersion::r4;
  FhirConsentImport out_;
  std::string status_;
  PeriodValue period_;
  std::vector<ProvisionValue> provisions_;
  Table actors_{"actors", "party", "actors", {}};
  Table actions_{"actions", "code", "actions", {}};
  Table purposes_{"purposes", "code", "purposes", {}};
  Table classes_{"classes", "class", "classes", {}};
  Table labels_{"labels", "code", "security labels", {}};
};

Expected<FhirConsentImport, std::string> Importer::run(std::string_view json) {
  dom::parser parser;
  dom::element doc;
  simdjson::padded_string padded(json);
  if (auto err = parser.parse(padded).get(doc); err != simdjson::SUCCESS)
    return fail("(resource)", std::string("not JSON: ") + simdjson::error_message(err));
  auto consent = as_object(doc, "(resource)");
  if (!consent) return unexpected(consent.error());

  auto type = member(*consent, "resourceType");
  if (!type) return fail("resourceType", "missing: not a FHIR resource");
  auto type_text = as_string(*type, "resourceType");
  if (!type_text) return unexpected(type_text.error());
  if (*type_text != "Consent") return fail("resourceType", quoted(*type_text) + " is not Consent");

  // Which release: from the members only one of them has.
  std::string r4_marker, r5_marker;
  for (dom::key_value_pair kv : *consent) {
    if (r4_marker.empty() && one_of(kv.key, kR4Markers)) r4_marker = std::string(kv.key);
    if (r5_marker.empty() && one_of(kv.key, kR5Markers)) r5_marker = std::string(kv.key);
    if (kv.key == "provision") {
      if (kv.value.type() == dom::element_type::OBJECT && r4_marker.empty())
        r4_marker = "provision (an object)";
      if (kv.value.type() == dom::element_type::ARRAY && r5_marker.empty())
        r5_marker = "provision (an array)";
    }
  }
  if (!r4_marker.empty() && !r5_marker.empty())
    return fail("(resource)",
                "mixes FHIR R4 (" + r4_marker + ") and R5 (" + r5_marker + ") members");
  if (r4_marker.empty() && r5_marker.empty())
    return fail("(resource)",
                "cannot tell FHIR R4 from R5: none of patient, an object provision (R4), subject, "
                "decision, period or an array provision (R5)");
  version_ = r4_marker.empty() ? FhirVersion::r5 : FhirVersion::r4;
  out_.version = version_;

  if (version_ == FhirVersion::r4) {
    if (auto ok = check_members(
            *consent, "", kR4Members,
            {{"implicitRules",
              "rules the importer does not know may change the meaning of the resource"},
             {"modifierExtension", kModifierExtension}},
            "an R4 Consent");
        !ok)
      return unexpected(ok.error());
  } else {
    if (auto ok = check_members(
            *consent, "", kR5Members,
            {{"implicitRules",
              "rules the importer does not know may change the meaning of the resource"},
             {"modifierExtension", kModifierExtension}},
            "an R5 Consent");
        !ok)
      return unexpected(ok.error());
  }

  // Status.
  auto status = member(*consent, "status");
  if (!status) return fail("status", "missing");
  auto status_text = as_string(*status, "status");
  if (!status_text) return unexpected(status_text.error());
  if (version_ == FhirVersion::r4 ? !one_of(*status_text, kR4Status)
                                  : !one_of(*status_text, kR5Status))
    return fail("status", quoted(*status_text) + " is not an " +
                              (version_ == FhirVersion::r4 ? "R4" : "R5") + " Consent status");
  status_ = std::string(*status_text);
  std::replace(status_.begin(), status_.end(), '-', '_');

  // Identifiers and id: keyed pseudonyms only.
  if (auto ok = read_identifiers(*consent); !ok) return unexpected(ok.error());

  if (auto ok = version_ == FhirVersion::r4 ? read_r4(*consent) : read_r5(*consent); !ok)
    return unexpected(ok.error());
  out_.grant_args = "{\"t\":" + terms_json() + "}";
  return std::move(out_);
}

Result Importer::read_identifiers(dom::object consent) {
  if (auto id = member(consent, "id")) {
    auto text = as_string(*id, "id");
    if (!text) return unexpected(text.error());
    out_.resource_id = pseudonymizer_.party("Consent/" + std::string(*text));
  }
  auto list = member(consent, "identifier");
  if (!list) return {};
  auto items = as_array(*list, "identifier");
  if (!items) return unexpected(items.error());
  size_t i = 0;
  for (dom::element e : *items) {
    const std::string path = "identifier[" + std::to_string(i++) + "]";
    auto o = as_object(e, path);
    if (!o) return unexpected(o.error());
    if (auto ok = check_members(*o, path, kIdentifier, {{"modifierExtension", kModifierExtension}},
                                "an Identifier");
        !ok)
      return unexpected(ok.error());
    std::string_view system;
    if (auto s = member(*o, "system")) {
      auto text = as_string(*s, path + ".system");
      if (!text) return unexpected(text.error());
      system = *text;
    }
    auto value = member(*o, "value");
    if (!value) return fail(path, "no value");
    auto text = as_string(*value, path + ".value");
    if (!text) return unexpected(text.error());
    out_.identifiers.push_back(pseudonymizer_.party("Consent?identifier=" + std::string(system) +
                                                    "|" + std::string(*text)));
  }
  return {};
}

Expected<Pseudonym, std::string> Importer::read_patient(dom::element e, const std::string& path) {
  auto o = as_object(e, path);
  if (!o) return unexpected(o.error());
  if (auto ok = check_members(*o, path, kReference, {}, "a Reference"); !ok)
    return unexpected(ok.error());
  auto ref = member(*o, "reference");
  if (!ref)
    return fail(path,
                "no reference (a patient named by identifier only is not supported: the "
                "pseudonym is made from the reference)");
  auto text = as_string(*ref, path + ".reference");
  if (!text) return unexpected(text.error());
  const std::string_view r = *text;
  const bool patient = r.starts_with("Patient/") || r.find("/Patient/") != std::string_view::npos;
  if (!patient || r.back() == '/')
    return fail(path + ".reference",
                "not a reference to a Patient (\"Patient/ID\" or a URL ending so): a consent of "
                "one patient is supported, not of a group or a practitioner");
  return pseudonymizer_.patient(r);
}

Result Importer::read_r4(dom::object consent) {
  auto patient = member(consent, "patient");
  if (!patient) return fail("patient", "missing");
  auto p = read_patient(*patient, "patient");
  if (!p) return unexpected(p.error());
  out_.patient = *p;

  auto root = member(consent, "provision");
  if (!root)
    return fail("provision", "missing: an R4 Consent's root provision gives its base decision");
  auto o = as_object(*root, "provision");
  if (!o) return unexpected(o.error());
  auto type = member(*o, "type");
  if (!type)
    return fail("provision.type",
                "missing: the root provision's type is the base decision (permit or deny)");
  auto text = as_string(*type, "provision.type");
  if (!text) return unexpected(text.error());
  if (*text != "permit" && *text != "deny")
    return fail("provision.type", quoted(*text) + " is not permit or deny");
  auto index = add_provision("provision", -1, *text == "permit");
  if (!index) return unexpected(index.error());
  // The root's period is the consent's.
  if (auto period = member(*o, "period"))
    if (auto ok = read_period(*period, "provision.period", period_); !ok) return ok;
  return read_provision(*o, "provision", *index, true);
}

Result Importer::read_r5(dom::object consent) {
  auto subject = member(consent, "subject");
  if (!subject) return fail("subject", "missing");
  auto p = read_patient(*subject, "subject");
  if (!p) return unexpected(p.error());
  out_.patient = *p;

  if (auto period = member(consent, "period"))
    if (auto ok = read_period(*period, "period", period_); !ok) return ok;
  auto decision = member(consent, "decision");
  if (!decision) return fail("decision", "missing: the base decision (permit or deny) is needed");
  auto text = as_string(*decision, "decision");
  if (!text) return unexpected(text.error());
  if (*text != "permit" && *text != "deny")
    return fail("decision", quoted(*text) + " is not permit or deny");
  const bool permit = *text == "permit";
  auto index = add_provision("decision", -1, permit);
  if (!index) return unexpected(index.error());
  auto list = member(consent, "provision");
  if (!list) return {};
  return read_nested(*list, "provision", *index, permit);
}

Expected<size_t, std::string> Importer::add_provision(const std::string& path, int64_t parent,
                                                      bool permit) {
  if (provisions_.size() == kFhirMaxProvisions)
    return fail(path,
                "more than " + std::to_string(kFhirMaxProvisions) +
                    " provisions (the root and the nested ones together): FhirConsent's limit");
  ProvisionValue v;
  v.parent = parent;
  v.permit = permit;
  provisions_.push_back(v);
  out_.provision_paths.push_back(path);
  return provisions_.size() - 1;
}

Result Importer::read_nested(dom::element list, const std::string& path, size_t parent,
                             bool parent_permit) {
  auto items = as_array(list, path);
  if (!items) return unexpected(items.error());
  size_t i = 0;
  for (dom::element e : *items) {
    const std::string item_path = path + "[" + std::to_string(i++) + "]";
    auto o = as_object(e, item_path);
    if (!o) return unexpected(o.error());
    bool permit = !parent_permit;  // R5: an exception to its parent
    if (version_ == FhirVersion::r4) {
      auto type = member(*o, "type");
      if (!type)
        return fail(item_path + ".type", "missing: a nested R4 provision says permit or deny");
      auto text = as_string(*type, item_path + ".type");
      if (!text) return unexpected(text.error());
      if (*text != "permit" && *text != "deny")
        return fail(item_path + ".type", quoted(*text) + " is not permit or deny");
      permit = *text == "permit";
    }
    auto index = add_provision(item_path, static_cast<int64_t>(parent), permit);
    if (!index) return unexpected(index.error());
    if (auto ok = read_provision(*o, item_path, *index, false); !ok) return ok;
  }
  return {};
}

Result Importer::read_provision(dom::object o, const std::string& path, size_t index, bool root) {
  constexpr std::string_view kCode =
      "a request names no clinical code, so a provision about codes cannot be decided";
  constexpr std::string_view kData =
      "a request names no resource instance, so a provision about given resources cannot be "
      "decided";
  if (version_ == FhirVersion::r4) {
    if (auto ok = check_members(
            o, path, kR4Provision,
            {{"modifierExtension", kModifierExtension}, {"code", kCode}, {"data", kData}},
            "an R4 Consent provision");
        !ok)
      return ok;
  } else {
    if (auto ok = check_members(
            o, path, kR5Provision,
            {{"modifierExtension", kModifierExtension},
             {"code", kCode},
             {"data", kData},
             {"expression", "an expression cannot be evaluated by the template"},
             {"type", "an R5 provision has no type: it is the opposite of its parent's decision"}},
            "an R5 Consent provision");
        !ok)
      return ok;
  }

  // The R4 root's period is the consent's (read by read_r4).
  if (!root)
    if (auto period = member(o, "period"))
      if (auto ok = read_period(*period, path + ".period", provisions_[index].period); !ok)
        return ok;
  if (auto data_period = member(o, "dataPeriod"))
    if (auto ok = read_period(*data_period, path + ".dataPeriod", provisions_[index].data_period);
        !ok)
      return ok;

  if (auto actors = member(o, "actor")) {
    auto items = as_array(*actors, path + ".actor");
    if (!items) return unexpected(items.error());
    size_t i = 0;
    for (dom::element e : *items)
      if (auto ok = read_actor(e, path + ".actor[" + std::to_string(i++) + "]", index); !ok)
        return ok;
  }
  if (auto actions = member(o, "action")) {
    auto items = as_array(*actions, path + ".action");
    if (!items) return unexpected(items.error());
    size_t i = 0;
    for (dom::element e : *items)
      if (auto ok = read_action(e, path + ".action[" + std::to_string(i++) + "]", index); !ok)
        return ok;
  }
  if (auto purposes = member(o, "purpose"))
    if (auto ok = read_codings(*purposes, path + ".purpose", index, purposes_, "purpose"); !ok)
      return ok;
  if (auto labels = member(o, "securityLabel"))
    if (auto ok = read_codings(*labels, path + ".securityLabel", index, labels_, "label"); !ok)
      return ok;
  if (version_ == FhirVersion::r4) {
    if (auto classes = member(o, "class"))
      if (auto ok = read_codings(*classes, path + ".class", index, classes_, "class"); !ok)
        return ok;
  } else {
    auto resource_types = member(o, "resourceType");
    auto document_types = member(o, "documentType");
    if (resource_types && document_types)
      return fail(path + ".documentType",
                  "not supported beside resourceType: a request names one data class, which "
                  "cannot be both a resource type and a document type");
    if (resource_types)
      if (auto ok = read_codings(*resource_types, path + ".resourceType", index, classes_, "class");
          !ok)
        return ok;
    if (document_types)
      if (auto ok = read_codings(*document_types, path + ".documentType", index, classes_, "class");
          !ok)
        return ok;
  }

  auto nested = member(o, "provision");
  if (!nested) return {};
  return read_nested(*nested, path + ".provision", index, provisions_[index].permit);
}

Result Importer::add_row(Table& table, size_t provision, std::string value_json,
                         const std::string& path) {
  for (const auto& [p, v] : table.rows)
    if (p == provision && v == value_json)
      return {};  // a repeat within a provision says nothing more
  if (table.rows.size() == kFhirMaxConditionRows)
    return fail(path, "more than " + std::to_string(kFhirMaxConditionRows) + " " +
                          std::string(table.noun) + " in the consent: FhirConsent's limit");
  table.rows.emplace_back(provision, std::move(value_json));
  return {};
}

Result Importer::read_period(dom::element e, const std::string& path, PeriodValue& out) {
  auto o = as_object(e, path);
  if (!o) return unexpected(o.error());
  if (auto ok = check_members(*o, path, kPeriod, {}, "a Period"); !ok) return ok;
  for (bool is_end : {false, true}) {
    const char* side = is_end ? "end" : "start";
    auto value = member(*o, side);
    if (!value) continue;
    auto text = as_string(*value, path + "." + side);
    if (!text) return unexpected(text.error());
    auto day = parse_fhir_day(*text, is_end);
    if (!day)
      return fail(path + "." + side,
                  quoted(*text) + " is not a FHIR date or dateTime in years 0001 to 9999");
    (is_end ? out.end : out.start) = *day;
  }
  if (out.start && out.end && out.end->days < out.start->days)
    return fail(path, "ends (" + out.end->text + ") before it starts (" + out.start->text + ")");
  return {};
}

Result Importer::read_actor(dom::element e, const std::string& path, size_t provision) {
  auto o = as_object(e, path);
  if (!o) return unexpected(o.error());
  if (auto ok = check_members(*o, path, kActor, {{"modifierExtension", kModifierExtension}},
                              "a provision's actor");
      !ok)
    return ok;
  auto role = member(*o, "role");
  if (!role && version_ == FhirVersion::r4) return fail(path, "no role (an R4 actor has one)");
  if (role) {
    // The actor is matched with the requester, so its role must be the recipient's.
    auto concept_ = as_object(*role, path + ".role");
    if (!concept_) return unexpected(concept_.error());
    if (auto ok = check_members(*concept_, path + ".role", kConcept, {}, "a CodeableConcept"); !ok)
      return ok;
    bool recipient = false;
    if (auto codings = member(*concept_, "coding")) {
      auto items = as_array(*codings, path + ".role.coding");
      if (!items) return unexpected(items.error());
      size_t i = 0;
      for (dom::element c : *items) {
        auto coding = read_coding(c, path + ".role.coding[" + std::to_string(i++) + "]");
        if (!coding) return unexpected(coding.error());
        if (coding->first == kParticipationType && one_of(coding->second, kRecipientRoles))
          recipient = true;
      }
    }
    if (!recipient)
      return fail(path + ".role",
                  "not a recipient role (v3-ParticipationType IRCP or PRCP): an actor is matched "
                  "with the party that asks for the data, so only its role is supported");
  }
  auto reference = member(*o, "reference");
  if (!reference) return fail(path, "no reference");
  auto ref = as_object(*reference, path + ".reference");
  if (!ref) return unexpected(ref.error());
  if (auto ok = check_members(*ref, path + ".reference", kReference, {}, "a Reference"); !ok)
    return ok;
  auto target = member(*ref, "reference");
  if (!target)
    return fail(path + ".reference",
                "no reference (an actor named by identifier only is not supported: the party "
                "pseudonym is made from the reference)");
  auto text = as_string(*target, path + ".reference.reference");
  if (!text) return unexpected(text.error());
  if ((*text)[0] == '#')
    return fail(path + ".reference.reference", "a contained resource is not supported as an actor");
  return add_row(actors_, provision, "\"" + hex(pseudonymizer_.party(*text)) + "\"", path);
}

Result Importer::read_action(dom::element e, const std::string& path, size_t provision) {
  auto o = as_object(e, path);
  if (!o) return unexpected(o.error());
  if (auto ok = check_members(*o, path, kConcept, {}, "a CodeableConcept"); !ok) return ok;
  // The codings of one concept say the same thing in several systems: the consentaction
  // ones are kept, the others are translations of them.
  bool found = false;
  if (auto codings = member(*o, "coding")) {
    auto items = as_array(*codings, path + ".coding");
    if (!items) return unexpected(items.error());
    size_t i = 0;
    for (dom::element c : *items) {
      const std::string coding_path = path + ".coding[" + std::to_string(i++) + "]";
      auto coding = read_coding(c, coding_path);
      if (!coding) return unexpected(coding.error());
      if (coding->first != kConsentAction) continue;
      if (!one_of(coding->second, kActions))
        return fail(coding_path + ".code", quoted(coding->second) + " is not a consentaction code");
      if (auto ok = add_row(actions_, provision, runtime::json_string(coding->second), coding_path);
          !ok)
        return ok;
      found = true;
    }
  }
  if (!found)
    return fail(path, "no coding of " + std::string(kConsentAction) +
                          " (an action in another system, or as text only, is not supported)");
  return {};
}

Expected<std::pair<std::string_view, std::string_view>, std::string> Importer::read_coding(
    dom::element e, const std::string& path) {
  auto o = as_object(e, path);
  if (!o) return unexpected(o.error());
  if (auto ok = check_members(*o, path, kCoding, {}, "a Coding"); !ok)
    return unexpected(ok.error());
  auto system = member(*o, "system");
  if (!system) return fail(path, "no system");
  auto system_text = as_string(*system, path + ".system");
  if (!system_text) return unexpected(system_text.error());
  auto code = member(*o, "code");
  if (!code) return fail(path, "no code");
  auto code_text = as_string(*code, path + ".code");
  if (!code_text) return unexpected(code_text.error());
  return std::make_pair(*system_text, *code_text);
}

Result Importer::read_codings(dom::element list, const std::string& path, size_t provision,
                              Table& table, std::string_view kind) {
  auto items = as_array(list, path);
  if (!items) return unexpected(items.error());
  size_t i = 0;
  for (dom::element e : *items) {
    const std::string item_path = path + "[" + std::to_string(i++) + "]";
    auto coding = read_coding(e, item_path);
    if (!coding) return unexpected(coding.error());
    const auto [system, code] = *coding;
    std::string value;
    if (kind == "class") {
      const std::string name = fhir_class_name(system, code);
      const auto digest = hasher_.sha256(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
      value = "\"" + hex(digest) + "\"";
    } else {
      if (kind == "purpose" && system != kActReason)
        return fail(item_path + ".system", "a purpose of use of another system than " +
                                               std::string(kActReason) + " is not supported");
      if (kind == "label" && !system.starts_with(kV3Systems))
        return fail(item_path + ".system",
                    "a security label of another system than the HL7 v3 ones (" +
                        std::string(kV3Systems) +
                        "...) is not supported: labels are matched by code");
      if (!is_code(code))
        return fail(
            item_path + ".code",
            quoted(code) + " does not fit a Code (1 to 16 printable ASCII characters, no spaces)");
      value = runtime::json_string(code);
    }
    if (auto ok = add_row(table, provision, std::move(value), item_path); !ok) return ok;
  }
  return {};
}

std::string Importer::terms_json() const {
  std::string j = "{\"patient\":\"" + hex(out_.patient) + "\",\"status\":\"" + status_ +
                  "\",\"period\":" + period_json(period_) + ",\"provisions\":[";
  for (size_t i = 0; i < provisions_.size(); ++i) {
    const ProvisionValue& p = provisions_[i];
    if (i) j += ",";
    j += "{\"parent\":" + std::to_string(p.parent) + ",\"effect\":\"" +
         (p.permit ? "permit" : "forbid") + "\",\"period\":" + period_json(p.period) +
         ",\"data_period\":" + period_json(p.data_period) + "}";
  }
  j += "]";
  for (const Table* t : {&actors_, &actions_, &purposes_, &classes_, &labels_}) {
    j += ",\"" + std::string(t->name) + "\":[";
    for (size_t i = 0; i < t->rows.size(); ++i) {
      if (i) j += ",";
      j += "{\"provision\":" + std::to_string(t->rows[i].first) + ",\"" + std::string(t->member) +
           "\":" + t->rows[i].second + "}";
    }
    j += "]";
  }
  return j + "}";
}

}  // namespace

std::string fhir_class_name(std::string_view system, std::string_view code) {
  if (system == kResourceTypes) return std::string(code);
  return std::string(system) + "|" + std::string(code);
}

Expected<FhirConsentImport, std::string> import_fhir_consent(std::string_view json,
                                                             const Pseudonymizer& pseudonymizer) {
  Importer importer(pseudonymizer);
  return importer.run(json);
}

}  // namespace covenant::consent
