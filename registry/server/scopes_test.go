package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/storetest"
)

// TestScopes tries every route with every kind of token: allowed requests
// pass authorisation (whatever the store then answers), others get 401
// (no, unknown or revoked token) or 403 (a valid token lacking the scope).
// Every request and response is also validated against the OpenAPI
// document.
func TestScopes(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	_, hs := startServer(t, db, Options{})
	_, router := loadAPIDoc(t, hs.URL)
	v, _ := seed(t, db)
	v2, blobs2 := storetest.Spec{Service: "svc", Version: "2.0.0", Provides: []string{"svc-api"}}.Build()
	dep, depBlobs := storetest.Spec{Service: "dep", Version: "1.0.0", Provides: []string{"dep-api"}}.Build()
	if _, err := db.Publish(ctx, dep, depBlobs); err != nil {
		t.Fatal(err)
	}

	tokens := map[string]string{"none": "", "unknown": "ctk_0000000000000000_bogus"}
	for name, scopes := range map[string][]string{
		"read": {"read"}, "publish-svc": {"publish:svc"}, "publish-other": {"publish:other"}, "publish-all": {"publish:*"},
		"approve-svc": {"approve:svc"}, "deploy-prod": {"deploy:prod"}, "deploy-staging": {"deploy:staging"}, "deploy-all": {"deploy:*"},
		"admin": {"admin"}, "revoked": {"admin"}, "victim": {"read"}, "usage": {"usage"},
	} {
		tokens[name] = token(t, db, name, scopes...)
	}
	victim := ""
	toks, _ := db.Tokens(ctx)
	for _, tk := range toks {
		switch tk.Name {
		case "revoked":
			if err := db.RevokeToken(ctx, tk.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		case "victim":
			victim = tk.ID
		}
	}
	valid := []string{"read", "publish-svc", "publish-other", "publish-all", "approve-svc", "deploy-prod", "deploy-staging", "deploy-all", "admin", "usage"}
	everyone := append([]string{"none", "unknown", "revoked"}, valid...)

	tests := []struct {
		method, pattern, path string
		body                  any
		allowed               []string
	}{
		{"POST", "/v1/services/{service}/versions", "/v1/services/svc/versions", PublishRequest{Version: v2, Blobs: blobs2}, []string{"publish-svc", "publish-all", "admin"}},
		{"GET", "/v1/services", "/v1/services", nil, valid},
		{"GET", "/v1/services/{service}/versions", "/v1/services/svc/versions", nil, valid},
		{"GET", "/v1/services/{service}/versions/{version}", "/v1/services/svc/versions/1.0.0", nil, valid},
		{"GET", "/v1/contracts/{contract}", "/v1/contracts/svc-api", nil, valid},
		{"POST", "/v1/blobs/query", "/v1/blobs/query", BlobsRequest{Hashes: registry.ReferencedBlobs(v)}, valid},
		{"GET", "/v1/environments", "/v1/environments", nil, valid},
		{"POST", "/v1/environments", "/v1/environments", EnvironmentRequest{Name: "staging"}, []string{"deploy-staging", "deploy-all", "admin"}},
		{"GET", "/v1/deployments", "/v1/deployments?env=prod", nil, valid},
		{"POST", "/v1/deployments", "/v1/deployments", DeploymentRequest{Deployment: registry.Deployment{Env: "prod", Service: "svc", Version: "1.0.0"}}, []string{"deploy-prod", "deploy-all", "admin"}},
		{"DELETE", "/v1/deployments/{env}/{service}/{version}", "/v1/deployments/prod/svc/1.0.0", nil, []string{"deploy-prod", "deploy-all", "admin"}},
		{"GET", "/v1/environments/{env}/contracts/{contract}/consumers", "/v1/environments/prod/contracts/dep-api/consumers", nil, valid},
		{"GET", "/v1/environments/{env}/contracts/{contract}/providers", "/v1/environments/prod/contracts/svc-api/providers", nil, valid},
		{"GET", "/v1/approvals", "/v1/approvals?contract=svc-api", nil, valid},
		// Approving a break that affects svc as a consumer is for svc's
		// team (or an admin); approving one for every consumer is for admins.
		{"POST", "/v1/approvals", "/v1/approvals", registry.Approval{Contract: "dep-api", Consumer: "svc", Envs: []string{"prod"}, Rule: "OPERATION_REMOVED", Element: "GET /dep-api/{id}", Reason: "planned", ExpiresAt: time.Now().Add(time.Hour)},
			[]string{"publish-svc", "publish-all", "approve-svc", "admin"}},
		{"POST", "/v1/approvals", "/v1/approvals", registry.Approval{Contract: "dep-api", Envs: []string{"prod"}, Rule: "OPERATION_REMOVED", Element: "GET /dep-api/{id}", Reason: "planned", ExpiresAt: time.Now().Add(time.Hour)}, []string{"admin"}},
		{"DELETE", "/v1/approvals/{id}", "/v1/approvals/1", nil, []string{"publish-svc", "publish-all", "approve-svc", "admin"}},
		{"POST", "/v1/gate/can-i-deploy", "/v1/gate/can-i-deploy", CanIDeployRequest{Env: "prod", Candidates: []GateCandidate{{Service: "svc", Version: "1.0.0"}}}, valid},
		{"POST", "/v1/gate/verify", "/v1/gate/verify", VerifyRequest{Env: "prod", Version: v2, Blobs: blobs2}, valid},
		{"GET", "/v1/contracts/{contract}/users", "/v1/contracts/svc-api/users?env=prod", nil, valid},
		{"GET", "/v1/graph", "/v1/graph?env=prod", nil, valid},
		{"GET", "/v1/tokens", "/v1/tokens", nil, []string{"admin"}},
		{"POST", "/v1/tokens", "/v1/tokens", TokenRequest{Name: "made-over-http", Scopes: []string{"read"}}, []string{"admin"}},
		{"DELETE", "/v1/tokens/{id}", "/v1/tokens/" + victim, nil, []string{"admin"}},
		{"GET", "/v1/audit", "/v1/audit?limit=5", nil, []string{"admin"}},
		{"GET", "/v1/environments/{env}/history", "/v1/environments/prod/history?since=2026-01-01T00:00:00Z", nil, valid},
		{"GET", "/v1/usage/calls", "/v1/usage/calls?env=prod&contract=svc-api", nil, valid},
		{"GET", "/v1/usage/unmatched", "/v1/usage/unmatched?env=prod", nil, valid},
		{"POST", "/v1/traces", "/v1/traces", json.RawMessage(`{"resourceSpans":[]}`), []string{"usage", "admin"}},
		{"GET", "/healthz", "/healthz", nil, everyone},
		{"GET", "/readyz", "/readyz", nil, everyone},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.method+" "+tt.pattern] = true
	}
	for _, rt := range routeTable {
		if !covered[rt.method+" "+rt.path] {
			t.Errorf("route %s %s has no case in TestScopes", rt.method, rt.path)
		}
	}
	names := append([]string{"none", "unknown", "revoked"}, valid...)
	for _, tt := range tests {
		for _, name := range names {
			t.Run(tt.method+" "+tt.pattern+"/"+name, func(t *testing.T) {
				status, _ := exchange(t, router, tt.method, hs.URL+tt.path, tokens[name], tt.body)
				allowed := false
				for _, a := range tt.allowed {
					allowed = allowed || a == name
				}
				switch {
				case allowed && (status == 401 || status == 403):
					t.Errorf("%s: got %d, want it allowed", name, status)
				case allowed && status >= 500:
					t.Errorf("%s: got %d", name, status)
				case !allowed:
					want := http.StatusForbidden
					if name == "none" || name == "unknown" || name == "revoked" {
						want = http.StatusUnauthorized
					}
					// The body, {"error":{code,message}}, is checked
					// against the document by exchange.
					if status != want {
						t.Errorf("%s: got %d, want %d", name, status, want)
					}
				}
			})
		}
	}
	// The web page reads like the API.
	for _, name := range names {
		resp, _ := do(t, "GET", hs.URL+"/", tokens[name], nil)
		want := http.StatusOK
		if name == "none" || name == "unknown" || name == "revoked" {
			want = http.StatusUnauthorized
		}
		if resp.StatusCode != want {
			t.Errorf("GET / with %s: %d, want %d", name, resp.StatusCode, want)
		}
	}
	// Every allowed mutation is in the audit log, by token name.
	entries, err := db.Audit(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range entries {
		actions[e.Action]++
		if !strings.Contains(e.Actor, "(token ") {
			t.Errorf("audit entry %+v does not name its token", e)
		}
	}
	for action, want := range map[string]int{"publish": 3, "record-deployment": 3, "approve": 5, "revoke-approval": 4, "create-token": 1, "revoke-token": 1} {
		if actions[action] != want {
			t.Errorf("audit has %d %s entries, want %d (all: %v)", actions[action], action, want, actions)
		}
	}
	if actions["create-environment"] != 1 {
		t.Errorf("audit has %d create-environment entries, want 1 (creating it again changes nothing)", actions["create-environment"])
	}
	if actions["record-undeployment"] != 1 {
		// The first allowed undeployment removes the version; the others
		// find nothing live and change nothing.
		t.Errorf("audit has %d record-undeployment entries, want 1", actions["record-undeployment"])
	}
}

func TestCallerCan(t *testing.T) {
	tests := []struct {
		scopes []string
		want   string
		ok     bool
	}{
		{[]string{"read"}, "read", true},
		{[]string{"deploy:prod"}, "read", true},
		{[]string{"read"}, "publish:a", false},
		{[]string{"publish:a"}, "publish:a", true},
		{[]string{"publish:a"}, "publish:b", false},
		{[]string{"publish:*"}, "publish:b", true},
		{[]string{"publish:*"}, "deploy:b", false},
		{[]string{"deploy:*"}, "deploy:prod", true},
		{[]string{"deploy:prod"}, "deploy:staging", false},
		{[]string{"admin"}, "deploy:prod", true},
		{[]string{"approve:a"}, "approve:a", true},
		{[]string{"approve:a"}, "publish:a", false},
		{[]string{"publish:*"}, "admin", false},
		{[]string{"approve:a"}, "approve:b", false},
		{[]string{"publish:a"}, "approve:a", false},
		// A family asks for any scope of it, before the body names one.
		{[]string{"deploy:prod"}, "deploy:", true},
		{[]string{"publish:a"}, "deploy:", false},
		{[]string{"read"}, "publish:", false},
		{[]string{"admin"}, "approve:", true},
		{nil, "read", false},
	}
	for _, tt := range tests {
		c := &caller{name: "t", scopes: tt.scopes}
		if got := c.can(tt.want); got != tt.ok {
			t.Errorf("%v can %s = %t, want %t", tt.scopes, tt.want, got, tt.ok)
		}
	}
}

func TestValidScope(t *testing.T) {
	for _, s := range []string{"read", "admin", "publish:checkout", "publish:*", "deploy:production", "deploy:*", "approve:checkout"} {
		if err := ValidScope(s); err != nil {
			t.Errorf("ValidScope(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "write", "publish:", "publish:Bad", "deploy:", "deploy:a b", "admin:*", "approve:*", "approve:"} {
		if err := ValidScope(s); registry.ErrorCode(err) != registry.EINVALID {
			t.Errorf("ValidScope(%q) = %v, want invalid", s, err)
		}
	}
}
