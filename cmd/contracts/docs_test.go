package main

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestCLIReferenceUpToDate fails when docs/cli no longer matches the
// commands: the reference is generated, so a changed flag or command must
// come with `make docs`.
func TestCLIReferenceUpToDate(t *testing.T) {
	want := t.TempDir()
	if err := genDocs(want); err != nil {
		t.Fatal(err)
	}
	have := filepath.Join("..", "..", "docs", "cli")
	wantFiles := mdFiles(t, want)
	haveFiles := mdFiles(t, have)
	stale := false
	for name, w := range wantFiles {
		h, ok := haveFiles[name]
		switch {
		case !ok:
			t.Errorf("docs/cli/%s is missing", name)
			stale = true
		case h != w:
			t.Errorf("docs/cli/%s is out of date", name)
			stale = true
		}
	}
	var extra []string
	for name := range haveFiles {
		if _, ok := wantFiles[name]; !ok {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		t.Errorf("docs/cli/%s documents a command that no longer exists", name)
		stale = true
	}
	if stale {
		t.Log("regenerate the CLI reference with `make docs` (go run ./cmd/contracts gen-docs docs/cli) and commit it")
	}
}

func mdFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "contracts*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = string(b)
	}
	return files
}
