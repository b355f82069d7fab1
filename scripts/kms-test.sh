#!/usr/bin/env bash
# The Kubernetes KMS v2 plugin of the built daemon, driven as kube-apiserver drives it: a
# Python client generated with grpcio-tools from Protos/kms/v2/api.proto (the same .proto as the
# Swift code) calls `v2.KeyManagementService` over the Unix socket of `ssm serve`, on a SoftHSM
# token made for the run and reached through the fault-injecting PKCS#11 module:
#   - bad configurations are refused before start; a stale socket file is replaced, the socket
#     is mode 0600;
#   - Status (v2, ok, key_id), Encrypt/Decrypt round trips without key_id or annotations;
#   - a second replica on the same token answers the same key_id and decrypts the first's
#     ciphertexts;
#   - a Transit rotation (HTTP) changes key_id on both replicas; old ciphertexts decrypt;
#   - tampered or malformed ciphertexts and oversized plaintexts are INVALID_ARGUMENT, an unknown
#     version NOT_FOUND;
#   - the HSM removed (fault module): Status not ok and Encrypt UNAVAILABLE without waiting; the
#     HSM back: ok again;
#   - 64 concurrent callers; every call in the audit log (method, uid, key version, outcome),
#     and the log verifies; SIGTERM removes the socket.
# grpcio and grpcio-tools are pinned and installed once in a virtual environment outside the
# repository (SSM_KMS_TEST_VENV, default ~/.cache/ssm-kms-test). Prints "N passed, M failed".
#
#   scripts/kms-test.sh [path/to/ssm]
set -uo pipefail
cd "$(dirname "$0")/.."
ssm=${1:-$(swift build --show-bin-path)/ssm}
ssm=$(cd "$(dirname "$ssm")" && pwd)/$(basename "$ssm")
venv=${SSM_KMS_TEST_VENV:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ssm-kms-test}
grpc_version=1.85.1
pin=Kms-Test-Pin-2718
key=cluster-kek

passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh
finish() {
  echo "kms-test: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# The client's tools, pinned.
pinned_venv "$venv" "grpcio==$grpc_version" "grpcio-tools==$grpc_version" \
  || { echo "FAIL: cannot install grpcio-tools" >&2; failed=1; finish; }

work=$(mktemp -d /tmp/ssm-kms.XXXXXX)   # short: a socket path holds at most 107 bytes
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  [ -n "${SSM_KMS_TEST_KEEP:-}" ] && cp "$work"/*.log "$work"/audit.jsonl "$SSM_KMS_TEST_KEEP"/ 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The client, generated from the project's .proto.
mkdir -p "$work/client"
"$venv/bin/python" -m grpc_tools.protoc -I Protos --python_out="$work/client" --grpc_python_out="$work/client" \
  kms/v2/api.proto
check "grpcio-tools generates the client from Protos/kms/v2/api.proto" 0 $?
kms() {  # kms SOCKET COMMAND ARGS... -> one JSON object
  PYTHONPATH="$work/client" "$venv/bin/python" scripts/kms/kms_client.py "$@"
}
field() { jq -r "$1" <<<"$2"; }

# The token, and the fault module in front of it (idle until rules are written).
eval "$(SSM_PKCS11_PIN=$pin "$ssm" token init --dir "$work/token" --label kms 2>/dev/null)"
export SOFTHSM2_CONF OPENSSL_CONF
fault_library=$(scripts/build-fault-module.sh "$work/fault" | tail -n 1)
export FAULTY_PKCS11_TARGET=/usr/lib/softhsm/libsofthsm2.so FAULTY_PKCS11_CONTROL="$work/fault-rules"
: >"$FAULTY_PKCS11_CONTROL"
export SSM_PKCS11_TOKEN_LABEL=kms SSM_PKCS11_PIN=$pin SSM_POOL_MAX_SIZE=8 SSM_POOL_MIN_SIZE=1 \
  SSM_POOL_ACQUIRE_TIMEOUT=5s SSM_KEYS_CACHE_TTL=1s
with_key=(env "SSM_KMS_KEY=$key")  # the plugin's key, for ssm serve only (`ssm audit` would refuse kms.key without kms.socket)

# 1. Bad configurations stop start-up before anything listens.
"${with_key[@]}" SSM_SERVER_ADDRESS="127.0.0.1:$(free_port)" SSM_KMS_SOCKET=relative.sock "$ssm" serve >"$work/bad.log" 2>&1
check "a relative kms.socket: exit 78" 78 $?
grep -q "kms.socket: must be the absolute path" "$work/bad.log"; check "  ... naming kms.socket" 0 $?
SSM_SERVER_ADDRESS="127.0.0.1:$(free_port)" SSM_KMS_SOCKET="$work/a.sock" SSM_KMS_KEY='bad/name' "$ssm" serve >"$work/bad.log" 2>&1
check "an invalid kms.key: exit 78" 78 $?
SSM_SERVER_ADDRESS="127.0.0.1:$(free_port)" SSM_KMS_SOCKET_GROUP=wheel "$ssm" serve >"$work/bad.log" 2>&1
check "kms.socketGroup without kms.socket: exit 78" 78 $?
"${with_key[@]}" SSM_SERVER_ADDRESS="127.0.0.1:$(free_port)" SSM_KMS_SOCKET="$work/a.sock" SSM_KMS_SOCKET_GROUP=no-such-group-kms \
  "$ssm" serve >"$work/bad.log" 2>&1
check "an unknown kms.socketGroup: exit 69" 69 $?
grep -q "kms.socketGroup" "$work/bad.log"; check "  ... naming kms.socketGroup" 0 $?
"${with_key[@]}" SSM_SERVER_ADDRESS="127.0.0.1:$(free_port)" SSM_KMS_SOCKET="$work/missing/a.sock" "$ssm" serve >"$work/bad.log" 2>&1
check "a socket in a missing directory: exit 69" 69 $?

# 2. Replica A: through the fault module, with an audit log; a stale socket file at its path.
socket_a="$work/kms-a.sock"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$socket_a"
check "a stale socket file at A's path before start" true "$([ -S "$socket_a" ] && echo true || echo false)"
port_a=$(free_port)
start_a() {
  "${with_key[@]}" SSM_SERVER_ADDRESS="127.0.0.1:$port_a" SSM_KMS_SOCKET="$socket_a" SSM_AUDIT_FILE="$work/audit.jsonl" \
    SSM_PKCS11_MODULE_PATH="$fault_library" SSM_PKCS11_HEALTH_CHECK_INTERVAL=1s SSM_PKCS11_RETRY_INTERVAL=100ms \
    SSM_PKCS11_MAX_RETRY_INTERVAL=500ms "$ssm" serve >>"$work/a.log" 2>&1 &
  pid_a=$!
  pids+=("$pid_a")
}
wait_for() {  # wait_for SOCKET PID: until Status answers (at most 30 s)
  for _ in $(seq 1 150); do
    [ "$(field .code "$(kms "$1" status)")" = OK ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}
start_a
if ! wait_for "$socket_a" "$pid_a"; then
  echo "FAIL: ssm with kms.socket did not answer Status within 30 s:" >&2
  cat "$work/a.log" >&2
  failed=$((failed + 1))
  finish
fi
check "the stale socket was replaced: Status answers on it" OK "$(field .code "$(kms "$socket_a" status)")"
check "socket mode 0600" 600 "$(stat -c %a "$socket_a")"
status=$(kms "$socket_a" status)
check "Status version" v2 "$(field .version "$status")"
check "Status healthz" ok "$(field .healthz "$status")"
check "Status key_id (key created on first start)" "$key:v1" "$(field .key_id "$status")"

# A second ssm on the same socket is refused (the first still serves it).
"${with_key[@]}" SSM_SERVER_ADDRESS="127.0.0.1:$(free_port)" SSM_KMS_SOCKET="$socket_a" "$ssm" serve >"$work/bad.log" 2>&1
check "a second ssm on a served socket: exit 69" 69 $?
grep -q "another process serves" "$work/bad.log"; check "  ... saying so" 0 $?

# 3. Round trips.
seed=$(python3 -c 'import os; print(os.urandom(32).hex())')
encrypted=$(kms "$socket_a" encrypt "$seed" uid-round-trip)
check "Encrypt" OK "$(field .code "$encrypted")"
check "Encrypt key_id = Status key_id" "$key:v1" "$(field .key_id "$encrypted")"
check "Encrypt: no annotations" 0 "$(field .annotations "$encrypted")"
case "$(field .ciphertext_text "$encrypted")" in vault:v1:*) v1=true ;; *) v1=false ;; esac
check "the ciphertext names its version (vault:v1:…)" true "$v1"
ciphertext_v1=$(field .ciphertext "$encrypted")
decrypted=$(kms "$socket_a" decrypt "$ciphertext_v1")
check "Decrypt without key_id" "$seed" "$(field .plaintext "$decrypted")"
check "Decrypt ignores a wrong key_id" "$seed" "$(field .plaintext "$(kms "$socket_a" decrypt "$ciphertext_v1" not-the-key)")"

# 4. Replica B on the same token (plain SoftHSM): the same key_id, and A's ciphertexts decrypt.
socket_b="$work/kms-b.sock"
"${with_key[@]}" SSM_SERVER_ADDRESS="127.0.0.1:$(free_port)" SSM_KMS_SOCKET="$socket_b" "$ssm" serve >"$work/b.log" 2>&1 &
pid_b=$!
pids+=("$pid_b")
if wait_for "$socket_b" "$pid_b"; then
  check "replica B: the same key_id" "$key:v1" "$(field .key_id "$(kms "$socket_b" status)")"
  check "replica B decrypts A's ciphertext" "$seed" "$(field .plaintext "$(kms "$socket_b" decrypt "$ciphertext_v1")")"
else
  check "replica B starts" started "failed: $(tail -n 3 "$work/b.log")"
fi

# 5. Rotation through Vault Transit's HTTP API.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port_a/v1/transit/keys/$key/rotate")
check "Transit rotate over HTTP" 200 "$code"
check "Status key_id changes at once on A" "$key:v2" "$(field .key_id "$(kms "$socket_a" status)")"
key_b=""
for _ in $(seq 1 50); do  # B reads the token again after keys.cacheTTL (1 s here)
  key_b=$(field .key_id "$(kms "$socket_b" status)")
  [ "$key_b" = "$key:v2" ] && break
  sleep 0.2
done
check "Status key_id changes on B within keys.cacheTTL" "$key:v2" "$key_b"
encrypted=$(kms "$socket_a" encrypt "$seed")
check "Encrypt after rotation: the new key_id" "$key:v2" "$(field .key_id "$encrypted")"
ciphertext_v2=$(field .ciphertext "$encrypted")
check "the old ciphertext still decrypts" "$seed" "$(field .plaintext "$(kms "$socket_a" decrypt "$ciphertext_v1")")"
check "the new ciphertext decrypts on B" "$seed" "$(field .plaintext "$(kms "$socket_b" decrypt "$ciphertext_v2")")"

# 6. Bad input.
b64() { printf '%s' "$1" | base64 -w0; }
tampered=$(python3 - "$ciphertext_v2" <<'PY'
import base64, sys
text = base64.b64decode(sys.argv[1]).decode()
prefix, payload = text.rsplit(":", 1)
raw = bytearray(base64.b64decode(payload))
raw[len(raw) // 2] ^= 1
print(base64.b64encode((prefix + ":" + base64.b64encode(bytes(raw)).decode()).encode()).decode())
PY
)
check "tampered ciphertext: INVALID_ARGUMENT" INVALID_ARGUMENT "$(field .code "$(kms "$socket_a" decrypt "$tampered")")"
check "not a ciphertext: INVALID_ARGUMENT" INVALID_ARGUMENT "$(field .code "$(kms "$socket_a" decrypt "$(b64 'hello')")")"
unknown=$(python3 -c 'import base64,sys; t=base64.b64decode(sys.argv[1]).decode(); print(base64.b64encode(("vault:v77:"+t.split(":",2)[2]).encode()).decode())' "$ciphertext_v2")
check "unknown version: NOT_FOUND" NOT_FOUND "$(field .code "$(kms "$socket_a" decrypt "$unknown")")"
check "oversized plaintext (513 B): INVALID_ARGUMENT" INVALID_ARGUMENT "$(field .code "$(kms "$socket_a" encrypt zeros:513)")"
check "oversized plaintext (64 KiB): INVALID_ARGUMENT" INVALID_ARGUMENT "$(field .code "$(kms "$socket_a" encrypt zeros:65536)")"
check "the largest plaintext (512 B) encrypts" OK "$(field .code "$(kms "$socket_a" encrypt zeros:512)")"

# 7. 64 concurrent callers.
result=$(kms "$socket_a" concurrent 64 5)
jq -e . <<<"$result" >/dev/null 2>&1 || echo "  the concurrent client said: $result" >&2
check "64 concurrent callers: 640 calls, no failure" "0" "$(field .failures "$result")"
[ "$(field .failures "$result")" = 0 ] || echo "  first failure: $(field .first_failure "$result")" >&2
check "64 concurrent callers: one key_id" "[\"$key:v2\"]" "$(jq -c .key_ids <<<"$result")"

# 8. The HSM removed (every call of A's module fails with CKR_DEVICE_REMOVED), then back.
echo "* CKR_DEVICE_REMOVED" >"$FAULTY_PKCS11_CONTROL.tmp" && mv "$FAULTY_PKCS11_CONTROL.tmp" "$FAULTY_PKCS11_CONTROL"
healthz=ok
for _ in $(seq 1 75); do  # the health check (every 1 s here) notices it without a request
  healthz=$(field .healthz "$(kms "$socket_a" status)")
  [ "$healthz" != ok ] && break
  sleep 0.2
done
check "HSM removed: Status not ok" true "$([ "$healthz" != ok ] && echo true || echo false)"
echo "kms-test: healthz while the HSM is removed: $healthz" >&2
status=$(kms "$socket_a" status)
check "HSM removed: Status still answers the last key_id" "$key:v2" "$(field .key_id "$status")"
down=$(kms "$socket_a" encrypt "$seed")
check "HSM removed: Encrypt UNAVAILABLE" UNAVAILABLE "$(field .code "$down")"
check "  ... at once, not after pool.acquireTimeout (5 s)" true "$(python3 -c "print(str($(field .seconds "$down") < 5).lower())")"
check "HSM removed: Decrypt UNAVAILABLE" UNAVAILABLE "$(field .code "$(kms "$socket_a" decrypt "$ciphertext_v1")")"
check "HSM removed from A only: B still encrypts" OK "$(field .code "$(kms "$socket_b" encrypt "$seed")")"
: >"$FAULTY_PKCS11_CONTROL.tmp" && mv "$FAULTY_PKCS11_CONTROL.tmp" "$FAULTY_PKCS11_CONTROL"
for _ in $(seq 1 100); do
  healthz=$(field .healthz "$(kms "$socket_a" status)")
  [ "$healthz" = ok ] && break
  sleep 0.2
done
check "HSM back: Status ok" ok "$healthz"
check "HSM back: old ciphertexts decrypt" "$seed" "$(field .plaintext "$(kms "$socket_a" decrypt "$ciphertext_v1")")"

# 9. Stop A: the socket goes; every call was audited and the log verifies.
kill -TERM "$pid_a"
wait "$pid_a"; check "A: exit status after SIGTERM" 0 $?
check "A: the socket file is removed at stop" false "$([ -e "$socket_a" ] && echo true || echo false)"
audit=$(jq -c 'select(.method == "GRPC")' "$work/audit.jsonl")
check "audit: the round trip's Encrypt (uid, key, version, outcome)" \
  '{"request_id":"uid-round-trip","path":"/v2.KeyManagementService/Encrypt","operation":"encrypt","key_label":"cluster-kek","key_id":1,"status":200,"grpc_status":"OK"}' \
  "$(jq -c 'select(.request_id == "uid-round-trip") | {request_id, path, operation, key_label, key_id, status, grpc_status}' <<<"$audit")"
check "audit: the tampered Decrypt" true \
  "$(jq -s 'any(.path == "/v2.KeyManagementService/Decrypt" and .grpc_status == "INVALID_ARGUMENT" and .key_id == 2)' <<<"$audit")"
check "audit: the unknown version" true "$(jq -s 'any(.grpc_status == "NOT_FOUND" and .key_id == 77 and .status == 404)' <<<"$audit")"
check "audit: UNAVAILABLE while the HSM was removed" true "$(jq -s 'any(.grpc_status == "UNAVAILABLE" and .status == 503)' <<<"$audit")"
check "audit: the 640 concurrent calls" true "$(jq -s '[.[] | select(.request_id | test("^[cd][0-9]"))] | length >= 640' <<<"$audit")"
grep -q "$(field .plaintext "$decrypted")" "$work/audit.jsonl"; check "audit: no plaintext in the log" 1 $?
SSM_PKCS11_MODULE_PATH=/usr/lib/softhsm/libsofthsm2.so "$ssm" audit verify "$work/audit.jsonl" >"$work/verify.log" 2>&1
check "ssm audit verify (chain and HSM seals)" 0 $?
kill -TERM "$pid_b"
wait "$pid_b"; check "B: exit status after SIGTERM" 0 $?
grep -q -- "$pin" "$work/a.log" "$work/b.log"; check "no PIN in the logs" 1 $?

finish
