/* The benchmark workloads' shared interface. The same C source is compiled twice: to BPF
 * (run by the VM) and natively (linked into covenant-bench), so one definition of each input
 * layout serves the BPF code, the native code and the C++ harness that fills the inputs.
 *
 * VM calling convention: r1 = input address, r2 = input length. Each workload is one
 * function taking (input pointer, input length) and returning a 64-bit result, so the native
 * build has exactly the same signature. */
#ifndef COVENANT_BENCH_WORKLOADS_H
#define COVENANT_BENCH_WORKLOADS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Input of `bench_loop`: a seed and an iteration count, both chosen by the caller so the
 *  compiler knows neither. */
struct loop_input {
  uint64_t seed;
  uint64_t rounds;
};

/** A dependent hash chain of `rounds` steps (FNV-1a-style multiply, xorshift mix). Each step
 *  needs the previous one's result, so it can be neither vectorised nor reduced to a closed
 *  form. Returns the final hash. */
uint64_t bench_loop(const struct loop_input* in, uint64_t len);

/** `claim_input.flags` bits. */
enum {
  CLAIM_IN_NETWORK = 1, /**< Out-of-network claims are allowed 60% of the table amount. */
  CLAIM_PREVENTIVE = 2, /**< Preventive care: no member cost share at all. */
};

/** One adjudication request, every field a 64-bit integer (amounts in cents). */
struct claim_input {
  uint64_t procedure;            /**< Index into the allowed-amount table (low 8 bits used). */
  uint64_t units;                /**< Units of service billed. */
  uint64_t billed;               /**< Provider's billed charge. */
  uint64_t deductible_remaining; /**< Deductible the member has still to meet. */
  uint64_t copay;                /**< Fixed member copay per claim. */
  uint64_t coinsurance_bp;       /**< Member's coinsurance share in basis points (0..10000). */
  uint64_t oop_met;              /**< Out-of-pocket spending so far this plan year. */
  uint64_t oop_max;              /**< Out-of-pocket maximum for the plan year. */
  uint64_t flags;                /**< CLAIM_* bits. */
  uint64_t claim_id;             /**< Carried along; does not affect the payment. */
};

/** Adjudicates one claim and returns what the plan pays, in cents. */
uint64_t bench_claims(const struct claim_input* in, uint64_t len);

#ifdef __cplusplus
}
#endif

#endif
