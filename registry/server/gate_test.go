package server

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/contractgate/contracts/internal/scripttest"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/postgres"
	"github.com/contractgate/contracts/registry/sqlite"
)

// gateScenarios is the folder of the shared gate scenarios: ../shared
// beside the repository root, which is two levels above this package.
var gateScenarios = filepath.Join("..", "..", "..", "shared", "conformance", "gate")

// cliScripts are the CLI's own registry scripts (cmd/contracts/testdata),
// which take their registry from CONTRACTS_REGISTRY.
var cliScripts = []string{
	filepath.Join("..", "..", "cmd", "contracts", "testdata", "script", "gate_*.txtar"),
	filepath.Join("..", "..", "cmd", "contracts", "testdata", "script", "registry_*.txtar"),
}

// serverScripts copies the shared gate scenarios and the CLI's registry
// scripts into a temporary folder, pointing each scenario's registry at
// $REGISTRY_URL (a server) instead of a file.
func serverScripts(t *testing.T) (dir string, n int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(gateScenarios, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Logf("no shared gate scenarios at %s; running the CLI's registry scripts only", gateScenarios)
	}
	for _, pattern := range cliScripts {
		more, _ := filepath.Glob(pattern)
		files = append(files, more...)
	}
	if len(files) == 0 {
		t.Skip("no scenarios found")
	}
	dir = t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "env CONTRACTS_REGISTRY=$WORK/registry.db", "env CONTRACTS_REGISTRY=$REGISTRY_URL")
		// Over a server, who approved is the token's name (the scenario's
		// token is "scenario"), whatever the client says.
		s = strings.NewReplacer("approved by alice", "approved by scenario", "stdout 'alice'", "stdout 'scenario'", "approval by alice", "approval by scenario").Replace(s)
		// The gate runs on the server, with the server's clock: a script
		// that fixes the client's clock fixes the server's too.
		s = nowLine.ReplaceAllString(s, "$0\nservernow $1")
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, len(files)
}

// nowLine is a script line fixing CONTRACTS_NOW.
var nowLine = regexp.MustCompile(`(?m)^env CONTRACTS_NOW=(\S+)$`)

// serverClock is a scenario server's clock: the time its script last set
// with `servernow TIME`, or the real time.
type serverClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *serverClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

type clockKey struct{}

// scenarioCmds are the scripts' commands plus `servernow TIME`, which sets
// the scenario server's clock (an unparsable TIME leaves it: the script
// then checks that the client refuses it).
var scenarioCmds = func() map[string]func(*testscript.TestScript, bool, []string) {
	cmds := map[string]func(*testscript.TestScript, bool, []string){}
	for k, v := range scripttest.Cmds {
		cmds[k] = v
	}
	cmds["servernow"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: servernow RFC3339-TIME")
		}
		if t, err := time.Parse(time.RFC3339, args[0]); err == nil {
			c := ts.Value(clockKey{}).(*serverClock)
			c.mu.Lock()
			c.t = t
			c.mu.Unlock()
		}
	}
	return cmds
}()

// authStore is a store that also holds tokens: SQLite and PostgreSQL.
type authStore interface {
	registry.Store
	registry.AuthStore
}

// TestGateScenariosOverServer runs every shared gate scenario, and the
// CLI's own gate and registry scripts, with the built `contracts` on PATH and CONTRACTS_REGISTRY pointing at a registry
// server with auth on (a fresh store per scenario), over SQLite and over
// PostgreSQL.
func TestGateScenariosOverServer(t *testing.T) {
	dir, n := serverScripts(t)
	bin := buildContracts(t)
	backends := []struct {
		name string
		open func(t *testing.T) func() (authStore, error)
	}{
		{"sqlite", func(t *testing.T) func() (authStore, error) {
			return func() (authStore, error) {
				return sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "registry.db"))
			}
		}},
		{"postgres", func(t *testing.T) func() (authStore, error) {
			// One database per scenario, made up front: testscript's Setup
			// has no testing.TB for the harness.
			var mu sync.Mutex
			var urls []string
			for i := 0; i < n; i++ {
				urls = append(urls, pgDatabase(t))
			}
			return func() (authStore, error) {
				mu.Lock()
				u := urls[0]
				urls = urls[1:]
				mu.Unlock()
				return postgres.Open(context.Background(), u)
			}
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			open := b.open(t)
			testscript.Run(t, testscript.Params{
				Dir:                 dir,
				RequireExplicitExec: true,
				Cmds:                scenarioCmds,
				Setup: func(env *testscript.Env) error {
					st, err := open()
					if err != nil {
						return err
					}
					clock := &serverClock{}
					env.Values[clockKey{}] = clock
					srv, err := New(st, Options{Auth: st, Now: clock.now})
					if err != nil {
						return err
					}
					_, secret, err := CreateToken(context.Background(), st, "scenario", []string{"admin"}, time.Now())
					if err != nil {
						return err
					}
					hs := httptest.NewServer(srv.Handler())
					env.Defer(func() { hs.Close(); st.Close() })
					env.Setenv("REGISTRY_URL", hs.URL)
					env.Setenv("CONTRACTS_REGISTRY", hs.URL)
					env.Setenv("CONTRACTS_TOKEN", secret)
					env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, ".data"))
					env.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+env.Getenv("PATH"))
					return nil
				},
			})
		})
	}
}
