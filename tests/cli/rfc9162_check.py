#!/usr/bin/env python3
"""An independent RFC 9162 verifier for `covenant ledger proof --json` and
`covenant ledger consistency --json` output: standard library only, written from the RFC
(section 2.1.3.2, inclusion; section 2.1.4.2, consistency), sharing no code with Covenant.

    rfc9162_check.py inclusion PROOF.json
    rfc9162_check.py consistency PROOF.json

Exits 0 and prints "ok" when the proof verifies, 1 with the reason otherwise.
"""
import hashlib
import json
import sys


def sha256(data):
    return hashlib.sha256(data).digest()


def node(left, right):
    return sha256(b"\x01" + left + right)


def verify_inclusion(p):
    entry = bytes.fromhex(p["entry_bytes"])
    leaf_hash = sha256(b"\x00" + entry)
    if leaf_hash.hex() != p["leaf_hash"]:
        return "leaf_hash is not SHA-256(0x00 || entry_bytes)"
    fn, sn = p["entry"], p["tree_size"] - 1
    if fn > sn:
        return "leaf index outside the tree"
    r = leaf_hash
    for h in (bytes.fromhex(x) for x in p["audit_path"]):
        if sn == 0:
            return "audit path too long"
        if fn % 2 == 1 or fn == sn:
            r = node(h, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, h)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return "audit path too short"
    if r.hex() != p["root"]:
        return "audit path does not lead to the root"
    return None


def verify_consistency(p):
    first, second = p["from"], p["to"]
    root1, root2 = bytes.fromhex(p["from_root"]), bytes.fromhex(p["to_root"])
    path = [bytes.fromhex(x) for x in p["path"]]
    if first == second:
        return None if not path and root1 == root2 else "equal sizes need an empty path and equal roots"
    if first == 0:
        return None if not path and root1 == sha256(b"") else "from size 0 needs an empty path"
    if first > second:
        return "from is greater than to"
    if (first & (first - 1)) == 0:  # a power of two: the old root starts the path
        path = [root1] + path
    if not path:
        return "empty path"
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return "path too long"
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return "path too short"
    if fr != root1 or sr != root2:
        return "path does not lead to both roots"
    return None


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        proof = json.load(f)
    error = verify_inclusion(proof) if kind == "inclusion" else verify_consistency(proof)
    if error:
        print("invalid: " + error)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
