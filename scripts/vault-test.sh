#!/usr/bin/env bash
# Vault clients against the built daemon, on a SoftHSM token created for the run:
#   1. hvac (the Python Vault client, pinned, unchanged) drives every Transit operation
#      through its documented methods: keys (create, read, list, config, rotate, trim, delete),
#      encrypt/decrypt/rewrap with associated data, key versions and batches, data keys, sign
#      and verify (ECDSA P-256/P-384, RSA PSS/PKCS #1 v1.5, prehashed, JWS), HMAC, random, hash,
#      token lookup/renewal, health; export and backup refused; a restricted client refused;
#   2. automatic rotation on time, and across a restart (a key due while ssm was stopped is
#      rotated at start);
#   3. the call sequence of the Vault KMS plugin for Kubernetes (vault-kubernetes-kms: PUT
#      with X-Vault-Token, lookup-self, encrypt, read key, decrypt, renew-self) with curl, under
#      a configured mount (transit.mount).
# hvac is installed once in a virtual environment outside the repository (SSM_VAULT_TEST_VENV,
# default ~/.cache/ssm-vault-test). Prints "N passed, M failed".
#
#   scripts/vault-test.sh [path/to/ssm]
set -uo pipefail
cd "$(dirname "$0")/.."
ssm=${1:-$(swift build --show-bin-path)/ssm}
venv=${SSM_VAULT_TEST_VENV:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ssm-vault-test}
pin=Vault-Test-Pin-2718

passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh
finish() {
  echo "vault-test: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

pinned_venv "$venv" hvac==2.4.0 || { echo "FAIL: cannot install hvac" >&2; failed=1; finish; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

eval "$(SSM_PKCS11_PIN=$pin "$ssm" token init --dir "$work/token" --label vault 2>/dev/null)"
export SOFTHSM2_CONF OPENSSL_CONF
port=$(free_port)
base="http://127.0.0.1:$port"
admin_token=$("$ssm" clients token | awk '/^token:/ {print $2}')
kms_token=$("$ssm" clients token | awk '/^token:/ {print $2}')
if [ -z "$admin_token" ] || [ -z "$kms_token" ]; then
  "$ssm" clients token >&2
  echo "FAIL: ssm clients token printed no token" >&2
  failed=1
  finish
fi
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
# The plugin's client may use the key "kms" only, as a Vault policy for the plugin would allow.
cat >"$work/ssm.yaml" <<YAML
pkcs11:
  tokenLabel: vault
clients:
  admin:
    tokenSha256: $(sha "$admin_token")
    policy:
      encrypt: ["*"]
      decrypt: ["*"]
      rewrap: ["*"]
      datakey: ["*"]
      generate: ["*"]
      admin: ["*"]
      delete: ["*"]
      list: ["*"]
      sign: ["*"]
      verify: ["*"]
      hmac: ["*"]
      random: ["*"]
  kms-plugin:
    tokenSha256: $(sha "$kms_token")
    policy:
      encrypt: ["kms"]
      decrypt: ["kms"]
      list: ["kms"]
YAML

start() {  # start LOGNAME [VAR=value ...]
  local log=$1
  shift
  env "$@" SSM_PKCS11_PIN=$pin SSM_SERVER_ADDRESS="127.0.0.1:$port" SSM_TRANSIT_MIN_AUTO_ROTATE_PERIOD=1s \
    "$ssm" serve --config "$work/ssm.yaml" >"$work/$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do curl -s "$base/health-check" >/dev/null && break; sleep 0.1; done
  curl -s "$base/health-check" >/dev/null || { echo "FAIL: ssm did not start:" >&2; cat "$work/$log" >&2; failed=$((failed + 1)); finish; }
}
stop() {
  kill -TERM "$server_pid"; wait "$server_pid"; server_pid=""
}

# 1 and 2 (first half). hvac, as a user writes it: Client(url, token), the default mount.
start log-first
VAULT_ADDR=$base VAULT_TOKEN=$admin_token KMS_TOKEN=$kms_token "$venv/bin/python" - >"$work/hvac.out" 2>&1 <<'PY'
import base64, hashlib, os, sys, time
import hvac
from hvac import exceptions

passed = failed = 0
def check(name, condition):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}", file=sys.stderr)

def raises(name, error, call):
    try:
        call()
    except error:
        check(name, True)
    except Exception as other:
        check(f"{name} (raised {type(other).__name__}: {other})", False)
    else:
        check(f"{name} (no error)", False)

b64 = lambda data: base64.b64encode(data).decode()
client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
transit = client.secrets.transit

check("is_authenticated", client.is_authenticated())
check("unknown token is not authenticated", not hvac.Client(url=os.environ["VAULT_ADDR"], token="nope").is_authenticated())
me = client.auth.token.lookup_self()["data"]
check("lookup_self: policies are the client's operations", "encrypt" in me["policies"] and me["ttl"] == 0)
check("renew_self", client.auth.token.renew_self()["auth"]["client_token"] == os.environ["VAULT_TOKEN"])
health = client.sys.read_health_status(method="GET")
check("sys/health", health["initialized"] and not health["sealed"])

# Keys.
transit.create_key(name="orders")
key = transit.read_key(name="orders")["data"]
check("create_key: aes256-gcm96 by default", key["type"] == "aes256-gcm96" and key["latest_version"] == 1)
check("read_key: keys map of creation times", isinstance(key["keys"]["1"], int) and key["keys"]["1"] > 1_700_000_000)
client.adapter.post("/v1/transit/keys/small", json={"type": "aes128-gcm96"})  # hvac 2.4.0 does not list aes128-gcm96
check("aes128-gcm96 key", transit.read_key(name="small")["data"]["type"] == "aes128-gcm96")
for key_type in ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"]:
    transit.create_key(name=f"signer-{key_type}", key_type=key_type)
    data = transit.read_key(name=f"signer-{key_type}")["data"]
    check(f"{key_type}: public key published", data["keys"]["1"]["public_key"].startswith("-----BEGIN PUBLIC KEY-----"))
client.adapter.post("/v1/transit/keys/webhooks", json={"type": "hmac"})  # nor hmac
check("list_keys", {"orders", "small", "webhooks"} <= set(transit.list_keys()["data"]["keys"]))
raises("derived keys refused (400)", exceptions.InvalidRequest, lambda: transit.create_key(name="d", derived=True))
raises("exportable keys refused (400)", exceptions.InvalidRequest, lambda: transit.create_key(name="e", exportable=True))
raises("read_key of an unknown key (404)", exceptions.InvalidPath, lambda: transit.read_key(name="nothing"))

# Encrypt, decrypt, rewrap, versions.
plain = b64(b"order 42: 3 widgets")
aad = b64(b"customer-7")
sealed = transit.encrypt_data(name="orders", plaintext=plain, associated_data=aad)["data"]
check("encrypt_data: vault:v1:", sealed["ciphertext"].startswith("vault:v1:") and sealed["key_version"] == 1)
check("decrypt_data", transit.decrypt_data(name="orders", ciphertext=sealed["ciphertext"], associated_data=aad)["data"]["plaintext"] == plain)
raises("wrong associated data (400)", exceptions.InvalidRequest,
       lambda: transit.decrypt_data(name="orders", ciphertext=sealed["ciphertext"], associated_data=b64(b"other")))
rotated = transit.rotate_key(name="orders")["data"]
check("rotate_key", rotated["latest_version"] == 2)
v2 = transit.encrypt_data(name="orders", plaintext=plain)["data"]["ciphertext"]
check("encrypt after rotation: v2", v2.startswith("vault:v2:"))
v1 = transit.encrypt_data(name="orders", plaintext=plain, key_version=1)["data"]["ciphertext"]
check("encrypt with key_version 1", v1.startswith("vault:v1:"))
rewrapped = transit.rewrap_data(name="orders", ciphertext=v1)["data"]["ciphertext"]
check("rewrap_data to v2", rewrapped.startswith("vault:v2:"))
check("rewrapped decrypts", transit.decrypt_data(name="orders", ciphertext=rewrapped)["data"]["plaintext"] == plain)
transit.update_key_configuration(name="orders", min_decryption_version=2)
# (hvac itself refuses both in one call unless min_encryption_version > min_decryption_version.)
transit.update_key_configuration(name="orders", min_encryption_version=2)
key = transit.read_key(name="orders")["data"]
check("update_key_configuration", key["min_decryption_version"] == 2 and key["min_encryption_version"] == 2)
raises("below min_decryption_version (400)", exceptions.InvalidRequest, lambda: transit.decrypt_data(name="orders", ciphertext=v1))
raises("below min_encryption_version (400)", exceptions.InvalidRequest,
       lambda: transit.encrypt_data(name="orders", plaintext=plain, key_version=1))
trimmed = transit.trim_key(name="orders", min_version=2)["data"]
check("trim_key", sorted(trimmed["keys"]) == ["2"] and trimmed["min_available_version"] == 2)
raises("delete_key refused until deletion_allowed (400)", exceptions.InvalidRequest, lambda: transit.delete_key(name="small"))
transit.update_key_configuration(name="small", deletion_allowed=True)
transit.delete_key(name="small")
raises("deleted key is gone (404)", exceptions.InvalidPath, lambda: transit.read_key(name="small"))

# Batches.
batch = transit.encrypt_data(name="orders", batch_input=[{"plaintext": plain}, {"plaintext": b64(b"two"), "reference": "r2"}])
results = batch["data"]["batch_results"]
check("batch encrypt", len(results) == 2 and results[1]["reference"] == "r2")
opened = transit.decrypt_data(name="orders", batch_input=[{"ciphertext": r["ciphertext"]} for r in results])["data"]["batch_results"]
check("batch decrypt", [o["plaintext"] for o in opened] == [plain, b64(b"two")])
raises("a failed batch item makes the batch 400", exceptions.InvalidRequest,
       lambda: transit.decrypt_data(name="orders", batch_input=[{"ciphertext": v2}, {"ciphertext": "vault:v2:AAAA"}]))
partial = client.adapter.post("/v1/transit/decrypt/orders", json={
    "batch_input": [{"ciphertext": v2}, {"ciphertext": "vault:v2:AAAA"}], "partial_failure_response_code": 207}, raise_exception=False)
items = partial.json()["data"]["batch_results"]
check("partial_failure_response_code", partial.status_code == 207 and items[0]["plaintext"] == plain and "error" in items[1])

# Data keys, random, hash.
datakey = transit.generate_data_key(name="orders", key_type="plaintext", bits=256)["data"]
check("generate_data_key plaintext", len(base64.b64decode(datakey["plaintext"])) == 32)
check("data key unwraps", transit.decrypt_data(name="orders", ciphertext=datakey["ciphertext"])["data"]["plaintext"] == datakey["plaintext"])
wrapped = transit.generate_data_key(name="orders", key_type="wrapped", bits=512)["data"]
check("generate_data_key wrapped", "plaintext" not in wrapped and wrapped["ciphertext"].startswith("vault:v2:"))
check("generate_random_bytes", len(base64.b64decode(transit.generate_random_bytes(n_bytes=24)["data"]["random_bytes"])) == 24)
check("generate_random_bytes hex", len(transit.generate_random_bytes(n_bytes=8, output_format="hex")["data"]["random_bytes"]) == 16)
check("hash_data", transit.hash_data(hash_input=b64(b"abc"), algorithm="sha2-256")["data"]["sum"] == hashlib.sha256(b"abc").hexdigest())
check("hash_data base64 sha2-512", transit.hash_data(hash_input=b64(b"abc"), algorithm="sha2-512", output_format="base64")["data"]["sum"]
      == b64(hashlib.sha512(b"abc").digest()))

# Signatures.
message = b64(b"release 1.4.2")
for key_type in ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"]:
    name = f"signer-{key_type}"
    variants = [{}, {"hash_algorithm": "sha2-384"}]
    variants += [{"marshaling_algorithm": "jws"}] if key_type.startswith("ecdsa") else [
        {"signature_algorithm": "pkcs1v15"}, {"signature_algorithm": "pss", "salt_length": "hash"}]
    for options in variants:
        signature = transit.sign_data(name=name, hash_input=message, **options)["data"]["signature"]
        check(f"sign_data {key_type} {options}", signature.startswith("vault:v1:"))
        check(f"verify_signed_data {key_type} {options}",
              transit.verify_signed_data(name=name, hash_input=message, signature=signature, **options)["data"]["valid"])
        check(f"verify_signed_data {key_type} {options} other input",
              not transit.verify_signed_data(name=name, hash_input=b64(b"other"), signature=signature, **options)["data"]["valid"])
digest = b64(hashlib.sha256(b"release 1.4.2").digest())
prehashed = transit.sign_data(name="signer-ecdsa-p256", hash_input=digest, prehashed=True)["data"]["signature"]
check("prehashed signature verifies over the message", transit.verify_signed_data(
    name="signer-ecdsa-p256", hash_input=message, signature=prehashed)["data"]["valid"])
batch = transit.sign_data(name="signer-ecdsa-p256", batch_input=[{"input": message}, {"input": b64(b"b")}])["data"]["batch_results"]
check("batch sign", len(batch) == 2 and all(item["signature"].startswith("vault:v1:") for item in batch))
raises("sign with an AES key (400)", exceptions.InvalidRequest, lambda: transit.sign_data(name="orders", hash_input=message))

# HMAC.
mac = transit.generate_hmac(name="webhooks", hash_input=b64(b"payload"))["data"]["hmac"]
check("generate_hmac", mac.startswith("vault:v1:") and len(base64.b64decode(mac.split(":")[2])) == 32)
check("verify hmac", transit.verify_signed_data(name="webhooks", hash_input=b64(b"payload"), hmac=mac)["data"]["valid"])
mac512 = transit.generate_hmac(name="webhooks", hash_input=b64(b"payload"), algorithm="sha2-512")["data"]["hmac"]
check("verify hmac sha2-512", transit.verify_signed_data(name="webhooks", hash_input=b64(b"payload"), hmac=mac512, hash_algorithm="sha2-512")["data"]["valid"])

# Refused: key material never leaves the HSM.
raises("export_key refused (400)", exceptions.InvalidRequest, lambda: transit.export_key(name="orders", key_type="encryption-key"))
raises("backup_key refused (400)", exceptions.InvalidRequest, lambda: transit.backup_key(name="orders"))

# A restricted client (the KMS plugin's): only the key "kms", only encrypt, decrypt and list.
restricted = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["KMS_TOKEN"])
raises("restricted client: other key (403)", exceptions.Forbidden,
       lambda: restricted.secrets.transit.encrypt_data(name="orders", plaintext=plain))
raises("restricted client: no upsert of a missing key (404)", exceptions.InvalidPath,
       lambda: restricted.secrets.transit.encrypt_data(name="kms", plaintext=plain))
raises("restricted client: no rotation (403)", exceptions.Forbidden, lambda: restricted.secrets.transit.rotate_key(name="kms"))

# Upsert (Vault's): encrypting under a missing key creates it for a client that may generate.
check("upsert: encrypt creates the key", transit.encrypt_data(name="kms", plaintext=plain)["data"]["ciphertext"].startswith("vault:v1:"))

# Automatic rotation: a 2 s period rotates within a few seconds.
transit.update_key_configuration(name="webhooks", auto_rotate_period="2s")
deadline = time.time() + 15
while time.time() < deadline and transit.read_key(name="webhooks")["data"]["latest_version"] < 2:
    time.sleep(0.5)
check("auto_rotate_period: rotated on time", transit.read_key(name="webhooks")["data"]["latest_version"] >= 2)
transit.update_key_configuration(name="webhooks", auto_rotate_period=0)
# Across a restart: a 5 s period set just before stopping; the shell checks after the restart.
transit.create_key(name="nightly", auto_rotate_period="5s")
print(f"hvac: {passed} passed, {failed} failed")
PY
code=$?
cat "$work/hvac.out" >&2
check "hvac drives every Transit operation" 0 "$code"
hvac_failed=$(awk '/^hvac:/ {print $4}' "$work/hvac.out")
check "hvac checks all passed" 0 "${hvac_failed:-1}"
stop
stopped_at=$(date +%s)
sleep 6   # the nightly key falls due while ssm is stopped

# 2 (second half) and 3: restarted under another mount.
start log-second SSM_TRANSIT_MOUNT=k8s/transit
sleep 2
read_key() { curl -s -H "X-Vault-Token: $admin_token" "$base/v1/k8s/transit/keys/$1"; }
check "a key due while ssm was stopped is rotated at start" 2 "$(read_key nightly | jq -r .data.latest_version)"
check "the new version is created after the restart" 1 "$(read_key nightly | jq --argjson t "$stopped_at" '.data.keys["2"] > $t' | sed 's/true/1/')"
check "the default mount is gone after the change" 404 "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Vault-Token: $admin_token" "$base/v1/transit/keys/nightly")"

# The plugin's calls, as its Go client makes them (PUT for writes, X-Vault-Token).
kms() {  # kms METHOD PATH [BODY] -> $status, $work/body
  local args=(-s -o "$work/body" -w '%{http_code}' -H "X-Vault-Token: $kms_token" -H 'X-Vault-Request: true' -X "$1" "$base/v1/$2")
  [ $# -ge 3 ] && args+=(--data-binary "$3")
  status=$(curl "${args[@]}")
}
field() { jq -r "$1" "$work/body"; }
kms GET auth/token/lookup-self
check "plugin: lookup-self" 200 "$status"
check "plugin: ttl and creation_ttl are numbers" "number number" "$(field '(.data.ttl | type) + " " + (.data.creation_ttl | type)')"
secret=$(printf 'a Kubernetes secret seed' | base64)
kms PUT k8s/transit/encrypt/kms "{\"plaintext\":\"$secret\"}"
check "plugin: encrypt" 200 "$status"
ciphertext=$(field .data.ciphertext); version=$(field .data.key_version)
check "plugin: ciphertext and key_version" "vault:v1: 1" "${ciphertext:0:9} $version"
kms GET k8s/transit/keys/kms
check "plugin: read key" 200 "$status"
check "plugin: keys[key_version] is a creation time (number)" number "$(field ".data.keys[\"$version\"] | type")"
kms PUT k8s/transit/decrypt/kms "{\"ciphertext\":\"$ciphertext\"}"
check "plugin: decrypt" "$secret" "$(field .data.plaintext)"
kms PUT auth/token/renew-self '{"increment":3600}'
check "plugin: renew-self" 200 "$status"
kms PUT k8s/transit/encrypt/orders "{\"plaintext\":\"$secret\"}"
check "plugin: another key is forbidden" "403 1" "$status $(field '.errors | length')"
kms PUT k8s/transit/decrypt/kms "{\"ciphertext\":\"$ciphertext\"}"
status=$(curl -s -o "$work/body" -w '%{http_code}' -H 'X-Vault-Token: wrong' -X PUT --data-binary "{\"ciphertext\":\"$ciphertext\"}" "$base/v1/k8s/transit/decrypt/kms")
check "plugin: a wrong token is 403 with Vault's errors" "403 1" "$status $(field '.errors | length')"
stop

grep -q -- "$pin\|$admin_token\|$kms_token" "$work/log-first" "$work/log-second"; check "no PIN or token in the logs" 1 $?
finish
