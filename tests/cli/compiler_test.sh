#!/usr/bin/env bash
# End-to-end checks of the contract compiler through the `covenant` tool:
# `compiler_test.sh CASE BIN_DIR SOURCE_DIR`. Each case compiles contracts of
# tests/cli/contracts/ with the real binary and checks exit codes and output.
set -uo pipefail
case_name=$1 bin=$2 src=$3
contracts=$src/tests/cli/contracts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
covenant=$bin/covenant

fail() { echo "FAIL: $*"; exit 1; }

# Runs a command, keeping stdout, stderr and the exit code.
run() { "$@" >"$work/out" 2>"$work/err"; echo $? >"$work/rc"; }
rc() { cat "$work/rc"; }
out() { cat "$work/out"; }
err() { cat "$work/err"; }

# The module id `covenant build` prints for $1 (a .cvn), built into $2.
module_id() {
  run "$covenant" build "$1" -o "$2"
  [[ $(rc) == 0 ]] || fail "build $1: exit $(rc): $(err)"
  sed -n 's/.* module \([0-9a-f]\{64\}\)$/\1/p' "$work/out"
}

# Copies a contract into its own directory of $work under a fixed name, so that variants
# differ only in their text (the module records the source's file name).
variant() {
  mkdir -p "$work/$1"
  cp "$contracts/$2" "$work/$1/contract.cvn"
  echo "$work/$1/contract.cvn"
}

case $case_name in
  build-deterministic)
    a=$(module_id "$contracts/plan.cvn" "$work/a.cvm")
    b=$(module_id "$contracts/plan.cvn" "$work/b.cvm")
    [[ -n $a && $a == "$b" ]] || fail "two builds give modules $a and $b"
    cmp -s "$work/a.cvm" "$work/b.cvm" || fail "two builds of one source differ in their bytes"
    ;;
  build-hash-changes)
    base=$(variant base plan.cvn)
    money=$(variant money plan.cvn)
    comment=$(variant comment plan.cvn)
    sed -i 's/const copay: Money = 25\.00 USD/const copay: Money = 26.00 USD/' "$money"
    sed -i 's|^// What the member pays per office visit\.$|// What the member pays for an office visit.|' "$comment"
    cmp -s "$base" "$money" && fail "the constant was not changed"
    cmp -s "$base" "$comment" && fail "the comment was not changed"
    id_base=$(module_id "$base" "$work/base.cvm")
    id_money=$(module_id "$money" "$work/money.cvm")
    id_comment=$(module_id "$comment" "$work/comment.cvm")
    [[ $id_base != "$id_money" ]] || fail "25.00 -> 26.00 left the module id at $id_base"
    # A comment changes no instruction, but the module records the source's SHA-256, so its
    # id changes too: a module always names the exact text it was built from.
    [[ $id_base != "$id_comment" ]] || fail "a comment change left the module id at $id_base"
    "$covenant" disasm "$work/base.cvm" | grep -v '^#' >"$work/base.s" || fail "disasm base"
    "$covenant" disasm "$work/comment.cvm" | grep -v '^#' >"$work/comment.s" || fail "disasm comment"
    cmp -s "$work/base.s" "$work/comment.s" || fail "a comment change altered the code"
    sha=$(sha256sum "$comment" | cut -d' ' -f1)
    "$covenant" disasm "$work/comment.cvm" >"$work/comment.dis" || fail "disasm comment"
    grep -q "^# source_sha256 = $sha$" "$work/comment.dis" ||
      fail "the module does not record the source's SHA-256 $sha"
    ;;
  call-int-overflow)
    run "$covenant" build "$contracts/faults.cvn" -o "$work/faults.cvm"
    [[ $(rc) == 0 ]] || fail "build: $(err)"
    run "$covenant" call "$work/faults.cvm" visits --args '{"a": 4611686018427387904, "b": 2}'
    [[ $(rc) != 0 ]] || fail "an overflowing call exited 0: $(out)"
    grep -q 'integer overflow at faults.cvn:6:10' "$work/err" ||
      fail "the overflow is not reported at its source line and column: $(err)"
    run "$covenant" call "$work/faults.cvm" visits --args '{"a": 3, "b": 4}'
    [[ $(rc) == 0 ]] || fail "3 * 4: exit $(rc): $(err)"
    grep -q '"result":12' "$work/out" || fail "3 * 4: $(out)"
    ;;
  call-money-div-zero)
    run "$covenant" build "$contracts/faults.cvn" -o "$work/faults.cvm"
    [[ $(rc) == 0 ]] || fail "build: $(err)"
    run "$covenant" call "$work/faults.cvm" split --args '{"amount": "10.00 USD", "ways": 0}'
    [[ $(rc) != 0 ]] || fail "dividing by zero exited 0: $(out)"
    grep -q 'division by zero at faults.cvn:10:10' "$work/err" ||
      fail "the division by zero is not reported at its source line and column: $(err)"
    run "$covenant" call "$work/faults.cvm" split --args '{"amount": "10.00 USD", "ways": 3}'
    [[ $(rc) == 0 ]] || fail "10.00 / 3: exit $(rc): $(err)"
    grep -q '"result":"3.33 USD"' "$work/out" || fail "10.00 USD / 3 rounded down: $(out)"
    ;;
  compile-errors)
    for pair in mixed_currency:E0302:5:10 while_loop:E0402:5:3 range_loop:E0403:5:15 \
                recursion:E0401:7:14; do
      IFS=: read -r name id line col <<<"$pair"
      run "$covenant" build "$contracts/$name.cvn" -o "$work/$name.cvm"
      [[ $(rc) == 1 ]] || fail "$name: exit $(rc), expected 1"
      grep -q "^$contracts/$name.cvn:$line:$col: error\[$id\]: " "$work/err" ||
        fail "$name: no error[$id] at $line:$col: $(err)"
      grep -q '^ *| *\^' "$work/err" || fail "$name: no caret line: $(err)"
      [[ ! -e $work/$name.cvm ]] || fail "$name: a module was written despite the error"
      run "$covenant" check "$contracts/$name.cvn"
      [[ $(rc) == 1 ]] || fail "check $name: exit $(rc), expected 1"
      grep -q "error\[$id\]" "$work/err" || fail "check $name: no error[$id]: $(err)"
    done
    ;;
  check-gas)
    run "$covenant" check "$contracts/plan.cvn"
    [[ $(rc) == 0 ]] || fail "exit $(rc): $(err)"
    grep -q 'ok, contract Plan version 1' "$work/out" || fail "no summary line: $(out)"
    grep -Eq '^  entry price\(line: Line\) -> Money<USD> +gas <= [1-9][0-9]*$' "$work/out" ||
      fail "no gas bound for price: $(out)"
    grep -Eq '^  entry total\(xs: List<Int, 8>\) -> Int +gas <= [1-9][0-9]*$' "$work/out" ||
      fail "no gas bound for total: $(out)"
    [[ $(grep -c '^  entry ' "$work/out") == 2 ]] || fail "expected one line per entry: $(out)"
    ;;
  test-pass)
    run "$covenant" test "$contracts/plan.cvn"
    [[ $(rc) == 0 ]] || fail "exit $(rc): $(out) $(err)"
    grep -q '^PASS  "office visit"' "$work/out" || fail "no PASS line: $(out)"
    grep -q '^PASS  "sum"' "$work/out" || fail "no PASS line: $(out)"
    grep -q '^2 passed, 0 failed$' "$work/out" || fail "no summary: $(out)"
    ;;
  test-fail)
    run "$covenant" test "$contracts/wrong_expectation.cvn"
    [[ $(rc) == 1 ]] || fail "exit $(rc), expected 1: $(out)"
    grep -q '^PASS  "right"' "$work/out" || fail "the right expectation did not pass: $(out)"
    grep -q '^FAIL  "wrong"$' "$work/out" || fail "no FAIL line: $(out)"
    grep -q 'wrong_expectation.cvn:16:3: expect price(100.00 USD) == 80.00 USD' "$work/out" ||
      fail "the failure does not show the expectation and where: $(out)"
    grep -q 'left:  price(100.00 USD) = "75.00 USD"' "$work/out" || fail "no left value: $(out)"
    grep -q 'right: 80.00 USD = "80.00 USD"' "$work/out" || fail "no right value: $(out)"
    grep -q '^1 passed, 1 failed$' "$work/out" || fail "no summary: $(out)"
    ;;
  emit-text)
    plan=$(variant emit plan.cvn)
    run "$covenant" build "$plan" --emit ast
    [[ $(rc) == 0 ]] || fail "ast: exit $(rc): $(err)"
    grep -q '^contract Plan version 1' "$work/out" || fail "ast: $(head -3 "$work/out")"
    run "$covenant" build "$plan" --emit llvm
    [[ $(rc) == 0 ]] || fail "llvm: exit $(rc): $(err)"
    grep -q '^define .*@price' "$work/out" || fail "llvm: no function price"
    grep -q '^target triple = "bpfel"' "$work/out" || fail "llvm: not for BPF"
    run "$covenant" build "$plan" --emit asm
    [[ $(rc) == 0 ]] || fail "asm: exit $(rc): $(err)"
    grep -q '^price:' "$work/out" || fail "asm: no label price"
    grep -q 'exit' "$work/out" || fail "asm: no exit instruction"
    # Printing an intermediate form writes no module.
    [[ ! -e $work/emit/contract.cvm ]] || fail "--emit wrote a module"
    ;;
  call-bad-args)
    run "$covenant" build "$contracts/plan.cvn" -o "$work/plan.cvm"
    [[ $(rc) == 0 ]] || fail "build: $(err)"
    run "$covenant" call "$work/plan.cvm" price --args '{"line": {"code": "99214", "billed": "200.00 EUR"}}'
    [[ $(rc) == 2 ]] || fail "wrong currency: exit $(rc), expected 2"
    grep -q -- '--args: line.billed: ' "$work/err" || fail "wrong currency: no path: $(err)"
    run "$covenant" call "$work/plan.cvm" price --args '{"line": {"code": "99214"}}'
    [[ $(rc) == 2 ]] || fail "missing field: exit $(rc), expected 2"
    grep -q -- '--args: line.billed: missing' "$work/err" || fail "missing field: no path: $(err)"
    run "$covenant" call "$work/plan.cvm" total --args '{"xs": [1, "two"]}'
    [[ $(rc) == 2 ]] || fail "bad element: exit $(rc), expected 2"
    grep -q -- '--args: xs\[1\]' "$work/err" || fail "bad element: no path: $(err)"
    run "$covenant" call "$work/plan.cvm" refund
    [[ $(rc) == 2 ]] || fail "unknown entry: exit $(rc), expected 2"
    grep -q 'no entry `refund` (entries: ' "$work/err" || fail "unknown entry: $(err)"
    run "$covenant" call "$work/missing.cvm" price
    [[ $(rc) == 2 ]] || fail "missing module: exit $(rc), expected 2"
    grep -q "$work/missing.cvm" "$work/err" || fail "missing module: no path: $(err)"
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
