package proto

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/contractgate/contracts/compat"
)

const orderProto = `syntax = "proto3";

package orders.v1;

import "google/protobuf/timestamp.proto";

message Order {
  string id = 1;
  google.protobuf.Timestamp created_at = 2;
}

message GetOrderRequest {
  string id = 1;
}

service OrderService {
  rpc GetOrder(GetOrderRequest) returns (Order);
}
`

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, src := range files {
		m[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return m
}

func TestCompile(t *testing.T) {
	fsys := mapFS(map[string]string{
		"orders/v1/orders.proto": orderProto,
		"shipping/v1/parcel.proto": `syntax = "proto2";
package shipping.v1;
message Parcel { required string id = 1; optional int32 grams = 2 [default = 5]; }`,
		"paint/v1/paint.proto": `edition = "2023";
package paint.v1;
message Can { string id = 1; Can inner = 2 [features.message_encoding = DELIMITED]; }`,
		"README.md": "not a proto file",
		"api/v1/api.proto": `syntax = "proto3";
package api.v1;
import "google/api/annotations.proto";
import "google/api/field_behavior.proto";
import "google/type/money.proto";
import "google/rpc/status.proto";
message Charge { google.type.Money amount = 1 [(google.api.field_behavior) = REQUIRED]; google.rpc.Status status = 2; }
service Charges { rpc Get(Charge) returns (Charge) { option (google.api.http) = { get: "/v1/charges" }; } }`,
	})
	set, err := Compile(context.Background(), fsys, Options{Display: "new/"})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range set.Files {
		paths = append(paths, f.Path())
	}
	if got, want := strings.Join(paths, " "), "api/v1/api.proto orders/v1/orders.proto paint/v1/paint.proto shipping/v1/parcel.proto"; got != want {
		t.Errorf("files = %s, want %s", got, want)
	}
	if len(set.Sources) != 4 || set.Sources["orders/v1/orders.proto"] == nil {
		t.Errorf("sources = %d files, want the 4 .proto files of the folder", len(set.Sources))
	}
	for _, tc := range []struct {
		name string
		has  func(string) bool
		want bool
	}{
		{"orders.v1.Order", set.HasMessage, true},
		{".orders.v1.Order", set.HasMessage, true},
		{"shipping.v1.Parcel", set.HasMessage, true},
		{"orders.v1.Missing", set.HasMessage, false},
		{"google.protobuf.Timestamp", set.HasMessage, false},
		{"orders.v1.OrderService.GetOrder", set.HasMethod, true},
		{"/orders.v1.OrderService/GetOrder", set.HasMethod, true},
		{"orders.v1.OrderService.Nope", set.HasMethod, false},
	} {
		if got := tc.has(tc.name); got != tc.want {
			t.Errorf("Has(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestCompileBadInput pins one error per kind of bad input: each is a
// *compat.InputError naming the file (with the display prefix) and, where
// there is one, the line.
func TestCompileBadInput(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		max     int64
		wantLoc string // prefix of the error's location
		wantMsg string // substring of the error
	}{
		{
			name:    "syntax error",
			files:   map[string]string{"a/a.proto": "syntax = \"proto3\";\nmessage A {\n  string id = 1\n"},
			wantLoc: "x/a/a.proto:4:1", wantMsg: "syntax error",
		},
		{
			name:    "missing import",
			files:   map[string]string{"a.proto": "syntax = \"proto3\";\nimport \"common/money.proto\";\n"},
			wantLoc: "x/a.proto:2:8", wantMsg: `import "common/money.proto" is neither in the proto folder`,
		},
		{
			name:    "import climbs out of the folder",
			files:   map[string]string{"a.proto": "syntax = \"proto3\";\nimport \"../secret.proto\";\n"},
			wantLoc: "x/a.proto:2:8", wantMsg: `import "../secret.proto" leaves the proto folder`,
		},
		{
			name:    "import climbs out through a subfolder",
			files:   map[string]string{"a.proto": "syntax = \"proto3\";\nimport \"b/../../secret.proto\";\n"},
			wantLoc: "x/a.proto:2:8", wantMsg: "leaves the proto folder",
		},
		{
			name:    "absolute import",
			files:   map[string]string{"a.proto": "syntax = \"proto3\";\nimport \"/etc/secret.proto\";\n"},
			wantLoc: "x/a.proto:2:8", wantMsg: "leaves the proto folder",
		},
		{
			name:    "backslash import",
			files:   map[string]string{"a.proto": "syntax = \"proto3\";\nimport \"..\\\\secret.proto\";\n"},
			wantLoc: "x/a.proto:2:8", wantMsg: "leaves the proto folder",
		},
		{
			name:    "duplicate field numbers",
			files:   map[string]string{"a.proto": "syntax = \"proto3\";\nmessage A {\n  string a = 1;\n  string b = 1;\n}\n"},
			wantLoc: "x/a.proto:4:", wantMsg: "same tag 1",
		},
		{
			name:    "undefined type",
			files:   map[string]string{"a.proto": "syntax = \"proto3\";\nmessage A {\n  Money total = 1;\n}\n"},
			wantLoc: "x/a.proto:3:3", wantMsg: "unknown type Money",
		},
		{
			name: "import cycle",
			files: map[string]string{
				"a.proto": "syntax = \"proto3\";\nimport \"b.proto\";\n",
				"b.proto": "syntax = \"proto3\";\nimport \"a.proto\";\n",
			},
			wantLoc: "x/", wantMsg: "cycle",
		},
		{
			name: "several broken files report the first by position",
			files: map[string]string{
				"z.proto": "syntax = \"proto3\";\nmessage Z {\n  Nope n = 1;\n}\n",
				"a.proto": "syntax = \"proto3\";\nmessage A {\n  string a = 1;\n  Missing m = 2;\n}\n",
				"m.proto": "syntax = \"proto3\";\nmessage M {\n  Gone g = 1;\n}\n",
			},
			wantLoc: "x/a.proto:4:3", wantMsg: "(and 2 more errors)",
		},
		{
			name:    "nested too deep",
			files:   map[string]string{"a.proto": "syntax = \"proto3\";\n" + strings.Repeat("message A {\n", 200)},
			wantLoc: "x/a.proto:130", wantMsg: "deeper than 128 levels",
		},
		{
			name:    "empty folder",
			files:   map[string]string{"README.md": "nothing here"},
			wantLoc: "x/", wantMsg: "holds no .proto files",
		},
		{
			name:    "too large",
			files:   map[string]string{"a.proto": "syntax = \"proto3\";\n// " + strings.Repeat("x", 200) + "\n"},
			max:     100,
			wantLoc: "x/a.proto", wantMsg: "exceed the limit of 100 bytes",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(context.Background(), mapFS(tc.files), Options{Display: "x/", MaxBytes: tc.max})
			var ie *compat.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v (%T), want a *compat.InputError", err, err)
			}
			if got := ie.Location.String(); !strings.HasPrefix(got, tc.wantLoc) {
				t.Errorf("location = %q, want prefix %q", got, tc.wantLoc)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("err = %q, want it to contain %q", err, tc.wantMsg)
			}
		})
	}
}

func TestCompileDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "proto")
	if err := os.MkdirAll(filepath.Join(dir, "orders/v1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "secret.proto"), []byte("syntax = \"proto3\";\npackage secret;\nmessage Credentials { string token = 1; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "orders/v1/orders.proto"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	write(orderProto)
	set, err := CompileDir(context.Background(), dir+"/")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.ToSlash(dir) + "/"; set.Display != want {
		t.Errorf("Display = %q, want %q", set.Display, want)
	}

	// The secret file exists one level up; the import must still be refused.
	write("syntax = \"proto3\";\nimport \"../secret.proto\";\n")
	_, err = CompileDir(context.Background(), dir)
	if !compat.IsInput(err) || !strings.Contains(err.Error(), "secret.proto") || !strings.HasPrefix(err.Error(), filepath.ToSlash(dir)+"/orders/v1/orders.proto:2:8") {
		t.Errorf("escaping import: err = %v", err)
	}

	// A symbolic link could point anywhere: refused, not followed.
	write(orderProto)
	if err := os.Symlink(filepath.Join(root, "secret.proto"), filepath.Join(dir, "link.proto")); err == nil {
		_, err = CompileDir(context.Background(), dir)
		if !compat.IsInput(err) || !strings.Contains(err.Error(), "link.proto") {
			t.Errorf("symlink: err = %v", err)
		}
		os.Remove(filepath.Join(dir, "link.proto"))
	}

	if _, err := CompileDir(context.Background(), filepath.Join(root, "missing")); !compat.IsInput(err) {
		t.Errorf("missing folder: err = %v, want an InputError", err)
	}
	if _, err := CompileDir(context.Background(), filepath.Join(root, "secret.proto")); !compat.IsInput(err) {
		t.Errorf("file instead of folder: err = %v, want an InputError", err)
	}
}

func TestCompileCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Compile(ctx, mapFS(map[string]string{"a.proto": orderProto}), Options{})
	if err == nil || compat.IsInput(err) {
		t.Errorf("err = %v, want the context's error, not bad input", err)
	}
}

func TestCleanImport(t *testing.T) {
	for name, want := range map[string]bool{
		"a.proto":           true,
		"orders/v1/a.proto": true,
		"../a.proto":        false,
		"a/../../b.proto":   false,
		"a/./b.proto":       false,
		"/abs.proto":        false,
		"C:/x.proto":        false,
		"a\\b.proto":        false,
		"":                  false,
		"a//b.proto":        false,
		"a/b.proto\x00.txt": false,
	} {
		if got := cleanImport(name); got != want {
			t.Errorf("cleanImport(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestCompileOwnCopyWins: a folder that ships its own copy of a common
// Google API file compiles against that copy, which is then one of its
// Sources.
func TestCompileOwnCopyWins(t *testing.T) {
	set, err := Compile(context.Background(), mapFS(map[string]string{
		"google/type/money.proto": "syntax = \"proto3\";\npackage google.type;\nmessage Money { string amount = 1; }\n",
		"a.proto":                 "syntax = \"proto3\";\nimport \"google/type/money.proto\";\nmessage A { google.type.Money m = 1; }\n",
	}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := set.Message("google.type.Money")
	if !ok || m.Fields().Len() != 1 || m.Fields().Get(0).Name() != "amount" {
		t.Errorf("google.type.Money is not the folder's copy")
	}
	if set.Sources["google/type/money.proto"] == nil {
		t.Errorf("the folder's copy is missing from Sources")
	}
}

func TestNestingOK(t *testing.T) {
	deep := strings.Repeat("{", maxDepth+1)
	for _, tc := range []struct {
		src  string
		ok   bool
		line int
	}{
		{"message A { message B { int32 x = 1; } }", true, 0},
		{"// " + deep + "\nmessage A {}", true, 0},
		{"/* " + deep + "\n */ message A {}", true, 0},
		{`option (x) = "` + deep + `";`, true, 0},
		{`option (x) = '` + deep + `';`, true, 0},
		{"message A {\n" + deep, false, 2},
		{"/* a\nb */\n// c\n" + deep, false, 4},
	} {
		line, ok := nestingOK([]byte(tc.src))
		if ok != tc.ok || line != tc.line {
			t.Errorf("nestingOK(%.30q) = %d, %v; want %d, %v", tc.src, line, ok, tc.line, tc.ok)
		}
	}
}
