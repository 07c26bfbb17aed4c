#!/bin/sh
# Fetch the large real-world OpenAPI pair the compat/openapi benchmarks use:
# GitHub's REST description (api.github.com.json, about 12 MB) from two
# consecutive releases of the npm package @octokit/openapi. The files go to
# testdata/external/octokit/{old,new}/, which git ignores.
set -eu

cd "$(dirname "$0")/.."
dest=testdata/external/octokit
old_version=${OCTOKIT_OLD:-22.0.0}
new_version=${OCTOKIT_NEW:-23.0.0}

fetch() { # version side
	dir="$dest/$2"
	if [ -f "$dir/api.github.com.json" ]; then
		echo "$dir/api.github.com.json already there"
		return
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent "@octokit/openapi@$1" >/dev/null)
	tar -xzf "$tmp"/octokit-openapi-"$1".tgz -C "$tmp"
	mkdir -p "$dir"
	cp "$tmp/package/generated/api.github.com.json" "$dir/api.github.com.json"
	rm -rf "$tmp"
	trap - EXIT
	echo "fetched @octokit/openapi@$1 into $dir"
}

fetch "$old_version" old
fetch "$new_version" new
