#!/usr/bin/env bash
# Builds ssm and runs it on 127.0.0.1:8080 against a local SoftHSM token, created
# (with demo keys) in ./.ssm/softhsm when missing. Ctrl-C stops it.
#
#   scripts/run.sh [extra ssm serve arguments]
#
# Environment: SSM_TOKEN_DIR (token directory), SSM_BUILD (debug|release, default release).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
configuration=${SSM_BUILD:-release}
swift build -c "$configuration" --product ssm >&2
ssm=$(swift build -c "$configuration" --show-bin-path)/ssm

# The token 'ssm' (user PIN 1234, the security officer's in DIR/so-pin), kept when present.
eval "$(SSM_PKCS11_PIN=1234 "$ssm" token init --dir "${SSM_TOKEN_DIR:-./.ssm/softhsm}" --label ssm)"
export SOFTHSM2_CONF OPENSSL_CONF

# Demo keys with SSM's default labels, id 1, when missing.
for type in aes256 aes128 des des3; do
  "$ssm" keys generate --config config/ssm.yaml --type "$type" --id 1 --if-missing >/dev/null
done

exec "$ssm" serve --config config/ssm.yaml "$@"
