#!/usr/bin/env bash
# shellcheck disable=SC2016  # the commands in single quotes expand in their own shell
# Checks the operations artefacts (seconds, offline): the systemd unit (systemd-analyze verify
# and an exposure threshold), the install script (into a DESTDIR), the Dockerfile (hadolint)
# and the Kubernetes manifests (kubernetes-validate, with the schemas it ships).
# Prints "N passed, M failed".
#
#   scripts/check-ops.sh [path/to/ssm]     (the binary the unit's ExecStart stands for)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ssm=$(realpath "${1:-$(swift build --show-bin-path)/ssm}")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() {  # check NAME COMMAND...: passes when COMMAND exits 0 and prints no warning
  local name=$1; shift
  if "$@" >"$work/out" 2>&1 && ! grep -qiE 'warn|unknown|ignoring|error' "$work/out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name:" >&2
    sed 's/^/  /' "$work/out" >&2
  fi
}

# systemd: verify needs ExecStart's binary to exist, so check a copy that runs the built one.
# No running systemd is needed (--man=no: no man page look-ups).
mkdir -p "$work/unit"
sed "s#/usr/local/bin/ssm#$ssm#" config/ssm.service >"$work/unit/ssm.service"
check "systemd-analyze verify config/ssm.service" systemd-analyze verify --man=no "$work/unit/ssm.service"
# Exposure 0 (locked down) to 10 (unprotected); fail above 2.0 so hardening cannot slip.
check "systemd-analyze security (exposure <= 2.0)" \
  bash -c 'systemd-analyze security --offline=yes --threshold=20 --no-pager "$1" >/dev/null' _ "$work/unit/ssm.service"
for setting in Type=notify WatchdogSec= LoadCredential=pin: "Environment=SSM_PKCS11_PIN_FILE=%d/pin" \
  ProtectSystem=strict ReadWritePaths=/var/lib/ssm NoNewPrivileges=yes PrivateTmp=yes \
  "CapabilityBoundingSet=$" RestrictAddressFamilies= SystemCallFilter=@system-service User=ssm; do
  check "unit sets $setting" grep -q "^$setting" config/ssm.service
done

# install.sh into a DESTDIR: the files land where the unit expects them.
check "install.sh (DESTDIR)" env DESTDIR="$work/root" scripts/install.sh --binary "$ssm"
for file in usr/local/bin/ssm etc/systemd/system/ssm.service etc/ssm/ssm.yaml; do
  check "installed /$file" test -s "$work/root/$file"
done
check "installed config is valid" env -i PATH="$PATH" SSM_PKCS11_PIN=x \
  "$ssm" config check --config "$work/root/etc/ssm/ssm.yaml"

# Dockerfile and the entry point's shell.
check "hadolint Dockerfile" hadolint Dockerfile
check "entrypoint is POSIX sh" sh -n scripts/container-entrypoint.sh

# Kubernetes manifests against the schemas kubernetes-validate ships (no cluster, no network).
manifests=()
for file in deploy/kubernetes/*.yaml; do
  [ "$(basename "$file")" = kustomization.yaml ] || manifests+=("$file")
done
check "kubernetes-validate --strict deploy/kubernetes" kubernetes-validate --strict --quiet "${manifests[@]}"
for kind in Deployment Service ConfigMap Secret NetworkPolicy PodDisruptionBudget HorizontalPodAutoscaler; do
  check "manifest of kind $kind" grep -q "^kind: $kind$" "${manifests[@]}"
done
# Shipped deployments are safe as they are: TLS and clients, never server.insecure.
check "no shipped file sets server.insecure" \
  bash -c '! grep -rnE "^[^#]*(insecure:|SSM_SERVER_INSECURE)" Dockerfile deploy config scripts/container-entrypoint.sh'
check "kustomization lists every manifest" \
  bash -c 'for f in "$@"; do grep -q "^  - $(basename "$f")$" deploy/kubernetes/kustomization.yaml || exit 1; done' _ "${manifests[@]}"

# The Kubernetes KMS v2 plugin mode (deploy/kubernetes/kms-plugin, files for the control-plane
# nodes, not the kustomization): the static pod against the schemas, its ssm configuration, the
# EncryptionConfiguration's shape and one socket path in all three (scripts/kms/check_deployment.py).
kms=deploy/kubernetes/kms-plugin
check "kubernetes-validate --strict $kms/ssm-kms.yaml" kubernetes-validate --strict --quiet "$kms/ssm-kms.yaml"
check "manifest of kind Pod (static) in $kms" grep -q "^kind: Pod$" "$kms/ssm-kms.yaml"
check "the KMS plugin's configuration is valid" env -i PATH="$PATH" SSM_PKCS11_PIN=x \
  "$ssm" config check --config "$kms/ssm.yaml"
check "the KMS plugin's configuration serves the plugin" \
  bash -c 'env -i PATH="$PATH" SSM_PKCS11_PIN=x "$1" config check --config "$2/ssm.yaml" | grep -qx "kms.socket: /run/ssm-kms/kms.sock"' _ "$ssm" "$kms"
check "EncryptionConfiguration and static pod agree ($kms)" python3 scripts/kms/check_deployment.py "$kms"

echo "ops: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
