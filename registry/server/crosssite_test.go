package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/contractgate/contracts/registry/client"
)

// TestCrossSiteWritesAreRefused: a page of another site, in a browser
// logged in to the registry's web page (Basic auth, which the browser
// resends by itself), once recorded a deployment and an approval with
// text/plain and form POSTs. Against a real `contracts serve`, every such
// request is refused and nothing is recorded; the web page still opens.
func TestCrossSiteWritesAreRefused(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			sc := newScene(t, b)
			deploy := `{"deployment":{"env":"production","service":"catalog","version":"2.0.0"}}`
			approve := `{"contract":"catalog-api","rule":"OPERATION_REMOVED","element":"GET /items/{id}","consumer":"shop","envs":["production"],"reason":"x","expiresAt":"2099-01-01T00:00:00Z"}`
			type attempt struct {
				name, path, contentType, body string
				basic, bearer                 bool
				origin                        string
				status                        int
			}
			var attempts []attempt
			for _, w := range []struct{ path, body string }{{"/v1/deployments", deploy}, {"/v1/approvals", approve}} {
				attempts = append(attempts,
					attempt{"text/plain with the browser's login from another site", w.path, "text/plain", w.body, true, false, "http://evil.example", 403},
					attempt{"a form with the browser's login from another site", w.path, "application/x-www-form-urlencoded", "x=" + w.body, true, false, "http://evil.example", 403},
					attempt{"text/plain with the browser's login", w.path, "text/plain", w.body, true, false, "", 401},
					attempt{"JSON with the browser's login", w.path, "application/json", w.body, true, false, "", 401},
					attempt{"text/plain with a bearer token", w.path, "text/plain", w.body, false, true, "", 400},
					attempt{"JSON from another site's page", w.path, "application/json", w.body, false, true, "http://evil.example", 403},
					attempt{"JSON and trailing bytes", w.path, "application/json", w.body + `{"deployment":{}}`, false, true, "", 400},
				)
			}
			for _, a := range attempts {
				t.Run(a.path+"/"+a.name, func(t *testing.T) {
					req, _ := http.NewRequest("POST", sc.url+a.path, strings.NewReader(a.body))
					req.Header.Set("Content-Type", a.contentType)
					if a.origin != "" {
						req.Header.Set("Origin", a.origin)
					}
					if a.basic {
						req.SetBasicAuth("browser", sc.admin)
					}
					if a.bearer {
						req.Header.Set("Authorization", "Bearer "+sc.admin)
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != a.status {
						t.Errorf("%d, want %d", resp.StatusCode, a.status)
					}
				})
			}
			ctx := context.Background()
			c, _ := client.New(sc.url, sc.admin)
			live, err := c.Deployments(ctx, "production")
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range live {
				if d.Service == "catalog" && d.Version != "1.0.0" {
					t.Errorf("a cross-site request deployed %s %s", d.Service, d.Version)
				}
			}
			if as, err := c.Approvals(ctx, ""); err != nil || len(as) != 0 {
				t.Errorf("approvals after the attempts: %+v, %v; want none", as, err)
			}
			// The same write, sent as the CLI sends it, works: the locks
			// are on the browser's ways in, not on the API.
			if resp, body := doRaw(t, "POST", sc.url+"/v1/deployments", sc.admin, "", `{"deployment":{"env":"staging","service":"catalog","version":"2.0.0"}}`); resp.StatusCode != http.StatusNoContent {
				t.Errorf("a bearer JSON deployment: %d %s", resp.StatusCode, body)
			}
			// The web page opens with the browser's login, and only GETs.
			req, _ := http.NewRequest("GET", sc.url+"/", nil)
			req.SetBasicAuth("browser", sc.admin)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("web page: %d, X-Frame-Options %q", resp.StatusCode, resp.Header.Get("X-Frame-Options"))
			}
			req, _ = http.NewRequest("POST", sc.url+"/", strings.NewReader("service=catalog"))
			req.SetBasicAuth("browser", sc.admin)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode < 400 {
					t.Errorf("POST to the web page: %d, want a refusal", resp.StatusCode)
				}
			}
		})
	}
}
