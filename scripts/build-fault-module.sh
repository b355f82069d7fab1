#!/usr/bin/env bash
# Builds the fault-injecting PKCS#11 module the tests use (Tests/FaultInjection/README.md):
# a shared library that forwards to SoftHSM and injects delays and return codes.
#
#   scripts/build-fault-module.sh [OUTDIR]     (default: .build/fault under the repository)
#
# Prints the library's absolute path (OUTDIR/libfaulty_pkcs11.so) on stdout. Idempotent: it
# recompiles only when the source (or this script) is newer than the library, and replaces the
# library atomically (a process that has the old one loaded keeps its mapping).
# Compiler: $CC, else gcc, else clang, else cc. Headers: $PKCS11_INCLUDE (default
# /usr/include/p11-kit-1, Debian's libp11-kit-dev).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_file="$root/Tests/FaultInjection/faulty_pkcs11.c"
out_dir="${1:-$root/.build/fault}"
include="${PKCS11_INCLUDE:-/usr/include/p11-kit-1}"

if [ ! -f "$include/p11-kit/pkcs11.h" ]; then
  echo "build-fault-module: $include/p11-kit/pkcs11.h not found (install libp11-kit-dev, or set PKCS11_INCLUDE)" >&2
  exit 1
fi
compiler="${CC:-}"
if [ -z "$compiler" ]; then
  for candidate in gcc clang cc; do
    if command -v "$candidate" >/dev/null 2>&1; then
      compiler="$candidate"
      break
    fi
  done
fi
if [ -z "$compiler" ]; then
  echo "build-fault-module: no C compiler found (install gcc, or set CC)" >&2
  exit 1
fi

mkdir -p "$out_dir"
library="$(cd "$out_dir" && pwd)/libfaulty_pkcs11.so"

if [ ! -f "$library" ] || [ "$source_file" -nt "$library" ] || [ "${BASH_SOURCE[0]}" -nt "$library" ]; then
  temporary="$library.$$.tmp"
  trap 'rm -f "$temporary"' EXIT
  "$compiler" -std=c11 -shared -fPIC -O2 -Wall -Wextra -Werror -fvisibility=hidden \
    -I"$include" -o "$temporary" "$source_file" -ldl -lpthread >&2
  mv -f "$temporary" "$library"
fi
printf '%s\n' "$library"
