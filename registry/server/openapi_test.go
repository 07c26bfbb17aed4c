package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/contractgate/contracts/compat"
	oacheck "github.com/contractgate/contracts/compat/openapi"
	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/storetest"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

// apiDoc is the API's OpenAPI document, relative to this package.
var apiDoc = filepath.Join("..", "..", "schemas", "registry-api.yaml")

// releasedDoc is the copy of the last released document.
var releasedDoc = filepath.Join("..", "..", "schemas", "registry-api.released.yaml")

// loadAPIDoc loads the document with a fresh loader (kin-openapi's global
// switches stay untouched) and validates it.
// base, when not empty, replaces the document's relative server URL so
// that the router matches requests to a test server.
func loadAPIDoc(t *testing.T, base string) (*openapi3.T, routers.Router) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(apiDoc)
	if err != nil {
		t.Fatalf("load %s: %v", apiDoc, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("%s is not a valid OpenAPI document: %v", apiDoc, err)
	}
	if base != "" {
		doc.Servers = openapi3.Servers{{URL: base}}
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// servedRoutes is every method and path the server answers, in OpenAPI
// path syntax.
func servedRoutes() []string {
	var out []string
	for _, rt := range routeTable {
		out = append(out, rt.method+" "+rt.path)
	}
	return append(out, "GET /metrics", "GET /")
}

// TestOpenAPIRoutesAgree: every route is documented and every documented
// operation is served.
func TestOpenAPIRoutesAgree(t *testing.T) {
	doc, _ := loadAPIDoc(t, "")
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range servedRoutes() {
		served[r] = true
		if !documented[r] {
			t.Errorf("%s is served but not documented in %s", r, apiDoc)
		}
	}
	var extra []string
	for r := range documented {
		if !served[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(extra)
	for _, r := range extra {
		t.Errorf("%s is documented in %s but not served", r, apiDoc)
	}
}

// TestOpenAPIResponsesValidate sends requests to every route (successes
// and errors) and validates each request and response against the
// document with kin-openapi's validator.
func TestOpenAPIResponsesValidate(t *testing.T) {
	db := openSQLite(t)
	_, hs := startServer(t, db, Options{})
	_, router := loadAPIDoc(t, hs.URL)
	admin := token(t, db, "admin", "admin")
	reader := token(t, db, "reader", "read")
	token(t, db, "victim", "read")
	v, _ := seed(t, db)
	v2, blobs2 := storetest.Spec{Service: "svc", Version: "2.0.0", Provides: []string{"svc-api"}, Events: []string{"svc-events"}, Expects: []string{"dep-api"}, Branch: "main", Commit: "abc"}.Build()
	conflict, conflictBlobs := storetest.Spec{Service: "svc", Version: "2.0.0", Provides: []string{"svc-api"}, Content: "other"}.Build()
	forged := *v2
	forged.Version, forged.Digest = "2.0.1", "0000"
	ids := map[string]string{}
	toks, _ := db.Tokens(context.Background())
	for _, tk := range toks {
		ids[tk.Name] = tk.ID
	}
	adminID, victimID := ids["admin"], ids["victim"]

	tests := []struct {
		method, path, secret string
		body                 any
		status               int
	}{
		{"POST", "/v1/services/svc/versions", admin, PublishRequest{Version: v2, Blobs: blobs2}, 201},
		{"POST", "/v1/services/svc/versions", admin, PublishRequest{Version: v2, Blobs: blobs2}, 200},
		{"POST", "/v1/services/svc/versions", admin, PublishRequest{Version: conflict, Blobs: conflictBlobs}, 409},
		{"POST", "/v1/services/svc/versions", reader, PublishRequest{Version: v2, Blobs: blobs2}, 403},
		{"POST", "/v1/services/svc/versions", admin, PublishRequest{Version: &forged, Blobs: blobs2}, 400},
		{"GET", "/v1/services", reader, nil, 200},
		{"GET", "/v1/services", "", nil, 401},
		{"GET", "/v1/services/svc/versions", reader, nil, 200},
		{"GET", "/v1/services/nobody/versions", reader, nil, 200},
		{"GET", "/v1/services/svc/versions/2.0.0", reader, nil, 200},
		{"GET", "/v1/services/svc/versions/9.0.0", reader, nil, 404},
		{"GET", "/v1/contracts/svc-api", reader, nil, 200},
		{"GET", "/v1/contracts/nothing", reader, nil, 404},
		{"POST", "/v1/blobs/query", reader, BlobsRequest{Hashes: append(registry.ReferencedBlobs(v), "sha256:absent")}, 200},
		{"POST", "/v1/environments", admin, EnvironmentRequest{Name: "staging"}, 201},
		{"POST", "/v1/environments", admin, EnvironmentRequest{Name: "staging"}, 200},
		{"POST", "/v1/environments", admin, EnvironmentRequest{Name: "Bad"}, 400},
		{"GET", "/v1/environments", reader, nil, 200},
		{"GET", "/v1/deployments", reader, nil, 200},
		{"GET", "/v1/deployments?env=prod", reader, nil, 200},
		{"GET", "/v1/deployments?env=prdo", reader, nil, 400},
		{"POST", "/v1/deployments", admin, DeploymentRequest{Deployment: registry.Deployment{Env: "prod", Service: "svc", Version: "2.0.0"}, KeepPrevious: true}, 204},
		{"POST", "/v1/deployments", admin, DeploymentRequest{Deployment: registry.Deployment{Env: "prod", Service: "svc", Version: "8.0.0"}}, 404},
		{"GET", "/v1/environments/prod/contracts/dep-api/consumers", reader, nil, 200},
		{"GET", "/v1/environments/prod/contracts/svc-api/providers", reader, nil, 200},
		{"GET", "/v1/environments/prod/contracts/svc-events/providers", reader, nil, 200},
		{"DELETE", "/v1/deployments/prod/svc/1.0.0", admin, nil, 204},
		{"DELETE", "/v1/deployments/prod/svc/1.0.0", admin, nil, 404},
		{"POST", "/v1/approvals", admin, registry.Approval{Contract: "svc-api", Envs: []string{"prod"}, Rule: "OPERATION_REMOVED", Element: "GET /svc-api/{id}", Reason: "retired", ExpiresAt: time.Now().Add(24 * time.Hour).UTC()}, 201},
		{"POST", "/v1/approvals", admin, registry.Approval{Contract: "svc-api", Envs: []string{"prod"}, Rule: "NO_SUCH_RULE", Element: "GET /svc-api/{id}", Reason: "retired", ExpiresAt: time.Now().Add(24 * time.Hour).UTC()}, 400},
		{"DELETE", "/v1/approvals/1", admin, nil, 204},
		{"DELETE", "/v1/approvals/999", admin, nil, 404},
		{"GET", "/v1/environments/prod/history", reader, nil, 200},
		{"GET", "/v1/environments/prod/history?since=2026-01-01T00:00:00Z", reader, nil, 200},
		{"GET", "/v1/environments/prdo/history", reader, nil, 400},
		{"GET", "/v1/usage/calls", reader, nil, 200},
		{"GET", "/v1/usage/calls?env=prod&contract=svc-api&since=2026-01-01T00:00:00Z", reader, nil, 200},
		{"GET", "/v1/usage/calls?env=prdo", reader, nil, 400},
		{"GET", "/v1/usage/unmatched", reader, nil, 200},
		{"GET", "/v1/usage/unmatched?env=prod", reader, nil, 200},
		{"POST", "/v1/traces", admin, json.RawMessage(`{"resourceSpans":[]}`), 200},
		{"POST", "/v1/traces", reader, json.RawMessage(`{"resourceSpans":[]}`), 403},
		{"POST", "/v1/approvals", admin, registry.Approval{Contract: "nothing", Rule: "R", Element: "E", Reason: "x", ExpiresAt: time.Now().UTC()}, 0},
		{"GET", "/v1/approvals", reader, nil, 200},
		{"GET", "/v1/approvals?contract=svc-api", reader, nil, 200},
		{"POST", "/v1/gate/can-i-deploy", reader, CanIDeployRequest{Env: "prod", Candidates: []GateCandidate{{Service: "svc", Version: "2.0.0", Display: "(svc 2.0.0) "}}}, 200},
		{"POST", "/v1/gate/can-i-deploy", reader, CanIDeployRequest{Env: "prdo", Candidates: []GateCandidate{{Service: "svc", Version: "2.0.0"}}}, 400},
		{"POST", "/v1/gate/can-i-deploy", reader, CanIDeployRequest{Env: "prod", Candidates: []GateCandidate{{Service: "svc", Version: "7.0.0"}}}, 404},
		{"POST", "/v1/gate/verify", reader, VerifyRequest{Env: "prod", Version: v2, Blobs: blobs2, Display: "svc/"}, 200},
		{"POST", "/v1/gate/verify", reader, VerifyRequest{Env: "prod", Version: &forged, Blobs: blobs2}, 400},
		{"GET", "/v1/contracts/svc-api/users", reader, nil, 200},
		{"GET", "/v1/contracts/svc-api/users?env=prod&element=GET%20/svc-api/%7Bid%7D", reader, nil, 200},
		{"GET", "/v1/contracts/nothing/users", reader, nil, 404},
		{"GET", "/v1/graph", reader, nil, 200},
		{"GET", "/v1/graph?env=prod", reader, nil, 200},
		{"GET", "/v1/graph?env=prdo", reader, nil, 400},
		{"GET", "/v1/tokens", admin, nil, 200},
		{"GET", "/v1/tokens", reader, nil, 403},
		{"POST", "/v1/tokens", admin, TokenRequest{Name: "ci-new", Scopes: []string{"publish:svc", "approve:svc"}}, 201},
		{"POST", "/v1/tokens", admin, TokenRequest{Name: "ci-bad", Scopes: []string{"write"}}, 400},
		{"DELETE", "/v1/tokens/" + victimID, admin, nil, 200},
		{"DELETE", "/v1/tokens/" + victimID, admin, nil, 200},
		{"DELETE", "/v1/tokens/nobody", admin, nil, 404},
		{"DELETE", "/v1/tokens/" + adminID, admin, nil, 409},
		{"GET", "/v1/audit", admin, nil, 200},
		{"GET", "/v1/audit?limit=2", admin, nil, 200},
		{"GET", "/v1/audit", reader, nil, 403},
		{"GET", "/healthz", "", nil, 200},
		{"GET", "/readyz", "", nil, 200},
		{"GET", "/metrics", "", nil, 200},
		{"GET", "/", reader, nil, 200},
		{"GET", "/", "", nil, 401},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			status, pattern := exchange(t, router, tt.method, hs.URL+tt.path, tt.secret, tt.body)
			seen[tt.method+" "+pattern] = true
			if tt.status != 0 && status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
		})
	}
	for _, r := range servedRoutes() {
		if !seen[r] {
			t.Errorf("route %s is not exercised by this test", r)
		}
	}
}

// exchange sends one request, validating it and its response against the
// document, and returns the status and the documented path it matched.
func exchange(t *testing.T, router routers.Router, method, url, secret string, in any) (int, string) {
	t.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("the document has no operation for %s %s: %v", method, url, err)
	}
	ctx := context.Background()
	reqIn := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if err := openapi3filter.ValidateRequest(ctx, reqIn); err != nil {
		t.Errorf("the request does not match the document: %v", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqIn,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(got)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") {
		// kin-openapi decodes no HTML without a global decoder; the status
		// is still checked against the documented ones.
		out.Options.ExcludeResponseBody = true
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("the %d response to %s %s does not match the document: %v\n%s", resp.StatusCode, method, url, err, truncate(got))
	}
	return resp.StatusCode, route.Path
}

func truncate(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}

// TestOpenAPINoBreakingChangeSinceRelease runs the project's own checker
// from the released document to the current one: a breaking finding means
// released clients would fail against this server. Release a new major
// version of the API instead, or keep the change compatible.
func TestOpenAPINoBreakingChangeSinceRelease(t *testing.T) {
	ctx := context.Background()
	old, err := oaschema.LoadFile(ctx, releasedDoc)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := oaschema.LoadFile(ctx, apiDoc)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := oacheck.Check(ctx, old, cur)
	if err != nil {
		t.Fatal(err)
	}
	var breaking []string
	for _, f := range rep.Findings {
		if f.Severity == compat.Breaking {
			breaking = append(breaking, f.Rule+": "+f.Message)
		}
	}
	if len(breaking) > 0 {
		t.Errorf("%s breaks clients of %s:\n%s", apiDoc, releasedDoc, strings.Join(breaking, "\n"))
	}
}
