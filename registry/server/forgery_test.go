package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/client"
)

// TestForgedVerdictsAreRefused replays the forged-verdict attacks against a
// real `contracts serve`: catalog 2.0.0 removes two operations shop relies
// on, so can-i-deploy to production must say NO with two breaking findings.
// A deploy:staging token once turned that into a yes with two PUTs to the
// comparison cache, and a publisher of another service by publishing
// versions that claimed catalog's document hashes. Now the cache has no
// route, every hash is recomputed by the server, and the gate (which runs
// on the server) still says NO: through the CLI, and on the web page.
func TestForgedVerdictsAreRefused(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			sc := newScene(t, b)
			staging := sc.token(t, "ci-staging", "deploy:staging")
			evil := sc.token(t, "ci-evil", "publish:evil")

			code, found := sc.breakingRefusals(t, staging)
			if code != 1 || len(found) != 2 {
				t.Fatalf("before any attack: exit %d with breaking findings %v; want exit 1 and two", code, found)
			}

			// The comparison cache has no route: neither PUT nor GET.
			for _, method := range []string{"PUT", "GET"} {
				resp, body := doRaw(t, method, sc.url+"/v1/reports/cmp/x", staging, "", `{"report":"e30="}`)
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s /v1/reports: %d %s, want 404", method, resp.StatusCode, body)
				}
			}

			// Publishes that do not hold together are refused, naming why.
			ctx := context.Background()
			reader, _ := client.New(sc.url, staging)
			stored, err := reader.Version(ctx, "catalog", "2.0.0")
			if err != nil {
				t.Fatal(err)
			}
			base := func(t *testing.T) (*registry.Version, map[string][]byte) {
				dir := t.TempDir()
				writeFiles(t, dir, map[string]string{
					"contracts.yaml": "service: evil\nprovides:\n  - contract: evil-api\n    openapi: openapi.yaml\n",
					"openapi.yaml":   catalogV1,
				})
				wc, err := registry.LoadWorkingCopy(ctx, dir)
				if err != nil {
					t.Fatal(err)
				}
				wc.Version.Version = "1.0.0"
				return wc.Version, wc.Blobs
			}
			for _, tt := range []struct {
				name   string
				forge  func(v *registry.Version, blobs map[string][]byte)
				reason string
			}{
				{"a document hash claimed from catalog 2.0.0", func(v *registry.Version, _ map[string][]byte) {
					v.Provides[0].Doc.Hash = stored.Provides[0].Doc.Hash
					v.ComputeDigest()
				}, "is not the hash of its files"},
				{"a made-up digest", func(v *registry.Version, _ map[string][]byte) { v.Digest = "0000" }, "is not the digest"},
				{"a path out of the root", func(v *registry.Version, _ map[string][]byte) {
					v.Provides[0].Doc.Files[0].Path = "../../../etc/passwd"
				}, "segment; stored paths stay inside the publish root"},
				{"a NUL in a path", func(v *registry.Version, _ map[string][]byte) {
					v.Provides[0].Doc.Files[0].Path = "open\x00api.yaml"
				}, "NUL"},
				{"a main file not among the files", func(v *registry.Version, _ map[string][]byte) {
					v.Provides[0].Doc.Main = "other.yaml"
				}, "not among the document's files"},
				{"bytes that do not match their hash", func(v *registry.Version, blobs map[string][]byte) {
					for h := range blobs {
						blobs[h] = []byte("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\n")
					}
				}, "does not match its content"},
				{"a document that does not parse", func(v *registry.Version, blobs map[string][]byte) {
					junk := []byte("openapi: [3\n")
					f := &v.Provides[0].Doc.Files[0]
					delete(blobs, f.Hash)
					f.Hash, f.Size = registry.HashBytes(junk), int64(len(junk))
					blobs[f.Hash] = junk
					d, _ := registry.NewDoc(registry.OpenAPI, "openapi.yaml", map[string][]byte{"openapi.yaml": junk})
					v.Provides[0].Doc = d
					v.ComputeDigest()
				}, "openapi.yaml"},
				{"provides the manifest does not say", func(v *registry.Version, _ map[string][]byte) {
					v.Provides[0].Contract = "evil-events"
					v.ComputeDigest()
				}, "not what the manifest says"},
				{"version ..", func(v *registry.Version, _ map[string][]byte) { v.Version = ".." }, "(but not . or .. alone)"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					v, blobs := base(t)
					tt.forge(v, blobs)
					resp, body := do(t, "POST", sc.url+"/v1/services/evil/versions", evil, PublishRequest{Version: v, Blobs: blobs})
					if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tt.reason) {
						t.Errorf("%d %s, want 400 saying %q", resp.StatusCode, body, tt.reason)
					}
				})
			}
			if _, err := reader.Version(ctx, "evil", "1.0.0"); registry.ErrorCode(err) != registry.ENOTFOUND {
				t.Errorf("a forged publish was stored: %v", err)
			}
			// The CLI refuses a forged publish the same way: exit 2.
			// (contracts publish computes honest hashes, so forge by
			// pointing another token at catalog's service.)
			if _, errs, code := cli(t, sc.bin, sc.url, evil, "publish", sc.catalog2, "--version", "2.0.1"); code != 2 || !strings.Contains(errs, "publish:catalog") {
				t.Errorf("publishing catalog with publish:evil: exit %d %s, want 2 naming the scope", code, errs)
			}

			code, after := sc.breakingRefusals(t, staging)
			if code != 1 || fmt.Sprint(after) != fmt.Sprint(found) {
				t.Errorf("after the attacks: exit %d with %v; want exit 1 with %v", code, after, found)
			}
			// The web page asks the same gate.
			req, _ := http.NewRequest("GET", sc.url+"/?service=catalog&version=2.0.0&env=production", nil)
			req.SetBasicAuth("browser", staging)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(page), `<span class="err">NO</span>`) || strings.Contains(string(page), `<span class="ok">YES</span>`) {
				t.Errorf("the web page does not say NO:\n%s", page)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("the web page may be framed: Content-Security-Policy %q", csp)
			}
			// Verify of the same change, uploaded, says NO as well.
			if _, _, code := cli(t, sc.bin, sc.url, staging, "verify", sc.catalog2, "--against", "production"); code != 1 {
				t.Errorf("verify of catalog 2.0.0's working copy: exit %d, want 1", code)
			}
		})
	}
}
