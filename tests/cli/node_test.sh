#!/usr/bin/env bash
# End-to-end checks of a node: `node_test.sh CASE BIN_DIR SOURCE_DIR [OTHER_BIN_DIR]`. Each
# case runs the real binary in a scratch directory: covenant init, deploy, invoke, query,
# contracts and ledger verify, with fixed keys and times so that every run makes the same
# bytes. OTHER_BIN_DIR (debug-release-replay only) holds a covenant built another way.
set -uo pipefail
case_name=$1 bin=$2 src=$3 other=${4:-}
source "$src/tests/cli/harness.sh"
covenant="$bin/covenant"

printf '\x11%.0s' $(seq 32) >node.seed
printf '\x22%.0s' $(seq 32) >alice.seed
T=1790000000000  # 2026-09-21, the genesis time; each transaction one second later
init() { run "$1/covenant" init "$2" --key-file node.seed --time $T; expect_rc 0; }
member=$(printf '%064x' 7)
tally="$src/tests/cli/contracts/tally.cvn"
ppo="$src/contracts/examples/ppo_gold_2027.cvn"
claim=$(cat "$src/contracts/examples/ppo_claim.json")

# The same transactions, whatever binary runs them.
script() {
  local c=$1/covenant dir=$2
  run "$c" deploy "$tally" --node "$dir" --time $((T + 1000)); expect_rc 0
  run "$c" deploy "$ppo" --node "$dir" --time $((T + 2000)); expect_rc 0
  run "$c" invoke Tally add --node "$dir" --time $((T + 3000)) --args "{\"member\":\"$member\",\"by\":2}"; expect_rc 0
  run "$c" invoke Tally add --node "$dir" --time $((T + 4000)) --args "{\"member\":\"$member\",\"by\":-1}"; expect_rc 0
  run "$c" invoke Tally add --node "$dir" --time $((T + 5000)) --args "{\"member\":\"$member\",\"by\":0}"; expect_rc 3
  run "$c" invoke Tally spin --node "$dir" --time $((T + 6000)) --gas 1000 --args '{"n":1}'; expect_rc 3
  run "$c" invoke PpoGold2027 adjudicate --node "$dir" --time $((T + 7000)) --args "$claim"; expect_rc 0
  run "$c" invoke PpoGold2027 adjudicate --node "$dir" --time $((T + 8000)) --args "$claim"; expect_rc 0
}

case $case_name in
  node-deploy-invoke-query-verify)
    init "$bin" N
    run "$covenant" deploy "$tally" --node N --time $((T + 1000))
    expect_rc 0
    expect_out '^deployed Tally version 1 (module [0-9a-f]\{64\}) in block 1, entry 0$'
    run "$covenant" contracts --node N --json
    expect_rc 0
    expect_out '"contract":"Tally","version":1'
    run "$covenant" invoke Tally add --node N --time $((T + 2000)) --args "{\"member\":\"$member\",\"by\":2}"
    expect_rc 0
    expect_out '^{"result":2,"gas_used":[0-9]*,"contract":"Tally","version":1,"block":2,"entry":1}$'
    run "$covenant" invoke Tally@1 add --node N --time $((T + 3000)) --args "{\"member\":\"$member\",\"by\":3}"
    expect_rc 0
    expect_out '"result":5'
    # A query runs on the node's state and is recorded nowhere.
    before=$("$covenant" ledger show N --json)
    run "$covenant" query Tally count --node N --args "{\"member\":\"$member\"}"
    expect_rc 0
    expect_out '^{"result":5,'
    [[ $("$covenant" ledger show N --json) == "$before" ]] || fail "a query changed the ledger"
    # Another key calls; the nonce of each signer is its own.
    run "$covenant" invoke Tally add --node N --key alice.seed --time $((T + 4000)) --args "{\"member\":\"$member\",\"by\":1}"
    expect_rc 0
    expect_out '"result":6'
    run "$covenant" ledger verify N
    expect_rc 0
    expect_out '^ok: 5 blocks, 4 entries, 4 signatures'
    ;;

  node-failed-calls-leave-no-writes)
    init "$bin" N
    run "$covenant" deploy "$tally" --node N --time $((T + 1000)); expect_rc 0
    run "$covenant" invoke Tally add --node N --time $((T + 2000)) --args "{\"member\":\"$member\",\"by\":2}"; expect_rc 0
    state=$("$covenant" ledger show N --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["head"]["state_commitment"])')
    # Denied after its write: the write is gone, the receipt names the reason and the line.
    run "$covenant" invoke Tally add --node N --time $((T + 3000)) --args "{\"member\":\"$member\",\"by\":-1}"
    expect_rc 0
    expect_out '"denied":{"code":7,"reason":"no negative tallies","at":"tally.cvn:12:3"}'
    # Faults after its write: the same.
    run "$covenant" invoke Tally add --node N --time $((T + 4000)) --args "{\"member\":\"$member\",\"by\":0}"
    expect_rc 3
    expect_out '"fault":{"reason":"division by zero","at":"tally.cvn:13:15"}'
    run "$covenant" invoke Tally spin --node N --time $((T + 5000)) --gas 1000 --args '{"n":1}'
    expect_rc 3
    expect_out '"out_of_gas":{"at":"tally.cvn:'
    expect_out '"gas_used":1000'
    run "$covenant" query Tally count --node N --args "{\"member\":\"$member\"}"
    expect_out '"result":2,'
    run "$covenant" ledger show N --json
    python3 - "$state" <<'PY' <"$work/out" || fail "the state changed: $(cat "$work/out")"
import json, sys
head = json.load(sys.stdin)["head"]
sys.exit(0 if head["state_commitment"] == sys.argv[1] else 1)
PY
    # The receipts are on the ledger, with their reasons and source lines.
    run "$covenant" ledger show N --block 3 --json
    expect_out '"status":"denied","gas_used":[0-9]*,"write_set_hash":"0\{64\}","read_set_hash":"[0-9a-f]\{64\}","events":0,"output":"","reason":"code 7: no negative tallies","at":"12:3"'
    run "$covenant" ledger show N --block 4 --json
    expect_out '"status":"fault",.*"reason":"division by zero","at":"13:15"'
    run "$covenant" ledger show N --block 5 --json
    expect_out '"status":"out_of_gas",.*"gas_used":1000,'
    run "$covenant" ledger verify N
    expect_rc 0
    ;;

  node-refusals)
    init "$bin" N
    run "$covenant" invoke Tally add --node N --args '{}'
    expect_rc 2
    expect_err 'no contract Tally is deployed'
    run "$covenant" deploy "$tally" --node N --time $((T + 1000)); expect_rc 0
    # The same version again is refused, and recorded as refused.
    run "$covenant" deploy "$tally" --node N --time $((T + 2000))
    expect_rc 1
    expect_out 'rejected in block 2, entry 1: Tally version 1 is already deployed'
    # A new version of a name comes only from the key that deployed the first.
    sed 's/contract Tally version 1/contract Tally version 2/' "$tally" >tally2.cvn
    run "$covenant" deploy tally2.cvn --node N --key alice.seed --time $((T + 3000))
    expect_rc 1
    expect_out 'Tally belongs to the key'
    run "$covenant" deploy tally2.cvn --node N --time $((T + 4000))
    expect_rc 0
    expect_out 'deployed Tally version 2'
    # Both versions stay callable; the bare name means the highest.
    run "$covenant" query Tally count --node N --args "{\"member\":\"$member\"}"
    expect_out '"version":2}'
    run "$covenant" query Tally@1 count --node N --args "{\"member\":\"$member\"}"
    expect_out '"version":1}'
    run "$covenant" invoke Tally nope --node N
    expect_rc 2
    expect_err 'no entry `nope` in Tally (entries: add, count, spin)'
    run "$covenant" invoke Tally add --node N --args '{"member":"zz"}'
    expect_rc 2
    expect_err '\-\-args'
    run "$covenant" invoke Tally@0 add --node N
    expect_rc 2
    run "$covenant" deploy "$src/tests/cli/contracts/recursion.cvn" --node N
    expect_rc 1
    run "$covenant" deploy /nonexistent.cvm --node N
    expect_rc 2
    run "$covenant" ledger verify N
    expect_rc 0
    ;;

  node-debug-release-replay)
    # The same transactions through this build and another (Debug and Release): every block
    # (header hash, state commitment, log root, receipts) must be the same, and each build
    # must accept the other's ledger when it re-executes every transaction.
    [[ -n "$other" && -x "$other/covenant" ]] || { echo "SKIP: no second build at '$other'"; exit 77; }
    init "$bin" A
    script "$bin" A
    init "$other" B
    script "$other" B
    blocks=$("$covenant" ledger show A --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["blocks"])')
    [[ $blocks == 9 ]] || fail "expected 9 blocks, got $blocks"
    for h in $(seq 0 $((blocks - 1))); do
      a=$("$covenant" ledger show A --block "$h" --json)
      b=$("$covenant" ledger show B --block "$h" --json)
      [[ "$a" == "$b" ]] || fail "block $h differs between the builds:\n$a\n$b"
    done
    run "$covenant" ledger verify B; expect_rc 0
    run "$other/covenant" ledger verify A; expect_rc 0
    echo "9 blocks, 8 transactions: identical in both builds, and each build re-executed the other's"
    ;;

  *) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
