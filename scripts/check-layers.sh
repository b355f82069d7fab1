#!/usr/bin/env bash
# The architecture, checked (docs/design.md, "Layers"):
#   - each target imports only the project modules of the layers below it (the table below);
#   - each target declares in Package.swift every module it imports (nothing reached through
#     another target's dependencies);
#   - unsafe pointers stay in the PKCS#11 layer.
#
#   scripts/check-layers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

swift package dump-package > "${TMPDIR:-/tmp}/ssm-package.$$.json"
trap 'rm -f "${TMPDIR:-/tmp}/ssm-package.$$.json"' EXIT

python3 - "${TMPDIR:-/tmp}/ssm-package.$$.json" <<'PY'
import json, os, re, sys

# target: the project modules it may import. A new target must be added here.
LAYERS = {
    "CPKCS11": set(),
    "PKCS11": {"CPKCS11"},
    "SessionPool": set(),
    "SSMCore": {"PKCS11", "SessionPool"},
    "SSMServer": {"SSMCore"},
    # The Kubernetes KMS v2 plugin (gRPC): an adapter on the core, beside SSMServer's HTTP ones.
    "KMSPlugin": {"SSMCore", "KMSProto"},
    "KMSProto": set(),
    "SoftHSMSetup": {"PKCS11"},
    "EmbedOpenAPI": set(),
    # The benchmark measures the raw PKCS#11 ceiling in-process.
    "SSMBench": {"PKCS11", "SessionPool", "SoftHSMSetup", "KMSProto"},
    "ssm-bench": {"SSMBench"},
    "ssm": {"SSMCore", "SSMServer", "KMSPlugin", "SoftHSMSetup"},
}
# Modules of the toolchain and the platform, never declared.
SYSTEM = {"Foundation", "FoundationEssentials", "Dispatch", "Glibc", "Musl", "Darwin", "Synchronization", "Observation"}
# The one exception to "unsafe pointers only in PKCS11": sd_notify's sockaddr_un, which must reach
# abstract sockets (`@name`) that no library in the package mirror addresses (NIO's SocketAddress
# cannot; libsystemd reads only the process environment, which the notifier's tests cannot set
# per test).
UNSAFE_EXEMPT = {"Sources/SSMServer/Lifecycle/SystemdNotifier.swift"}

IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?"
                    r"import\s+(?:(?:struct|enum|class|protocol|func|var|let|typealias)\s+)?(\w+)")
UNSAFE = re.compile(r"Unsafe(?:Mutable)?(?:Raw)?(?:Buffer)?Pointer|withUnsafe(?:Mutable)?(?:Bytes|Pointer|BufferPointer)")

package = json.load(open(sys.argv[1]))
targets = {t["name"]: t for t in package["targets"]}
project = set(targets)
failures = []

for name in sorted(os.listdir("Sources")):
    if name not in LAYERS:
        failures.append(f"Sources/{name} is not in scripts/check-layers.sh: say which layers it may import")
        continue
    declared = set()
    for dependency in targets[name]["dependencies"]:
        kind, value = next(iter(dependency.items()))
        declared.add(value[0])
    for root, _, files in os.walk(f"Sources/{name}"):
        for file in sorted(files):
            if not file.endswith(".swift"):
                continue
            path = os.path.join(root, file)
            for number, line in enumerate(open(path, encoding="utf-8"), 1):
                if (match := IMPORT.match(line)):
                    module = match.group(1)
                    where = f"{path}:{number}"
                    if module in project and module not in LAYERS[name]:
                        allowed = " ".join(sorted(LAYERS[name])) or "none"
                        failures.append(f"{where}: {name} imports {module} (its layer may import: {allowed})")
                    elif module not in SYSTEM and module not in declared:
                        failures.append(f"{where}: {name} imports {module}, which Package.swift does not declare for it")
                if UNSAFE.search(line) and name not in ("PKCS11", "CPKCS11") and path not in UNSAFE_EXEMPT:
                    failures.append(f"{path}:{number}: an unsafe pointer outside Sources/PKCS11")

for failure in failures:
    print("FAIL:", failure)
if failures:
    sys.exit(f"check-layers: {len(failures)} problem(s)")
print("check-layers: imports point down and are declared; unsafe pointers only in PKCS11")
PY
