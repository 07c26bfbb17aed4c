package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/storetest"
)

// panicky is a store whose Services panics and whose Deployments blocks
// until released: a bug and a slow request.
type panicky struct {
	registry.Store
	started chan struct{}
	release chan struct{}
}

func (p *panicky) Services(context.Context) ([]registry.ServiceInfo, error) { panic("boom") }

func (p *panicky) Deployments(ctx context.Context, env string) ([]registry.Deployment, error) {
	close(p.started)
	<-p.release
	return p.Store.Deployments(ctx, env)
}

func TestPanicBecomes500AndServerLives(t *testing.T) {
	db := openSQLite(t)
	srv, err := New(&panicky{Store: db}, Options{InsecureNoAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	for i := 0; i < 2; i++ {
		resp, body := do(t, "GET", hs.URL+"/v1/services", "", nil)
		var eb ErrorBody
		if resp.StatusCode != 500 || json.Unmarshal(body, &eb) != nil || eb.Error.Code != registry.EINTERNAL || strings.Contains(string(body), "boom") {
			t.Fatalf("panic answered %d %s, want a 500 internal error that does not leak the panic", resp.StatusCode, body)
		}
	}
	if resp, _ := do(t, "GET", hs.URL+"/healthz", "", nil); resp.StatusCode != 200 {
		t.Fatalf("server is not alive after a panic: %d", resp.StatusCode)
	}
	_, metrics := do(t, "GET", hs.URL+"/metrics", "", nil)
	for _, want := range []string{"contracts_http_panics_total 2", `contracts_http_requests_total{code="500",route="GET /v1/services"} 2`, "contracts_http_request_duration_seconds_bucket"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestErrorsAreJSONWithStatus checks the code → status table end to end.
func TestErrorsAreJSONWithStatus(t *testing.T) {
	db := openSQLite(t)
	_, hs := startServer(t, db, Options{})
	admin := token(t, db, "admin", "admin")
	v, blobs := seed(t, db)
	changed, changedBlobs := storetest.Spec{Service: "svc", Version: "1.0.0", Provides: []string{"svc-api"}, Content: "other"}.Build()
	stolen, stolenBlobs := storetest.Spec{Service: "thief", Version: "1.0.0", Provides: []string{"svc-api"}}.Build()
	deploy := `{"deployment":{"env":"prod","service":"svc","version":"1.0.0"}}`
	tests := []struct {
		name, method, path string
		body               any
		// raw is sent as is, with contentType (default application/json).
		raw, contentType string
		status           int
		code, msg        string
	}{
		{"unknown version", "GET", "/v1/services/svc/versions/9.9.9", nil, "", "", 404, registry.ENOTFOUND, "9.9.9"},
		{"unknown route", "GET", "/v2/nothing", nil, "", "", 404, registry.ENOTFOUND, "/v1"},
		{"conflicting content", "POST", "/v1/services/svc/versions", PublishRequest{Version: changed, Blobs: changedBlobs}, "", "", 409, registry.ECONFLICT, "different content"},
		{"another owner", "POST", "/v1/services/thief/versions", PublishRequest{Version: stolen, Blobs: stolenBlobs}, "", "", 403, registry.EFORBIDDEN, "svc-api"},
		{"path and body disagree", "POST", "/v1/services/thief/versions", PublishRequest{Version: v, Blobs: blobs}, "", "", 400, registry.EINVALID, "to the path of"},
		{"bad JSON", "POST", "/v1/services/svc/versions", nil, "{", "", 400, registry.EINVALID, "JSON"},
		{"unknown field", "POST", "/v1/deployments", nil, `{"deployment":{},"keep":true}`, "", 400, registry.EINVALID, "keep"},
		{"bytes after the JSON", "POST", "/v1/deployments", nil, deploy + `{"x":1}`, "", 400, registry.EINVALID, "exactly one"},
		{"a second value", "POST", "/v1/deployments", nil, deploy + ` "x"`, "", 400, registry.EINVALID, "exactly one"},
		{"text/plain", "POST", "/v1/deployments", nil, deploy, "text/plain", 400, registry.EINVALID, "Content-Type: application/json"},
		{"a form", "POST", "/v1/deployments", nil, "deployment=x", "application/x-www-form-urlencoded", 400, registry.EINVALID, "Content-Type"},
		{"no content type", "POST", "/v1/deployments", nil, deploy, "-", 400, registry.EINVALID, "Content-Type"},
		{"JSON with parameters", "POST", "/v1/deployments", nil, deploy, "application/json; charset=utf-8", 204, "", ""},
		{"no version", "POST", "/v1/services/svc/versions", nil, `{}`, "", 400, registry.EINVALID, "no version"},
		{"bad env", "POST", "/v1/deployments", DeploymentRequest{Deployment: registry.Deployment{Env: "Prod", Service: "svc", Version: "1.0.0"}}, "", "", 400, registry.EINVALID, "Prod"},
		{"deploy unpublished", "POST", "/v1/deployments", DeploymentRequest{Deployment: registry.Deployment{Env: "prod", Service: "svc", Version: "7.0.0"}}, "", "", 404, registry.ENOTFOUND, ""},
		{"same content again", "POST", "/v1/services/svc/versions", PublishRequest{Version: v, Blobs: blobs}, "", "", 200, "", "unchanged"},
		{"bad audit limit", "GET", "/v1/audit?limit=x", nil, "", "", 400, registry.EINVALID, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			var body []byte
			if tt.raw != "" {
				resp, body = doRaw(t, tt.method, hs.URL+tt.path, admin, tt.contentType, tt.raw)
			} else {
				resp, body = do(t, tt.method, hs.URL+tt.path, admin, tt.body)
			}
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.msg) {
				t.Fatalf("got %d %s, want %d mentioning %q", resp.StatusCode, body, tt.status, tt.msg)
			}
			if tt.code != "" {
				var eb ErrorBody
				if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Code != tt.code {
					t.Fatalf("body %s: want code %s", body, tt.code)
				}
			}
		})
	}
}

func TestStatusTableCoversEveryCode(t *testing.T) {
	for code, want := range map[string]int{
		registry.ENOTFOUND: 404, registry.ECONFLICT: 409, registry.EINVALID: 400, registry.EFORBIDDEN: 403,
		registry.EUNAUTHORIZED: 401, registry.EUNAVAILABLE: 503, registry.EINTERNAL: 500, "something-new": 500,
	} {
		if got := StatusOf(code); got != want {
			t.Errorf("StatusOf(%s) = %d, want %d", code, got, want)
		}
	}
}

func TestBodyLimits(t *testing.T) {
	db := openSQLite(t)
	_, hs := startServer(t, db, Options{})
	admin := token(t, db, "admin", "admin")
	big := `{"hashes":["` + strings.Repeat("a", MaxSmallBytes) + `"]}`
	resp, body := doRaw(t, "POST", hs.URL+"/v1/blobs/query", admin, "", big)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "larger than") {
		t.Fatalf("oversized body: %d %s", resp.StatusCode, body)
	}
	// A publish may be far larger than the small limit.
	v, blobs := storetest.Spec{Service: "big", Version: "1.0.0", Provides: []string{"big-api"}, DocSize: 4 * MaxSmallBytes}.Build()
	if resp, body := do(t, "POST", hs.URL+"/v1/services/big/versions", admin, PublishRequest{Version: v, Blobs: blobs}); resp.StatusCode != 201 {
		t.Fatalf("large publish: %d %s", resp.StatusCode, body)
	}
}

func TestHealthReadyAndPage(t *testing.T) {
	db := openSQLite(t)
	_, hs := startServer(t, db, Options{InsecureNoAuth: true})
	seed(t, db)
	ctx := context.Background()
	dep, depBlobs := storetest.Spec{Service: "dep", Version: "3.1.0", Provides: []string{"dep-api"}}.Build()
	if _, err := db.Publish(ctx, dep, depBlobs); err != nil {
		t.Fatal(err)
	}
	storetest.CreateEnvs(t, db, "prod")
	if err := db.RecordDeployment(ctx, registry.Deployment{Env: "prod", Service: "dep", Version: "3.1.0"}, false); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"ready"`} {
		if resp, body := do(t, "GET", hs.URL+path, "", nil); resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	resp, body := do(t, "GET", hs.URL+"/", "", nil)
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"<td>svc</td>", "<h3>prod</h3>", "<td>svc 1.0.0</td><td><code>dep-api</code></td><td>dep 3.1.0</td>", "3.1.0"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}

	// A closed store is not ready, and /readyz, which anyone may ask,
	// says no more than that.
	db.Close()
	if resp, body := do(t, "GET", hs.URL+"/readyz", "", nil); resp.StatusCode != 503 || !strings.Contains(string(body), `"database unavailable"`) || resp.Header.Get("Retry-After") == "" {
		t.Errorf("readyz over a closed store: %d %s (Retry-After %q)", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
}

// TestGracefulShutdown: cancelling Serve's context lets a request in flight
// finish, then Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	db := openSQLite(t)
	p := &panicky{Store: db, started: make(chan struct{}), release: make(chan struct{})}
	var logs syncBuffer
	srv, err := New(p, Options{InsecureNoAuth: true, DrainDelay: 300 * time.Millisecond, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	var wg sync.WaitGroup
	var status int
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp, err := http.Get("http://" + ln.Addr().String() + "/v1/deployments")
		if err != nil {
			t.Errorf("request in flight failed: %v", err)
			return
		}
		resp.Body.Close()
		status = resp.StatusCode
	}()
	<-p.started
	cancel()
	// While draining, the server still answers, but is not ready.
	time.Sleep(100 * time.Millisecond)
	if resp, body := do(t, "GET", "http://"+ln.Addr().String()+"/readyz", "", nil); resp.StatusCode != 503 || !strings.Contains(string(body), "shutting down") {
		t.Errorf("readyz while draining: %d %s", resp.StatusCode, body)
	}
	time.Sleep(400 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the server still accepts connections while shutting down")
	}
	close(p.release)
	wg.Wait()
	if status != 200 {
		t.Errorf("request in flight answered %d, want 200", status)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v after a clean shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	// The 503 of /readyz while draining is expected: logged at INFO.
	found := false
	for _, l := range strings.Split(logs.String(), "\n") {
		var line map[string]any
		if json.Unmarshal([]byte(l), &line) != nil || line["route"] != "GET /readyz" || line["status"] != float64(503) {
			continue
		}
		found = true
		if line["level"] != "INFO" {
			t.Errorf("the draining 503 of /readyz is logged at %v, want INFO: %s", line["level"], l)
		}
	}
	if !found {
		t.Errorf("no log line for the draining /readyz:\n%s", logs.String())
	}
}

func TestCheckStartup(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	tests := []struct {
		name     string
		addr     string
		insecure bool
		admin    bool
		want     string // error substring, "" for none
	}{
		{"no admin token", "127.0.0.1:8080", false, false, "no admin token"},
		{"insecure on loopback", "127.0.0.1:8080", true, false, ""},
		{"insecure on localhost", "localhost:8080", true, false, ""},
		{"insecure on ::1", "[::1]:8080", true, false, ""},
		{"insecure on every interface", ":8080", true, false, "loopback"},
		{"insecure on a public address", "10.1.2.3:8080", true, false, "loopback"},
		{"admin token", ":8080", false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.admin {
				token(t, db, "admin", "admin")
			}
			err := CheckStartup(ctx, db, tt.addr, tt.insecure)
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CheckStartup = %v, want %q", err, tt.want)
			}
		})
	}
	// A revoked admin token does not count.
	db2 := openSQLite(t)
	token(t, db2, "old-admin", "admin")
	ts, _ := db2.Tokens(ctx)
	db2.RevokeToken(ctx, ts[0].ID, time.Now())
	if err := CheckStartup(ctx, db2, "127.0.0.1:1", false); err == nil {
		t.Error("a revoked admin token let the server start")
	}
	if _, err := New(db, Options{}); err == nil {
		t.Error("New without auth or InsecureNoAuth succeeded")
	}
}

// TestTokensAreHashed: the store never holds the secret, and a secret
// works only whole.
func TestTokensAreHashed(t *testing.T) {
	db := openSQLite(t)
	_, hs := startServer(t, db, Options{})
	secret := token(t, db, "reader", "read")
	if _, err := db.TokenByHash(context.Background(), secret); err == nil {
		t.Error("the secret itself finds a token: it is stored in clear")
	}
	for _, s := range []string{secret[:len(secret)-1], secret + "x", strings.ToUpper(secret)} {
		if resp, _ := do(t, "GET", hs.URL+"/v1/services", s, nil); resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("altered secret answered %d (WWW-Authenticate %q)", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	// Basic auth, which browsers cache and resend to any page, opens the
	// web page and no API route.
	for path, want := range map[string]int{"/": 200, "/v1/services": 401} {
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		req.SetBasicAuth("anyone", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s with Basic auth (the token as password): %d, want %d", path, resp.StatusCode, want)
		}
	}
	if _, _, err := CreateToken(context.Background(), db, "x", []string{"root"}, time.Now()); !errors.As(err, new(*registry.Error)) {
		t.Errorf("bad scope: %v", err)
	}
}

// TestInsecureIsReadOnly: --insecure-no-auth lets anyone read and nobody
// write without a token; a token still writes, audited by name.
func TestInsecureIsReadOnly(t *testing.T) {
	db := openSQLite(t)
	_, hs := startServer(t, db, Options{InsecureNoAuth: true, Auth: db})
	seed(t, db)
	if resp, body := do(t, "GET", hs.URL+"/v1/services", "", nil); resp.StatusCode != 200 {
		t.Errorf("anonymous read: %d %s", resp.StatusCode, body)
	}
	v, blobs := storetest.Spec{Service: "a", Version: "1.0.0", Provides: []string{"a-api"}}.Build()
	writes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/services/a/versions", PublishRequest{Version: v, Blobs: blobs}},
		{"POST", "/v1/environments", EnvironmentRequest{Name: "staging"}},
		{"POST", "/v1/deployments", DeploymentRequest{Deployment: registry.Deployment{Env: "prod", Service: "svc", Version: "1.0.0"}}},
		{"DELETE", "/v1/deployments/prod/svc/1.0.0", nil},
		{"POST", "/v1/approvals", registry.Approval{Contract: "svc-api", Rule: "R", Element: "E", Consumer: "svc", Reason: "r", ExpiresAt: time.Now().Add(time.Hour)}},
		{"GET", "/v1/tokens", nil},
		{"POST", "/v1/tokens", TokenRequest{Name: "x", Scopes: []string{"admin"}}},
		{"GET", "/v1/audit", nil},
	}
	for _, w := range writes {
		resp, body := do(t, w.method, hs.URL+w.path, "", w.body)
		if resp.StatusCode != 401 || !strings.Contains(string(body), "--insecure-no-auth") {
			t.Errorf("anonymous %s %s: %d %s, want 401 saying writes need a token", w.method, w.path, resp.StatusCode, body)
		}
	}
	if got, _ := db.Services(context.Background()); len(got) != 1 {
		t.Errorf("anonymous writes changed the registry: %d services", len(got))
	}
	publisher := token(t, db, "ci-a", "publish:a")
	if resp, body := do(t, "POST", hs.URL+"/v1/services/a/versions", publisher, PublishRequest{Version: v, Blobs: blobs}); resp.StatusCode != 201 {
		t.Fatalf("publish with a token: %d %s", resp.StatusCode, body)
	}
	entries, _ := db.Audit(context.Background(), 0)
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Actor, "ci-a (token ") || entries[0].Target != "a@1.0.0" {
		t.Errorf("audit = %+v", entries)
	}
}

// TestApprovalNamesItsToken: the approver is the token's name, whatever
// the client claims; a provider's own token cannot approve breaking its
// consumer, the consumer's team can (publish:C or approve:C), and an
// approval for every consumer needs admin.
func TestApprovalNamesItsToken(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	_, hs := startServer(t, db, Options{})
	seed(t, db) // svc consumes dep-api
	dep, depBlobs := storetest.Spec{Service: "dep", Version: "1.0.0", Provides: []string{"dep-api"}}.Build()
	if _, err := db.Publish(ctx, dep, depBlobs); err != nil {
		t.Fatal(err)
	}
	provider := token(t, db, "ci-dep", "publish:dep")
	team := token(t, db, "ci-svc", "publish:svc")
	approver := token(t, db, "svc-leads", "approve:svc")
	admin := token(t, db, "root", "admin")
	approval := func(consumer, by string) registry.Approval {
		return registry.Approval{Contract: "dep-api", Consumer: consumer, Envs: []string{"prod"}, Rule: "OPERATION_REMOVED",
			Element: "GET /dep-api/{id}", Reason: "r", By: by, ExpiresAt: time.Now().Add(time.Hour)}
	}
	for _, tt := range []struct {
		name, secret string
		a            registry.Approval
		status       int
		by           string
	}{
		{"provider approves breaking its consumer", provider, approval("svc", ""), 403, ""},
		{"consumer's team, claiming alice", team, approval("svc", "alice"), 201, "ci-svc"},
		{"consumer's approvers", approver, approval("svc", ""), 201, "svc-leads"},
		{"every consumer, not admin", team, approval("", ""), 403, ""},
		{"every consumer, admin", admin, approval("", "alice"), 201, "root"},
		{"an environment that does not exist", admin, registry.Approval{Contract: "dep-api", Envs: []string{"prd"}, Rule: "OPERATION_REMOVED", Element: "GET /dep-api/{id}", Reason: "r", ExpiresAt: time.Now().Add(time.Hour)}, 400, ""},
	} {
		resp, body := do(t, "POST", hs.URL+"/v1/approvals", tt.secret, tt.a)
		var got registry.Approval
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, body, tt.status)
			continue
		}
		if tt.status == 201 && (json.Unmarshal(body, &got) != nil || got.By != tt.by) {
			t.Errorf("%s: approved by %q, want %q", tt.name, got.By, tt.by)
		}
	}
	as, err := db.Approvals(ctx, "")
	if err != nil || len(as) != 3 {
		t.Errorf("stored approvals = %+v, %v; want the three allowed", as, err)
	}
	entries, err := db.Audit(ctx, 0)
	if err != nil || len(entries) == 0 || !strings.HasPrefix(entries[0].Actor, "root (token ") {
		t.Errorf("audit = %+v, %v", entries, err)
	}
}

// TestRequestLogs: one structured line per request, with the request ID
// (echoed to the client) and the token's name.
func TestRequestLogs(t *testing.T) {
	db := openSQLite(t)
	var logs syncBuffer
	_, hs := startServer(t, db, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	secret := token(t, db, "ci-logs", "read")
	req, _ := http.NewRequest("GET", hs.URL+"/v1/services", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("X-Request-ID", "trace-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-ID"); got != "trace-42" {
		t.Errorf("X-Request-ID echoed as %q", got)
	}
	resp, _ = do(t, "GET", hs.URL+"/healthz", "", nil)
	if id := resp.Header.Get("X-Request-ID"); len(id) != 16 {
		t.Errorf("generated request ID %q", id)
	}
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, "trace-42") {
			json.Unmarshal([]byte(l), &line)
		}
	}
	if line["msg"] != "request" || line["route"] != "GET /v1/services" || line["status"] != float64(200) || !strings.HasPrefix(fmt.Sprint(line["actor"]), "ci-logs") {
		t.Errorf("request log line = %v\nall logs:\n%s", line, logs.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// gatedPublish blocks every Publish until released, counting those inside.
type gatedPublish struct {
	registry.Store
	inside  atomic.Int32
	most    atomic.Int32
	release chan struct{}
}

func (g *gatedPublish) Publish(ctx context.Context, v *registry.Version, blobs map[string][]byte) (registry.PublishOutcome, error) {
	n := g.inside.Add(1)
	defer g.inside.Add(-1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	<-g.release
	return g.Store.Publish(ctx, v, blobs)
}

// TestPublishConcurrencyIsBounded: publishes beyond the limit wait for a
// slot instead of holding their bodies in memory at once, and one token
// holds at most MaxWorkPerToken of the slots.
func TestPublishConcurrencyIsBounded(t *testing.T) {
	for _, tt := range []struct {
		name             string
		global, perToken int
		oneToken         bool
		want             int32
	}{
		{"server-wide", 2, 8, false, 2},
		{"per token", 8, 2, true, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := openSQLite(t)
			g := &gatedPublish{Store: db, release: make(chan struct{})}
			srv, err := New(g, Options{Auth: db, MaxConcurrentPublishes: tt.global, MaxWorkPerToken: tt.perToken})
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			shared := token(t, db, "shared", "publish:*")
			var wg sync.WaitGroup
			for i := 0; i < 5; i++ {
				secret := shared
				if !tt.oneToken {
					secret = token(t, db, fmt.Sprintf("ci-%d", i), "publish:*")
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					svc := fmt.Sprintf("s%d", i)
					v, blobs := storetest.Spec{Service: svc, Version: "1.0.0"}.Build()
					if resp, body := do(t, "POST", hs.URL+"/v1/services/"+svc+"/versions", secret, PublishRequest{Version: v, Blobs: blobs}); resp.StatusCode != 201 {
						t.Errorf("publish %d: %d %s", i, resp.StatusCode, body)
					}
				}()
			}
			time.Sleep(300 * time.Millisecond)
			close(g.release)
			wg.Wait()
			if m := g.most.Load(); m != tt.want {
				t.Errorf("at most %d publishes reached the store at once, want %d", m, tt.want)
			}
		})
	}
}
