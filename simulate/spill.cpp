#include "simulate/spill.hpp"

#include <cerrno>
#include <cstring>

namespace covenant::simulate {
namespace {

void put_varint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void put_signed(int64_t v, std::string& out) {
  put_varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}
void put_string(std::string_view s, std::string& out) {
  put_varint(s.size(), out);
  out.append(s);
}
void put_optional_int(const std::optional<int64_t>& v, std::string& out) {
  out += static_cast<char>(v ? 1 : 0);
  if (v) put_signed(*v, out);
}

// Reads what the put_ functions wrote; any overrun marks the reader failed.
struct Reader {
  std::span<const uint8_t> in;
  size_t pos = 0;
  bool ok = true;

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= in.size()) break;
      uint8_t b = in[pos++];
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
    ok = false;
    return 0;
  }
  int64_t signed_() {
    uint64_t z = varint();
    return static_cast<int64_t>((z >> 1) ^ (0 - (z & 1)));
  }
  uint8_t byte() {
    if (pos >= in.size()) {
      ok = false;
      return 0;
    }
    return in[pos++];
  }
  std::string_view string() {
    uint64_t n = varint();
    if (!ok || n > in.size() - pos) {
      ok = false;
      return {};
    }
    std::string_view s(reinterpret_cast<const char*>(in.data() + pos), n);
    pos += n;
    return s;
  }
  std::optional<int64_t> optional_int() {
    if (byte() == 0) return std::nullopt;
    return signed_();
  }
};

// A frame: length, then kind, seq, member, (today for calls), then the body.
void frame(SpilledRecord::Kind kind, uint64_t seq, int64_t today, std::string_view member,
           const std::string& body, std::string& out) {
  std::string head;
  head += static_cast<char>(kind);
  put_varint(seq, head);
  put_signed(today, head);
  put_string(member, head);
  put_varint(head.size() + body.size(), out);
  out += head;
  out += body;
}

thread_local std::string scratch;

}  // namespace

void append_claim(uint64_t seq, const claims::Claim& c, std::string& out) {
  std::string& b = scratch;
  b.clear();
  put_string(c.id, b);
  put_string(c.provider, b);
  put_string(c.currency, b);
  put_signed(c.received, b);
  b += static_cast<char>(c.frequency);
  b += static_cast<char>(c.replaces ? 1 : 0);
  if (c.replaces) put_string(*c.replaces, b);
  put_varint(c.diagnoses.size(), b);
  for (const auto& d : c.diagnoses) put_string(d, b);
  b += static_cast<char>(c.other_coverage ? 1 : 0);
  put_optional_int(c.enrolled, b);
  put_optional_int(c.plan, b);
  put_optional_int(c.secondary_plan, b);
  put_string(c.service, b);
  put_string(c.location, b);
  put_varint(c.lines.size(), b);
  for (const auto& l : c.lines) {
    put_string(l.code, b);
    put_varint(l.modifiers.size(), b);
    for (const auto& m : l.modifiers) put_string(m, b);
    put_signed(l.units, b);
    put_signed(l.charge, b);
    put_signed(l.service_date, b);
    put_string(l.place, b);
    put_varint(l.diagnosis_pointers.size(), b);
    for (int64_t p : l.diagnosis_pointers) put_signed(p, b);
    b += static_cast<char>(l.prior_auth ? 1 : 0);
    if (l.prior_auth) put_string(*l.prior_auth, b);
  }
  frame(SpilledRecord::Kind::claim, seq, c.received, c.member, b, out);
}

void append_call(uint64_t seq, int64_t today, const claims::Call& call, std::string& out) {
  std::string& b = scratch;
  b.clear();
  put_string(call.entry, b);
  put_string(call.args_json, b);
  put_string(call.location, b);
  frame(SpilledRecord::Kind::call, seq, today, call.member, b, out);
}

Expected<std::vector<SpilledRecord>, std::string> split_records(std::span<const uint8_t> bytes) {
  std::vector<SpilledRecord> out;
  Reader r{bytes};
  while (r.ok && r.pos < bytes.size()) {
    uint64_t len = r.varint();
    if (!r.ok || len > bytes.size() - r.pos) {
      r.ok = false;
      break;
    }
    Reader f{bytes.subspan(r.pos, len)};
    r.pos += len;
    SpilledRecord rec;
    uint8_t kind = f.byte();
    rec.kind = static_cast<SpilledRecord::Kind>(kind);
    rec.seq = f.varint();
    rec.today = f.signed_();
    rec.member = f.string();
    if (!f.ok || (kind != 1 && kind != 2)) {
      r.ok = false;
      break;
    }
    rec.body = f.in.subspan(f.pos);
    out.push_back(rec);
  }
  if (!r.ok) return unexpected(std::string("a scratch file is damaged (truncated or overwritten)"));
  return out;
}

Expected<void, std::string> decode_claim(std::span<const uint8_t> body, claims::Claim& c) {
  Reader r{body};
  std::string member = std::move(c.member);
  c.clear();
  c.member = std::move(member);
  c.id = r.string();
  c.provider = r.string();
  c.currency = r.string();
  c.received = r.signed_();
  c.frequency = static_cast<claims::Frequency>(r.byte());
  if (r.byte()) c.replaces = std::string(r.string());
  uint64_t n = r.varint();
  for (uint64_t i = 0; r.ok && i < n; ++i) c.diagnoses.emplace_back(r.string());
  c.other_coverage = r.byte() != 0;
  c.enrolled = r.optional_int();
  c.plan = r.optional_int();
  c.secondary_plan = r.optional_int();
  c.service = r.string();
  c.location = r.string();
  uint64_t lines = r.varint();
  for (uint64_t i = 0; r.ok && i < lines; ++i) {
    claims::Line& l = c.lines.emplace_back();
    l.code = r.string();
    uint64_t m = r.varint();
    for (uint64_t j = 0; r.ok && j < m; ++j) l.modifiers.emplace_back(r.string());
    l.units = r.signed_();
    l.charge = r.signed_();
    l.service_date = r.signed_();
    l.place = r.string();
    uint64_t p = r.varint();
    for (uint64_t j = 0; r.ok && j < p; ++j) l.diagnosis_pointers.push_back(r.signed_());
    if (r.byte()) l.prior_auth = std::string(r.string());
  }
  if (!r.ok || r.pos != body.size()) return unexpected(std::string("a scratch claim record is damaged"));
  return {};
}

Expected<void, std::string> decode_call(std::span<const uint8_t> body, claims::Call& call) {
  Reader r{body};
  call.entry = r.string();
  call.args_json = r.string();
  call.location = r.string();
  if (!r.ok || r.pos != body.size()) return unexpected(std::string("a scratch call record is damaged"));
  return {};
}

Expected<SpillWriter, std::string> SpillWriter::create(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return unexpected(path.string() + ": cannot create: " + std::strerror(errno));
  return SpillWriter(f, path);
}

SpillWriter::SpillWriter(SpillWriter&& o) noexcept
    : file_(o.file_), path_(std::move(o.path_)), buffer_(std::move(o.buffer_)), written_(o.written_) {
  o.file_ = nullptr;
}

SpillWriter& SpillWriter::operator=(SpillWriter&& o) noexcept {
  if (this != &o) {
    if (file_) std::fclose(file_);
    file_ = o.file_;
    o.file_ = nullptr;
    path_ = std::move(o.path_);
    buffer_ = std::move(o.buffer_);
    written_ = o.written_;
  }
  return *this;
}

SpillWriter::~SpillWriter() {
  if (file_) std::fclose(file_);
}

Expected<void, std::string> SpillWriter::maybe_flush(size_t threshold) {
  if (buffer_.size() <= threshold) return {};
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    return unexpected(path_.string() + ": cannot write: " + std::strerror(errno));
  written_ += buffer_.size();
  buffer_.clear();
  return {};
}

Expected<void, std::string> SpillWriter::close() {
  if (!file_) return {};
  auto ok = maybe_flush(0);
  bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok) return ok;
  if (!closed) return unexpected(path_.string() + ": cannot write: " + std::strerror(errno));
  return {};
}

Expected<std::vector<uint8_t>, std::string> read_spill(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return unexpected(path.string() + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return unexpected(path.string() + ": cannot read: " + std::strerror(errno));
  return bytes;
}

}  // namespace covenant::simulate
