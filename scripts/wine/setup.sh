#!/usr/bin/env bash
# Prepare a fresh Wine prefix that runs Go Windows binaries headless:
# installs Debian's wine64 and the MinGW-w64 compiler when missing, builds
# the bcryptprimitives.dll shim (ProcessPrng, which Go's runtime needs and
# Wine 8 lacks) and initialises the prefix. Prints the prefix path last.
# Only wine64 is needed: no i386 architecture (dpkg --add-architecture).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing=()
[ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null 2>&1 || missing+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing+=(gcc-mingw-w64-x86-64)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup.sh: need ${missing[*]}: run as root or apt-get install them" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A fresh prefix every time: registry state from an earlier run must not
# leak into the tests.
export RKH_WINE_STATE="${RKH_WINE_STATE:-$(mktemp -d "${TMPDIR:-/tmp}/runkeyhunt-wine.XXXXXX")}"
# shellcheck source=env.sh
. "$here/env.sh"
rm -rf "$WINEPREFIX"
mkdir -p "$RKH_WINE_STATE"

shim="$RKH_WINE_STATE/bcryptprimitives.dll"
x86_64-w64-mingw32-gcc -shared -O2 -s -o "$shim" \
	"$here/bcryptprimitives.c" "$here/bcryptprimitives.def" -ladvapi32

"$WINE" wineboot -i >/dev/null 2>&1
"$WINESERVER" -w
cp "$shim" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
echo "RKH_WINE_STATE=$RKH_WINE_STATE"
