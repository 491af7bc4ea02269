#include "compiler/abi.hpp"

#include "runtime/abi.hpp"

namespace covenant::compiler {

namespace {

using runtime::json_string;

// {"name":NAME,"type":TYPE}
std::string named_type(const std::string& name, const Type* type) {
  return "{\"name\":" + json_string(name) + ",\"type\":" + json_string(type->name()) + "}";
}

}  // namespace

std::string abi_json(const Checked& checked) {
  std::string out = "{\"contract\":" + json_string(checked.name) +
                    ",\"version\":" + std::to_string(checked.version) + ",\"entries\":[";
  bool first = true;
  for (const FunctionInfo& f : checked.functions) {
    if (!f.is_entry) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"name\":" + json_string(f.name) + ",\"params\":[";
    // Locals 0..params.size()-1 are the parameters, in order (checked.hpp).
    for (size_t i = 0; i < f.params.size(); ++i) {
      if (i) out += ',';
      out += named_type(f.locals[i].name, f.params[i]);
    }
    out += "],\"result\":";
    out += f.result == nullptr || f.result->kind == TypeKind::unit ? "null"
                                                                   : json_string(f.result->name());
    out += '}';
  }
  out += "],\"records\":[";
  for (size_t i = 0; i < checked.records.size(); ++i) {
    const RecordInfo& r = *checked.records[i]->record;
    if (i) out += ',';
    out += "{\"name\":" + json_string(r.name) + ",\"fields\":[";
    for (size_t k = 0; k < r.fields.size(); ++k) {
      if (k) out += ',';
      out += named_type(r.fields[k].name, r.fields[k].type);
    }
    out += "]}";
  }
  out += "],\"enums\":[";
  for (size_t i = 0; i < checked.enums.size(); ++i) {
    const EnumInfo& e = *checked.enums[i]->enumeration;
    if (i) out += ',';
    out += "{\"name\":" + json_string(e.name) + ",\"variants\":[";
    for (size_t k = 0; k < e.variants.size(); ++k) {
      if (k) out += ',';
      out += json_string(e.variants[k]);
    }
    out += "]}";
  }
  out += "]";
  if (!checked.events.empty()) {
    out += ",\"events\":[";
    for (size_t i = 0; i < checked.events.size(); ++i) {
      const RecordInfo& r = *checked.events[i]->record;
      if (i) out += ',';
      out += "{\"name\":" + json_string(r.name) + ",\"index\":" + std::to_string(i) + ",\"fields\":[";
      for (size_t k = 0; k < r.fields.size(); ++k) {
        if (k) out += ',';
        out += named_type(r.fields[k].name, r.fields[k].type);
      }
      out += "]}";
    }
    out += "]";
  }
  out += "}";
  return out;
}

}  // namespace covenant::compiler
