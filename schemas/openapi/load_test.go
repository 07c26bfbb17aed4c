package openapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/contractgate/contracts/compat"
)

const okDoc = `openapi: 3.0.3
info:
  title: T
  version: 1.0.0
paths:
  /orders:
    get:
      responses:
        '200':
          description: OK.
`

func docWithRef(ref string) string {
	return `openapi: 3.0.3
info:
  title: T
  version: 1.0.0
paths:
  /orders:
    get:
      responses:
        '200':
          description: OK.
          content:
            application/json:
              schema:
                $ref: '` + ref + `'
`
}

// TestLoadBadInput pins one error per kind of bad input: each is an
// InputError naming the file as displayed (and the line where there is one).
func TestLoadBadInput(t *testing.T) {
	deep := "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\nx-deep: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n"
	tests := []struct {
		name  string
		files fstest.MapFS
		opts  Options
		want  []string
	}{
		{"remote ref", fstest.MapFS{"openapi.yaml": {Data: []byte(docWithRef("http://example.com/order.yaml#/Order"))}}, Options{}, []string{"new/openapi.yaml", "remote reference"}},
		{"escaping ref", fstest.MapFS{"openapi.yaml": {Data: []byte(docWithRef("../outside/items.yaml"))}}, Options{}, []string{"new/openapi.yaml", "leaves the document's folder"}},
		{"absolute ref", fstest.MapFS{"openapi.yaml": {Data: []byte(docWithRef("/etc/passwd"))}}, Options{}, []string{"new/openapi.yaml", "leaves the document's folder"}},
		{"missing file", fstest.MapFS{"openapi.yaml": {Data: []byte(docWithRef("./schemas/order.yaml"))}}, Options{}, []string{"new/openapi.yaml", "new/schemas/order.yaml", "does not exist"}},
		{"dangling ref", fstest.MapFS{"openapi.yaml": {Data: []byte(docWithRef("#/components/schemas/Nope"))}}, Options{}, []string{"new/openapi.yaml:14", "#/components/schemas/Nope"}},
		{"malformed yaml", fstest.MapFS{"openapi.yaml": {Data: []byte("openapi: 3.0.3\npaths:\n  /x:\n    get: [a, b\n")}}, Options{}, []string{"new/openapi.yaml:", "malformed YAML"}},
		{"malformed json", fstest.MapFS{"openapi.yaml": {Data: []byte("{\n\"openapi\": \"3.0.3\",\n\"paths\": {,}\n}")}}, Options{}, []string{"new/openapi.yaml:3", "malformed JSON"}},
		{"not openapi", fstest.MapFS{"openapi.yaml": {Data: []byte("name: build\non: push\n")}}, Options{}, []string{"new/openapi.yaml", "not an OpenAPI document"}},
		{"not a mapping", fstest.MapFS{"openapi.yaml": {Data: []byte("- a\n- b\n")}}, Options{}, []string{"new/openapi.yaml", "not an OpenAPI document"}},
		{"too big", fstest.MapFS{"openapi.yaml": {Data: []byte(okDoc)}}, Options{MaxBytes: 16}, []string{"new/openapi.yaml", "limit"}},
		{"too deep", fstest.MapFS{"openapi.yaml": {Data: []byte(deep)}}, Options{}, []string{"new/openapi.yaml", "nesting"}},
		{"missing main file", fstest.MapFS{}, Options{}, []string{"new/openapi.yaml", "does not exist"}},
		{"bad ref file", fstest.MapFS{"openapi.yaml": {Data: []byte(docWithRef("./order.yaml"))}, "order.yaml": {Data: []byte("type: [object\n")}}, Options{}, []string{"new/order.yaml", "malformed YAML"}},
		{"swagger 1.2", fstest.MapFS{"openapi.yaml": {Data: []byte("swagger: '1.2'\n")}}, Options{}, []string{"new/openapi.yaml", "not supported"}},
		{"alias bomb", fstest.MapFS{"openapi.yaml": {Data: []byte("openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n")}}, Options{}, []string{"new/openapi.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Display = "new/"
			_, err := Load(context.Background(), tt.files, "openapi.yaml", tt.opts)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			var ie *compat.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T) is not an InputError", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestLoadGood loads the accepted shapes and checks positions survive.
func TestLoadGood(t *testing.T) {
	jsonDoc := `{
  "openapi": "3.1.0",
  "info": {"title": "T", "version": "1"},
  "paths": {
    "/orders": {
      "get": {
        "responses": {"200": {"description": "OK."}}
      }
    }
  }
}`
	circular := okDoc + `components:
  schemas:
    Node:
      type: object
      properties:
        children:
          type: array
          items:
            $ref: '#/components/schemas/Node'
`
	swagger := "swagger: '2.0'\ninfo: {title: T, version: '1'}\npaths:\n  /orders:\n    get:\n      responses:\n        '200':\n          description: OK.\n"
	merge := "openapi: 3.0.3\ninfo: {title: T, version: '1'}\nx-base: &base\n  description: OK.\npaths:\n  /orders:\n    get:\n      responses:\n        '200':\n          <<: *base\n"
	tests := []struct {
		name, data string
		line       int
	}{
		{"yaml", okDoc, 7},
		{"yaml merge keys", merge, 7},
		{"unquoted version", strings.Replace(okDoc, "openapi: 3.0.3", "openapi: 3.0", 1), 7},
		{"json", jsonDoc, 6},
		{"circular", circular, 7},
		{"swagger", swagger, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"api/openapi.yaml": {Data: []byte(tt.data)}}
			d, err := Load(context.Background(), fsys, "api/openapi.yaml", Options{Display: "x/"})
			if err != nil {
				t.Fatal(err)
			}
			if d.Name != "x/api/openapi.yaml" || len(d.Files) != 1 {
				t.Errorf("Name %q, %d files", d.Name, len(d.Files))
			}
			op := d.T.Paths.Find("/orders").Get
			loc := d.Location(op.Origin)
			if loc.Line == 0 {
				if l, ok := d.OperationLocation("/orders", "get"); ok {
					loc = l
				}
			}
			if loc.File != "x/api/openapi.yaml" || loc.Line != tt.line {
				t.Errorf("GET /orders at %s, want x/api/openapi.yaml:%d", loc, tt.line)
			}
		})
	}
}

// TestLoadJSONRefFile follows a ref to a JSON file and locates its parts.
func TestLoadJSONRefFile(t *testing.T) {
	fsys := fstest.MapFS{
		"openapi.yaml": {Data: []byte(docWithRef("order.json"))},
		"order.json":   {Data: []byte("{\n  \"type\": \"object\",\n  \"properties\": {\n    \"id\": {\"type\": \"string\"}\n  }\n}\n")},
	}
	d, err := Load(context.Background(), fsys, "openapi.yaml", Options{Display: "new/"})
	if err != nil {
		t.Fatal(err)
	}
	s := d.T.Paths.Find("/orders").Get.Responses.Value("200").Value.Content["application/json"].Schema.Value
	if loc := d.Location(s.Properties["id"].Value.Origin); loc.File != "new/order.json" || loc.Line != 4 {
		t.Errorf("property id at %s, want new/order.json:4", loc)
	}
}

// TestLoadMultiFile follows a ref to a file beside the document and keeps
// every file read.
func TestLoadMultiFile(t *testing.T) {
	fsys := fstest.MapFS{
		"openapi.yaml":       {Data: []byte(docWithRef("./schemas/order.yaml"))},
		"schemas/order.yaml": {Data: []byte("type: object\nproperties:\n  id:\n    type: string\n")},
	}
	d, err := Load(context.Background(), fsys, "openapi.yaml", Options{Display: "new/"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Files["schemas/order.yaml"]; !ok || len(d.Files) != 2 {
		t.Errorf("Files = %v", keys(d.Files))
	}
	s := d.T.Paths.Find("/orders").Get.Responses.Value("200").Value.Content["application/json"].Schema.Value
	if loc := d.Location(s.Properties["id"].Value.Origin); loc.String() != "new/schemas/order.yaml:3:3" {
		t.Errorf("property id at %s", loc)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestLoadFileSymlinkEscape refuses a ref through a symbolic link that
// leaves the document's folder.
func TestLoadFileSymlinkEscape(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "order.yaml"), []byte("type: object\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "api"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "api", "schemas")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "api", "openapi.yaml"), []byte(docWithRef("./schemas/order.yaml")), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	_, err := LoadFile(context.Background(), "api/openapi.yaml")
	if err == nil || !compat.IsInput(err) || !strings.Contains(err.Error(), "api/") {
		t.Fatalf("LoadFile = %v, want an input error naming api/", err)
	}
}

// TestLoadCancelled pins that a cancelled load ends with the context's
// cause, not as bad input and not by reading the document another way.
func TestLoadCancelled(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "  /p%d:\n    get:\n      responses:\n        '200': {description: ok}\n", i)
	}
	cause := errors.New("stop")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	_, err := Load(ctx, fstest.MapFS{"openapi.yaml": {Data: []byte(b.String())}}, "openapi.yaml", Options{})
	if !errors.Is(err, cause) || compat.IsInput(err) {
		t.Fatalf("Load with a cancelled context = %v, want the cause and no input error", err)
	}
}
