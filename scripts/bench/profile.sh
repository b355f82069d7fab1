#!/usr/bin/env bash
# Where a request's time goes (docs/performance.md): profiles a release `ssm serve` under load.
#
#   scripts/bench/profile.sh [ssm] [route] [payload] [connections] [seconds]
#
# Samples every thread of the server (perf, cpu-clock, call graphs) while wrk loads ROUTE
# (default /encrypt-pool; /decrypt and /health-check work too) with a PAYLOAD-byte plaintext
# (default 64) at CONNECTIONS (default 32) for SECONDS (default 10). Prints the hottest
# symbols (self time), the share of each shared object and of each thread group, demangled;
# `perf report -i $PROFILE_OUT/perf.data --children` digs further.
# Output files stay in $PROFILE_OUT (default: a temporary directory, printed at the end).
#
# valgrind --tool=callgrind would count instructions independently of the machine's load, but
# Debian 12's valgrind 3.19 dies with an internal SIGSEGV on Swift 6.3 binaries (even
# `valgrind --tool=none ssm --help`), and this VM exposes no hardware counters to perf stat.
set -euo pipefail
cd "$(dirname "$0")/../.."
ssm=${1:-$(swift build -c release --show-bin-path)/ssm}
route=${2:-/encrypt-pool}
payload=${3:-64}
connections=${4:-32}
seconds=${5:-10}
out=${PROFILE_OUT:-$(mktemp -d)}
mkdir -p "$out"
command -v wrk >/dev/null || scripts/deps.sh wrk
command -v perf >/dev/null || scripts/deps.sh linux-perf

work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
eval "$(SSM_PKCS11_PIN=1234 "$ssm" token init --dir "$work/token" --label profile 2>/dev/null)"
export SOFTHSM2_CONF SSM_PKCS11_TOKEN_LABEL=profile SSM_PKCS11_PIN=1234 SSM_LOG_LEVEL=warning
export SSM_POOL_MAX_SIZE=10 SSM_POOL_MIN_SIZE=10
"$ssm" keys generate --type aes256 --id 1 >/dev/null
port=18181
export SSM_SERVER_ADDRESS="127.0.0.1:$port"
url="http://127.0.0.1:$port"
plain=$(head -c "$payload" /dev/zero | od -An -v -tx1 | tr -d ' \n')
printf '{"key_label":"KEY_ENCRYPTION_AES256","plain":"%s","encryption_algorithm":1}' "$plain" >"$work/encrypt.json"
body="$work/encrypt.json"
if [ "$route" = /health-check ]; then body=""; fi
wait_ready() { for _ in $(seq 1 600); do curl -sf "$url/ready" >/dev/null && return 0; sleep 0.1; done; echo "server not ready" >&2; exit 1; }
decrypt_body() {
  curl -s "$url/encrypt-pool" -H 'Content-Type: application/json' -d @"$work/encrypt.json" |
    jq -c '{key_label: "KEY_ENCRYPTION_AES256", cipher, iv, id, encryption_algorithm: 1}' >"$work/decrypt.json"
  body="$work/decrypt.json"
}

"$ssm" serve >"$out/server.log" 2>&1 &
pid=$!
wait_ready
if [ "$route" = /decrypt ]; then decrypt_body; fi
WRK_BODY_FILE="$body" wrk -t1 -c"$connections" -d2s -s scripts/bench/post.lua "$url$route" >/dev/null  # warm-up
WRK_BODY_FILE="$body" wrk -t1 -c"$connections" -d$((seconds + 2))s --latency -s scripts/bench/post.lua "$url$route" >"$out/wrk.txt" &
load=$!
sleep 1
perf record -e cpu-clock -F 999 -g -p "$pid" -o "$out/perf.data" -- sleep "$seconds" 2>/dev/null
wait $load
grep -E "Requests/sec|Latency  " "$out/wrk.txt"
perf report -i "$out/perf.data" --no-children --sort dso,symbol --percent-limit 0.7 --stdio 2>/dev/null |
  swift demangle --simplified | grep -E "^ +[0-9]" | head -60 | tee "$out/self.txt"
echo "--- by shared object"
perf report -i "$out/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -15 | tee "$out/dso.txt"
echo "--- by thread (NIO-SGLTN: event loops; *default-qos: Swift tasks; P11-lane: PKCS#11 fast lane; TP: PKCS#11 wide pool)"
perf report -i "$out/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep -E "^ +[0-9]" | tee "$out/threads.txt"
echo "files in $out"
