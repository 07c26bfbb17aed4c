package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestActionDiff runs the action's diff command twice in one workspace: the
// first use builds contracts from the action's source and saves it in the
// cache, the second restores it instead of building. A breaking change is a
// "no" with an annotation at the document's line; an unchanged document a
// "yes".
func TestActionDiff(t *testing.T) {
	ws := t.TempDir()
	copyTree(t, filepath.Join(repoRoot, "testdata", "examples"), filepath.Join(ws, "api"))
	r := newRunner(t, ws)
	r.cache = t.TempDir() // this test owns its cache: it checks the miss

	no := r.run(map[string]string{
		"command":           "diff",
		"working-directory": "api",
		"args":              "orders-v1.yaml orders-v2.yaml",
	})
	if !no.failed {
		t.Errorf("a breaking diff did not fail the step\n%s", no.log)
	}
	if !contains(no.ran, "Build contracts") || !contains(no.ran, "Save the contracts build") {
		t.Errorf("the first use did not build and save contracts; steps that ran: %q", no.ran)
	}
	wantOutputs(t, no, "false", "1")
	a := findAnnotation(t, no, "error", "total")
	if got := a.props["file"]; got != "api/orders-v1.yaml" {
		t.Errorf("annotation file = %q, want api/orders-v1.yaml (relative to the workspace, the old document for a removal)", got)
	}
	if a.props["line"] == "" {
		t.Errorf("annotation without a line: %+v", a)
	}
	for _, want := range []string{"contracts diff", "RESPONSE_REQUIRED_PROPERTY_REMOVED", "What to do", "major"} {
		if !strings.Contains(no.summary, want) {
			t.Errorf("job summary lacks %q:\n%s", want, no.summary)
		}
	}
	wantOneWhatToDo(t, no)
	var report struct {
		Compatible bool `json:"compatible"`
	}
	readReport(t, no, &report)
	if report.Compatible {
		t.Errorf("the JSON report says compatible for a breaking diff")
	}

	runs := r.traceRuns(no)
	yes := r.run(map[string]string{
		"command":           "diff",
		"working-directory": "api",
		"args":              "orders-v1.yaml orders-v1.yaml",
	})
	wantRuns(t, runs(), "diff orders-v1.yaml orders-v1.yaml --output json", "report --command diff")
	if yes.failed {
		t.Errorf("an unchanged document failed the step\n%s", yes.log)
	}
	if contains(yes.ran, "Build contracts") || contains(yes.ran, "Set up Go") {
		t.Errorf("the second use built again instead of using the cache; steps that ran: %q", yes.ran)
	}
	wantOutputs(t, yes, "true", "0")
	if as := errorsOf(yes); len(as) > 0 {
		t.Errorf("a compatible diff annotated errors: %+v", as)
	}
	if strings.Contains(yes.summary, "What to do") {
		t.Errorf("a compatible diff's summary says what to do:\n%s", yes.summary)
	}
	wantSummary(t, yes, "**Compatible**")
}

// TestActionGate runs a provider's pipeline through the action over a real
// embedded registry holding the tour's two services, live in production:
// orders provides orders-api, shipping relies on GET /orders/{id}. Orders'
// next version as first written is refused by can-i-deploy and by verify,
// with annotations at the changed line and shipping named in the summary;
// the version done safely is allowed and recorded.
func TestActionGate(t *testing.T) {
	requireVerbs(t, "publish", "record-deployment", "can-i-deploy", "verify")
	bin := filepath.Join(contractsBin(t), "contracts")
	ws := t.TempDir()
	copyTree(t, filepath.Join(repoRoot, "examples", "tour"), filepath.Join(ws, "services"))
	registry := filepath.Join(t.TempDir(), "registry.db")
	cli := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = ws
		cmd.Env = cleanEnv("CONTRACTS_REGISTRY="+registry, "XDG_DATA_HOME="+t.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("contracts %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	cli("environment", "create", "production")
	cli("publish", "services/orders/v1", "--version", "1.0.0")
	cli("record-deployment", "--service", "orders", "--version", "1.0.0", "--env", "production")
	cli("publish", "services/shipping", "--version", "1.0.0")
	cli("record-deployment", "--service", "shipping", "--version", "1.0.0", "--env", "production")

	r := newRunner(t, ws)
	var last actionResult
	step := func(command, dir, version string, more ...string) actionResult {
		in := map[string]string{
			"command":           command,
			"registry":          registry,
			"working-directory": dir,
			"environment":       "production",
		}
		if version != "" {
			in["version"] = version
		}
		for i := 0; i+1 < len(more); i += 2 {
			in[more[i]] = more[i+1]
		}
		last = r.run(in)
		return last
	}

	// A repository whose registry secret is not set yet: on an ephemeral
	// runner the embedded default registry would be empty and every pull
	// request would pass. Every command but diff refuses, exit 2, saying
	// which input to set.
	t.Run("no registry", func(t *testing.T) {
		for _, command := range []string{"verify", "can-i-deploy", "publish", "record-deployment"} {
			res := step(command, "services/orders/v2-breaking", "2.0.0", "registry", "")
			if !res.failed {
				t.Errorf("%s without a registry did not fail the step\n%s", command, res.log)
			}
			wantOutputs(t, res, "false", "2")
			a := findAnnotation(t, res, "error", "needs a registry")
			if !strings.Contains(a.message, "registry input") || !strings.Contains(a.message, "CONTRACTS_REGISTRY") {
				t.Errorf("%s: the annotation does not say which input or secret to set: %q", command, a.message)
			}
		}
	})

	// From here on every run of contracts is logged: each command runs
	// once, with --output json, and a gate's report is rendered from that
	// file by `contracts report`, which reads no registry.
	runs := r.traceRuns(last)
	if got := runs(); len(got) != 0 {
		t.Fatalf("runs logged before any use: %q", got)
	}
	step("verify", "services/orders/v2-breaking", "", "registry", "")
	wantRuns(t, runs()) // refused before contracts runs

	t.Run("an error is said once", func(t *testing.T) {
		res := step("can-i-deploy", "services/orders/v2-breaking", "9.9.9")
		if !res.failed {
			t.Fatalf("can-i-deploy of an unpublished version did not fail the step\n%s", res.log)
		}
		wantOutputs(t, res, "false", "2")
		wantRuns(t, runs(), "can-i-deploy --service orders --version 9.9.9 --to production --output json")
		const msg = "orders 9.9.9 is not published"
		if n := strings.Count(res.log, msg); n != 1 {
			t.Errorf("the log says %q %d times, want once:\n%s", msg, n, res.log)
		}
		a := findAnnotation(t, res, "error", msg)
		if !strings.Contains(a.props["title"], "exit 2") {
			t.Errorf("the error annotation's title %q does not give the exit status", a.props["title"])
		}
		wantSummary(t, res, "contracts can-i-deploy failed", msg)

		missing := filepath.Join(t.TempDir(), "no-such-registry.db")
		res = step("can-i-deploy", "services/orders/v2-breaking", "2.0.0", "registry", missing)
		wantOutputs(t, res, "false", "3")
		wantRuns(t, runs(), "can-i-deploy --service orders --version 2.0.0 --to production --output json")
		if n := strings.Count(res.log, missing); n != 1 {
			t.Errorf("the log names the missing registry %d times, want once:\n%s", n, res.log)
		}
		findAnnotation(t, res, "error", missing)
	})

	t.Run("verify refuses the breaking working copy", func(t *testing.T) {
		res := step("verify", "services/orders/v2-breaking", "")
		if !res.failed {
			t.Fatalf("verify of a change that breaks shipping did not fail the step\n%s", res.log)
		}
		wantOutputs(t, res, "false", "1")
		a := findAnnotation(t, res, "error", "address")
		if got := a.props["file"]; got != "services/orders/v2-breaking/openapi.yaml" {
			t.Errorf("annotation file = %q, want services/orders/v2-breaking/openapi.yaml", got)
		}
		if a.props["line"] == "" {
			t.Errorf("annotation without a line: %+v", a)
		}
		wantRuns(t, runs(), "verify . --against production --output json", "report --command verify")
		wantSummary(t, res, "shipping", "What to do", "contracts approve orders-api --rule RESPONSE_TYPE_WIDENED")
		wantOneWhatToDo(t, res)
		wantReportAgrees(t, res)
	})

	t.Run("verify refuses a consumer that needs what is not live", func(t *testing.T) {
		dir := filepath.Join(ws, "services", "shipping-next")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		manifest := "service: shipping\nconsumes:\n  - contract: orders-api\n    uses: [\"GET /orders/{id}\", \"GET /orders/{id}/tracking\"]\n"
		if err := os.WriteFile(filepath.Join(dir, "contracts.yaml"), []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		res := step("verify", "services/shipping-next", "")
		if !res.failed {
			t.Fatalf("verify of a consumer using an operation orders does not offer did not fail\n%s", res.log)
		}
		wantOutputs(t, res, "false", "1")
		wantRuns(t, runs(), "verify . --against production --output json", "report --command verify")
		wantSummary(t, res, "orders 1.0.0", "GET /orders/{id}/tracking", "deploy a version of orders that offers what shipping needs first")
		wantOneWhatToDo(t, res)
	})

	t.Run("publish", func(t *testing.T) {
		const secret = "ctk_e2e_not_a_real_secret"
		res := step("publish", "services/orders/v2-breaking", "2.0.0", "token", secret)
		if res.failed {
			t.Fatalf("publish failed\n%s", res.log)
		}
		wantOutputs(t, res, "true", "0")
		// The runner masks the token in the log only after ::add-mask::.
		if i := strings.Index(res.stdout, secret); i < len("::add-mask::") || res.stdout[i-len("::add-mask::"):i] != "::add-mask::" {
			t.Errorf("the token is printed before ::add-mask:: hides it:\n%s", res.stdout)
		}
		if strings.Count(res.log, secret) != 1 || strings.Contains(res.summary, secret) {
			t.Errorf("the token appears in the log or summary beyond its mask")
		}
		wantRuns(t, runs(), "publish . --version 2.0.0 --branch main --commit "+r.sha+" --output json")
		var report struct {
			Service string `json:"service"`
			Version string `json:"version"`
			Created bool   `json:"created"`
		}
		readReport(t, res, &report)
		if report.Service != "orders" || report.Version != "2.0.0" || !report.Created {
			t.Errorf("the publish report is %+v, want orders 2.0.0 created", report)
		}
		wantSummary(t, res, "`orders` 2.0.0: done.")
	})

	t.Run("can-i-deploy refuses", func(t *testing.T) {
		// No service input: the action reads it from contracts.yaml.
		res := step("can-i-deploy", "services/orders/v2-breaking", "2.0.0")
		if !res.failed {
			t.Fatalf("can-i-deploy of a version that breaks shipping did not fail the step\n%s", res.log)
		}
		wantOutputs(t, res, "false", "1")
		a := findAnnotation(t, res, "error", "address")
		if got := a.props["file"]; got != "services/orders/v2-breaking/openapi.yaml" {
			t.Errorf("annotation file = %q, want services/orders/v2-breaking/openapi.yaml", got)
		}
		if !strings.Contains(a.props["title"], "shipping") {
			t.Errorf("annotation title %q does not name the consumer shipping", a.props["title"])
		}
		wantRuns(t, runs(), "can-i-deploy --service orders --version 2.0.0 --to production --output json", "report --command can-i-deploy")
		wantSummary(t, res, "shipping 1.0.0", "GET /orders/{id}", "RESPONSE_TYPE_WIDENED", "What to do",
			"keep orders-api compatible", "contracts approve orders-api --rule RESPONSE_TYPE_WIDENED")
		wantOneWhatToDo(t, res)
		wantReportAgrees(t, res)
	})

	t.Run("fail-on-refusal false reports without failing", func(t *testing.T) {
		res := step("can-i-deploy", "services/orders/v2-breaking", "2.0.0", "fail-on-refusal", "false")
		if res.failed {
			t.Errorf("the step failed although fail-on-refusal is false\n%s", res.log)
		}
		wantOutputs(t, res, "false", "1")
		wantRuns(t, runs(), "can-i-deploy --service orders --version 2.0.0 --to production --output json", "report --command can-i-deploy")
	})

	t.Run("can-i-deploy allows the safe version, which is recorded", func(t *testing.T) {
		if res := step("publish", "services/orders/v2-fixed", "1.1.0"); res.failed {
			t.Fatalf("publish failed\n%s", res.log)
		}
		res := step("can-i-deploy", "services/orders/v2-fixed", "1.1.0")
		if res.failed {
			t.Fatalf("can-i-deploy of a compatible version failed the step\n%s", res.log)
		}
		wantOutputs(t, res, "true", "0")
		if as := errorsOf(res); len(as) > 0 {
			t.Errorf("an allowed deploy annotated errors: %+v", as)
		}
		wantSummary(t, res, "orders 1.1.0", "shipping")
		if strings.Contains(res.summary, "What to do") {
			t.Errorf("an allowed deploy's summary says what to do:\n%s", res.summary)
		}
		wantReportAgrees(t, res)
		wantRuns(t, runs(), "publish . --version 1.1.0", "can-i-deploy --service orders --version 1.1.0 --to production --output json", "report --command can-i-deploy")
		if res := step("record-deployment", "services/orders/v2-fixed", "1.1.0"); res.failed {
			t.Fatalf("record-deployment failed\n%s", res.log)
		}
		wantRuns(t, runs(), "record-deployment --service orders --version 1.1.0 --env production --output json")
		cmd := exec.Command(bin, "deployments", "--env", "production")
		cmd.Env = cleanEnv("CONTRACTS_REGISTRY=" + registry)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "1.1.0") {
			t.Errorf("after record-deployment, production does not list orders 1.1.0 (%v):\n%s", err, out)
		}
	})

	t.Run("bad input is exit status 2", func(t *testing.T) {
		res := step("can-i-deploy", "services/orders/v2-fixed", "1.1.0", "environment", "")
		if !res.failed {
			t.Errorf("can-i-deploy without an environment did not fail")
		}
		wantOutputs(t, res, "false", "2")
		findAnnotation(t, res, "error", "environment")
		wantRuns(t, runs()) // refused before contracts runs
	})
}

// wantRuns checks the contracts command lines one use of the action ran:
// as many as want, each starting with its want.
func wantRuns(t *testing.T, runs []string, want ...string) {
	t.Helper()
	ok := len(runs) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = strings.HasPrefix(runs[i], want[i])
	}
	if !ok {
		t.Errorf("the action ran contracts %d times:\n  %s\nwant %d runs starting:\n  %s",
			len(runs), strings.Join(runs, "\n  "), len(want), strings.Join(want, "\n  "))
	}
}

// wantOneWhatToDo checks the job summary tells the developer what to do
// once, not once per renderer.
func wantOneWhatToDo(t *testing.T, res actionResult) {
	t.Helper()
	if n := strings.Count(res.summary, "What to do"); n != 1 {
		t.Errorf("the job summary says \"What to do\" %d times, want once:\n%s", n, res.summary)
	}
}

// wantReportAgrees checks the step's outputs give the answer of its JSON
// report, which is the one run they all come from.
func wantReportAgrees(t *testing.T, res actionResult) {
	t.Helper()
	var report struct {
		Deployable *bool `json:"deployable"`
		Checks     []struct {
			Verdict string `json:"verdict"`
		} `json:"checks"`
	}
	readReport(t, res, &report)
	if report.Deployable == nil {
		t.Fatalf("the JSON report has no deployable field")
	}
	if got := res.outputs["deployable"]; got != strconv.FormatBool(*report.Deployable) {
		t.Errorf("output deployable = %q, the JSON report says %v", got, *report.Deployable)
	}
	if len(report.Checks) == 0 {
		t.Errorf("the JSON report lists no checks")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func wantOutputs(t *testing.T, res actionResult, deployable, exitCode string) {
	t.Helper()
	if got := res.outputs["deployable"]; got != deployable {
		t.Errorf("output deployable = %q, want %q\n%s", got, deployable, res.log)
	}
	if got := res.outputs["exit-code"]; got != exitCode {
		t.Errorf("output exit-code = %q, want %q\n%s", got, exitCode, res.log)
	}
}

func wantSummary(t *testing.T, res actionResult, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(res.summary, want) {
			t.Errorf("the job summary lacks %q:\n%s", want, res.summary)
		}
	}
}

func errorsOf(res actionResult) []annotation {
	var es []annotation
	for _, a := range annotations(res.stdout) {
		if a.level == "error" {
			es = append(es, a)
		}
	}
	return es
}

// findAnnotation returns the first annotation of the level whose message
// mentions the text.
func findAnnotation(t *testing.T, res actionResult, level, text string) annotation {
	t.Helper()
	for _, a := range annotations(res.stdout) {
		if a.level == level && strings.Contains(a.message, text) {
			return a
		}
	}
	t.Fatalf("no ::%s annotation mentions %q; the step printed:\n%s", level, text, res.stdout)
	return annotation{}
}

func readReport(t *testing.T, res actionResult, v any) {
	t.Helper()
	path := res.outputs["report"]
	if path == "" {
		t.Fatalf("no report output")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the report output: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("the report %s is not JSON: %v\n%s", path, err, b)
	}
}
