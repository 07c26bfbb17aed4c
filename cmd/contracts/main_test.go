package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/contractgate/contracts/internal/scripttest"
	"github.com/contractgate/contracts/registry/postgres/pgtest"
)

// TestMain lets testscript run `contracts` in-process as a command.
// It also stops the PostgreSQL server the tests may have started.
func TestMain(m *testing.M) {
	testscript.Main(stopPostgres{m}, map[string]func(){
		"contracts": func() { os.Exit(run(context.Background(), os.Args[1:])) },
	})
}

// stopPostgres runs the tests, then stops pgtest's shared server.
type stopPostgres struct{ m *testing.M }

func (s stopPostgres) Run() int {
	code := s.m.Run()
	pgtest.StopShared()
	return code
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
		Cmds:                scripttest.Cmds,
		RequireExplicitExec: true,
	})
}

// TestConformanceGatePostgres runs the shared gate scenarios against a real
// PostgreSQL registry, one schema per scenario: each scenario's embedded
// registry line is pointed at PostgreSQL instead.
func TestConformanceGatePostgres(t *testing.T) {
	src := filepath.Join("..", "..", "..", "shared", "conformance", "gate")
	files, _ := filepath.Glob(filepath.Join(src, "*.txtar"))
	if len(files) == 0 {
		t.Skipf("no shared conformance scenarios at %s", src)
	}
	srv := pgtest.Shared(t)
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		script := strings.ReplaceAll(string(b), "env CONTRACTS_REGISTRY=$WORK/registry.db", "env CONTRACTS_REGISTRY=$PGURL")
		if !strings.Contains(script, "$PGURL") {
			t.Fatalf("%s no longer sets CONTRACTS_REGISTRY=$WORK/registry.db; update this test", f)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	testscript.Run(t, testscript.Params{
		Dir: dir,
		Setup: func(env *testscript.Env) error {
			mu.Lock()
			defer mu.Unlock()
			env.Setenv("PGURL", srv.Database(t))
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

// TestPostgresRegistryMustExist: a PostgreSQL database without the
// registry schema is no registry. Reading or recording on it is exit 3 and
// leaves it empty; environment create (or publish) makes the registry.
func TestPostgresRegistryMustExist(t *testing.T) {
	url := pgtest.Shared(t).Database(t)
	ctx := context.Background()
	steps := []struct {
		args []string
		want int
	}{
		{[]string{"services"}, exitUnavailable},
		{[]string{"deployments", "--env", "production"}, exitUnavailable},
		{[]string{"record-deployment", "--service", "a", "--version", "1", "--env", "production"}, exitUnavailable},
		{[]string{"services"}, exitUnavailable}, // still nothing was created
		{[]string{"environment", "create", "production"}, exitOK},
		{[]string{"services"}, exitOK},
		{[]string{"deployments", "--env", "prodution"}, exitBadInput},
	}
	for _, s := range steps {
		if got := run(ctx, append([]string{"--registry", url}, s.args...)); got != s.want {
			t.Fatalf("contracts %s: exit %d, want %d", strings.Join(s.args, " "), got, s.want)
		}
	}
}
