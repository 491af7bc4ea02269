# Sourced by the end-to-end scripts (node_test.sh, simulate_test.sh, consent_test.sh): a
# scratch directory, entered and removed on exit, and the helpers that run a command and
# check its exit code and output. `run CMD...` keeps stdout, stderr and the exit code in
# $work/out, $work/err and $work/rc for the expect_* checks.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

fail() { echo "FAIL: $*"; exit 1; }
run() { "$@" >"$work/out" 2>"$work/err"; echo $? >"$work/rc"; }
rc() { cat "$work/rc"; }
expect_rc() { [[ $(rc) == "$1" ]] || fail "exit $(rc), expected $1: $(cat "$work/err") $(head -c 2000 "$work/out")"; }
expect_out() { grep -q -- "$1" "$work/out" || fail "expected /$1/ in: $(cat "$work/out") $(cat "$work/err")"; }
expect_err() { grep -q -- "$1" "$work/err" || fail "expected /$1/ on stderr: $(cat "$work/err")"; }
