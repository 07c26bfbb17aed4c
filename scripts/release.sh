#!/usr/bin/env bash
# Builds contracts release binaries (`make release`):
#
#   release.sh DIR VERSION GOOS/GOARCH...
#
# one static binary per target (CGO_ENABLED=0: the SQLite driver is pure Go,
# so nothing links against the build machine's libc), named
# contracts-GOOS-GOARCH (.exe on Windows), with VERSION stamped into
# main.version (`contracts --version` prints it), and DIR/SHA256SUMS in the
# format `sha256sum -c` and `shasum -a 256 -c` read. Earlier binaries in DIR
# are removed first, so SHA256SUMS lists exactly what DIR holds.
#
# Built with -trimpath (no paths of the build machine in the binary) and -w
# (no DWARF). The symbol table stays (-s is not given): it costs about 3 MB
# and lets scripts/release-check.go read the stamped version back out of a
# binary built for another platform, which cannot be run here.
set -euo pipefail

dir="${1:?usage: release.sh DIR VERSION GOOS/GOARCH...}"
version="${2:?usage: release.sh DIR VERSION GOOS/GOARCH...}"
shift 2
[ $# -gt 0 ] || { echo "release.sh: no targets given" >&2; exit 2; }
go="${GO:-go}"

mkdir -p "$dir"
rm -f "$dir"/contracts-* "$dir/SHA256SUMS"
names=()
for target in "$@"; do
	os="${target%/*}"
	arch="${target#*/}"
	if [ -z "$os" ] || [ -z "$arch" ] || [ "$os/$arch" != "$target" ]; then
		echo "release.sh: target $target is not GOOS/GOARCH" >&2
		exit 2
	fi
	name="contracts-$os-$arch"
	[ "$os" = windows ] && name="$name.exe"
	echo "building $name ($version)"
	CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" "$go" build -trimpath \
		-ldflags "-w -X main.version=$version" -o "$dir/$name" ./cmd/contracts
	names+=("$name")
done

# sha256sum on Linux, shasum on macOS; both write "HASH  NAME".
if command -v sha256sum >/dev/null; then
	sum=(sha256sum)
else
	sum=(shasum -a 256)
fi
(cd "$dir" && "${sum[@]}" "${names[@]}" >SHA256SUMS)
echo "wrote $dir/SHA256SUMS"
