package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/client"
	"github.com/contractgate/contracts/registry/server"
	"github.com/contractgate/contracts/registry/sqlite"
	"github.com/contractgate/contracts/registry/storetest"
)

// openOverServer returns a client of a fresh server over a fresh SQLite
// store, with a token holding every scope.
func openOverServer(t *testing.T) registry.Store {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir()+"/registry.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv, err := server.New(db, server.Options{Auth: db})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := server.CreateToken(ctx, db, "suite", []string{"admin"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	c, err := client.New(hs.URL, secret)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return spanFed{c, db}
}

// spanFed is the client of a server whose store takes the suite's spans
// directly (over the API, spans arrive as OTLP traces).
type spanFed struct {
	*client.Client
	db *sqlite.DB
}

// SpanStore returns the server's store.
func (s spanFed) SpanStore() registry.SpanStore { return s.db }

// TestStoreSuite runs the suite every backend passes through the client
// and a server over SQLite: same answers, same error codes. The report
// cache is the server's own: its client neither reads nor writes it.
func TestStoreSuite(t *testing.T) {
	storetest.RunWithout(t, openOverServer, "ReportCache")
}

// TestClientKeepsNoCache: the client's cache calls do nothing, whatever
// the server holds, so a client can neither plant nor read a comparison.
func TestClientKeepsNoCache(t *testing.T) {
	st := openOverServer(t)
	ctx := context.Background()
	if err := st.PutCachedReport(ctx, "cmp/x", []byte(`{"findings":[]}`)); err != nil {
		t.Fatal(err)
	}
	if got, err := st.CachedReport(ctx, "cmp/x"); got != nil || err != nil {
		t.Errorf("CachedReport = %q, %v; want nothing", got, err)
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "registry.example.com", "http://x/?a=b"} {
		if _, err := client.New(u, ""); registry.ErrorCode(err) != registry.EINVALID {
			t.Errorf("New(%q) = %v, want an %s error", u, err, registry.EINVALID)
		}
	}
}

// TestErrorMapping pins how answers that are not successes come back.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode string
		wantMsg  string
		// wantCalls is how many attempts a read makes.
		wantCalls int32
		header    map[string]string
	}{
		{"registry error keeps its code", 404, `{"error":{"code":"not_found","message":"no such service"}}`, registry.ENOTFOUND, "no such service", 1, nil},
		{"conflict", 409, `{"error":{"code":"conflict","message":"differs"}}`, registry.ECONFLICT, "differs", 1, nil},
		{"proxy 502 is unavailable and retried", 502, `<html>bad gateway</html>`, registry.EUNAVAILABLE, "502", 3, nil},
		{"503 with a code is retried", 503, `{"error":{"code":"unavailable","message":"store down"}}`, registry.EUNAVAILABLE, "store down", 3, nil},
		{"503 with Retry-After is retried", 503, `{"error":{"code":"unavailable","message":"store down"}}`, registry.EUNAVAILABLE, "store down", 3,
			map[string]string{"Content-Type": "application/json", "Retry-After": "5"}},
		{"the server's 503 without Retry-After is final", 503, `{"error":{"code":"unavailable","message":"needed more memory"}}`, registry.EUNAVAILABLE, "memory", 1,
			map[string]string{"Content-Type": "application/json"}},
		{"plain 401", 401, `nope`, registry.EUNAUTHORIZED, "--token", 1, nil},
		{"not a registry", 404, `404 page not found`, registry.EINTERNAL, "base URL", 1, nil},
		{"bad JSON on success", 200, `{"services": 7}`, registry.EINTERNAL, "cannot read", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer hs.Close()
			c, err := client.New(hs.URL, "t", client.WithRetries(2))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Services(context.Background())
			if got := registry.ErrorCode(err); got != tt.wantCode || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %v (code %s), want code %s mentioning %q", err, got, tt.wantCode, tt.wantMsg)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d attempts, want %d", got, tt.wantCalls)
			}
		})
	}
}

// TestWritesAreNotRetried: a publish whose answer is a 503 may have been
// stored; the client must not send it again on its own.
func TestWritesAreNotRetried(t *testing.T) {
	var calls atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer hs.Close()
	c, _ := client.New(hs.URL, "t", client.WithRetries(3))
	v, blobs := storetest.Spec{Service: "a", Version: "1.0.0", Provides: []string{"a-api"}}.Build()
	if _, err := c.Publish(context.Background(), v, blobs); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("publish err = %v, want unavailable", err)
	}
	if err := c.RecordDeployment(context.Background(), registry.Deployment{Env: "e", Service: "a", Version: "1"}, false); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("deploy err = %v, want unavailable", err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("%d requests for 2 writes, want 2", got)
	}
}

// TestUnreachableAndTimeout: no server, or one too slow, is EUNAVAILABLE.
func TestUnreachableAndTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, _ := client.New("http://"+addr, "", client.WithRetries(1))
	if _, err := c.Services(context.Background()); registry.ErrorCode(err) != registry.EUNAVAILABLE || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("unreachable: err = %v, want unavailable", err)
	}

	withPassword, _ := client.New("http://user:s3cr3t@"+addr, "", client.WithRetries(0))
	if _, err := withPassword.Services(context.Background()); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("unreachable with a password in the URL: %v", err)
	}

	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer hs.Close()
	defer close(release)
	slow, _ := client.New(hs.URL, "", client.WithTimeout(100*time.Millisecond), client.WithRetries(0))
	start := time.Now()
	_, err = slow.Services(context.Background())
	if registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("timeout: err = %v, want unavailable", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %s", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Services(ctx); !errors.Is(err, context.Canceled) && registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("cancelled: err = %v", err)
	}
}

// TestPathSegmentsAreEscaped: names and versions with reserved characters
// reach the server intact, as one path segment each.
func TestPathSegmentsAreEscaped(t *testing.T) {
	st := openOverServer(t)
	ctx := context.Background()
	if _, err := st.Version(ctx, "svc", "1.0.0+build/x"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("Version with a slash = %v, want not found", err)
	}
	if _, err := st.Contract(ctx, "a b?x=1#frag%2F"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("Contract with reserved characters = %v, want not found", err)
	}
	if err := st.RecordUndeployment(ctx, "prod", "svc", "../1.0.0"); registry.ErrorCode(err) == registry.EINTERNAL || err == nil {
		t.Fatalf("undeploy of a version with ../ = %v, want a refusal, not a server error", err)
	}
}
