#!/usr/bin/env bash
# Print runkeyhunt's version: derived here once, from git, and used by the
# binary (-X main.version: --version and the version osqueryd lists in
# osquery_extensions), by the deb, rpm and MSI (their X.Y.Z, lib.sh's
# pkg_version) and by the release file names.
#   on a tag vX.Y.Z                 X.Y.Z
#   N commits after it              X.Y.Z-N-gHASH
#   no such tag in the history      0.0.N (N = commits; it grows along a branch)
#   uncommitted changes             ...-dirty
#   not a git checkout              0.0.0-dev
# Usage: packaging/version.sh [DIR]   (DIR defaults to the repository)
set -euo pipefail
dir=${1:-$(cd "$(dirname "$0")/.." && pwd)}
g() { git -C "$dir" "$@" 2>/dev/null; }
if ! g rev-parse --verify -q HEAD >/dev/null; then
	echo 0.0.0-dev
	exit 0
fi
dirty=
if [ -n "$(g status --porcelain --untracked-files=no)" ]; then
	dirty=-dirty
fi
if v=$(g describe --tags --match 'v[0-9]*.[0-9]*.[0-9]*' --abbrev=7 HEAD); then
	echo "${v#v}$dirty"
else
	echo "0.0.$(g rev-list --count HEAD)$dirty"
fi
