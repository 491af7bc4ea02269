// FHIR R4 claims (docs/claims-format.md, "FHIR"): Claim resources, alone, in Bundles, or one
// resource per line (NDJSON), read with simdjson's On-Demand API so that amounts can be taken
// from the number's text (claims/decimal.hpp) and never pass through a double.
//
// Bundles are walked in place; only a Claim resource is copied out, into a small tree
// (`Json`) that the mapping below navigates freely. Memory is one document (a Bundle file,
// or one NDJSON line) plus its index.

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "claims/civil_date.hpp"
#include "claims/decimal.hpp"
#include "claims/readers.hpp"
#include "claims/short_id.hpp"

namespace covenant::claims {

namespace {

namespace od = simdjson::ondemand;
namespace fs = std::filesystem;

// A JSON value copied out of the parser's buffers. Numbers keep their text.
struct Json {
  enum class Kind : uint8_t { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  std::string text;                // a string (unescaped), a number (as written), "true"/"false"
  std::vector<std::string> keys;   // an object's member names, in order
  std::vector<Json> children;      // an array's elements or an object's member values

  // Member `key` of an object (the first, if repeated); nullptr when absent or not an object.
  const Json* get(std::string_view key) const {
    if (kind != Kind::object) return nullptr;
    for (size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return &children[i];
    return nullptr;
  }
  // The elements of an array (none for anything else).
  const std::vector<Json>& elements() const {
    static const std::vector<Json> kNone;
    return kind == Kind::array ? children : kNone;
  }
};

// The elements of an array member (none when it is absent or not an array).
const std::vector<Json>& elements_of(const Json* j) {
  static const std::vector<Json> kNone;
  return j == nullptr ? kNone : j->elements();
}

// The text of a string value, or nullopt for anything else (absent, a number, ...).
std::optional<std::string_view> string_of(const Json* j) {
  if (j == nullptr || j->kind != Json::Kind::string) return std::nullopt;
  return std::string_view(j->text);
}

// Claims nest a handful of levels (Claim.item.detail.subDetail.productOrService.coding); a
// deeper Claim is not one a payer would accept, and the bound keeps the copy's recursion
// small.
constexpr int kMaxClaimDepth = 32;
// Bundles inside Bundles (a searchset of transactions): enough for any real nesting.
constexpr int kMaxBundleDepth = 4;

simdjson::error_code build(od::value value, Json& out, int depth);

simdjson::error_code build_object(od::object object, Json& out, int depth) {
  out.kind = Json::Kind::object;
  for (auto member : object) {
    od::field field;
    if (auto e = std::move(member).get(field)) return e;
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    out.keys.emplace_back(key);
    out.children.emplace_back();
    if (auto e = build(field.value(), out.children.back(), depth + 1)) return e;
  }
  return simdjson::SUCCESS;
}

simdjson::error_code build(od::value value, Json& out, int depth) {
  if (depth > kMaxClaimDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto e = value.get_object().get(object)) return e;
      return build_object(object, out, depth);
    }
    case od::json_type::array: {
      out.kind = Json::Kind::array;
      od::array array;
      if (auto e = value.get_array().get(array)) return e;
      for (auto element : array) {
        od::value v;
        if (auto e = std::move(element).get(v)) return e;
        out.children.emplace_back();
        if (auto e = build(v, out.children.back(), depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      // The token as written, for claims/decimal.hpp; it is validated where it is used.
      out.kind = Json::Kind::number;
      std::string_view raw = value.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' ||
                              raw.back() == '\r'))
        raw.remove_suffix(1);
      out.text = raw;
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      out.kind = Json::Kind::string;
      std::string_view s;
      if (auto e = value.get_string().get(s)) return e;
      out.text = s;
      return simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      out.kind = Json::Kind::boolean;
      bool b = false;
      if (auto e = value.get_bool().get(b)) return e;
      out.text = b ? "true" : "false";
      return simdjson::SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = value.is_null().get(is_null)) return e;
      if (!is_null) return simdjson::N_ATOM_ERROR;
      out.kind = Json::Kind::null;
      return simdjson::SUCCESS;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

// The identifier a reference names: "urn:uuid:X", "Patient/X", "http://host/fhir/Patient/X",
// "Patient/X/_history/2" → X; a conditional reference "Organization?identifier=sys|X" → X.
std::string reference_tail(std::string_view ref) {
  if (ref.starts_with("urn:uuid:")) return std::string(ref.substr(9));
  if (ref.starts_with("urn:oid:")) return std::string(ref.substr(8));
  if (auto bar = ref.rfind('|'); bar != std::string_view::npos && ref.find('?') != std::string_view::npos)
    return std::string(ref.substr(bar + 1));
  if (auto history = ref.find("/_history/"); history != std::string_view::npos) ref = ref.substr(0, history);
  if (auto slash = ref.rfind('/'); slash != std::string_view::npos) return std::string(ref.substr(slash + 1));
  return std::string(ref);
}

// A Reference's target: its reference's tail, else its identifier's value; empty when neither.
std::string reference_id(const Json* ref) {
  if (ref == nullptr) return "";
  if (auto r = string_of(ref->get("reference")); r && !r->empty()) return reference_tail(*r);
  if (const Json* identifier = ref->get("identifier"))
    if (auto v = string_of(identifier->get("value")); v && !v->empty()) return std::string(*v);
  return "";
}

// Code systems of CPT and HCPCS, preferred for a line's code when an item has several codings.
bool is_procedure_system(std::string_view system) {
  static constexpr std::array<std::string_view, 6> kSystems = {
      "http://www.ama-assn.org/go/cpt",
      "urn:oid:2.16.840.1.113883.6.12",  // CPT
      "https://bluebutton.cms.gov/resources/codesystem/hcpcs",
      "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
      "urn:oid:2.16.840.1.113883.6.285",  // HCPCS
      "urn:oid:2.16.840.1.113883.6.14",   // HCPCS Level II
  };
  return std::find(kSystems.begin(), kSystems.end(), system) != kSystems.end();
}

bool is_icd10_system(std::string_view system) {
  return system == "http://hl7.org/fhir/sid/icd-10-cm" || system == "http://hl7.org/fhir/sid/icd-10" ||
         system == "urn:oid:2.16.840.1.113883.6.90" || system == "urn:oid:2.16.840.1.113883.6.3";
}

// The code of a CodeableConcept: the first coding whose system `preferred` accepts, else the
// first coding with a code; empty when there is none.
template <class Preferred>
std::string concept_code(const Json* codeable, Preferred preferred) {
  if (codeable == nullptr) return "";
  const Json* codings = codeable->get("coding");
  if (codings == nullptr) return "";
  for (const Json& coding : codings->elements())
    if (auto system = string_of(coding.get("system")); system && preferred(*system))
      if (auto code = string_of(coding.get("code")); code && !code->empty()) return std::string(*code);
  for (const Json& coding : codings->elements())
    if (auto code = string_of(coding.get("code")); code && !code->empty()) return std::string(*code);
  return "";
}

std::string concept_code(const Json* codeable) {
  return concept_code(codeable, [](std::string_view) { return false; });
}

// A positive integer (a `sequence`, a quantity of units), or nullopt.
std::optional<int64_t> positive_integer(const Json* j) {
  if (j == nullptr || j->kind != Json::Kind::number) return std::nullopt;
  auto v = parse_decimal(j->text, 0);
  if (!v || *v < 1) return std::nullopt;
  return *v;
}

// Why a Claim cannot be read: one line, the resource's location added by the caller.
using Reason = std::string;

// The Claim resource `c` as the claim model (claims/claim.hpp); the mapping is in
// docs/claims-format.md, "FHIR".
Expected<void, Reason> map_claim(const Json& c, Claim& out) {
  if (auto use = string_of(c.get("use")); use && *use != "claim")
    return unexpected("use `" + std::string(*use) + "` is not a claim for payment");
  if (auto status = string_of(c.get("status")); status && *status != "active")
    return unexpected("status `" + std::string(*status) + "`: only active claims are adjudicated");

  out.member = reference_id(c.get("patient"));
  if (out.member.empty()) return unexpected(Reason("no patient reference or identifier"));
  out.provider = short_id(reference_id(c.get("provider")));

  auto created = string_of(c.get("created"));
  if (!created) return unexpected(Reason("no `created` date"));
  auto received = parse_date_time_date(*created);
  if (!received) return unexpected("created `" + std::string(*created) + "` is not a date");
  out.received = *received;

  std::optional<int64_t> billable_start;
  if (const Json* period = c.get("billablePeriod"))
    if (auto start = string_of(period->get("start"))) {
      billable_start = parse_date_time_date(*start);
      if (!billable_start) return unexpected("billablePeriod.start `" + std::string(*start) + "` is not a date");
    }

  for (const Json& related : elements_of(c.get("related"))) {
    if (concept_code(related.get("relationship")) != "prior") continue;
    std::string prior = reference_id(related.get("claim"));
    if (prior.empty()) return unexpected(Reason("a `prior` related claim names no claim"));
    out.frequency = Frequency::replacement;
    out.replaces = prior;
  }

  // Insurance: the focal coverage's authorisation applies to every line; a second coverage
  // means another payer is on file.
  std::optional<std::string> prior_auth;
  if (const Json* insurance = c.get("insurance")) {
    const auto& list = insurance->elements();
    out.other_coverage = list.size() > 1;
    const Json* focal = list.empty() ? nullptr : &list.front();
    for (const Json& i : list)
      if (const Json* f = i.get("focal"); f && f->text == "true") focal = &i;
    if (focal != nullptr)
      if (const Json* refs = focal->get("preAuthRef"); refs && !refs->elements().empty())
        if (auto ref = string_of(&refs->elements().front())) prior_auth = std::string(*ref);
  }

  // Diagnoses: sequence → position in `out.diagnoses`, 0 for one given only by reference
  // (a Condition elsewhere), which carries no code to copy.
  std::map<int64_t, int64_t> diagnosis_position;
  if (const Json* diagnoses = c.get("diagnosis")) {
    int64_t index = 0;
    for (const Json& d : diagnoses->elements()) {
      ++index;
      int64_t sequence = index;
      if (d.get("sequence")) {
        auto s = positive_integer(d.get("sequence"));
        if (!s) return unexpected("diagnosis " + std::to_string(index) + " has a malformed sequence");
        sequence = *s;
      }
      std::string code = concept_code(d.get("diagnosisCodeableConcept"), is_icd10_system);
      code.erase(std::remove(code.begin(), code.end(), '.'), code.end());
      if (code.empty()) {
        diagnosis_position[sequence] = 0;
        continue;
      }
      out.diagnoses.push_back(std::move(code));
      diagnosis_position[sequence] = static_cast<int64_t>(out.diagnoses.size());
    }
  }

  const Json* items = c.get("item");
  if (items == nullptr || items->elements().empty()) return unexpected(Reason("no items"));

  // One currency for the whole claim: the first Money that names one (USD when none does).
  std::optional<std::string> currency;
  for (const Json& item : items->elements())
    for (const char* field : {"net", "unitPrice"})
      if (const Json* money = item.get(field))
        if (auto code = string_of(money->get("currency"))) {
          if (!currency) currency = std::string(*code);
          else if (*currency != *code)
            return unexpected("amounts in both " + *currency + " and " + std::string(*code));
        }
  out.currency = currency.value_or("USD");
  auto digits = currency_digits(out.currency);
  if (!digits) return unexpected("currency `" + out.currency + "` is not one the readers scale");

  auto amount = [&](const Json* money, const std::string& what) -> Expected<int64_t, Reason> {
    const Json* value = money->get("value");
    if (value == nullptr || value->kind != Json::Kind::number)
      return unexpected(what + " has no numeric value");
    auto v = parse_decimal(value->text, *digits);
    if (!v) return unexpected(what + " `" + value->text + "`: " + v.error());
    return *v;
  };

  int64_t number = 0;
  for (const Json& item : items->elements()) {
    ++number;
    std::string name = "item " + std::to_string(number);
    Line line;
    line.code = concept_code(item.get("productOrService"), is_procedure_system);
    if (line.code.empty()) return unexpected(name + " has no productOrService code");
    if (line.code.size() > kShortIdMax)
      return unexpected(name + " code `" + line.code + "` is longer than 16 characters");
    if (const Json* modifiers = item.get("modifier"))
      for (const Json& m : modifiers->elements()) {
        std::string code = concept_code(&m);
        if (code.empty() || code.size() > kShortIdMax)
          return unexpected(name + " has a modifier without a code of 1 to 16 characters");
        line.modifiers.push_back(std::move(code));
      }
    if (const Json* quantity = item.get("quantity")) {
      auto units = positive_integer(quantity->get("value"));
      if (!units) return unexpected(name + " quantity is not a whole number of units >= 1");
      line.units = *units;
    }
    if (const Json* net = item.get("net")) {
      auto v = amount(net, name + " net");
      if (!v) return unexpected(v.error());
      line.charge = *v;
    } else if (const Json* price = item.get("unitPrice")) {
      if (item.get("factor")) return unexpected(name + " has a factor but no net amount");
      auto v = amount(price, name + " unitPrice");
      if (!v) return unexpected(v.error());
      if (__builtin_mul_overflow(*v, line.units, &line.charge))
        return unexpected(name + " unitPrice × quantity is out of range");
    }
    if (line.charge < 0) return unexpected(name + " has a negative charge");

    std::optional<int64_t> served;
    if (auto date = string_of(item.get("servicedDate"))) {
      served = parse_date(*date);
      if (!served) return unexpected(name + " servicedDate `" + std::string(*date) + "` is not a date");
    } else if (const Json* period = item.get("servicedPeriod")) {
      auto start = string_of(period->get("start"));
      if (start) served = parse_date_time_date(*start);
      if (!served) return unexpected(name + " servicedPeriod has no valid start");
    } else {
      served = billable_start;
    }
    if (!served) return unexpected(name + " has no service date and the claim no billablePeriod.start");
    line.service_date = *served;
    line.place = concept_code(item.get("locationCodeableConcept"));

    if (const Json* pointers = item.get("diagnosisSequence"))
      for (const Json& p : pointers->elements()) {
        auto sequence = positive_integer(&p);
        auto found = sequence ? diagnosis_position.find(*sequence) : diagnosis_position.end();
        if (found == diagnosis_position.end())
          return unexpected(name + " points at a diagnosis the claim does not list");
        if (found->second != 0) line.diagnosis_pointers.push_back(found->second);
      }
    line.prior_auth = prior_auth;
    out.lines.push_back(std::move(line));
  }
  return {};
}

// Bytes of a file as lines or as a whole, with read errors kept for the caller to report.
class LineReader {
 public:
  explicit LineReader(ByteStream& in) : in_(in) {}

  // The next line without its line break (a CR before the LF is dropped too). False at the
  // end of the input or on a read error (`error()` then says which).
  bool line(std::string& out) {
    out.clear();
    while (true) {
      size_t nl = buffer_.find('\n', pos_);
      if (nl != std::string::npos) {
        out.append(buffer_, pos_, nl - pos_);
        pos_ = nl + 1;
        if (!out.empty() && out.back() == '\r') out.pop_back();
        return true;
      }
      out.append(buffer_, pos_, std::string::npos);
      buffer_.clear();
      pos_ = 0;
      if (!fill()) {
        // The last line may lack its line break.
        if (!out.empty() && out.back() == '\r') out.pop_back();
        return !out.empty();
      }
    }
  }

  // Everything not yet read. False on a read error.
  bool rest(std::string& out) {
    out.append(buffer_, pos_, std::string::npos);
    buffer_.clear();
    pos_ = 0;
    while (fill()) {
      out += buffer_;
      buffer_.clear();
    }
    return error_.empty();
  }

  const std::string& error() const { return error_; }

 private:
  bool fill() {
    if (done_) return false;
    uint8_t chunk[1 << 16];
    auto n = in_.read(chunk, sizeof chunk);
    if (!n) {
      error_ = n.error();
      done_ = true;
      return false;
    }
    if (*n == 0) {
      done_ = true;
      return false;
    }
    buffer_.append(reinterpret_cast<const char*>(chunk), *n);
    return true;
  }

  ByteStream& in_;
  std::string buffer_;
  size_t pos_ = 0;
  bool done_ = false;
  std::string error_;
};

// True when `line` holds exactly one complete JSON object: NDJSON's shape. A pretty-printed
// document's first line ("{") leaves its braces open.
bool is_complete_object(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i == line.size() || line[i] != '{') return false;
  int depth = 0;
  bool in_string = false, escaped = false;
  for (; i < line.size(); ++i) {
    char ch = line[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    else if (ch == '{' || ch == '[') ++depth;
    else if ((ch == '}' || ch == ']') && --depth == 0) {
      for (++i; i < line.size(); ++i)
        if (line[i] != ' ' && line[i] != '\t') return false;
      return true;
    }
  }
  return false;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

class FhirSource final : public Source {
 public:
  explicit FhirSource(std::unique_ptr<ByteStream> in) : in_(std::move(in)), reader_(*in_) {
    const std::string& name = in_->name();
    if (name.ends_with(".ndjson") || name.ends_with(".ndjson.gz")) mode_ = Mode::ndjson;
  }

  bool next(Record& out) override {
    while (pending_.empty())
      if (!fill()) return false;
    out = std::move(pending_.front());
    pending_.pop_front();
    return true;
  }
  uint64_t bytes_read() const override { return in_->position(); }
  uint64_t bytes_total() const override { return in_->size(); }

 private:
  enum class Mode : uint8_t { unknown, ndjson, done };

  // Reads the next document (the whole file) or NDJSON line into `pending_`; false at the end.
  bool fill() {
    if (mode_ == Mode::done) return false;
    std::string text;
    if (!next_nonblank_line(text)) return finish();
    if (mode_ == Mode::unknown && !is_complete_object(text)) {
      // One document over many lines: the rest of the file belongs to it.
      text += '\n';
      if (!reader_.rest(text)) return finish();
      read_document(text, in_->name(), false);
      mode_ = Mode::done;
      return true;
    }
    mode_ = Mode::ndjson;
    read_document(text, in_->name() + ":" + std::to_string(line_), true);
    return true;
  }

  bool next_nonblank_line(std::string& text) {
    while (reader_.line(text)) {
      // A UTF-8 byte-order mark, which some Windows tools write, is not JSON.
      if (++line_ == 1 && text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
      if (!is_blank(text)) return true;
    }
    return false;
  }

  // Ends the input, reporting a read error if there was one.
  bool finish() {
    mode_ = Mode::done;
    if (reader_.error().empty()) return false;
    pending_.push_back(Problem{in_->name(), reader_.error()});
    return true;
  }

  void problem(std::string location, std::string reason) {
    pending_.push_back(Problem{std::move(location), std::move(reason)});
  }

  // One JSON document: a resource of any type, a Bundle or a Claim being the ones read.
  // `where` locates the document ("<file>", or "<file>:<line>" for an NDJSON line); a Claim
  // found in it is located as "<file>: Claim/<id>", or "<file>:<line> (claim <id>)".
  void read_document(std::string_view text, const std::string& where, bool is_line) {
    simdjson::padded_string padded(text);
    od::document doc;
    if (auto e = parser_.iterate(padded).get(doc)) return problem(where, std::string("not JSON: ") + simdjson::error_message(e));
    od::object root;
    if (auto e = doc.get_object().get(root))
      return problem(where, std::string("not a JSON object: ") + simdjson::error_message(e));
    Context context{where, is_line};
    if (auto e = read_resource(root, context, 0))
      problem(where, std::string("not valid JSON: ") + simdjson::error_message(e));
  }

  struct Context {
    const std::string& where;
    bool is_line;
    size_t claims = 0;  // Claims seen so far in the document, to name one without an id
  };

  simdjson::error_code read_resource(od::object resource, Context& context, int bundle_depth) {
    std::string_view type_view;
    auto type_field = resource.find_field_unordered("resourceType");
    if (type_field.error() == simdjson::NO_SUCH_FIELD) {
      problem(context.where, "a resource without resourceType");
      return simdjson::SUCCESS;
    }
    if (auto e = type_field.get_string().get(type_view)) return e;
    std::string type(type_view);
    if (type == "Bundle") return read_bundle(resource, context, bundle_depth);
    if (type != "Claim") return simdjson::SUCCESS;  // Patients, EOBs, Encounters, ...
    if (auto e = resource.reset().error()) return e;
    Json claim;
    if (auto e = build_object(resource, claim, 0)) return e;
    read_claim(claim, context);
    return simdjson::SUCCESS;
  }

  simdjson::error_code read_bundle(od::object bundle, Context& context, int bundle_depth) {
    if (bundle_depth >= kMaxBundleDepth) {
      problem(context.where, "Bundles nested more than " + std::to_string(kMaxBundleDepth) + " deep");
      return simdjson::SUCCESS;
    }
    std::string_view type;
    auto type_field = bundle.find_field_unordered("type");
    if (type_field.error() == simdjson::NO_SUCH_FIELD) {
      problem(context.where, "a Bundle without type");
      return simdjson::SUCCESS;
    }
    if (auto e = type_field.get_string().get(type)) return e;
    // The types that carry resources as submitted or stored; a history would repeat versions
    // of one claim, a response or document does not submit claims.
    if (type != "transaction" && type != "collection" && type != "batch" && type != "searchset") {
      problem(context.where, "a Bundle of type `" + std::string(type) +
                                 "` (read: transaction, collection, batch, searchset)");
      return simdjson::SUCCESS;
    }
    auto entries = bundle.find_field_unordered("entry");
    if (entries.error() == simdjson::NO_SUCH_FIELD) return simdjson::SUCCESS;
    od::array list;
    if (auto e = entries.get_array().get(list)) return e;
    for (auto element : list) {
      od::object entry;
      if (auto e = std::move(element).get_object().get(entry)) return e;
      auto resource = entry.find_field_unordered("resource");
      if (resource.error() == simdjson::NO_SUCH_FIELD) continue;  // a DELETE, a GET
      od::object r;
      if (auto e = resource.get_object().get(r)) return e;
      if (auto e = read_resource(r, context, bundle_depth + 1)) return e;
    }
    return simdjson::SUCCESS;
  }

  void read_claim(const Json& json, Context& context) {
    ++context.claims;
    std::string id;
    if (auto v = string_of(json.get("id"))) id = *v;
    if (id.empty())
      if (const Json* identifiers = json.get("identifier"); identifiers && !identifiers->elements().empty())
        if (auto v = string_of(identifiers->elements().front().get("value"))) id = *v;
    if (id.empty()) {
      problem(context.where, "Claim " + std::to_string(context.claims) + " of the document has no id or identifier");
      return;
    }
    std::string location = context.is_line ? context.where + " (claim " + id + ")"
                                           : context.where + ": Claim/" + id;
    Claim claim;
    claim.id = id;
    claim.location = location;
    if (auto ok = map_claim(json, claim); !ok) return problem(location, ok.error());
    pending_.push_back(std::move(claim));
  }

  std::unique_ptr<ByteStream> in_;
  LineReader reader_;
  Mode mode_ = Mode::unknown;
  uint64_t line_ = 0;
  std::deque<Record> pending_;
  od::parser parser_;
};

// Every FHIR file of a directory in name order, each read as `fhir_source`.
class FhirDirectorySource final : public Source {
 public:
  FhirDirectorySource(std::vector<fs::path> files, uint64_t total)
      : files_(std::move(files)), total_(total) {}

  bool next(Record& out) override {
    while (true) {
      if (current_ && current_->next(out)) return true;
      if (current_) {
        done_bytes_ += file_size_;
        current_.reset();
      }
      if (index_ == files_.size()) return false;
      const fs::path& path = files_[index_++];
      std::error_code ec;
      file_size_ = fs::file_size(path, ec);
      if (ec) file_size_ = 0;
      auto stream = open_stream(path);
      if (!stream) {
        // One unreadable file does not hide the others: it is a Problem, and the next goes on.
        done_bytes_ += file_size_;
        out = Problem{path.string(), stream.error()};
        return true;
      }
      current_ = fhir_source(std::move(*stream));
    }
  }
  uint64_t bytes_read() const override { return done_bytes_ + (current_ ? current_->bytes_read() : 0); }
  uint64_t bytes_total() const override { return total_; }

 private:
  std::vector<fs::path> files_;
  uint64_t total_ = 0;
  size_t index_ = 0;
  std::unique_ptr<Source> current_;
  uint64_t done_bytes_ = 0;
  uint64_t file_size_ = 0;
};

}  // namespace

std::unique_ptr<Source> fhir_source(std::unique_ptr<ByteStream> in) {
  return std::make_unique<FhirSource>(std::move(in));
}

Expected<std::unique_ptr<Source>, std::string> fhir_directory_source(const fs::path& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return unexpected(dir.string() + ": cannot read the directory (" + ec.message() + ")");
  std::vector<fs::path> files;
  uint64_t total = 0;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return unexpected(dir.string() + ": cannot read the directory (" + ec.message() + ")");
    std::string name = it->path().filename().string();
    if (!(name.ends_with(".json") || name.ends_with(".json.gz") || name.ends_with(".ndjson") ||
          name.ends_with(".ndjson.gz")))
      continue;
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    files.push_back(it->path());
    std::error_code size_ec;
    uint64_t size = it->file_size(size_ec);
    if (!size_ec) total += size;
  }
  if (ec) return unexpected(dir.string() + ": cannot read the directory (" + ec.message() + ")");
  if (files.empty())
    return unexpected(dir.string() + ": no .json, .json.gz, .ndjson or .ndjson.gz files");
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
  return std::unique_ptr<Source>(std::make_unique<FhirDirectorySource>(std::move(files), total));
}

}  // namespace covenant::claims
