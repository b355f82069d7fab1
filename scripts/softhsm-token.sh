#!/usr/bin/env bash
# Creates (if missing) a SoftHSM token in its own directory, never in the system token store,
# and prints the environment to use it: `ssm token init` (the one implementation of the token
# directory's layout) with the PIN from the command line, for scripts and shells.
#
#   scripts/softhsm-token.sh [DIR] [LABEL] [PIN] [SO_PIN]
#
# DIR     token directory (default: $SSM_TOKEN_DIR, else ./.ssm/softhsm); holds softhsm2.conf,
#         openssl.cnf and tokens/
# LABEL   token label (default: ssm)
# PIN     user PIN (default: 1234)
# SO_PIN  security officer PIN (default: a random one, written to DIR/so-pin)
#
# The ssm executable is the debug build's (built when missing). Idempotent: an existing token
# with that label is kept. Prints
#   export SOFTHSM2_CONF=DIR/softhsm2.conf
#   export OPENSSL_CONF=DIR/openssl.cnf     (OpenSSL's legacy provider, for single DES)
# on stdout, so `eval "$(scripts/softhsm-token.sh)"` sets the environment.
set -euo pipefail

dir=${1:-${SSM_TOKEN_DIR:-./.ssm/softhsm}}
label=${2:-ssm}
pin=${3:-1234}
so_pin=${4:-}

root=$(cd "$(dirname "$0")/.." && pwd)
ssm=$(cd "$root" && swift build --show-bin-path)/ssm
[ -x "$ssm" ] || (cd "$root" && swift build --product ssm >&2)
SSM_PKCS11_PIN=$pin SSM_TOKEN_SO_PIN=$so_pin exec "$ssm" token init --dir "$dir" --label "$label"
