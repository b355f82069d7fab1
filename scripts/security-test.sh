#!/usr/bin/env bash
# Runs the README's "Securing ssm" section as written: every ```sh block between the
# "securing:begin" and "securing:end" markers, in order, in an empty directory, with the built
# ssm first on PATH. A line ending in "# → TEXT" must print TEXT (spaces trimmed); every other
# line must succeed. Then checks that neither the daemon's log nor the audit log holds the PIN,
# a token, a password or the plaintext that was sent. Prints "N passed, M failed".
#
#   scripts/security-test.sh [path/to/ssm]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ssm=${1:-$(swift build --show-bin-path)/ssm}
ssm=$(realpath "$ssm")

work=$(mktemp -d)
pids="$work/pids"
: >"$pids"
cleanup() {
  while read -r pid; do kill "$pid" 2>/dev/null; done <"$pids"
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/bin" "$work/run"
ln -s "$ssm" "$work/bin/ssm"

# The README's commands, each "# →" line turned into a check, each background job's pid noted.
python3 - README.md "$work/readme.sh" "$pids" <<'PY'
import re, shlex, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("<!-- securing:begin -->", 1)[1].split("<!-- securing:end -->", 1)[0]
blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
out = ["set -eo pipefail", "passed=0; failed=0",
       'expect() { local got; got=$(set +e +o pipefail; eval "$2" 2>&1 | sed -e "s/^ *//" -e "s/ *$//")',
       '  if [ "$got" = "$1" ]; then passed=$((passed + 1)); else failed=$((failed + 1));',
       '    printf "FAIL: %s\\n  expected: %s\\n  got: %s\\n" "$2" "$1" "$got" >&2; fi; }']
for block in blocks:
    for line in block.splitlines():
        check = re.match(r"^(.*\S)\s+# → ?(.*)$", line)
        if check:
            out.append("expect %s %s" % (shlex.quote(check.group(2).strip()), shlex.quote(check.group(1))))
        elif re.search(r"[^&]&\s*$", line):
            out.append(line)
            out.append('echo $! >> %s' % shlex.quote(sys.argv[3]))
        else:
            out.append(line)
out.append('echo "$passed $failed" > ../result')
out.append('env | grep -E "^(SSM_[A-Z0-9_]*|SOFTHSM2_CONF)=" > ../env')
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out) + "\n")
PY

for name in $(env | grep -o '^SSM_[A-Z_]*'); do unset "$name"; done
(cd "$work/run" && PATH="$work/bin:$PATH" timeout 300 bash "$work/readme.sh")
status=$?
read -r passed failed <"$work/result" 2>/dev/null || { passed=0; failed=1; }
if [ "$status" -ne 0 ]; then
  failed=$((failed + 1))
  echo "FAIL: the README's commands stopped with status $status; the daemon's log:" >&2
  cat "$work/run/ssm.log" >&2 2>/dev/null
fi

# shellcheck source=scripts/lib/check.sh
. scripts/lib/check.sh  # keeps the counts read above
run="$work/run"
token=$(sed -n 's/^token: //p' "$run/webconsole.token" 2>/dev/null)
check "a token was made" true "$([ -n "$token" ] && echo true || echo false)"
cat "$run/audit.jsonl.1" "$run/audit.jsonl" > "$run/audit-all.jsonl" 2>/dev/null
for file in ssm.log audit-all.jsonl; do
  for secret in ssm-pin-4711 udm-s3cret 73656372657420646174610a "$token"; do
    grep -qF -- "$secret" "$run/$file"; check "$file holds no '${secret:0:6}…'" 1 $?
  done
done
check "audit log mode" 600 "$(stat -c %a "$run/audit.jsonl" 2>/dev/null)"
check "audit records" true "$([ "$(wc -l <"$run/audit-all.jsonl")" -ge 8 ] && echo true || echo false)"
# A forger without the HSM: status 200 → 503 in the decrypt record, every later SHA-256 link
# recomputed. The chain is whole again, but the next seal no longer matches it.
python3 - "$run/audit.jsonl.1" "$run/forged.jsonl" <<'PY'
import hashlib, json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
edited = next(i for i, l in enumerate(lines) if '"operation":"decrypt"' in l and '"status":200' in l)
lines[edited] = lines[edited].replace('"status":200', '"status":503')
for i in range(edited + 1, len(lines)):
    record = json.loads(lines[i])
    record["prev"] = hashlib.sha256(lines[i - 1].encode()).hexdigest()
    lines[i] = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY
# shellcheck disable=SC2046  # one variable per line, values without spaces
forged=$(cd "$run" && env $(cat "$work/env") "$ssm" audit verify forged.jsonl 2>&1)
check "relinked forgery caught by a seal" true "$(case "$forged" in broken:*seal*) echo true ;; *) echo false ;; esac)"
grep -q '"level":"warning"\|warning' "$run/ssm.log"; check "no warning at start (loopback, no PIN in the file)" 1 $?

echo "security: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
