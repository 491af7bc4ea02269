#include "tests/compiler/random_values.hpp"

#include <algorithm>
#include <cstring>

#include "compiler/sema/literal_bytes.hpp"

namespace covenant::compiler::testing {
namespace {

void write_word(uint8_t* p, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(u >> (8 * i));
}

int64_t read_word(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}

const int64_t kDayMin = days_from_civil(1, 1, 1);
const int64_t kDayMax = days_from_civil(9999, 12, 31);

std::array<uint8_t, 16> to_code(const std::vector<uint8_t>& bytes) {
  std::array<uint8_t, 16> c{};
  std::copy_n(bytes.begin(), std::min<size_t>(16, bytes.size()), c.begin());
  return c;
}

}  // namespace

ValueGen::ValueGen(const Checked& checked, uint64_t seed) : C_(checked), rng_(seed) {
  for (const ConstInfo& c : checked.constants) harvest(*c.decl->value);
  for (const FunctionInfo& f : checked.functions) harvest(f.decl->body);
  for (const TableInfo& t : checked.tables) {
    for (const auto& [k, v] : t.entries) {
      switch (t.key->kind) {
        case TypeKind::code: codes_.push_back(to_code(k)); break;
        case TypeKind::date: dates_.push_back(read_word(k.data())); break;
        case TypeKind::int_: ints_.push_back(read_word(k.data())); break;
        default: break;
      }
    }
  }
  for (const CodeSetInfo& s : checked.codesets) {
    for (const CodeSetInfo::Member& m : s.members) {
      codes_.push_back(m.low);
      if (m.kind == CodeSetInfo::Member::Kind::range) codes_.push_back(m.high);
      // Neighbours of the boundaries: the last character one up and one down.
      for (const auto& edge : {m.low, m.high}) {
        size_t n = 0;
        while (n < 16 && edge[n] != 0) ++n;
        if (n == 0) continue;
        for (int delta : {-1, 1}) {
          auto c = edge;
          int ch = c[n - 1] + delta;
          if (ch > ' ' && ch < 127) {
            c[n - 1] = static_cast<uint8_t>(ch);
            codes_.push_back(c);
          }
        }
        if (n < 16) {  // a longer code with this start (inside a prefix, past a range end)
          auto c = edge;
          c[n] = '0';
          codes_.push_back(c);
        }
        if (n > 1) {  // a shorter one
          auto c = edge;
          c[n - 1] = 0;
          codes_.push_back(c);
        }
        if (m.kind != CodeSetInfo::Member::Kind::range) break;
      }
    }
  }
  // A small pool of hashes so calls meet each other's state, plus the contract's own.
  for (int i = 0; i < 5; ++i) {
    std::array<uint8_t, 32> h{};
    for (auto& b : h) b = static_cast<uint8_t>(rng_());
    hashes_.push_back(h);
  }
  for (int64_t v : std::initializer_list<int64_t>{0, 1, -1, 2, -2, 7, 12, 100, 1000, (int64_t{1} << 31), (int64_t{1} << 32),
                    INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, INT64_MAX / 2, INT64_MIN / 2})
    ints_.push_back(v);
  for (int64_t v : std::initializer_list<int64_t>{0, 1, -1, 100, 2500, 9999, 100000, 1000000, INT64_MAX, INT64_MIN,
                    INT64_MAX - 1, INT64_MIN + 1, INT64_MAX / 2, INT64_MIN / 2, 9223372036854775})
    money_.push_back(v);
  for (int64_t v : std::initializer_list<int64_t>{0, 1, -1, 1'000'000'000, 125'000'000, 500'000'000, 200'000'000,
                    999'999'999, 1'000'000'001, 2'000'000'000, 1'500'000, INT64_MAX, INT64_MIN})
    rates_.push_back(v);
  for (int64_t v : std::initializer_list<int64_t>{0, 1, -1, 12, -12, 28, 29, 30, 31, -31, 365, -365, 3652059,
                    -3652059, 120000, -120000, INT64_MAX, INT64_MIN, INT64_MAX / 12 + 1})
    durations_.push_back(v);
  for (int64_t v : std::initializer_list<int64_t>{kDayMin, kDayMin + 1, kDayMax, kDayMax - 1, days_from_civil(2027, 1, 1),
                    days_from_civil(2027, 12, 31), days_from_civil(2028, 2, 29), days_from_civil(2027, 1, 31),
                    days_from_civil(1970, 1, 1), days_from_civil(9999, 12, 1), days_from_civil(1, 1, 31)})
    dates_.push_back(v);
  for (const char* c : {"0", "A", "99213", "ZZZZZZZZZZZZZZZZ", "!", "~~~~"}) {
    std::array<uint8_t, 16> code{};
    std::memcpy(code.data(), c, std::strlen(c));
    codes_.push_back(code);
  }
}

void ValueGen::harvest(const ast::Block& b) {
  for (const auto& st : b.stmts) {
    for (const ast::ExprPtr* e : {&st->value, &st->cond, &st->target, &st->range_end, &st->deny_code})
      if (*e) harvest(**e);
    harvest(st->then_block);
    if (st->else_block) harvest(*st->else_block);
    for (const ast::MatchArm& arm : st->arms) harvest(arm.body);
  }
}

void ValueGen::harvest(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::int_lit:
      for (int64_t d : {-1, 0, 1})
        if ((d < 0 && e.int_value > INT64_MIN) || (d > 0 && e.int_value < INT64_MAX) || d == 0)
          ints_.push_back(e.int_value + d);
      break;
    case ast::ExprKind::money_lit:
      for (int64_t d : {-1, 0, 1})
        money_.push_back(static_cast<int64_t>(static_cast<uint64_t>(e.int_value) + static_cast<uint64_t>(d)));
      break;
    case ast::ExprKind::rate_lit:
      rates_.push_back(e.int_value2);
      break;
    case ast::ExprKind::date_lit: {
      int64_t d = days_from_civil(e.int_value, e.int_value2, e.int_value3);
      for (int64_t delta : {-1, 0, 1}) dates_.push_back(d + delta);
      break;
    }
    case ast::ExprKind::duration_lit:
      durations_.push_back(e.int_value);
      break;
    case ast::ExprKind::string_lit:
      if (!e.text.empty() && e.text.size() <= 16) codes_.push_back(code_bytes(e.text));
      break;
    case ast::ExprKind::hash_lit:
      hashes_.push_back(hash_literal_bytes(e));
      break;
    case ast::ExprKind::call:
      if (e.ref == ast::Ref::builtin && (e.ref_index == static_cast<uint32_t>(Builtin::pseudonym) ||
                                         e.ref_index == static_cast<uint32_t>(Builtin::hash) ||
                                         e.ref_index == static_cast<uint32_t>(Builtin::key))) {
        hashes_.push_back(hash_literal_bytes(*e.args[0]));
        return;
      }
      break;
    default:
      break;
  }
  for (const auto& a : e.args) harvest(*a);
  for (const ast::FieldInit& i : e.inits) harvest(*i.value);
  for (const ast::MatchArm& arm : e.arms)
    if (arm.value) harvest(*arm.value);
}

int64_t ValueGen::uniform(int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
}

bool ValueGen::chance(int percent) { return uniform(0, 99) < percent; }

int64_t ValueGen::edge_int() {
  int64_t base = chance(50) ? INT64_MAX : INT64_MIN;
  return base > 0 ? base - uniform(0, 1000) : base + uniform(0, 1000);
}

int64_t ValueGen::int_value() {
  int r = static_cast<int>(uniform(0, 99));
  if (r < 35) return pick(ints_);
  if (r < 60) return uniform(-20, 20);
  if (r < 75) return uniform(-1'000'000, 1'000'000);
  if (r < 85) return edge_int();
  return static_cast<int64_t>(rng_());
}

int64_t ValueGen::money_value(const Type* t) {
  int r = static_cast<int>(uniform(0, 99));
  int64_t scale = t->currency == "JPY" ? 1 : 100;
  if (r < 35) return pick(money_);
  if (r < 65) return uniform(0, 5000) * scale + (chance(50) ? 0 : uniform(0, scale - 1));
  if (r < 75) return -uniform(0, 5000) * scale;
  if (r < 85) return edge_int();
  if (r < 92) return uniform(INT64_MIN / 1000, INT64_MAX / 1000);
  return static_cast<int64_t>(rng_());
}

int64_t ValueGen::rate_value() {
  int r = static_cast<int>(uniform(0, 99));
  if (r < 50) return pick(rates_);
  if (r < 80) return uniform(0, 100) * 10'000'000;
  if (r < 95) return uniform(-2'000'000'000, 2'000'000'000);
  return static_cast<int64_t>(rng_());
}

int64_t ValueGen::date_value() {
  int r = static_cast<int>(uniform(0, 99));
  if (r < 40) return pick(dates_);
  if (r < 60) {  // a month end
    int64_t y = chance(50) ? uniform(2024, 2030) : uniform(1, 9999);
    int64_t m = uniform(1, 12);
    int64_t first_next = m == 12 ? (y == 9999 ? kDayMax + 1 : days_from_civil(y + 1, 1, 1))
                                 : days_from_civil(y, m + 1, 1);
    return first_next - 1;
  }
  if (r < 85) return days_from_civil(2027, 1, 1) + uniform(-400, 800);
  return uniform(kDayMin, kDayMax);
}

int64_t ValueGen::duration_part() {
  int r = static_cast<int>(uniform(0, 99));
  if (r < 40) return pick(durations_);
  if (r < 80) return uniform(-40, 40);
  if (r < 92) return uniform(-4'000'000, 4'000'000);
  return static_cast<int64_t>(rng_());
}

std::array<uint8_t, 16> ValueGen::code_value() {
  if (!codes_.empty() && chance(75)) {
    auto c = pick(codes_);
    if (chance(20)) {  // vary the last character or append digits
      size_t n = 0;
      while (n < 16 && c[n] != 0) ++n;
      if (n < 16 && chance(50))
        c[n] = static_cast<uint8_t>('0' + uniform(0, 9));
      else if (n > 0)
        c[n - 1] = static_cast<uint8_t>(uniform('!', '~'));
    }
    return c;
  }
  std::array<uint8_t, 16> c{};
  auto n = static_cast<size_t>(uniform(1, 16));
  for (size_t i = 0; i < n; ++i) c[i] = static_cast<uint8_t>(chance(70) ? uniform('0', '9') : uniform('!', '~'));
  return c;
}

int64_t ValueGen::today() {
  int r = static_cast<int>(uniform(0, 99));
  if (r < 5) return chance(50) ? kDayMin + uniform(0, 40) : kDayMax - uniform(0, 40);
  if (r < 60 && !dates_.empty()) return std::clamp(pick(dates_) + uniform(-3, 3), kDayMin, kDayMax);
  return days_from_civil(2027, 1, 1) + uniform(-400, 800);
}

void ValueGen::value(const Type* t, uint8_t* out) {
  std::memset(out, 0, t->size);
  switch (t->kind) {
    case TypeKind::bool_: write_word(out, uniform(0, 1)); return;
    case TypeKind::int_: write_word(out, int_value()); return;
    case TypeKind::money: write_word(out, money_value(t)); return;
    case TypeKind::rate: write_word(out, rate_value()); return;
    case TypeKind::date: write_word(out, date_value()); return;
    case TypeKind::enum_:
      write_word(out, uniform(0, static_cast<int64_t>(t->enumeration->variants.size()) - 1));
      return;
    case TypeKind::duration: {
      int r = static_cast<int>(uniform(0, 99));
      // Mostly one part, as written in contracts (`3 months`, `30 days`).
      int64_t months = r < 40 ? duration_part() : r < 70 ? 0 : duration_part();
      int64_t days = r < 40 ? 0 : duration_part();
      write_word(out, months);
      write_word(out + 8, days);
      return;
    }
    case TypeKind::code: {
      auto c = code_value();
      std::memcpy(out, c.data(), 16);
      return;
    }
    case TypeKind::hash:
    case TypeKind::pseudonym:
    case TypeKind::key: {
      if (chance(85)) {
        std::memcpy(out, pick(hashes_).data(), 32);
      } else {
        for (size_t i = 0; i < 32; ++i) out[i] = static_cast<uint8_t>(rng_());
      }
      return;
    }
    case TypeKind::option:
      if (chance(30)) return;
      write_word(out, 1);
      value(t->elem, out + 8);
      return;
    case TypeKind::list: {
      auto bound = static_cast<int64_t>(t->bound);
      int r = static_cast<int>(uniform(0, 99));
      int64_t len = r < 30 ? uniform(0, std::min<int64_t>(2, bound))
                  : r < 45 ? bound
                  : r < 55 ? std::max<int64_t>(0, bound - 1)
                           : uniform(0, bound);
      write_word(out, len);
      for (int64_t i = 0; i < len; ++i) value(t->elem, out + 8 + static_cast<size_t>(i) * t->elem->size);
      return;
    }
    case TypeKind::record:
      for (const FieldInfo& f : t->record->fields) value(f.type, out + f.offset);
      return;
    default:
      return;
  }
}

// Fills the bytes of the value at `at` that no reading depends on with random bytes.
void ValueGen::dirty(const Type* t, uint8_t* at) {
  switch (t->kind) {
    case TypeKind::option:
      if (read_word(at) == 0) {
        for (uint32_t i = 0; i < t->elem->size; ++i) at[8 + i] = static_cast<uint8_t>(rng_());
      } else {
        dirty(t->elem, at + 8);
      }
      return;
    case TypeKind::list: {
      auto len = static_cast<uint64_t>(read_word(at));
      for (uint64_t i = 0; i < len; ++i) dirty(t->elem, at + 8 + i * t->elem->size);
      for (uint64_t i = 8 + len * t->elem->size; i < t->size; ++i) at[i] = static_cast<uint8_t>(rng_());
      return;
    }
    case TypeKind::record:
      for (const FieldInfo& f : t->record->fields) dirty(f.type, at + f.offset);
      return;
    default:
      return;
  }
}

std::vector<uint8_t> ValueGen::params(const FunctionInfo& f) {
  std::vector<uint8_t> block(f.param_size, 0);
  size_t off = 0;
  bool garbage = chance(20);
  for (const Type* p : f.params) {
    value(p, block.data() + off);
    if (garbage) dirty(p, block.data() + off);
    off += p->size;
  }
  return block;
}

std::array<uint8_t, 32> ValueGen::caller() {
  std::array<uint8_t, 32> key{};
  if (chance(25)) return key;
  std::memcpy(key.data(), pick(hashes_).data(), 32);
  return key;
}

}  // namespace covenant::compiler::testing
