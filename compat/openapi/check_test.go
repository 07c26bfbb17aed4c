package openapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/contractgate/contracts/compat"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

const testdataDir = "../../testdata/openapi"

// mainFile finds the document in a case folder side.
func mainFile(dir string) string {
	for _, n := range []string{"openapi.yaml", "openapi.yml", "openapi.json", "swagger.yaml", "swagger.yml", "swagger.json", "api.yaml", "api.json"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return filepath.Join(dir, n)
		}
	}
	return filepath.Join(dir, "openapi.yaml")
}

// render is the golden text of a report or of the error that stopped it:
// one line per finding, "severity RULE_ID file:line:col: message".
func render(rep *compat.Report, err error) string {
	if err != nil {
		return "error " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, f := range rep.Findings {
		fmt.Fprintf(&b, "%s %s %s: %s\n", f.Severity, f.Rule, f.Location, f.Message)
	}
	return b.String()
}

// runCase loads and compares one case folder, naming files relative to it.
func runCase(t testing.TB, dir string) (*compat.Report, error) {
	t.Chdir(dir)
	old, new, err := oaschema.LoadPair(context.Background(), mainFile("old"), mainFile("new"))
	if err != nil {
		return nil, err
	}
	return Check(context.Background(), old, new)
}

type caseSpec struct {
	verdict  string
	mentions []string
}

func readSpec(t *testing.T, dir string) (caseSpec, bool) {
	f, err := os.Open(filepath.Join(dir, "case.txt"))
	if err != nil {
		return caseSpec{}, false
	}
	defer f.Close()
	var s caseSpec
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "verdict:"); ok {
			s.verdict = strings.TrimSpace(strings.SplitN(v, "#", 2)[0])
		}
		if v, ok := strings.CutPrefix(line, "mentions:"); ok {
			for _, m := range strings.Split(v, " | ") {
				s.mentions = append(s.mentions, strings.TrimSpace(m))
			}
		}
	}
	return s, true
}

func caseDirs(t testing.TB) []string {
	entries, err := os.ReadDir(testdataDir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	sort.Strings(dirs)
	return dirs
}

// TestGolden runs every testdata case and compares the rendered report with
// want.txt; UPDATE_GOLDEN=1 rewrites them. Cases with a case.txt also pin a
// verdict and the strings the output must mention.
func TestGolden(t *testing.T) {
	for _, name := range caseDirs(t) {
		t.Run(name, func(t *testing.T) {
			dir, err := filepath.Abs(filepath.Join(testdataDir, name))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := runCase(t, dir)
			if err != nil && !compat.IsInput(err) {
				t.Fatalf("not an input error: %v", err)
			}
			got := render(rep, err)
			if spec, ok := readSpec(t, dir); ok {
				verdict := "compatible"
				switch {
				case err != nil:
					verdict = "error"
				case rep.Breaking():
					verdict = "breaking"
				}
				if verdict != spec.verdict {
					t.Errorf("verdict %s, want %s\n%s", verdict, spec.verdict, got)
				}
				for _, m := range spec.mentions {
					if !strings.Contains(got, m) {
						t.Errorf("output does not mention %q:\n%s", m, got)
					}
				}
			}
			wantFile := filepath.Join(dir, "want.txt")
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
			}
			if string(want) != got {
				t.Errorf("report differs from %s\ngot:\n%s\nwant:\n%s", wantFile, got, want)
			}
		})
	}
}

var ruleInGolden = regexp.MustCompile(`^(?:info|warning|breaking) ([A-Z0-9_]+) `)

// TestRules checks the rule list itself: ids unique and documented, and
// every rule exercised by at least one golden case.
func TestRules(t *testing.T) {
	if err := compat.CheckRules(Rules); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, name := range caseDirs(t) {
		data, err := os.ReadFile(filepath.Join(testdataDir, name, "want.txt"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if m := ruleInGolden.FindStringSubmatch(line); m != nil {
				seen[m[1]] = true
			}
		}
	}
	for _, r := range Rules {
		if !seen[r.ID] {
			t.Errorf("rule %s is exercised by no testdata/openapi case", r.ID)
		}
	}
	for id := range seen {
		if _, ok := ruleIndex[id]; !ok {
			t.Errorf("golden uses rule %s, which is not in Rules", id)
		}
	}
}

// TestCheckNeverErrorsOnInput pins that Check only fails for nil input.
func TestCheckNilDocuments(t *testing.T) {
	if _, err := Check(context.Background(), nil, nil); err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("Check(nil, nil) = %v, want an error", err)
	}
}

// TestFastDecodeMatchesKin compares every case loaded by our fast decoder
// with the same case decoded by kin-openapi alone: the reports must match.
func TestFastDecodeMatchesKin(t *testing.T) {
	for _, name := range caseDirs(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(testdataDir, name)
			fast := render(runCaseOpts(t, dir, oaschema.Options{}))
			slow := render(runCaseOpts(t, dir, oaschema.Options{KinDecode: true}))
			if fast != slow {
				t.Errorf("fast decode:\n%s\nkin-openapi decode:\n%s", fast, slow)
			}
		})
	}
}

func runCaseOpts(t testing.TB, dir string, opts oaschema.Options) (*compat.Report, error) {
	ctx := context.Background()
	load := func(side string) (*oaschema.Document, error) {
		p := mainFile(filepath.Join(dir, side))
		opts.Display = side + "/"
		return oaschema.Load(ctx, os.DirFS(filepath.Join(dir, side)), filepath.Base(p), opts)
	}
	old, err := load("old")
	if err != nil {
		return nil, err
	}
	new, err := load("new")
	if err != nil {
		return nil, err
	}
	return Check(ctx, old, new)
}

// TestGrouping pins that one change to a component reached from five
// operations is one finding affecting all five.
func TestGrouping(t *testing.T) {
	rep, err := runCase(t, filepath.Join(testdataDir, "grouped-shared-schema"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 {
		t.Fatalf("%d findings, want 1:\n%s", len(rep.Findings), render(rep, nil))
	}
	f := rep.Findings[0]
	want := []string{"GET /a", "GET /b", "GET /c", "GET /d", "GET /e"}
	if strings.Join(f.Affects, ",") != strings.Join(want, ",") {
		t.Errorf("Affects = %v, want %v", f.Affects, want)
	}
	if len(f.Elements) != 5 {
		t.Fatalf("%d elements, want one per operation: %v", len(f.Elements), f.Elements)
	}
	for i, e := range f.Elements {
		if e.Scope != want[i] || e.Part == "" || e.String() != e.Scope+" "+e.Part+" "+e.Path && e.Path != "" {
			t.Errorf("element %d = %+v", i, e)
		}
	}
	if f.Element != f.Elements[0].String() {
		t.Errorf("Element %q is not the first of Elements %q", f.Element, f.Elements[0])
	}
	// Every operation meets the change at the same part and path, so the
	// message names the operations once.
	if !strings.Contains(f.Message, "GET /a, GET /b, GET /c and 2 more: the "+f.Elements[0].Part+" "+f.Elements[0].Path+" ") {
		t.Errorf("message %q does not name the first three and count the rest", f.Message)
	}
}
