/* Workload 2: claim adjudication, the shape of work a healthcare contract does. See
 * workloads.h for the input. */
#include "workloads.h"

/* Allowed amount per unit (cents) for each procedure index. `static const` so that it lands in
 * .rodata: the BPF build reaches it through an lddw relocated by the bench loader. The values
 * are a fixed pseudo-random spread between $15 and about $2,000, like a fee schedule. */
static const uint64_t kAllowedPerUnit[256] = {
     76489,  93074,   2530,  38760,  11768,  26965,  42867, 120950,
    100987, 124482,  74941, 147523,  43177, 178190,  77183, 149883,
    145660,  96597, 172371, 179917, 189577,  65407,  39278, 136398,
    188873,  74252, 109263, 113903, 127493,  43673, 165395,  42509,
    172170,  43956,  34993,  38494, 175350,  21549, 147899,  80592,
     80434, 125890,  78961,  53848,  90895, 151558, 170757,  89673,
    144237,  20260, 165071, 136077, 195314, 172482, 129960,  77286,
     40538,  82869, 134331, 164558, 125231, 142408,  48943, 163541,
    117107, 148477,   3394, 134801,  85025, 142418,  75097,  70469,
      7762,  28592,  87852,  62967,   2279,  91080,  61082,  60684,
    178986,  91999, 180137, 152942, 173498, 102809,   6149, 123632,
    179858, 170131, 143574,  45360, 122242, 122958, 167208,  86418,
    160531,  11327,  40415, 183494,  41667, 169731, 165433,  35820,
     76173,  46855, 195549, 176407, 186056, 176795,  27621,  63502,
     14999,  18099, 142684,  85150, 159165,  51557, 137585, 108738,
     87401, 154908,  26841, 196510,  74598,   7081, 157041, 152640,
     24715, 164903,  66770, 191022,  96123, 162003, 159851,  40748,
     30318, 198593,  64041,  49493, 168318,  79798, 117614, 137300,
     82959,  32502,  91980, 181553,  14257, 144337, 157407,  84387,
    126108,  79063,  13899,  29754, 149295,  11294,  18405,   2058,
    195483,  16589, 114367, 119968,  83494,  92495,  30077, 169918,
    104415, 179539,  45213,  16856,  86812,  39865,  13684, 111790,
     86597,  20304,  17474, 132456, 181055, 194881, 122964,  52938,
    160542, 104305, 155591, 132293, 143224, 128981,  58635, 112026,
    164641, 184865,  81745, 159122,  38200,  85025,  29463,  59524,
     71237,  28137, 196253, 169977,  33981, 102519,  36822,  81767,
     36672, 197607,   7563, 117961, 128997,  46457, 172719,  21439,
    110031,  66004,  98341,  84604,  72546, 176039,  51170, 106538,
     32181, 188051,  78635, 105171, 153709,  40236,  64058,  38618,
     66471,  46707, 133582, 178524,  66776, 122653, 158146,  84340,
    134073,  16345, 122775,  21871, 140589, 131788, 144951,  30189,
     86951,  26003, 157836, 118411, 128616,   2211,  99864,  67908,
};

uint64_t bench_claims(const struct claim_input* in, uint64_t len) {
  (void)len;
  uint64_t allowed = kAllowedPerUnit[in->procedure & 0xff] * in->units;
  if (!(in->flags & CLAIM_IN_NETWORK)) allowed = allowed * 6 / 10;
  if (in->billed < allowed) allowed = in->billed;
  if (in->flags & CLAIM_PREVENTIVE) return allowed;

  /* The member pays, in order: the copay, then the deductible, then coinsurance on the rest;
   * the total is capped by what is left of the out-of-pocket maximum. */
  uint64_t rest = allowed;
  uint64_t member = in->copay < rest ? in->copay : rest;
  rest -= member;
  uint64_t deductible = in->deductible_remaining < rest ? in->deductible_remaining : rest;
  member += deductible;
  rest -= deductible;
  member += rest * in->coinsurance_bp / 10000;
  uint64_t oop_left = in->oop_met < in->oop_max ? in->oop_max - in->oop_met : 0;
  if (member > oop_left) member = oop_left;
  return allowed - member;
}
