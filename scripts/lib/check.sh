# Shared by the test scripts (sourced): counters and `check NAME EXPECTED ACTUAL`, which counts
# a pass when ACTUAL equals EXPECTED and otherwise counts a failure and says so on stderr.
# shellcheck shell=bash
passed=${passed:-0}
failed=${failed:-0}
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1: expected '$2', got '$3'" >&2
  fi
}

free_port() {  # a TCP port of 127.0.0.1 that nothing listens on now
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pinned_venv DIR NAME==VERSION ...: makes DIR a Python virtual environment holding exactly these
# versions (installed once; kept outside the repository, reused by later runs). Fails when pip does.
pinned_venv() {
  local venv=$1 pin
  shift
  python3 -m venv --help >/dev/null 2>&1 || scripts/deps.sh python3-venv
  for pin in "$@"; do
    "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('${pin%%==*}') != '${pin#*==}')" 2>/dev/null \
      && continue
    echo "installing $* into $venv" >&2
    python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check "$@" >&2
    return
  done
}
