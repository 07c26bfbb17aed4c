#!/bin/sh
# Make a fresh Debian (or Ubuntu) machine able to run the PostgreSQL half of
# the registry store tests for real: registry/postgres/pgtest starts a
# throwaway cluster from the server binaries (initdb, pg_ctl) and, as root,
# runs it as the unprivileged postgres user through runuser. This installs
# those binaries and that user when they are missing, and does nothing when
# they are there. CI then sets CONTRACTS_REQUIRE_POSTGRES=1 so the tests
# fail instead of skipping if the server still cannot start.
set -eu

have_server() {
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "ci-postgres: PostgreSQL server binaries in $d"
			return 0
		fi
	done
	return 1
}

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "ci-postgres: need root (or sudo) to install PostgreSQL" >&2
		exit 1
	fi
}

if ! have_server; then
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq
	# Debian 12 ships 15 as postgresql-15; elsewhere take the distribution's
	# default major version (pgtest uses the newest it finds).
	if ! as_root apt-get install -y -qq --no-install-recommends postgresql-15; then
		as_root apt-get install -y -qq --no-install-recommends postgresql
	fi
	have_server || {
		echo "ci-postgres: installed PostgreSQL but found no initdb/pg_ctl under /usr/lib/postgresql/*/bin" >&2
		exit 1
	}
fi

# The server refuses to run as root: the tests switch to the postgres user
# (which the package creates) with runuser (util-linux).
if [ "$(id -u)" = 0 ]; then
	if ! id postgres >/dev/null 2>&1; then
		as_root useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
	fi
	if ! command -v runuser >/dev/null 2>&1; then
		as_root apt-get install -y -qq --no-install-recommends util-linux
	fi
fi
echo "ci-postgres: ready"
