#!/usr/bin/env bash
# Benchmark of `runkeyhunt fleet report` against a jq aggregation of the
# same result logs (10,000 hosts, about 1M lines from fleet/cmd/genlogs).
# Prints lines/s, peak RSS and the speed ratio. Needs /usr/bin/time and jq.
#   fleet/bench.sh [DIR]        (BIN=path/to/runkeyhunt to use a built binary)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-${TMPDIR:-/tmp}/runkeyhunt-bench}
hosts=${HOSTS:-10000}
days=${DAYS:-30}
command -v jq >/dev/null || { echo "bench: jq is required (apt-get install jq)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is required (apt-get install time)" >&2; exit 1; }

if [ ! -s "$dir/osqueryd.results.log" ]; then
  go run ./fleet/cmd/genlogs -hosts "$hosts" -days "$days" -out "$dir"
fi
bin=${BIN:-bin/runkeyhunt}
[ -x "$bin" ] || make -s build
run=("$bin" fleet report)
files=("$dir"/osqueryd.results.log.2 "$dir"/osqueryd.results.log.1 "$dir"/osqueryd.results.log)
lines=$(cat "${files[@]}" | wc -l)
bytes=$(cat "${files[@]}" | wc -c)

measure() { # label, command...
  local label=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  rm -f "$log"
  awk -v l="$label" -v w="$wall" -v n="$lines" -v r="$rss" 'BEGIN { printf "%-12s %8.2f s  %10.0f lines/s  %7.0f MiB peak RSS\n", l, w, n / w, r / 1024 }'
  echo "$wall" > "${TMPDIR:-/tmp}/rkh-bench-$label"
}

echo "input: $lines lines, $((bytes / 1048576)) MiB, $hosts hosts ($dir)"
measure runkeyhunt "${run[@]}" --format json --no-progress --output /dev/null "${files[@]}"
measure jq jq -s 'group_by(.hostIdentifier)|length' "${files[@]}"
a=$(cat "${TMPDIR:-/tmp}/rkh-bench-runkeyhunt"); b=$(cat "${TMPDIR:-/tmp}/rkh-bench-jq")
awk -v a="$a" -v b="$b" 'BEGIN { printf "runkeyhunt is %.1fx faster than jq\n", b / a }'
