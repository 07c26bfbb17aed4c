#!/usr/bin/env bash
# Builds contracts for the GitHub Action (action.yml) from the action's own
# source, so a workflow runs exactly the code at the ref it pinned.
#
#   action-build.sh key     print the cache key (a hash of the Go source) and
#                           the binary folder as step outputs
#   action-build.sh build   go build into that folder
#
# actions/cache cannot hash files outside the workspace (hashFiles), and the
# action's source lives outside it, hence the key step.
set -euo pipefail

src="${ACTION_PATH:?set ACTION_PATH to the folder of action.yml}"
bin_dir="${CONTRACTS_BIN_DIR:-${RUNNER_TEMP:-/tmp}/contracts-action-bin}"

output() { echo "$1=$2" >>"${GITHUB_OUTPUT:-/dev/stdout}"; }

case "${1:-}" in
key)
	# Everything that can end up in the binary (Go source, go.sum, embedded
	# files); not the docs, examples, test data or release binaries.
	hash=$(cd "$src" && find . \( -path ./.git -o -path ./bin -o -path ./dist -o -path ./docs -o -path ./examples -o -path ./testdata \) -prune -o \
		-type f ! -name '*.md' ! -name '*_test.go' -print0 |
		LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32)
	output key "contracts-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-$hash"
	output bin-dir "$bin_dir"
	;;
build)
	mkdir -p "$bin_dir"
	ref="${GITHUB_ACTION_REF:-}"
	version=$(cd "$src" && git describe --always --dirty 2>/dev/null || echo "${ref:-dev}")
	(cd "$src" && go build -ldflags "-X main.version=$version" -o "$bin_dir/contracts" ./cmd/contracts)
	"$bin_dir/contracts" --version
	;;
*)
	echo "usage: action-build.sh key|build" >&2
	exit 2
	;;
esac
