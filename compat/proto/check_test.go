package proto

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contractgate/contracts/compat"
	protoschema "github.com/contractgate/contracts/schemas/proto"
)

// The golden cases live in testdata/proto/<case>/ with the folders old/
// and new/ and the expected report in want.txt. A case may hold:
//
//	level     wire, json or source (default json)
//	flow      "new-writes-old-reads" for FlowNewWritesOldReads
//	messages  message types and RPCs to narrow to, one a line
//
// UPDATE_GOLDEN=1 go test ./compat/proto rewrites want.txt.
const goldenRoot = "../../testdata/proto"

// render writes one line per finding: severity, rule, location, message.
func render(r *compat.Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s %s %s: %s\n", f.Severity, f.Rule, f.Location, f.Message)
	}
	return b.String()
}

// goldenCase is one folder of testdata/proto.
type goldenCase struct {
	name string
	dir  string
	opts Options
}

func goldenCases(t testing.TB) []goldenCase {
	entries, err := os.ReadDir(goldenRoot)
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenCase
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "external" {
			continue
		}
		dir := filepath.Join(goldenRoot, e.Name())
		gc := goldenCase{name: e.Name(), dir: dir, opts: Options{Level: compat.JSON}}
		if b, err := os.ReadFile(filepath.Join(dir, "level")); err == nil {
			l, err := compat.ParseLevel(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			gc.opts.Level = l
		}
		if b, err := os.ReadFile(filepath.Join(dir, "flow")); err == nil && strings.TrimSpace(string(b)) == "new-writes-old-reads" {
			gc.opts.Flow = FlowNewWritesOldReads
		}
		if b, err := os.ReadFile(filepath.Join(dir, "messages")); err == nil {
			gc.opts.Messages = strings.Fields(string(b))
		}
		out = append(out, gc)
	}
	return out
}

func compileCase(t testing.TB, dir string) (*protoschema.Set, *protoschema.Set) {
	t.Helper()
	ctx := context.Background()
	old, err := protoschema.Compile(ctx, os.DirFS(filepath.Join(dir, "old")), protoschema.Options{Display: "old/"})
	if err != nil {
		t.Fatalf("old: %v", err)
	}
	new, err := protoschema.Compile(ctx, os.DirFS(filepath.Join(dir, "new")), protoschema.Options{Display: "new/"})
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	return old, new
}

func TestGolden(t *testing.T) {
	update := os.Getenv("UPDATE_GOLDEN") != ""
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			old, new := compileCase(t, gc.dir)
			rep, err := Check(context.Background(), old, new, gc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := render(rep)
			wantPath := filepath.Join(gc.dir, "want.txt")
			if update {
				if err := os.WriteFile(wantPath, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
			}
			if got != string(want) {
				t.Errorf("report differs from %s\n--- got\n%s--- want\n%s", wantPath, got, want)
			}
		})
	}
}

// TestRules checks the rule list itself: ids unique and documented, every
// live rule exercised by a golden case at the level where it has its
// severity, and every deprecated rule silent, naming a live successor.
func TestRules(t *testing.T) {
	if err := compat.CheckRules(Rules); err != nil {
		t.Fatal(err)
	}
	if len(Rules) != len(ruleList) {
		t.Fatalf("Rules has %d entries, ruleList %d", len(Rules), len(ruleList))
	}
	live := map[string]bool{}
	for _, r := range ruleList {
		if r.Deprecated == "" {
			live[r.ID] = true
		}
	}
	for _, r := range ruleList {
		n := 0
		for _, f := range []bool{r.file != nil, r.message != nil, r.field != nil, r.enum != nil, r.value != nil, r.service != nil, r.method != nil} {
			if f {
				n++
			}
		}
		switch {
		case r.Deprecated != "" && n > 0:
			t.Errorf("deprecated rule %s still has a check function", r.ID)
		case r.Deprecated != "" && !live[r.Deprecated]:
			t.Errorf("deprecated rule %s names %s, which is no live rule", r.ID, r.Deprecated)
		case r.Deprecated == "" && n == 0:
			t.Errorf("rule %s has no check function", r.ID)
		}
	}
	// seen[rule] holds the severities it has in the goldens.
	seen := map[string]map[string]bool{}
	for _, gc := range goldenCases(t) {
		b, err := os.ReadFile(filepath.Join(gc.dir, "want.txt"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 1 {
				if seen[f[1]] == nil {
					seen[f[1]] = map[string]bool{}
				}
				seen[f[1]][f[0]] = true
			}
		}
	}
	for _, r := range Rules {
		switch {
		case r.Deprecated != "" && seen[r.ID] != nil:
			t.Errorf("deprecated rule %s makes findings in %s", r.ID, goldenRoot)
		case r.Deprecated == "" && !seen[r.ID][r.Severity.String()]:
			t.Errorf("rule %s is exercised as %s (at the %s level or above) by no golden case in %s", r.ID, r.Severity, r.Level, goldenRoot)
		}
	}
}
