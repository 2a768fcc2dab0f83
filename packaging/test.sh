#!/usr/bin/env bash
# make package-test: check the artifacts of `make package` (DIST, default
# dist/; built first when missing) and prove they install and run:
#   1. contents: SHA256SUMS, version stamp, dpkg-deb -c, rpm -qpl/--dump,
#      msiinfo/msiextract;
#   2. the .deb: dpkg -i, the installed runkeyhunt query on examples/demo,
#      dpkg -r, dpkg -P, nothing left (needs root);
#   3. the .rpm: rpm -i / -e into a scratch --root;
#   4. the MSI under Wine: msiexec /i, runkeyhunt.exe --version and query,
#      upgrade in place to a newer build, downgrade refused, msiexec /x;
#   5. Authenticode with a throwaway CA (openssl), osslsigncode verify;
#   6. reproducibility: a second build of the same commit, in another
#      directory with an empty Go build cache and another TZ, gives the same
#      bytes, and says UNSIGNED.
# A step whose tool is missing is skipped with a message (a failure when
# CI=true). Ends with "package-test: N passed, N failed, N skipped".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
# shellcheck source=lib.sh
. "$here/lib.sh"

DIST=${DIST:-$root/dist}
passed=0 failed=0 skipped=0
ok() {
	echo "ok    $*"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL  $*"
	failed=$((failed + 1))
}
skip() {
	if [ "${CI:-}" = true ]; then
		fail "$* (a skip is a failure in CI)"
	else
		echo "skip  $*"
		skipped=$((skipped + 1))
	fi
}
# check DESCRIPTION COMMAND...: one assertion.
check() {
	local desc=$1
	shift
	if "$@" >"$work/check.out" 2>&1; then
		ok "$desc"
	else
		fail "$desc"
		sed 's/^/      | /' "$work/check.out" | tail -20
	fi
}
have() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || return 1
	done
}
section() { echo "== $*"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/runkeyhunt-package-test.XXXXXX")
cleanup() {
	if [ -n "${deb_installed:-}" ]; then
		dpkg -P runkeyhunt >/dev/null 2>&1 || true
	fi
	if [ -n "${WINESERVER:-}" ] && [ -n "${wine_started:-}" ]; then
		"$WINESERVER" -k >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
	if [ -n "${RKH_WINE_STATE:-}" ] && [ -n "${wine_started:-}" ]; then
		rm -rf "$RKH_WINE_STATE"
	fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------
section "artifacts in $DIST"
if ! ls "$DIST"/runkeyhunt-*-x64.msi >/dev/null 2>&1; then
	echo "no artifacts in $DIST: running packaging/package.sh"
	DIST=$DIST "$here/package.sh"
fi
msi=$(ls "$DIST"/runkeyhunt-*-x64.msi)
pv=${msi##*/runkeyhunt-}
pv=${pv%-x64.msi}
deb=$DIST/runkeyhunt_${pv}-1_amd64.deb
rpm_file=$DIST/runkeyhunt-${pv}-1.x86_64.rpm
linux_bin=$DIST/runkeyhunt-$pv-linux-amd64
exe=$DIST/runkeyhunt-$pv-windows-amd64.exe
echo "package version $pv"

check "SHA256SUMS verifies" sh -c "cd '$DIST' && sha256sum --strict -c SHA256SUMS"
check "SHA256SUMS lists every artifact (exe, linux binary, deb, rpm, msi)" \
	sh -c "cd '$DIST' && [ \"\$(awk '{print \$2}' SHA256SUMS | LC_ALL=C sort | tr '\n' ' ')\" = \"\$(ls | grep -vx SHA256SUMS | LC_ALL=C sort | tr '\n' ' ')\" ] && [ \"\$(wc -l <SHA256SUMS)\" -eq 5 ]"

# The stamp: version, commit, RFC 3339 date, none of them the unstamped defaults.
version_line=$("$linux_bin" --version)
check "--version is stamped: $version_line" \
	grep -Eqx 'runkeyhunt [^ ]+ \(commit [0-9a-f]{7,40}, built [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(Z|[+-][0-9]{2}:[0-9]{2})\)' <<<"$version_line"
check "--version is not the unstamped default" bash -c '! grep -q -e "runkeyhunt dev " -e "commit unknown" -e "built unknown" <<<"$1"' _ "$version_line"
# VERSION COMMIT DATE of the dist build, for the later builds of the same commit.
read -r d_version d_commit d_date < <(sed -E 's/^runkeyhunt ([^ ]+) \(commit ([^,]+), built ([^)]+)\)$/\1 \2 \3/' <<<"$version_line")
check "the package version $pv derives from $d_version" \
	bash -c '[ "$(. "$1"; pkg_version "$2" "${3##*.}")" = "$3" ]' _ "$here/lib.sh" "$d_version" "$pv"
check "one version: the packages' $pv is the X.Y.Z that the binary's $d_version starts with" \
	bash -c '[[ "$2" == "$1" || "$2" == "$1"-* ]]' _ "$pv" "$d_version"
if [ -z "${VERSION:-}" ]; then
	check "the binary's version $d_version is the one packaging/version.sh derives for this tree (else dist/ is of another commit: rm -rf dist)" \
		bash -c '[ "$("$1")" = "$2" ]' _ "$here/version.sh" "$d_version"
fi

# ---------------------------------------------------------------------------
section "deb contents (dpkg-deb -c)"
if have dpkg-deb; then
	dpkg-deb -c "$deb" >"$work/deb.list"
	check "deb: /usr/bin/runkeyhunt root:root 0755" grep -Eq '^-rwxr-xr-x root/root +[0-9]+ .* \./usr/bin/runkeyhunt$' "$work/deb.list"
	check "deb: /usr/lib/osquery/extensions/runkeyhunt.ext -> /usr/bin/runkeyhunt" \
		grep -Eq '^l[rwx-]{9} root/root .* \./usr/lib/osquery/extensions/runkeyhunt\.ext -> /usr/bin/runkeyhunt$' "$work/deb.list"
	check "deb: /etc/osquery/runkeyhunt.load and .flags root:root 0644" \
		sh -c "grep -Eq '^-rw-r--r-- root/root .* \./etc/osquery/runkeyhunt\.load$' '$work/deb.list' && grep -Eq '^-rw-r--r-- root/root .* \./etc/osquery/runkeyhunt\.flags$' '$work/deb.list'"
	check "deb: every entry owned by root, nothing group- or world-writable" \
		awk '$1 !~ /^l/ && (substr($1,6,1) == "w" || substr($1,9,1) == "w" || $2 != "root/root") {bad=1; print} END {exit bad}' "$work/deb.list"
	check "deb: exactly these files" sh -c "[ \"\$(awk '\$1 !~ /^d/ {print \$6}' '$work/deb.list' | LC_ALL=C sort | tr '\n' ' ')\" = './etc/osquery/runkeyhunt.flags ./etc/osquery/runkeyhunt.load ./usr/bin/runkeyhunt ./usr/lib/osquery/extensions/runkeyhunt.ext ./usr/share/doc/runkeyhunt/LICENSE ./usr/share/doc/runkeyhunt/NOTICE ./usr/share/doc/runkeyhunt/copyright ' ]"
	dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$work/conffiles"
	check "deb: the two /etc files are conffiles" diff <(printf '/etc/osquery/runkeyhunt.flags\n/etc/osquery/runkeyhunt.load\n') <(LC_ALL=C sort "$work/conffiles")
	check "deb: runkeyhunt.load names the .ext" \
		bash -c '[ "$(dpkg-deb --fsys-tarfile "$1" | tar -xO ./etc/osquery/runkeyhunt.load)" = /usr/lib/osquery/extensions/runkeyhunt.ext ]' _ "$deb"
	check "deb: the flagfile snippet points --extensions_autoload at it and requires the extension" \
		bash -c 'f=$(dpkg-deb --fsys-tarfile "$1" | tar -xO ./etc/osquery/runkeyhunt.flags); grep -qx -- "--extensions_autoload=/etc/osquery/runkeyhunt.load" <<<"$f" && grep -qx -- "--extensions_require=runkeyhunt" <<<"$f"' _ "$deb"
	check "deb: the packaged binary is the dist binary" \
		bash -c '[ "$(dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/bin/runkeyhunt | sha256sum | cut -c1-64)" = "$(sha256sum <"$2" | cut -c1-64)" ]' _ "$deb" "$linux_bin"
	check "deb: version $pv-1" bash -c '[ "$(dpkg-deb -f "$1" Version)" = "$2-1" ]' _ "$deb" "$pv"
	check "deb: LICENSE and NOTICE are the repository's, copyright says License: Apache-2.0 (SPDX)" bash -c '
		t=$(mktemp -d) && trap "rm -rf $t" EXIT && dpkg-deb -x "$1" "$t" && d=$t/usr/share/doc/runkeyhunt &&
		cmp -s "$d/LICENSE" "$2/LICENSE" && cmp -s "$d/NOTICE" "$2/NOTICE" &&
		grep -qx "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" "$d/copyright" &&
		[ "$(grep -m1 "^License:" "$d/copyright")" = "License: Apache-2.0" ]' _ "$deb" "$root"
else
	skip "deb contents: dpkg-deb not found (apt-get install dpkg)"
fi

section "rpm contents (rpm -qpl, rpm -qp --dump)"
if have rpm; then
	check "rpm: rpm -qpl lists the files and the directories it owns" diff \
		<(printf '%s\n' /etc/osquery /etc/osquery/runkeyhunt.flags /etc/osquery/runkeyhunt.load /usr/bin/runkeyhunt /usr/lib/osquery /usr/lib/osquery/extensions /usr/lib/osquery/extensions/runkeyhunt.ext /usr/share/doc/runkeyhunt /usr/share/doc/runkeyhunt/LICENSE /usr/share/doc/runkeyhunt/NOTICE) \
		<(rpm -qpl "$rpm_file" 2>/dev/null | LC_ALL=C sort)
	rpm -qp --dump "$rpm_file" 2>/dev/null >"$work/rpm.dump"
	check "rpm: modes and owners (0755 binary, symlink .ext, 0644 config, root:root)" bash -c '
		grep -Eq "^/usr/bin/runkeyhunt [0-9]+ [0-9]+ [0-9a-f]{64} 0100755 root root 0 " "$1" &&
		grep -Eq "^/usr/lib/osquery/extensions/runkeyhunt.ext [0-9]+ [0-9]+ 0+ 0120000 root root 0 .* /usr/bin/runkeyhunt$" "$1" &&
		grep -Eq "^/etc/osquery/runkeyhunt.load [0-9]+ [0-9]+ [0-9a-f]{64} 0100644 root root 1 " "$1" &&
		grep -Eq "^/etc/osquery/runkeyhunt.flags [0-9]+ [0-9]+ [0-9a-f]{64} 0100644 root root 1 " "$1" &&
		! awk "{print \$5, \$6, \$7}" "$1" | grep -Ev "^0[0-9]*[0-7][0-7][145][145] root root$|^0120000 root root$"' _ "$work/rpm.dump"
	check "rpm: version $pv release 1" bash -c '[ "$(rpm -qp --qf "%{VERSION}-%{RELEASE}" "$1" 2>/dev/null)" = "$2-1" ]' _ "$rpm_file" "$pv"
	check "rpm: License Apache-2.0 (SPDX), LICENSE marked %license" bash -c '
		[ "$(rpm -qp --qf "%{LICENSE}" "$1" 2>/dev/null)" = Apache-2.0 ] &&
		rpm -qpL "$1" 2>/dev/null | grep -qx /usr/share/doc/runkeyhunt/LICENSE' _ "$rpm_file"
elif have rpm2cpio cpio; then
	check "rpm: rpm2cpio | cpio -t lists the files" diff \
		<(printf '%s\n' ./etc/osquery/runkeyhunt.flags ./etc/osquery/runkeyhunt.load ./usr/bin/runkeyhunt ./usr/lib/osquery/extensions/runkeyhunt.ext ./usr/share/doc/runkeyhunt/LICENSE ./usr/share/doc/runkeyhunt/NOTICE) \
		<(rpm2cpio "$rpm_file" | cpio -t --quiet | grep -v '/$' | grep -Ev '^\./(etc/osquery|usr/lib/osquery|usr/lib/osquery/extensions|usr/share/doc/runkeyhunt)$' | LC_ALL=C sort)
else
	skip "rpm contents: neither rpm nor rpm2cpio+cpio found (apt-get install rpm)"
fi

section "MSI contents (msiinfo, msiextract)"
if have msiinfo msiextract; then
	check "msi: UpgradeCode is the stable one" bash -c '[ "$(msiinfo export "$1" Property | tr -d "\r" | awk -F"\t" "\$1==\"UpgradeCode\" {print \$2}")" = "{$2}" ]' _ "$msi" "$RKH_UPGRADE_CODE"
	check "msi: ProductVersion $pv, ProductCode derived from it" bash -c '
		p=$(msiinfo export "$1" Property | tr -d "\r")
		[ "$(awk -F"\t" "\$1==\"ProductVersion\" {print \$2}" <<<"$p")" = "$2" ] &&
		[ "$(awk -F"\t" "\$1==\"ProductCode\" {print \$2}" <<<"$p")" = "{$3}" ]' _ "$msi" "$pv" "$(uuid5 "$RKH_UPGRADE_CODE" "runkeyhunt product $pv x64")"
	check "msi: major upgrade (Upgrade table detects older and newer, RemoveExistingProducts scheduled)" bash -c '
		u=$(msiinfo export "$1" Upgrade | tr -d "\r"); s=$(msiinfo export "$1" InstallExecuteSequence | tr -d "\r")
		grep -q "WIX_UPGRADE_DETECTED" <<<"$u" && grep -q "WIX_DOWNGRADE_DETECTED" <<<"$u" && grep -q "^RemoveExistingProducts" <<<"$s"' _ "$msi"
	check "msi: license Apache-2.0 (SPDX) in the summary comments and ARPCOMMENTS" bash -c '
		msiinfo suminfo "$1" | tr -d "\r" | grep -q "^Comments: .*SPDX-License-Identifier: Apache-2.0" &&
		msiinfo export "$1" Property | tr -d "\r" | grep -qP "^ARPCOMMENTS\tSPDX-License-Identifier: Apache-2.0$"' _ "$msi"
	check "msi: per-machine x64 package" bash -c 'msiinfo suminfo "$1" | tr -d "\r" | grep -qx "Template: x64;1033" && msiinfo export "$1" Property | tr -d "\r" | grep -qP "^ALLUSERS\t1$"' _ "$msi"
	check "msi: Directory ProgramFiles64Folder\\osquery\\extensions" bash -c '
		d=$(msiinfo export "$1" Directory | tr -d "\r")
		grep -qP "^ExtensionsDir\tOsqueryDir\textensions$" <<<"$d" && grep -qP "^OsqueryDir\tProgramFiles64Folder\tosquery$" <<<"$d"' _ "$msi"
	(cd "$work" && mkdir -p msix && cd msix && msiextract "$msi" >"$work/msiextract.list")
	check "msi: msiextract lists exactly runkeyhunt.exe, its LICENSE and NOTICE, runkeyhunt.load, runkeyhunt.flags" diff \
		<(printf '%s\n' osquery/extensions/runkeyhunt-LICENSE.txt osquery/extensions/runkeyhunt-NOTICE.txt osquery/extensions/runkeyhunt.exe osquery/runkeyhunt.flags osquery/runkeyhunt.load) <(LC_ALL=C sort "$work/msiextract.list")
	x=$(find "$work/msix" -type d -name osquery | head -1)
	check "msi: the packaged exe is the dist exe" cmp "$x/extensions/runkeyhunt.exe" "$exe"
	check "msi: runkeyhunt-LICENSE.txt and -NOTICE.txt are the repository's LICENSE and NOTICE" bash -c '
		cmp -s "$1/extensions/runkeyhunt-LICENSE.txt" "$2/LICENSE" && cmp -s "$1/extensions/runkeyhunt-NOTICE.txt" "$2/NOTICE"' _ "$x" "$root"
	check "msi: runkeyhunt.load is ASCII without BOM and names the exe" bash -c '
		[ "$(head -c3 "$1" | od -An -tx1 | tr -d " ")" != efbbbf ] && ! LC_ALL=C grep -qP "[^\x00-\x7F]" "$1" &&
		[ "$(tr -d "\r" <"$1")" = "C:\\Program Files\\osquery\\extensions\\runkeyhunt.exe" ]' _ "$x/runkeyhunt.load"
	check "msi: runkeyhunt.flags points --extensions_autoload at it" \
		grep -qx -- '--extensions_autoload=C:\\Program Files\\osquery\\runkeyhunt.load' <(tr -d '\r' <"$x/runkeyhunt.flags")
else
	skip "MSI contents: msiinfo/msiextract not found (apt-get install msitools)"
fi

# ---------------------------------------------------------------------------
section "deb install (dpkg -i, query, dpkg -r, dpkg -P)"
demo_sql="SELECT name, verdict, payload_kind FROM run_key_payloads WHERE verdict = 'malicious' ORDER BY name"
if ! have dpkg; then
	skip "deb install: dpkg not found"
elif [ "$(id -u)" -ne 0 ]; then
	skip "deb install: needs root (dpkg -i)"
elif dpkg -s runkeyhunt >/dev/null 2>&1; then
	skip "deb install: a runkeyhunt package is already installed here; not touching it"
else
	had_usr_lib_osquery=no
	[ -e /usr/lib/osquery ] && had_usr_lib_osquery=yes
	had_etc_osquery=no
	[ -e /etc/osquery ] && had_etc_osquery=yes
	deb_installed=1
	check "dpkg -i $(basename "$deb")" dpkg -i "$deb"
	check "installed /usr/bin/runkeyhunt --version is the dist version" bash -c '[ "$(/usr/bin/runkeyhunt --version)" = "$1" ]' _ "$version_line"
	check "installed .ext runs (osqueryd's autoload path)" bash -c '[ "$(/usr/lib/osquery/extensions/runkeyhunt.ext --version)" = "$1" ]' _ "$version_line"
	check "osquery's autoload check passes: .ext resolves to a root-owned executable, dirs not writable by others, not sticky" bash -c '
		for p in /usr/lib/osquery/extensions/runkeyhunt.ext /usr/lib/osquery/extensions /usr/lib/osquery /usr/bin/runkeyhunt /etc/osquery/runkeyhunt.load; do
			s=$(stat -L -c "%u %a" "$p"); set -- $s
			[ "$1" = 0 ] || { echo "$p owner uid $1"; exit 1; }
			(( (8#$2 & 8#1022) == 0 )) || { echo "$p mode $2"; exit 1; }
		done
		[ -x /usr/lib/osquery/extensions/runkeyhunt.ext ]'
	check "/etc/osquery/runkeyhunt.load names an existing .ext" bash -c '[ -x "$(cat /etc/osquery/runkeyhunt.load)" ] && [[ "$(cat /etc/osquery/runkeyhunt.load)" == *.ext ]]'
	out=$(cd / && runkeyhunt query --source "$root/examples/demo" --format csv "$demo_sql" 2>&1) || true
	echo "$out" | sed 's/^/      | /'
	check "installed runkeyhunt query on examples/demo finds the Empire Run\\Updater as malicious, payload in the registry" \
		grep -qx 'Updater,malicious,registry' <<<"$out"
	check "dpkg -r runkeyhunt" dpkg -r runkeyhunt
	check "after dpkg -r: binary, .ext and its directories are gone" bash -c '
		[ ! -e /usr/bin/runkeyhunt ] && [ ! -L /usr/lib/osquery/extensions/runkeyhunt.ext ] && [ ! -e /usr/lib/osquery/extensions ] &&
		[ ! -e /usr/share/doc/runkeyhunt ] &&
		{ [ "$1" = yes ] || [ ! -e /usr/lib/osquery ]; }' _ "$had_usr_lib_osquery"
	check "after dpkg -r: the conffiles stay (Debian: removed by purge)" test -f /etc/osquery/runkeyhunt.load
	check "dpkg -P runkeyhunt" dpkg -P runkeyhunt
	deb_installed=
	check "after dpkg -P: the conffiles are gone and dpkg forgets the package" bash -c '
		[ ! -e /etc/osquery/runkeyhunt.load ] && [ ! -e /etc/osquery/runkeyhunt.flags ] &&
		{ [ "$1" = yes ] || [ ! -e /etc/osquery ]; } && ! dpkg -s runkeyhunt >/dev/null 2>&1' _ "$had_etc_osquery"
fi

section "rpm install into a scratch root (rpm -i, rpm -e)"
if have rpm; then
	r=$work/rpmroot
	mkdir -p "$r"
	rpm --root "$r" --initdb
	check "rpm -i --root" rpm --root "$r" -i --nodeps "$rpm_file"
	check "rpm-installed binary runs and the .ext links to it" bash -c '[ "$("$1/usr/bin/runkeyhunt" --version)" = "$2" ] && [ "$(readlink "$1/usr/lib/osquery/extensions/runkeyhunt.ext")" = /usr/bin/runkeyhunt ]' _ "$r" "$version_line"
	check "rpm -e --root" rpm --root "$r" -e runkeyhunt
	check "after rpm -e: no file of the package is left" bash -c '[ -z "$(cd "$1" && find etc usr -mindepth 1 ! -type d -o -name osquery 2>/dev/null)" ]' _ "$r"
else
	skip "rpm install: rpm not found (apt-get install rpm)"
fi

# ---------------------------------------------------------------------------
section "MSI under Wine (install, run, upgrade, downgrade refused, uninstall)"
# env.sh is sourced only once RKH_WINE_STATE names this run's prefix.
wine_bin=$(
	unset WINEPREFIX
	RKH_WINE_STATE=$work/probe
	. "$root/scripts/wine/env.sh"
	echo "$WINE"
)
if [ -z "$wine_bin" ] || ! have x86_64-w64-mingw32-gcc; then
	skip "MSI under Wine: wine64 or gcc-mingw-w64-x86-64 not found (apt-get install wine64 gcc-mingw-w64-x86-64)"
else
	RKH_WINE_STATE=$(mktemp -d "${TMPDIR:-/tmp}/runkeyhunt-wine.XXXXXX")
	export RKH_WINE_STATE
	unset WINEPREFIX
	wine_started=1
	"$root/scripts/wine/setup.sh" >/dev/null || fail "scripts/wine/setup.sh: make a Wine prefix"
	# shellcheck source=../scripts/wine/env.sh
	. "$root/scripts/wine/env.sh"
	"$WINESERVER" -p
	pf="$WINEPREFIX/drive_c/Program Files/osquery"
	winepath_of() { printf 'Z:%s' "${1//\//\\}"; }
	uninstall_key() { "$WINE" reg query "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{$1}" >/dev/null 2>&1; }
	winexe='C:\Program Files\osquery\extensions\runkeyhunt.exe'
	pc1=$(uuid5 "$RKH_UPGRADE_CODE" "runkeyhunt product $pv x64")

	check "msiexec /i $(basename "$msi") /qn" "$WINE" msiexec /i "$(winepath_of "$msi")" /qn
	check "installed: extensions\\runkeyhunt.exe and its NOTICE, runkeyhunt.load, runkeyhunt.flags" \
		test -f "$pf/extensions/runkeyhunt.exe" -a -f "$pf/extensions/runkeyhunt-NOTICE.txt" -a -f "$pf/runkeyhunt.load" -a -f "$pf/runkeyhunt.flags"
	check "installed runkeyhunt.exe --version is the dist version" bash -c '[ "$("$1" "$2" --version | tr -d "\r")" = "$3" ]' _ "$WINE" "$winexe" "$version_line"
	out=$("$WINE" "$winexe" query --source "$(winepath_of "$root/examples/demo")" --format csv "$demo_sql" 2>&1 | tr -d '\r') || true
	echo "$out" | sed 's/^/      | /'
	check "installed runkeyhunt.exe query on examples/demo finds Run\\Updater malicious" grep -qx 'Updater,malicious,registry' <<<"$out"
	check "product $pc1 registered" uninstall_key "$pc1"

	# A newer build of the same code: version bumped, everything else equal.
	IFS=. read -r ma mi pa <<<"$pv"
	pv2="$ma.$mi.$((pa + 1))"
	v2_out=$work/v2
	check "package.sh builds a newer version $pv2 for the upgrade" env DIST="$v2_out" VERSION="$d_version-upgrade" COMMIT="$d_commit" DATE="$d_date" PKG_VERSION="$pv2" "$here/package.sh"
	msi2=$v2_out/runkeyhunt-$pv2-x64.msi
	pc2=$(uuid5 "$RKH_UPGRADE_CODE" "runkeyhunt product $pv2 x64")
	check "msiexec /i $(basename "$msi2") /qn (upgrade)" "$WINE" msiexec /i "$(winepath_of "$msi2")" /qn
	check "upgraded in place: runkeyhunt.exe --version is $d_version-upgrade" bash -c '[ "$("$1" "$2" --version | tr -d "\r")" = "runkeyhunt $3 (commit $4, built $5)" ]' _ "$WINE" "$winexe" "$d_version-upgrade" "$d_commit" "$d_date"
	check "upgraded in place: the old product is gone, the new one registered" bash -c "$(declare -f uninstall_key); ! uninstall_key '$pc1' && uninstall_key '$pc2'"
	check "upgraded in place: one runkeyhunt entry in Add/Remove Programs" bash -c '[ "$("$1" reg query "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall" /s 2>/dev/null | tr -d "\r" | grep -c "DisplayName.*runkeyhunt osquery extension")" -eq 1 ]' _ "$WINE"
	if "$WINE" msiexec /i "$(winepath_of "$msi")" /qn >/dev/null 2>&1; then
		fail "downgrade to $pv over $pv2 is refused"
	else
		ok "downgrade to $pv over $pv2 is refused"
	fi
	check "after the refused downgrade $pv2 is still installed" bash -c '[ "$("$1" "$2" --version | tr -d "\r")" = "runkeyhunt $3 (commit $4, built $5)" ]' _ "$WINE" "$winexe" "$d_version-upgrade" "$d_commit" "$d_date"
	check "msiexec /x $(basename "$msi2") /qn" "$WINE" msiexec /x "$(winepath_of "$msi2")" /qn
	check "after uninstall: the exe, the .load, the .flags and the folders it created are gone" test ! -e "$pf"
	check "after uninstall: the product is unregistered" bash -c "$(declare -f uninstall_key); ! uninstall_key '$pc2'"
	"$WINESERVER" -k >/dev/null 2>&1 || true
	"$WINESERVER" -w >/dev/null 2>&1 || true
fi

# ---------------------------------------------------------------------------
section "Authenticode (throwaway CA, osslsigncode)"
if ! have openssl osslsigncode; then
	skip "signing: openssl or osslsigncode not found (apt-get install openssl osslsigncode)"
else
	pki=$work/pki
	mkdir -p "$pki"
	(
		cd "$pki"
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=runkeyhunt test CA" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
		openssl req -newkey rsa:2048 -nodes -keyout sign.key -out sign.csr -subj "/CN=runkeyhunt test signer"
		printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >ext.cnf
		openssl x509 -req -in sign.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out sign.pem -days 2 -extfile ext.cnf
		openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 -subj "/CN=unrelated CA"
	) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log"; fail "openssl: make the throwaway CA"; }
	signed=$work/signed
	RKH_SIGN_CERT=$pki/sign.pem RKH_SIGN_KEY=$pki/sign.key DIST=$signed \
		VERSION="$d_version" COMMIT="$d_commit" DATE="$d_date" PKG_VERSION="$pv" \
		RKH_LINUX_BIN="$linux_bin" RKH_WINDOWS_BIN="$exe" "$here/package.sh" >"$work/signed.log" 2>&1 || { cat "$work/signed.log"; fail "package.sh with a signing certificate"; }
	check "a signed build says it is signed" grep -q "^package: Authenticode-signed: runkeyhunt-$pv-windows-amd64.exe, runkeyhunt-$pv-x64.msi$" "$work/signed.log"
	check "a signed build does not say UNSIGNED" bash -c '! grep -q UNSIGNED "$1"' _ "$work/signed.log"
	check "osslsigncode verify -CAfile: the signed exe" osslsigncode verify -CAfile "$pki/ca.pem" -in "$signed/runkeyhunt-$pv-windows-amd64.exe"
	check "osslsigncode verify -CAfile: the signed msi" osslsigncode verify -CAfile "$pki/ca.pem" -in "$signed/runkeyhunt-$pv-x64.msi"
	if have msiextract; then
		mkdir -p "$work/smsix"
		(cd "$work/smsix" && msiextract "$signed/runkeyhunt-$pv-x64.msi" >/dev/null)
		check "osslsigncode verify -CAfile: the exe inside the signed msi" osslsigncode verify -CAfile "$pki/ca.pem" -in "$(find "$work/smsix" -name runkeyhunt.exe | head -1)"
	fi
	check "the signature names the signer" bash -c 'osslsigncode verify -CAfile "$1" -in "$2" 2>&1 | grep -q "runkeyhunt test signer"' _ "$pki/ca.pem" "$signed/runkeyhunt-$pv-windows-amd64.exe"
	check "verify fails against an unrelated CA" bash -c '! osslsigncode verify -CAfile "$1" -in "$2" >/dev/null 2>&1' _ "$pki/other.pem" "$signed/runkeyhunt-$pv-windows-amd64.exe"
	check "verify fails on the unsigned dist exe" bash -c '! osslsigncode verify -CAfile "$1" -in "$2" >/dev/null 2>&1' _ "$pki/ca.pem" "$exe"
	check "the Linux artifacts are identical signed or not" bash -c 'cmp "$1" "$2" && cmp "$3" "$4"' _ \
		"$signed/runkeyhunt_${pv}-1_amd64.deb" "$deb" "$signed/runkeyhunt-${pv}-1.x86_64.rpm" "$rpm_file"
fi

# ---------------------------------------------------------------------------
section "reproducible: a second build of the same commit gives the same bytes"
if [ "${RKH_SKIP_REPRO:-}" = 1 ]; then
	skip "reproducibility: RKH_SKIP_REPRO=1"
else
	# The tree as it is (tracked and untracked, not ignored), at another
	# path, built with an empty Go build cache in another time zone.
	copy=$work/elsewhere/src-copy
	mkdir -p "$copy"
	(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$copy"
	mkdir -p "$copy/packaging/.tools"
	cp "$(ensure_nfpm "$here")" "$copy/packaging/.tools/"
	start=$(date +%s)
	if (cd "$copy" && env -u RKH_LINUX_BIN -u RKH_WINDOWS_BIN GOCACHE="$work/gocache" TZ=Pacific/Kiritimati \
		DIST="$work/repro" VERSION="$d_version" COMMIT="$d_commit" DATE="$d_date" PKG_VERSION="$pv" \
		bash packaging/package.sh) >"$work/repro.log" 2>&1; then
		ok "second build in $copy with an empty GOCACHE ($(($(date +%s) - start)) s)"
		check "an unsigned build says UNSIGNED" grep -q "^package: UNSIGNED: " "$work/repro.log"
		check "same SHA256SUMS as $DIST (every artifact byte-identical)" diff "$DIST/SHA256SUMS" "$work/repro/SHA256SUMS"
	else
		cat "$work/repro.log"
		fail "second build in $copy"
	fi
fi

echo
echo "package-test: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
