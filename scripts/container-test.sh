#!/usr/bin/env bash
# Builds the container image and follows the README's "Container" section: starts it with a PIN
# secret and SSM_INIT_TOKEN=1 (a SoftHSM token and the TLS credentials with the client `admin`
# created on first start, in a volume), takes ca.crt and admin.token out of the volume, checks
# HTTPS only, 401 without the token, health, user and CLI, generates keys, encrypts and decrypts
# with curl and the token, restarts it on the same volume (same credentials; the keys and the
# ciphertext still decrypt), stops it (clean exit), and checks that a missing credential stops
# it with a clear error. Prints "N passed, M failed". Not part of scripts/test.sh
# (the image build takes long); run it after changing the Dockerfile or the entry point.
#
#   scripts/container-test.sh            (podman, else docker; CONTAINER_ENGINE=docker to choose)
#
# Environment: SSM_IMAGE (tag, default ssm:test), SKIP_BUILD=1 (reuse the tag).
# On this project's machines (no registry reachable) run ../shared/tools/container-sandbox.sh
# once first: it provides podman and the base images, and this script hands the build the
# local Swift package mirror.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

engine=${CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}
[ -n "$engine" ] || { echo "container-test: neither podman nor docker found" >&2; exit 1; }
image=${SSM_IMAGE:-ssm:test}
name="ssm-test-$$"
volume="$name-tokens"
work=$(mktemp -d)
cleanup() {
  "$engine" rm -f "$name" >/dev/null 2>&1
  "$engine" volume rm -f "$volume" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  build=(build -t "$image")
  if [ "$(basename "$engine")" = podman ]; then
    build+=(--pull=never --format docker)   # docker format keeps HEALTHCHECK
    sandbox=../shared/tools/container-sandbox.sh
    # shellcheck disable=SC2207  # the sandbox prints "-v a:b:ro -v c:d:ro"
    [ -f "$sandbox" ] && build+=($(bash "$sandbox" --mounts))
  fi
  echo "container-test: $engine ${build[*]} . (the first build takes several minutes)" >&2
  "$engine" "${build[@]}" . >&2 || { echo "container-test: the build failed" >&2; exit 1; }
fi

passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh
port=$(free_port)
base="https://127.0.0.1:$port"
# Every call checks the server's certificate against the CA generated in the volume.
call() { curl -s --cacert "$work/ca.crt" "$@"; }
code() { call -o /dev/null -w '%{http_code}' "$@"; }
post() { call -X POST "$base$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2"; }

# The PIN as a secret file (a Docker/Kubernetes secret lands at the same path).
printf 's3cr3t-container-pin\n' >"$work/pin"
chmod 0644 "$work/pin"   # readable by the image's user (uid 10001); the directory stays private

start() {
  "$engine" run -d --name "$name" -p "127.0.0.1:$port:8443" -e SSM_INIT_TOKEN=1 \
    -v "$volume:/var/lib/ssm" -v "$work/pin:/run/secrets/ssm-pin:ro" "$@" "$image" >/dev/null
}
wait_ready() {  # the CA comes out of the volume once the entry point has written it
  for _ in $(seq 1 120); do
    if [ -s "$work/ca.crt" ] || "$engine" exec "$name" cat /var/lib/ssm/credentials/ca.crt >"$work/ca.crt" 2>/dev/null; then
      [ "$(code "$base/ready")" = 200 ] && return 0
    else
      rm -f "$work/ca.crt"
    fi
    sleep 0.5
  done
  echo "container-test: not ready within 60 s; logs:" >&2
  "$engine" logs "$name" >&2
  return 1
}

start -e SSM_CERTIFICATE_NAMES=DNS:ssm.test || { echo "container-test: cannot start the container" >&2; exit 1; }
wait_ready; check "ready after first start" 0 $?
TOKEN=$("$engine" exec "$name" cat /var/lib/ssm/credentials/admin.token)
check "admin token generated" 43 "${#TOKEN}"
check "admin token file is private" "600 10001" "$("$engine" exec "$name" stat -c '%a %u' /var/lib/ssm/credentials/admin.token)"
"$engine" logs "$name" 2>&1 | grep -qF "$TOKEN"; check "admin token never logged" 1 $?
check "health-check over HTTPS" OK "$(call "$base/health-check" | jq -r .status)"
check "certificate names SSM_CERTIFICATE_NAMES" OK \
  "$(call --resolve "ssm.test:$port:127.0.0.1" "https://ssm.test:$port/health-check" | jq -r .status)"
check "no plain HTTP" 000 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health-check")"
check "no token: 401" 401 "$(code -X POST "$base/generate-aes-key" -H 'Content-Type: application/json' -d '{"bits":256}')"
check "wrong token: 401" 401 "$(code -X POST "$base/generate-aes-key" -H 'Authorization: Bearer nope' -H 'Content-Type: application/json' -d '{"bits":256}')"
if [ "$(basename "$engine")" = podman ]; then
  "$engine" healthcheck run "$name" >/dev/null 2>&1; check "image HEALTHCHECK passes" 0 $?
fi
check "runs as the image's non-root user" 10001 "$("$engine" exec "$name" id -u)"
"$engine" exec "$name" ssm config check --config /tmp/ssm.yaml >"$work/config" 2>&1
check "config check in the container" 0 $?
grep -q s3cr3t "$work/config"; check "config check hides the PIN" 1 $?
check "config has the client admin" "clients: admin" "$(grep '^clients:' "$work/config")"
"$engine" exec "$name" grep -rqE '^[^#]*insecure' /etc/ssm/ssm.yaml /tmp/ssm.yaml; check "no server.insecure in the container" 1 $?

check "generate AES key" 201 "$(code -X POST "$base/generate-aes-key" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"bits":256}')"
"$engine" exec "$name" ssm keys generate --type des3 --id 1 >/dev/null; check "ssm keys generate in the container" 0 $?
"$engine" exec "$name" ssm keys list | grep -q KEY_ENCRYPTION_DES3; check "ssm keys list in the container" 0 $?

plain=68656c6c6f20636f6e7461696e6572
sealed=$(post /encrypt-pool "{\"key_label\":\"KEY_ENCRYPTION_AES256\",\"plain\":\"$plain\",\"encryption_algorithm\":1}")
check "encrypt" true "$(echo "$sealed" | jq -r .ok)"
decrypt_body=$(echo "$sealed" | jq -c '{key_label: "KEY_ENCRYPTION_AES256", cipher, iv, id, encryption_algorithm: 1}')
check "decrypt" "$plain" "$(post /decrypt "$decrypt_body" | jq -r .plain)"
des3=$(post /encrypt "{\"key_label\":\"KEY_ENCRYPTION_DES3\",\"plain\":\"$plain\",\"encryption_algorithm\":4}")
check "DES3 encrypt and decrypt" "$plain" \
  "$(post /decrypt "$(echo "$des3" | jq -c '{key_label: "KEY_ENCRYPTION_DES3", cipher, iv, id, encryption_algorithm: 4}')" | jq -r .plain)"

# Stop (SIGTERM, clean exit), start again on the same volume: same token, same keys.
"$engine" stop -t 30 "$name" >/dev/null
check "exit status after stop" 0 "$("$engine" inspect -f '{{.State.ExitCode}}' "$name")"
"$engine" logs "$name" 2>&1 | grep -q "finalized the PKCS#11 module"; check "sessions closed on stop" 0 $?
"$engine" logs "$name" 2>&1 | grep -q s3cr3t; check "PIN never logged" 1 $?
"$engine" rm "$name" >/dev/null
cp "$work/ca.crt" "$work/ca.first"
rm -f "$work/ca.crt"
start && wait_ready; check "ready after restart on the same volume" 0 $?
cmp -s "$work/ca.crt" "$work/ca.first"; check "same CA after restart" 0 $?
check "old ciphertext decrypts after restart (same token)" "$plain" "$(post /decrypt "$decrypt_body" | jq -r .plain)"
"$engine" stop -t 30 "$name" >/dev/null
"$engine" rm "$name" >/dev/null

# Credentials required, not generated (as in Kubernetes): a missing file stops it, named.
start -e SSM_GENERATE_CREDENTIALS=0 -e SSM_CREDENTIALS_DIR=/var/lib/ssm/none
"$engine" wait "$name" >"$work/status" 2>/dev/null
check "missing credentials: exit status 78" 78 "$(tr -d '[:space:]' <"$work/status")"
"$engine" logs "$name" 2>&1 | grep -q "/var/lib/ssm/none/tls.crt: missing"; check "missing credentials: the file is named" 0 $?

echo "container-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
