#!/bin/sh
# Fetches two consecutive releases of the Google APIs protos, as shipped in
# the npm package google-proto-files, into testdata/external/ for the
# compat/proto benchmark (BenchmarkGoogleAPIs). The folder is gitignored.
#
# Usage: scripts/fetch-proto-bench.sh [OLD_VERSION NEW_VERSION]
set -eu

old=${1:-5.0.2}
new=${2:-5.0.3}
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/testdata/external/google-proto-files

fetch() {
	version=$1
	out=$dest/$version
	if [ -d "$out/google" ]; then
		echo "google-proto-files@$version already in $out"
		return
	fi
	tmp=$(mktemp -d)
	(cd "$tmp" && npm pack --silent "google-proto-files@$version" >/dev/null)
	mkdir -p "$out"
	tar -xzf "$tmp"/google-proto-files-"$version".tgz -C "$out" --strip-components=1 package/google package/grafeas
	rm -rf "$tmp"
	echo "google-proto-files@$version -> $out"
}

fetch "$old"
fetch "$new"
