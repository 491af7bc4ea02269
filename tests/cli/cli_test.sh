#!/usr/bin/env bash
# End-to-end checks of the command-line tools: `cli_test.sh CASE BIN_DIR SOURCE_DIR`.
# Each case runs the real binaries and checks exit codes and output.
set -uo pipefail
case_name=$1 bin=$2 src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

# Runs a command, keeping stdout, stderr and the exit code.
run() { "$@" >"$work/out" 2>"$work/err"; echo $? >"$work/rc"; }
rc() { cat "$work/rc"; }

case $case_name in
  run-demo)
    run "$bin/covenant" run "$src/vm/examples/claim_payout.s" --u64 25000,13000,5000,2500,2000,600000
    [[ $(rc) == 0 ]] || fail "exit $(rc): $(cat "$work/err")"
    grep -q '^r0 *4400 (0x1130)$' "$work/out" || fail "unexpected output: $(cat "$work/out")"
    grep -q '^gas used *38 of ' "$work/out" || fail "unexpected gas: $(cat "$work/out")"
    ;;
  run-endless-loop)
    printf 'loop:\n  ja loop\n  exit\n' >"$work/loop.s"
    run "$bin/covenant" run "$work/loop.s" --gas 5000
    [[ $(rc) == 1 ]] || fail "exit $(rc), expected 1"
    [[ $(wc -l <"$work/err") == 1 ]] || fail "expected one line, got: $(cat "$work/err")"
    grep -q 'out of gas' "$work/err" || fail "no out-of-gas reason: $(cat "$work/err")"
    grep -q 'gas used 5000' "$work/err" || fail "gas used not reported: $(cat "$work/err")"
    ;;
  run-store-outside)
    printf 'lddw %%r1, 0x0000000700000010\nstdw [%%r1+8], 1\nexit\n' >"$work/store.s"
    run "$bin/covenant" run "$work/store.s"
    [[ $(rc) == 1 ]] || fail "exit $(rc), expected 1"
    [[ $(wc -l <"$work/err") == 1 ]] || fail "expected one line, got: $(cat "$work/err")"
    grep -q 'memory fault at pc 2: write of 8 bytes at 0x0000000700000018' "$work/err" ||
      fail "fault does not name the address: $(cat "$work/err")"
    ;;
  run-json)
    run "$bin/covenant" run "$src/vm/examples/claim_payout.s" --u64 1,1,0,0,0,0 --json
    [[ $(rc) == 0 ]] || fail "exit $(rc)"
    grep -q '^{"ok":true,"r0":1,"r0_hex":"0x1","gas_used":[0-9]*,"output":""}$' "$work/out" ||
      fail "unexpected JSON: $(cat "$work/out")"
    ;;
  asm-disasm-roundtrip)
    run "$bin/covenant" asm "$src/vm/examples/claim_payout.s" -o "$work/a.cvm"
    [[ $(rc) == 0 ]] || fail "asm: $(cat "$work/err")"
    "$bin/covenant" disasm "$work/a.cvm" | grep -v '^#' >"$work/a.s" || fail "disasm failed"
    run "$bin/covenant" asm "$work/a.s" -o "$work/b.cvm"
    [[ $(rc) == 0 ]] || fail "reassembling the disassembly: $(cat "$work/err")"
    cmp -s "$work/a.cvm" "$work/b.cvm" || fail "disassembly does not reassemble to the same module"
    ;;
  run-rejected)
    printf 'mov %%r10, 1\nexit\n' >"$work/bad.s"
    run "$bin/covenant" run "$work/bad.s"
    [[ $(rc) == 1 ]] || fail "exit $(rc), expected 1"
    grep -q 'slot 0.*r10' "$work/err" || fail "rejection does not say where and why: $(cat "$work/err")"
    ;;
  plugin-result)
    # mov %r0, %r2 ; exit  with 8 bytes of memory: r0 = the length.
    echo "bf20000000000000 9500000000000000" | "$bin/covenant-bpf-plugin" "0001020304050607" >"$work/out" 2>"$work/err"
    [[ $? == 0 ]] || fail "exit non-zero: $(cat "$work/err")"
    [[ $(cat "$work/out") == 8 ]] || fail "expected r0 = 8 in hex, got $(cat "$work/out")"
    # ldxdw %r0, [%r1] reads the copy of the memory.
    echo "7910000000000000 9500000000000000" | "$bin/covenant-bpf-plugin" "1122334455667788" >"$work/out"
    [[ $(cat "$work/out") == 8877665544332211 ]] || fail "memory not passed: $(cat "$work/out")"
    ;;
  plugin-fault)
    # An endless loop exhausts the plugin's default gas; a store outside memory faults.
    echo "05 00 ff ff 00 00 00 00 95 00 00 00 00 00 00 00" | "$bin/covenant-bpf-plugin" >"$work/out" 2>"$work/err"
    [[ $? != 0 ]] || fail "endless loop exited 0"
    grep -q 'out of gas' "$work/err" || fail "no reason on stderr: $(cat "$work/err")"
    echo "7a01000001000000 9500000000000000" | "$bin/covenant-bpf-plugin" >"$work/out" 2>"$work/err"
    [[ $? != 0 ]] || fail "store outside memory exited 0"
    grep -q 'memory fault' "$work/err" || fail "no reason on stderr: $(cat "$work/err")"
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
