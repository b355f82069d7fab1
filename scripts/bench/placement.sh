#!/usr/bin/env bash
# Measures where blocking PKCS#11 calls should run (docs/blocking-calls.md):
# the request's own task (pkcs11.threads: 0) or a dedicated thread pool (pkcs11.threads: N).
#
#   scripts/bench/placement.sh [path/to/release/ssm] [seconds per run]
#
# For each placement it starts ssm on a fresh SoftHSM token and runs wrk:
#  A. /encrypt-pool with a 64-byte plaintext at 1, 16 and 64 connections (throughput, p50, p99);
#  B. /health-check at 1 connection while 32 connections encrypt 256 KiB each on
#     /encrypt-pool (does slow HSM work stall requests that need no HSM?).
set -euo pipefail
cd "$(dirname "$0")/../.."
ssm=${1:-$(swift build -c release --show-bin-path)/ssm}
seconds=${2:-5}
command -v wrk >/dev/null || scripts/deps.sh wrk

work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
eval "$(SSM_PKCS11_PIN=1234 "$ssm" token init --dir "$work/token" --label bench 2>/dev/null)"
export SOFTHSM2_CONF SSM_PKCS11_TOKEN_LABEL=bench SSM_PKCS11_PIN=1234 SSM_LOG_LEVEL=warning
"$ssm" keys generate --type aes256 --id 1 >/dev/null

port=18080
export SSM_SERVER_ADDRESS="127.0.0.1:$port"
url="http://127.0.0.1:$port"
body() { printf '{"key_label":"KEY_ENCRYPTION_AES256","plain":"%s","encryption_algorithm":1}' "$(head -c "$1" /dev/zero | od -An -v -tx1 | tr -d ' \n')"; }
body 64 >"$work/small.json"
body 262144 >"$work/large.json"

# wrk output -> "req/s p50 p99"
summary() { awk '/Requests\/sec/{r=$2} /^ +50%/{p50=$2} /^ +99%/{p99=$2} END{printf "%s | %s | %s", r, p50, p99}'; }

echo "| placement | test | connections | req/s | p50 | p99 |"
echo "|---|---|---|---|---|---|"
for threads in 0 10; do
  name=$([ "$threads" = 0 ] && echo "calling task" || echo "thread pool ($threads)")
  SSM_PKCS11_THREADS=$threads "$ssm" serve >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -s "$url/health-check" >/dev/null && break; sleep 0.1; done
  for c in 1 16 64; do
    t=$(( c < 2 ? 1 : 2 ))
    result=$(WRK_BODY_FILE="$work/small.json" wrk -t$t -c$c -d${seconds}s --latency -s scripts/bench/post.lua "$url/encrypt-pool" | summary)
    echo "| $name | /encrypt-pool 64 B | $c | $result |"
  done
  WRK_BODY_FILE="$work/large.json" wrk -t1 -c32 -d$((seconds + 2))s -s scripts/bench/post.lua "$url/encrypt-pool" >/dev/null &
  load=$!
  sleep 1
  result=$(wrk -t1 -c1 -d${seconds}s --latency "$url/health-check" | summary)
  wait $load
  echo "| $name | /health-check during 256 KiB encrypt load | 1 | $result |"
  kill $pid; wait $pid 2>/dev/null || true; pid=""
done
