package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contractgate/contracts/compat"
	oacheck "github.com/contractgate/contracts/compat/openapi"
	protocheck "github.com/contractgate/contracts/compat/proto"
)

// TestRuleLists checks every rule list together: ids unique across the
// checkers and the gate, each documented.
func TestRuleLists(t *testing.T) {
	var all []compat.Rule
	all = append(all, oacheck.Rules...)
	all = append(all, protocheck.Rules...)
	all = append(all, Rules...)
	if err := compat.CheckRules(all); err != nil {
		t.Fatal(err)
	}
}

// TestGateRulesExercised checks that every gate rule is made by at least one
// CLI scenario in cmd/contracts/testdata/script.
func TestGateRulesExercised(t *testing.T) {
	files, err := filepath.Glob("../cmd/contracts/testdata/script/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios found: %v", err)
	}
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	for _, r := range Rules {
		if !strings.Contains(all.String(), "stdout '"+r.ID) && !strings.Contains(all.String(), r.ID) {
			t.Errorf("gate rule %s is exercised by no scenario in cmd/contracts/testdata/script", r.ID)
		}
	}
}
