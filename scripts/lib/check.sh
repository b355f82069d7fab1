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
