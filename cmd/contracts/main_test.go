package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run `contracts` in-process as a command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"contracts": func() { os.Exit(run(context.Background(), os.Args[1:])) },
	})
}

// TestScripts runs the CLI behaviours pinned in testdata/script/*.txtar.
// Each script gets its own embedded registry in $WORK.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("CONTRACTS_REGISTRY", filepath.Join(env.WorkDir, "registry.db"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, ".data"))
			return nil
		},
		RequireExplicitExec: true,
	})
}

// TestConformanceGate runs the shared gate scenarios, when ../shared is
// beside the repository, on the embedded registry.
func TestConformanceGate(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "conformance", "gate")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no shared conformance scenarios at %s", dir)
	}
	testscript.Run(t, testscript.Params{Dir: dir, RequireExplicitExec: true})
}
