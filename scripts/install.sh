#!/usr/bin/env bash
# Installs ssm as a systemd service: the binary, the unit, the configuration, a system user,
# and (with --init-token) a SoftHSM token with a random PIN held as a systemd credential.
#
#   sudo scripts/install.sh [--binary PATH] [--init-token] [--no-start]
#
#   --binary PATH   install this ssm binary (default: build one with `swift build -c release`)
#   --init-token    create the SoftHSM token 'ssm' in /var/lib/ssm/softhsm when missing, with a
#                   random user PIN written to /etc/ssm/pin (kept if it exists)
#   --no-start      do not enable and start the service
#
# Installs (under $DESTDIR when set, for packaging; then no user, token or systemctl):
#   /usr/local/bin/ssm                 the binary
#   /etc/systemd/system/ssm.service    the unit (config/ssm.service)
#   /etc/ssm/ssm.yaml                  the configuration (config/ssm.production.yaml; kept if present)
#   /etc/ssm/pin                       the PIN, root-only; the unit loads it with LoadCredential=
set -euo pipefail
cd "$(dirname "$0")/.."

binary="" init_token=0 start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --init-token) init_token=1; shift ;;
    --no-start) start=0; shift ;;
    *) echo "install: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done
root=${DESTDIR:-}

if [ -z "$binary" ]; then
  swift build -c release --product ssm >&2
  binary="$(swift build -c release --show-bin-path)/ssm"
fi
[ -x "$binary" ] || { echo "install: $binary is not an executable" >&2; exit 1; }

install -D -m 0755 "$binary" "$root/usr/local/bin/ssm"
install -D -m 0644 config/ssm.service "$root/etc/systemd/system/ssm.service"
install -d -m 0755 "$root/etc/ssm"
if [ ! -e "$root/etc/ssm/ssm.yaml" ]; then
  install -m 0644 config/ssm.production.yaml "$root/etc/ssm/ssm.yaml"
else
  echo "install: keeping the existing $root/etc/ssm/ssm.yaml" >&2
fi
echo "install: installed $root/usr/local/bin/ssm, $root/etc/systemd/system/ssm.service, $root/etc/ssm/ssm.yaml" >&2

[ -z "$root" ] || exit 0  # packaging: the rest happens on the target machine

if ! id ssm >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/ssm --no-create-home --shell /usr/sbin/nologin ssm
  echo "install: created the system user ssm" >&2
fi
install -d -m 0700 -o ssm -g ssm /var/lib/ssm

if [ "$init_token" = 1 ]; then
  if [ ! -s /etc/ssm/pin ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=\n' > /etc/ssm/pin)
    echo "install: wrote a random PIN to /etc/ssm/pin (root only)" >&2
  fi
  chmod 0600 /etc/ssm/pin
  # As root (the PIN file is root's), then handed to the service's user.
  /usr/local/bin/ssm token init --dir /var/lib/ssm/softhsm --label ssm --pin-file /etc/ssm/pin >/dev/null
  chown -R ssm:ssm /var/lib/ssm/softhsm
fi
[ -s /etc/ssm/pin ] || echo "install: write the token's user PIN to /etc/ssm/pin (mode 0600, root) before starting" >&2

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if [ "$start" = 1 ]; then
    systemctl enable --now ssm.service
    systemctl --no-pager status ssm.service || true
  fi
else
  echo "install: systemd is not running here; start ssm with: systemctl enable --now ssm" >&2
fi
