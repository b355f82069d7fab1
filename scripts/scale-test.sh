#!/usr/bin/env bash
# Scale-out, run for real: three `ssm serve` replicas on one SoftHSM token directory behind
# HAProxy (health checks on /ready every 500 ms, down after 2 failures; retries with
# redispatch on connection failure), and a load client counting every request
# (scripts/lib/load.py) through the balancer while:
#   1. a replica gets SIGTERM and is started again: no request fails;
#   2. a replica gets SIGKILL: only requests in flight at that moment fail, and the balancer
#      marks it down within its check interval;
#   3. a key is rotated through one replica: every replica encrypts with the new id within
#      keys.cacheTTL (docs/scaling.md), and every replica decrypts what any other encrypted;
#   4. the three replicas generate keys with automatic ids on one label at the same moment:
#      distinct ids, and every key a client was told about exists once in the token.
# Then measures the throughput of 1, 2 and 3 replicas through the balancer with wrk
# (`/encrypt-pool`, 64-byte plaintexts). Prints "N passed, M failed" and the figures.
#
#   scripts/scale-test.sh [--full] [path/to/ssm]
#
# The default (fast) mode runs in about a minute (the test command); --full loads longer and
# measures each throughput for 20 s (the figures in docs/scaling.md).
set -uo pipefail
cd "$(dirname "$0")/.."
full=false
if [ "${1:-}" = --full ]; then full=true; shift; fi
ssm=${1:-$(swift build --show-bin-path)/ssm}
if $full; then load_pause=5; bench_seconds=20; else load_pause=2; bench_seconds=4; fi
cache_ttl=5   # keys.cacheTTL of the replicas, in seconds: the rotation bound

work=$(mktemp -d)
declare -A pids=()
haproxy_pid=
load_pid=
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  [ -n "$haproxy_pid" ] && kill "$haproxy_pid" 2>/dev/null
  wait 2>/dev/null
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }   # calc EXPRESSION: its value
holds() { awk "BEGIN { exit !($1) }"; }          # holds CONDITION: exit status 0 when true

pin=scale-pin
eval "$(SSM_PKCS11_PIN=$pin "$ssm" token init --dir "$work/token" --label scale 2>/dev/null)"
export SOFTHSM2_CONF OPENSSL_CONF
printf 'pkcs11:\n  tokenLabel: scale\n' >"$work/ssm.yaml"

declare -A ports=()
for replica in 1 2 3; do ports[$replica]=$(free_port); done
start_replica() {  # start_replica N: serves on its port, logs to $work/logN
  SSM_PKCS11_PIN=$pin SSM_SERVER_ADDRESS="127.0.0.1:${ports[$1]}" SSM_POOL_MAX_SIZE=4 SSM_KEYS_CACHE_TTL=${cache_ttl}s \
    SSM_LOG_LEVEL=warning "$ssm" serve --config "$work/ssm.yaml" >>"$work/log$1" 2>&1 &
  pids[$1]=$!
}
wait_ready() {  # wait_ready N: until the replica answers /ready (30 s at most)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:${ports[$1]}/ready" >/dev/null && return 0; sleep 0.1; done
  return 1
}
# One after the other: SoftHSM's file store can miss the token in a process that starts while
# another one writes it (a network HSM has no such files); scripts/identity-test.sh covers
# replicas starting at the same moment.
started=0
for replica in 1 2 3; do start_replica "$replica"; wait_ready "$replica" && started=$((started + 1)); done
check "three replicas ready" 3 "$started"

# HAProxy: round robin, /ready checked every 500 ms (down after 2 failures, up after 2
# successes). A refused connection is retried on another replica; so is a request whose
# connection closed before any answer (a replica stopping or killed while HAProxy reused an
# idle connection to it, or killed while answering) unless it changes keys: a key change
# that reached a replica must not run twice, its client retries (docs/scaling.md, "Behind a
# load balancer").
lb=$(free_port)
cat >"$work/haproxy.cfg" <<CFG
global
  stats socket $work/haproxy.sock mode 600 level admin
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch 1
  retry-on all-retryable-errors
frontend ssm
  bind 127.0.0.1:$lb
  acl changes_keys path_reg ^(/crypto)?/(generate-[a-z0-9]+-key|store-key)\$
  acl changes_keys path_reg ^/v1/.+/keys(/|\$)
  http-request disable-l7-retry if changes_keys !METH_GET
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /ready
  http-check expect status 200
  default-server check inter 500ms fall 2 rise 2
  server r1 127.0.0.1:${ports[1]}
  server r2 127.0.0.1:${ports[2]}
  server r3 127.0.0.1:${ports[3]}
CFG
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
haproxy_command() {  # the runtime API: haproxy_command "show stat"
  python3 - "$work/haproxy.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while chunk := s.recv(65536):
    out += chunk
print(out.decode(), end="")
PY
}
server_status() { haproxy_command "show stat" | awk -F, -v s="$1" '$1 == "replicas" && $2 == s { print $18 }'; }
wait_status() {  # wait_status SERVER STATUS SECONDS: prints the seconds it took, fails after SECONDS
  local start; start=$(now)
  while [ "$(server_status "$1")" != "$2" ]; do
    if holds "$(now) - $start > $3"; then echo timeout; return 1; fi
    sleep 0.05
  done
  calc "$(now) - $start"
}
up=0
for server in r1 r2 r3; do wait_status "$server" UP 10 >/dev/null && up=$((up + 1)); done
check "balancer sees three replicas up" 3 "$up"
if [ "$started$up" != 33 ]; then cat "$work"/log* "$work/haproxy.log" >&2; echo "scale-test: $passed passed, $((failed + 1)) failed"; exit 1; fi

api() {  # api N PATH BODY: POST to replica N (0: the balancer); prints the body, status in $work/status
  local port=$lb
  [ "$1" != 0 ] && port=${ports[$1]}
  curl -s -o "$work/body" -w '%{http_code}' -H 'Content-Type: application/json' -X POST \
    "http://127.0.0.1:$port$2" --data-binary "$3" >"$work/status"
  cat "$work/body"
}
api 0 /generate-aes-key '{"key_label":"scale"}' >/dev/null
check "load key generated" 201 "$(cat "$work/status")"

# The load runs from here to the end of the scenarios.
python3 scripts/lib/load.py "http://127.0.0.1:$lb/encrypt-pool" \
  '{"key_label":"scale","plain":"000102030405060708090a0b0c0d0e0f","encryption_algorithm":1}' \
  "$work/requests" --connections 8 &
load_pid=$!
sleep "$load_pause"

# 1. SIGTERM, then the same replica again.
term_at=$(now)
kill -TERM "${pids[2]}"
wait "${pids[2]}" 2>/dev/null
check "SIGTERM: balancer marks r2 down" true "$(wait_status r2 DOWN 5 >/dev/null && echo true || echo false)"
start_replica 2
wait_ready 2
check "SIGTERM: r2 back up in the balancer" true "$(wait_status r2 UP 10 >/dev/null && echo true || echo false)"
term_end=$(now)
sleep "$load_pause"

# 2. SIGKILL: no goodbye.
kill_at=$(now)
kill -KILL "${pids[3]}"
down_after=$(wait_status r3 DOWN 5)
kill_down=$(now)
{ wait "${pids[3]}"; } 2>/dev/null
# Down after at most 2 failed checks 500 ms apart, plus one check's time-out (1 s).
check "SIGKILL: balancer marks r3 down within its checks (${down_after} s)" true \
  "$([ "$down_after" != timeout ] && holds "$down_after <= 2.6" && echo true || echo false)"
echo "SIGKILL: the balancer marked r3 down after $down_after s" >&2
sleep "$load_pause"
start_replica 3
wait_ready 3
check "SIGKILL: r3 back up in the balancer" true "$(wait_status r3 UP 10 >/dev/null && echo true || echo false)"

# 3. Rotation through r1; every replica must encrypt with the new id within keys.cacheTTL.
api 1 /generate-aes-key '{"key_label":"rotating"}' >/dev/null
declare -A old_sealed=()
for replica in 1 2 3; do old_sealed[$replica]=$(api "$replica" /encrypt-pool '{"key_label":"rotating","plain":"6f6c64","encryption_algorithm":1}'); done
rotated_at=$(now)
new_id=$(api 1 /generate-aes-key '{"key_label":"rotating"}' | jq -r .id)
check "rotation: new id 2" 2 "$new_id"
# Each replica is asked until it answers with the new id. The bound: no request sent more than
# keys.cacheTTL after the rotation started is answered with the old id (when a request was
# sent is exact; when it was answered depends on the machine's load).
for replica in 1 2 3; do
  seen=
  last_old=none
  while holds "$(now) - $rotated_at < $cache_ttl + 5"; do
    sent=$(now)
    id=$(api "$replica" /encrypt-pool '{"key_label":"rotating","plain":"6e6577","encryption_algorithm":1}' | jq -r .id)
    if [ "$id" = "$new_id" ]; then seen=$(calc "$(now) - $rotated_at"); break; fi
    last_old=$(calc "$sent - $rotated_at")
    sleep 0.1
  done
  echo "rotation: r$replica answered the old id to a request sent at ${last_old} s at the latest, the new id at ${seen:-never} s (keys.cacheTTL $cache_ttl s)" >&2
  check "rotation: r$replica encrypts with id $new_id" true "$([ -n "$seen" ] && echo true || echo false)"
  check "rotation: r$replica answers no request sent after keys.cacheTTL with the old id ($last_old s)" true \
    "$({ [ "$last_old" = none ] || holds "$last_old <= $cache_ttl"; } && echo true || echo false)"
done
decrypts=0
for from in 1 2 3; do
  sealed=$(api "$from" /encrypt-pool '{"key_label":"rotating","plain":"6e6577","encryption_algorithm":1}')
  for to in 1 2 3; do
    for pair in "$sealed:6e6577" "${old_sealed[$from]}:6f6c64"; do
      plain=$(api "$to" /decrypt "$(echo "${pair%:*}" | jq -c '{key_label: "rotating", cipher, iv, id, encryption_algorithm: 1}')" | jq -r .plain)
      [ "$plain" = "${pair##*:}" ] && decrypts=$((decrypts + 1))
    done
  done
done
check "rotation: every replica decrypts what every replica encrypted (old and new id)" 18 "$decrypts"

# 4. Automatic ids on one label from the three replicas at the same moment.
race=()
for replica in 1 2 3; do
  for n in 1 2 3 4; do
    curl -s -o "$work/race-$replica-$n.body" -w '%{http_code}' -H 'Content-Type: application/json' \
      "http://127.0.0.1:${ports[$replica]}/generate-aes-key" --data-binary '{"key_label":"race"}' >"$work/race-$replica-$n.status" &
    race+=($!)
  done
done
wait "${race[@]}"
created=$(for f in "$work"/race-*.status; do cat "$f"; echo; done | grep -c '^201$')
check "automatic ids: 12 created" 12 "$created"
told=$(cat "$work"/race-*.body | jq -r 'select(.id != null) | .id' | sort -n)
check "automatic ids: 12 distinct ids" 12 "$(echo "$told" | uniq | grep -c .)"
sleep "$load_pause"

kill -TERM "$load_pid"
wait "$load_pid"
load_pid=

# The load's account: nothing failed but requests in flight when r3 was killed.
python3 - "$work/requests" "$term_at" "$term_end" "$kill_at" "$kill_down" >"$work/account" <<'PY'
import sys
path, term_at, term_end, kill_at, kill_down = sys.argv[1], *map(float, sys.argv[2:])
requests = [tuple(map(float, line.split())) for line in open(path)]
failures = [(start, end, int(status)) for start, end, status in requests if int(status) != 200]
in_flight_at_kill = [r for r in requests if r[0] <= kill_at <= r[1]]
def during(a, b): return [f for f in failures if f[1] >= a and f[0] <= b]
others = [f for f in failures if not (f[0] <= kill_at + 0.05 and f[1] >= kill_at)]
span = max(r[1] for r in requests) - min(r[0] for r in requests)
print(f"requests={len(requests)}")
print(f"failures={len(failures)}")
print(f"term_failures={len(during(term_at, term_end))}")
print(f"kill_in_flight={len(in_flight_at_kill)}")
print(f"kill_failures={len(during(kill_at, kill_down + 1))}")
print(f"other_failures={len(others)}")
print(f"rate={len(requests) / span:.0f}")
origin = min(r[0] for r in requests)
for start, end, status in failures:
    print(f"failed request: status {status}, {start - origin:.3f}-{end - origin:.3f} s "
          f"(SIGTERM at {term_at - origin:.3f}, SIGKILL at {kill_at - origin:.3f})", file=sys.stderr)
PY
# shellcheck disable=SC1091
. "$work/account"
echo "load: $requests requests ($rate/s), $failures failed; $kill_in_flight in flight at SIGKILL, $kill_failures of them failed" >&2
check "load ran" true "$([ "$requests" -gt 500 ] && echo true || echo false)"
check "SIGTERM and restart: no failed request" 0 "$term_failures"
check "SIGKILL: failures only among the requests in flight" 0 "$other_failures"
check "SIGKILL: at most the connections in flight failed" true "$([ "$kill_failures" -le "$kill_in_flight" ] && echo true || echo false)"

# Throughput through the balancer with 1, 2, 3 replicas (wrk; the others in maintenance).
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"key_label":"scale","plain":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f","encryption_algorithm":1}'
LUA
declare -A throughput=()
for count in 1 2 3; do
  for server in 1 2 3; do
    if [ "$server" -le "$count" ]; then haproxy_command "set server replicas/r$server state ready" >/dev/null
    else haproxy_command "set server replicas/r$server state maint" >/dev/null; fi
  done
  sleep 1.2
  wrk -t2 -c32 -d"${bench_seconds}s" --timeout 10s -s "$work/post.lua" "http://127.0.0.1:$lb/encrypt-pool" >"$work/wrk$count" 2>&1
  throughput[$count]=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$work/wrk$count")
  errors=$(awk '/Non-2xx|Socket errors/' "$work/wrk$count")
  check "throughput with $count replica(s): no error" "" "$errors"
done
echo "throughput through HAProxy (/encrypt-pool, 64 B, 32 connections, ${bench_seconds} s): 1 replica ${throughput[1]} req/s, 2 replicas ${throughput[2]} req/s, 3 replicas ${throughput[3]} req/s ($(nproc) cores)" >&2

# The token itself, read by a fresh process once the replicas stopped: every key a client was
# told about exists, no (label, id) twice.
for replica in 1 2 3; do kill -TERM "${pids[$replica]}" 2>/dev/null; wait "${pids[$replica]}" 2>/dev/null; done
pids=()
pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label scale --login --pin "$pin" --list-objects --type secrkey \
  >"$work/objects" 2>/dev/null
awk '
  /^Secret Key Object/ { if (l != "") print l "|" i; l = ""; i = "" }
  /^[ \t]+label:/ { sub(/^[ \t]+label:[ \t]+/, ""); l = $0 }
  /^[ \t]+ID:/ { sub(/^[ \t]+ID:[ \t]+/, ""); i = $0 }
  END { if (l != "") print l "|" i }
' "$work/objects" >"$work/identities"
check "token: no (label, id) twice" "" "$(sort "$work/identities" | uniq -d)"
missing=0
for id in $told; do
  grep -qx "race|$(printf '%08x' "$id")" "$work/identities" || missing=$((missing + 1))
done
check "token: every key a client was told about exists" 0 "$missing"
check "token: no key of the race nobody was told about" 12 "$(grep -c '^race|' "$work/identities")"

echo "scale-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
