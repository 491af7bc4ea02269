#include "tests/contracts/contract_vm.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "compiler/driver.hpp"
#include "runtime/host_abi.hpp"

namespace covenant::contract_tests {

namespace {

uint64_t metadata_number(const vm::Module& m, const std::string& key, uint64_t fallback) {
  for (const auto& [k, v] : m.metadata)
    if (k == key) return std::stoull(v);
  return fallback;
}

}  // namespace

View View::operator[](std::string_view name) const {
  if (type_ && type_->kind == runtime::AbiKind::record) {
    for (const runtime::AbiField& f : type_->fields)
      if (f.name == name && f.offset + f.type->size <= bytes_.size())
        return View(f.type, bytes_.subspan(f.offset, f.type->size));
  }
  FAIL_CHECK("no field " << name << " in " << (type_ ? type_->name : "nothing"));
  return View(nullptr, {});
}

View View::operator[](size_t i) const {
  if (type_ && type_->kind == runtime::AbiKind::list) {
    size_t at = 8 + i * type_->elem->size;
    if (at + type_->elem->size <= bytes_.size())
      return View(type_->elem, bytes_.subspan(at, type_->elem->size));
  }
  FAIL_CHECK("no element " << i << " in " << (type_ ? type_->name : "nothing"));
  return View(nullptr, {});
}

size_t View::size() const {
  return static_cast<size_t>(word());
}

int64_t View::word() const {
  if (bytes_.size() < 8) {
    FAIL_CHECK("no value to read");
    return 0;
  }
  uint64_t w = 0;
  for (int i = 7; i >= 0; --i)
    w = (w << 8) | bytes_[static_cast<size_t>(i)];
  return static_cast<int64_t>(w);
}

std::string View::json() const {
  return type_ ? runtime::value_json(*type_, bytes_) : "?";
}

Contract::Contract(const std::string& name, const std::string& text,
                   const std::filesystem::path& base_dir)
    : name_(name) {
  compiler::SourceFile source(name, text);
  compiler::Diagnostics diags;
  compiler::CompileRequest request;
  request.base_dir = base_dir;
  compiler::Compilation comp = compiler::compile(source, request, diags);
  if (diags.has_errors() || !comp.packaged) {
    FAIL_CHECK(name << " does not compile:\n" << compiler::render_all(source, diags));
    return;
  }
  module_ = comp.packaged->module;
  for (const auto& [entry, bound] : comp.packaged->gas_bound)
    bounds_.emplace_back(entry, bound);
  auto program = vm::load_module(module_, runtime::contract_host_table());
  if (!program) {
    FAIL_CHECK(name << ": the module does not load: " << vm::describe(program.error()));
    return;
  }
  std::string abi_text;
  for (const auto& [k, v] : module_.metadata)
    if (k == "abi") abi_text = v;
  auto abi = runtime::Abi::parse(abi_text);
  if (!abi) {
    FAIL_CHECK(name << ": the ABI does not parse: " << abi.error());
    return;
  }
  abi_ = std::make_unique<runtime::Abi>(std::move(*abi));
  frame_size_ = static_cast<uint32_t>(metadata_number(module_, "frame_size", 8192));
  call_depth_ =
      static_cast<uint32_t>(std::max<uint64_t>(1, metadata_number(module_, "max_call_depth", 8)));
  program_ = std::make_unique<vm::Program>(std::move(*program));
}

Contract Contract::from_file(const std::filesystem::path& path) {
  std::filesystem::path full = std::filesystem::path(COVENANT_SOURCE_DIR) / path;
  return Contract(full.filename().string(), read_source(path), full.parent_path());
}

Outcome Contract::call(const std::string& entry, const std::string& args_json,
                       const runtime::CallerKey& caller, int64_t today) {
  Outcome out;
  const runtime::AbiEntry* abi_entry = abi_ ? abi_->find(entry) : nullptr;
  const vm::Entry* vm_entry = module_.find_entry(entry);
  if (!program_ || !abi_entry || !vm_entry) {
    FAIL_CHECK(name_ << " has no entry " << entry);
    return out;
  }
  auto params = runtime::encode_params(*abi_entry, args_json);
  if (!params) {
    FAIL_CHECK(name_ << "." << entry << ": bad arguments: " << params.error() << "\n" << args_json);
    return out;
  }
  vm::Limits limits;
  limits.frame_size = frame_size_;
  limits.max_call_depth = call_depth_;
  limits.output_size = vm_entry->result_size;
  limits.gas = gas_bound(entry) + 1'000'000;
  runtime::CallContext context;
  context.state = &state_;
  context.today = today;
  context.caller = caller;
  uint64_t mark = state_.checkpoint();
  vm::Outcome o = machine_.run(*program_, vm_entry->slot, *params, limits, &context);
  out.gas_used = o.gas_used;
  if (!o.ok()) {
    out.kind = Outcome::Kind::fault;
    uint64_t kind = runtime::fault_code_kind(o.fault->code);
    out.fault = o.fault->kind == vm::FaultKind::abort
                    ? std::string(runtime::fault_kind_name(kind)) + " at line " +
                          std::to_string(runtime::fault_code_line(o.fault->code))
                    : vm::describe(*o.fault);
  } else if (o.r0 != 0) {
    out.kind = Outcome::Kind::denied;
    out.deny = o.r0;
  } else {
    out.kind = Outcome::Kind::ok;
    auto output = machine_.output();
    out.result.assign(output.begin(), output.end());
    out.events = std::move(context.events);
  }
  if (out.kind != Outcome::Kind::ok) state_.rollback(mark);
  state_.commit();
  return out;
}

View Contract::result(const std::string& entry, const Outcome& outcome) const {
  const runtime::AbiEntry* e = abi_ ? abi_->find(entry) : nullptr;
  REQUIRE(e != nullptr);
  REQUIRE(e->result != nullptr);
  return View(e->result, outcome.result);
}

uint64_t Contract::gas_bound(const std::string& entry) const {
  for (const auto& [name, bound] : bounds_)
    if (name == entry) return bound;
  return 10'000'000;
}

std::string read_source(const std::filesystem::path& relative) {
  std::ifstream in(std::filesystem::path(COVENANT_SOURCE_DIR) / relative, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << relative.string());
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string money_json(int64_t minor_units, int digits, std::string_view currency) {
  uint64_t magnitude =
      minor_units < 0 ? 0 - static_cast<uint64_t>(minor_units) : static_cast<uint64_t>(minor_units);
  std::string out = minor_units < 0 ? "\"-" : "\"";
  if (digits == 0) return out + std::to_string(magnitude) + " " + std::string(currency) + "\"";
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i)
    scale *= 10;
  std::string frac = std::to_string(magnitude % scale);
  frac.insert(0, static_cast<size_t>(digits) - frac.size(), '0');
  return out + std::to_string(magnitude / scale) + "." + frac + " " + std::string(currency) + "\"";
}

std::string rate_json(int64_t billionths) {
  // A percent holds seven decimals: billionths / 10^7 percent.
  uint64_t magnitude =
      billionths < 0 ? 0 - static_cast<uint64_t>(billionths) : static_cast<uint64_t>(billionths);
  std::string frac = std::to_string(magnitude % 10'000'000);
  frac.insert(0, 7 - frac.size(), '0');
  return std::string(billionths < 0 ? "\"-" : "\"") + std::to_string(magnitude / 10'000'000) + "." +
         frac + "%\"";
}

int64_t days_of(int year, int month, int day) {
  return runtime::days_from_civil(year, month, day);
}

std::string date_json(int64_t days) {
  // Howard Hinnant's civil_from_days.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return std::string("\"") + buf + "\"";
}

std::string hex32_json(const std::array<uint8_t, 32>& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string s = "\"";
  for (uint8_t b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s + "\"";
}

}  // namespace covenant::contract_tests
