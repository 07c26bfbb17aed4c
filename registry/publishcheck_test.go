package registry

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyPublishAgainstManifest: what a version says it provides and
// consumes must be what its manifest says, down to what a consumer
// tolerates (which turns breaking findings into info for it).
func TestVerifyPublishAgainstManifest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"contracts.yaml": "service: shop\nprovides:\n  - contract: shop-api\n    openapi: openapi.yaml\nconsumes:\n  - contract: catalog-api\n    uses: [\"GET /items\"]\n",
		"openapi.yaml":   "openapi: 3.0.3\ninfo: {title: shop, version: '1'}\npaths: {}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	load := func() (*Version, map[string][]byte) {
		wc, err := LoadWorkingCopy(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		wc.Version.Version = "1.0.0"
		return wc.Version, wc.Blobs
	}
	none := func(context.Context, []string) (map[string][]byte, error) { return nil, nil }
	v, blobs := load()
	if err := VerifyPublish(ctx, v, blobs, none); err != nil {
		t.Fatalf("an honest working copy: %v", err)
	}
	for name, forge := range map[string]func(v *Version){
		"tolerates the manifest does not": func(v *Version) { v.Consumes[0].Tolerates = []string{"new-enum-values"} },
		"uses more than the manifest":     func(v *Version) { v.Consumes[0].Uses = append(v.Consumes[0].Uses, "DELETE /items") },
		"consumes nothing":                func(v *Version) { v.Consumes = nil },
		"a path the manifest does not":    func(v *Version) { v.Provides[0].Path = "other.yaml" },
	} {
		t.Run(name, func(t *testing.T) {
			v, blobs := load()
			forge(v)
			v.ComputeDigest()
			err := VerifyPublish(ctx, v, blobs, none)
			if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), "manifest") {
				t.Errorf("VerifyPublish = %v, want invalid naming the manifest", err)
			}
		})
	}
}
