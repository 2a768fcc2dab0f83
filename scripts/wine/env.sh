# Sourced by setup.sh and test.sh: where the Wine prefix lives and how to
# call Wine. Debian's wine64 package installs /usr/lib/wine/wine64 without
# the /usr/bin/wine wrapper (that comes with the `wine` package, which also
# wants the i386 wine32), so the binary is called directly.
: "${RKH_WINE_STATE:=${TMPDIR:-/tmp}/runkeyhunt-wine}"
export WINEPREFIX="${WINEPREFIX:-$RKH_WINE_STATE/prefix}"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEARCH=win64
# No Mono/Gecko download prompts, no desktop integration during wineboot.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree=;mshtml=;winemenubuilder.exe=}"
if command -v wine64 >/dev/null 2>&1; then
	WINE=$(command -v wine64)
elif [ -x /usr/lib/wine/wine64 ]; then
	WINE=/usr/lib/wine/wine64
elif command -v wine >/dev/null 2>&1; then
	WINE=$(command -v wine)
else
	WINE=
fi
if command -v wineserver >/dev/null 2>&1; then
	WINESERVER=$(command -v wineserver)
else
	WINESERVER=/usr/lib/wine/wineserver64
fi
export WINE WINESERVER
