#!/usr/bin/env bash
# End-to-end checks of `covenant ledger`: `ledger_test.sh CASE BIN_DIR SOURCE_DIR`. Each case
# runs the real binary in a scratch directory and checks exit codes, output, and that a
# refused command changed nothing.
set -uo pipefail
case_name=$1 bin=$2 src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
covenant="$bin/covenant"

fail() { echo "FAIL: $*"; exit 1; }

# Runs a command, keeping stdout, stderr and the exit code.
run() { "$@" >"$work/out" 2>"$work/err"; echo $? >"$work/rc"; }
rc() { cat "$work/rc"; }
expect_rc() { [[ $(rc) == "$1" ]] || fail "exit $(rc), expected $1: $(cat "$work/err") $(cat "$work/out")"; }

# A node with a fixed key and fixed times, so that every run makes the same bytes.
printf '\x11%.0s' $(seq 32) >key.seed
init() { run "$covenant" ledger init "$1" --key-file key.seed --time 1700000000000 --segment-size 65536 "${@:2}"; }
# Appends N notes (note-1.txt ... note-N.txt) one block at a time, at fixed times.
append_notes() {
  local dir=$1 n=$2 i
  for i in $(seq "$n"); do
    echo "document $i" >"note-$i.txt"
    run "$covenant" ledger append "$dir" --data "note-$i.txt" --time $((1700000000000 + i))
    expect_rc 0
  done
}
# Every file of a directory and its hash, to show that nothing changed.
fingerprint() { (cd "$1" && find . -type f ! -name lock.mdb -print0 | sort -z | xargs -0 sha256sum); }

case $case_name in
  ledger-init-append-show)
    init L
    expect_rc 0
    grep -q '^created node L for chain covenant-local$' out || fail "init: $(cat out)"
    grep -q '^verifier key covenant-local+[0-9a-f]\{8\}+' out || fail "no verifier key: $(cat out)"
    printf 'alpha\n' >a.txt
    printf 'beta\n' >b.txt
    run "$covenant" ledger append L --data a.txt b.txt --time 1700000001000
    expect_rc 0
    grep -q '^block 1: 2 entries at 2023-11-14T22:13:21.000Z, log size 2$' out || fail "append: $(cat out)"
    grep -q '^  entry 1  b.txt  5 bytes  sha256 ' out || fail "append entries: $(cat out)"
    run "$covenant" ledger append L --data a.txt --json --time 1700000002000
    expect_rc 0
    grep -q '^{"height":2,.*"log_size":3,.*"entries":\[{"entry":2,"file":"a.txt","bytes":6,' out ||
      fail "append --json: $(cat out)"
    run "$covenant" ledger show L
    expect_rc 0
    grep -q '^blocks       3 (head 2)$' out || fail "show: $(cat out)"
    grep -q '^entries      3$' out || fail "show: $(cat out)"
    run "$covenant" ledger show L --block 1 --json
    expect_rc 0
    grep -q '"height":1,' out || fail "show --block: $(cat out)"
    grep -q '"entries":\[{"entry":0,"kind":"note",.*"nonce":0,"payload_bytes":6,.*"status":"ok"' out ||
      fail "show --block entries: $(cat out)"
    run "$covenant" ledger verify L
    expect_rc 0
    grep -q '^ok: 3 blocks, 3 entries, 3 signatures, 1 segment(s), ' out || fail "verify: $(cat out)"
    run "$covenant" ledger checkpoint L
    expect_rc 0
    [[ $(sed -n 1p out) == covenant-local && $(sed -n 2p out) == 3 ]] || fail "checkpoint: $(cat out)"
    grep -q '^— covenant-local ' out || fail "checkpoint signature line: $(cat out)"
    ;;

  ledger-proofs-check-independently)
    # Proofs of every entry of a 13-entry log, and consistency proofs from every size,
    # checked by an RFC 9162 verifier written in Python from the RFC.
    init L
    expect_rc 0
    append_notes L 13
    root=$("$covenant" ledger show L --json | sed 's/.*"log_root":"\([0-9a-f]*\)".*/\1/')
    # Runs a proof command and checks its JSON with the independent verifier.
    check_proof() {
      local kind=$1
      shift
      run "$covenant" ledger "$@" --json
      expect_rc 0
      cp out proof.json
      python3 "$src/tests/cli/rfc9162_check.py" "$kind" proof.json >check 2>&1 ||
        fail "$*: $(cat check): $(cat proof.json)"
    }
    for entry in $(seq 0 12); do
      check_proof inclusion proof L --entry "$entry"
      grep -q "\"root\":\"$root\"" proof.json || fail "entry $entry: root differs from show's"
    done
    check_proof inclusion proof L --entry 3 --size 7
    for from in $(seq 0 13); do
      check_proof consistency consistency L --from "$from" --to 13
    done
    check_proof consistency consistency L --from 5 --to 9
    # A changed audit path is rejected by the same checker (it is not a rubber stamp).
    "$covenant" ledger proof L --entry 4 --json | sed 's/"audit_path":\["./"audit_path":["0/' >bad.json
    python3 "$src/tests/cli/rfc9162_check.py" inclusion bad.json >check 2>&1 && fail "a changed path verified"
    ;;

  ledger-verify-finds-damage)
    init L
    expect_rc 0
    append_notes L 4
    segment=L/log/00000000.seg
    # Flips the byte at $1 of the segment.
    flip() {
      local byte
      byte=$(od -An -tu1 -j "$1" -N1 "$segment" | tr -d ' ')
      printf "$(printf '\\%03o' $(( byte ^ 0x20 )))" | dd of="$segment" bs=1 seek="$1" conv=notrunc status=none
    }
    # Byte 700 is in block 1's record (98 header bytes, 249 for the genesis record).
    flip 700
    run "$covenant" ledger verify L
    expect_rc 1
    grep -Eq "^covenant ledger verify: FAILED: L/log/00000000.seg at byte [0-9]+: block 1, entry 0: " err ||
      fail "verify does not name file, byte and block: $(cat err)"
    run "$covenant" ledger verify L --json
    expect_rc 1
    grep -q '^{"ok":false,"code":"corrupt","file":"L/log/00000000.seg","offset":[0-9]*,"block":1,"entry":0,' out ||
      fail "verify --json: $(cat out)"
    # Damage to the last block stops appends (opening checks the head), changing nothing.
    flip 700
    end=$(python3 -c "import sys; d=open('$segment','rb').read(); print(len(d.rstrip(b'\\0')))")
    flip $((end - 10))
    before=$(fingerprint L)
    run "$covenant" ledger append L --data note-1.txt
    expect_rc 1
    grep -q 'L/log/00000000.seg at byte [0-9]*: block 4: record body checksum mismatch' err ||
      fail "append over a damaged head: $(cat err)"
    [[ $(fingerprint L) == "$before" ]] || fail "a refused append changed the ledger"
    ;;

  ledger-sealed-batch)
    # Three notes under one seal: one signature, four entries; a forged covered note is found.
    init L
    expect_rc 0
    for i in 1 2 3; do echo "sealed note $i" >"s-$i.txt"; done
    run "$covenant" ledger append L --data s-1.txt s-2.txt s-3.txt --seal --time 1700000001000
    expect_rc 0
    grep -q '^block 1: 4 entries at 2023-11-14T22:13:21.000Z, log size 4$' out || fail "append --seal: $(cat out)"
    grep -q '^  entry 1  s-1.txt  14 bytes  sha256 ' out || fail "append --seal entries: $(cat out)"
    run "$covenant" ledger show L --block 1 --json
    expect_rc 0
    grep -q '"entries":\[{"entry":0,"kind":"seal",.*"nonce":0,"payload_bytes":96,.*"status":"ok"' out ||
      fail "show --block: $(cat out)"
    grep -q '{"entry":3,"kind":"note",.*"nonce":3,"payload_bytes":14,' out || fail "show --block: $(cat out)"
    run "$covenant" ledger verify L
    expect_rc 0
    grep -q '^ok: 2 blocks, 4 entries, 1 signatures and 3 sealed entries, 1 segment(s), ' out ||
      fail "verify: $(cat out)"
    run "$covenant" ledger verify L --json
    grep -q '"signatures":1,"sealed":3,' out || fail "verify --json: $(cat out)"
    # A forger changes the second note and recomputes the record's checksums: only the seal's
    # hash of it is left to catch the change.
    python3 - L/log/00000000.seg <<'PY' || fail "could not forge the record"
import struct, sys
def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF
path = sys.argv[1]
seg = bytearray(open(path, 'rb').read())
at = seg.index(b'sealed note 2')
seg[at + 12] = ord('9')
pos = 98
while seg[pos:pos + 4] == b'CVRB':
    length = struct.unpack_from('<I', seg, pos + 4)[0]
    if pos + 24 <= at < pos + 24 + length:
        struct.pack_into('<I', seg, pos + 16, crc32c(seg[pos + 24:pos + 24 + length]))
        struct.pack_into('<I', seg, pos + 20, crc32c(seg[pos:pos + 20]))
        open(path, 'r+b').write(seg)
        sys.exit(0)
    pos += 24 + length
sys.exit(1)
PY
    run "$covenant" ledger verify L
    expect_rc 1
    grep -Eq '^covenant ledger verify: FAILED: L/log/00000000.seg at byte [0-9]+: block 1, entry 2: sealing rule: the seal at nonce 0 lists another signing hash for nonce 2' err ||
      fail "verify of a forged covered note: $(cat err)"
    ;;

  ledger-bad-input)
    init L
    expect_rc 0
    append_notes L 2
    before=$(fingerprint L)
    run "$covenant" ledger show nowhere
    expect_rc 2
    grep -q 'nowhere: no such ledger directory' err || fail "missing dir: $(cat err)"
    run "$covenant" ledger append L --data missing.txt
    expect_rc 2
    grep -q 'missing.txt: No such file or directory' err || fail "missing file: $(cat err)"
    head -c 1048577 /dev/zero >big.bin
    run "$covenant" ledger append L --data note-1.txt big.bin
    expect_rc 2
    grep -q 'big.bin: 1048577 bytes; a note holds at most 1048576' err || fail "big file: $(cat err)"
    run "$covenant" ledger append L --data note-1.txt --time 1600000000000
    expect_rc 1
    grep -q 'block 3: time: time 1600000000000 ms is before the previous block' err || fail "old time: $(cat err)"
    run "$covenant" ledger proof L --entry 2
    expect_rc 2
    grep -q 'entry 2 is not in a tree of 2 entries' err || fail "entry out of range: $(cat err)"
    run "$covenant" ledger consistency L --from 3 --to 2
    expect_rc 2
    run "$covenant" ledger consistency L --from 1 --to 5
    expect_rc 2
    grep -q 'tree size 5 exceeds the log' err || fail "size out of range: $(cat err)"
    run "$covenant" ledger init L
    expect_rc 2
    grep -q 'not empty' err || fail "init over a ledger: $(cat err)"
    run "$covenant" ledger init M --chain-id 'has space'
    expect_rc 2
    run "$covenant" ledger init M --chain-id 'a+b'
    expect_rc 2
    run "$covenant" ledger init M --key-file big.bin
    expect_rc 2
    grep -q 'expected a 32-byte Ed25519 seed' err || fail "bad key file: $(cat err)"
    [[ $(fingerprint L) == "$before" ]] || fail "a refused command changed the ledger"
    # Garbage in the node's files: each is named, and nothing changes.
    cp -r L G
    head -c 31 /dev/urandom >G/node.key
    before=$(fingerprint G)
    run "$covenant" ledger append G --data note-1.txt
    expect_rc 1
    grep -q 'G/node.key: 31 bytes, expected a 32-byte Ed25519 seed' err || fail "bad node.key: $(cat err)"
    [[ $(fingerprint G) == "$before" ]] || fail "a bad node.key changed the ledger"
    rm -rf G && cp -r L G
    truncate -s 1000 G/log/00000000.seg
    before=$(fingerprint G)
    run "$covenant" ledger show G
    expect_rc 1
    grep -q 'G/log/00000000.seg at byte 0: file has 1000 bytes, its header says 65536' err ||
      fail "truncated segment: $(cat err)"
    run "$covenant" ledger append G --data note-1.txt
    expect_rc 1
    [[ $(fingerprint G) == "$before" ]] || fail "a truncated segment was changed"
    rm -rf G && cp -r L G
    head -c 65536 /dev/urandom >G/log/00000000.seg
    run "$covenant" ledger verify G
    expect_rc 1
    grep -q 'G/log/00000000.seg at byte [0-9]*: segment header: segment header checksum mismatch' err ||
      fail "garbage segment: $(cat err)"
    rm -rf G && cp -r L G
    head -c 8192 /dev/urandom >G/state/data.mdb
    run "$covenant" ledger show G
    expect_rc 1
    grep -q 'G/state/data.mdb: cannot open the LMDB environment' err || fail "garbage state: $(cat err)"
    ;;

  ledger-deterministic)
    # Same key, same times, same files: the same bytes on disk, and the same output.
    for d in A B; do
      init "$d"
      expect_rc 0
      cp out "init-$d"
      append_notes "$d" 3
      "$covenant" ledger show "$d" --json | sed "s|\"$d\"|DIR|" >"show-$d"
    done
    cmp -s A/log/00000000.seg B/log/00000000.seg || fail "two runs wrote different segments"
    cmp -s show-A show-B || fail "two runs show different ledgers"
    ;;

  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
