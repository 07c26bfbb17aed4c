package proto

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/contractgate/contracts/compat"
	protoschema "github.com/contractgate/contracts/schemas/proto"
)

// FuzzCompileDiff compiles two single-file folders and, when both compile,
// checks them at every level and in both flows: nothing may panic, every
// finding needs a rule of the list, a message and an element, and every
// name the set defines resolves. Seeds are the one-file golden cases of
// testdata/proto and fuzzSeeds; plain `go test` runs them.
func FuzzCompileDiff(f *testing.F) {
	for _, gc := range goldenCases(f) {
		old, okOld := onlyProto(filepath.Join(gc.dir, "old"))
		new, okNew := onlyProto(filepath.Join(gc.dir, "new"))
		if okOld && okNew {
			f.Add(old, new)
		}
	}
	for _, s := range fuzzSeeds {
		f.Add(s[0], s[1])
	}
	known := map[string]bool{}
	for _, r := range Rules {
		known[r.ID] = true
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, oldSrc, newSrc string) {
		compile := func(src, display string) *protoschema.Set {
			set, err := protoschema.Compile(ctx, fstest.MapFS{"a/a.proto": &fstest.MapFile{Data: []byte(src)}}, protoschema.Options{Display: display, MaxBytes: 1 << 16})
			if err != nil {
				if !compat.IsInput(err) {
					t.Fatalf("compile error is not an InputError: %v", err)
				}
				return nil
			}
			return set
		}
		old, new := compile(oldSrc, "old/"), compile(newSrc, "new/")
		if old == nil || new == nil {
			return
		}
		for _, level := range []compat.Level{compat.Wire, compat.JSON, compat.Source} {
			for _, flow := range []Flow{FlowBoth, FlowNewWritesOldReads} {
				rep, err := Check(ctx, old, new, Options{Level: level, Flow: flow})
				if err != nil {
					t.Fatalf("check: %v", err)
				}
				for _, fd := range rep.Findings {
					if !known[fd.Rule] || fd.Message == "" || fd.Element == "" {
						t.Fatalf("bad finding %+v", fd)
					}
				}
			}
		}
		for _, set := range []*protoschema.Set{old, new} {
			for _, name := range Names(set) {
				if len(Resolve(set, name)) == 0 {
					t.Fatalf("Names lists %s, which Resolve does not find", name)
				}
			}
		}
		// A set compared with itself has no findings.
		if rep, err := Check(ctx, new, new, Options{Level: compat.Source}); err != nil || len(rep.Findings) != 0 {
			t.Fatalf("self-check: %v %+v", err, rep)
		}
	})
}

// onlyProto returns the content of the single .proto file under dir.
func onlyProto(dir string) (string, bool) {
	var found []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".proto") {
			found = append(found, p)
		}
		return nil
	})
	if len(found) != 1 {
		return "", false
	}
	b, err := os.ReadFile(found[0])
	return string(b), err == nil
}

// fuzzSeeds are pairs of one-file sources for the parts of the language
// the golden cases hold in several files: maps, extensions and custom
// options, editions features, Google API annotations.
var fuzzSeeds = [][2]string{
	{`syntax = "proto3";
package m.v1;
message M { map<string, int32> a = 1; map<int64, M> b = 2; }`, `syntax = "proto3";
package m.v1;
message M { repeated E a = 1; int32 b = 2; }
message E { string key = 1; int32 value = 2; }`},
	{`syntax = "proto2";
package x.v1;
import "google/protobuf/descriptor.proto";
message J { extensions 100 to 200; optional string id = 1; }
extend J { optional int32 p = 100; repeated string q = 101; }
extend google.protobuf.FieldOptions { optional string tag = 50001; }
message K { optional string v = 1 [(tag) = "k"]; extend J { optional K k = 102; } }`, `syntax = "proto2";
package x.v1;
import "google/protobuf/descriptor.proto";
message J { extensions 100 to 150; optional string id = 1; }
extend J { optional string owner = 100; optional int32 q = 101; }
extend google.protobuf.FieldOptions { optional int32 tag = 50001; }
message K { optional string v = 1 [(tag) = 3]; }`},
	{`edition = "2023";
package e.v1;
import "google/protobuf/cpp_features.proto";
import "google/protobuf/go_features.proto";
option features.utf8_validation = NONE;
option features.(pb.go).api_level = API_OPEN;
message M { string s = 1 [features.(pb.cpp).string_type = CORD]; M d = 2 [features.message_encoding = DELIMITED]; repeated int32 r = 3 [features.repeated_field_encoding = EXPANDED]; }
enum E { option features.enum_type = CLOSED; E_A = 0; }`, `edition = "2023";
package e.v1;
import "google/protobuf/cpp_features.proto";
import "google/protobuf/go_features.proto";
message M { string s = 1 [features.field_presence = IMPLICIT]; M d = 2; repeated int32 r = 3; bytes b = 4; }
enum E { E_A = 0; E_B = 1; }`},
	{`syntax = "proto3";
package a.v1;
import "google/api/annotations.proto";
import "google/api/field_behavior.proto";
message R { string name = 1 [(google.api.field_behavior) = REQUIRED]; string etag = 2; }
service S {
  rpc Get(R) returns (R) { option (google.api.http) = { get: "/v1/{name=r/*}" additional_bindings { post: "/v1/r:get" body: "*" } }; option idempotency_level = NO_SIDE_EFFECTS; }
}`, `syntax = "proto3";
package a.v1;
import "google/api/annotations.proto";
import "google/api/field_behavior.proto";
message R { string name = 1; string etag = 2 [(google.api.field_behavior) = REQUIRED, (google.api.field_behavior) = OUTPUT_ONLY]; }
service S {
  rpc Get(R) returns (R) { option (google.api.http) = { custom: { kind: "HEAD" path: "/v1/{name=r/*}" } body: "etag" response_body: "name" }; }
}`},
}

// TestHostileAnnotations: a folder may declare google.api.http and
// google.api.field_behavior itself, with other types; the rules reading
// them skip what they cannot read instead of failing the check.
func TestHostileAnnotations(t *testing.T) {
	src := func(v string) fstest.MapFS {
		return fstest.MapFS{"google/api/own.proto": &fstest.MapFile{Data: []byte(`syntax = "proto2";
package google.api;
import "google/protobuf/descriptor.proto";
extend google.protobuf.MethodOptions { repeated string http = 72295728; }
extend google.protobuf.FieldOptions { repeated string field_behavior = 1052; }
message R { optional string name = 1 [(field_behavior) = "` + v + `"]; }
service S { rpc Get(R) returns (R) { option (http) = "` + v + `"; } }
`)}}
	}
	ctx := context.Background()
	old, err := protoschema.Compile(ctx, src("a"), protoschema.Options{Display: "old/"})
	if err != nil {
		t.Fatal(err)
	}
	new, err := protoschema.Compile(ctx, src("b"), protoschema.Options{Display: "new/"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(ctx, old, new, Options{Level: compat.Source})
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Rule, "RPC_HTTP_") || strings.HasPrefix(f.Rule, "FIELD_BEHAVIOR_") {
			t.Errorf("read a google.api annotation of another type: %s %s", f.Rule, f.Message)
		}
	}
}
