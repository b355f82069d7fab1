#!/usr/bin/env bash
# shellcheck disable=SC2016  # the commands in single quotes expand inside the container
# Runs ssm under a real systemd, in a podman container that boots systemd: installs it with
# scripts/install.sh --init-token, then checks Type=notify start-up (READY=1 and its status),
# the PIN credential (root-only file, read by the service alone), encryption with curl, the
# watchdog (a frozen ssm is killed and restarted), and clean stops (systemctl stop, SIGTERM).
# Prints "N passed, M failed". Not part of scripts/test.sh (it needs podman; about 2 minutes).
#
#   scripts/systemd-test.sh [path/to/ssm]    (default: the debug build)
#
# On this project's machines run ../shared/tools/container-sandbox.sh once first (podman and a
# local debian:bookworm-slim). A binary linked against the toolchain's Swift libraries finds
# them at the same path: the toolchain's library folder is mounted read-only.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ssm=$(realpath "${1:-$(swift build --show-bin-path)/ssm}")
command -v podman >/dev/null || { echo "systemd-test: podman not found" >&2; exit 1; }

image="ssm-systemd-test"
name="ssm-systemd-$$"
work=$(mktemp -d)
cleanup() {
  podman rm -f "$name" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/Containerfile" <<'CONTAINERFILE'
FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      systemd systemd-sysv procps softhsm2 curl ca-certificates jq \
    && rm -rf /var/lib/apt/lists/*
CMD ["/sbin/init"]
CONTAINERFILE
podman build --pull=never -q -t "$image" "$work" >/dev/null || { echo "systemd-test: image build failed" >&2; exit 1; }

mounts=(-v "$ssm:/opt/ssm-under-test/ssm:ro" -v "$PWD:/src:ro")
swift_libs=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/lib/swift/linux
[ -d "$swift_libs" ] && mounts+=(-v "$swift_libs:$swift_libs:ro")
podman run -d --systemd=always --name "$name" "${mounts[@]}" "$image" >/dev/null || exit 1
inside() { podman exec "$name" bash -c "$1"; }
for _ in $(seq 1 50); do inside 'systemctl is-system-running' 2>/dev/null | grep -qE 'running|degraded' && break; sleep 0.2; done

passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh
show() { inside "systemctl show ssm -p $1 --value"; }

inside 'cd /src && scripts/install.sh --binary /opt/ssm-under-test/ssm --init-token' >"$work/install.log" 2>&1
check "install.sh --init-token" 0 $?
check "active after start (READY=1 received)" active "$(show ActiveState)"
check "status from ssm" "serving on [IPv4]127.0.0.1/127.0.0.1:8080, token 'ssm'" "$(show StatusText)"
check "watchdog armed" 30s "$(show WatchdogUSec)"
check "runs as the ssm user" ssm "$(inside 'stat -c %U /proc/$(systemctl show ssm -p MainPID --value)')"
check "PIN file is root's alone" "root 600" "$(inside 'stat -c "%U %a" /etc/ssm/pin')"
inside 'runuser -u ssm -- cat /etc/ssm/pin' >/dev/null 2>&1; check "the ssm user cannot read /etc/ssm/pin" 1 $?
check "ready" READY "$(inside 'curl -s http://127.0.0.1:8080/ready | jq -r .status')"
check "generate a key" 201 "$(inside "curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:8080/generate-aes-key -H 'Content-Type: application/json' -d '{\"bits\":256}'")"
sealed=$(inside "curl -s http://127.0.0.1:8080/encrypt-pool -H 'Content-Type: application/json' -d '{\"key_label\":\"KEY_ENCRYPTION_AES256\",\"plain\":\"68656c6c6f\",\"encryption_algorithm\":1}'")
body=$(echo "$sealed" | jq -c '{key_label: "KEY_ENCRYPTION_AES256", cipher, iv, id, encryption_algorithm: 1}')
check "encrypt and decrypt" 68656c6c6f "$(inside "curl -s http://127.0.0.1:8080/decrypt -H 'Content-Type: application/json' -d '$body' | jq -r .plain")"
check "exposure (systemd-analyze security) at most 2.0" 0 \
  "$(inside 'systemd-analyze security --threshold=20 ssm >/dev/null 2>&1; echo $?')"

# systemctl reload: SIGHUP, the configuration read again, the same process goes on.
pid=$(show MainPID)
inside 'systemctl reload ssm'; check "systemctl reload" 0 $?
sleep 1
check "still the same process after reload" "$pid active" "$(show MainPID) $(show ActiveState)"
inside 'journalctl -u ssm --no-pager' >"$work/journal"; grep -qi "reload" "$work/journal"; check "journal shows the reload" 0 $?

# A frozen ssm stops sending WATCHDOG=1: systemd kills and restarts it after WatchdogSec.
inside 'kill -STOP $(systemctl show ssm -p MainPID --value)'
for _ in $(seq 1 60); do [ "$(show NRestarts)" = 1 ] && [ "$(show ActiveState)" = active ] && break; sleep 1; done
check "a frozen ssm is restarted by the watchdog" "1 active" "$(show NRestarts) $(show ActiveState)"
inside 'journalctl -u ssm --no-pager' >"$work/journal"; grep -q "Watchdog timeout" "$work/journal"; check "journal names the watchdog" 0 $?
check "ready again after the restart" READY "$(inside 'curl -s http://127.0.0.1:8080/ready | jq -r .status')"

inside 'systemctl stop ssm'
check "systemctl stop: clean" "inactive success 0" "$(show ActiveState) $(show Result) $(show ExecMainStatus)"
inside 'systemctl start ssm && kill -TERM $(systemctl show ssm -p MainPID --value)'
for _ in $(seq 1 50); do [ "$(show ActiveState)" = inactive ] && break; sleep 0.2; done
check "SIGTERM from outside systemd: STOPPING=1, clean" "inactive success" "$(show ActiveState) $(show Result)"
inside 'journalctl -u ssm --no-pager' >"$work/journal"; grep -q "finalized the PKCS#11 module" "$work/journal"; check "sessions closed on stop" 0 $?
inside "journalctl -u ssm --no-pager | grep -qF \"\$(cat /etc/ssm/pin)\""; check "PIN never logged" 1 $?

echo "systemd-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
