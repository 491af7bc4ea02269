#include "compiler/syntax/ast.hpp"

namespace covenant::compiler::ast {

std::string_view op_text(Op op) {
  switch (op) {
    case Op::add: return "+";
    case Op::sub: return "-";
    case Op::mul: return "*";
    case Op::div: return "/";
    case Op::rem: return "%";
    case Op::eq: return "==";
    case Op::ne: return "!=";
    case Op::lt: return "<";
    case Op::le: return "<=";
    case Op::gt: return ">";
    case Op::ge: return ">=";
    case Op::and_: return "and";
    case Op::or_: return "or";
    case Op::not_: return "not";
    case Op::neg: return "-";
    case Op::in: return "in";
  }
  return "?";
}

}  // namespace covenant::compiler::ast
