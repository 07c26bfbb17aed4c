package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTourScript runs `make tour`'s script, the README's one-command tour on
// the embedded registry: every step must answer as the tour says.
func TestTourScript(t *testing.T) {
	bin := filepath.Join(contractsBin(t), "contracts")
	cmd := exec.Command("bash", filepath.Join(repoRoot, "examples", "tour", "run.sh"))
	cmd.Env = cleanEnv("CONTRACTS_BIN=" + bin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("examples/tour/run.sh: %v\n%s", err, out)
	}
	for _, want := range []string{
		"can-i-deploy orders 2.0.0 to production: NO",
		"REFUSED  orders 2.0.0 provides orders-api to shipping 1.0.0",
		"can-i-deploy orders 1.1.0 to production: yes",
		"tour: every answer as expected",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the tour's output lacks %q:\n%s", want, out)
		}
	}
}
