/* Workload 1: a tight integer loop. See workloads.h. */
#include "workloads.h"

uint64_t bench_loop(const struct loop_input* in, uint64_t len) {
  (void)len;
  uint64_t h = in->seed ^ 0xcbf29ce484222325ull; /* FNV-1a offset basis */
  uint64_t rounds = in->rounds;
  for (uint64_t i = 0; i < rounds; i++) {
    /* Folding in the counter keeps every step distinct; the xorshift after the FNV prime
     * multiply spreads high bits down so the chain does not degenerate. */
    h ^= i;
    h *= 0x100000001b3ull; /* FNV-1a 64-bit prime */
    h ^= h >> 29;
  }
  return h;
}
