#!/usr/bin/env bash
# Run the Windows tests under Wine: builds `GOOS=windows go test -c`
# binaries of the live-source packages, runs them in a fresh prefix (made
# by setup.sh unless WINEPREFIX already holds one), then runs
# runkeyhunt.exe query against the corpus, live and offline (the live
# chain table reads a Sysmon EVTX placed at the channel's path), runs
# runkeyhunt.exe as an osquery extension over a named pipe (the extension
# package's TestNamedPipe, with the prebuilt runkeyhunt.exe), and prints
# the live/.reg benchmark ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

if [ -z "${RKH_WINE_STATE:-}" ]; then
	RKH_WINE_STATE=$("$here/setup.sh" | sed -n 's/^RKH_WINE_STATE=//p')
	export RKH_WINE_STATE
fi
# shellcheck source=env.sh
. "$here/env.sh"
export RKH_WINE=1
out="$RKH_WINE_STATE/bin"
mkdir -p "$out"

# The hive third of the comparison is built on Linux (reged, hivexsh) and
# read under Wine.
export RKH_CORPUS_HIVES="$RKH_WINE_STATE/hives"
rm -rf "$RKH_CORPUS_HIVES"
mkdir -p "$RKH_CORPUS_HIVES"
go test -count=1 -run TestCorpusHivesMatchRegfile ./tables/registry/live/

# Keep one wineserver for the whole run: keys regedit imports under
# HKEY_USERS\<SID> live only as long as the server does.
"$WINESERVER" -p
trap '"$WINESERVER" -k || true' EXIT

# Image evidence: the PE fixtures are signed on Linux (osslsigncode) and
# inspected by the live inspector (WinVerifyTrust) under Wine.
RKH_EVIDENCE_EXPORT="$RKH_WINE_STATE/evidence" go test -count=1 -run TestExportFixtures ./tables/evidence
export RKH_EVIDENCE_FIXTURES="Z:${RKH_WINE_STATE//\//\\}\\evidence"

# A Sysmon EVTX (the scenario's events, built by a Linux-side test) at the
# Sysmon channel's default path in the prefix: the live host reads it.
sysmon_log="$WINEPREFIX/drive_c/windows/system32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx"
RKH_WINE_SYSMON_EVTX="$sysmon_log" go test -count=1 -run TestWriteWineSysmonLog ./tables/sysmon/
export RKH_WINE_SYSMON=1

status=0
for pkg in tables/registry/live tables/sysmon/eventlog tables/evidence tables/host; do
	name=$(basename "$pkg")
	GOOS=windows GOARCH=amd64 go test -c -o "$out/$name.test.exe" "./$pkg"
	echo "== $pkg (wine)"
	(cd "$pkg" && "$WINE" "$out/$name.test.exe" -test.v -test.count=1) || status=1
done

GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -o "$out/runkeyhunt.exe" ./extension
# The extension package's tests build runkeyhunt themselves unless given
# one; only the named-pipe test and those needing neither a Go toolchain
# nor a working t.TempDir cleanup run here (Go's os.RemoveAll fails under
# Wine 8 with "unlinkat ...: Invalid function"). TestREADMEIsCurrent reads
# ../README.md, hence the cd.
GOOS=windows GOARCH=amd64 go test -c -o "$out/extension.test.exe" ./extension
echo "== extension: osquery extension over a named pipe (wine)"
(cd extension && RUNKEYHUNT_E2E_BINARY="$out/runkeyhunt.exe" "$WINE" "$out/extension.test.exe" \
	-test.v -test.count=1 -test.run '^(TestNamedPipe|TestREADMEIsCurrent)') || status=1

echo "== runkeyhunt.exe query, live registry (wine)"
"$WINE" "$out/runkeyhunt.exe" query --format csv \
	"SELECT scope, username, verdict, count(*) AS n FROM run_key_payloads WHERE sid LIKE 'S-1-5-21-1111111111-%' OR scope = 'machine' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" || status=1
echo "== runkeyhunt.exe query, live image evidence of the signed/tampered fixtures (wine)"
run_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Run'
"$WINE" reg add "$run_key" /v rkhSigned /d "\"$RKH_EVIDENCE_FIXTURES\\signed.exe\" /q" /f >/dev/null 2>&1
"$WINE" reg add "$run_key" /v rkhTampered /d "$RKH_EVIDENCE_FIXTURES\\tampered.exe" /f >/dev/null 2>&1
"$WINE" reg add "$run_key" /v rkhGone /d "$RKH_EVIDENCE_FIXTURES\\gone.exe" /f >/dev/null 2>&1
images=$("$WINE" "$out/runkeyhunt.exe" query --format csv \
	"SELECT name, image_exists, image_signed, image_signer, image_original_name, indicators FROM run_key_payloads WHERE name LIKE 'rkh%' ORDER BY name") || status=1
echo "$images"
echo "$images" | grep -q '^rkhTampered,1,invalid,' || { echo "tampered fixture not invalid" >&2; status=1; }
"$WINE" reg delete "$run_key" /v rkhSigned /f >/dev/null 2>&1
"$WINE" reg delete "$run_key" /v rkhTampered /f >/dev/null 2>&1
"$WINE" reg delete "$run_key" /v rkhGone /f >/dev/null 2>&1
echo "== runkeyhunt.exe query, .reg source (wine)"
"$WINE" "$out/runkeyhunt.exe" query --source "$root/testdata/corpus/corpus.reg" --format csv \
	"SELECT scope, username, verdict, count(*) AS n FROM run_key_payloads GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" || status=1
echo "== runkeyhunt.exe query, sysmon_reg_net_chain live (wine: the channel's file in the prefix, the scenario's rows)"
live_chain=$("$WINE" "$out/runkeyhunt.exe" query --format csv \
	"SELECT record_id, role, verdict FROM sysmon_reg_net_chain WHERE time > 0 ORDER BY record_id" | tr -d '\r') || status=1
echo "$live_chain"
offline_chain=$(go run ./extension query --source "$sysmon_log" --format csv \
	"SELECT record_id, role, verdict FROM sysmon_reg_net_chain ORDER BY record_id") || status=1
if [ "$live_chain" != "$offline_chain" ] || [ "$(echo "$live_chain" | wc -l)" -lt 2 ]; then
	echo "live chain rows differ from the offline reader's on the same file:"
	echo "$offline_chain"
	status=1
fi
rm -f "$sysmon_log"

echo "== benchmark: live registry vs .reg source on the corpus (wine)"
bench=$(cd tables/registry/live && "$WINE" "$out/live.test.exe" -test.run '^$' -test.bench BenchmarkRunKeyPayloads -test.benchtime 20x)
echo "$bench"
echo "$bench" | awk '/RunKeyPayloads\/live/ {l=$3} /RunKeyPayloads\/regfile/ {r=$3} END {if (l && r) printf "live/.reg time ratio: %.1f\n", l/r}'
exit $status
