#!/usr/bin/env bash
# Build every release artifact into DIST (default dist/) with SHA256SUMS:
#   runkeyhunt-X.Y.Z-linux-amd64            the Linux binary (offline tool, fleet reporter, .ext)
#   runkeyhunt-X.Y.Z-windows-amd64.exe      the Windows binary (for fleetd/TUF, as runkeyhunt.ext.exe)
#   runkeyhunt_X.Y.Z-1_amd64.deb            /usr/bin/runkeyhunt, the .ext, /etc/osquery/runkeyhunt.{load,flags}
#   runkeyhunt-X.Y.Z-1.x86_64.rpm           the same
#   runkeyhunt-X.Y.Z-x64.msi                C:\Program Files\osquery\extensions\runkeyhunt.exe (+ -LICENSE.txt, -NOTICE.txt), runkeyhunt.{load,flags}
#
# Environment (all optional):
#   VERSION COMMIT DATE   stamped into the binaries (default: from git, as the Makefile;
#                         VERSION from version.sh)
#   PKG_VERSION           numeric package version (default: derived from VERSION, see lib.sh)
#   SOURCE_DATE_EPOCH     file times in the packages (default: DATE, else the commit's time)
#   RKH_LINUX_BIN RKH_WINDOWS_BIN   prebuilt binaries (built with the same VERSION COMMIT DATE);
#                         without them the binaries are built with `make build windows`
#   DIST                  output directory (emptied first)
#   Authenticode signing of the .exe and the .msi (osslsigncode), either
#     RKH_SIGN_CERT + RKH_SIGN_KEY       PEM certificate (chain) and key files, or
#     RKH_SIGN_PKCS12 [+ RKH_SIGN_PASSWORD_FILE]
#   and optionally RKH_SIGN_TIMESTAMP_URL (RFC 3161). Without them the build
#   is unsigned and says so.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
# shellcheck source=lib.sh
. "$here/lib.sh"

die() {
	echo "package: $*" >&2
	exit 1
}
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || die "needs $t (apt-get install $(pkg_of "$t"))"
	done
}
pkg_of() {
	case $1 in
	wixl | msibuild | msiinfo) echo wixl msitools ;;
	faketime) echo faketime ;;
	osslsigncode) echo osslsigncode ;;
	*) echo "$1" ;;
	esac
}

gitv() { git -C "$root" "$@" 2>/dev/null; }
: "${VERSION:=$("$here/version.sh" "$root")}"
: "${COMMIT:=$(gitv rev-parse --short HEAD || echo unknown)}"
: "${DATE:=$(gitv log -1 --format=%cI || echo unknown)}"
# File times: the build date stamped into the binary (the commit's time for
# `make package`), so a rebuild with the same DATE gives the same bytes.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(date -d "$DATE" +%s 2>/dev/null || gitv log -1 --format=%ct || true)
fi
[ -n "$SOURCE_DATE_EPOCH" ] || die "SOURCE_DATE_EPOCH is unset and there is no git commit to take it from"
[[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH is not a unix time"
: "${PKG_VERSION:=$(pkg_version "$VERSION" "$(gitv rev-list --count HEAD || echo 0)")}"
export VERSION COMMIT DATE SOURCE_DATE_EPOCH PKG_VERSION
DIST=${DIST:-$root/dist}

need go wixl msibuild faketime sha256sum
nfpm=$(ensure_nfpm "$here")

work=$(mktemp -d "${TMPDIR:-/tmp}/runkeyhunt-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "package: runkeyhunt $VERSION (commit $COMMIT, built $DATE) as package version $PKG_VERSION"

# 1. Binaries: the Makefile's build flags are the only ones. No VCS stamp
# (-buildvcs): it would differ between a clone and an exported tree of the
# same commit; the commit is in the -X stamp already.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
linux_bin=${RKH_LINUX_BIN:-}
windows_bin=${RKH_WINDOWS_BIN:-}
if [ -z "$linux_bin" ] || [ -z "$windows_bin" ]; then
	make -s -C "$root" build windows BIN="$work/build/runkeyhunt" \
		VERSION="$VERSION" COMMIT="$COMMIT" DATE="$DATE" >/dev/null ||
		die "make build windows failed"
	linux_bin=$work/build/runkeyhunt
	windows_bin=$work/build/runkeyhunt.exe
fi
[ -f "$linux_bin" ] || die "Linux binary $linux_bin not found"
[ -f "$windows_bin" ] || die "Windows binary $windows_bin not found"
want="runkeyhunt $VERSION (commit $COMMIT, built $DATE)"
got=$("$linux_bin" --version) || die "$linux_bin --version failed"
[ "$got" = "$want" ] || die "$linux_bin --version says '$got', want '$want' (stale bin/? run make build)"

stage=$work/stage
mkdir -p "$stage" "$work/msi"
install -m 0755 "$linux_bin" "$stage/runkeyhunt"
install -m 0755 "$windows_bin" "$work/msi/runkeyhunt.exe"

# 2. Authenticode.
sign_args=()
if [ -n "${RKH_SIGN_PKCS12:-}" ]; then
	[ -f "$RKH_SIGN_PKCS12" ] || die "RKH_SIGN_PKCS12=$RKH_SIGN_PKCS12 not found"
	sign_args=(-pkcs12 "$RKH_SIGN_PKCS12")
	if [ -n "${RKH_SIGN_PASSWORD_FILE:-}" ]; then
		sign_args+=(-readpass "$RKH_SIGN_PASSWORD_FILE")
	fi
elif [ -n "${RKH_SIGN_CERT:-}" ] || [ -n "${RKH_SIGN_KEY:-}" ]; then
	[ -f "${RKH_SIGN_CERT:-}" ] || die "RKH_SIGN_CERT=${RKH_SIGN_CERT:-} not found (set both RKH_SIGN_CERT and RKH_SIGN_KEY)"
	[ -f "${RKH_SIGN_KEY:-}" ] || die "RKH_SIGN_KEY=${RKH_SIGN_KEY:-} not found (set both RKH_SIGN_CERT and RKH_SIGN_KEY)"
	sign_args=(-certs "$RKH_SIGN_CERT" -key "$RKH_SIGN_KEY")
fi
if [ ${#sign_args[@]} -gt 0 ]; then
	need osslsigncode
	sign_args+=(-h sha256 -n "runkeyhunt" -i "https://github.com/runkeyhunt/runkeyhunt")
	if [ -n "${RKH_SIGN_TIMESTAMP_URL:-}" ]; then
		sign_args+=(-ts "$RKH_SIGN_TIMESTAMP_URL")
	else
		# No timestamp authority: a fixed signing time keeps the bytes reproducible.
		sign_args+=(-time "$SOURCE_DATE_EPOCH")
	fi
fi
sign() { # sign IN OUT
	osslsigncode sign "${sign_args[@]}" -in "$1" -out "$2" >"$work/sign.log" 2>&1 ||
		{ cat "$work/sign.log" >&2; die "osslsigncode sign $1 failed"; }
	echo "package: signed $(basename "$2")"
}
if [ ${#sign_args[@]} -gt 0 ]; then
	sign "$work/msi/runkeyhunt.exe" "$work/msi/runkeyhunt.signed.exe"
	mv "$work/msi/runkeyhunt.signed.exe" "$work/msi/runkeyhunt.exe"
fi

# 3. MSI. wixl reads its sources from the current directory; file times
# (in the cabinet) and the summary-information times come from
# SOURCE_DATE_EPOCH, the package code from the contents.
cp "$here/windows/runkeyhunt.load" "$here/windows/runkeyhunt.flags" "$work/msi/"
cp "$root/LICENSE" "$work/msi/runkeyhunt-LICENSE.txt"
cp "$root/NOTICE" "$work/msi/runkeyhunt-NOTICE.txt"
touch -d "@$SOURCE_DATE_EPOCH" "$work/msi/"* "$stage/runkeyhunt"
product_code=$(uuid5 "$RKH_UPGRADE_CODE" "runkeyhunt product $PKG_VERSION x64")
contents=$(cd "$work/msi" && cat runkeyhunt.exe runkeyhunt.load runkeyhunt.flags runkeyhunt-LICENSE.txt runkeyhunt-NOTICE.txt "$here/windows/runkeyhunt.wxs" | sha256sum | cut -c1-64)
package_code=$(uuid5 "$RKH_UPGRADE_CODE" "runkeyhunt package $PKG_VERSION $contents")
# faketime -f with an absolute time freezes the clock (without -f it ticks
# on from there, and a build that crosses a second differs).
fake_now=$(TZ=UTC date -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')
msi_name="runkeyhunt-$PKG_VERSION-x64.msi"
(
	cd "$work/msi"
	TZ=UTC faketime -f "$fake_now" wixl -a x64 -D Version="$PKG_VERSION" -D ProductCode="$product_code" \
		-o "$work/$msi_name" "$here/windows/runkeyhunt.wxs" 2>"$work/wixl.log" ||
		{ cat "$work/wixl.log" >&2; exit 1; }
	# wixl writes a random package code; set ours (title, author, template, code).
	TZ=UTC faketime -f "$fake_now" msibuild "$work/$msi_name" -s "runkeyhunt osquery extension $PKG_VERSION" \
		runkeyhunt "x64;1033" "{$package_code}"
) || die "wixl/msibuild failed for $msi_name"
if [ ${#sign_args[@]} -gt 0 ]; then
	sign "$work/$msi_name" "$work/signed.msi"
	mv "$work/signed.msi" "$work/$msi_name"
fi

# 4. deb and rpm.
rm -rf "$DIST"
mkdir -p "$DIST"
deb_name="runkeyhunt_${PKG_VERSION}-1_amd64.deb"
rpm_name="runkeyhunt-${PKG_VERSION}-1.x86_64.rpm"
RKH_STAGE=$stage "$nfpm" package --config "$here/linux/nfpm.yaml" --packager deb --target "$DIST/$deb_name" >"$work/nfpm.log" 2>&1 ||
	{ cat "$work/nfpm.log" >&2; die "nfpm deb failed"; }
RKH_STAGE=$stage "$nfpm" package --config "$here/linux/nfpm.yaml" --packager rpm --target "$DIST/$rpm_name" >"$work/nfpm.log" 2>&1 ||
	{ cat "$work/nfpm.log" >&2; die "nfpm rpm failed"; }

# 5. The rest, and the checksums.
cp "$work/$msi_name" "$DIST/"
install -m 0755 "$stage/runkeyhunt" "$DIST/runkeyhunt-$PKG_VERSION-linux-amd64"
install -m 0755 "$work/msi/runkeyhunt.exe" "$DIST/runkeyhunt-$PKG_VERSION-windows-amd64.exe"
(cd "$DIST" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)

if [ ${#sign_args[@]} -gt 0 ]; then
	echo "package: Authenticode-signed: runkeyhunt-$PKG_VERSION-windows-amd64.exe, $msi_name"
else
	echo "package: UNSIGNED: runkeyhunt-$PKG_VERSION-windows-amd64.exe and $msi_name carry no Authenticode signature (set RKH_SIGN_CERT and RKH_SIGN_KEY, or RKH_SIGN_PKCS12, to sign)"
fi
echo "package: $DIST:"
(cd "$DIST" && ls -l --time-style=+ | awk 'NR > 1 {printf "  %10d  %s\n", $5, $NF}')
