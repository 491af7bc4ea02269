#!/bin/sh
# covenant report end to end: the sample results give a page that Python's HTML parser reads
# with every element closed and nothing outside the page, the same bytes twice, the summary
# line on stdout and each malformed line on stderr as file:line; unusable input exits 2.
# Usage: report_cli_test.sh COVENANT PYTHON3 SOURCE_DIR WORK_DIR
set -eu
covenant=$1 python=$2 here=$3 work=$4/report_cli
rm -rf "$work" && mkdir -p "$work"
sample=$here/results_sample.ndjson

"$covenant" report "$sample" --html "$work/a.html" --title 'PPO <2027>' >"$work/out" 2>"$work/err"
grep -q "^wrote $work/a.html: 26 claims (18 adjudicated, 6 denied, 2 failed), 22,621.60 USD paid by the plan of 72,322.00 USD billed; 5 malformed lines skipped; 1 claim out of balance\$" "$work/out"
test "$(wc -l <"$work/err")" -eq 5
grep -q "^$sample:13: \"billed\": \"12.5\" is not an amount with 2 decimals (USD)\$" "$work/err"
"$covenant" report "$sample" --html "$work/b.html" --title 'PPO <2027>' >/dev/null 2>&1
cmp "$work/a.html" "$work/b.html"
"$python" "$here/check_html.py" "$work/a.html"

# Unusable input: a missing file, an unwritable page.
status=0; "$covenant" report "$work/missing.ndjson" --html "$work/c.html" 2>/dev/null || status=$?
test "$status" -eq 2
status=0; "$covenant" report "$sample" --html "$work/no/such/dir/c.html" 2>/dev/null || status=$?
test "$status" -eq 2
echo ok
