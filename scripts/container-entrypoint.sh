#!/bin/sh
# Entry point of the ssm container image. For `serve` it
#  1. creates the SoftHSM token on first start when asked (SSM_INIT_TOKEN=1);
#  2. finds the credentials in SSM_CREDENTIALS_DIR (default /var/lib/ssm/credentials):
#       tls.crt, tls.key   the server's certificate chain and key (PEM)
#       clients.yaml       the `clients:` section (README "Securing ssm")
#     and, when none of them exists yet and SSM_GENERATE_CREDENTIALS=1 (the image's default),
#     generates them there: a CA (ca.crt; its key is discarded), a server certificate for
#     localhost, 127.0.0.1, ::1, the container's host name and SSM_CERTIFICATE_NAMES
#     (e.g. "DNS:ssm.example,IP:10.0.0.5"), and one client `admin` allowed everything, whose
#     bearer token is written once to admin.token (mode 0600; only its SHA-256 is configured);
#  3. listens on SSM_SERVER_ADDRESS, default 0.0.0.0:8443, whatever the file's server.address
#     (set here, not in the image's environment, so that `ssm keys` in the container, which
#     listens nowhere, keeps the loopback default and is not refused for an open address);
#  4. runs ssm on the configuration given with --config plus a tls: section naming those files
#     and the clients (written to SSM_RUN_DIR, default /tmp). A missing credential stops it
#     with exit status 78 and a line naming the file.
# SSM_CREDENTIALS_DIR set empty runs ssm on the given configuration as it is (it must then have
# tls: and clients: itself: ssm refuses 0.0.0.0 without them). The PIN comes from
# SSM_PKCS11_PIN, else the file SSM_PKCS11_PIN_FILE (default /run/secrets/ssm-pin).
set -eu

fail() {
  echo "ssm-entrypoint: $*" >&2
  exit 78   # EX_CONFIG, as ssm's own configuration errors
}

# openssl without the image's OPENSSL_CONF (the token's legacy-provider file, absent before the
# token exists).
ossl() { env -u OPENSSL_CONF openssl "$@"; }

# Generates a CA, a server certificate signed by it and the admin client into $1.
generate_credentials() {
  dir=$1
  tmp=$(mktemp -d)
  ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  sans="DNS:localhost,IP:127.0.0.1,IP:::1,DNS:$(uname -n)${SSM_CERTIFICATE_NAMES:+,$SSM_CERTIFICATE_NAMES}"
  # shellcheck disable=SC2086  # $ec is a list of options
  ossl req -x509 $ec -days 3650 -subj "/CN=ssm container CA" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>"$tmp/log" \
    && ossl req $ec -subj "/CN=localhost" -keyout "$tmp/tls.key" -out "$tmp/tls.csr" 2>"$tmp/log" \
    && printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$sans" >"$tmp/tls.ext" \
    && ossl x509 -req -in "$tmp/tls.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
      -days 825 -extfile "$tmp/tls.ext" -out "$tmp/tls.crt" 2>"$tmp/log" \
    || fail "cannot generate the certificates (SSM_CERTIFICATE_NAMES='${SSM_CERTIFICATE_NAMES:-}'):" \
      "$(head -n 3 "$tmp/log")"
  /usr/local/bin/ssm clients token >"$tmp/token"
  sed -n 's/^token: //p' "$tmp/token" >"$tmp/admin.token"
  {
    echo "clients:"
    echo "  admin:   # generated at first start; its token is admin.token"
    echo "    tokenSha256: $(sed -n 's/^tokenSha256: //p' "$tmp/token")"
    echo "    policy:"
    for operation in encrypt decrypt generate store delete list stats admin \
      sign verify hmac rewrap datakey random; do
      echo "      $operation: [\"*\"]"
    done
  } >"$tmp/clients.yaml"
  # Into the volume: the token first and clients.yaml last, so that a start interrupted here
  # either generates everything again (no clients.yaml, tls.*) or names the missing file.
  mkdir -p "$dir"
  for file in admin.token ca.crt tls.key tls.crt clients.yaml; do
    cp "$tmp/$file" "$dir/$file.new" && chmod 0600 "$dir/$file.new"
  done
  chmod 0644 "$dir/ca.crt.new" "$dir/tls.crt.new"
  for file in admin.token ca.crt tls.key tls.crt clients.yaml; do
    mv "$dir/$file.new" "$dir/$file"
  done
  rm -rf "$tmp"
  echo "ssm-entrypoint: generated TLS credentials and the client 'admin' in $dir" \
    "(its bearer token: $dir/admin.token; the CA to trust: $dir/ca.crt)" >&2
}

if [ "${1:-}" = serve ]; then
  umask 077
  export SSM_SERVER_ADDRESS="${SSM_SERVER_ADDRESS:-0.0.0.0:8443}"
  if [ "${SSM_INIT_TOKEN:-0}" = 1 ]; then
    # Idempotent: a token with this label is kept.
    /usr/local/bin/ssm token init --dir "${SSM_TOKEN_DIR:-/var/lib/ssm/softhsm}" \
      --label "${SSM_PKCS11_TOKEN_LABEL:-ssm}" >/dev/null
  fi

  credentials=${SSM_CREDENTIALS_DIR-/var/lib/ssm/credentials}
  if [ -n "$credentials" ]; then
    if [ "${SSM_GENERATE_CREDENTIALS:-0}" = 1 ] && [ ! -e "$credentials/tls.crt" ] \
      && [ ! -e "$credentials/tls.key" ] && [ ! -e "$credentials/clients.yaml" ]; then
      generate_credentials "$credentials"
    fi
    for file in tls.crt tls.key clients.yaml; do
      [ -r "$credentials/$file" ] || fail "$credentials/$file: missing or unreadable;" \
        "provide tls.crt, tls.key and clients.yaml in SSM_CREDENTIALS_DIR (Kubernetes: the Secret" \
        "ssm-credentials), or let the entry point generate them (SSM_GENERATE_CREDENTIALS=1," \
        "none of them present)"
    done

    # The configuration given with --config PATH (or --config=PATH), replaced by the composed one.
    run=${SSM_RUN_DIR:-/tmp}/ssm.yaml
    config=
    shift
    for argument in "$@"; do
      shift
      case $argument in
        --config=*) config=${argument#--config=}; set -- "$@" "--config=$run" ;;
        --config) config=next; set -- "$@" "$argument" ;;
        *)
          if [ "$config" = next ]; then config=$argument; argument=$run; fi
          set -- "$@" "$argument" ;;
      esac
    done
    [ -n "$config" ] && [ "$config" != next ] || fail "serve needs --config PATH"
    [ -r "$config" ] || fail "$config: no such configuration file"
    if grep -qE '^(tls|clients):' "$config"; then
      fail "$config has its own tls: or clients: section; set SSM_CREDENTIALS_DIR= (empty)" \
        "to use it as it is, or remove the section to use $credentials"
    fi
    {
      cat "$config"
      printf '\n# Added by the entry point from %s:\ntls:\n' "$credentials"
      printf '  certificate: %s/tls.crt\n  key: %s/tls.key\n' "$credentials" "$credentials"
      cat "$credentials/clients.yaml"
    } >"$run" || fail "cannot write $run (SSM_RUN_DIR must be writable)"
    set -- serve "$@"
  fi
fi

exec /usr/local/bin/ssm "$@"
