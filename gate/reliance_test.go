package gate

import (
	"testing"

	"github.com/contractgate/contracts/compat"
)

func TestParentKey(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"GET /p/{} response 200 application/json property a.b[].c", "GET /p/{} response 200 application/json property a.b[]"},
		{"GET /p/{} response 200 application/json property a", "GET /p/{} response 200 application/json"},
		{"GET /p/{} response 200 application/json", "GET /p/{} response 200"},
		{"GET /p/{}", ""},
		{"pkg.Svc.M response pkg.Msg.f", "pkg.Svc.M response"},
		{"pkg.Svc.M", ""},
	} {
		if got := parentKey(tt.in); got != tt.want {
			t.Errorf("parentKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestExpectationCovers pins what an expectations document makes a
// consumer rely on: what it lists, what lies inside a property it lists
// whole, and the way to what it lists — nothing else.
func TestExpectationCovers(t *testing.T) {
	listed := []compat.Element{
		{Scope: "GET /payments/{id}"},
		{Scope: "GET /payments/{id}", Part: "response 200"},
		{Scope: "GET /payments/{id}", Part: "response 200 application/json"},
		{Scope: "GET /payments/{id}", Part: "response 200 application/json", Path: "property amount"},
		{Scope: "GET /payments/{id}", Part: "response 200 application/json", Path: "property customer"},
		{Scope: "GET /payments/{id}", Part: "response 200 application/json", Path: "property customer.name"},
	}
	ex := expectation{keys: map[string]bool{}, scopes: map[string]bool{}, inner: map[string]bool{}}
	for _, e := range listed {
		ex.keys[e.Key()] = true
		ex.scopes[compat.ScopeKey(e.Scope)] = true
		for p := parentKey(e.Key()); p != ""; p = parentKey(p) {
			ex.inner[p] = true
		}
	}
	part := "response 200 application/json"
	for _, tt := range []struct {
		e    compat.Element
		want bool
	}{
		{compat.Element{Scope: "get /payments/{paymentId}"}, true},
		{compat.Element{Scope: "GET /payments/{id}", Part: part, Path: "property amount"}, true},
		{compat.Element{Scope: "GET /payments/{id}", Part: part, Path: "property amount.value"}, true}, // amount is listed whole
		{compat.Element{Scope: "GET /payments/{id}", Part: part, Path: "property customer.name"}, true},
		{compat.Element{Scope: "GET /payments/{id}", Part: part, Path: "property customer.email"}, false}, // customer lists its fields
		{compat.Element{Scope: "GET /payments/{id}", Part: part, Path: "property currency"}, false},
		{compat.Element{Scope: "GET /payments/{id}", Part: part}, true},
		{compat.Element{Scope: "GET /payments/{id}", Part: "response 404"}, false},
		{compat.Element{Scope: "POST /payments"}, false},
	} {
		if got := ex.covers(tt.e); got != tt.want {
			t.Errorf("covers(%s) = %t, want %t", tt.e, got, tt.want)
		}
	}
}

// TestApprovalNames pins which elements an approval's element names.
func TestApprovalNames(t *testing.T) {
	field := compat.Element{Scope: "pricing.v1.PricingService.GetPrice", Part: "response", Path: "pricing.v1.Price.amount_cents"}
	prop := compat.Element{Scope: "GET /orders/{id}", Part: "response 200 application/json", Path: "property total"}
	for _, tt := range []struct {
		approval string
		e        compat.Element
		want     bool
	}{
		{"GET /orders/{orderId}", prop, true},
		{"get /orders/{id} response 200", prop, true},
		{"GET /orders/{id} response 200 application/json property total", prop, true},
		{"GET /orders/{id} response 201", prop, false},
		{"GET /orders", prop, false},
		{"pricing.v1.Price.amount_cents", field, true},
		{"pricing.v1.Price", field, true},
		{"pricing.v1.PricingService.GetPrice", field, true},
		{"pricing.v1.Pri", field, false},
		{"pricing.v1.PricingService.ListPrices", field, false},
	} {
		if got := names(compat.ElementKey(tt.approval), tt.e); got != tt.want {
			t.Errorf("approval %q names %s = %t, want %t", tt.approval, tt.e, got, tt.want)
		}
	}
}

func TestRuleCovers(t *testing.T) {
	if !ruleCovers("OPERATION_REMOVED", "OPERATION_REMOVED") || ruleCovers("OPERATION_REMOVED", "OPERATION_ADDED") {
		t.Error("a rule covers itself and only itself")
	}
	for _, r := range AllRules() {
		if r.Deprecated != "" && !ruleCovers(r.ID, r.Deprecated) {
			t.Errorf("an approval of deprecated %s does not cover its successor %s", r.ID, r.Deprecated)
		}
	}
}
