// Pass 3, termination: every program ends. There is no `while` (it is parsed only to be
// refused with a reason), `for` runs over bounded collections (checked in pass 2), and no
// function reaches itself through calls, so the call graph is a DAG and every call chain
// and every loop nest is bounded.

#include <functional>

#include "compiler/sema/sema.hpp"

namespace covenant::compiler::sema {
namespace {

struct CallSite {
  uint32_t callee;
  Span span;
};

void walk_expr(const ast::Expr& e, const std::function<void(const ast::Expr&)>& on_expr) {
  on_expr(e);
  for (const auto& a : e.args) walk_expr(*a, on_expr);
  for (const auto& i : e.inits) walk_expr(*i.value, on_expr);
  for (const auto& arm : e.arms) walk_expr(*arm.value, on_expr);
}

void walk_block(const ast::Block& b, const std::function<void(const ast::Expr&)>& on_expr,
                const std::function<void(const ast::Stmt&)>& on_stmt) {
  for (const auto& st : b.stmts) {
    on_stmt(*st);
    for (const ast::Expr* e : {st->target.get(), st->value.get(), st->cond.get(),
                               st->range_end.get(), st->deny_code.get()})
      if (e) walk_expr(*e, on_expr);
    walk_block(st->then_block, on_expr, on_stmt);
    if (st->else_block) walk_block(*st->else_block, on_expr, on_stmt);
    for (const auto& arm : st->arms) walk_block(arm.body, on_expr, on_stmt);
  }
}

}  // namespace

void Sema::termination() {
  std::vector<std::vector<CallSite>> calls(out.functions.size());
  auto no_while = [&](const ast::Stmt& st) {
    if (st.kind == ast::StmtKind::while_) {
      error(Diag::unbounded_loop, st.span, "`while` loops are not allowed: every loop must have a bound",
            "loop over a List (`for x in items`) or a constant range (`for i in 0..12`)");
    }
  };
  for (size_t i = 0; i < out.functions.size(); ++i) {
    walk_block(
        out.functions[i].decl->body,
        [&](const ast::Expr& e) {
          if (e.kind == ast::ExprKind::call && e.ref == ast::Ref::function)
            calls[i].push_back({e.ref_index, e.name_span});
        },
        no_while);
  }
  for (const TestInfo& t : out.tests) walk_block(t.decl->body, [](const ast::Expr&) {}, no_while);

  // Depth-first search for a cycle; report each function that closes one once.
  enum Colour { white, grey, black };
  std::vector<Colour> colour(out.functions.size(), white);
  std::vector<uint32_t> path;
  std::function<void(uint32_t)> visit = [&](uint32_t f) {
    colour[f] = grey;
    path.push_back(f);
    for (const CallSite& c : calls[f]) {
      if (colour[c.callee] == grey) {
        std::string chain;
        bool on = false;
        for (uint32_t p : path) {
          on |= p == c.callee;
          if (on) chain += out.functions[p].name + " -> ";
        }
        chain += out.functions[c.callee].name;
        error(Diag::recursion, c.span,
              "recursion is not allowed: " + chain,
              "every call chain must end so that the cost is bounded; use a `for` loop over a List");
      } else if (colour[c.callee] == white) {
        visit(c.callee);
      }
    }
    path.pop_back();
    colour[f] = black;
  };
  for (uint32_t f = 0; f < out.functions.size(); ++f)
    if (colour[f] == white) visit(f);
}

}  // namespace covenant::compiler::sema
