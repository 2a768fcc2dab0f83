#!/usr/bin/env bash
# Side-by-side benchmark of sysmon_reg_net_chain against the tools users
# would otherwise reach for, on one large input, as ratios:
#   EVTX:       runkeyhunt query (the whole chain query)  vs  evtxexport -f xml FILE > /dev/null
#   JSON lines: runkeyhunt query (the whole chain query)  vs  jq -c 'select(.EventID==13)' FILE > /dev/null
# The EVTX is built by internal/evtxgen from the real chunks of the seed log
# and the public Sysmon sample in ../shared (BENCH_SIZE, default 1GiB); the
# JSON lines hold the same Sysmon events.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_DATA:-../shared/data}
size=${BENCH_SIZE:-1GiB}
out=bench/out
inputs=("$shared/seed/registryautorun.evtx" "$shared/evtx-corpus/sysmon.evtx")
for f in "${inputs[@]}"; do
  [ -f "$f" ] || { echo "bench: $f not found (../shared is needed for the benchmark inputs)" >&2; exit 1; }
done
for tool in evtxexport jq /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not installed (apt-get install libevtx-utils jq time)" >&2; exit 1; }
done
mkdir -p "$out"
make -s build
if [ ! -f "$out/big-$size.evtx" ] || [ ! -f "$out/big-$size.jsonl" ]; then
  go run ./internal/evtxgen -size "$size" -evtx "$out/big-$size.evtx" -jsonl "$out/big-$size.jsonl" "${inputs[@]}"
fi
sql="SELECT count(*) AS rows, sum(net_before) AS net_before, sum(net_after) AS net_after FROM sysmon_reg_net_chain"

# measure KEY LABEL CMD...: prints "LABEL seconds peak_rss_mib" and keeps the numbers under KEY.
declare -A secs rss
measure() {
  local name=$1 label=$2; shift 2
  local log; log=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$log" "$@" > /dev/null
  read -r s kb < "$log"; rm -f "$log"
  secs[$name]=$s; rss[$name]=$((kb / 1024))
  printf '  %-44s %8.2f s %7d MiB\n' "$label" "$s" "${rss[$name]}"
}
evtx="$out/big-$size.evtx"; jsonl="$out/big-$size.jsonl"
echo "inputs: $evtx ($(du -h "$evtx" | cut -f1)), $jsonl ($(du -h "$jsonl" | cut -f1))"
echo "chain query rows: $(bin/runkeyhunt query --source "$evtx" --format csv "$sql" | tail -1)"
measure evtx_ours "runkeyhunt chain query (EVTX)" bin/runkeyhunt query --source "$evtx" "$sql"
measure evtx_tool "evtxexport -f xml (EVTX)" sh -c "evtxexport -f xml '$evtx' > /dev/null 2>&1"
measure json_ours "runkeyhunt chain query (JSON lines)" bin/runkeyhunt query --source "$jsonl" "$sql"
measure json_tool "jq -c 'select(.EventID==13)' (JSON lines)" sh -c "jq -c 'select(.EventID==13)' '$jsonl' > /dev/null"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
echo "ratios (how many times faster runkeyhunt is):"
echo "  EVTX:       $(ratio "${secs[evtx_tool]}" "${secs[evtx_ours]}")x vs evtxexport (goal >= 1.5x), peak RSS ${rss[evtx_ours]} MiB (goal < 256)"
echo "  JSON lines: $(ratio "${secs[json_tool]}" "${secs[json_ours]}")x vs jq (goal >= 5x), peak RSS ${rss[json_ours]} MiB"
