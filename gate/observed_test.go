package gate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/otlp/otlptest"
	"github.com/contractgate/contracts/registry/sqlite"
)

// TestObservedReliance: what a consumer was seen calling is relied on by the
// verdict, who-uses, the graph and approvals alike, declared or not, and
// only within the usage window.
func TestObservedReliance(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir()+"/registry.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	otlptest.Seed(t, db) // orders 2.0.0; checkout 1.0.0 uses GET /orders/{orderId}
	seen := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	half := func(n int, server bool, svc, version, element string) registry.SpanHalf {
		h := registry.SpanHalf{TraceID: strings.Repeat("a", 31) + string(rune('0'+n)), SpanID: strings.Repeat("b", 15) + string(rune('0'+n)), Server: server, Env: "production", Service: svc, Version: version}
		if server {
			h.Contract, h.Element = "orders-api", element
		}
		return h
	}
	if _, err := db.ObserveSpans(ctx, registry.SpanBatch{At: seen, Window: time.Minute, Halves: []registry.SpanHalf{
		half(1, false, "checkout", "1.0.0", ""), half(1, true, "orders", "2.0.0", "DELETE /orders/{orderId}"),
		half(2, false, "legacy-billing", "", ""), half(2, true, "orders", "2.0.0", "POST /orders"),
	}}); err != nil {
		t.Fatal(err)
	}
	// orders 2.1.0 drops DELETE /orders/{orderId} and POST /orders; nobody
	// declares either.
	api := strings.Replace(strings.Replace(otlptest.OrdersAPI, "    delete:\n      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]\n      responses: {'204': {description: gone}}\n", "", 1),
		"  /orders:\n    post:\n      responses: {'201': {description: created}}\n", "", 1)
	doc, blobs := registry.NewDoc(registry.OpenAPI, "openapi.yaml", map[string][]byte{"openapi.yaml": []byte(api)})
	v := &registry.Version{Service: "orders", Version: "2.1.0", Manifest: []byte("service: orders\nprovides:\n  - contract: orders-api\n    openapi: openapi.yaml\n"),
		Provides: []registry.Provision{{Contract: "orders-api", Kind: registry.OpenAPI, Path: "openapi.yaml", Doc: doc}}}
	v.ComputeDigest()
	if _, err := db.Publish(ctx, v, blobs); err != nil {
		t.Fatal(err)
	}

	g := &gate.Gate{Store: db, Now: func() time.Time { return seen.Add(24 * time.Hour) }}
	d, err := g.CanIDeploy(ctx, "production", []gate.Party{{Service: "orders", Version: "2.1.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Deployable {
		t.Fatalf("dropping operations consumers were seen calling was allowed: %+v", d.Checks)
	}
	var checkout, legacy *gate.Check
	for i, ch := range d.Checks {
		switch ch.Consumer.Service {
		case "checkout":
			checkout = &d.Checks[i]
		case "legacy-billing":
			legacy = &d.Checks[i]
		}
	}
	if checkout == nil || checkout.Verdict != gate.VerdictRefused || !anyFinding(checkout, "observed 1 call from checkout 1.0.0 in the last 7 days; not in its declared uses") || anyFinding(checkout, "POST /orders") {
		t.Errorf("checkout's check = %+v, want refused for DELETE, saying it was observed", checkout)
	}
	if legacy == nil || legacy.Verdict != gate.VerdictRefused || !legacy.Observed || !anyFinding(legacy, "it declares no consumption of this contract") || anyFinding(legacy, "DELETE") {
		t.Errorf("legacy-billing's check = %+v, want an observed consumer refused for POST /orders only", legacy)
	}

	us, err := g.WhoUses(ctx, "orders-api", "DELETE /orders/{orderId}", "production")
	if err != nil || len(us) != 1 || us[0].Consumer.Service != "checkout" || !us[0].Observed || !strings.Contains(us[0].Why, "observed 1 call") {
		t.Errorf("who-uses DELETE = %+v, %v; want checkout, observed", us, err)
	}
	us, err = g.WhoUses(ctx, "orders-api", "POST /orders", "production")
	if err != nil || len(us) != 1 || us[0].Consumer.Service != "legacy-billing" || !us[0].Observed {
		t.Errorf("who-uses POST = %+v, %v; want legacy-billing, observed", us, err)
	}
	if err := g.CheckApproval(ctx, &registry.Approval{Contract: "orders-api", Rule: "OPERATION_REMOVED", Element: "POST /orders", Consumer: "legacy-billing",
		Envs: []string{"production"}, Reason: "retired", ExpiresAt: seen.Add(48 * time.Hour)}); err != nil {
		t.Errorf("an observed consumer is not a valid --consumer: %v", err)
	}
	observedEdge := func() bool {
		t.Helper()
		gr, err := g.Graph(ctx, "production")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range gr.Edges {
			if e.Consumer.Service == "legacy-billing" && e.Provider.Service == "orders" && e.Observed {
				return true
			}
		}
		return false
	}
	if !observedEdge() {
		t.Errorf("the graph has no observed edge from legacy-billing")
	}

	// Eight days later the calls are outside the 7-day window.
	g.Now = func() time.Time { return seen.Add(8 * 24 * time.Hour) }
	if d, err := g.CanIDeploy(ctx, "production", []gate.Party{{Service: "orders", Version: "2.1.0"}}); err != nil || !d.Deployable {
		t.Errorf("outside the usage window: %+v, %v; want deployable", d, err)
	}
	if observedEdge() {
		t.Errorf("the graph still draws legacy-billing's calls outside the usage window")
	}
	g.UsageWindow = 9 * 24 * time.Hour
	if d, err := g.CanIDeploy(ctx, "production", []gate.Party{{Service: "orders", Version: "2.1.0"}}); err != nil || d.Deployable {
		t.Errorf("with a 9-day window: %v; want refused", err)
	}
}

func anyFinding(ch *gate.Check, sub string) bool {
	for _, f := range ch.Findings {
		if strings.Contains(f.Message, sub) {
			return true
		}
	}
	return false
}
