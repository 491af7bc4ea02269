ldxb %r0, [%r1+0x7fff]
stw [%r10-8], 0xffffffff
jsle32 %r1, -1, exit
call 5
exit:
exit
.raw 0x0000000000000095
