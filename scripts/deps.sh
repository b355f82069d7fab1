#!/usr/bin/env bash
# Installs the Debian packages ssm needs to build, run and test, when missing.
# Usage: scripts/deps.sh [extra packages...]
set -euo pipefail

packages=(softhsm2 libsofthsm2-dev libp11-kit-dev opensc curl jq openssl gcc wrk "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
