package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/sqlite"
	"github.com/contractgate/contracts/registry/storetest"
)

// openSQLite opens a fresh SQLite store in the test's temporary folder.
func openSQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir()+"/registry.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// startServer serves a Server over db on a loopback port.
func startServer(t testing.TB, db *sqlite.DB, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Auth == nil && !opts.InsecureNoAuth {
		opts.Auth = db
	}
	srv, err := New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return srv, hs
}

// token creates a token with scopes and returns its secret.
func token(t testing.TB, auth registry.AuthStore, name string, scopes ...string) string {
	t.Helper()
	_, secret, err := CreateToken(context.Background(), auth, name, scopes, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// do sends one request with a JSON body (when not nil) and the token.
func do(t testing.TB, method, url, secret string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, out
}

// doRaw sends body as is with contentType (application/json when empty,
// none when "-").
func doRaw(t testing.TB, method, url, secret, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	switch contentType {
	case "":
		req.Header.Set("Content-Type", "application/json")
	case "-":
	default:
		req.Header.Set("Content-Type", contentType)
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, out
}

// seed publishes svc 1.0.0 (providing svc-api, consuming dep-api) and
// makes it live in prod.
func seed(t testing.TB, st registry.Store) (*registry.Version, map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	v, blobs := storetest.Spec{Service: "svc", Version: "1.0.0", Provides: []string{"svc-api"}, Consumes: []string{"dep-api"}}.Build()
	if _, err := st.Publish(ctx, v, blobs); err != nil {
		t.Fatal(err)
	}
	storetest.CreateEnvs(t, st, "prod")
	if err := st.RecordDeployment(ctx, registry.Deployment{Env: "prod", Service: "svc", Version: "1.0.0", DeployedAt: time.Now()}, false); err != nil {
		t.Fatal(err)
	}
	return v, blobs
}
