#!/usr/bin/env python3
"""The privacy scan: every identifier and name in FHIR source files must be absent from a
ledger directory.

    privacy_scan.py LEDGER_DIR FHIR_FILE_OR_DIR...

Collects, from every FHIR JSON file given (.json, .json.gz, .ndjson; directories are walked),
the strings that identify a person or a record: identifier values, resource ids, references,
names (family, given, prefix, suffix, text), the display texts of references, telecom values
and address parts (a coding's display names a concept, and a contained resource's id is
local to its container: neither identifies anyone). Then searches every file under LEDGER_DIR (log segments, LMDB pages, keys) for each of
them as raw bytes, in UTF-8 and case-folded ASCII. Strings shorter than 6 bytes are not
searched (a 5-byte string turns up by chance in a few megabytes of hashes and signatures)
but are counted; every longer one must be absent. Exit 0 when none is found, 1 otherwise
(each hit named with the file and offset), 2 on bad input.
"""
import gzip
import json
import os
import sys

MIN_LENGTH = 6
NAME_PARTS = ("family", "given", "prefix", "suffix", "text")
ADDRESS_PARTS = ("line", "city", "district", "postalCode", "text")


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".ndjson") or path.endswith(".ndjson.gz"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return [json.loads(text)]


def strings_of(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings_of(v)


def collect(node, out, contained=False):
    """Adds the identifying strings of a FHIR JSON value (any depth) to `out`. A contained
    resource's id ("coverage") is local to its container, not an identifier."""
    if isinstance(node, list):
        for v in node:
            collect(v, out, contained)
        return
    if not isinstance(node, dict):
        return
    if "resourceType" in node and isinstance(node.get("id"), str) and not contained:
        out.add(node["id"])
        out.add(node["resourceType"] + "/" + node["id"])
    for key, value in node.items():
        if key == "contained":
            collect(value, out, True)
            continue
        if key == "identifier":
            for ident in value if isinstance(value, list) else [value]:
                if isinstance(ident, dict) and isinstance(ident.get("value"), str):
                    out.add(ident["value"])
        elif key == "display" and "reference" not in node:
            pass  # a coding's display names a concept ("Author"), not a person
        elif key in ("reference", "display", "fullUrl") and isinstance(value, str):
            out.add(value)
            if "/" in value:  # "Patient/52", "urn:uuid:..." and the id alone
                out.add(value.rsplit("/", 1)[-1])
            if value.startswith("urn:uuid:"):
                out.add(value[len("urn:uuid:"):])
        elif key == "name":
            for name in value if isinstance(value, list) else [value]:
                if isinstance(name, dict):
                    for part in NAME_PARTS:
                        out.update(strings_of(name.get(part)))
        elif key == "telecom":
            for t in value if isinstance(value, list) else [value]:
                if isinstance(t, dict) and isinstance(t.get("value"), str):
                    out.add(t["value"])
        elif key == "address":
            for a in value if isinstance(value, list) else [value]:
                if isinstance(a, dict):
                    for part in ADDRESS_PARTS:
                        out.update(strings_of(a.get(part)))
        collect(value, out)


def fhir_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in sorted(names):
                    if n.endswith((".json", ".json.gz", ".ndjson", ".ndjson.gz")):
                        yield os.path.join(root, n)
        else:
            yield p


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    ledger_dir, sources = argv[1], argv[2:]
    found = set()
    files = 0
    for path in fhir_files(sources):
        try:
            for doc in load(path):
                collect(doc, found)
        except (OSError, ValueError) as e:
            print(f"privacy_scan: {path}: {e}", file=sys.stderr)
            return 2
        files += 1
    searched = sorted(s for s in found if len(s.encode("utf-8")) >= MIN_LENGTH)
    blobs = []
    for root, _, names in os.walk(ledger_dir):
        for n in sorted(names):
            path = os.path.join(root, n)
            with open(path, "rb") as f:
                blobs.append((path, f.read()))
    hits = 0
    for s in searched:
        needles = {s.encode("utf-8"), s.lower().encode("utf-8")}
        for path, data in blobs:
            for needle in needles:
                at = data.find(needle)
                if at >= 0:
                    print(f"FOUND {s!r} in {path} at byte {at}")
                    hits += 1
    total = sum(len(d) for _, d in blobs)
    print(f"privacy scan: {files} FHIR files, {len(found)} identifying strings "
          f"({len(searched)} of at least {MIN_LENGTH} bytes searched), {len(blobs)} ledger files "
          f"({total} bytes): {hits} found")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
