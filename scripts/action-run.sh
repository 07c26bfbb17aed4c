#!/usr/bin/env bash
# The run step of the contracts GitHub Action (action.yml). It reads the
# action's inputs from INPUT_* variables, runs one contracts command once,
# with --output json into the report file, and reports from that one run the
# way a developer reads a workflow run:
#
#   - for verify, can-i-deploy and diff, `contracts report` renders the saved
#     report as --output github would: text in the log whose ::error
#     file=…,line=… workflow commands become annotations on the document's
#     lines (paths rewritten relative to the workspace, as the runner wants),
#     and the markdown report, with its one "What to do", appended to
#     $GITHUB_STEP_SUMMARY;
#   - when the command gives no answer (exit 2 or 3), its error as one
#     annotation and in the summary;
#   - the step outputs deployable, exit-code and report (the path of the JSON
#     report).
#
# A Go test (internal/e2e) runs this script as the runner would.
set -uo pipefail

workspace="${GITHUB_WORKSPACE:-$PWD}"
command="${INPUT_COMMAND:-}"
service="${INPUT_SERVICE:-}"
version="${INPUT_VERSION:-}"
environment="${INPUT_ENVIRONMENT:-}"
workdir="${INPUT_WORKING_DIRECTORY:-.}"
fail_on_refusal="${INPUT_FAIL_ON_REFUSAL:-true}"
# Extra arguments, split on whitespace (no quoting: the inputs are plain
# strings and eval would let an input run code).
read -r -a extra <<<"${INPUT_ARGS:-}"

output() { echo "$1=$2" >>"${GITHUB_OUTPUT:-/dev/null}"; }
summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat >>"$GITHUB_STEP_SUMMARY"; else cat >/dev/null; fi; }

# usage_error ends the step with exit status 2, as the CLI does for bad input.
usage_error() {
	echo "::error title=contracts action::$1"
	output deployable false
	output exit-code 2
	exit 2
}

bin="contracts"
if [ -n "${CONTRACTS_BIN_DIR:-}" ] && [ -x "$CONTRACTS_BIN_DIR/contracts" ]; then
	bin="$CONTRACTS_BIN_DIR/contracts"
elif ! command -v contracts >/dev/null; then
	usage_error "no contracts binary: the build step did not run and contracts is not on PATH"
fi

case "$workdir" in
/*) ;;
*) workdir="$workspace/$workdir" ;;
esac
cd "$workdir" || usage_error "working-directory ${INPUT_WORKING_DIRECTORY:-.} does not exist in the workspace"

if [ -n "${INPUT_REGISTRY:-}" ]; then
	export CONTRACTS_REGISTRY="$INPUT_REGISTRY"
fi
if [ -n "${INPUT_TOKEN:-}" ]; then
	echo "::add-mask::$INPUT_TOKEN"
	export CONTRACTS_TOKEN="$INPUT_TOKEN"
fi
if [ -z "$version" ]; then
	version="${GITHUB_SHA:-}"
fi

# Every command but diff needs a registry. Without one the CLI would use an
# embedded registry on the runner, which an ephemeral runner starts empty:
# every pull request would pass. Refuse instead, saying what to set.
if [ "$command" != diff ] && [ -z "${CONTRACTS_REGISTRY:-}" ]; then
	usage_error "contracts $command needs a registry, and none is set: give the action's registry input (e.g. registry: \${{ secrets.CONTRACTS_REGISTRY }} or https://contracts.example.com), or set CONTRACTS_REGISTRY in the job's env. If it comes from a secret, check that the secret exists in this repository (secrets are empty on pull requests from forks)."
fi

# The service named by the manifest, when the input leaves it out.
manifest_service() {
	[ -f contracts.yaml ] || return 0
	sed -n "s/^service:[[:space:]]*[\"']\{0,1\}\([a-z0-9][a-z0-9-]*\).*/\1/p" contracts.yaml | head -n1
}
if [ -z "$service" ]; then
	service=$(manifest_service)
fi

need() {
	local value="$1" name="$2"
	[ -n "$value" ] || usage_error "contracts $command needs the $name input"
}

# gate: the command answers yes or no and explains a no with findings at
# document lines, rendered from its report; the others change the registry
# and their JSON is the report.
gate=true
case "$command" in
verify)
	need "$environment" environment
	args=(verify . --against "$environment")
	;;
can-i-deploy)
	need "$service" service
	need "$version" version
	need "$environment" environment
	args=(can-i-deploy --service "$service" --version "$version" --to "$environment")
	;;
diff)
	[ ${#extra[@]} -ge 2 ] || usage_error "contracts diff needs OLD and NEW in the args input"
	args=(diff)
	;;
publish)
	need "$version" version
	gate=false
	args=(publish . --version "$version")
	branch="${GITHUB_HEAD_REF:-${GITHUB_REF_NAME:-}}"
	[ -n "$branch" ] && args+=(--branch "$branch")
	[ -n "${GITHUB_SHA:-}" ] && args+=(--commit "$GITHUB_SHA")
	;;
record-deployment)
	need "$service" service
	need "$version" version
	need "$environment" environment
	gate=false
	args=(record-deployment --service "$service" --version "$version" --env "$environment")
	;;
"")
	usage_error "the command input is required: verify, can-i-deploy, publish, record-deployment or diff"
	;;
*)
	usage_error "unknown command '$command': use verify, can-i-deploy, publish, record-deployment or diff"
	;;
esac
args+=("${extra[@]}")

report_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
# (BSD mktemp, on macOS runners, wants the X's last.)
report=$(mktemp "$report_dir/contracts-$command-XXXXXX")
mv "$report" "$report.json"
report="$report.json"

# relative_to_workspace turns a path the CLI printed (relative to the
# working directory or to the service folder, or absolute) into the path
# from the workspace root that annotations need.
relative_to_workspace() {
	local f="$1" p=""
	case "$f" in
	/*) p="$f" ;;
	*) p="$PWD/$f" ;;
	esac
	# GNU realpath normalises ..; elsewhere (macOS runners) strip the prefix.
	if realpath -m --relative-to="$workspace" "$p" 2>/dev/null; then
		return
	fi
	p="${p//\/.\//\/}"
	case "$p" in
	"$workspace"/*) echo "${p#"$workspace"/}" ;;
	*) echo "$f" ;;
	esac
}

# print_with_annotations copies the github-format output to the log,
# rewriting the file= property of workflow commands.
annotation='^(::(error|warning|notice) ([^:]*,)?file=)([^,:]*)(.*)$'
print_with_annotations() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line =~ $annotation ]]; then
			line="${BASH_REMATCH[1]}$(relative_to_workspace "${BASH_REMATCH[4]}")${BASH_REMATCH[5]}"
		fi
		printf '%s\n' "$line"
	done
}

# gh_data and gh_prop escape a workflow command's message and property
# values as the runner expects.
gh_data() {
	local s="$1"
	s="${s//"%"/%25}"
	s="${s//$'\r'/%0D}"
	s="${s//$'\n'/%0A}"
	printf '%s' "$s"
}
gh_prop() {
	local s
	s=$(gh_data "$1")
	s="${s//:/%3A}"
	s="${s//,/%2C}"
	printf '%s' "$s"
}

# One run of the command, with --output json: the registry is asked once,
# and whatever the command says on stderr is said once.
echo "contracts ${args[*]}" >&2
errors=$(mktemp)
"$bin" "${args[@]}" --output json >"$report" 2>"$errors"
status=$?

output report "$report"
output exit-code "$status"

case "$status" in
0 | 1)
	cat "$errors" >&2
	rm -f "$errors"
	if $gate; then
		# Annotations, the log's text and the job summary, rendered from the
		# saved report by the renderers the command itself uses.
		"$bin" report --command "$command" --from "$report" --output github | print_with_annotations
		render=${PIPESTATUS[0]}
		if [ "$render" != 0 ]; then
			echo "::warning title=contracts action::could not render the report $report (contracts report exited $render); the outputs still hold the answer"
		fi
	else
		cat "$report"
		if [ "$status" = 0 ]; then
			printf '### contracts %s\n\n`%s` %s: done.\n\n' "$command" "${service:-$(manifest_service)}" "$version" | summary
		fi
	fi
	;;
*)
	# No answer: the error becomes the annotation (so the log shows it once)
	# and goes in the summary.
	what="bad input or usage"
	[ "$status" = 3 ] && what="the registry is unreachable or failed"
	message=$(cat "$errors")
	rm -f "$errors"
	[ -n "$message" ] || message="contracts exited with status $status: $what"
	echo "::error title=$(gh_prop "contracts $command failed (exit $status)")::$(gh_data "$message")"
	output deployable false
	{
		printf '### contracts %s failed\n\nExit status %s: %s.\n\n```\n%s\n```\n\n' "$command" "$status" "$what" "$message"
	} | summary
	exit "$status"
	;;
esac

if [ "$status" = 0 ]; then
	output deployable true
	exit 0
fi
output deployable false

# The answer is no. The gate's report already says what to do about each
# refusal (in the log and in the summary); diff's report lists changes only,
# so for diff the advice is added here.
case "$command" in
diff)
	hint="The new version breaks clients of the old one: keep the old form alongside the new one, or release it as a new major version (contracts diff --suggest-version CURRENT prints it)."
	summary <<'MD'
#### What to do

- Keep what clients of the old version use (add the new form beside the old one), or
- release the change as a new **major** version: `contracts diff --suggest-version CURRENT OLD NEW` prints it.

MD
	;;
*)
	hint="Deploy refused: a live consumer would break. What to do about each refusal is in the job summary and the log above: deploy the provider first, keep the old form until consumers move (or bump the major version), or record a deliberate break with contracts approve."
	;;
esac
echo "::error title=contracts $command: no::$hint"
if [ "$fail_on_refusal" = "false" ]; then
	exit 0
fi
exit 1
