package proto

import (
	"context"
	"testing"

	"github.com/contractgate/contracts/compat"
)

// FuzzCompile feeds two files, one importing the other, to Compile: it
// must return a set or an InputError, never panic, hang or read outside,
// and every declaration of a set must have a position in its file.
func FuzzCompile(f *testing.F) {
	f.Add(orderProto, "syntax = \"proto3\";\npackage b;\nmessage B { string id = 1; }\n")
	f.Add("syntax = \"proto3\";\nimport \"../b.proto\";\n", "")
	f.Add("edition = \"2023\";\nimport \"b.proto\";\nmessage A { b.B b = 1 [features.message_encoding = DELIMITED]; }\n", "edition = \"2023\";\npackage b;\nmessage B { int32 x = 1; }\n")
	f.Add("syntax = \"proto2\";\nimport \"b.proto\";\nmessage A { optional group G = 1 { required int32 x = 2; } extensions 10 to 20; }\n", "syntax = \"proto2\";\nimport \"a.proto\";\n")
	f.Add("syntax = \"proto2\"; import /* \"c.proto\" */ \"b.proto\";\nmessage A { map<string, b.B> m = 1; extend b.B { optional A a = 100; } }\n", "syntax = \"proto2\";\npackage b;\nmessage B { extensions 100 to max; }\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		set, err := Compile(context.Background(), mapFS(map[string]string{"a.proto": a, "b.proto": b}), Options{MaxBytes: 1 << 16})
		if err != nil {
			if !compat.IsInput(err) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			return
		}
		if len(set.Files) != 2 || len(set.Sources) != 2 {
			t.Fatalf("got %d files, %d sources; want 2 and 2", len(set.Files), len(set.Sources))
		}
		for _, f := range set.Files {
			ms := f.Messages()
			for i := 0; i < ms.Len(); i++ {
				if loc := set.Location(ms.Get(i)); loc.File != f.Path() || loc.Line == 0 {
					t.Fatalf("message %s at %v, want a line of %s", ms.Get(i).FullName(), loc, f.Path())
				}
			}
		}
	})
}
