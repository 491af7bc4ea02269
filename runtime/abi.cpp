#include "runtime/abi.hpp"

#include <simdjson.h>

#include <array>
#include <map>
#include <set>

namespace covenant::runtime {

namespace {

using simdjson::dom::element;

struct CurrencyDigits {
  std::string_view code;
  int digits;
};
// ISO 4217 minor units of the currencies the language supports: the one table (the compiler
// asks currency_digits too).
constexpr std::array<CurrencyDigits, 7> kCurrencies = {{
    {"CAD", 2}, {"CHF", 2}, {"CNY", 2}, {"EUR", 2}, {"GBP", 2}, {"JPY", 0}, {"USD", 2},
}};

// Names a record or enum may not take: they would shadow the built-in types.
constexpr std::array<std::string_view, 13> kBuiltinNames = {
    "Bool", "Int", "Money", "Rate", "Date", "Duration", "Code", "Hash", "Pseudonym", "Key",
    "Option", "List", "Set"};

bool is_ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

std::string json_string(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += '"';
  return out;
}

int currency_digits(std::string_view code) {
  for (const CurrencyDigits& c : kCurrencies)
    if (c.code == code) return c.digits;
  return -1;
}

const AbiEntry* Abi::find(std::string_view entry) const {
  for (const AbiEntry& e : entries_)
    if (e.name == entry) return &e;
  return nullptr;
}

/// Builds an `Abi` from the parsed JSON: collects the declared records and enums, then
/// resolves type names (records on demand, so their order in the JSON does not matter).
class AbiBuilder {
 public:
  explicit AbiBuilder(Abi& abi) : abi_(abi), by_name_(abi.by_name_) {}

  Expected<Abi, std::string> build(element root);
  // Parses a type name at `text[pos..]` (recursive descent over `ident [<args>]`).
  const AbiType* parse_type(std::string_view text, size_t& pos, const std::string& where);

 private:
  // Reads the members `names` of an object into `out` (same order); the first `required`
  // must be present, the rest may be absent (`present`, if given, says which were there); no
  // other may appear. `where` prefixes the error.
  bool members(element value, std::initializer_list<std::string_view> names, element* out,
               const std::string& where, size_t required = SIZE_MAX, bool* present = nullptr);
  bool string_of(element value, std::string& out, const std::string& where);
  bool name_of(element value, std::string& out, const std::string& where);
  const AbiType* type_of(element value, const std::string& where);
  const AbiType* resolve_named(const std::string& name, const std::string& where);
  // Lays out the "fields" array `value` of a record or event into `t` (fields in order, no
  // padding; `size`). `here` names it in errors.
  bool lay_out_fields(element value, const std::string& here, AbiType& t);
  const AbiType* intern(AbiType t);
  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  Abi& abi_;
  std::map<std::string, const AbiType*, std::less<>>& by_name_;
  std::map<std::string, element, std::less<>> pending_records_;  // declared, not resolved yet
  std::set<std::string, std::less<>> resolving_;                 // records being laid out
  std::string error_;
};

bool AbiBuilder::members(element value, std::initializer_list<std::string_view> names,
                         element* out, const std::string& where, size_t required,
                         bool* present) {
  simdjson::dom::object obj;
  if (value.get_object().get(obj)) return fail(where + ": expected an object");
  std::vector<bool> seen(names.size(), false);
  for (simdjson::dom::key_value_pair kv : obj) {
    size_t i = 0;
    for (std::string_view n : names) {
      if (n == kv.key) break;
      ++i;
    }
    if (i == names.size()) return fail(where + ": unknown member " + json_string(kv.key));
    if (seen[i]) return fail(where + ": member " + json_string(kv.key) + " given twice");
    seen[i] = true;
    out[i] = kv.value;
  }
  size_t i = 0;
  for (std::string_view n : names) {
    if (present != nullptr) present[i] = seen[i];
    if (!seen[i] && i < required) return fail(where + ": missing member " + json_string(n));
    ++i;
  }
  return true;
}

bool AbiBuilder::string_of(element value, std::string& out, const std::string& where) {
  std::string_view s;
  if (value.get_string().get(s)) return fail(where + ": expected a string");
  out = std::string(s);
  return true;
}

bool AbiBuilder::name_of(element value, std::string& out, const std::string& where) {
  if (!string_of(value, out, where)) return false;
  if (out.empty() || !is_ident_start(out[0])) return fail(where + ": expected an identifier");
  for (char c : out)
    if (!is_ident_char(c)) return fail(where + ": expected an identifier, found " + json_string(out));
  return true;
}

const AbiType* AbiBuilder::intern(AbiType t) {
  auto it = by_name_.find(t.name);
  if (it != by_name_.end()) return it->second;
  abi_.types_.push_back(std::make_unique<AbiType>(std::move(t)));
  const AbiType* p = abi_.types_.back().get();
  by_name_.emplace(p->name, p);
  return p;
}

const AbiType* AbiBuilder::type_of(element value, const std::string& where) {
  std::string text;
  if (!string_of(value, text, where)) return nullptr;
  size_t pos = 0;
  const AbiType* t = parse_type(text, pos, where);
  if (t == nullptr) return nullptr;
  if (pos != text.size()) {
    fail(where + ": unexpected text after the type in " + json_string(text));
    return nullptr;
  }
  return t;
}

const AbiType* AbiBuilder::parse_type(std::string_view text, size_t& pos, const std::string& where) {
  auto bad = [&](const std::string& why) -> const AbiType* {
    fail(where + ": " + why + " in type " + json_string(text));
    return nullptr;
  };
  auto skip_spaces = [&] {
    while (pos < text.size() && text[pos] == ' ') ++pos;
  };
  auto expect = [&](char c) {
    skip_spaces();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      skip_spaces();
      return true;
    }
    return false;
  };
  size_t start = pos;
  if (pos >= text.size() || !is_ident_start(text[pos])) return bad("expected a type name");
  while (pos < text.size() && is_ident_char(text[pos])) ++pos;
  std::string ident(text.substr(start, pos - start));

  AbiType t;
  t.name = ident;
  auto word = [&](AbiKind k, uint32_t size) {
    t.kind = k;
    t.size = size;
    return intern(std::move(t));
  };
  if (ident == "Bool") return word(AbiKind::bool_, 8);
  if (ident == "Int") return word(AbiKind::int_, 8);
  if (ident == "Rate") return word(AbiKind::rate, 8);
  if (ident == "Date") return word(AbiKind::date, 8);
  if (ident == "Duration") return word(AbiKind::duration, 16);
  if (ident == "Code") return word(AbiKind::code, 16);
  if (ident == "Hash") return word(AbiKind::hash, 32);
  if (ident == "Pseudonym") return word(AbiKind::pseudonym, 32);
  if (ident == "Key") return word(AbiKind::key, 32);
  if (ident == "Money") {
    if (!expect('<')) return bad("expected `<` after Money");
    size_t c = pos;
    while (pos < text.size() && is_ident_char(text[pos])) ++pos;
    std::string currency(text.substr(c, pos - c));
    int digits = currency_digits(currency);
    if (digits < 0) return bad("unsupported currency " + json_string(currency));
    if (!expect('>')) return bad("expected `>` after the currency");
    t.kind = AbiKind::money;
    t.name = "Money<" + currency + ">";
    t.currency = currency;
    t.minor_digits = static_cast<uint32_t>(digits);
    t.size = 8;
    return intern(std::move(t));
  }
  if (ident == "Option") {
    if (!expect('<')) return bad("expected `<` after Option");
    const AbiType* elem = parse_type(text, pos, where);
    if (elem == nullptr) return nullptr;
    if (!expect('>')) return bad("expected `>` after the element type");
    if (elem->size + 8 > kMaxAbiValueSize) return bad("a value larger than 1 MiB");
    t.kind = AbiKind::option;
    t.name = "Option<" + elem->name + ">";
    t.elem = elem;
    t.size = elem->size + 8;
    return intern(std::move(t));
  }
  if (ident == "List") {
    if (!expect('<')) return bad("expected `<` after List");
    const AbiType* elem = parse_type(text, pos, where);
    if (elem == nullptr) return nullptr;
    if (!expect(',')) return bad("expected `,` and the maximum length");
    if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') return bad("expected the maximum length");
    uint64_t bound = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      bound = bound * 10 + static_cast<uint64_t>(text[pos++] - '0');
      if (bound > kMaxAbiValueSize) return bad("a value larger than 1 MiB");
    }
    if (!expect('>')) return bad("expected `>` after the maximum length");
    // bound and elem->size are both <= 2^20, so the product cannot wrap.
    if (8 + bound * elem->size > kMaxAbiValueSize) return bad("a value larger than 1 MiB");
    t.kind = AbiKind::list;
    t.name = "List<" + elem->name + ", " + std::to_string(bound) + ">";
    t.elem = elem;
    t.bound = bound;
    t.size = static_cast<uint32_t>(8 + bound * elem->size);
    return intern(std::move(t));
  }
  if (pos < text.size() && text[pos] == '<') return bad("unexpected `<` after " + ident);
  return resolve_named(ident, where);
}

bool AbiBuilder::lay_out_fields(element value, const std::string& here, AbiType& t) {
  simdjson::dom::array fields;
  if (value.get_array().get(fields)) return fail(here + ": \"fields\" must be an array");
  uint64_t offset = 0;
  size_t i = 0;
  for (element f : fields) {
    std::string at = here + " field " + std::to_string(i++);
    element parts[2];
    if (!members(f, {"name", "type"}, parts, at)) return false;
    AbiField field;
    if (!name_of(parts[0], field.name, at + " name")) return false;
    for (const AbiField& g : t.fields)
      if (g.name == field.name) return fail(here + ": field " + json_string(field.name) + " declared twice");
    field.type = type_of(parts[1], here + "." + field.name);
    if (field.type == nullptr) return false;
    field.offset = static_cast<uint32_t>(offset);
    offset += field.type->size;
    if (offset > kMaxAbiValueSize) return fail(here + ": larger than 1 MiB");
    t.fields.push_back(std::move(field));
  }
  t.size = static_cast<uint32_t>(offset);
  return true;
}

const AbiType* AbiBuilder::resolve_named(const std::string& name, const std::string& where) {
  if (auto it = by_name_.find(name); it != by_name_.end()) return it->second;
  auto pending = pending_records_.find(name);
  if (pending == pending_records_.end()) {
    fail(where + ": unknown type " + json_string(name));
    return nullptr;
  }
  if (!resolving_.insert(name).second) {
    fail("record " + json_string(name) + " contains itself");
    return nullptr;
  }
  AbiType t;
  t.kind = AbiKind::record;
  t.name = name;
  if (!lay_out_fields(pending->second, "record " + name, t)) return nullptr;
  resolving_.erase(name);
  pending_records_.erase(pending);
  return intern(std::move(t));
}

Expected<Abi, std::string> AbiBuilder::build(element root) {
  auto failed = [&]() { return unexpected("invalid ABI: " + error_); };
  element top[6];
  bool present[6] = {};
  if (!members(root, {"contract", "version", "entries", "records", "enums", "events"}, top, "ABI",
               5, present))
    return failed();
  if (!name_of(top[0], abi_.contract_, "contract")) return failed();
  if (top[1].get_int64().get(abi_.version_)) {
    fail("version: expected an integer");
    return failed();
  }
  simdjson::dom::array entries, records, enums;
  if (top[2].get_array().get(entries)) fail("entries: expected an array");
  if (top[3].get_array().get(records)) fail("records: expected an array");
  if (top[4].get_array().get(enums)) fail("enums: expected an array");
  if (!error_.empty()) return failed();

  auto declare = [&](const std::string& name, const std::string& what) {
    for (std::string_view b : kBuiltinNames)
      if (b == name) return fail(what + " " + name + ": the name of a built-in type");
    if (by_name_.count(name) || pending_records_.count(name))
      return fail(what + " " + name + ": declared twice");
    return true;
  };
  std::vector<std::string> record_order;
  size_t i = 0;
  for (element r : records) {
    std::string at = "records[" + std::to_string(i++) + "]";
    element parts[2];
    std::string name;
    if (!members(r, {"name", "fields"}, parts, at) || !name_of(parts[0], name, at + ".name") ||
        !declare(name, "record"))
      return failed();
    pending_records_.emplace(name, parts[1]);
    record_order.push_back(name);
  }
  i = 0;
  for (element e : enums) {
    std::string at = "enums[" + std::to_string(i++) + "]";
    element parts[2];
    AbiType t;
    t.kind = AbiKind::enum_;
    t.size = 8;
    if (!members(e, {"name", "variants"}, parts, at) || !name_of(parts[0], t.name, at + ".name") ||
        !declare(t.name, "enum"))
      return failed();
    simdjson::dom::array variants;
    if (parts[1].get_array().get(variants)) {
      fail(at + ".variants: expected an array");
      return failed();
    }
    for (element v : variants) {
      std::string variant;
      if (!name_of(v, variant, "enum " + t.name + " variant")) return failed();
      for (const std::string& w : t.variants)
        if (w == variant) {
          fail("enum " + t.name + ": variant " + variant + " declared twice");
          return failed();
        }
      t.variants.push_back(std::move(variant));
    }
    if (t.variants.empty()) {
      fail("enum " + t.name + ": no variants");
      return failed();
    }
    abi_.enums_.push_back(intern(std::move(t)));
  }
  for (const std::string& name : record_order) {
    const AbiType* t = resolve_named(name, "record " + name);
    if (t == nullptr) return failed();
    abi_.records_.push_back(t);
  }

  i = 0;
  for (element e : entries) {
    std::string at = "entries[" + std::to_string(i++) + "]";
    element parts[3];
    AbiEntry entry;
    if (!members(e, {"name", "params", "result"}, parts, at) ||
        !name_of(parts[0], entry.name, at + ".name"))
      return failed();
    at = "entry " + entry.name;
    if (abi_.find(entry.name) != nullptr) {
      fail(at + ": declared twice");
      return failed();
    }
    simdjson::dom::array params;
    if (parts[1].get_array().get(params)) {
      fail(at + ": params must be an array");
      return failed();
    }
    uint64_t offset = 0;
    for (element p : params) {
      element pp[2];
      AbiParam param;
      if (!members(p, {"name", "type"}, pp, at + " parameter") ||
          !name_of(pp[0], param.name, at + " parameter name"))
        return failed();
      for (const AbiParam& q : entry.params)
        if (q.name == param.name) {
          fail(at + ": parameter " + param.name + " declared twice");
          return failed();
        }
      param.type = type_of(pp[1], at + "(" + param.name + ")");
      if (param.type == nullptr) return failed();
      param.offset = static_cast<uint32_t>(offset);
      offset += param.type->size;
      if (offset > kMaxAbiValueSize) {
        fail(at + ": parameter block larger than 1 MiB");
        return failed();
      }
      entry.params.push_back(std::move(param));
    }
    entry.param_size = static_cast<uint32_t>(offset);
    if (!parts[2].is_null()) {
      entry.result = type_of(parts[2], at + " result");
      if (entry.result == nullptr) return failed();
      entry.result_size = entry.result->size;
    }
    abi_.entries_.push_back(std::move(entry));
  }

  // Events: each laid out as a record named after it (not one of the ABI's records).
  if (present[5]) {
    simdjson::dom::array events;
    if (top[5].get_array().get(events)) {
      fail("events: expected an array");
      return failed();
    }
    i = 0;
    for (element e : events) {
      std::string at = "events[" + std::to_string(i) + "]";
      element parts[3];
      AbiEvent event;
      int64_t index = 0;
      if (!members(e, {"name", "index", "fields"}, parts, at) ||
          !name_of(parts[0], event.name, at + ".name"))
        return failed();
      if (parts[1].get_int64().get(index) || index != static_cast<int64_t>(i)) {
        fail(at + ".index: expected " + std::to_string(i));
        return failed();
      }
      for (const AbiEvent& other : abi_.events_)
        if (other.name == event.name) {
          fail("event " + event.name + ": declared twice");
          return failed();
        }
      event.index = static_cast<uint32_t>(i++);
      AbiType t;
      t.kind = AbiKind::record;
      t.name = event.name;
      if (!lay_out_fields(parts[2], "event " + event.name, t)) return failed();
      // Owned by the ABI like every type, but not findable by name: an event is not a type.
      abi_.types_.push_back(std::make_unique<AbiType>(std::move(t)));
      event.type = abi_.types_.back().get();
      abi_.events_.push_back(std::move(event));
    }
  }
  return std::move(abi_);
}

Expected<Abi, std::string> Abi::parse(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  element root;
  if (auto error = parser.parse(padded).get(root))
    return unexpected(std::string("invalid ABI: not JSON (") + simdjson::error_message(error) + ")");
  Abi abi;
  AbiBuilder builder(abi);
  return builder.build(root);
}

const AbiType* Abi::type_named(std::string_view name) const {
  if (auto it = by_name_.find(name); it != by_name_.end()) return it->second;
  // Building only interns types into the mutable cache; the ABI's declarations stay as they are.
  AbiBuilder builder(const_cast<Abi&>(*this));
  size_t pos = 0;
  const AbiType* t = builder.parse_type(name, pos, "type");
  return t != nullptr && pos == name.size() ? t : nullptr;
}

}  // namespace covenant::runtime
