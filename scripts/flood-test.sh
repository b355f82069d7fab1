#!/usr/bin/env bash
# Memory under a flood of distinct client-chosen names, as an attacker would send it: starts the
# built ssm against a fresh SoftHSM token (clients, rate limit and login throttle on), sends
# a warm-up round and then the measured round of
#   - POST /encrypt with distinct unknown key labels (404; authorized client, keep-alive),
#   - POST /v1/transit/encrypt/<name> with distinct unknown names (404: the client may not
#     create them, so Vault's upsert does not apply),
#   - POST /login with distinct service_ids, each from a distinct loopback address
#     (127.x.y.z: a new peer for the rate limiter and the login throttle each time),
# and reads VmRSS from /proc/<pid>/status after each round. The measured round must grow RSS
# by less than the bound (default 8 MiB): every structure keyed by what clients send is bounded
# (key caches do not store misses; rate-limiter and throttle buckets are capped at 10,000; HTTP
# metrics use route patterns), so once the warm-up has filled them to their caps, another round
# of new names has nothing left to grow. The bound leaves room for allocator noise (malloc
# arenas of NIO threads, a loaded machine), well under what one unbounded structure would add
# (about 250 bytes per name: 10 MiB over 40,000 names).
#
#   scripts/flood-test.sh [path/to/ssm]
#   FLOOD_NAMES=40000 FLOOD_PEERS=12000 FLOOD_BOUND_MIB=8 scripts/flood-test.sh ...
#
# Prints the RSS figures and "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ssm=${1:-$(swift build --show-bin-path)/ssm}
names=${FLOOD_NAMES:-40000}
peers=${FLOOD_PEERS:-12000}
bound_mib=${FLOOD_BOUND_MIB:-8}

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

eval "$(SSM_PKCS11_PIN=flood-pin-1234 "$ssm" token init --dir "$work/token" --label flood 2>/dev/null)"
export SOFTHSM2_CONF OPENSSL_CONF
for name in $(env | grep -o '^SSM_[A-Z_]*'); do unset "$name"; done
passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh
port=$(free_port)
token=flood-token-0123456789abcdef
token_sha=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
password_hash=$(printf 'guest-password\n' | "$ssm" clients hash-password --cost 10)
cat >"$work/ssm.yaml" <<END
server:
  address: "127.0.0.1:$port"
pkcs11:
  tokenLabel: flood
limits:
  rateLimit: 100000
  burst: 100000
log:
  level: error
clients:
  flood:
    tokenSha256: $token_sha
    policy:
      encrypt: ["*"]
      generate: ["FLOOD_KNOWN"]
  guest:
    passwordHash: "$password_hash"
    policy:
      stats: ["*"]
END
SSM_PKCS11_PIN=flood-pin-1234 "$ssm" serve --config "$work/ssm.yaml" >"$work/log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do curl -s "http://127.0.0.1:$port/health-check" >/dev/null && break; sleep 0.1; done

if ! curl -s "http://127.0.0.1:$port/health-check" >/dev/null; then
  echo "FAIL: ssm did not start within 30 s:" >&2
  cat "$work/log" >&2
  echo "flood: 0 passed, 1 failed"
  exit 1
fi
# A real key and a real Transit key, so that the lookups of unknown ones search a non-empty token.
curl -s -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/generate-aes-key" \
  -d '{"key_label":"FLOOD_KNOWN","bits":256}'

python3 - "$port" "$token" "$server_pid" "$names" "$peers" "$bound_mib" >"$work/result" <<'PY'
import http.client, json, sys, threading, time
port, token, pid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
names, peers, bound_mib = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])

def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit("no VmRSS")

statuses = {}
lock = threading.Lock()

def count(status):
    with lock:
        statuses[status] = statuses.get(status, 0) + 1

def keep_alive(kind, start, stop):
    """Distinct unknown labels or Transit names over one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for index in range(start, stop):
        name = f"flood-{kind}-{index:08d}-" + "x" * 40
        if kind == "label":
            path, body = "/encrypt", json.dumps({"key_label": name, "plain": "00", "encryption_algorithm": 1})
        else:
            path, body = f"/v1/transit/encrypt/{name[:64]}", json.dumps({"plaintext": "AA=="})
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        response.read()
        count(response.status)
    connection.close()

def new_peers(start, stop):
    """Distinct service_ids, each from a new loopback address (a new peer)."""
    for index in range(start, stop):
        address = f"127.{1 + index // 65536 % 200}.{index // 256 % 256}.{index % 256 or 1}"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(address, 0))
        body = json.dumps({"service_id": f"guess-{index:08d}", "password": "wrong"})
        connection.request("POST", "/login", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        count(response.status)
        connection.close()

def run_round(offset, label_count, peer_count, threads=4):
    workers = []
    for kind in ("label", "name"):
        share = label_count // threads
        for worker in range(threads):
            start = offset + worker * share
            workers.append(threading.Thread(target=keep_alive, args=(kind, start, start + share)))
    # Many at once: beyond login.maxQueued they are refused at once (503) instead of each
    # waiting for a bcrypt check; every one of them still reaches the buckets first.
    peer_threads = 48
    share = peer_count // peer_threads
    for worker in range(peer_threads):
        start = offset + worker * share
        workers.append(threading.Thread(target=new_peers, args=(start, start + share)))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

began = time.monotonic()
before_warmup = rss_kib()
run_round(0, names, peers)
warm = rss_kib()
run_round(1_000_000, names, peers)
after = rss_kib()
growth_mib = (after - warm) / 1024
print(json.dumps({
    "names_per_round": names, "peers_per_round": peers, "rss_start_kib": before_warmup,
    "rss_after_warmup_kib": warm, "rss_after_flood_kib": after, "growth_mib": round(growth_mib, 2),
    "bound_mib": bound_mib, "seconds": round(time.monotonic() - began, 1),
    "statuses": {str(k): v for k, v in sorted(statuses.items())},
}))
PY
check "flood script ran" 0 $?
cat "$work/result"
growth=$(jq -r .growth_mib "$work/result" 2>/dev/null)
bound=$(jq -r .bound_mib "$work/result" 2>/dev/null)
check "RSS growth ${growth} MiB under ${bound} MiB" 1 "$(python3 -c "print(int($growth < $bound))" 2>/dev/null)"
check "every unknown name answered 404, no 5xx but login's 503" 1 \
  "$(jq -r '[.statuses | to_entries[] | select((.key | startswith("5")) and .key != "503")] | length == 0' "$work/result" 2>/dev/null | sed 's/true/1/')"
kill -0 "$server_pid" 2>/dev/null; check "ssm still running" 0 $?
echo "flood: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
