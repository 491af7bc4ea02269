#include "consent/store.hpp"

#include <algorithm>

#include "ledger/codec.hpp"

namespace covenant::consent {

namespace {

// A key starting with `tag`, with room for `rest` more bytes (reserving first also keeps
// GCC 12's -O3 bounds warnings from misfiring on the appends).
std::vector<uint8_t> tagged(std::string_view tag, size_t rest = 0) {
  std::vector<uint8_t> k;
  k.reserve(tag.size() + rest);
  for (char c : tag) k.push_back(static_cast<uint8_t>(c));
  return k;
}

template <size_t N>
void append(std::vector<uint8_t>& out, const std::array<uint8_t, N>& bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void put_be64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

template <size_t N>
void put_list(std::vector<uint8_t>& out, const std::vector<std::array<uint8_t, N>>& items) {
  out.push_back(static_cast<uint8_t>(items.size()));
  for (const auto& i : items) append(out, i);
}

template <size_t N>
bool take_list(ledger::ByteReader& in, std::vector<std::array<uint8_t, N>>& out) {
  auto n = in.take_le(1, "count");
  if (!n) return false;
  for (uint64_t i = 0; i < *n; ++i) {
    auto item = in.take_array<N>("item");
    if (!item) return false;
    out.push_back(*item);
  }
  return true;
}

}  // namespace

std::vector<uint8_t> enrolment_key(const Pseudonym& patient) {
  auto k = tagged("consent/p/", 32);
  append(k, patient);
  return k;
}

std::vector<uint8_t> instance_key(uint64_t id) {
  auto k = tagged("consent/i/", 8);
  put_be64(k, id);
  return k;
}

std::vector<uint8_t> index_prefix(const Pseudonym& patient, const Pseudonym* grantee,
                                  const ledger::Hash* data_class) {
  auto k = tagged("consent/x/", 32 * 3 + 8);
  append(k, patient);
  if (grantee) {
    append(k, *grantee);
    if (data_class) append(k, *data_class);
  }
  return k;
}

std::vector<uint8_t> index_key(const Pseudonym& patient, const Pseudonym& grantee,
                               const ledger::Hash& data_class, uint64_t id) {
  auto k = index_prefix(patient, &grantee, &data_class);
  put_be64(k, id);
  return k;
}

std::vector<uint8_t> next_id_key() { return tagged("consent/n"); }

std::vector<uint8_t> record_key(const ledger::Hash& document) {
  auto k = tagged("consent/d/", 32);
  append(k, document);
  return k;
}

uint64_t id_of_index_key(std::span<const uint8_t> key) {
  uint64_t id = 0;
  for (size_t i = key.size() - 8; i < key.size(); ++i) id = (id << 8) | key[i];
  return id;
}

std::vector<uint8_t> encode_instance(const Instance& i) {
  std::vector<uint8_t> out;
  out.reserve(1 + i.template_name.size() + 4 + 3 * 32 + 2 + 32 * (i.grantees.size() + i.classes.size()) +
              20 + i.terms.size());
  out.push_back(static_cast<uint8_t>(i.template_name.size()));
  out.insert(out.end(), i.template_name.begin(), i.template_name.end());
  ledger::put_u32(out, i.version);
  append(out, i.module_id);
  append(out, i.granter);
  append(out, i.patient);
  put_list(out, i.grantees);
  put_list(out, i.classes);
  ledger::put_u64(out, i.granted_height);
  ledger::put_u64(out, i.revoked_height);
  ledger::put_u32(out, static_cast<uint32_t>(i.terms.size()));
  out.insert(out.end(), i.terms.begin(), i.terms.end());
  return out;
}

std::optional<Instance> decode_instance(uint64_t id, std::span<const uint8_t> bytes) {
  ledger::ByteReader in(bytes);
  Instance i;
  i.id = id;
  auto n = in.take_le(1, "name length");
  if (!n) return std::nullopt;
  auto name = in.take(*n, "name");
  if (!name) return std::nullopt;
  i.template_name.assign(name->begin(), name->end());
  auto version = in.take_le(4, "version");
  auto module_id = in.take_array<32>("module");
  auto granter = in.take_array<32>("granter");
  auto patient = in.take_array<32>("patient");
  if (!version || !module_id || !granter || !patient) return std::nullopt;
  i.version = static_cast<uint32_t>(*version);
  i.module_id = *module_id;
  i.granter = *granter;
  i.patient = *patient;
  if (!take_list(in, i.grantees) || !take_list(in, i.classes)) return std::nullopt;
  auto granted = in.take_le(8, "granted");
  auto revoked = in.take_le(8, "revoked");
  auto terms_length = in.take_le(4, "terms length");
  if (!granted || !revoked || !terms_length) return std::nullopt;
  i.granted_height = *granted;
  i.revoked_height = *revoked;
  auto terms = in.take(*terms_length, "terms");
  if (!terms || !in.finish("instance")) return std::nullopt;
  i.terms.assign(terms->begin(), terms->end());
  return i;
}

std::vector<uint8_t> encode_keys(const std::vector<ledger::PublicKey>& keys) {
  std::vector<uint8_t> out;
  put_list(out, keys);
  return out;
}

std::optional<std::vector<ledger::PublicKey>> decode_keys(std::span<const uint8_t> bytes) {
  ledger::ByteReader in(bytes);
  std::vector<ledger::PublicKey> keys;
  if (!take_list(in, keys) || !in.finish("keys")) return std::nullopt;
  return keys;
}

std::vector<uint8_t> encode_record(const RecordEntry& r) {
  std::vector<uint8_t> out;
  append(out, r.patient);
  append(out, r.data_class);
  ledger::put_u64(out, static_cast<uint64_t>(r.date));
  append(out, r.custodian);
  ledger::put_u64(out, r.height);
  ledger::put_u16(out, static_cast<uint16_t>(r.location.size()));
  out.insert(out.end(), r.location.begin(), r.location.end());
  return out;
}

std::optional<RecordEntry> decode_record(const ledger::Hash& document, std::span<const uint8_t> bytes) {
  ledger::ByteReader in(bytes);
  RecordEntry r;
  r.document = document;
  auto patient = in.take_array<32>("patient");
  auto data_class = in.take_array<32>("class");
  auto date = in.take_le(8, "date");
  auto custodian = in.take_array<32>("custodian");
  auto height = in.take_le(8, "height");
  auto n = in.take_le(2, "location length");
  if (!patient || !data_class || !date || !custodian || !height || !n) return std::nullopt;
  auto loc = in.take(*n, "location");
  if (!loc || !in.finish("record")) return std::nullopt;
  r.patient = *patient;
  r.data_class = *data_class;
  r.date = static_cast<int64_t>(*date);
  r.custodian = *custodian;
  r.height = *height;
  r.location.assign(loc->begin(), loc->end());
  return r;
}

void ids_under(node::BlockState& block, const std::vector<uint8_t>& prefix, std::vector<uint64_t>& out) {
  std::vector<uint8_t> from = prefix;
  while (auto pair = block.seek(from, prefix)) {
    out.push_back(id_of_index_key(pair->key));
    from = std::move(pair->key);
    from.push_back(0);
  }
}

}  // namespace covenant::consent
