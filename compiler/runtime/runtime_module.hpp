#pragma once
/// \file
/// The contract runtime library: checked Int arithmetic, Money × Rate and Money ÷ Int with a
/// rounding mode, and calendar dates, written in C (covenant_runtime.c), compiled by clang-19
/// to BPF bitcode at build time and embedded in the compiler. Codegen declares the functions
/// it calls (`declare i64 @cv_add(i64, i64, i64)`), then `link_runtime` brings in their
/// definitions, which the O2 pipeline inlines. Every function takes and returns i64; `loc` is
/// the packed source location (runtime::pack_loc) forwarded unchanged to the fault host call,
/// which ends the call (runtime/host_abi.hpp). See covenant_runtime.c for the algorithms.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include <llvm/Support/Error.h>

namespace llvm {
class Module;
}

namespace covenant::compiler {

/// How Money × Rate and Money ÷ Int round: the `mode` argument of cv_mul_rate and
/// cv_div_round. Java RoundingMode semantics.
enum class RuntimeRounding : int64_t {
  half_up = 0,    ///< To the nearest; ties away from zero (2.5 → 3, -2.5 → -3).
  half_even = 1,  ///< To the nearest; ties to the even neighbour (2.5 → 2, 3.5 → 4).
  down = 2,       ///< Toward zero (truncation).
  up = 3,         ///< Away from zero when inexact.
};

/// The Rate that means 100%: a Rate value r stands for r / kRuntimeRateOne.
inline constexpr int64_t kRuntimeRateOne = 1'000'000'000;
/// Day number (days since 1970-01-01) of 0001-01-01, the first valid Date.
inline constexpr int64_t kRuntimeMinDay = -719'162;
/// Day number of 9999-12-31, the last valid Date.
inline constexpr int64_t kRuntimeMaxDay = 2'932'896;

/// One function of the runtime library.
struct RuntimeFunction {
  std::string_view name;  ///< Symbol name, e.g. "cv_mul_rate".
  unsigned arity;         ///< Number of i64 arguments, `loc` included when present.
  bool can_fault;         ///< Takes `loc` as its last argument and may call fault(kind, loc).
};

/// Every runtime function, in the order of covenant_runtime.c. Semantics (all i64):
///  - cv_add(a, b, loc), cv_sub(a, b, loc), cv_mul(a, b, loc), cv_neg(a, loc): exact result,
///    or fault overflow when it leaves int64.
///  - cv_div(a, b, loc): quotient truncated toward zero; b == 0 faults division_by_zero,
///    INT64_MIN / -1 faults overflow.
///  - cv_rem(a, b, loc): remainder with the sign of a; b == 0 faults division_by_zero;
///    INT64_MIN % -1 is 0.
///  - cv_mul_rate(money, rate, mode, loc): money × rate / 10^9 rounded by `mode`
///    (RuntimeRounding), exact for all inputs; fault overflow if the result leaves int64,
///    invalid_input if mode is not 0..3.
///  - cv_div_round(a, b, mode, loc): a / b rounded by `mode`; division_by_zero, overflow
///    (only INT64_MIN / -1), invalid_input as above.
///  - cv_days_from_civil(y, m, d, loc): day number of y-m-d; fault date_out_of_range unless
///    it is a real date in 0001-01-01 .. 9999-12-31.
///  - cv_year(days), cv_month(days) (1..12), cv_day(days) (1..31): the civil parts of a day
///    number in the valid range; never fault (outside the range the result is unspecified
///    but deterministic).
///  - cv_add_days(days, n, loc): days + n; fault date_out_of_range if `days` or the result is
///    outside the valid range.
///  - cv_add_months(days, months, loc): the same day `months` calendar months later (or
///    earlier), clamped to the end of the target month (Jan 31 + 1 month = Feb 28 or 29);
///    fault date_out_of_range if `days` or the result is outside the valid range.
inline constexpr std::array<RuntimeFunction, 14> kRuntimeFunctions{{
    {"cv_add", 3, true},
    {"cv_sub", 3, true},
    {"cv_mul", 3, true},
    {"cv_neg", 2, true},
    {"cv_div", 3, true},
    {"cv_rem", 3, true},
    {"cv_div_round", 4, true},
    {"cv_mul_rate", 4, true},
    {"cv_days_from_civil", 4, true},
    {"cv_year", 1, false},
    {"cv_month", 1, false},
    {"cv_day", 1, false},
    {"cv_add_days", 3, true},
    {"cv_add_months", 3, true},
}};

/// The runtime library as LLVM bitcode (triple bpfel, CPU v4, optimised at O2, no debug
/// information), embedded at build time. Valid for the life of the program.
std::span<const uint8_t> runtime_bitcode();

/// Links the runtime functions that `into` references into `into`, parsed in its
/// LLVMContext, with llvm::Linker::LinkOnlyNeeded: an unreferenced function is not added.
/// Each linked function then has internal linkage and carries none of the attributes that
/// described clang's build of the C file (target-cpu, no-builtins, ...), so the O2 inliner
/// decides as for the contract's own code: the small helpers are inlined, the large ones
/// (Money × Rate, month arithmetic) stay local functions called from every use, which halves
/// the compile time and the code of a large contract for a few gas per call. The runtime assumes BPF CPU v4
/// (signed division, sign-extending moves). Fails before changing `into` if `into` has a
/// target triple that is not BPF, declares a runtime function with a type other than
/// i64(i64, ...) of its arity, or defines one with external linkage itself; should the
/// embedded bitcode be unreadable or llvm::Linker fail anyway, the error carries their
/// messages. Calling it again links only what is newly referenced.
llvm::Error link_runtime(llvm::Module& into);

}  // namespace covenant::compiler
