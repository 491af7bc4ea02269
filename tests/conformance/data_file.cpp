#include "tests/conformance/data_file.hpp"

#include <fstream>
#include <sstream>

#include "vm/hex.hpp"
#include "vm/raw_word.hpp"

namespace covenant::conformance {
namespace {

// Blanks including line ends: a section's text keeps its newlines until trimmed.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i]))
      ++i;
    size_t start = i;
    while (i < s.size() && !is_space(s[i]))
      ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// "0x" followed by 1..16 hex digits, or decimal digits that fit in 64 bits.
std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t value = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    if (s.size() > 16) return std::nullopt;
    for (char c : s) {
      int d = hex_digit(c);
      if (d < 0) return std::nullopt;
      value = value << 4 | static_cast<uint64_t>(d);
    }
    return value;
  }
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - d) / 10) return std::nullopt;
    value = value * 10 + d;
  }
  return value;
}

std::optional<uint8_t> parse_byte(std::string_view s) {
  if (s.size() != 2 || hex_digit(s[0]) < 0 || hex_digit(s[1]) < 0) return std::nullopt;
  return static_cast<uint8_t>(hex_digit(s[0]) << 4 | hex_digit(s[1]));
}

// Text before a `#` comment.
std::string_view strip_comment(std::string_view line) {
  size_t hash = line.find('#');
  return hash == std::string_view::npos ? line : line.substr(0, hash);
}

// One `-- raw` line: a 64-bit word or 8 bytes.
std::optional<vm::RawInsn> parse_raw_line(std::string_view line) {
  auto words = split_words(line);
  if (words.size() == 1) {
    if (!words[0].starts_with("0x") && !words[0].starts_with("0X")) return std::nullopt;
    auto word = parse_u64(words[0]);
    if (!word) return std::nullopt;
    return vm::from_raw_word(*word);
  }
  if (words.size() != vm::kSlotSize) return std::nullopt;
  uint8_t bytes[vm::kSlotSize];
  for (size_t i = 0; i < vm::kSlotSize; ++i) {
    auto b = parse_byte(words[i]);
    if (!b) return std::nullopt;
    bytes[i] = *b;
  }
  return vm::RawInsn::decode(bytes);
}

enum class Section : uint8_t { none, asm_, raw, mem, result, error, limits, ignored };

Section section_named(std::string_view name) {
  if (name == "asm") return Section::asm_;
  if (name == "raw") return Section::raw;
  if (name == "mem") return Section::mem;
  if (name == "result") return Section::result;
  if (name == "error") return Section::error;
  if (name == "limits") return Section::limits;
  return Section::ignored;  // `-- c` and anything unknown
}

}  // namespace

Expected<DataFile, std::string> parse_data_file(std::string_view text) {
  DataFile file;
  Section section = Section::none;
  std::vector<Section> seen;
  std::string error_text;
  uint32_t line_no = 0;
  auto fail = [&](const std::string& reason) {
    return unexpected("line " + std::to_string(line_no) + ": " + reason);
  };
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;

    if (line.starts_with("--")) {
      section = section_named(trim(line.substr(2)));
      if (section != Section::ignored) {
        for (Section s : seen)
          if (s == section)
            return fail("section '" + std::string(trim(line.substr(2))) + "' given twice");
        seen.push_back(section);
      }
      if (section == Section::asm_) {
        file.asm_text.emplace();
        file.asm_first_line = line_no + 1;
      }
      if (section == Section::raw) file.raw.emplace();
      if (section == Section::error) file.error.emplace();
      continue;
    }

    std::string_view body = trim(strip_comment(line));
    switch (section) {
      case Section::none:
      case Section::ignored:
        break;
      case Section::asm_:
        file.asm_text->append(line);
        file.asm_text->push_back('\n');
        break;
      case Section::raw: {
        if (body.empty()) break;
        auto insn = parse_raw_line(body);
        if (!insn)
          return fail("malformed raw slot '" + std::string(body) +
                      "': expected a 64-bit word like 0x0000000000000095 or 8 hex bytes");
        file.raw->push_back(*insn);
        break;
      }
      case Section::mem:
        for (std::string_view word : split_words(body)) {
          auto b = parse_byte(word);
          if (!b)
            return fail("malformed mem byte '" + std::string(word) + "': expected two hex digits");
          file.mem.push_back(*b);
        }
        break;
      case Section::result: {
        if (body.empty()) break;
        if (file.result) return fail("more than one value in '-- result'");
        auto value = parse_u64(body);
        if (!value)
          return fail("malformed result '" + std::string(body) + "': expected 0x<hex> or decimal");
        file.result = *value;
        break;
      }
      case Section::error:
        error_text.append(line);
        error_text.push_back('\n');
        break;
      case Section::limits: {
        if (body.empty()) break;
        auto words = split_words(body);
        if (words.size() != 2)
          return fail("malformed limit '" + std::string(body) + "': expected 'key value'");
        file.limits.emplace_back(std::string(words[0]), std::string(words[1]));
        break;
      }
    }
  }
  if (file.error) file.error = std::string(trim(error_text));
  return file;
}

Expected<DataFile, std::string> read_data_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(path + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto parsed = parse_data_file(buffer.str());
  if (!parsed) return unexpected(path + ": " + parsed.error());
  return std::move(parsed).value();
}

}  // namespace covenant::conformance
