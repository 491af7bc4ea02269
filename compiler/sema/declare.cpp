// Pass 1, names: the contract's settings, its types (records, enums and events), and the name
// and type of every constant, table, code set, state and function, of the contract and of
// the libraries linked into it (each in its own file, seeing what it declares and imports).
// Bodies and values are pass 2's.

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
                                       "Hash", "Pseudonym", "Key", "Option", "List", "Map", "Set"};
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
uint64_t runtime_state_key_limit() { return runtime::kMaxStateKeyBytes; }

Span decl_span(const ast::Decl& d) {
  return std::visit([](const auto& x) { return x.span; }, d);
}

// The sources of a compilation of one file, owned by the checked contract.
std::shared_ptr<const Sources> one_file(const SourceFile& source) {
  return std::make_shared<const Sources>(source);
}

}  // namespace

Sema::Sema(const SourceFile& source, ast::Contract& contract, Diagnostics& diags,
           const CheckOptions& options)
    : source_(source),
      contract_(contract),
      diags_(diags),
      options_(options),
      sources_(options.sources ? *options.sources : *(out.own_sources = one_file(source))),
      files_(options.files) {
  out.source = &source;
  out.sources = &sources_;
  out.contract = &contract;
  out.types = std::make_unique<TypeTable>();
  out.name = contract.header.name.name;
  out.version = contract.header.version;
  out.library = contract.header.library;
  if (files_.empty())
    files_.push_back(FileInfo{out.library ? out.name : "", options.base_dir, false, {}});
  // One FileInfo per file, whatever the caller gave: a file without one imports nothing.
  if (files_.size() < sources_.size()) files_.resize(sources_.size());
}

bool Sema::visible(Span declared, const std::string& name) const {
  uint32_t file = file_of(declared);
  if (file == current_file_) return true;
  for (const Import& imp : files_[current_file_].imports) {
    if (imp.file != file) continue;
    if (!imp.names) return true;
    for (const ast::Ident& n : *imp.names)
      if (n.name == name) return true;
  }
  return false;
}

const Global* Sema::lookup(const std::string& name) const {
  auto g = globals_.find(name);
  if (g == globals_.end() || !visible(g->second.span, name)) return nullptr;
  return &g->second;
}

const Type* Sema::lookup_type(const std::string& name) const {
  auto t = type_names_.find(name);
  if (t == type_names_.end() || !visible(type_spans_.at(name), name)) return nullptr;
  return t->second;
}

std::string Sema::file_label(Span span) const {
  const std::string& library = files_[file_of(span)].library;
  return library.empty() ? "the contract" : "library " + library;
}

std::string Sema::import_hint(const std::string& name) const {
  std::optional<Span> at;
  if (auto g = globals_.find(name); g != globals_.end()) at = g->second.span;
  if (auto t = type_spans_.find(name); t != type_spans_.end()) at = t->second;
  if (!at || visible(*at, name)) return {};
  const std::string& library = files_[file_of(*at)].library;
  if (library.empty())
    return "`" + name + "` is declared in the contract; a library sees only its own declarations "
           "and those of the libraries it uses";
  return "`" + name + "` is declared in library " + library + ": write `use std." + library +
         "` or `use std." + library + ".{" + name + "}` after the header";
}

void Sema::duplicate(const ast::Ident& name, Span first) {
  if (file_of(first) == file_of(name.span)) {
    error(Diag::duplicate_name, name.span,
          "`" + name.name + "` is already declared at line " +
              std::to_string(sources_.file_of(first.begin).line_col(first.begin).line));
    return;
  }
  Diagnostic& d = diags_.report(Diag::duplicate_name, name.span,
                                "`" + name.name + "` is already declared in " + file_label(first),
                                "every name of a contract and the libraries it uses means one thing; "
                                "rename one of them");
  d.notes.push_back({first, "`" + name.name + "` is declared here"});
}

void Sema::check_imports() {
  for (const FileInfo& file : files_) {
    for (const Import& imp : file.imports) {
      if (!imp.names) continue;
      for (const ast::Ident& n : *imp.names) {
        auto g = globals_.find(n.name);
        auto t = type_spans_.find(n.name);
        bool declared = (g != globals_.end() && file_of(g->second.span) == imp.file) ||
                        (t != type_spans_.end() && file_of(t->second) == imp.file);
        if (declared) continue;
        // The hint names what the library does declare, the first dozen in name order.
        std::vector<std::string> names;
        for (const auto& [name, global] : globals_)
          if (file_of(global.span) == imp.file) names.push_back(name);
        for (const auto& [name, span] : type_spans_)
          if (file_of(span) == imp.file) names.push_back(name);
        std::sort(names.begin(), names.end());
        std::string all;
        for (size_t i = 0; i < names.size() && i < 12; ++i) all += (i ? ", " : "") + names[i];
        if (names.size() > 12) all += ", ... (" + std::to_string(names.size()) + " in all)";
        error(Diag::unknown_import, n.span,
              "library " + files_[imp.file].library + " declares no `" + n.name + "`",
              all.empty() ? "it declares nothing" : "it declares: " + all);
      }
    }
  }
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
              current_file_ == 0
                  ? "write `Money<USD>`, or declare `currency USD` after the contract header"
                  : "a library's `Money` is the currency of the contract that uses it: declare "
                    "`currency USD` after the contract header");
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
      {"Code", &TypeTable::code},  {"Hash", &TypeTable::hash},  {"Pseudonym", &TypeTable::pseudonym},
      {"Key", &TypeTable::key}};
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
  if (const Type* named = lookup_type(n)) {
    if (!t.args.empty()) {
      error(Diag::invalid_type_argument, t.span, "`" + n + "` takes no type arguments");
      return nullptr;
    }
    return named;
  }
  std::string hint = import_hint(n);
  error(Diag::unknown_type, t.name.span, "unknown type `" + n + "`",
        !hint.empty() ? hint
                      : "built-in types: Bool, Int, Money, Rate, Date, Duration, Code, Hash, "
                        "Pseudonym, Key, Option<T>, List<T, N>");
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
  const std::vector<ast::FieldDecl>& decl_fields = *record_decls_.at(record);
  Span decl_name = record_names_.at(record);
  uint32_t saved_file = current_file_;
  enter_file(decl_name);
  record->fields.clear();
  bool ok = true;
  for (const ast::FieldDecl& f : decl_fields) {
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
    const Type* named = lookup_type(inner->name.name);
    if (named != nullptr && named->kind == TypeKind::record) {
      RecordInfo* dep = const_cast<RecordInfo*>(named->record);
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
    error(Diag::too_large, decl_name,
          "record `" + record->name + "` is larger than " + std::to_string(kMaxValueSize) + " bytes");
    ok = false;
  }
  state[index] = 2;
  current_file_ = saved_file;
  (void)ok;  // errors are reported; the record keeps the fields that resolved
  return t;
}

void Sema::declare() {
  const ast::Header& h = contract_.header;
  if (h.library) {
    // A library compiled on its own (for its tests) has no settings of its own (E0408,
    // reported by the linker): it is checked in fixed ones. Used by a contract, it is
    // checked in the contract's.
    currency_ = "USD";
    out.rounding = Rounding::half_even;
  }
  if (h.currency && !h.library) {
    if (currency_minor_digits(h.currency->name)) {
      currency_ = h.currency->name;
    } else {
      error(Diag::unknown_currency, h.currency->span,
            "`" + h.currency->name + "` is not a supported currency",
            "supported: CAD, CHF, CNY, EUR, GBP, JPY, USD");
    }
  }
  if (h.rounding && !h.library) {
    out.rounding = rounding_named(h.rounding->name);
    if (!out.rounding) {
      error(Diag::unknown_name, h.rounding->span,
            "unknown rounding mode `" + h.rounding->name + "`",
            "use half_up, half_even, down or up");
    }
  }

  // What only a contract declares: the interface a deployment has (entries, events) and what
  // it remembers (state). A library is code and constants for contracts to use.
  for (const ast::Decl& d : contract_.decls) {
    const std::string& library = files_[file_of(decl_span(d))].library;
    if (library.empty()) continue;
    const ast::Ident* name = nullptr;
    std::string what;
    if (auto* st = std::get_if<ast::StateDecl>(&d)) name = &st->name, what = "a state";
    if (auto* ev = std::get_if<ast::EventDecl>(&d)) name = &ev->name, what = "an event";
    if (auto* f = std::get_if<ast::FunctionDecl>(&d); f && f->is_entry) name = &f->name, what = "an entry";
    if (name == nullptr) continue;
    error(Diag::library_declaration, name->span,
          "library " + library + " declares " + what + " (`" + name->name + "`); only a contract may",
          "a library holds constants, tables, code sets, records, enums, functions and tests");
  }

  // Types first: every record, enum and event name, so declarations may refer to later ones.
  auto declare_type = [&](const ast::Ident& name) {
    if (is_builtin_type_name(name.name)) {
      error(Diag::duplicate_name, name.span, "type `" + name.name + "` is already declared");
      return false;
    }
    if (auto t = type_spans_.find(name.name); t != type_spans_.end()) {
      if (file_of(t->second) == file_of(name.span))
        error(Diag::duplicate_name, name.span, "type `" + name.name + "` is already declared");
      else
        duplicate(name, t->second);
      return false;
    }
    type_spans_[name.name] = name.span;
    return true;
  };
  auto add_record = [&](const ast::Ident& name, const std::vector<ast::FieldDecl>& fields) {
    RecordInfo* info = out.types->add_record(name.name, name.span);
    record_decls_[info] = &fields;
    record_names_[info] = name.span;
    const Type* t = out.types->record_type(info);
    type_names_[name.name] = t;
    out.records.push_back(t);
    return t;
  };
  for (ast::Decl& d : contract_.decls) {
    if (auto* r = std::get_if<ast::RecordDecl>(&d)) {
      if (declare_type(r->name)) add_record(r->name, r->fields);
    } else if (auto* ev = std::get_if<ast::EventDecl>(&d)) {
      if (declare_type(ev->name)) out.events.push_back(add_record(ev->name, ev->fields));
    } else if (auto* e = std::get_if<ast::EnumDecl>(&d)) {
      if (!declare_type(e->name)) continue;
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
    if (auto g = globals_.find(name.name); g != globals_.end()) {
      duplicate(name, g->second.span);
      return false;
    }
    if (auto t = type_spans_.find(name.name); t != type_spans_.end()) {
      duplicate(name, t->second);
      return false;
    }
    if (is_builtin_type_name(name.name)) {
      error(Diag::duplicate_name, name.span, "`" + name.name + "` is already declared");
      return false;
    }
    globals_[name.name] = {ref, index, name.span};
    return true;
  };
  for (ast::Decl& d : contract_.decls) {
    enter_file(decl_span(d));
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
        if (info.key->size > runtime_state_key_limit()) {
          error(Diag::too_large, st->type.span,
                "the key `" + info.key->name() + "` is " + std::to_string(info.key->size) +
                    " bytes; a state key holds at most " + std::to_string(runtime_state_key_limit()),
                "key the state by a Hash of the value instead");
        }
        if (info.value && info.value->size > runtime_state_limit()) {
          error(Diag::too_large, st->type.span,
                "the value `" + info.value->name() + "` is " + std::to_string(info.value->size) +
                    " bytes; a state value holds at most " + std::to_string(runtime_state_limit()));
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
  current_file_ = 0;
  check_imports();
  // An event's data travels in one host call and one receipt record.
  for (const Type* ev : out.events) {
    if (ev->size > runtime::kMaxEventData) {
      error(Diag::too_large, ev->record->span,
            "event `" + ev->name() + "` is " + std::to_string(ev->size) + " bytes; an event holds at most " +
                std::to_string(runtime::kMaxEventData),
            "emit less: a Hash of a large value, or several events");
    }
  }
  bool any_entry = std::any_of(out.functions.begin(), out.functions.end(),
                               [](const FunctionInfo& f) { return f.is_entry; });
  if (!any_entry && !out.library && !diags_.has_errors()) {
    error(Diag::no_entry, contract_.header.name.span, "contract `" + out.name + "` has no `entry`",
          "an entry is what transactions call: `entry name(param: Type) -> Result { ... }`");
  }
}

}  // namespace covenant::compiler::sema
