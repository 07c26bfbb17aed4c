package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The attack tests probe a real `contracts serve` as an attacker inside a
// company would: a team's CI token, a browser logged in to the web page,
// cheap requests that would exhaust it. Each runs over SQLite and over
// PostgreSQL; these helpers set the scene.

// backend is a store a `contracts serve` process runs on.
type backend struct {
	name  string
	store func(t *testing.T) string
}

// backends are SQLite and PostgreSQL (skipped loudly without it, failed
// under CONTRACTS_REQUIRE_POSTGRES=1).
var backends = []backend{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "registry.db") }},
	{"postgres", func(t *testing.T) string { return pgDatabase(t) }},
}

// cli runs the contracts binary against a server with a token and returns
// its stdout, stderr and exit status.
func cli(t *testing.T, bin, url, token string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CONTRACTS_REGISTRY="+url, "CONTRACTS_TOKEN="+token, "XDG_DATA_HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("contracts %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// mustCLI runs the binary and fails unless it exits with want.
func mustCLI(t *testing.T, bin, url, token string, want int, args ...string) string {
	t.Helper()
	out, errs, code := cli(t, bin, url, token, args...)
	if code != want {
		t.Fatalf("contracts %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errs)
	}
	return out
}

// writeFiles writes files (path → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// catalogV1 offers three operations; catalogV2 removes two of them, which
// shop, relying on everything, uses.
const (
	catalogManifest = "service: catalog\nprovides:\n  - contract: catalog-api\n    openapi: openapi.yaml\n"
	catalogV1       = `openapi: 3.0.3
info: {title: catalog, version: '1'}
paths:
  /items:
    get:
      responses:
        '200': {description: the items}
    post:
      responses:
        '201': {description: created}
  /items/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: the item}
`
	catalogV2 = `openapi: 3.0.3
info: {title: catalog, version: '2'}
paths:
  /items:
    get:
      responses:
        '200': {description: the items}
`
	shopManifest = "service: shop\nconsumes:\n  - contract: catalog-api\n"
)

// scene is a server with catalog 1.0.0 and shop 1.0.0 live in production,
// catalog 2.0.0 published (it breaks shop twice), and tokens for admin.
type scene struct {
	bin, store, url, admin string
	srv                    *serveProcess
	// catalog2 is the folder of catalog 2.0.0, and evil a third service's.
	catalog2 string
}

func newScene(t *testing.T, b backend, extra ...string) *scene {
	t.Helper()
	bin := buildContracts(t)
	store := b.store(t)
	admin := createToken(t, bin, store, "admin", "admin")
	srv := startServe(t, bin, store, extra...)
	sc := &scene{bin: bin, store: store, url: srv.url, admin: admin, srv: srv}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"catalog1/contracts.yaml": catalogManifest, "catalog1/openapi.yaml": catalogV1,
		"catalog2/contracts.yaml": catalogManifest, "catalog2/openapi.yaml": catalogV2,
		"shop/contracts.yaml": shopManifest,
	})
	sc.catalog2 = filepath.Join(dir, "catalog2")
	for _, args := range [][]string{
		{"environment", "create", "production"},
		{"environment", "create", "staging"},
		{"publish", filepath.Join(dir, "catalog1"), "--version", "1.0.0"},
		{"publish", filepath.Join(dir, "shop"), "--version", "1.0.0"},
		{"record-deployment", "--service", "catalog", "--version", "1.0.0", "--env", "production"},
		{"record-deployment", "--service", "shop", "--version", "1.0.0", "--env", "production"},
		{"publish", sc.catalog2, "--version", "2.0.0"},
	} {
		mustCLI(t, bin, sc.url, admin, 0, args...)
	}
	return sc
}

// token makes a token over HTTP, as an admin does.
func (sc *scene) token(t *testing.T, name string, scopes ...string) string {
	t.Helper()
	args := []string{"token", "create", "--name", name}
	for _, s := range scopes {
		args = append(args, "--scope", s)
	}
	return strings.TrimSpace(mustCLI(t, sc.bin, sc.url, sc.admin, 0, args...))
}

// breakingRefusals asks can-i-deploy catalog 2.0.0 to production through the
// CLI (which asks the server's gate) and returns the exit status and the
// breaking findings of its refused checks.
func (sc *scene) breakingRefusals(t *testing.T, token string) (int, []string) {
	t.Helper()
	out, errs, code := cli(t, sc.bin, sc.url, token, "can-i-deploy", "--service", "catalog", "--version", "2.0.0", "--to", "production", "-o", "json")
	var d struct {
		Deployable bool `json:"deployable"`
		Checks     []struct {
			Verdict  string `json:"verdict"`
			Findings []struct {
				Rule, Severity, Element string
			} `json:"findings"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("can-i-deploy -o json: %v\n%s%s", err, out, errs)
	}
	var found []string
	for _, c := range d.Checks {
		if c.Verdict != "refused" {
			continue
		}
		for _, f := range c.Findings {
			if f.Severity == "breaking" {
				found = append(found, f.Rule+" "+f.Element)
			}
		}
	}
	return code, found
}
