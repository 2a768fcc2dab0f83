#!/usr/bin/env bash
# Runs every fuzz target in the module for FUZZTIME (default 5s), one at a
# time: go test accepts only one -fuzz target per package and run.
#
# Go 1.26's fuzz coordinator can report a bare "context deadline exceeded"
# at the end of a duration-based -fuzztime (go.dev/issue/75804, fixed in Go
# 1.27). That result comes after the whole budget ran and writes no failing
# input: the target is retried once, and if the race shows again it is
# reported and counted as run. Any other failure, or a failing input
# written to testdata/fuzz, fails the run.
#
# -fuzzminimizetime is cut from Go's default 60 s to FUZZMINIMIZE (1 s):
# Go minimises every new interesting input before it counts on, so with
# the default a 5 s run spends its budget minimising and runs a handful
# of inputs. A failing input is still minimised, for the same 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-5s}
minimize=${FUZZMINIMIZE:-1s}
count=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run_target PKG NAME: 0 passed, 1 failed, 2 coordinator deadline race.
run_target() {
  local pkg=$1 name=$2 corpus="$1/testdata/fuzz/$2" before after
  before=$(ls "$corpus" 2>/dev/null | sort || true)
  if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" -parallel 2 "$pkg" > "$log" 2>&1; then
    return 0
  fi
  after=$(ls "$corpus" 2>/dev/null | sort || true)
  if [ "$before" = "$after" ] && grep -q '^    context deadline exceeded$' "$log" && ! grep -q 'Failing input written' "$log"; then
    return 2
  fi
  return 1
}

while IFS= read -r line; do
  file=${line%%:*}
  name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]+)\(.*/\1/' <<<"$line")
  pkg=./$(dirname "$file")
  echo "fuzz $pkg $name ($fuzztime)"
  status=0
  run_target "$pkg" "$name" || status=$?
  if [ "$status" -eq 2 ]; then
    echo "  go fuzz coordinator deadline race (go.dev/issue/75804), no failing input: retrying once"
    status=0
    run_target "$pkg" "$name" || status=$?
    if [ "$status" -eq 2 ]; then
      echo "  the race again: the budget ran, no failing input was written"
      status=0
    fi
  fi
  if [ "$status" -ne 0 ]; then
    cat "$log"
    exit 1
  fi
  count=$((count + 1))
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . | sort)
echo "fuzz: $count targets ran for $fuzztime each"
