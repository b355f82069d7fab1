#!/usr/bin/env bash
# Upgrade: serves a token directory written by the ssm of 2026-11-29 (before key namespaces and
# identity claims; Tests/Fixtures/token-2026-11-29) with this ssm, and checks that everything
# made then still works: SSM keys decrypt their old ciphertexts, Transit keys decrypt, verify
# and check their old outputs, the login signing key is moved into the internal namespace (the
# same key, not a new one) and logins work, and SSM's routes cannot reach the Transit keys.
# Twice: the second start finds everything in place. Prints "N passed, M failed".
#
#   scripts/upgrade-test.sh [path/to/ssm]
set -uo pipefail
cd "$(dirname "$0")/.."
ssm=${1:-$(swift build --show-bin-path)/ssm}
fixture=Tests/Fixtures/token-2026-11-29

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The token directory as that ssm left it, under the layout scripts/softhsm-token.sh makes.
mkdir -p "$work/token"
cp -r "$fixture/tokens" "$work/token/"
chmod -R go-rwx "$work/token"
eval "$(SSM_PKCS11_PIN=legacy-pin "$ssm" token init --dir "$work/token" --label legacy 2>/dev/null)"
export SOFTHSM2_CONF OPENSSL_CONF
made() { jq -r "$1" "$fixture/made.json"; }
token=fixture-token-0123456789
password_hash=$(printf 'fixture-password' | "$ssm" clients hash-password --cost 10)
cat >"$work/ssm.yaml" <<YAML
pkcs11:
  tokenLabel: legacy
clients:
  fixture:
    tokenSha256: $(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
    passwordHash: "$password_hash"
    policy:
      store: ["*"]
      list: ["*"]
      decrypt: ["*"]
      verify: ["*"]
      hmac: ["*"]
YAML
passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh
port=$(free_port)
base="http://127.0.0.1:$port"

call() {  # call METHOD PATH [BODY] -> $status, $work/body
  local args=(-s -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" -X "$1" "$base$2")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  status=$(curl "${args[@]}")
}
field() { jq -r "$1" "$work/body"; }
objects() {  # the token's key objects as "<class>|<label>", one a line
  pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label legacy --login --pin legacy-pin --list-objects 2>/dev/null |
    awk '/^(Private Key|Public Key|Secret Key) Object/ { c = $1 " " $2 } /^[ \t]+label:/ && c != "" { sub(/^[ \t]+label:[ \t]+/, ""); print c "|" $0; c = "" }'
}

for start in first second; do
  SSM_PKCS11_PIN=legacy-pin SSM_SERVER_ADDRESS="127.0.0.1:$port" "$ssm" serve --config "$work/ssm.yaml" >"$work/log-$start" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do curl -s "$base/health-check" >/dev/null && break; sleep 0.1; done
  call GET /ready; check "$start start: ready" 200 "$status"

  call POST /decrypt "$(jq -c '{key_label: "KEY_ENCRYPTION_AES256", cipher: .cbc.cipher, iv: .cbc.iv, id: .cbc.id, encryption_algorithm: 1}' "$fixture/made.json")"
  check "$start start: old AES-CBC ciphertext decrypts" 6c6567616379 "$(field .plain)"
  call POST /decrypt-aes-gcm "$(jq -c '{key_label: "APP_KEY", cipher: .gcm.cipher, iv: .gcm.iv, tag: .gcm.tag, id: .gcm.id, aad: "6161"}' "$fixture/made.json")"
  check "$start start: old AES-GCM ciphertext decrypts" 6c6567616379 "$(field .plain)"
  # The old ssm:v<N>: strings, through Vault's wire format (/v1/transit, answers under .data).
  call POST /v1/transit/decrypt/orders "{\"ciphertext\":\"$(made .v1.ciphertext)\",\"associated_data\":\"Y3R4\"}"
  check "$start start: old v1 ciphertext decrypts" djEtcGxhaW4= "$(field .data.plaintext)"
  call POST /v1/transit/decrypt/orders "{\"ciphertext\":\"$(made .v2.ciphertext)\"}"
  check "$start start: old v2 ciphertext decrypts" djItcGxhaW4= "$(field .data.plaintext)"
  call POST /v1/transit/verify/signer "{\"input\":\"c2lnbmVk\",\"signature\":\"$(made .sig.signature)\"}"
  check "$start start: old signature verifies" true "$(field .data.valid)"
  call POST /v1/transit/verify/mac "{\"input\":\"bWFj\",\"hmac\":\"$(made .mac.hmac)\"}"
  check "$start start: old HMAC verifies" true "$(field .data.valid)"
  call GET /v1/transit/keys/orders
  check "$start start: old key reads as Vault's aes256-gcm96" "aes256-gcm96 2" "$(field '.data.type + " " + (.data.latest_version | tostring)')"
  call POST /get-all-keys
  check "$start start: SSM keys listed, nothing else" "APP_KEY KEY_ENCRYPTION_AES256 KEY_ENCRYPTION_DES3" \
    "$(field '.keys_by_label | keys | join(" ")')"
  call PUT /store-key '{"key_label":"ssm-v1/orders/1","id":1,"key_type":"AES","key_value":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}'
  check "$start start: a Transit key cannot be replaced through /store-key" 400 "$status"

  login=$(curl -s "$base/login" -H 'Content-Type: application/json' -d '{"service_id":"fixture","password":"fixture-password"}' | jq -r .token)
  jwt_status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $login" -X POST "$base/get-all-keys")
  check "$start start: login JWT is a credential" 200 "$jwt_status"
  kill -TERM "$server_pid"; wait "$server_pid"; server_pid=""

  # The login key was moved, not made anew: two EC pairs in all (signer's and the login's).
  check "$start start: login key pair in the internal namespace" "2" \
    "$(objects | grep -c '^P[a-z]* Key|ssm-internal/ssm-jwt-signing$')"
  check "$start start: no login key left under the old label" "0" "$(objects | grep -c '|ssm-jwt-signing$')"
  check "$start start: no new private key" "2" "$(objects | grep -c '^Private Key|')"
done
check "first start says it moved the login key" 1 "$(grep -c 'login signing key moved into the internal namespace' "$work/log-first")"
check "second start moves nothing" 0 "$(grep -c 'login signing key moved\|login signing key created' "$work/log-second")"

echo "upgrade-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
