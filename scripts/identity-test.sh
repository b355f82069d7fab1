#!/usr/bin/env bash
# Key identity across processes: three `ssm serve` replicas on one SoftHSM token directory,
# started at the same moment (each creates the login signing key if missing), then asked at
# the same moment for keys with automatic ids on one label, for one explicit id, for one
# Transit key and for rotations of it. Checks what the clients were told (distinct ids, one
# 201 for an explicit id and 409 for the rest, one creation of the Transit key, distinct
# versions) and, after stopping the replicas, the token's objects themselves with pkcs11-tool:
# no (label, id) twice, one login key pair, one metadata object, no claim left behind.
# Prints "N passed, M failed".
#
#   scripts/identity-test.sh [path/to/ssm]
set -uo pipefail
cd "$(dirname "$0")/.."
ssm=${1:-$(swift build --show-bin-path)/ssm}

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

pin=identity-pin
eval "$(SSM_PKCS11_PIN=$pin "$ssm" token init --dir "$work/token" --label identity 2>/dev/null)"
export SOFTHSM2_CONF OPENSSL_CONF
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
token_hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
password_hash=$(printf 'identity-password' | "$ssm" clients hash-password --cost 10)
cat >"$work/ssm.yaml" <<YAML
pkcs11:
  tokenLabel: identity
clients:
  tester:
    tokenSha256: $token_hash
    passwordHash: "$password_hash"
    policy:
      generate: ["*"]
      list: ["*"]
      encrypt: ["*"]
      decrypt: ["*"]
      admin: ["*"]
YAML

passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh

ports=()
for replica in 1 2 3; do
  port=$(free_port)
  ports+=("$port")
  SSM_PKCS11_PIN=$pin SSM_SERVER_ADDRESS="127.0.0.1:$port" SSM_POOL_MAX_SIZE=4 \
    SSM_LOG_LEVEL=${SSM_LOG_LEVEL:-info} "$ssm" serve --config "$work/ssm.yaml" >"$work/log$replica" 2>&1 &
  pids+=($!)
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 300); do curl -s "http://127.0.0.1:$port/health-check" >/dev/null && break; sleep 0.1; done
done
started=0
for port in "${ports[@]}"; do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && started=$((started + 1)); done
check "three replicas ready" 3 "$started"
if [ "$started" -ne 3 ]; then cat "$work"/log* >&2; echo "identity-test: $passed passed, $((failed + 1)) failed"; exit 1; fi

# POST PATH BODY on replica N (1-3) in the background; writes status and body to FILE.
post() {
  local port=${ports[$(($1 - 1))]}
  curl -s -o "$4.body" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -X POST "http://127.0.0.1:$port$2" --data-binary "$3" >"$4.status"
}
statuses() { for f in "$work"/"$1"-*.status; do cat "$f"; echo; done | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ' | sed 's/ $//'; }

# Automatic ids on one label: 3 replicas x 8 requests at once.
for replica in 1 2 3; do
  for n in $(seq 1 8); do post "$replica" /generate-aes-key '{"key_label":"race-auto"}' "$work/auto-$replica-$n" & done
done
wait_jobs() { for job in $(jobs -p); do case " ${pids[*]} " in *" $job "*) ;; *) wait "$job" ;; esac; done; }
wait_jobs
check "automatic ids: 24 created" "201x24" "$(statuses auto)"
distinct=$(cat "$work"/auto-*.body | jq -r .id | sort -n | uniq | wc -l)
check "automatic ids: 24 distinct ids" 24 "$distinct"

# One explicit id from every replica at once: one 201, the rest 409.
for replica in 1 2 3; do
  for n in 1 2 3; do post "$replica" /generate-aes-key '{"key_label":"race-explicit","id":7}' "$work/explicit-$replica-$n" & done
done
wait_jobs
check "explicit id: one 201, eight 409" "201x1 409x8" "$(statuses explicit)"

# One Transit key created from every replica at once, then rotated 9 times at once.
# (Vault's create answers the existing key: three 200s, and one key with one version.)
for replica in 1 2 3; do post "$replica" /v1/transit/keys/race-v1 '{"type":"aes256-gcm96"}' "$work/create-$replica" & done
wait_jobs
check "Transit key: three 200" "200x3" "$(statuses create)"
check "Transit key: created once (version 1 everywhere)" "1" "$(cat "$work"/create-*.body | jq -r .data.latest_version | sort -u | tr -d '\n')"
for replica in 1 2 3; do
  for n in 1 2 3; do post "$replica" /v1/transit/keys/race-v1/rotate '' "$work/rotate-$replica-$n" & done
done
wait_jobs
check "rotations: nine 200" "200x9" "$(statuses rotate)"
versions=$(cat "$work"/rotate-*.body | jq -r .data.latest_version | sort -n | uniq | tr '\n' ' ')
check "rotations: nine distinct new versions" "2 3 4 5 6 7 8 9 10 " "$versions"
# Every version decrypts what it encrypted, on every replica (a forked version would not).
post 1 /v1/transit/encrypt/race-v1 '{"plaintext":"aWRlbnRpdHk="}' "$work/sealed"
ciphertext=$(jq -r .data.ciphertext "$work/sealed.body")
for replica in 1 2 3; do
  post "$replica" /v1/transit/decrypt/race-v1 "{\"ciphertext\":\"$ciphertext\"}" "$work/opened-$replica"
  check "replica $replica decrypts the newest version" aWRlbnRpdHk= "$(jq -r .data.plaintext "$work/opened-$replica.body")"
done

for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
pids=()

# The token itself.
pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label identity --login --pin "$pin" --list-objects \
  >"$work/objects" 2>/dev/null
# "label:" and "ID:" lines, object by object: "<class>|<label>|<id>".
awk '
  /^(Secret Key|Private Key|Public Key) Object|^Data object/ { if (c != "") print c "|" l "|" i; c = $1 " " tolower($2); l = ""; i = "" }
  /^[ \t]+label:/ { sub(/^[ \t]+label:[ \t]+/, ""); gsub(/\047/, ""); l = $0 }
  /^[ \t]+ID:/ { sub(/^[ \t]+ID:[ \t]+/, ""); i = $0 }
  END { if (c != "") print c "|" l "|" i }
' "$work/objects" >"$work/identities"
check "token: no (class, label, id) twice" "" "$(sort "$work/identities" | uniq -d)"
check "token: 24 keys of race-auto" 24 "$(grep -c '^Secret key|race-auto|' "$work/identities")"
check "token: one key of race-explicit" 1 "$(grep -c '^Secret key|race-explicit|' "$work/identities")"
check "token: ten versions of race-v1" 10 "$(grep -c '^Secret key|ssm-v1/race-v1/' "$work/identities")"
check "token: one metadata object of race-v1" 1 "$(grep -c '^Data object|ssm-v1/race-v1|' "$work/identities")"
check "token: one login key pair" "1 1" \
  "$(grep -c '^Private key|ssm-internal/ssm-jwt-signing|' "$work/identities") $(grep -c '^Public key|ssm-internal/ssm-jwt-signing|' "$work/identities")"
check "token: no claim left" 0 "$(grep -c '^Data object|\(ssm\|transit\|internal\)/' "$work/identities")"

echo "identity-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
