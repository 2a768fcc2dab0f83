#!/usr/bin/env bash
# Benchmark of `runkeyhunt fleet report` against a jq aggregation of the
# same result logs (10,000 hosts, about 1M lines from fleet/cmd/genlogs).
# Prints lines/s, peak RSS and the speed ratio. Needs /usr/bin/time and jq.
# Then --state: a state built from a week of logs, and an incremental run
# on the next day's lines against a full re-read of all eight days.
#   fleet/bench.sh [DIR]        (BIN=path/to/runkeyhunt to use a built binary;
#                                SKIP_JQ=1 skips the jq comparison)
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
  echo "$rss" > "${TMPDIR:-/tmp}/rkh-bench-$label-rss"
  rm -f "$log"
  awk -v l="$label" -v w="$wall" -v n="$lines" -v r="$rss" 'BEGIN { printf "%-12s %8.2f s  %10.0f lines/s  %7.0f MiB peak RSS\n", l, w, n / w, r / 1024 }'
  echo "$wall" > "${TMPDIR:-/tmp}/rkh-bench-$label"
}

echo "input: $lines lines, $((bytes / 1048576)) MiB, $hosts hosts ($dir)"
measure runkeyhunt "${run[@]}" --format json --no-progress --output /dev/null "${files[@]}"
if [ -z "${SKIP_JQ:-}" ]; then
  measure jq jq -s 'group_by(.hostIdentifier)|length' "${files[@]}"
  a=$(cat "${TMPDIR:-/tmp}/rkh-bench-runkeyhunt"); b=$(cat "${TMPDIR:-/tmp}/rkh-bench-jq")
  awk -v a="$a" -v b="$b" 'BEGIN { printf "runkeyhunt is %.1fx faster than jq\n", b / a }'
fi

# --state: eight days of logs; the state holds the first seven, the
# incremental run reads the eighth (genlogs writes day after day).
inc=$dir/state-bench
if [ ! -s "$inc/day8.log" ]; then
  rm -rf "$inc" && mkdir -p "$inc/gen"
  go run ./fleet/cmd/genlogs -hosts "$hosts" -days 8 -out "$inc/gen" >/dev/null
  cat "$inc"/gen/osqueryd.results.log.2 "$inc"/gen/osqueryd.results.log.1 "$inc"/gen/osqueryd.results.log > "$inc/all.log"
  total=$(wc -l < "$inc/all.log")
  head -n $((total * 7 / 8)) "$inc/all.log" > "$inc/week.log"
  tail -n +$((total * 7 / 8 + 1)) "$inc/all.log" > "$inc/day8.log"
  rm -rf "$inc/gen"
fi
mkdir -p "$inc/live" && cp "$inc/week.log" "$inc/live/osqueryd.results.log" && rm -f "$inc/state.db"
lines=$(wc -l < "$inc/week.log")
measure state-week "$bin" fleet report --state "$inc/state.db" --format json --no-progress --output /dev/null "$inc/live"
cat "$inc/day8.log" >> "$inc/live/osqueryd.results.log"
lines=$(wc -l < "$inc/day8.log")
measure incremental "$bin" fleet report --state "$inc/state.db" --format json --no-progress --output /dev/null "$inc/live"
lines=$(wc -l < "$inc/live/osqueryd.results.log")
measure full-reread "$bin" fleet report --format json --no-progress --output /dev/null "$inc/live"
a=$(cat "${TMPDIR:-/tmp}/rkh-bench-incremental"); b=$(cat "${TMPDIR:-/tmp}/rkh-bench-full-reread")
awk -v a="$a" -v b="$b" 'BEGIN { printf "incremental run (one day over a week of state) takes %.2f of the full re-read'"'"'s time\n", a / b }'
