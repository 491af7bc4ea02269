#pragma once
/// \file
/// The little JSON the `covenant` commands print with `--json`: escaped strings and flat
/// objects built field by field, one line each.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/abi.hpp"

namespace covenant::cli {

/// `text` as a JSON string literal, quotes included; control characters are escaped (the
/// runtime's, so every command escapes alike).
using runtime::json_string;

/// A JSON array of strings.
inline std::string json_string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json_string(items[i]);
  return out + "]";
}

/// A JSON object written field by field, in the order given: `JsonObject().str("a",
/// "x").num("b", 1).text()` is `{"a":"x","b":1}`.
class JsonObject {
 public:
  /// A field whose value is already JSON (an object, an array, true/false).
  JsonObject& raw(std::string_view key, std::string_view json) {
    out_ += (out_.size() > 1 ? "," : "") + json_string(key) + ":" + std::string(json);
    return *this;
  }
  /// A string field.
  JsonObject& str(std::string_view key, std::string_view value) {
    return raw(key, json_string(value));
  }
  /// An unsigned integer field.
  JsonObject& num(std::string_view key, uint64_t value) { return raw(key, std::to_string(value)); }
  /// A boolean field.
  JsonObject& boolean(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
  /// The object's text.
  std::string text() const { return out_ + "}"; }

 private:
  std::string out_ = "{";
};

}  // namespace covenant::cli
