#!/usr/bin/env bash
# Installs the Debian packages Covenant builds and tests with, skipping those already
# present, so that `make test` / `make demo` work on a fresh Debian 12 machine.
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkgconf
  clang-19 llvm-19 libclang-rt-19-dev   # BPF code for benchmarks, libFuzzer, sanitizers
  libssl-dev                            # SHA-256 (module identity), later Ed25519
  doctest-dev libcli11-dev libbenchmark-dev
  libsimdjson-dev                       # JSON: Merkle vectors, `covenant call --args`
  llvm-19-dev                           # the compiler's optimiser and BPF code generator
  libboost1.81-dev                      # Spirit X3: the contract language's parser
  liblmdb-dev                           # the ledger's world state
  zlib1g-dev                            # gzip-compressed claims files (`covenant simulate`)
  python3                               # tests: an independent RFC 9162 check of ledger proofs
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
