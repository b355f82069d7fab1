#!/usr/bin/env bash
# The architecture, checked: each target under Sources/ imports only the project modules of the
# layers below it (docs/design.md, "Layers"), and unsafe pointers stay in the PKCS#11 layer.
# Library imports (Foundation, NIO, Hummingbird, ...) are not checked here; Package.swift declares them.
#
#   scripts/check-layers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# target: the project modules it may import.
declare -A allowed=(
    [CPKCS11]=""
    [PKCS11]="CPKCS11"
    [SessionPool]=""
    [SSMCore]="PKCS11 SessionPool"
    [SSMServer]="SSMCore"
    [SoftHSMSetup]="PKCS11"
    [EmbedOpenAPI]=""
    [SSMBench]="PKCS11 SessionPool SoftHSMSetup"
    [ssm-bench]="SSMBench"
    [ssm]="SSMCore SSMServer SoftHSMSetup"
)
project=" ${!allowed[*]} "
failures=0

for dir in Sources/*/; do
    target=$(basename "$dir")
    if [[ ! -v allowed[$target] ]]; then
        echo "FAIL: Sources/$target is not in scripts/check-layers.sh: say which layers it may import"
        failures=$((failures + 1))
        continue
    fi
    # `import X`, `@_exported import struct X.Y`, `internal import X`, ... -> X
    while IFS=: read -r file line module; do
        [[ "$project" == *" $module "* ]] || continue   # a library, not one of ours
        [[ " ${allowed[$target]} " == *" $module "* ]] && continue
        echo "FAIL: $file:$line: $target imports $module (allowed: ${allowed[$target]:-none})"
        failures=$((failures + 1))
    done < <(grep -rnE '^\s*(@[A-Za-z_]+(\([^)]*\))?\s+)*((public|package|internal|fileprivate|private)\s+)?import\s' "$dir" --include='*.swift' \
        | sed -E 's/^([^:]+):([0-9]+):.*import\s+((struct|enum|class|protocol|func|var|let|typealias)\s+)?([A-Za-z0-9_]+).*/\1:\2:\5/')
done

# Unsafe pointers: the PKCS#11 layer only (its C boundary); elsewhere Span, RawSpan or a library.
# The one exception: sd_notify's sockaddr_un, which must reach abstract sockets (`@name`) that no
# library in the package mirror addresses (NIO's SocketAddress cannot; libsystemd reads only the
# process environment, which the notifier's tests cannot set per test).
exempt='^Sources/(PKCS11|CPKCS11)/|^Sources/SSMServer/Lifecycle/SystemdNotifier\.swift:'
while IFS= read -r hit; do
    echo "FAIL: $hit: an unsafe pointer outside Sources/PKCS11"
    failures=$((failures + 1))
done < <(grep -rnE 'Unsafe(Mutable)?(Raw)?(Buffer)?Pointer|withUnsafe(Mutable)?(Bytes|Pointer|BufferPointer)' Sources --include='*.swift' \
    | grep -vE "$exempt" | cut -d: -f1,2)

if ((failures > 0)); then
    echo "check-layers: $failures problem(s)"
    exit 1
fi
echo "check-layers: every target imports only the layers below it; unsafe pointers only in PKCS11"
