package openapi

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contractgate/contracts/compat"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

func loadElementsDoc(t *testing.T) *oaschema.Document {
	t.Helper()
	d, err := oaschema.Load(context.Background(), os.DirFS("testdata/elements"), "openapi.yaml", oaschema.Options{Display: "api/"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func elementStrings(es []compat.Element) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.String()
	}
	return out
}

// TestElements pins the listing of a document's elements: operations,
// parts and places in the spelling findings use, a cycle stopped where it
// would repeat a schema, a null branch read as nullability, webhooks and
// callbacks.
func TestElements(t *testing.T) {
	es, err := Elements(context.Background(), loadElementsDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(elementStrings(es), "\n") + "\n"
	want := `POST /orders
POST /orders parameter query limit
POST /orders request
POST /orders request application/json
POST /orders request application/json property customer
POST /orders request application/json property customer(anyOf string)
POST /orders request application/json property customer(anyOf Customer)
POST /orders request application/json property customer(anyOf Customer).lastOrder
POST /orders request application/json property customer(anyOf Customer).name
POST /orders request application/json property note
POST /orders request application/json property total
POST /orders response 201
POST /orders response 201 application/json
POST /orders response 201 application/json property []
POST /orders response 201 application/json property [].customer
POST /orders response 201 application/json property [].customer(anyOf string)
POST /orders response 201 application/json property [].customer(anyOf Customer)
POST /orders response 201 application/json property [].customer(anyOf Customer).lastOrder
POST /orders response 201 application/json property [].customer(anyOf Customer).name
POST /orders response 201 application/json property [].note
POST /orders response 201 application/json property [].total
POST /orders callback onShipped {$request.body#/callbackUrl} POST
POST /orders callback onShipped {$request.body#/callbackUrl} POST request
POST /orders callback onShipped {$request.body#/callbackUrl} POST request application/json
POST /orders callback onShipped {$request.body#/callbackUrl} POST request application/json property shippedAt
POST /orders callback onShipped {$request.body#/callbackUrl} POST response 204
GET /orders/{id}
GET /orders/{id} parameter header X-Trace
GET /orders/{id} parameter path id
GET /orders/{id} response 200
GET /orders/{id} response 200 header X-Next
GET /orders/{id} response 200 application/json
GET /orders/{id} response 200 application/json property customer
GET /orders/{id} response 200 application/json property customer(anyOf string)
GET /orders/{id} response 200 application/json property customer(anyOf Customer)
GET /orders/{id} response 200 application/json property customer(anyOf Customer).lastOrder
GET /orders/{id} response 200 application/json property customer(anyOf Customer).name
GET /orders/{id} response 200 application/json property note
GET /orders/{id} response 200 application/json property total
webhook orderPaid POST
webhook orderPaid POST request
webhook orderPaid POST request application/json
webhook orderPaid POST request application/json property orderId
webhook orderPaid POST response 200
`
	if got != want {
		t.Errorf("Elements:\n%s\nwant:\n%s", got, want)
	}
	for _, e := range es {
		if e.Location.File != "api/openapi.yaml" || e.Location.Line == 0 {
			t.Errorf("%s: location %v, want a line in api/openapi.yaml", e, e.Location)
		}
	}
}

// TestElementsBounded pins that a document whose schemas all reference
// each other is listed within the bounds, and that a cancelled context
// stops the listing.
func TestElementsBounded(t *testing.T) {
	d := loadCycles(t, 12)
	es, err := Elements(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	ops, places := 0, 0
	for _, e := range es {
		switch {
		case e.Part == "":
			ops++
		case e.Path != "":
			places++
		}
	}
	if ops != 12 || places > MaxElements || places == 0 {
		t.Fatalf("%d operations and %d places, want 12 and at most %d", ops, places, MaxElements)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Elements(ctx, d); err == nil {
		t.Fatal("Elements with a cancelled context succeeded")
	}
}

// TestResolve pins which elements a user-written query names.
func TestResolve(t *testing.T) {
	d := loadElementsDoc(t)
	tests := []struct {
		query string
		want  []string
	}{
		{"GET /orders/{id}", []string{"GET /orders/{id}"}},
		{"get /orders/{orderId}/", []string{"GET /orders/{id}"}},
		{"GET /orders/{id} response 200", []string{"GET /orders/{id} response 200"}},
		{"GET  /orders/{x}  response 200 application/json", []string{"GET /orders/{id} response 200 application/json"}},
		{"GET /orders/{id} response 200 application/json property total", []string{"GET /orders/{id} response 200 application/json property total"}},
		{"GET /orders/{id} response 200 application/json property customer(anyOf Customer).name", []string{"GET /orders/{id} response 200 application/json property customer(anyOf Customer).name"}},
		{"GET /orders/{id} response 200 application/json property customer(anyOf Customer).lastOrder.customer(anyOf Customer).lastOrder.total", []string{"GET /orders/{id} response 200 application/json property customer(anyOf Customer).lastOrder.customer(anyOf Customer).lastOrder.total"}},
		{"GET /orders/{id} response 200 header x-next", []string{"GET /orders/{id} response 200 header X-Next"}},
		{"GET /orders/{id} parameter path id", []string{"GET /orders/{id} parameter path id"}},
		{"POST /orders response 201 application/json property [].total", []string{"POST /orders response 201 application/json property [].total"}},
		{"POST /orders callback onShipped {$request.body#/callbackUrl} POST request application/json property shippedAt", []string{"POST /orders callback onShipped {$request.body#/callbackUrl} POST request application/json property shippedAt"}},
		{"webhook orderPaid post request application/json property orderId", []string{"webhook orderPaid POST request application/json property orderId"}},
		{"GET /orders/{id} response 200 application/json property nope", nil},
		{"GET /orders/{id} response 200 application/json property total.x", nil},
		{"GET /orders/{id} response 200 application/json property .total", nil},
		{"GET /orders/{id} response 404", nil},
		{"DELETE /orders/{id}", nil},
		{"GET /nope", nil},
		{"webhook nope POST", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			es, err := Resolve(context.Background(), d, tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got := elementStrings(es)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Resolve(%q) = %q, want %q", tt.query, got, tt.want)
			}
			for _, e := range es {
				if e.Location.Line == 0 {
					t.Errorf("%s has no line", e)
				}
			}
		})
	}
}

// TestResolveListedElements pins that every listed element resolves to
// itself: the listing and the lookup spell elements alike.
func TestResolveListedElements(t *testing.T) {
	d := loadElementsDoc(t)
	es, err := Elements(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		got, err := Resolve(context.Background(), d, e.String())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].String() != e.String() {
			t.Errorf("Resolve(%q) = %q", e, elementStrings(got))
		}
	}
}

// TestFindingElementsResolve pins that findings spell elements as Resolve
// reads them: in every testdata case, each element of a finding about the
// new document resolves to itself there, or, for a place the change moved
// or removed (a parameter's old location, a replaced status, a dropped
// alternative), in the old document.
func TestFindingElementsResolve(t *testing.T) {
	for _, name := range caseDirs(t) {
		t.Run(name, func(t *testing.T) {
			dir, err := filepath.Abs(filepath.Join(testdataDir, name))
			if err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			ctx := context.Background()
			old, new, err := oaschema.LoadPair(ctx, mainFile("old"), mainFile("new"))
			if err != nil {
				return // the invalid-input cases
			}
			rep, err := Check(ctx, old, new)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Findings {
				if !strings.HasPrefix(f.Location.File, "new/") || strings.Contains(f.Rule, "REMOVED") || strings.HasSuffix(f.Rule, "_NARROWED") && strings.Contains(f.Rule, "VARIANTS") {
					continue
				}
				for _, e := range f.Elements {
					got, err := Resolve(ctx, new, e.String())
					if err != nil {
						t.Fatal(err)
					}
					if len(got) == 0 {
						got, _ = Resolve(ctx, old, e.String())
					}
					if len(got) == 0 || got[0].String() != e.String() {
						t.Errorf("%s: element %q resolves to %q", f.Rule, e, elementStrings(got))
					}
				}
			}
		})
	}
}
