#include "compiler/sema/types.hpp"

#include "runtime/abi.hpp"

#include <array>

namespace covenant::compiler {

const FieldInfo* RecordInfo::find(const std::string& field) const {
  for (const FieldInfo& f : fields)
    if (f.name == field) return &f;
  return nullptr;
}

int EnumInfo::find(const std::string& variant) const {
  for (size_t i = 0; i < variants.size(); ++i)
    if (variants[i] == variant) return static_cast<int>(i);
  return -1;
}

bool Type::is_word() const {
  switch (kind) {
    case TypeKind::bool_:
    case TypeKind::int_:
    case TypeKind::money:
    case TypeKind::rate:
    case TypeKind::date:
    case TypeKind::enum_:
      return true;
    default:
      return false;
  }
}

bool Type::is_value() const {
  switch (kind) {
    case TypeKind::unit:
    case TypeKind::codeset:
    case TypeKind::table:
    case TypeKind::map:
    case TypeKind::set:
      return false;
    default:
      return true;
  }
}

std::string Type::name() const {
  switch (kind) {
    case TypeKind::unit: return "()";
    case TypeKind::bool_: return "Bool";
    case TypeKind::int_: return "Int";
    case TypeKind::money: return "Money<" + currency + ">";
    case TypeKind::rate: return "Rate";
    case TypeKind::date: return "Date";
    case TypeKind::duration: return "Duration";
    case TypeKind::code: return "Code";
    case TypeKind::hash: return "Hash";
    case TypeKind::pseudonym: return "Pseudonym";
    case TypeKind::key: return "Key";
    case TypeKind::record: return record->name;
    case TypeKind::enum_: return enumeration->name;
    case TypeKind::option: return "Option<" + elem->name() + ">";
    case TypeKind::list: return "List<" + elem->name() + ", " + std::to_string(bound) + ">";
    case TypeKind::codeset: return "codes";
    case TypeKind::table: return "table " + key->name() + " -> " + elem->name();
    case TypeKind::map: return "Map<" + key->name() + ", " + elem->name() + ">";
    case TypeKind::set: return "Set<" + elem->name() + ">";
  }
  return "?";
}

std::optional<uint32_t> currency_minor_digits(const std::string& code) {
  int digits = runtime::currency_digits(code);
  if (digits < 0) return std::nullopt;
  return static_cast<uint32_t>(digits);
}

TypeTable::TypeTable() {
  auto simple = [&](TypeKind k, uint32_t size) {
    Type t;
    t.kind = k;
    t.size = size;
    return intern(t);
  };
  unit_ = simple(TypeKind::unit, 0);
  bool_t_ = simple(TypeKind::bool_, 8);
  int_t_ = simple(TypeKind::int_, 8);
  rate_ = simple(TypeKind::rate, 8);
  date_ = simple(TypeKind::date, 8);
  duration_ = simple(TypeKind::duration, 16);
  code_ = simple(TypeKind::code, 16);
  hash_ = simple(TypeKind::hash, 32);
  pseudonym_ = simple(TypeKind::pseudonym, 32);
  key_ = simple(TypeKind::key, 32);
  codeset_ = simple(TypeKind::codeset, 0);
}

const Type* TypeTable::intern(Type t) {
  auto key = std::make_tuple(static_cast<int>(t.kind), t.currency,
                             static_cast<const void*>(t.elem), static_cast<const void*>(t.key),
                             t.bound);
  if (t.kind == TypeKind::record) std::get<2>(key) = t.record;
  if (t.kind == TypeKind::enum_) std::get<2>(key) = t.enumeration;
  auto it = index_.find(key);
  if (it != index_.end()) return it->second;
  types_.push_back(std::move(t));
  index_.emplace(key, &types_.back());
  return &types_.back();
}

const Type* TypeTable::money(const std::string& currency) {
  Type t;
  t.kind = TypeKind::money;
  t.currency = currency;
  t.size = 8;
  return intern(t);
}

const Type* TypeTable::option(const Type* elem) {
  Type t;
  t.kind = TypeKind::option;
  t.elem = elem;
  t.size = 8 + elem->size;
  return intern(t);
}

const Type* TypeTable::list(const Type* elem, uint64_t bound) {
  Type t;
  t.kind = TypeKind::list;
  t.elem = elem;
  t.bound = bound;
  uint64_t size = 8 + bound * elem->size;
  t.size = size > kMaxValueSize ? static_cast<uint32_t>(kMaxValueSize + 8) : static_cast<uint32_t>(size);
  return intern(t);
}

const Type* TypeTable::table(const Type* key, const Type* value) {
  Type t;
  t.kind = TypeKind::table;
  t.key = key;
  t.elem = value;
  return intern(t);
}

const Type* TypeTable::map(const Type* key, const Type* value) {
  Type t;
  t.kind = TypeKind::map;
  t.key = key;
  t.elem = value;
  return intern(t);
}

const Type* TypeTable::set(const Type* elem) {
  Type t;
  t.kind = TypeKind::set;
  t.elem = elem;
  return intern(t);
}

RecordInfo* TypeTable::add_record(std::string name, Span span) {
  records_.push_back(RecordInfo{std::move(name), {}, 0, span});
  return &records_.back();
}

const Type* TypeTable::record_type(const RecordInfo* record) {
  Type t;
  t.kind = TypeKind::record;
  t.record = record;
  t.size = record->size;
  // The size is fixed once the record is finished; `finish_record` re-interns before use.
  return intern(t);
}

const Type* TypeTable::finish_record(RecordInfo* record) {
  uint64_t offset = 0;
  for (FieldInfo& f : record->fields) {
    f.offset = static_cast<uint32_t>(offset);
    offset += f.type->size;
    if (offset > kMaxValueSize) offset = kMaxValueSize + 8;
  }
  record->size = static_cast<uint32_t>(offset);
  Type* t = const_cast<Type*>(record_type(record));
  t->size = record->size;
  return t;
}

const Type* TypeTable::add_enum(EnumInfo info) {
  enums_.push_back(std::move(info));
  Type t;
  t.kind = TypeKind::enum_;
  t.enumeration = &enums_.back();
  t.size = 8;
  return intern(t);
}

}  // namespace covenant::compiler
