#include "compiler/gas_bound.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>

#include "vm/gas.hpp"
#include "vm/verifier.hpp"

namespace covenant::compiler {
namespace {

using vm::Form;
using vm::Op;

constexpr uint64_t kSaturated = UINT64_MAX;

// Gas arithmetic saturates: a saturated bound is still an upper bound.
uint64_t add_sat(uint64_t a, uint64_t b) { return a > kSaturated - b ? kSaturated : a + b; }
uint64_t mul_sat(uint64_t a, uint64_t b) {
  return (b != 0 && a > kSaturated / b) ? kSaturated : a * b;
}

// The forms that end a straight-line run, exactly as the loader splits runs (vm/program.cpp):
// entering a run charges everything up to and including the first of these.
bool ends_run(Form f) {
  return f == Form::jump || f == Form::jump_long || f == Form::branch_imm ||
         f == Form::branch_reg || f == Form::call_local || f == Form::exit;
}
bool is_jump(Form f) { return f == Form::jump || f == Form::jump_long; }
bool is_branch(Form f) { return f == Form::branch_imm || f == Form::branch_reg; }

struct Block {
  uint32_t first = 0;  // slot of the first instruction
  uint32_t last = 0;   // slot of the last instruction (the terminator)
  // Gas of the block's instructions and the fixed gas of its host calls; local calls are
  // added as `callees` once their bounds are known.
  uint64_t own_gas = 0;
  // Gas the VM charges beyond the block's end when the block falls through without a
  // transfer of control: the rest of the run it belongs to. Paid even when the path stops
  // (faults) inside this block.
  uint64_t spill = 0;
  std::vector<uint32_t> succ;     // successor blocks
  std::vector<uint32_t> callees;  // function indices called from this block
};

struct Loop {
  uint32_t header = 0;             // block
  std::vector<bool> body;          // per block of the function
  size_t size = 0;                 // blocks in `body`
  std::vector<uint32_t> latches;   // blocks with a back edge to `header`
  int32_t parent = -1;             // innermost enclosing loop, -1 for none
  uint64_t gas = 0;                // bound of one entry into the loop, all passes included
};

struct Function {
  uint32_t start = 0, end = 0;  // slots [start, end)
  std::vector<Block> blocks;    // block 0 starts at `start`
  std::vector<bool> reachable;  // from block 0
  std::vector<uint32_t> calls;  // callee function indices from reachable blocks (sorted, unique)
};

class Analysis {
 public:
  Analysis(std::span<const vm::RawInsn> code, const vm::CodeShape& shape,
           std::span<const vm::SourceLoc> lines, const LoopBounds& loop_bounds,
           const vm::HostTable& hosts)
      : code_(code), shape_(shape), lines_(lines), loop_bounds_(loop_bounds), hosts_(hosts) {}

  Expected<GasBounds, std::string> run(std::span<const uint32_t> entries);

 private:
  size_t function_of(uint32_t slot) const {
    const auto& starts = shape_.function_starts;
    return static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), slot) -
                               starts.begin()) - 1;
  }
  uint32_t next_slot(uint32_t pc) const { return pc + (shape_.ops[pc] == Op::lddw ? 2 : 1); }
  Form form(uint32_t pc) const { return vm::info(shape_.ops[pc]).form; }
  uint32_t target(uint32_t pc) const {
    return static_cast<uint32_t>(*vm::jump_target(shape_.ops[pc], code_[pc], pc));
  }

  // The source location of `slot` when the line table gives it one (line 0 means none).
  std::optional<std::pair<uint32_t, uint32_t>> location(uint32_t slot) const {
    auto it = std::upper_bound(lines_.begin(), lines_.end(), slot,
                               [](uint32_t pc, const vm::SourceLoc& row) { return pc < row.pc; });
    if (it == lines_.begin()) return std::nullopt;
    --it;
    if (it->line == 0) return std::nullopt;
    return std::pair{it->line, it->column};
  }
  std::string where(uint32_t slot) const {
    auto loc = location(slot);
    if (!loc) return "slot " + std::to_string(slot) + " (no source location)";
    return "slot " + std::to_string(slot) + " (line " + std::to_string(loc->first) + ":" +
           std::to_string(loc->second) + ")";
  }

  Function build(size_t index) const;
  Expected<uint64_t, std::string> bound(const Function& f) const;

  std::span<const vm::RawInsn> code_;
  const vm::CodeShape& shape_;
  std::span<const vm::SourceLoc> lines_;
  const LoopBounds& loop_bounds_;
  const vm::HostTable& hosts_;
  std::vector<uint64_t> function_gas_;  // per function index, once bounded
};

// Splits function `index` into basic blocks and finds which of them run.
Function Analysis::build(size_t index) const {
  Function f;
  const auto& starts = shape_.function_starts;
  f.start = starts[index];
  f.end = index + 1 < starts.size() ? starts[index + 1] : static_cast<uint32_t>(code_.size());
  const uint32_t n = f.end - f.start;

  std::vector<bool> leader(n, false);
  leader[0] = true;
  for (uint32_t pc = f.start; pc < f.end; pc = next_slot(pc)) {
    const Form fm = form(pc);
    if (!is_jump(fm) && !is_branch(fm) && fm != Form::exit) continue;
    if (is_jump(fm) || is_branch(fm)) leader[target(pc) - f.start] = true;
    if (next_slot(pc) < f.end) leader[next_slot(pc) - f.start] = true;
  }

  // The gas of the run from each slot on, as the loader charges it (without callees).
  std::vector<uint64_t> run_gas(n + 1, 0);
  std::vector<uint32_t> slots;
  for (uint32_t pc = f.start; pc < f.end; pc = next_slot(pc)) slots.push_back(pc);
  std::vector<uint64_t> own(n, 0);
  for (uint32_t pc : slots) {
    const vm::OpcodeInfo& row = vm::info(shape_.ops[pc]);
    own[pc - f.start] = vm::gas_cost(row.cost);
    if (row.form == Form::call_helper)  // the verifier checked the id is registered
      own[pc - f.start] += hosts_.find(static_cast<uint32_t>(code_[pc].imm))->gas;
  }
  for (auto it = slots.rbegin(); it != slots.rend(); ++it) {
    const uint32_t pc = *it;
    const uint32_t next = next_slot(pc);
    run_gas[pc - f.start] = own[pc - f.start];
    if (!ends_run(form(pc)) && next < f.end)
      run_gas[pc - f.start] = add_sat(run_gas[pc - f.start], run_gas[next - f.start]);
  }

  std::vector<uint32_t> block_at(n, UINT32_MAX);
  for (uint32_t pc : slots) {
    if (leader[pc - f.start]) {
      block_at[pc - f.start] = static_cast<uint32_t>(f.blocks.size());
      f.blocks.push_back(Block{.first = pc});
    }
    Block& b = f.blocks.back();
    b.last = pc;
    b.own_gas = add_sat(b.own_gas, own[pc - f.start]);
    if (form(pc) == Form::call_local) b.callees.push_back(static_cast<uint32_t>(function_of(target(pc))));
  }
  for (Block& b : f.blocks) {
    const Form fm = form(b.last);
    const uint32_t next = next_slot(b.last);
    if (is_jump(fm) || is_branch(fm)) b.succ.push_back(block_at[target(b.last) - f.start]);
    // The verifier guarantees a function ends in exit or a jump, so `next` is inside.
    if (!is_jump(fm) && fm != Form::exit) {
      const uint32_t fall = block_at[next - f.start];
      if (std::find(b.succ.begin(), b.succ.end(), fall) == b.succ.end()) b.succ.push_back(fall);
    }
    if (!ends_run(fm)) b.spill = run_gas[next - f.start];
  }

  f.reachable.assign(f.blocks.size(), false);
  std::vector<uint32_t> stack{0};
  f.reachable[0] = true;
  while (!stack.empty()) {
    const uint32_t b = stack.back();
    stack.pop_back();
    for (uint32_t c : f.blocks[b].callees) f.calls.push_back(c);
    for (uint32_t s : f.blocks[b].succ)
      if (!f.reachable[s]) {
        f.reachable[s] = true;
        stack.push_back(s);
      }
  }
  std::sort(f.calls.begin(), f.calls.end());
  f.calls.erase(std::unique(f.calls.begin(), f.calls.end()), f.calls.end());
  return f;
}

// The bound of one call of `f`, given the bounds of every function it calls.
Expected<uint64_t, std::string> Analysis::bound(const Function& f) const {
  const size_t nb = f.blocks.size();
  std::vector<uint64_t> gas(nb, 0);
  std::vector<std::vector<uint32_t>> preds(nb);
  for (uint32_t b = 0; b < nb; ++b) {
    if (!f.reachable[b]) continue;
    gas[b] = f.blocks[b].own_gas;
    for (uint32_t c : f.blocks[b].callees) gas[b] = add_sat(gas[b], function_gas_[c]);
    for (uint32_t s : f.blocks[b].succ) preds[s].push_back(b);
  }

  // Reverse post-order of the reachable blocks (iterative depth-first search).
  std::vector<uint32_t> post;
  {
    std::vector<bool> seen(nb, false);
    std::vector<std::pair<uint32_t, size_t>> stack{{0, 0}};
    seen[0] = true;
    while (!stack.empty()) {
      auto& [b, i] = stack.back();
      if (i < f.blocks[b].succ.size()) {
        const uint32_t s = f.blocks[b].succ[i++];
        if (!seen[s]) {
          seen[s] = true;
          stack.push_back({s, 0});
        }
      } else {
        post.push_back(b);
        stack.pop_back();
      }
    }
  }
  std::vector<uint32_t> rpo(post.rbegin(), post.rend());
  std::vector<uint32_t> rpo_index(nb, UINT32_MAX);
  for (uint32_t i = 0; i < rpo.size(); ++i) rpo_index[rpo[i]] = i;

  // Dominators (Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm").
  std::vector<uint32_t> idom(nb, UINT32_MAX);
  idom[0] = 0;
  auto intersect = [&](uint32_t a, uint32_t b) {
    while (a != b) {
      while (rpo_index[a] > rpo_index[b]) a = idom[a];
      while (rpo_index[b] > rpo_index[a]) b = idom[b];
    }
    return a;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (uint32_t b : rpo) {
      if (b == 0) continue;
      uint32_t d = UINT32_MAX;
      for (uint32_t p : preds[b]) {
        if (idom[p] == UINT32_MAX) continue;
        d = d == UINT32_MAX ? p : intersect(p, d);
      }
      if (d != idom[b]) {
        idom[b] = d;
        changed = true;
      }
    }
  }
  auto dominates = [&](uint32_t a, uint32_t b) {
    for (;;) {
      if (a == b) return true;
      if (b == 0) return false;
      b = idom[b];
    }
  };

  // Back edges go to a block that dominates their source. Without them the graph of a
  // reducible function is acyclic; a cycle left over has two entries and no loop header
  // to attach a bound to.
  std::vector<Loop> loops;
  std::vector<int32_t> loop_of_header(nb, -1);
  std::vector<size_t> indegree(nb, 0);
  for (uint32_t b : rpo)
    for (uint32_t s : f.blocks[b].succ) {
      if (dominates(s, b)) {
        if (loop_of_header[s] < 0) {
          loop_of_header[s] = static_cast<int32_t>(loops.size());
          loops.push_back(Loop{.header = s});
        }
        loops[static_cast<size_t>(loop_of_header[s])].latches.push_back(b);
      } else {
        ++indegree[s];
      }
    }
  std::vector<uint32_t> topo;
  {
    std::vector<uint32_t> ready{0};
    while (!ready.empty()) {
      const uint32_t b = ready.back();
      ready.pop_back();
      topo.push_back(b);
      // Successors in reverse so that the order is deterministic and follows the code.
      for (auto it = f.blocks[b].succ.rbegin(); it != f.blocks[b].succ.rend(); ++it)
        if (!dominates(*it, b) && --indegree[*it] == 0) ready.push_back(*it);
    }
  }
  if (topo.size() != rpo.size()) {
    for (uint32_t b : rpo)
      if (indegree[b] != 0)
        return unexpected("cannot bound the gas of the function at slot " +
                          std::to_string(f.start) + ": irreducible control flow at " +
                          where(f.blocks[b].first));
  }
  std::vector<uint32_t> topo_index(nb, UINT32_MAX);
  for (uint32_t i = 0; i < topo.size(); ++i) topo_index[topo[i]] = i;

  // Natural loops: the header and every block that reaches a latch without passing it.
  for (Loop& loop : loops) {
    loop.body.assign(nb, false);
    loop.body[loop.header] = true;
    std::vector<uint32_t> work(loop.latches.begin(), loop.latches.end());
    while (!work.empty()) {
      const uint32_t b = work.back();
      work.pop_back();
      if (loop.body[b]) continue;
      loop.body[b] = true;
      for (uint32_t p : preds[b])
        if (f.reachable[p] && !loop.body[p]) work.push_back(p);
    }
    loop.size = static_cast<size_t>(std::count(loop.body.begin(), loop.body.end(), true));
  }
  // Inner loops first. Distinct headers make natural loops nested or disjoint, and a loop
  // strictly contains its inner ones, so the first larger loop holding a header is its parent.
  std::stable_sort(loops.begin(), loops.end(), [&](const Loop& a, const Loop& b) {
    return a.size != b.size ? a.size < b.size : topo_index[a.header] < topo_index[b.header];
  });
  std::vector<int32_t> innermost(nb, -1);
  for (size_t i = 0; i < loops.size(); ++i) {
    for (uint32_t b = 0; b < nb; ++b)
      if (loops[i].body[b] && innermost[b] < 0) innermost[b] = static_cast<int32_t>(i);
    for (size_t j = i + 1; j < loops.size(); ++j)
      if (loops[j].body[loops[i].header]) {
        loops[i].parent = static_cast<int32_t>(j);
        break;
      }
  }

  // Nodes of a region (a loop, or the whole function when -1): its own blocks, and each
  // loop directly inside it collapsed into one node numbered nb + loop index.
  auto node_in = [&](uint32_t block, int32_t region) -> size_t {
    int32_t l = innermost[block];
    if (l == region) return block;
    while (loops[static_cast<size_t>(l)].parent != region) l = loops[static_cast<size_t>(l)].parent;
    return nb + static_cast<size_t>(l);
  };
  std::vector<uint64_t> in_gas(nb + loops.size(), 0);
  std::vector<bool> reached(nb + loops.size(), false);

  // Costliest path through a region from its head, with every loop inside collapsed.
  // Returns the costliest pass that ends with the back edge to the head (loops only) and
  // the costliest pass that ends any other way (exit, fault, leaving the loop).
  struct Passes {
    uint64_t iteration = 0;
    uint64_t last = 0;
  };
  auto evaluate = [&](int32_t region) {
    Passes out;
    const Loop* loop = region >= 0 ? &loops[static_cast<size_t>(region)] : nullptr;
    const uint32_t head = loop ? loop->header : 0;
    // The function's first block may itself head a loop: then that loop is the first node.
    const size_t head_node = node_in(head, region);
    std::vector<size_t> touched{head_node};
    reached[head_node] = true;
    for (uint32_t b : topo) {
      if (loop && !loop->body[b]) continue;
      const size_t node = node_in(b, region);
      // A collapsed loop is visited once, at its header, which comes first in topo order.
      if (node >= nb && loops[node - nb].header != b) continue;
      if (!reached[node]) continue;
      uint64_t dist = in_gas[node];
      std::vector<uint32_t> exits;
      if (node < nb) {
        dist = add_sat(dist, gas[b]);
        out.last = std::max(out.last, add_sat(dist, f.blocks[b].spill));
        exits = f.blocks[b].succ;
      } else {
        const Loop& inner = loops[node - nb];
        dist = add_sat(dist, inner.gas);
        out.last = std::max(out.last, dist);
        for (uint32_t x = 0; x < nb; ++x)
          if (inner.body[x])
            for (uint32_t s : f.blocks[x].succ)
              if (!inner.body[s]) exits.push_back(s);
      }
      for (uint32_t s : exits) {
        if (loop && s == head) {
          out.iteration = std::max(out.iteration, dist);
          continue;
        }
        if (loop && !loop->body[s]) continue;  // leaves the loop: ends this pass
        const size_t to = node_in(s, region);
        if (!reached[to]) {
          reached[to] = true;
          in_gas[to] = dist;
          touched.push_back(to);
        } else {
          in_gas[to] = std::max(in_gas[to], dist);
        }
      }
    }
    for (size_t t : touched) {
      reached[t] = false;
      in_gas[t] = 0;
    }
    return out;
  };

  for (size_t i = 0; i < loops.size(); ++i) {
    Loop& loop = loops[i];
    // The loop's control instructions: the branches of its back edges, and the branches
    // of its own blocks that leave it.
    std::vector<uint32_t> control;
    for (uint32_t b : loop.latches) control.push_back(f.blocks[b].last);
    for (uint32_t b = 0; b < nb; ++b) {
      if (innermost[b] != static_cast<int32_t>(i)) continue;
      for (uint32_t s : f.blocks[b].succ)
        if (!loop.body[s]) {
          control.push_back(f.blocks[b].last);
          break;
        }
    }
    // Several matches can only come from one source loop's code being shared with another's;
    // the largest bound covers either.
    std::optional<uint64_t> iterations;
    for (uint32_t slot : control) {
      auto loc = location(slot);
      if (!loc) continue;
      auto it = loop_bounds_.find(*loc);
      if (it != loop_bounds_.end()) iterations = std::max(iterations.value_or(0), it->second);
    }
    if (!iterations) {
      std::sort(control.begin(), control.end());
      uint32_t shown = f.blocks[loop.latches.front()].last;
      for (uint32_t slot : control)
        if (location(slot)) {
          shown = slot;
          break;
        }
      auto loc = location(shown);
      std::string at = "cannot bound the loop at slot " + std::to_string(f.blocks[loop.header].first);
      if (loc)
        at += " (line " + std::to_string(loc->first) + ":" + std::to_string(loc->second) +
              "): no iteration bound is known for the loop at that location";
      else
        at += ": its control instructions have no source location";
      return unexpected(at);
    }
    const Passes p = evaluate(static_cast<int32_t>(i));
    // The header runs at most N + 1 times per entry, so at most N passes end with the back
    // edge and one pass ends otherwise.
    loop.gas = add_sat(mul_sat(*iterations, p.iteration), p.last);
  }
  return evaluate(-1).last;
}

Expected<GasBounds, std::string> Analysis::run(std::span<const uint32_t> entries) {
  const size_t nf = shape_.function_starts.size();
  std::vector<std::optional<Function>> functions(nf);
  function_gas_.assign(nf, 0);
  std::vector<uint32_t> depth(nf, 0);

  // Depth-first over the call graph from each entry; a function is bounded after all its
  // callees (post-order). A callee still on the stack is a recursive call.
  enum class State : uint8_t { fresh, active, done };
  std::vector<State> state(nf, State::fresh);
  GasBounds out;
  for (uint32_t entry : entries) {
    const size_t root = function_of(entry);
    if (state[root] == State::fresh) {
      std::vector<std::pair<size_t, size_t>> stack{{root, 0}};
      state[root] = State::active;
      functions[root] = build(root);
      while (!stack.empty()) {
        auto& [fn, i] = stack.back();
        const Function& f = *functions[fn];
        if (i < f.calls.size()) {
          const size_t callee = f.calls[i++];
          if (state[callee] == State::active) {
            // Name a call site of the cycle's closing edge.
            uint32_t site = f.start;
            for (uint32_t pc = f.start; pc < f.end; pc = next_slot(pc))
              if (form(pc) == Form::call_local && function_of(target(pc)) == callee) {
                site = pc;
                break;
              }
            return unexpected("recursive call at " + where(site) + ": the function at slot " +
                              std::to_string(shape_.function_starts[callee]) +
                              " can call itself again, so its gas has no static bound");
          }
          if (state[callee] == State::fresh) {
            state[callee] = State::active;
            functions[callee] = build(callee);
            stack.push_back({callee, 0});
          }
          continue;
        }
        auto gas = bound(f);
        if (!gas) return unexpected(std::move(gas).error());
        function_gas_[fn] = *gas;
        uint32_t deepest = 0;
        for (uint32_t c : f.calls) deepest = std::max(deepest, depth[c]);
        depth[fn] = deepest + 1;
        state[fn] = State::done;
        stack.pop_back();
      }
    }
    out.entry_gas.push_back(function_gas_[root]);
    out.max_call_depth = std::max(out.max_call_depth, depth[root]);
  }
  return out;
}

}  // namespace

Expected<GasBounds, std::string> bound_gas(std::span<const vm::RawInsn> code,
                                           std::span<const uint32_t> entries,
                                           std::span<const vm::SourceLoc> lines,
                                           const LoopBounds& loop_bounds,
                                           const vm::HostTable& hosts) {
  auto shape = vm::verify(code, entries, hosts);
  if (!shape)
    return unexpected("cannot bound gas: slot " + std::to_string(shape.error().pc) + ": " +
                      shape.error().reason);
  return Analysis(code, *shape, lines, loop_bounds, hosts).run(entries);
}

}  // namespace covenant::compiler
