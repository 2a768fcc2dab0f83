#!/usr/bin/env bash
# The hostile-input suite of issue 12 (`make reliability`): builds
# bin/runkeyhunt, writes hostile inputs and their normal counterparts into a
# temp dir (internal/hostilegen; nothing is committed), runs each case
# under /usr/bin/time with a timeout and prints one table: input, outcome,
# wall and CPU time, time ratio against the normal input of the same run,
# peak RSS, the case's goal and PASS/FAIL.
#
#   RKH_RELIABILITY_SCALE   size factor of every input (default 1: a few minutes on 2 cores)
#   RKH_RELIABILITY_STRICT  1: a missed RSS, time-ratio or outcome goal fails the run too
#   RKH_RELIABILITY_XFAIL   cases expected to fail until their fix lands (default: EXPECTED_FAIL below; empty: none)
#   RKH_RELIABILITY_CASES   run only these cases (space-separated names)
#   RKH_RELIABILITY_KEEP    1: keep the generated inputs (their dir is printed)
#
# The ratio is CPU seconds (user+sys) per input byte, hostile over normal:
# CPU time, because the machine is shared; per byte, so that an input of
# another size still compares (same-size pairs give the plain ratio).
# Outcome: ok (exit 0, nothing on stderr), warning (exit 0, a warning),
# error (exit 1, one message), crash (exit >= 2: panic, signal), hang
# (killed at the case's timeout). A crash, a hang, an outcome other than
# the expected one or a failed content check (rows lost) fails the run: those
# do not depend on the machine's load. A missed time or memory goal is FAIL
# in the table and fails the run only when strict. A case in
# the expected-to-fail list shows XFAIL instead of failing the run (XPASS
# when it passes: take it off the list).
set -euo pipefail
cd "$(dirname "$0")/.."

# Goals (issue 12).
GOAL_RSS_MIB=200       # osquery's default extension watchdog memory limit
GOAL_ORDER_RATIO=2     # item 1: newest-first costs what file order costs, within a small factor
GOAL_EVTX_RATIO=5      # item 5: a crafted EVTX costs at most a few times a real one of the same size
GOAL_HIVE_RATIO=3      # item 4: 20k RunOnceEx subkeys cost what 20k Run values cost
GOAL_XML_RATIO=3       # item 3: a huge text node or comment costs no more than normal XML of that size
HANG_FACTOR=20         # a hostile case running 20 times as long as its normal input hangs,
HANG_MIN_S=30          # but never before 30 s (the machine may be shared)
TIMEOUT_S=300          # a normal input, or a case without one, running longer hangs
FIFO_TIMEOUT_S=10      # item 7: a FIFO as source must be an error at once

# Cases that crash or hang on the code of this branch, with the item whose
# fix makes them pass. Remove a case when its fix is merged.
EXPECTED_FAIL=""

scale=${RKH_RELIABILITY_SCALE:-1}
strict=${RKH_RELIABILITY_STRICT:-0}
xfail=" ${RKH_RELIABILITY_XFAIL-$EXPECTED_FAIL} "
only=${RKH_RELIABILITY_CASES:-}
shared=${SHARED_DATA:-../shared/data}
bin=bin/runkeyhunt

for tool in /usr/bin/time timeout mkfifo; do
  command -v "$tool" >/dev/null || { echo "reliability: $tool not installed (apt-get install time coreutils)" >&2; exit 1; }
done
make -s build
dir=$(mktemp -d "${TMPDIR:-/tmp}/rkh-reliability.XXXXXX")
if [ "${RKH_RELIABILITY_KEEP:-0}" = 1 ]; then
  echo "reliability: inputs kept in $dir"
else
  trap 'rm -rf "$dir"' EXIT
fi
[ -d "$shared" ] || { echo "reliability: $shared not found: the normal EVTX is synthesized instead of built from real chunks"; shared=; }
echo "== inputs (RKH_RELIABILITY_SCALE=$scale) in $dir"
go run ./internal/hostilegen -dir "$dir/in" -scale "$scale" ${shared:+-shared "$shared"}
mkfifo "$dir/in/fifo-source"
out=$dir/out
mkdir -p "$out"

REG_SQL="SELECT count(*) AS rows, count(DISTINCT path) AS paths FROM run_key_payloads"
CHAIN_SQL="SELECT count(*) AS rows FROM sysmon_reg_net_chain"

# Measured per case: outcome, wall and CPU seconds, peak RSS (MiB), input size (bytes), a stderr line.
declare -A outcome wall cpu rss size note
failed=0

input_size() { du -sb "$1" | cut -f1; }

# measure NAME TIMEOUT INPUT CMD...: runs CMD (stdout, stderr in $out/NAME.*).
measure() {
  local name=$1 limit=$2 input=$3; shift 3
  local log=$out/$name.time rc=0
  /usr/bin/time -f '%e %U %S %M' -o "$log" timeout -k 5 "$limit" "$@" >"$out/$name.out" 2>"$out/$name.err" || rc=$?
  local e u s m
  read -r e u s m < <(tail -n 1 "$log")
  wall[$name]=$e
  cpu[$name]=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
  rss[$name]=$((m / 1024))
  size[$name]=$(input_size "$input")
  # The first line of stderr, or for an error its last (the message).
  local pick="head -n 1"
  [ "$rc" -eq 1 ] && pick="tail -n 1"
  note[$name]=$(grep -v '^Command ' "$out/$name.err" | $pick | sed "s#$inputs/##g; s#^[0-9T:.-]*Z ##" | cut -c1-160 || true)
  # 137 is timeout's KILL after a TERM left unanswered, or the kernel's
  # OOM killer (a crash): only the first comes at the limit.
  if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && awk -v e="$e" -v l="$limit" 'BEGIN { exit !(e >= l) }'; }; then
    outcome[$name]=hang
  elif [ "$rc" -ge 2 ]; then
    outcome[$name]=crash
  elif [ "$rc" -eq 1 ]; then
    outcome[$name]=error
  elif grep -q 'WARN\|warning' "$out/$name.err"; then
    outcome[$name]=warning
  else
    outcome[$name]=ok
  fi
}

# limit NORMAL: the timeout of a hostile case measured against NORMAL.
limit() { awk -v w="${wall[$1]}" -v f="$HANG_FACTOR" -v m="$HANG_MIN_S" 'BEGIN { t = w * f; printf "%d", (t < m ? m : t) }'; }

# ratio HOSTILE NORMAL: CPU seconds per byte, hostile over normal.
ratio() {
  awk -v ch="${cpu[$1]}" -v sh="${size[$1]}" -v cn="${cpu[$2]}" -v sn="${size[$2]}" \
    'BEGIN { cn = (cn < 0.01 ? 0.01 : cn); ch = (ch < 0.01 ? 0.01 : ch); printf "%.1f", (ch / sh) / (cn / sn) }'
}

rows=()
# report NAME INPUT NORMAL EXPECT RATIO_GOAL RSS_GOAL [CHECK_MESSAGE]: one
# table row. EXPECT lists the accepted outcomes (a|b; any: neither a crash
# nor a hang); an empty goal is not checked; CHECK_MESSAGE, when set, is a
# failed content check.
report() {
  local name=$1 input=$2 normal=$3 expect=$4 ratio_goal=$5 rss_goal=$6 check=${7:-}
  local r=- verdict=PASS fatal=0 why=() goal=()
  goal+=("$expect")
  [ -n "$normal" ] && r=$(ratio "$name" "$normal")
  local accepted=$expect
  [ "$expect" = any ] && accepted="ok|warning|error"
  case "|$accepted|" in *"|${outcome[$name]}|"*) ;; *) why+=("outcome ${outcome[$name]}, want $expect") fatal=1 ;; esac
  if [ -n "$ratio_goal" ]; then
    goal+=("ratio<=$ratio_goal")
    awk -v r="$r" -v g="$ratio_goal" 'BEGIN { exit !(r > g) }' && why+=("ratio $r > $ratio_goal")
  fi
  if [ -n "$rss_goal" ]; then
    goal+=("rss<$rss_goal")
    [ "${rss[$name]}" -ge "$rss_goal" ] && why+=("peak RSS ${rss[$name]} MiB >= $rss_goal")
  fi
  [ -n "$check" ] && why+=("$check") && fatal=1
  case ${outcome[$name]} in crash | hang) fatal=1 ;; esac
  [ "${#why[@]}" -gt 0 ] && verdict=FAIL
  [ "$verdict" = FAIL ] && [ "$strict" = 1 ] && fatal=1
  case $xfail in
    *" $name "*) if [ "$verdict" = FAIL ]; then verdict=XFAIL fatal=0; else verdict=XPASS; fi ;;
  esac
  [ "$fatal" = 1 ] && failed=1
  local g; g=$(IFS=' '; echo "${goal[*]}")
  rows+=("$(printf '%-19s %-31s %-8s %7s %7s %6s %7s  %-30s %s' "$name" "$input ($(human "${size[$name]}"))" \
    "${outcome[$name]}" "${wall[$name]}" "${cpu[$name]}" "$r" "${rss[$name]}" "$g" "$verdict")")
  [ "${#why[@]}" -gt 0 ] && rows+=("$(printf '%20s%s' '' "why: $(printf '%s; ' "${why[@]}" | sed 's/; $//')")")
  [ -n "${note[$name]}" ] && rows+=("$(printf '%20s%s' '' "stderr: ${note[$name]}")")
  return 0
}

human() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.0f MiB", b / 1048576; else printf "%.0f KiB", b / 1024 }'; }

selected() { [ -z "$only" ] || case " $only " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

inputs=$dir/in
q() { echo "$bin" query --source "$1" --format csv; }
field() { sed -n 2p "$out/$1.out" | cut -d, -f"$2"; }

echo "== running cases (a hostile case hangs past ${HANG_FACTOR}x its normal input, at least ${HANG_MIN_S}s; others past ${TIMEOUT_S}s)"

# 1. Newest-first event XML against the same events in file order.
if selected xml-newest-first; then
  measure xml-file-order "$TIMEOUT_S" "$inputs/events-asc.xml" $(q "$inputs/events-asc.xml") "$CHAIN_SQL"
  measure xml-newest-first "$(limit xml-file-order)" "$inputs/events-desc.xml" $(q "$inputs/events-desc.xml") "$CHAIN_SQL"
  report xml-file-order events-asc.xml "" ok "" ""
  check=
  [ "$(field xml-newest-first 1)" = "$(field xml-file-order 1)" ] || check="rows $(field xml-newest-first 1) != file order's $(field xml-file-order 1)"
  report xml-newest-first events-desc.xml xml-file-order ok "$GOAL_ORDER_RATIO" "$GOAL_RSS_MIB" "$check"
fi

# 2. A big .reg export, one huge line, one bad line.
if selected reg-big || selected reg-longline || selected reg-badline; then
  measure reg-small "$TIMEOUT_S" "$inputs/reg-small.reg" $(q "$inputs/reg-small.reg") "$REG_SQL"
  report reg-small reg-small.reg "" ok "" ""
fi
if selected reg-big; then
  measure reg-big "$TIMEOUT_S" "$inputs/reg-big.reg" $(q "$inputs/reg-big.reg") "$REG_SQL"
  check=
  [ "$(field reg-big 1)" = 4 ] || check="rows $(field reg-big 1), want the 4 Run values"
  report reg-big reg-big.reg reg-small ok "" "$GOAL_RSS_MIB" "$check"
fi
if selected reg-longline; then
  measure reg-longline "$TIMEOUT_S" "$inputs/reg-longline.reg" $(q "$inputs/reg-longline.reg") "$REG_SQL"
  report reg-longline reg-longline.reg reg-small any "" "$GOAL_RSS_MIB"
fi
if selected reg-badline; then
  measure reg-badline "$(limit reg-small)" "$inputs/reg-badline.reg" $(q "$inputs/reg-badline.reg") "$REG_SQL"
  check=
  [ "$(field reg-badline 1)" = 4 ] || check="rows '$(field reg-badline 1)', want the 4 Run values around the bad line"
  grep -q 'reg-badline.reg.*line [0-9]' "$out/reg-badline.err" || check="${check:+$check; }no warning naming the file and line"
  report reg-badline reg-badline.reg reg-small warning "" "$GOAL_RSS_MIB" "$check"
fi

# 3. Event XML with a huge text node and a huge comment, against normal
# event XML of the same size.
if selected xml-huge-text || selected xml-huge-comment; then
  measure xml-normal "$TIMEOUT_S" "$inputs/xml-normal.xml" $(q "$inputs/xml-normal.xml") "$CHAIN_SQL"
  report xml-normal xml-normal.xml "" ok "" ""
  for c in text comment; do
    selected "xml-huge-$c" || continue
    measure "xml-huge-$c" "$(limit xml-normal)" "$inputs/xml-$c.xml" $(q "$inputs/xml-$c.xml") "$CHAIN_SQL"
    report "xml-huge-$c" "xml-$c.xml" xml-normal any "$GOAL_XML_RATIO" "$GOAL_RSS_MIB"
  done
fi

# 4. A hive with 20k RunOnceEx subkeys against one with 20k Run values; a
# hive whose RunOnceEx index repeats one subkey.
if selected hive-runonceex || selected hive-repeat; then
  measure hive-run "$TIMEOUT_S" "$inputs/hive-run" $(q "$inputs/hive-run") "$REG_SQL"
  report hive-run hive-run "" ok "" ""
fi
if selected hive-runonceex; then
  measure hive-runonceex "$(limit hive-run)" "$inputs/hive-runonceex" $(q "$inputs/hive-runonceex") "$REG_SQL"
  check=
  [ "${outcome[hive-runonceex]}" = hang ] || [ "$(field hive-runonceex 1)" = "$(field hive-run 1)" ] ||
    check="rows '$(field hive-runonceex 1)', want $(field hive-run 1)"
  report hive-runonceex hive-runonceex hive-run ok "$GOAL_HIVE_RATIO" "$GOAL_RSS_MIB" "$check"
fi
if selected hive-repeat; then
  measure hive-repeat "$(limit hive-run)" "$inputs/hive-repeat" $(q "$inputs/hive-repeat") "$REG_SQL"
  check=
  rows_=$(field hive-repeat 1) paths_=$(field hive-repeat 2)
  if [ "${outcome[hive-repeat]}" != error ] && { [ -z "$rows_" ] || [ "$rows_" != "$paths_" ] || [ "$rows_" -gt 1 ]; }; then
    check="rows '$rows_' for $paths_ distinct key(s): the same key emitted again"
  fi
  report hive-repeat hive-repeat "" any "" "$GOAL_RSS_MIB" "$check"
fi

# 5. A crafted EVTX against a real-shaped one of the same size.
if selected evtx-crafted; then
  measure evtx-normal "$TIMEOUT_S" "$inputs/evtx-normal.evtx" $(q "$inputs/evtx-normal.evtx") "$CHAIN_SQL"
  report evtx-normal "evtx-normal.evtx" "" ok "" ""
  rows+=("$(printf '%20s%s' '' "(normal EVTX: $(cat "$inputs/evtx-normal.kind"))")")
  measure evtx-crafted "$(limit evtx-normal)" "$inputs/evtx-crafted.evtx" $(q "$inputs/evtx-crafted.evtx") "$CHAIN_SQL"
  check=
  warnings=$(grep -c . "$out/evtx-crafted.err" || true)
  chunks=$(( (size[evtx-crafted] - 4096) / 65536 ))
  [ "$warnings" -le "$chunks" ] || check="$warnings stderr lines for $chunks chunks (want at most one a chunk)"
  report evtx-crafted evtx-crafted.evtx evtx-normal "ok|warning" "$GOAL_EVTX_RATIO" "$GOAL_RSS_MIB" "$check"
fi

# 7. A FIFO named as source: an error, not a wait for a writer.
if selected fifo-source; then
  measure fifo-source "$FIFO_TIMEOUT_S" "$inputs/fifo-source" $(q "$inputs/fifo-source") "$REG_SQL"
  report fifo-source "fifo-source (FIFO)" "" error "" ""
fi

# 10. A truncated .gz among good result logs: a warning, the rest reported.
if selected report-truncated-gz; then
  measure report-good "$TIMEOUT_S" "$inputs/results-good" "$bin" fleet report --format json "$inputs/results-good"
  report report-good "results-good/" "" ok "" ""
  measure report-truncated-gz "$(limit report-good)" "$inputs/results-mixed" "$bin" fleet report --format json "$inputs/results-mixed"
  check=
  hosts=$(grep -o '"hosts_reporting": [0-9]*' "$out/report-truncated-gz.out" | grep -o '[0-9]*$' || true)
  good=$(grep -o '"hosts_reporting": [0-9]*' "$out/report-good.out" | grep -o '[0-9]*$' || true)
  [ -n "$hosts" ] && [ "$hosts" -ge "${good:-1}" ] || check="hosts reporting '${hosts}', want the ${good} of the good files"
  grep -q 'osqueryd.results.log.2.gz' "$out/report-truncated-gz.err" || check="${check:+$check; }no warning naming the truncated file"
  report report-truncated-gz "results-mixed/" report-good warning "" "$GOAL_RSS_MIB" "$check"
fi

# Deflate bomb: a .reg value holding base64 of gzip of gzip of zeros,
# against random bytes of the same length.
if selected reg-bomb; then
  measure reg-bomb-normal "$TIMEOUT_S" "$inputs/reg-bomb-normal.reg" $(q "$inputs/reg-bomb-normal.reg") "$REG_SQL"
  report reg-bomb-normal reg-bomb-normal.reg "" ok "" ""
  measure reg-bomb "$(limit reg-bomb-normal)" "$inputs/reg-bomb.reg" $(q "$inputs/reg-bomb.reg") "$REG_SQL"
  report reg-bomb reg-bomb.reg reg-bomb-normal "ok|warning" "" "$GOAL_RSS_MIB"
fi

echo
printf '%-19s %-31s %-8s %7s %7s %6s %7s  %-30s %s\n' CASE INPUT OUTCOME WALL_S CPU_S RATIO RSS_MIB GOAL RESULT
printf '%s\n' "${rows[@]}"
echo
echo "ratio: CPU seconds per input byte against the normal input above it; goals: issue 12 (scripts/reliability.sh)"
if [ "$failed" != 0 ]; then
  echo "reliability: FAILED (a crash, a hang, an unexpected outcome or a failed content check$([ "$strict" = 1 ] && echo ', or a missed goal: RKH_RELIABILITY_STRICT=1'))" >&2
  exit 1
fi
echo "reliability: no crash, no hang, every outcome and content check as expected$([ "$strict" = 1 ] && echo ', every goal met')"
