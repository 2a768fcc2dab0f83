# Sourced by package.sh and test.sh: version derivation, UUIDv5, nfpm.
# shellcheck shell=bash

# The MSI UpgradeCode (also in windows/runkeyhunt.wxs): the namespace of
# the derived ProductCode and PackageCode. Never change it.
RKH_UPGRADE_CODE=5D6810C1-6B08-41BA-B22C-9AF8154937F5
# nfpm CLI pinned here; installed into packaging/.tools by ensure_nfpm.
RKH_NFPM_VERSION=v2.45.2

# pkg_version VERSION COMMIT_COUNT: the numeric X.Y.Z that deb, rpm and the
# MSI carry: the X.Y.Z that VERSION (version.sh: 1.2.3, 1.2.3-4-gabc,
# 0.0.38-dirty) starts with, so the packages name the version the binary
# and osquery_extensions report. A VERSION given by hand that has none
# (dev) gives 0.0.COMMIT_COUNT. MSI limits: X, Y <= 255, Z <= 65535.
pkg_version() {
	local v=${1#v} count=${2:-0}
	if [[ $v =~ ^([0-9]+)\.([0-9]+)\.([0-9]+) ]]; then
		v="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
	else
		v="0.0.$count"
	fi
	local major minor patch
	IFS=. read -r major minor patch <<<"$v"
	if ((10#$major > 255 || 10#$minor > 255 || 10#$patch > 65535)); then
		echo "pkg_version: $v is out of the MSI range (255.255.65535)" >&2
		return 1
	fi
	echo "$((10#$major)).$((10#$minor)).$((10#$patch))"
}

# uuid5 NAMESPACE NAME: RFC 4122 name-based (SHA-1) UUID, upper case.
uuid5() {
	local ns=${1//-/} name=$2 esc h
	ns=${ns,,}
	esc=$(sed 's/../\\x&/g' <<<"$ns")
	h=$({
		printf '%b' "$esc"
		printf '%s' "$name"
	} | sha1sum | cut -c1-32)
	local ver=5 var
	var=$(printf '%x' $(((16#${h:16:1} & 3) | 8)))
	h="${h:0:12}${ver}${h:13:3}${var}${h:17:15}"
	h=${h^^}
	echo "${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}"
}

# ensure_nfpm: print the path of an nfpm CLI of the pinned version,
# installing it into packaging/.tools (gitignored) when missing.
ensure_nfpm() {
	local tools=$1/.tools
	local bin=$tools/nfpm-$RKH_NFPM_VERSION
	if [ ! -x "$bin" ]; then
		mkdir -p "$tools/bin"
		echo "package: installing nfpm $RKH_NFPM_VERSION into $tools" >&2
		GOBIN="$tools/bin" CGO_ENABLED=0 go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$RKH_NFPM_VERSION" >&2 ||
			{ echo "package: go install nfpm@$RKH_NFPM_VERSION failed" >&2; return 1; }
		mv "$tools/bin/nfpm" "$bin"
	fi
	echo "$bin"
}
