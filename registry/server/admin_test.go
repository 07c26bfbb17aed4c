package server

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry"
)

// TestAdminOverHTTP: once the first admin token exists, an admin manages
// tokens and reads the audit log with `contracts token` and `contracts
// audit` against the server, never touching the database; other tokens
// may not, and the last admin token cannot be revoked.
func TestAdminOverHTTP(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			bin := buildContracts(t)
			store := b.store(t)
			admin := createToken(t, bin, store, "admin", "admin")
			srv := startServe(t, bin, store)
			run := func(token string, want int, args ...string) string {
				return mustCLI(t, bin, srv.url, token, want, args...)
			}

			secret := strings.TrimSpace(run(admin, 0, "token", "create", "--name", "ci-orders", "--scope", "publish:orders", "--scope", "approve:orders"))
			if !strings.HasPrefix(secret, "ctk_") {
				t.Fatalf("token create printed %q, want the secret", secret)
			}
			var tokens []registry.Token
			if err := json.Unmarshal([]byte(run(admin, 0, "token", "list", "-o", "json")), &tokens); err != nil {
				t.Fatal(err)
			}
			id := ""
			for _, tk := range tokens {
				if tk.Name == "ci-orders" {
					id = tk.ID
				}
			}
			if len(tokens) != 2 || id == "" {
				t.Fatalf("token list = %+v, want admin and ci-orders", tokens)
			}
			if list := run(admin, 0, "token", "list"); strings.Contains(list, secret) || !strings.Contains(list, "publish:orders,approve:orders") {
				t.Errorf("token list:\n%s", list)
			}
			// The new token works, and is no admin.
			run(secret, 0, "services")
			for _, args := range [][]string{{"token", "list"}, {"token", "create", "--name", "x", "--scope", "admin"}, {"token", "revoke", id}, {"audit"}} {
				if _, errs, code := cli(t, bin, srv.url, secret, args...); code != 2 || !strings.Contains(errs, "admin") {
					t.Errorf("contracts %s with a non-admin token: exit %d %s, want 2 naming the admin scope", strings.Join(args, " "), code, errs)
				}
			}
			// Bad input is refused before anything is stored.
			if _, errs, code := cli(t, bin, srv.url, admin, "token", "create", "--name", "x", "--scope", "write"); code != 2 || !strings.Contains(errs, `unknown scope "write"`) {
				t.Errorf("a bad scope: exit %d %s", code, errs)
			}
			if out := run(admin, 0, "token", "revoke", id); !strings.Contains(out, "ci-orders") {
				t.Errorf("token revoke printed %q", out)
			}
			if _, errs, code := cli(t, bin, srv.url, secret, "services"); code != 2 || !strings.Contains(errs, "revoked") {
				t.Errorf("a revoked token: exit %d %s", code, errs)
			}
			adminID := ""
			for _, tk := range tokens {
				if tk.Name == "admin" {
					adminID = tk.ID
				}
			}
			if _, errs, code := cli(t, bin, srv.url, admin, "token", "revoke", adminID); code != 2 || !strings.Contains(errs, "last admin token") {
				t.Errorf("revoking the last admin token: exit %d %s, want 2", code, errs)
			}
			audit := run(admin, 0, "audit", "--limit", "10")
			for _, want := range []string{"create-token", "revoke-token", "ci-orders", "admin (token " + adminID + ")"} {
				if !strings.Contains(audit, want) {
					t.Errorf("audit lacks %q:\n%s", want, audit)
				}
			}
			var entries []registry.AuditEntry
			if err := json.Unmarshal([]byte(run(admin, 0, "audit", "-o", "json", "--limit", "2")), &entries); err != nil || len(entries) != 2 || entries[0].Action != "revoke-token" {
				t.Errorf("audit -o json --limit 2 = %+v, %v", entries, err)
			}
			// The store's own way in still works, and is audited too.
			if out, err := runStore(bin, "audit", "--store", store, "--limit", "1"); err != nil || !strings.Contains(out, "revoke-token") {
				t.Errorf("audit --store: %v\n%s", err, out)
			}
		})
	}
}

// runStore runs the binary without a registry or token in its environment.
func runStore(bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CONTRACTS_REGISTRY=", "CONTRACTS_TOKEN=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestServeClock: CONTRACTS_NOW set for `contracts serve` fixes the
// server's clock (its gate's and its audit log's); a client's never
// reaches the server.
func TestServeClock(t *testing.T) {
	bin := buildContracts(t)
	store := "sqlite:" + t.TempDir() + "/registry.db"
	admin := createToken(t, bin, store, "admin", "admin")
	t.Setenv("CONTRACTS_NOW", "2030-01-02T03:04:05Z")
	srv := startServe(t, bin, store)
	cmd := exec.Command(bin, "environment", "create", "production")
	cmd.Env = append(os.Environ(), "CONTRACTS_REGISTRY="+srv.url, "CONTRACTS_TOKEN="+admin, "CONTRACTS_NOW=2001-01-01T00:00:00Z")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("environment create: %v\n%s", err, out)
	}
	var entries []registry.AuditEntry
	if err := json.Unmarshal([]byte(mustCLI(t, bin, srv.url, admin, 0, "audit", "-o", "json", "--limit", "1")), &entries); err != nil || len(entries) != 1 {
		t.Fatalf("audit: %+v, %v", entries, err)
	}
	if got := entries[0].At.UTC().Format(time.RFC3339); got != "2030-01-02T03:04:05Z" {
		t.Errorf("the server recorded the change at %s, want its own fixed clock 2030-01-02T03:04:05Z", got)
	}
}
