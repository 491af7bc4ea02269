#!/usr/bin/env bash
# End-to-end checks of `covenant simulate` (and gen-claims, report): `simulate_test.sh CASE
# BIN_DIR SOURCE_DIR [SHARED_DIR]`. Fixtures are in tests/cli/simulate/; each case runs in a
# scratch directory. Exit 77 (skipped) when a case needs SHARED_DIR data that is absent.
set -uo pipefail
case_name=$1 bin=$2 src=$3 shared=${4:-}
source "$src/tests/cli/harness.sh"
covenant="$bin/covenant"
fixtures="$src/tests/cli/simulate"
ppo="$src/contracts/claims/commercial_ppo.cvn"

# The result line of claim $2 in results file $1.
result_of() { grep "\"claim_id\":\"$2\"" "$1" || fail "no result for claim $2 in $1"; }
# JSON field $2 of the one-object file $1 (python3 reads it: no hand-written JSON parsing).
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(json.dumps(v))' "$1" "$2"; }
line_field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(json.dumps(v))' "$1" "$2"; }

case "$case_name" in
  simulate-malformed)
    # Seven bad records among four good ones: one line each on stderr naming file:line, and
    # the totals of the good ones exactly as if the bad ones were not there.
    run "$covenant" simulate --plan "$ppo" --claims "$fixtures/good.ndjson" --json --threads 1
    expect_rc 0
    cp out good.json
    [[ ! -s err ]] || fail "a clean file reported problems: $(cat err)"
    run "$covenant" simulate --plan "$ppo" --claims "$fixtures/malformed.ndjson" --json --out results.ndjson
    expect_rc 0
    cp out bad.json
    [[ $(wc -l <err) == 7 ]] || fail "expected 7 lines on stderr, got: $(cat err)"
    for n in 3 4 5 7 8 9 11; do
      grep -q "malformed.ndjson:$n[: ]" err || fail "line $n not reported: $(cat err)"
    done
    grep -q "diagnoses: the plan takes at most 12" err || fail "encoder reason missing: $(cat err)"
    grep -q "no_such_entry" err || fail "unknown entry not named: $(cat err)"
    [[ $(field bad.json malformed) == 7 ]] || fail "malformed count: $(cat bad.json)"
    for k in claims lines billed allowed payer patient secondary contractual denials adjustments balanced; do
      [[ "$(field bad.json $k)" == "$(field good.json $k)" ]] || fail "$k differs: $(cat good.json) vs $(cat bad.json)"
    done
    [[ $(wc -l <results.ndjson) == 3 ]] || fail "expected 3 results: $(cat results.ndjson)"
    [[ $(sed -n 's/.*"claim_id":"\([^"]*\)".*/\1/p' results.ndjson | tr '\n' ' ') == "G1 G2 G3 " ]] ||
      fail "results not in input order: $(cat results.ndjson)"
    ;;
  simulate-strict)
    run "$covenant" simulate --plan "$ppo" --claims "$fixtures/malformed.ndjson" --strict
    expect_rc 1
    expect_err "malformed.ndjson:3"
    [[ $(wc -l <err) == 1 ]] || fail "strict run should name only the first bad record: $(cat err)"
    ;;
  simulate-out-of-order)
    # One member's claims arrive out of date-of-service order across two plan years (the plan
    # year starts 1 July): each year keeps its own deductible, and the duplicate is found.
    run "$covenant" simulate --plan "$ppo" --claims "$fixtures/out_of_order.ndjson" --out r.ndjson
    expect_rc 0
    a=$(result_of r.ndjson A) b=$(result_of r.ndjson B) c=$(result_of r.ndjson C)
    e=$(result_of r.ndjson E) f=$(result_of r.ndjson F)
    [[ $(line_field "$a" lines.0.deductible) == '"950.10"' ]] || fail "A: $a"
    [[ $(line_field "$b" lines.0.deductible) == '"950.10"' ]] || fail "B, plan year 2026, own deductible: $b"
    [[ $(line_field "$c" lines.0.deductible) == '"49.90"' ]] || fail "C: rest of 2027's deductible: $c"
    [[ $(line_field "$c" lines.0.payer) == '"31.21"' ]] || fail "C: $c"
    [[ $(line_field "$f" lines.0.deductible) == '"49.90"' ]] || fail "F: rest of 2026's deductible: $f"
    [[ $(line_field "$e" lines.0.adjustments.0.reason) == 18 ]] || fail "E is B's duplicate: $e"
    [[ $(line_field "$e" lines.0.payer) == '"0.00"' ]] || fail "E: $e"
    ;;
  simulate-threads-deterministic)
    # Results do not depend on the number of threads, and come out in input order.
    run "$covenant" gen-claims --n 3000 --seed 11 --out claims.ndjson; expect_rc 0
    run "$covenant" simulate --plan "$ppo" --claims claims.ndjson --threads 1 --out one.ndjson --json
    expect_rc 0; cp out one.json
    run "$covenant" simulate --plan "$ppo" --claims claims.ndjson --threads 2 --out two.ndjson --json
    expect_rc 0; cp out two.json
    cmp -s one.ndjson two.ndjson || fail "results differ between 1 and 2 threads"
    [[ $(field one.json claims) == 3000 ]] || fail "claims: $(cat one.json)"
    [[ $(field one.json balanced) == true ]] || fail "unbalanced: $(cat one.json)"
    grep -o '"id":"[^"]*"' claims.ndjson | sed 's/"id"/"claim_id"/' >ids.in
    grep -o '"claim_id":"[^"]*"' one.ndjson >ids.out
    cmp -s ids.in ids.out || fail "results are not in input order"
    ;;
  simulate-node-matches-memory)
    # On a node every claim is a ledger entry; the results are the in-memory run's, byte for
    # byte, and the ledger audits by re-executing every transaction.
    run "$covenant" gen-claims --n 2500 --seed 5 --out claims.ndjson; expect_rc 0
    run "$covenant" init node --time 1780000000000; expect_rc 0
    run "$covenant" simulate --plan "$ppo" --claims claims.ndjson --out memory.ndjson; expect_rc 0
    run "$covenant" simulate --plan "$ppo" --claims claims.ndjson --node node --out node.ndjson
    expect_rc 0
    expect_out "deployed CommercialPpo2027 version 1"
    expect_out "checkpoint"
    cmp -s memory.ndjson node.ndjson || fail "node results differ: $(diff memory.ndjson node.ndjson | head -5)"
    run "$covenant" ledger verify node; expect_rc 0
    # A second run reuses the deployment and appends after the first.
    run "$covenant" simulate --plan "$ppo" --claims "$fixtures/good.ndjson" --node node --json
    expect_rc 0
    run "$covenant" ledger verify node; expect_rc 0
    ;;
  simulate-csv-matches-ndjson)
    # The same claims as CSV rows (the enrolment from a setup file) give the same results.
    run "$covenant" simulate --plan "$ppo" --claims "$fixtures/good.ndjson" --out ndjson.out; expect_rc 0
    run "$covenant" simulate --plan "$ppo" --setup "$fixtures/enrol_c3.ndjson" \
      --claims "$fixtures/good.csv" --out csv.out
    expect_rc 0
    [[ ! -s err ]] || fail "problems: $(cat err)"
    cmp -s ndjson.out csv.out || fail "CSV results differ: $(diff ndjson.out csv.out | head -4)"
    ;;
  simulate-fhir)
    # Every Claim of both FHIR folders parses and is adjudicated (the plan sees SNOMED codes,
    # so it refuses lines as not covered; a refusal is a decision). Members are enrolled by a
    # setup file of calls, under the pseudonyms the simulator gives FHIR patient ids.
    [[ -d "$shared/data/claims/synthea-2024-fhir" ]] || exit 77
    for dir in synthea-2024-fhir smart-on-fhir-r4-2019; do
      : >setup.ndjson
      for f in "$shared/data/claims/$dir"/*.json.gz; do
        for p in $(zcat "$f" | python3 -c 'import json,sys
b=json.load(sys.stdin)
print("\n".join(sorted({e["resource"]["patient"]["reference"].split(":")[-1].split("/")[-1] for e in b["entry"] if e["resource"]["resourceType"]=="Claim"})))'); do
          h=$(printf '%s' "$p" | sha256sum | cut -c1-64)
          echo "{\"call\":\"enrol\",\"args\":{\"member\":\"$h\",\"from\":\"1900-01-01\",\"until\":\"2099-12-31\"}}" >>setup.ndjson
        done
      done
      run "$covenant" simulate --plan "$ppo" --setup setup.ndjson --claims "$shared/data/claims/$dir" --format fhir --json --out r.ndjson
      expect_rc 0
      [[ ! -s err ]] || fail "$dir: problems: $(cat err)"
      want=$(for f in "$shared/data/claims/$dir"/*.json.gz; do zcat "$f"; done | grep -o '"resourceType": *"Claim"' | wc -l)
      [[ $(field out claims) == "$want" ]] || fail "$dir: $(field out claims) claims, expected $want"
      [[ $(field out failed) == 0 && $(field out malformed) == 0 ]] || fail "$dir: $(cat out)"
      [[ $(field out balanced) == true ]] || fail "$dir: unbalanced: $(cat out)"
      grep -q '"code":31' r.ndjson && fail "$dir: a member was not enrolled"
    done
    ;;
  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
