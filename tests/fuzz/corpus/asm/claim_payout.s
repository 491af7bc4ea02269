# Claim payout: what a plan pays for one service line, written directly in eBPF assembly.
#
# Input block (little-endian 64-bit words at r1), amounts in cents:
#   [0]  billed charge               [3]  copay
#   [1]  fee-schedule amount         [4]  coinsurance, patient share in basis points
#   [2]  deductible remaining        [5]  out-of-pocket remaining
# Result: r0 = what the plan pays, in cents.
#
#   allowed     = min(billed, schedule)
#   deductible  = min(allowed, deductible remaining)
#   copay       = min(allowed - deductible, copay)
#   coinsurance = (allowed - deductible - copay) * bps / 10000, rounded half up
#   patient     = min(deductible + copay + coinsurance, out-of-pocket remaining)
#   plan pays   = allowed - patient

    ldxdw %r2, [%r1]          # billed
    ldxdw %r3, [%r1+8]        # schedule
    jle %r2, %r3, billed_ok
    mov %r2, %r3              # allowed = schedule
billed_ok:
    ldxdw %r4, [%r1+16]       # deductible remaining
    jle %r4, %r2, deductible_ok
    mov %r4, %r2
deductible_ok:
    mov %r5, %r2
    sub %r5, %r4              # left after the deductible
    ldxdw %r6, [%r1+24]       # copay
    jle %r6, %r5, copay_ok
    mov %r6, %r5
copay_ok:
    sub %r5, %r6              # left after the copay
    ldxdw %r7, [%r1+32]       # coinsurance in basis points
    mul %r7, %r5
    add %r7, 5000             # round half up to the cent
    div %r7, 10000
    mov %r8, %r4
    add %r8, %r6
    add %r8, %r7              # patient share before the cap
    ldxdw %r9, [%r1+40]       # out-of-pocket remaining
    jle %r8, %r9, capped
    mov %r8, %r9
capped:
    mov %r0, %r2
    sub %r0, %r8              # the plan pays the rest of the allowed amount
    exit
