package proto

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/reflect/protoreflect"
)

const positionsProto = `syntax = "proto2";

option go_package = "example.com/shop/v1;shopv1";
package shop.v1;

message Cart {
  optional string id = 1;
  map<string, Line> lines = 2;
  message Line {
    optional int64 quantity = 1;
  }
  oneof coupon {
    string code = 3;
    int64 voucher = 4;
  }
  optional group Gift = 5 {
    optional string note = 6;
  }
  extensions 100 to 200;
  extend Cart {
    optional string channel = 100;
  }
}

enum State {
  STATE_UNSPECIFIED = 0;
  STATE_OPEN = 1;
}

extend Cart {
  optional int32 priority = 101;
}

service CartService {
  rpc GetCart(Cart) returns (Cart);
}
`

// TestLocation checks that positions worked out from the source again
// point at each kind of declaration.
func TestLocation(t *testing.T) {
	set, err := Compile(context.Background(), mapFS(map[string]string{"shop/v1/cart.proto": positionsProto}), Options{Display: "new/"})
	if err != nil {
		t.Fatal(err)
	}
	f := set.Files[0]
	cart := f.Messages().ByName("Cart")
	for _, tc := range []struct {
		d    protoreflect.Descriptor
		want string
	}{
		{f, "new/shop/v1/cart.proto"},
		{cart, "new/shop/v1/cart.proto:6:1"},
		{cart.Fields().ByName("id"), "new/shop/v1/cart.proto:7:3"},
		{cart.Fields().ByName("lines"), "new/shop/v1/cart.proto:8:3"},
		{cart.Messages().ByName("Line"), "new/shop/v1/cart.proto:9:3"},
		{cart.Messages().ByName("Line").Fields().ByName("quantity"), "new/shop/v1/cart.proto:10:5"},
		{cart.Oneofs().ByName("coupon"), "new/shop/v1/cart.proto:12:3"},
		{cart.Fields().ByName("voucher"), "new/shop/v1/cart.proto:14:5"},
		{cart.Fields().ByName("gift"), "new/shop/v1/cart.proto:16:3"},
		{cart.Messages().ByName("Gift").Fields().ByName("note"), "new/shop/v1/cart.proto:17:5"},
		{cart.Extensions().ByName("channel"), "new/shop/v1/cart.proto:21:5"},
		{f.Enums().ByName("State"), "new/shop/v1/cart.proto:25:1"},
		{f.Enums().ByName("State").Values().ByName("STATE_OPEN"), "new/shop/v1/cart.proto:27:3"},
		{f.Extensions().ByName("priority"), "new/shop/v1/cart.proto:31:3"},
		{f.Services().ByName("CartService"), "new/shop/v1/cart.proto:34:1"},
		{f.Services().ByName("CartService").Methods().ByName("GetCart"), "new/shop/v1/cart.proto:35:3"},
	} {
		if got := set.Location(tc.d).String(); got != tc.want {
			t.Errorf("Location(%s) = %s, want %s", tc.d.FullName(), got, tc.want)
		}
	}
	for _, tc := range []struct {
		got  fmt.Stringer
		want string
	}{
		{set.PathLocation(f.Path(), 2), "new/shop/v1/cart.proto:4:1"},
		{set.PathLocation(f.Path(), 12), "new/shop/v1/cart.proto:1:1"},
		{set.PathLocation(f.Path(), 14), "new/shop/v1/cart.proto"},
		{set.OptionLocation(f.Path(), "go_package"), "new/shop/v1/cart.proto:3:1"},
		{set.OptionLocation(f.Path(), "java_package"), "new/shop/v1/cart.proto"},
		{set.PathLocation("elsewhere.proto", 4, 0), "new/elsewhere.proto"},
	} {
		if got := tc.got.String(); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
	// A well-known type lives in no file of the folder: file, no line.
	ts := set.Files[0].Messages().ByName("Cart").ParentFile()
	if got := set.Location(ts).Line; got != 0 {
		t.Errorf("file location has line %d", got)
	}
}

func TestImportsOf(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{`syntax = "proto3"; import "a/b.proto"; import public "c.proto";import weak 'd.proto';`, []string{"a/b.proto", "c.proto", "d.proto"}},
		{"// import \"commented.proto\";\n/* import \"block.proto\"; */\nimport \"real.proto\";", []string{"real.proto"}},
		{`import "con" "cat.proto";`, []string{"concat.proto"}},
		{`import "esc\x61ped.proto";`, []string{"escaped.proto"}},
		{`message M { string import = 1; } option (x) = { import: "no.proto" };`, nil},
		{`message import {} `, nil},
		{`import "unterminated`, []string{"unterminated"}},
		{`import`, nil},
		{"/* never closed", nil},
	} {
		if diff := cmp.Diff(tc.want, importsOf([]byte(tc.src))); diff != "" {
			t.Errorf("importsOf(%q) (-want +got):\n%s", tc.src, diff)
		}
	}
}

// TestCompileBatches compiles more files than one compiler run takes, in
// an order that follows imports and in one that runs against them: every
// file is compiled once either way, so a type has one descriptor however
// many files use it.
func TestCompileBatches(t *testing.T) {
	files := map[string]string{}
	n := 2*batchSize + 10
	for i := 0; i < n; i++ {
		src := fmt.Sprintf("syntax = \"proto3\";\npackage chain.v1;\n")
		if i+1 < n {
			// File i imports file i+1, which sorts after it.
			src += fmt.Sprintf("import \"chain/f%04d.proto\";\nmessage M%04d { M%04d next = 1; }\n", i+1, i, i+1)
		} else {
			src += fmt.Sprintf("message M%04d { string id = 1; }\n", i)
		}
		files[fmt.Sprintf("chain/f%04d.proto", i)] = src
	}
	files["a/hidden.proto"] = "syntax = \"proto3\";\npackage chain.v1;\nimport \"z/dep.proto\";\nimport \"chain/f0000.proto\";\nmessage Hidden { Dep dep = 1; M0000 head = 2; }\n"
	files["z/dep.proto"] = "syntax = \"proto3\";\npackage chain.v1;\nmessage Dep { string id = 1; }\n"
	for _, order := range []struct {
		name string
		of   func(map[string][]byte) []string
	}{
		{"imports first", importOrder},
		// Path order compiles most files as a dependency of the one
		// before them, before their own turn comes.
		{"path order", func(srcs map[string][]byte) []string {
			var names []string
			for n := range srcs {
				names = append(names, n)
			}
			sort.Strings(names)
			return names
		}},
	} {
		t.Run(order.name, func(t *testing.T) {
			defer func(saved func(map[string][]byte) []string) { compileOrder = saved }(compileOrder)
			compileOrder = order.of
			checkChain(t, files, n)
		})
	}
}

func checkChain(t *testing.T, files map[string]string, n int) {
	set, err := Compile(context.Background(), mapFS(files), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Files) != len(files) {
		t.Fatalf("%d files compiled, want %d", len(set.Files), len(files))
	}
	byPath := map[string]protoreflect.FileDescriptor{}
	for i, f := range set.Files {
		if i > 0 && set.Files[i-1].Path() >= f.Path() {
			t.Fatalf("files not sorted: %s before %s", set.Files[i-1].Path(), f.Path())
		}
		byPath[f.Path()] = f
	}
	// The type a field refers to is the one its file declares.
	for i := 0; i+1 < n; i++ {
		f := byPath[fmt.Sprintf("chain/f%04d.proto", i)]
		next := f.Messages().Get(0).Fields().Get(0).Message()
		want := byPath[fmt.Sprintf("chain/f%04d.proto", i+1)].Messages().Get(0)
		if next != want {
			t.Fatalf("%s: field type %s is another descriptor than the one its file declares", f.Path(), next.FullName())
		}
	}
	hidden := byPath["a/hidden.proto"].Messages().Get(0)
	if got, want := hidden.Fields().ByName("dep").Message(), byPath["z/dep.proto"].Messages().Get(0); got != want {
		t.Errorf("Hidden.dep refers to another descriptor of %s than z/dep.proto declares", got.FullName())
	}
	if loc := set.Location(hidden); loc.File != "a/hidden.proto" || loc.Line != 5 {
		t.Errorf("Location(Hidden) = %v", set.Location(hidden))
	}
}
