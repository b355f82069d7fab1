#!/usr/bin/env bash
# End-to-end: starts the built ssm binary against a fresh SoftHSM token in a temporary
# directory (through the fault-injecting module, idle until told otherwise), drives every
# route with curl, reloads the configuration with SIGHUP, then stops it with SIGTERM while
# slow requests are in flight and checks that each is answered in full and that it shut down
# cleanly. Prints "N passed, M failed".
#
#   scripts/e2e.sh [path/to/ssm]
set -uo pipefail
cd "$(dirname "$0")/.."
ssm=${1:-$(swift build --show-bin-path)/ssm}

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

eval "$(SSM_PKCS11_PIN=s3cr3t-e2e-pin "$ssm" token init --dir "$work/token" --label e2e 2>/dev/null)"
export SOFTHSM2_CONF OPENSSL_CONF
passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh
port=$(free_port)
export SSM_SERVER_ADDRESS="127.0.0.1:$port" SSM_PKCS11_TOKEN_LABEL=e2e SSM_PKCS11_PIN=s3cr3t-e2e-pin \
  SSM_POOL_MIN_SIZE=1 SSM_POOL_ACQUIRE_TIMEOUT=2s
base="http://127.0.0.1:$port"
# The pool size comes from a file, so that SIGHUP can change it (the environment wins over the file).
printf 'pool:\n  maxSize: 4\n' >"$work/ssm.yaml"
# The daemon reaches SoftHSM through the fault-injecting module; its control file is empty for now.
fault_library=$(scripts/build-fault-module.sh "$work/fault" | tail -n 1)
export FAULTY_PKCS11_TARGET=/usr/lib/softhsm/libsofthsm2.so FAULTY_PKCS11_CONTROL="$work/fault-rules"
: >"$FAULTY_PKCS11_CONTROL"

# call METHOD PATH [BODY] -> sets $status, $body (file), $headers (file)
call() {
  local args=(-s -o "$work/body" -D "$work/headers" -w '%{http_code}' -X "$1" "$base$2")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  status=$(curl "${args[@]}")
}
field() { jq -r "$1" "$work/body"; }

"$ssm" keys generate --type aes256 --id 1 >/dev/null || { echo "FAIL: ssm keys generate" >&2; exit 1; }
"$ssm" keys generate --type des3 --id 1 >/dev/null
"$ssm" keys generate --type des --id 1 >/dev/null
"$ssm" keys generate --type aes256 --id 1 --if-missing | grep -q '^exists' ; check "keys generate --if-missing" 0 $?

SSM_LOG_LEVEL=trace SSM_PKCS11_MODULE_PATH="$fault_library" "$ssm" serve --config "$work/ssm.yaml" >"$work/log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do curl -s "$base/health-check" >/dev/null && break; sleep 0.1; done
if ! curl -s "$base/health-check" >/dev/null; then
  echo "FAIL: ssm did not start within 30 s:" >&2
  cat "$work/log" >&2
  echo "e2e: $passed passed, 1 failed"
  exit 1
fi

call GET /health-check; check "health" 200 "$status"; check "health body" OK "$(field .status)"
call GET /ready; check "ready" 200 "$status"

# Encrypt with both routes, decrypt both results.
plain=000102030405060708090a0b0c0d0e0f10
for route in /encrypt /encrypt-pool /crypto/encrypt-pool; do
  call POST "$route" "{\"key_label\":\"KEY_ENCRYPTION_AES256\",\"plain\":\"$plain\",\"encryption_algorithm\":1}"
  check "$route" 200 "$status"
  cipher=$(field .cipher); iv=$(field .iv); id=$(field .id)
  check "$route iv length" 32 "${#iv}"
  call POST /decrypt "{\"key_label\":\"KEY_ENCRYPTION_AES256\",\"cipher\":\"$cipher\",\"iv\":\"$iv\",\"id\":$id,\"encryption_algorithm\":1}"
  check "decrypt of $route" "$plain" "$(field .plain)"
done

# DES3, GCM with AAD, tampered tag.
call POST /encrypt-pool "{\"key_label\":\"KEY_ENCRYPTION_DES3\",\"plain\":\"$plain\",\"encryption_algorithm\":4}"
check "des3 encrypt" 200 "$status"
call POST /decrypt "{\"key_label\":\"KEY_ENCRYPTION_DES3\",\"cipher\":\"$(field .cipher)\",\"iv\":\"$(field .iv)\",\"id\":1,\"encryption_algorithm\":4}"
check "des3 decrypt" "$plain" "$(field .plain)"
call POST /encrypt-pool "{\"key_label\":\"KEY_ENCRYPTION_DES\",\"plain\":\"$plain\",\"encryption_algorithm\":3}"
check "des encrypt" 200 "$status"
call POST /decrypt "{\"key_label\":\"KEY_ENCRYPTION_DES\",\"cipher\":\"$(field .cipher)\",\"iv\":\"$(field .iv)\",\"id\":1,\"encryption_algorithm\":3}"
check "des decrypt" "$plain" "$(field .plain)"
call POST /encrypt-aes-gcm "{\"key_label\":\"KEY_ENCRYPTION_AES256\",\"plain\":\"$plain\",\"aad\":\"cafe\"}"
check "gcm encrypt" 200 "$status"
cipher=$(field .cipher); iv=$(field .iv); tag=$(field .tag)
call POST /decrypt-aes-gcm "{\"key_label\":\"KEY_ENCRYPTION_AES256\",\"cipher\":\"$cipher\",\"iv\":\"$iv\",\"tag\":\"$tag\",\"aad\":\"cafe\",\"id\":1}"
check "gcm decrypt" "$plain" "$(field .plain)"
bad_tag="0${tag:1}"; [ "$bad_tag" = "$tag" ] && bad_tag="1${tag:1}"
call POST /decrypt-aes-gcm "{\"key_label\":\"KEY_ENCRYPTION_AES256\",\"cipher\":\"$cipher\",\"iv\":\"$iv\",\"tag\":\"$bad_tag\",\"aad\":\"cafe\",\"id\":1}"
check "tampered tag status" 400 "$status"; check "tampered tag code" DECRYPTION_ERROR "$(field .error)"

# Key management: rotation keeps old ids decrypting.
call POST /generate-aes-key '{"bits":256}'; check "generate" 201 "$status"; check "generated id" 2 "$(field .id)"
call POST /encrypt-pool "{\"key_label\":\"KEY_ENCRYPTION_AES256\",\"plain\":\"$plain\",\"encryption_algorithm\":1}"
check "encrypt uses newest id" 2 "$(field .id)"
call POST /store-key '{"key_label":"imported","id":7,"key_value":"000102030405060708090a0b0c0d0e0f","key_type":"AES"}'
check "store-key" 201 "$status"
call PUT /store-key '{"key_label":"imported","id":7,"key_value":"0f0e0d0c0b0a09080706050403020100","key_type":"AES"}'
check "replace key" 200 "$status"
call POST /get-data-keys '{"key_label":"KEY_ENCRYPTION_AES256"}'; check "get-data-keys count" 2 "$(field '.keys | length')"
call POST /get-key '{"key_label":"imported","id":7}'; check "get-key bits" 128 "$(field .key_info.size_bits)"
call POST /get-all-keys; check "get-all-keys labels" 4 "$(field .total_labels)"
call DELETE /store-key '{"key_label":"imported"}'; check "delete without id" 400 "$status"
call DELETE /store-key '{"key_label":"imported","id":7}'; check "delete" 200 "$status"
call POST /get-key '{"key_label":"imported","id":7}'; check "deleted key" 404 "$status"

# Errors: problem details with the right status.
call POST /encrypt-pool '{"key_label":'; check "bad json" 400 "$status"; check "bad json code" INVALID_JSON "$(field .error)"
grep -qi '^content-type: application/problem+json' "$work/headers"; check "problem content type" 0 $?
call POST /encrypt-pool '{"key_label":"KEY_ENCRYPTION_AES256","plain":"xyz","encryption_algorithm":1}'
check "bad hex" INVALID_HEX "$(field .error)"
call POST /encrypt-pool '{"key_label":"nope","plain":"00","encryption_algorithm":1}'; check "unknown key" 404 "$status"
call POST /encrypt-pool '{"key_label":"KEY_ENCRYPTION_AES256","plain":"00","encryption_algorithm":42}'
check "bad algorithm" UNSUPPORTED_ALGORITHM "$(field .error)"
call GET /encrypt-pool; check "wrong method" 405 "$status"
call GET /no-such-route; check "unknown route" 404 "$status"
{ printf '{"plain":"'; head -c 1100000 /dev/zero | tr '\0' 'a'; printf '"}'; } >"$work/big.json"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/encrypt-pool" -H 'Content-Type: application/json' --data-binary @"$work/big.json")
check "body over limit" 413 "$status"
id_header=$(curl -s -D - -o /dev/null -H 'X-Request-ID: e2e-123' "$base/health-check" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-request-id"{print $2}')
check "request id echoed" e2e-123 "$id_header"

# Vault Transit (/v1/transit): keys, rotation, rewrap, data keys, signatures, random, batches.
call POST /v1/transit/keys/e2e-orders '{"type":"aes256-gcm96"}'; check "transit create" 200 "$status"
check "transit create answers the key" aes256-gcm96 "$(field .data.type)"
v1plain=$(printf 'order 42' | base64)
call POST /v1/transit/encrypt/e2e-orders "{\"plaintext\":\"$v1plain\",\"associated_data\":\"Y3R4\"}"
check "transit encrypt" 200 "$status"; v1c1=$(field .data.ciphertext); check "transit ciphertext prefix" "vault:v1:" "${v1c1:0:9}"
call POST /v1/transit/keys/e2e-orders/rotate; check "transit rotate" 2 "$(field .data.latest_version)"
call PUT /v1/transit/encrypt/e2e-orders "{\"plaintext\":\"$v1plain\",\"associated_data\":\"Y3R4\"}"; v1c2=$(field .data.ciphertext)
check "transit encrypt (PUT) after rotation" "vault:v2:" "${v1c2:0:9}"
call POST /v1/transit/decrypt/e2e-orders "{\"ciphertext\":\"$v1c1\",\"associated_data\":\"Y3R4\"}"; check "transit decrypt v1" "$v1plain" "$(field .data.plaintext)"
call POST /v1/transit/rewrap/e2e-orders "{\"ciphertext\":\"$v1c1\",\"associated_data\":\"Y3R4\"}"; v1rw=$(field .data.ciphertext)
check "transit rewrap" "vault:v2:" "${v1rw:0:9}"
call POST /v1/transit/keys/e2e-orders/config '{"min_decryption_version":"2"}'; check "transit config (string value, as the vault CLI sends)" 2 "$(field .data.min_decryption_version)"
call POST /v1/transit/decrypt/e2e-orders "{\"ciphertext\":\"$v1c1\",\"associated_data\":\"Y3R4\"}"
check "transit old version refused" 400 "$status"; check "transit error shape" 1 "$(field '.errors | length')"
call POST /v1/transit/decrypt/e2e-orders "{\"ciphertext\":\"$v1rw\",\"associated_data\":\"Y3R4\"}"; check "transit decrypt rewrapped" "$v1plain" "$(field .data.plaintext)"
call POST /v1/transit/datakey/plaintext/e2e-orders '{"bits":256}'; dk=$(field .data.plaintext)
call POST /v1/transit/decrypt/e2e-orders "{\"ciphertext\":\"$(field .data.ciphertext)\"}"; check "transit data key unwraps" "$dk" "$(field .data.plaintext)"
call POST /v1/transit/decrypt/e2e-orders "{\"batch_input\":[{\"ciphertext\":\"$v1c2\",\"associated_data\":\"Y3R4\"},{\"ciphertext\":\"bad\"}],\"partial_failure_response_code\":207}"
check "transit batch: partial failure code" 207 "$status"
check "transit batch" "$v1plain true" "$(field '.data.batch_results[0].plaintext + " " + (.data.batch_results[1].error != null | tostring)')"
call POST /v1/transit/keys/e2e-signer '{"type":"ecdsa-p256"}'; field '.data.keys["1"].public_key' >"$work/v1pub.pem"
printf 'signed data' >"$work/v1data"
call POST /v1/transit/sign/e2e-signer "{\"input\":\"$(base64 <"$work/v1data")\"}"; sig=$(field .data.signature)
echo "${sig#vault:v1:}" | base64 -d >"$work/v1sig"
openssl dgst -sha256 -verify "$work/v1pub.pem" -signature "$work/v1sig" "$work/v1data" >/dev/null 2>&1
check "transit ECDSA signature verifies with openssl" 0 $?
call POST /v1/transit/random/16; check "transit random" 16 "$(field .data.random_bytes | base64 -d | wc -c | tr -d ' ')"
call LIST /v1/transit/keys; check "transit LIST method" "e2e-orders e2e-signer" "$(field '.data.keys | join(" ")')"
call DELETE /v1/transit/keys/e2e-orders; check "transit delete refused by default" 400 "$status"
call GET /v1/transit/keys/e2e-nothing; check "transit unknown key" 404 "$status"
call GET /v1/sys/health; check "vault health" false "$(field .sealed)"

call GET /pool/stats; check "stats" 200 "$status"; check "stats max_size" 4 "$(field .max_size)"

# No secret in the log.
grep -q "s3cr3t-e2e-pin\|$plain" "$work/log"; check "no PIN or plaintext in the trace-level log" 1 $?
grep -q "000102030405060708090a0b0c0d0e0f\|0f0e0d0c0b0a09080706050403020100" "$work/log"
check "no imported key value in the trace-level log" 1 $?
pin_bytes=$(printf 's3cr3t-e2e-pin' | od -An -tu1 | xargs | sed 's/ /, /g')  # as Swift prints a [UInt8]
grep -qF "$pin_bytes" "$work/log"; check "no PIN bytes in the trace-level log" 1 $?

# SIGHUP: a new pool size, without a restart.
printf 'pool:\n  maxSize: 6\n' >"$work/ssm.yaml"
kill -HUP "$server_pid"
for _ in $(seq 1 100); do call GET /pool/stats; [ "$(field .max_size)" = 6 ] && break; sleep 0.1; done
check "SIGHUP: new pool size" 6 "$(field .max_size)"
call GET /health-check; check "SIGHUP: still serving" 200 "$status"

# Graceful stop under load: every encryption takes 400 ms now; SIGTERM arrives while six are
# in flight, and each must still get its whole answer.
echo "C_Encrypt OK delay_ms=400" >"$FAULTY_PKCS11_CONTROL"
for i in 1 2 3 4 5 6; do
  curl -s -o "$work/inflight-$i" -w '%{http_code}' "$base/encrypt-pool" -H 'Content-Type: application/json' \
    --data-binary "{\"key_label\":\"KEY_ENCRYPTION_AES256\",\"plain\":\"$plain\",\"encryption_algorithm\":5}" \
    >"$work/inflight-$i.status" &
done
for _ in $(seq 1 50); do call GET /pool/stats; [ "$(field .in_use)" -ge 1 ] && break; sleep 0.02; done
check "requests in flight at SIGTERM" true "$([ "$(field .in_use)" -ge 1 ] && echo true || echo false)"
kill -TERM "$server_pid"
( sleep 30; kill -KILL "$server_pid" 2>/dev/null ) &  # a hang in shutdown must not hang the suite
watchdog=$!
wait "$server_pid"; check "exit status after SIGTERM" 0 $?
kill "$watchdog" 2>/dev/null
server_pid=""
wait  # the curls
complete=0
for i in 1 2 3 4 5 6; do
  if [ "$(cat "$work/inflight-$i.status")" = 200 ] && [ "$(jq -r .ok "$work/inflight-$i")" = true ]; then
    complete=$((complete + 1))
  fi
done
check "in-flight requests answered in full after SIGTERM" 6 "$complete"
grep -q "finalized the PKCS#11 module" "$work/log"; check "sessions closed and module finalized" 0 $?

# Start-up errors: one line naming the key, non-zero exit.
out=$(SSM_POOL_MAX_SIZE=abc "$ssm" serve 2>&1); code=$?
check "bad config exit" 78 "$code"; check "bad config message" "ssm: configuration error: pool.maxSize: must be an integer, got 'abc'" "$out"
out=$(SSM_PKCS11_PIN=9999 SSM_PKCS11_TOKEN_LABEL=e2e "$ssm" serve 2>&1); code=$?
check "wrong PIN exit" 69 "$code"; echo "$out" | grep -q CKR_PIN_INCORRECT; check "wrong PIN message" 0 $?
echo "$out" | grep -q 9999; check "wrong PIN not printed" 1 $?
# A mistyped key, in the file or as a variable, stops start-up naming it and the nearest known key.
printf 'pool:\n  maxsize: 3\n' >"$work/typo.yaml"
out=$("$ssm" serve --config "$work/typo.yaml" 2>&1); code=$?
check "mistyped key exit" 78 "$code"
check "mistyped key message" "ssm: configuration error: pool.maxsize: unknown key; did you mean pool.maxSize?" "$out"
out=$("$ssm" config check --config "$work/typo.yaml" 2>&1); check "config check of a mistyped key" 78 $?
out=$(SSM_POOL_MAXSIZ=3 "$ssm" serve 2>&1); code=$?
check "mistyped variable exit" 78 "$code"
check "mistyped variable message" \
  "ssm: configuration error: SSM_POOL_MAXSIZ: unknown configuration variable; did you mean SSM_POOL_MAX_SIZE (pool.maxSize)?" "$out"

# Administration without the daemon: a new token, keys imported and deleted, configuration checked.
cli="$work/cli-token"
printf 'cli-pin-5678\n' >"$work/cli-pin"
out=$("$ssm" token init --dir "$cli" --label cli --pin-file "$work/cli-pin" 2>/dev/null); check "token init" 0 $?
check "token init prints the environment" "export SOFTHSM2_CONF=$cli/softhsm2.conf" "$(echo "$out" | head -n1)"
check "token init writes a private random SO PIN" 600 "$(stat -c %a "$cli/so-pin" 2>/dev/null)"
"$ssm" token init --dir "$cli" --label cli --pin-file "$work/cli-pin" 2>&1 >/dev/null | grep -q "already present"
check "token init keeps an existing token" 0 $?
admin=(env -u SSM_PKCS11_PIN SOFTHSM2_CONF="$cli/softhsm2.conf" SSM_PKCS11_TOKEN_LABEL=cli SSM_PKCS11_PIN_FILE="$work/cli-pin")
printf '00112233445566778899aabbccddeeff\n' >"$work/key.hex"
check "keys import (file)" "imported: partner id 3 (AES-128)" \
  "$("${admin[@]}" "$ssm" keys import --type aes128 --label partner --id 3 --value-file "$work/key.hex" 2>&1)"
check "keys import (stdin, next id)" "imported: partner id 4 (AES-128)" \
  "$(echo 0f0e0d0c0b0a09080706050403020100 | "${admin[@]}" "$ssm" keys import --type aes128 --label partner --value-file - 2>&1)"
check "keys import --replace" "replaced: partner id 3 (AES-128)" \
  "$("${admin[@]}" "$ssm" keys import --type aes128 --label partner --id 3 --replace --value-file "$work/key.hex" 2>&1)"
echo 0011 | "${admin[@]}" "$ssm" keys import --type aes128 --label partner --value-file - >/dev/null 2>&1
check "keys import of a short value fails" 1 $?
"${admin[@]}" "$ssm" keys import --type aes128 --label partner --id 3 --value-file "$work/key.hex" >/dev/null 2>&1
check "keys import of a taken id fails" 1 $?
check "keys list" "$(printf 'partner\tid 3\tAES-128\npartner\tid 4\tAES-128')" "$("${admin[@]}" "$ssm" keys list 2>&1)"
check "keys delete" "deleted: partner id 3" "$("${admin[@]}" "$ssm" keys delete --label partner --id 3 2>&1)"
"${admin[@]}" "$ssm" keys delete --label partner --id 3 >/dev/null 2>&1; check "keys delete of a missing key fails" 1 $?
check "keys list after delete" "$(printf 'partner\tid 4\tAES-128')" "$("${admin[@]}" "$ssm" keys list 2>&1)"

out=$("${admin[@]}" SSM_POOL_MAX_SIZE=4 "$ssm" config check --config config/ssm.yaml 2>&1); check "config check" 0 $?
echo "$out" | grep -qx "pool.maxSize: 4"; check "config check prints effective settings (environment wins)" 0 $?
echo "$out" | grep -qx "pkcs11.pin: (set, redacted)"; check "config check redacts the PIN" 0 $?
echo "$out" | grep -q "cli-pin-5678\|1234"; check "config check prints no PIN" 1 $?
out=$(SSM_POOL_MAX_SIZE=4 SSM_POOL_MIN_SIZE=9 "$ssm" config check --config config/ssm.yaml 2>&1); check "config check of an invalid configuration" 78 $?
check "config check names the key" "ssm: configuration error: pool.minSize: must not exceed pool.maxSize (4), got 9" "$out"
"${admin[@]}" "$ssm" config check --connect | grep -q "^connected: token 'cli'"; check "config check --connect" 0 $?
"${admin[@]}" SSM_PKCS11_PIN=0000 "$ssm" config check --connect >/dev/null 2>&1; check "config check --connect, wrong PIN" 69 $?

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
