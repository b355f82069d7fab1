#!/bin/sh
# Entry point of the ssm container image: creates the SoftHSM token on first start when asked
# (SSM_INIT_TOKEN=1), then runs ssm with the container's arguments. The PIN comes from
# SSM_PKCS11_PIN, else the file SSM_PKCS11_PIN_FILE (default /run/secrets/ssm-pin).
set -eu

if [ "${SSM_INIT_TOKEN:-0}" = 1 ] && [ "${1:-}" = serve ]; then
  # Idempotent: a token with this label is kept.
  /usr/local/bin/ssm token init --dir "${SSM_TOKEN_DIR:-/var/lib/ssm/softhsm}" \
    --label "${SSM_PKCS11_TOKEN_LABEL:-ssm}" >/dev/null
fi

exec /usr/local/bin/ssm "$@"
