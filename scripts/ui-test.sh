#!/usr/bin/env bash
# The status page in a real browser (seconds): starts the built daemon with a client on a
# SoftHSM token of its own, opens /ui in headless Chromium (Debian's `chromium`, driven through
# the DevTools protocol by scripts/lib/ui_check.py), types the client's token, waits for the
# numbers, compares them with /pool/stats, sends requests and waits for the page to follow,
# checks the phone layout and that no Content-Security-Policy violation or console error
# happened. Screenshots go to ARTIFACTS (default .artifacts/ui-test/<time>/, not committed);
# their paths are printed. Prints "N passed, M failed".
#
#   scripts/ui-test.sh [path/to/ssm]
set -uo pipefail
cd "$(dirname "$0")/.."
ssm=${1:-$(swift build --show-bin-path)/ssm}
artifacts=${ARTIFACTS:-.artifacts/ui-test/$(date -u +%Y%m%dT%H%M%SZ)}

work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh

pin=ui-pin
eval "$(SSM_PKCS11_PIN=$pin "$ssm" token init --dir "$work/token" --label ui 2>/dev/null)"
export SOFTHSM2_CONF OPENSSL_CONF
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat >"$work/ssm.yaml" <<YAML
pkcs11:
  tokenLabel: ui
clients:
  operator:
    tokenSha256: $(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
    policy:
      stats: []
      generate: ["ui-*"]
      encrypt: ["ui-*"]
YAML
port=$(free_port)
SSM_PKCS11_PIN=$pin SSM_SERVER_ADDRESS="127.0.0.1:$port" "$ssm" serve --config "$work/ssm.yaml" >"$work/log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -sf "$base/ready" >/dev/null && break; sleep 0.1; done
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  "$base/generate-aes-key" --data-binary '{"key_label":"ui-page"}')
check "key generated" 201 "$status"
check "the status needs the token" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$base/ui/status")"

mkdir -p "$artifacts"
python3 scripts/lib/ui_check.py "$base" "$token" ui-page "$artifacts" >"$work/browser" 2>&1
while read -r line; do
  case $line in
    "PASS "*) passed=$((passed + 1)) ;;
    "FAIL "*) failed=$((failed + 1)); echo "FAIL: ${line#FAIL }" >&2 ;;
    "screenshots: "*) echo "ui-test: ${line}" >&2 ;;
  esac
done <"$work/browser"
check "browser check ran to its end" DONE "$(tail -1 "$work/browser")"
[ "$(tail -1 "$work/browser")" = DONE ] || sed 's/^/  /' "$work/browser" >&2
check "the token never reached the daemon's log" 0 "$(grep -c "$token" "$work/log")"

echo "ui-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
