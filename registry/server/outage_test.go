package server

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry/postgres/pgtest"
)

// TestDatabaseStopIs503WithoutDetails stops the PostgreSQL server under a
// real `contracts serve`. Every route then answers 503 with Retry-After
// (clients retry), and no caller (with a valid token, with none, or asking
// /readyz) reads the database's user, name, host or port: those are in the
// server's log only. The server itself keeps running.
func TestDatabaseStopIs503WithoutDetails(t *testing.T) {
	if os.Getenv(pgtest.EnvURL) != "" {
		t.Skipf("%s names a server this test may not stop", pgtest.EnvURL)
	}
	bin := buildContracts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := pgtest.Start(ctx)
	if err != nil {
		pgDatabase(t) // skips or fails as the other PostgreSQL tests do
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			pg.Stop()
		}
	})
	u, _ := url.Parse(pg.URL)
	store := pg.URL
	admin := createToken(t, bin, store, "admin", "admin")
	srv := startServe(t, bin, store)
	if resp, body := do(t, "GET", srv.url+"/v1/services", admin, nil); resp.StatusCode != 200 {
		t.Fatalf("before the stop: %d %s", resp.StatusCode, body)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true

	secrets := []string{u.Hostname() + ":" + u.Port(), u.Port(), "user=", "database=", "postgres@", "dial", "connect:"}
	for _, tt := range []struct {
		name, method, path, token string
		body                      any
		// status is 503 for whatever needs the database.
		status int
	}{
		{"a reader with a valid token", "GET", "/v1/services", admin, nil, 503},
		{"a write with a valid token", "POST", "/v1/environments", admin, EnvironmentRequest{Name: "prod"}, 503},
		{"a token the server cannot look up", "GET", "/v1/services", "ctk_0000000000000000_x", nil, 503},
		{"the readiness probe", "GET", "/readyz", "", nil, 503},
		{"the gate", "POST", "/v1/gate/can-i-deploy", admin, CanIDeployRequest{Env: "prod", Candidates: []GateCandidate{{Service: "a", Version: "1"}}}, 503},
		{"the web page", "GET", "/", admin, nil, 503},
		// Without a token nothing needs the database: the usual 401.
		{"no token", "GET", "/v1/services", "", nil, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.method, srv.url+tt.path, tt.token, tt.body)
			if resp.StatusCode != tt.status {
				t.Errorf("%d %s, want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == 503 && resp.Header.Get("Retry-After") == "" {
				t.Errorf("a 503 without Retry-After: clients would not retry")
			}
			if tt.status == 503 && !strings.Contains(string(body), "database unavailable") && !strings.Contains(string(body), "database is unavailable") {
				t.Errorf("the answer does not say the database is unavailable: %s", body)
			}
			for _, s := range secrets {
				if strings.Contains(string(body), s) {
					t.Errorf("the answer shows %q of the database's connection: %s", s, body)
				}
			}
		})
	}
	// The details are in the log, for the operators; an expected outage is
	// a warning there, not a flood of errors.
	logs := srv.logs.String()
	if !strings.Contains(logs, u.Port()) {
		t.Errorf("the log does not say where the database was:\n%s", logs)
	}
	if strings.Contains(logs, "level=ERROR msg=request") && strings.Contains(logs, "status=503") {
		for _, l := range strings.Split(logs, "\n") {
			if strings.Contains(l, "level=ERROR") && strings.Contains(l, "status=503") {
				t.Errorf("a 503 logged at ERROR: %s", l)
			}
		}
	}
	// The CLI reads it as unreachable: exit 3, without the details either.
	_, errs, code := cli(t, bin, srv.url, admin, "services")
	if code != 3 || strings.Contains(errs, u.Port()) {
		t.Errorf("contracts services during the outage: exit %d\n%s", code, errs)
	}
	if resp, _ := do(t, "GET", srv.url+"/healthz", "", nil); resp.StatusCode != 200 {
		t.Errorf("the server is not alive during the outage: %d", resp.StatusCode)
	}
}
