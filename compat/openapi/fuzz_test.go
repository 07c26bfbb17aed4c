package openapi

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/contractgate/contracts/compat"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

// FuzzLoadDiff loads two documents and compares them. Bad input must end in
// an InputError and comparison must never fail; the seeds are the main files
// of every testdata case, so plain `go test` runs them all.
func FuzzLoadDiff(f *testing.F) {
	entries, err := os.ReadDir(testdataDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		dir := filepath.Join(testdataDir, e.Name())
		old, err1 := os.ReadFile(mainFile(filepath.Join(dir, "old")))
		new, err2 := os.ReadFile(mainFile(filepath.Join(dir, "new")))
		if err1 == nil && err2 == nil {
			f.Add(old, new)
		}
	}
	// Reference cycles in the style of expandable fields, which the cases
	// have few of (the 3.1 keywords come with the keywords-* cases).
	f.Add(cyclesDoc(3, false), cyclesDoc(3, true))
	f.Add(cyclesDoc(2, true), cyclesDoc(2, false))
	f.Fuzz(func(t *testing.T, old, new []byte) {
		ctx := context.Background()
		fsys := fstest.MapFS{"old/openapi.yaml": {Data: old}, "new/openapi.yaml": {Data: new}}
		opts := oaschema.Options{MaxBytes: 1 << 20}
		od, err := oaschema.Load(ctx, fsys, "old/openapi.yaml", opts)
		if err != nil {
			if !compat.IsInput(err) {
				t.Fatalf("old: not an input error: %v", err)
			}
			return
		}
		nd, err := oaschema.Load(ctx, fsys, "new/openapi.yaml", opts)
		if err != nil {
			if !compat.IsInput(err) {
				t.Fatalf("new: not an input error: %v", err)
			}
			return
		}
		rep, err := Check(ctx, od, nd)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		for _, f := range rep.Findings {
			if f.Rule == "" || f.Message == "" || len(f.Affects) == 0 {
				t.Fatalf("incomplete finding %+v", f)
			}
		}
		// A document compared with itself has no changes.
		self, err := Check(ctx, nd, nd)
		if err != nil {
			t.Fatalf("Check(new, new): %v", err)
		}
		if len(self.Findings) > 0 {
			t.Fatalf("a document compared with itself reports %v", self.Findings[0])
		}
	})
}
