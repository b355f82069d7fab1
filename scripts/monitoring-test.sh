#!/usr/bin/env bash
# Checks deploy/monitoring/ (seconds): the alert rules with `promtool check rules` (the plain
# file and the PrometheusRule's groups), that the PrometheusRule is what
# scripts/generate-prometheusrule.sh makes of the plain file, the alerts' unit tests
# (`promtool test rules`), and that the Grafana dashboard and the rules name only metrics ssm
# exports: a daemon with TLS and an audit log is started on a SoftHSM token of its own, asked a
# few requests, and its /metrics scraped. A metric that appears only after an event the run
# cannot cause (a PKCS#11 error) must then at least be a name in ssm's sources.
# Prints "N passed, M failed".
#
#   scripts/monitoring-test.sh [path/to/ssm]
set -uo pipefail
cd "$(dirname "$0")/.."
ssm=${1:-$(swift build --show-bin-path)/ssm}
monitoring=deploy/monitoring

work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0
# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh
succeeds() {  # succeeds NAME COMMAND...: a check that COMMAND exits 0 (its output shown when not)
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then check "$name" ok ok; else check "$name" ok failed; sed 's/^/  /' "$work/out" >&2; fi
}

# The rules: the plain file, the Operator's resource, and that they agree.
succeeds "promtool check rules (plain file)" promtool check rules "$monitoring/ssm-alerts.rules.yml"
python3 -c 'import sys, yaml; yaml.safe_dump(yaml.safe_load(open(sys.argv[1]))["spec"], open(sys.argv[2], "w"))' \
  "$monitoring/prometheusrule.yaml" "$work/operator-rules.yml"
succeeds "promtool check rules (PrometheusRule spec)" promtool check rules "$work/operator-rules.yml"
scripts/generate-prometheusrule.sh "$work/prometheusrule.yaml"
succeeds "PrometheusRule generated from the plain file" diff -u "$monitoring/prometheusrule.yaml" "$work/prometheusrule.yaml"
check "PrometheusRule kind" PrometheusRule "$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["kind"])' "$monitoring/prometheusrule.yaml")"
succeeds "promtool test rules" bash -c "cd $monitoring && promtool test rules tests/ssm-alerts.test.yml"
# Every alert has a unit test.
untested=$(python3 - "$monitoring" <<'PY'
import sys, yaml
root = sys.argv[1]
alerts = {rule["alert"] for group in yaml.safe_load(open(f"{root}/ssm-alerts.rules.yml"))["groups"] for rule in group["rules"]}
tested = {case["alertname"] for test in yaml.safe_load(open(f"{root}/tests/ssm-alerts.test.yml"))["tests"]
          for case in test.get("alert_rule_test", [])}
print(" ".join(sorted(alerts - tested)))
PY
)
check "every alert has a unit test" "" "$untested"

# A daemon with TLS and an audit log, so that its /metrics has every metric it can export.
pin=monitoring-pin
eval "$(SSM_PKCS11_PIN=$pin "$ssm" token init --dir "$work/token" --label monitoring 2>/dev/null)"
export SOFTHSM2_CONF OPENSSL_CONF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/server.key" -out "$work/server.pem" 2>/dev/null
cat >"$work/ssm.yaml" <<YAML
pkcs11:
  tokenLabel: monitoring
tls:
  certificate: $work/server.pem
  key: $work/server.key
audit:
  file: $work/audit.jsonl
YAML
port=$(free_port)
SSM_PKCS11_PIN=$pin SSM_SERVER_ADDRESS="127.0.0.1:$port" "$ssm" serve --config "$work/ssm.yaml" >"$work/log" 2>&1 &
pid=$!
base="https://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -skf "$base/ready" >/dev/null && break; sleep 0.1; done
api() { curl -sk -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' "$base$1" --data-binary "$2"; }
check "daemon serves (generate)" 201 "$(api /generate-aes-key '{"key_label":"monitoring"}')"
check "daemon serves (encrypt)" 200 "$(api /encrypt-pool '{"key_label":"monitoring","plain":"00","encryption_algorithm":1}')"
check "daemon serves (unknown key)" 404 "$(api /encrypt-pool '{"key_label":"absent","plain":"00","encryption_algorithm":1}')"
curl -sk "$base/metrics" >"$work/metrics"
grep '^# TYPE ssm_' "$work/metrics" | awk '{print $3}' | sort -u >"$work/exported"
check "daemon exports metrics" true "$([ "$(wc -l <"$work/exported")" -ge 20 ] && echo true || echo false)"
check "certificate expiry exported" true \
  "$(grep -q '^ssm_tls_certificate_expiry_timestamp_seconds [0-9.e+]*$' "$work/metrics" && echo true || echo false)"

# The metrics the dashboard and the rules name (histogram series by their family's name).
python3 - "$monitoring" >"$work/referenced" <<'PY'
import json, re, sys, yaml
root = sys.argv[1]
expressions = []
def walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str): expressions.append(value)
            else: walk(value)
    elif isinstance(node, list):
        for item in node: walk(item)
walk(json.load(open(f"{root}/grafana-dashboard.json")))
walk(yaml.safe_load(open(f"{root}/ssm-alerts.rules.yml")))
names = set()
for expression in expressions:
    for name in re.findall(r"\bssm_[a-z0-9_]+", expression):
        names.add(re.sub(r"_(bucket|sum|count)$", "", name))
print("\n".join(sorted(names)))
PY
check "dashboard and rules reference metrics" true "$([ "$(wc -l <"$work/referenced")" -ge 15 ] && echo true || echo false)"
grep -rhoE '"ssm_[a-z0-9_]+"' Sources | tr -d '"' | sort -u >"$work/in-sources"
unknown=""
while read -r name; do
  grep -qx "$name" "$work/exported" && continue
  if grep -qx "$name" "$work/in-sources"; then
    echo "note: $name not in this run's /metrics (it appears after an event), but ssm defines it" >&2
  else
    unknown="$unknown $name"
  fi
done <"$work/referenced"
check "dashboard and rules name only metrics ssm exports" "" "$unknown"

echo "monitoring-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
