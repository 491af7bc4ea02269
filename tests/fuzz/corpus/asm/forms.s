lddw %r0, 0x1122334455667788
lock fetch add32 [%r10-8], %r1
call local f
ja32 +1
exit
f:
movsx1632 %r2, %r3
sdiv32 %r2, -3
be16 %r2
exit
