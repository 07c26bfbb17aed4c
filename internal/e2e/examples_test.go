package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// decision is the part of a gate's JSON report the example tests read.
type decision struct {
	Deployable bool `json:"deployable"`
	Checks     []struct {
		Verdict  string `json:"verdict"`
		Consumer struct {
			Service string `json:"service"`
		} `json:"consumer"`
		Findings []reportFinding `json:"findings"`
	} `json:"checks"`
	Changes []struct {
		Findings []reportFinding `json:"findings"`
	} `json:"changes"`
}

type reportFinding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Location struct {
		File string `json:"file"`
		Line int    `json:"line"`
	} `json:"location"`
}

// cliIn runs contracts in dir on the registry and returns its stdout and
// exit status; it fails the test on any status but want.
func cliIn(t *testing.T, dir, registry string, want int, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(contractsBin(t), "contracts"), args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv("CONTRACTS_REGISTRY="+registry, "XDG_DATA_HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("contracts %s: %v", strings.Join(args, " "), err)
	}
	if got != want {
		t.Fatalf("contracts %s: exit %d, want %d\n%s%s", strings.Join(args, " "), got, want, out, stderr.String())
	}
	return string(out)
}

func decodeDecision(t *testing.T, out string) decision {
	t.Helper()
	var d decision
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("not a gate report: %v\n%s", err, out)
	}
	return d
}

// TestExpectationsExample runs examples/expectations: checkout relies on
// the operations, body and response fields its expectations document lists,
// and on nothing else of payments-api.
func TestExpectationsExample(t *testing.T) {
	requireVerbs(t, "publish", "record-deployment", "verify", "diff")
	dir := t.TempDir()
	copyTree(t, filepath.Join(repoRoot, "examples", "expectations"), dir)
	registry := filepath.Join(t.TempDir(), "registry.db")
	run := func(want int, args ...string) string {
		t.Helper()
		return cliIn(t, dir, registry, want, args...)
	}
	run(0, "environment", "create", "production")
	run(0, "publish", "payments/v1", "--version", "1.0.0")
	run(0, "record-deployment", "--service", "payments", "--version", "1.0.0", "--env", "production")
	run(0, "publish", "checkout", "--version", "1.0.0")
	run(0, "record-deployment", "--service", "checkout", "--version", "1.0.0", "--env", "production")
	if out := run(0, "who-uses", "payments-api"); !strings.Contains(out, "the operations and fields in contracts/payments-expectations.yaml") {
		t.Errorf("who-uses does not say checkout relies on its expectations:\n%s", out)
	}

	t.Run("a change outside the expectations is allowed", func(t *testing.T) {
		d := decodeDecision(t, run(0, "verify", "payments/v2-compatible", "--against", "production", "-o", "json"))
		if !d.Deployable || len(d.Checks) != 1 || d.Checks[0].Consumer.Service != "checkout" || d.Checks[0].Verdict != "ok" {
			t.Fatalf("want one ok check of checkout, got %+v", d)
		}
		// Each change breaks a consumer that relies on all of payments-api.
		rules := map[string]bool{}
		for _, c := range d.Changes {
			for _, f := range c.Findings {
				rules[f.Rule] = true
			}
		}
		for _, r := range []string{"OPERATION_REMOVED", "RESPONSE_REQUIRED_PROPERTY_REMOVED", "RESPONSE_ENUM_WIDENED"} {
			if !rules[r] {
				t.Errorf("the changes of v2-compatible lack %s (have %v): the example no longer shows what expectations spare checkout", r, rules)
			}
		}
	})

	t.Run("the same change breaks a consumer relying on everything", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "registry.db")
		all := filepath.Join(dir, "checkout-all")
		if err := os.MkdirAll(all, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(all, "contracts.yaml"), []byte("service: reporting\nconsumes:\n  - contract: payments-api\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cliIn(t, dir, other, 0, "environment", "create", "production")
		cliIn(t, dir, other, 0, "publish", "payments/v1", "--version", "1.0.0")
		cliIn(t, dir, other, 0, "record-deployment", "--service", "payments", "--version", "1.0.0", "--env", "production")
		cliIn(t, dir, other, 0, "publish", "checkout-all", "--version", "1.0.0")
		cliIn(t, dir, other, 0, "record-deployment", "--service", "reporting", "--version", "1.0.0", "--env", "production")
		cliIn(t, dir, other, 1, "verify", "payments/v2-compatible", "--against", "production")
	})

	t.Run("a change to what the expectations list is refused", func(t *testing.T) {
		d := decodeDecision(t, run(1, "verify", "payments/v2-breaking", "--against", "production", "-o", "json"))
		if d.Deployable || len(d.Checks) != 1 || d.Checks[0].Verdict != "refused" || d.Checks[0].Consumer.Service != "checkout" {
			t.Fatalf("want checkout's check refused, got %+v", d)
		}
		found := map[string]reportFinding{}
		for _, f := range d.Checks[0].Findings {
			found[f.Rule] = f
		}
		amount, ok := found["RESPONSE_REQUIRED_PROPERTY_REMOVED"]
		if !ok || !strings.Contains(amount.Message, "property amount was removed") {
			t.Fatalf("no finding that amount, which checkout reads, was removed: %+v", d.Checks[0].Findings)
		}
		// It points at the line of the expectations that lists amount for
		// GET /payments/{id}: the last `amount:` of the document.
		exp, err := os.ReadFile(filepath.Join(dir, "checkout", "contracts", "payments-expectations.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		wantLine := 0
		for i, line := range strings.Split(string(exp), "\n") {
			if strings.Contains(line, "amount:") {
				wantLine = i + 1
			}
		}
		if !strings.HasSuffix(amount.Location.File, "payments-expectations.yaml") || amount.Location.Line != wantLine {
			t.Errorf("the amount finding is at %s:%d, want the expectations' line %d", amount.Location.File, amount.Location.Line, wantLine)
		}
		customer, ok := found["REQUEST_PROPERTY_REQUIRED_ADDED"]
		if !ok || !strings.Contains(customer.Message, "customerId") {
			t.Errorf("no finding that customerId, which checkout does not send, became required: %+v", d.Checks[0].Findings)
		}
		if len(found) != 2 {
			t.Errorf("want exactly the two findings checkout relies on, got %+v", d.Checks[0].Findings)
		}
	})

	t.Run("a consumer expecting what no live provider offers is refused", func(t *testing.T) {
		next := filepath.Join(dir, "checkout-next")
		copyTree(t, filepath.Join(dir, "checkout"), next)
		path := filepath.Join(next, "contracts", "payments-expectations.yaml")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// checkout's next version also reads refundedAmount from
		// GET /payments/{id}, which payments 1.0.0 does not send.
		edited := string(b)
		for from, to := range map[string]string{
			"                required: [id, status, amount]\n": "                required: [id, status, amount, refundedAmount]\n",
			"                  amount: {type: integer}\n":      "                  amount: {type: integer}\n                  refundedAmount: {type: integer}\n",
		} {
			if strings.Count(edited, from) != 1 {
				t.Fatalf("the expectations no longer hold %q once; update the test", from)
			}
			edited = strings.Replace(edited, from, to, 1)
		}
		if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		out := run(1, "verify", "checkout-next", "--against", "production")
		if !strings.Contains(out, "refundedAmount") || !strings.Contains(out, "payments 1.0.0") {
			t.Errorf("the refusal does not name refundedAmount and the live payments 1.0.0:\n%s", out)
		}
	})

	t.Run("diff previews the gate without a registry", func(t *testing.T) {
		exp := filepath.Join("checkout", "contracts", "payments-expectations.yaml")
		cliIn(t, dir, filepath.Join(t.TempDir(), "none.db"), 0, "diff", exp, "payments/v2-compatible/openapi.yaml")
		out := cliIn(t, dir, filepath.Join(t.TempDir(), "none.db"), 1, "diff", exp, "payments/v2-breaking/openapi.yaml")
		for _, want := range []string{"property amount was removed", "customerId"} {
			if !strings.Contains(out, want) {
				t.Errorf("diff of the expectations with v2-breaking lacks %q:\n%s", want, out)
			}
		}
	})
}
