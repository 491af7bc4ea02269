#!/usr/bin/env bash
# The Synthea check end to end: `covenant simulate --format synthea` runs
# contracts/claims/synthea_payer.cvn over Synthea's sample export, then covenant-synthea-check
# compares its results with Synthea's own payments and prints the match count.
# Usage: simulate_check.sh BIN_DIR SOURCE_DIR SAMPLE_DIR. Exit 77 when the sample is absent.
set -uo pipefail
bin=$1 src=$2 sample=$3
[[ -d "$sample" ]] || { echo "SKIP: the Synthea sample is not here ($sample)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/covenant" simulate --plan "$src/contracts/claims/synthea_payer.cvn" --claims "$sample" \
  --format synthea --out "$work/results.ndjson" || { echo "FAIL: covenant simulate failed"; exit 1; }
"$bin/covenant-synthea-check" "$work/results.ndjson"
