// Pass 1, names: the contract's settings, its types (records and enums), and the name and type
// of every constant, table, code set, state and function. Bodies and values are pass 2's.

#include <algorithm>

#include "compiler/sema/sema.hpp"
#include "runtime/host_abi.hpp"

namespace covenant::compiler::sema {
namespace {

std::optional<Rounding> rounding_named(const std::string& name) {
  if (name == "half_up") return Rounding::half_up;
  if (name == "half_even") return Rounding::half_even;
  if (name == "down") return Rounding::down;
  if (name == "up") return Rounding::up;
  return std::nullopt;
}

bool is_builtin_type_name(const std::string& n) {
  static const char* const kNames[] = {"Bool", "Int", "Money", "Rate", "Date", "Duration", "Code",
                                       "Hash", "Pseudonym", "Option", "List", "Map", "Set"};
  for (const char* k : kNames)
    if (n == k) return true;
  return false;
}

// A code-set member text: 1..16 printable ASCII characters, no spaces.
bool valid_code_text(const std::string& s) {
  if (s.empty() || s.size() > 16) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 127; });
}

uint64_t runtime_state_limit() { return runtime::kMaxStateBytes; }

}  // namespace

Sema::Sema(const SourceFile& source, ast::Contract& contract, Diagnostics& diags,
           const CheckOptions& options)
    : source_(source), contract_(contract), diags_(diags), options_(options) {
  out.source = &source;
  out.contract = &contract;
  out.types = std::make_unique<TypeTable>();
  out.name = contract.header.name.name;
  out.version = contract.header.version;
}

const Type* Sema::resolve_type(const ast::TypeExpr& t) {
  TypeTable& types = *out.types;
  const std::string& n = t.name.name;
  auto arity = [&](size_t want) {
    if (t.args.size() == want) return true;
    error(Diag::invalid_type_argument, t.span,
          "`" + n + "` takes " + std::to_string(want) + " type argument" + (want == 1 ? "" : "s") +
              ", not " + std::to_string(t.args.size()));
    return false;
  };
  auto value_arg = [&](const ast::TypeExpr& a) -> const Type* {
    if (a.number) {
      error(Diag::invalid_type_argument, a.span, "expected a type here, not a number");
      return nullptr;
    }
    const Type* r = resolve_type(a);
    if (r && !r->is_value()) {
      error(Diag::invalid_state_type, a.span, "`" + r->name() + "` is not a value type");
      return nullptr;
    }
    return r;
  };
  if (t.number) {
    error(Diag::invalid_type_argument, t.span, "expected a type, found a number");
    return nullptr;
  }
  if (n == "Money") {
    if (t.args.empty()) {
      if (currency_.empty()) {
        error(Diag::no_currency, t.span, "`Money` needs a currency",
              "write `Money<USD>`, or declare `currency USD` after the contract header");
        return nullptr;
      }
      return types.money(currency_);
    }
    if (!arity(1)) return nullptr;
    const std::string& c = t.args[0].name.name;
    if (t.args[0].number || !t.args[0].args.empty() || !currency_minor_digits(c)) {
      error(Diag::unknown_currency, t.args[0].span, "`" + c + "` is not a supported currency",
            "supported: CAD, CHF, CNY, EUR, GBP, JPY, USD");
      return nullptr;
    }
    return types.money(c);
  }
  static const std::pair<const char*, const Type* (TypeTable::*)() const> kSimple[] = {
      {"Bool", &TypeTable::bool_}, {"Int", &TypeTable::int_},   {"Rate", &TypeTable::rate},
      {"Date", &TypeTable::date},  {"Duration", &TypeTable::duration},
      {"Code", &TypeTable::code},  {"Hash", &TypeTable::hash},  {"Pseudonym", &TypeTable::pseudonym}};
  for (auto& [name, fn] : kSimple) {
    if (n == name) return arity(0) ? (types.*fn)() : nullptr;
  }
  if (n == "Option") {
    if (!arity(1)) return nullptr;
    const Type* e = value_arg(t.args[0]);
    return e ? types.option(e) : nullptr;
  }
  if (n == "List") {
    if (!arity(2)) return nullptr;
    const Type* e = value_arg(t.args[0]);
    if (!t.args[1].number || *t.args[1].number == 0) {
      error(Diag::invalid_type_argument, t.args[1].span,
            "the second argument of `List` is its maximum length, a positive number",
            "for example `List<Line, 50>`");
      return nullptr;
    }
    if (!e) return nullptr;
    uint64_t bound = *t.args[1].number;
    if (bound > kMaxValueSize || 8 + bound * e->size > kMaxValueSize) {
      error(Diag::too_large, t.span,
            "`" + t.name.name + "` of " + std::to_string(bound) + " elements is larger than " +
                std::to_string(kMaxValueSize) + " bytes");
      return nullptr;
    }
    return types.list(e, bound);
  }
  if (n == "Map" || n == "Set") {
    if (!arity(n == "Map" ? 2 : 1)) return nullptr;
    const Type* k = value_arg(t.args[0]);
    const Type* v = n == "Map" ? value_arg(t.args[1]) : nullptr;
    if (!k || (n == "Map" && !v)) return nullptr;
    return n == "Map" ? types.map(k, v) : types.set(k);
  }
  auto it = type_names_.find(n);
  if (it != type_names_.end()) {
    if (!t.args.empty()) {
      error(Diag::invalid_type_argument, t.span, "`" + n + "` takes no type arguments");
      return nullptr;
    }
    return it->second;
  }
  error(Diag::unknown_type, t.name.span, "unknown type `" + n + "`",
        "built-in types: Bool, Int, Money, Rate, Date, Duration, Code, Hash, Pseudonym, "
        "Option<T>, List<T, N>");
  return nullptr;
}

// Lays out `record`, first laying out every record it contains. `state` per record: 0 not
// started, 1 in progress, 2 done (so a record that contains itself is found).
const Type* Sema::resolve_record_fields(RecordInfo* record, std::vector<int>& state) {
  size_t index = 0;
  for (; index < out.records.size(); ++index)
    if (out.records[index]->record == record) break;
  if (state[index] == 2) return out.records[index];
  if (state[index] == 1) return nullptr;
  state[index] = 1;
  const ast::RecordDecl& decl = *record_decls_.at(record);
  record->fields.clear();
  bool ok = true;
  for (const ast::FieldDecl& f : decl.fields) {
    for (const FieldInfo& prev : record->fields) {
      if (prev.name == f.name.name) {
        error(Diag::duplicate_field, f.name.span,
              "field `" + f.name.name + "` is declared twice in `" + record->name + "`");
        ok = false;
      }
    }
    // A field whose type is (or holds) a record needs that record laid out first.
    const ast::TypeExpr* inner = &f.type;
    while (!inner->args.empty() && (inner->name.name == "Option" || inner->name.name == "List"))
      inner = &inner->args[0];
    auto named = type_names_.find(inner->name.name);
    if (named != type_names_.end() && named->second->kind == TypeKind::record) {
      RecordInfo* dep = const_cast<RecordInfo*>(named->second->record);
      if (!resolve_record_fields(dep, state)) {
        error(Diag::recursive_type, f.type.span,
              "record `" + record->name + "` contains itself through field `" + f.name.name + "`",
              "a record cannot hold itself; store a key (a Hash) and look it up instead");
        ok = false;
        continue;
      }
    }
    const Type* ft = resolve_type(f.type);
    if (ft && (ft->kind == TypeKind::map || ft->kind == TypeKind::set)) {
      error(Diag::invalid_state_type, f.type.span, "`" + ft->name() + "` can only be a `state`");
      ft = nullptr;
    }
    if (!ft) {
      ok = false;
      continue;
    }
    record->fields.push_back({f.name.name, ft, 0, f.name.span});
  }
  const Type* t = out.types->finish_record(record);
  if (t->size > kMaxValueSize) {
    error(Diag::too_large, decl.name.span,
          "record `" + record->name + "` is larger than " + std::to_string(kMaxValueSize) + " bytes");
    ok = false;
  }
  state[index] = 2;
  (void)ok;  // errors are reported; the record keeps the fields that resolved
  return t;
}

void Sema::declare() {
  const ast::Header& h = contract_.header;
  if (h.currency) {
    if (currency_minor_digits(h.currency->name)) {
      currency_ = h.currency->name;
    } else {
      error(Diag::unknown_currency, h.currency->span,
            "`" + h.currency->name + "` is not a supported currency",
            "supported: CAD, CHF, CNY, EUR, GBP, JPY, USD");
    }
  }
  if (h.rounding) {
    out.rounding = rounding_named(h.rounding->name);
    if (!out.rounding) {
      error(Diag::unknown_name, h.rounding->span,
            "unknown rounding mode `" + h.rounding->name + "`",
            "use half_up, half_even, down or up");
    }
  }

  // Types first: every record and enum name, so declarations may refer to later ones.
  for (ast::Decl& d : contract_.decls) {
    if (auto* r = std::get_if<ast::RecordDecl>(&d)) {
      if (is_builtin_type_name(r->name.name) || type_names_.count(r->name.name)) {
        error(Diag::duplicate_name, r->name.span, "type `" + r->name.name + "` is already declared");
        continue;
      }
      RecordInfo* info = out.types->add_record(r->name.name, r->name.span);
      record_decls_[info] = r;
      const Type* t = out.types->record_type(info);
      type_names_[r->name.name] = t;
      out.records.push_back(t);
    } else if (auto* e = std::get_if<ast::EnumDecl>(&d)) {
      if (is_builtin_type_name(e->name.name) || type_names_.count(e->name.name)) {
        error(Diag::duplicate_name, e->name.span, "type `" + e->name.name + "` is already declared");
        continue;
      }
      EnumInfo info{e->name.name, {}, e->name.span};
      for (const ast::Ident& v : e->variants) {
        if (info.find(v.name) >= 0) {
          error(Diag::duplicate_name, v.span,
                "variant `" + v.name + "` appears twice in `" + e->name.name + "`");
          continue;
        }
        info.variants.push_back(v.name);
      }
      const Type* t = out.types->add_enum(std::move(info));
      type_names_[e->name.name] = t;
      out.enums.push_back(t);
    }
  }
  std::vector<int> state(out.records.size(), 0);
  for (size_t i = 0; i < out.records.size(); ++i)
    resolve_record_fields(const_cast<RecordInfo*>(out.records[i]->record), state);

  // Then every other top-level name, in source order.
  auto declare_global = [&](const ast::Ident& name, ast::Ref ref, uint32_t index) {
    auto g = globals_.find(name.name);
    if (g != globals_.end() || type_names_.count(name.name) || is_builtin_type_name(name.name)) {
      std::string where;
      if (g != globals_.end())
        where = " at line " + std::to_string(source_.line_col(g->second.span.begin).line);
      error(Diag::duplicate_name, name.span, "`" + name.name + "` is already declared" + where);
      return false;
    }
    globals_[name.name] = {ref, index, name.span};
    return true;
  };
  for (ast::Decl& d : contract_.decls) {
    if (auto* c = std::get_if<ast::ConstDecl>(&d)) {
      const Type* t = resolve_type(c->type);
      if (t && !t->is_value()) {
        error(Diag::invalid_state_type, c->type.span, "a constant cannot be a `" + t->name() + "`");
        t = nullptr;
      }
      declare_global(c->name, ast::Ref::constant, static_cast<uint32_t>(out.constants.size()));
      out.constants.push_back({c, t});
    } else if (auto* tb = std::get_if<ast::TableDecl>(&d)) {
      const Type* k = resolve_type(tb->key);
      const Type* v = resolve_type(tb->value);
      if (k && k->kind != TypeKind::code && k->kind != TypeKind::int_ &&
          k->kind != TypeKind::enum_ && k->kind != TypeKind::date) {
        error(Diag::invalid_state_type, tb->key.span,
              "a table key must be a Code, Int, Date or enum, not `" + k->name() + "`");
        k = nullptr;
      }
      if (v && !v->is_value()) {
        error(Diag::invalid_state_type, tb->value.span, "a table value cannot be a `" + v->name() + "`");
        v = nullptr;
      }
      declare_global(tb->name, ast::Ref::table, static_cast<uint32_t>(out.tables.size()));
      out.tables.push_back({tb->name.name, k, v, {}});
    } else if (auto* cs = std::get_if<ast::CodesDecl>(&d)) {
      CodeSetInfo info{cs->name.name, {}};
      for (const ast::CodePattern& p : cs->patterns) {
        CodeSetInfo::Member m;
        if (!valid_code_text(p.low) || (p.high && !valid_code_text(*p.high))) {
          error(Diag::invalid_code_pattern, p.span,
                "a code is 1 to 16 printable characters without spaces");
          continue;
        }
        m.low = code_bytes(p.low);
        if (p.prefix) {
          m.kind = CodeSetInfo::Member::Kind::prefix;
          m.prefix_length = static_cast<uint32_t>(p.low.size());
          if (p.high) {
            error(Diag::invalid_code_pattern, p.span, "a prefix (`*`) cannot start a range");
            continue;
          }
        } else if (p.high) {
          m.kind = CodeSetInfo::Member::Kind::range;
          m.high = code_bytes(*p.high);
          if (m.high < m.low) {
            error(Diag::invalid_code_pattern, p.span,
                  "range \"" + p.low + "\"..\"" + *p.high + "\" is empty: its end comes first");
            continue;
          }
        }
        info.members.push_back(m);
      }
      declare_global(cs->name, ast::Ref::codeset, static_cast<uint32_t>(out.codesets.size()));
      out.codesets.push_back(std::move(info));
    } else if (auto* st = std::get_if<ast::StateDecl>(&d)) {
      const Type* t = resolve_type(st->type);
      StateInfo info{st->name.name, static_cast<uint32_t>(out.states.size() + 1), nullptr, nullptr};
      if (t && t->kind != TypeKind::map && t->kind != TypeKind::set) {
        error(Diag::invalid_state_type, st->type.span,
              "a state is a `Map<K, V>` or a `Set<K>`, not `" + t->name() + "`");
      } else if (t) {
        info.key = t->key ? t->key : t->elem;
        info.value = t->kind == TypeKind::map ? t->elem : nullptr;
        for (const Type* part : {info.key, info.value}) {
          if (part && part->size > runtime_state_limit()) {
            error(Diag::too_large, st->type.span,
                  "`" + part->name() + "` is " + std::to_string(part->size) +
                      " bytes; a state key or value holds at most " +
                      std::to_string(runtime_state_limit()));
          }
        }
      }
      declare_global(st->name, ast::Ref::state, info.id - 1);
      out.states.push_back(std::move(info));
    } else if (auto* f = std::get_if<ast::FunctionDecl>(&d)) {
      FunctionInfo info;
      info.decl = f;
      info.name = f->name.name;
      info.is_entry = f->is_entry;
      uint64_t param_size = 0;
      for (const ast::Param& p : f->params) {
        const Type* t = resolve_type(p.type);
        if (t && !t->is_value()) {
          error(Diag::invalid_state_type, p.type.span, "a parameter cannot be a `" + t->name() + "`");
          t = nullptr;
        }
        for (const LocalInfo& prev : info.locals)
          if (prev.name == p.name.name)
            error(Diag::duplicate_name, p.name.span, "parameter `" + p.name.name + "` is declared twice");
        info.params.push_back(t);
        info.locals.push_back({p.name.name, t, false, p.name.span});
        param_size += t ? t->size : 0;
      }
      if (param_size > kMaxValueSize) {
        error(Diag::too_large, f->name.span, "the parameters of `" + f->name.name + "` take more than " +
                                                 std::to_string(kMaxValueSize) + " bytes");
      }
      info.param_size = static_cast<uint32_t>(param_size);
      info.result = out.types->unit();
      if (f->result) {
        const Type* r = resolve_type(*f->result);
        if (r && !r->is_value()) {
          error(Diag::invalid_state_type, f->result->span, "a function cannot return a `" + r->name() + "`");
          r = nullptr;
        }
        info.result = r;
      }
      declare_global(f->name, ast::Ref::function, static_cast<uint32_t>(out.functions.size()));
      out.functions.push_back(std::move(info));
    } else if (auto* test = std::get_if<ast::TestDecl>(&d)) {
      TestInfo info;
      info.decl = test;
      info.entry_name = "__test_" + std::to_string(out.tests.size());
      out.tests.push_back(std::move(info));
    }
  }
  bool any_entry = std::any_of(out.functions.begin(), out.functions.end(),
                               [](const FunctionInfo& f) { return f.is_entry; });
  if (!any_entry && !diags_.has_errors()) {
    error(Diag::no_entry, contract_.header.name.span, "contract `" + out.name + "` has no `entry`",
          "an entry is what transactions call: `entry name(param: Type) -> Result { ... }`");
  }
}

}  // namespace covenant::compiler::sema
