#include "compiler/sema/literal_bytes.hpp"

#include <openssl/evp.h>

#include <cstring>

#include "compiler/sema/sema.hpp"
#include "vm/hex.hpp"

namespace covenant::compiler {

std::array<uint8_t, 32> hash_literal_bytes(const ast::Expr& argument) {
  std::array<uint8_t, 32> out{};
  if (argument.kind == ast::ExprKind::hash_lit) {
    for (size_t i = 0; i < 32 && 2 * i + 1 < argument.text.size(); ++i) {
      out[i] = static_cast<uint8_t>(covenant::hex_digit(argument.text[2 * i]) * 16 +
                                    covenant::hex_digit(argument.text[2 * i + 1]));
    }
    return out;
  }
  unsigned int size = 0;
  EVP_Digest(argument.text.data(), argument.text.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

std::pair<int64_t, int64_t> duration_parts(const ast::Expr& literal) {
  if (literal.unit == "year") return {literal.int_value * 12, 0};
  if (literal.unit == "month") return {literal.int_value, 0};
  return {0, literal.int_value};
}

void put_word(std::vector<uint8_t>& out, int64_t v) {
  uint64_t u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(u >> (8 * i)));
}

namespace {
int64_t word_at(const std::vector<uint8_t>& b) {
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | b[static_cast<size_t>(i)];
  return static_cast<int64_t>(u);
}
}  // namespace

bool key_less(const Type* key, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (key->kind == TypeKind::code) return std::memcmp(a.data(), b.data(), 16) < 0;
  return word_at(a) < word_at(b);
}

namespace sema {

std::optional<std::vector<uint8_t>> Sema::constant_bytes(const ast::Expr& e) {
  using ast::ExprKind;
  std::vector<uint8_t> bytes;
  auto fail = [&]() -> std::optional<std::vector<uint8_t>> {
    error(Diag::not_constant, e.span, "a table entry must be a literal or a constant",
          "compute it once in a `const`, or write the value itself");
    return std::nullopt;
  };
  switch (e.kind) {
    case ExprKind::int_lit:
    case ExprKind::money_lit:
    case ExprKind::bool_lit:
      put_word(bytes, e.int_value);
      return bytes;
    case ExprKind::rate_lit:
      put_word(bytes, e.int_value2);
      return bytes;
    case ExprKind::date_lit:
      put_word(bytes, days_from_civil(e.int_value, e.int_value2, e.int_value3));
      return bytes;
    case ExprKind::duration_lit: {
      auto [months, days] = duration_parts(e);
      put_word(bytes, months);
      put_word(bytes, days);
      return bytes;
    }
    case ExprKind::string_lit: {
      auto b = code_bytes(e.text);
      return std::vector<uint8_t>(b.begin(), b.end());
    }
    case ExprKind::hash_lit: {
      auto b = hash_literal_bytes(e);
      return std::vector<uint8_t>(b.begin(), b.end());
    }
    case ExprKind::none_lit:
      return std::vector<uint8_t>(e.type->size, 0);
    case ExprKind::some: {
      auto inner = constant_bytes(*e.args[0]);
      if (!inner) return std::nullopt;
      put_word(bytes, 1);
      bytes.insert(bytes.end(), inner->begin(), inner->end());
      return bytes;
    }
    case ExprKind::name:
      if (e.ref != ast::Ref::constant) return fail();
      return constant_bytes(*out.constants[e.ref_index].decl->value);
    case ExprKind::unary: {
      const ast::Expr& a = *e.args[0];
      if (e.op != ast::Op::neg) return fail();
      auto inner = constant_bytes(a);
      if (!inner) return std::nullopt;
      int64_t v = 0;
      std::memcpy(&v, inner->data(), 8);
      if (v == INT64_MIN) {
        error(Diag::number_out_of_range, e.span, "negating this value overflows 64 bits");
        return std::nullopt;
      }
      put_word(bytes, -v);
      return bytes;
    }
    case ExprKind::field:
      if (e.ref != ast::Ref::variant) return fail();
      put_word(bytes, e.ref_index);
      return bytes;
    case ExprKind::record_lit: {
      const RecordInfo& r = *e.type->record;
      for (const FieldInfo& f : r.fields) {
        for (const ast::FieldInit& init : e.inits) {
          if (init.name.name != f.name) continue;
          auto v = constant_bytes(*init.value);
          if (!v) return std::nullopt;
          bytes.insert(bytes.end(), v->begin(), v->end());
        }
      }
      return bytes;
    }
    case ExprKind::list_lit: {
      put_word(bytes, static_cast<int64_t>(e.args.size()));
      for (const auto& a : e.args) {
        auto v = constant_bytes(*a);
        if (!v) return std::nullopt;
        bytes.insert(bytes.end(), v->begin(), v->end());
      }
      bytes.resize(e.type->size, 0);
      return bytes;
    }
    case ExprKind::call: {
      if (e.ref != ast::Ref::builtin) return fail();
      auto b = static_cast<Builtin>(e.ref_index);
      if (b == Builtin::pseudonym || b == Builtin::hash || b == Builtin::key) {
        auto h = hash_literal_bytes(*e.args[0]);
        return std::vector<uint8_t>(h.begin(), h.end());
      }
      return fail();
    }
    default:
      return fail();
  }
}

}  // namespace sema
}  // namespace covenant::compiler
