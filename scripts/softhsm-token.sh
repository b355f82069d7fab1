#!/usr/bin/env bash
# Creates (if missing) a SoftHSM token in its own directory, never in the system
# token store, and prints the environment to use it.
#
#   scripts/softhsm-token.sh [DIR] [LABEL] [PIN] [SO_PIN]
#
# DIR     token directory (default: ./.ssm/softhsm); holds softhsm2.conf and tokens/
# LABEL   token label (default: ssm)
# PIN     user PIN (default: 1234)
# SO_PIN  security officer PIN (default: 12345678)
#
# Idempotent: an existing token with that label is kept. Prints
#   export SOFTHSM2_CONF=DIR/softhsm2.conf
#   export OPENSSL_CONF=DIR/openssl.cnf     (enables single DES; unless OPENSSL_CONF is set)
# on stdout, so `eval "$(scripts/softhsm-token.sh)"` sets the environment.
set -euo pipefail

dir=${1:-${SSM_TOKEN_DIR:-./.ssm/softhsm}}
label=${2:-ssm}
pin=${3:-1234}
so_pin=${4:-12345678}

if ! command -v softhsm2-util >/dev/null 2>&1; then
  echo "softhsm-token: softhsm2-util not found (apt-get install softhsm2)" >&2
  exit 1
fi

mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd)
chmod 700 "$dir" "$dir/tokens"
conf="$dir/softhsm2.conf"
if [ ! -f "$conf" ]; then
  cat >"$conf" <<CONF
# SoftHSM configuration for ssm (created by scripts/softhsm-token.sh)
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
fi
export SOFTHSM2_CONF="$conf"

# SoftHSM encrypts with OpenSSL; OpenSSL 3 keeps single DES in its legacy provider, without
# which CKM_DES_CBC_PAD fails with CKR_MECHANISM_INVALID. This configuration loads both.
if [ ! -f "$dir/openssl.cnf" ]; then
  cat >"$dir/openssl.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
CNF
fi

if softhsm2-util --show-slots 2>/dev/null | grep -q "Label:[[:space:]]*${label}[[:space:]]*$"; then
  echo "softhsm-token: token '$label' already present in $dir" >&2
else
  softhsm2-util --init-token --free --label "$label" --pin "$pin" --so-pin "$so_pin" >&2
  echo "softhsm-token: created token '$label' in $dir" >&2
fi
echo "export SOFTHSM2_CONF=$conf"
# Keep an OpenSSL configuration the caller already chose.
[ -n "${OPENSSL_CONF:-}" ] || echo "export OPENSSL_CONF=$dir/openssl.cnf"
