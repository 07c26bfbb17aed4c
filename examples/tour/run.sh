#!/usr/bin/env bash
# The five-minute tour in one command (`make tour`): two services on the
# embedded registry, a breaking change refused, the fix allowed. It uses the
# default embedded registry location, under a throwaway data folder so your
# own registry is left alone. Each step prints the command, its output and
# its exit status; the script fails if any answer differs from the tour's.
set -u
cd "$(dirname "$0")/../.."
bin=${CONTRACTS_BIN:-bin/contracts}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
export XDG_DATA_HOME=$data
unset CONTRACTS_REGISTRY

failed=0
step() { # step WANT_STATUS args...
	want=$1
	shift
	printf '\n$ contracts %s\n' "$*"
	"$bin" "$@"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "!! exit status $got, the tour expects $want" >&2
		failed=1
	else
		echo "(exit status $got)"
	fi
}

echo "== production exists; orders 1.0.0 and shipping 1.0.0 go live there"
step 0 environment create production
step 0 publish examples/tour/orders/v1 --version 1.0.0
step 0 record-deployment --service orders --version 1.0.0 --env production
step 0 publish examples/tour/shipping --version 1.0.0
step 0 record-deployment --service shipping --version 1.0.0 --env production
step 0 who-uses orders-api --env production

echo
echo "== the orders team turns address into an object: refused, shipping reads it"
step 1 verify examples/tour/orders/v2-breaking --against production
step 0 publish examples/tour/orders/v2-breaking --version 2.0.0
step 1 can-i-deploy --service orders --version 2.0.0 --to production

echo
echo "== done safely (a new field beside the old one): allowed and deployed"
step 0 publish examples/tour/orders/v2-fixed --version 1.1.0
step 0 can-i-deploy --service orders --version 1.1.0 --to production
step 0 record-deployment --service orders --version 1.1.0 --env production
step 0 graph --env production --format mermaid

if [ "$failed" != 0 ]; then
	echo "tour: some answers differ from the tour's" >&2
	exit 1
fi
echo
echo "tour: every answer as expected (the registry was $data/contracts/registry.db)"
