package proto

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/contractgate/contracts/compat"
	protoschema "github.com/contractgate/contracts/schemas/proto"
)

// FuzzCompileDiff compiles two single-file folders and, when both compile,
// checks them at every level and in both flows: nothing may panic, every
// finding needs a rule of the list, a message and an element. Seeds are
// the one-file golden cases of testdata/proto; plain `go test` runs them.
func FuzzCompileDiff(f *testing.F) {
	for _, gc := range goldenCases(f) {
		old, okOld := onlyProto(filepath.Join(gc.dir, "old"))
		new, okNew := onlyProto(filepath.Join(gc.dir, "new"))
		if okOld && okNew {
			f.Add(old, new)
		}
	}
	known := map[string]bool{}
	for _, r := range Rules {
		known[r.ID] = true
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, oldSrc, newSrc string) {
		compile := func(src, display string) *protoschema.Set {
			set, err := protoschema.Compile(ctx, fstest.MapFS{"a/a.proto": &fstest.MapFile{Data: []byte(src)}}, protoschema.Options{Display: display, MaxBytes: 1 << 16})
			if err != nil {
				if !compat.IsInput(err) {
					t.Fatalf("compile error is not an InputError: %v", err)
				}
				return nil
			}
			return set
		}
		old, new := compile(oldSrc, "old/"), compile(newSrc, "new/")
		if old == nil || new == nil {
			return
		}
		for _, level := range []compat.Level{compat.Wire, compat.JSON, compat.Source} {
			for _, flow := range []Flow{FlowBoth, FlowNewWritesOldReads} {
				rep, err := Check(ctx, old, new, Options{Level: level, Flow: flow})
				if err != nil {
					t.Fatalf("check: %v", err)
				}
				for _, fd := range rep.Findings {
					if !known[fd.Rule] || fd.Message == "" || fd.Element == "" {
						t.Fatalf("bad finding %+v", fd)
					}
				}
			}
		}
		// A set compared with itself has no findings.
		if rep, err := Check(ctx, new, new, Options{Level: compat.Source}); err != nil || len(rep.Findings) != 0 {
			t.Fatalf("self-check: %v %+v", err, rep)
		}
	})
}

// onlyProto returns the content of the single .proto file under dir.
func onlyProto(dir string) (string, bool) {
	var found []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".proto") {
			found = append(found, p)
		}
		return nil
	})
	if len(found) != 1 {
		return "", false
	}
	b, err := os.ReadFile(found[0])
	return string(b), err == nil
}
