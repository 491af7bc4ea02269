#include "vm/memory.hpp"

namespace covenant::vm {

std::string_view region_name(Region r) {
  switch (r) {
    case Region::none: return "unmapped";
    case Region::rodata: return "rodata";
    case Region::input: return "input";
    case Region::stack: return "stack";
    case Region::heap: return "heap";
    case Region::output: return "output";
  }
  return "unmapped";
}

}  // namespace covenant::vm
