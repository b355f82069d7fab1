#!/usr/bin/env bash
# Soak test (not part of the test suite): runs ssm for a long time at a steady 80 % of its
# measured maximum throughput on /encrypt-pool and prints, every slice, the rate served, the
# errors (non-2xx answers and socket errors), p99 latency, the server's RSS and its open file
# descriptors. Results: docs/resilience.md.
#
#   scripts/soak.sh [path/to/release/ssm] [minutes, default 10] [slice seconds, default 30]
set -euo pipefail
cd "$(dirname "$0")/.."
ssm=${1:-$(swift build -c release --show-bin-path)/ssm}
minutes=${2:-10}
slice=${3:-30}
connections=32
command -v wrk >/dev/null || scripts/deps.sh wrk

work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
eval "$(SSM_PKCS11_PIN=1234 "$ssm" token init --dir "$work/token" --label soak 2>/dev/null)"
export SOFTHSM2_CONF OPENSSL_CONF SSM_PKCS11_TOKEN_LABEL=soak SSM_PKCS11_PIN=1234 SSM_LOG_LEVEL=warning
"$ssm" keys generate --type aes256 --id 1 >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export SSM_SERVER_ADDRESS="127.0.0.1:$port"
url="http://127.0.0.1:$port"
printf '{"key_label":"KEY_ENCRYPTION_AES256","plain":"%s","encryption_algorithm":5}' \
  "$(head -c 64 /dev/urandom | od -An -v -tx1 | tr -d ' \n')" >"$work/body.json"
export WRK_BODY_FILE="$work/body.json"

"$ssm" serve >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -s "$url/health-check" >/dev/null && break; sleep 0.1; done

rss() { awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$pid/status"; }
fds() { ls "/proc/$pid/fd" | wc -l; }
# wrk output -> "req/s errors p99"
summary() {
  awk '/Requests\/sec/{r=$2} /Non-2xx/{n=$NF} /Socket errors/{gsub(",",""); s=$4+$6+$8+$10} /^ +99%/{p=$2}
       END{printf "%s %d %s\n", r, n+s, p}'
}

wrk -t2 -c$connections -d10s -s scripts/bench/post.lua "$url/encrypt-pool" >/dev/null  # warm-up
read -r maximum _ _ < <(wrk -t2 -c$connections -d10s --latency -s scripts/bench/post.lua "$url/encrypt-pool" | summary)
target=$(awk -v m="$maximum" 'BEGIN{printf "%.0f", m * 0.8}')
# Each connection pauses so that all of them together ask for `target` requests per second
# (adjusted after every slice for the latency actually seen).
delay=$(awk -v c=$connections -v t="$target" 'BEGIN{printf "%.0f", c * 1000 / t}')
echo "maximum: $maximum req/s; soak target: $target req/s (80 %) with $connections connections, ${delay} ms between requests"
echo "RSS idle after calibration: $(rss) MB, open fds: $(fds)"
echo
echo "| minute | req/s | errors | p99 | RSS (MB) | open fds |"
echo "|---|---|---|---|---|---|"
slices=$((minutes * 60 / slice))
total_errors=0
for i in $(seq 1 "$slices"); do
  read -r rate errors p99 < <(WRK_DELAY_MS=$delay wrk -t2 -c$connections -d${slice}s --latency \
    -s scripts/bench/paced-post.lua "$url/encrypt-pool" | summary)
  total_errors=$((total_errors + errors))
  # Steer towards the target: a connection's cycle is its pause plus the latency the last
  # slice showed (connections * 1000 / rate - pause).
  delay=$(awk -v c=$connections -v t="$target" -v r="$rate" -v d="$delay" \
    'BEGIN{l = c * 1000 / r - d; n = c * 1000 / t - l; printf "%.0f", (n < 0 ? 0 : n)}')
  printf '| %.1f | %s | %s | %s | %s | %s |\n' "$(awk -v i="$i" -v s="$slice" 'BEGIN{print i*s/60}')" \
    "$rate" "$errors" "$p99" "$(rss)" "$(fds)"
done
echo
echo "errors in total: $total_errors"
curl -s "$url/pool/stats" | jq -c '{max_size, current_size, in_use, created, closed, timeouts, rejected, errors, circuit: .circuit.state}'
