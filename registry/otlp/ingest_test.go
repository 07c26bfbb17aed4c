package otlp_test

import (
	"context"
	"testing"
	"time"

	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/otlp"
	"github.com/contractgate/contracts/registry/otlp/otlptest"
	"github.com/contractgate/contracts/registry/sqlite"
)

var now = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func open(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir()+"/registry.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	otlptest.Seed(t, db)
	return db
}

// TestIngestResolvesElements sends one call per case, its two halves in one
// export, and checks what the registry made of it: the contract's element,
// or the reason it was counted instead.
func TestIngestResolvesElements(t *testing.T) {
	checkout := otlptest.Service("checkout", "1.0.0", "production")
	orders := otlptest.Service("orders", "2.0.0", "production")
	tests := []struct {
		name            string
		client, server  *resourcepb.Resource
		attrs           []string
		contract, elem  string
		providerVersion string
		consumer        string
		reason          string
	}{
		{name: "route with the base path and {var}", attrs: []string{"http.request.method", "GET", "http.route", "/v1/orders/{id}"}, contract: "orders-api", elem: "GET /orders/{orderId}"},
		{name: "route with :var and the older http.method", attrs: []string{"http.method", "get", "http.route", "/v1/orders/:id"}, contract: "orders-api", elem: "GET /orders/{orderId}"},
		{name: "route without the base path", attrs: []string{"http.request.method", "DELETE", "http.route", "/orders/{id}/"}, contract: "orders-api", elem: "DELETE /orders/{orderId}"},
		{name: "a literal segment is not a variable", attrs: []string{"http.request.method", "GET", "http.route", "/v1/orders/mine"}, contract: "orders-api", elem: "GET /orders/mine"},
		{name: "root-relative collection", attrs: []string{"http.request.method", "POST", "http.route", "/v1/orders"}, contract: "orders-api", elem: "POST /orders"},
		{name: "method the path does not have", attrs: []string{"http.request.method", "PUT", "http.route", "/v1/orders/{id}"}, reason: registry.UnmatchedUnknownElement},
		{name: "path the contract does not have", attrs: []string{"http.request.method", "GET", "http.route", "/v1/nope"}, reason: registry.UnmatchedUnknownElement},
		{name: "rpc.method of the newer conventions", attrs: []string{"rpc.system.name", "grpc", "rpc.method", "orders.v1.OrderService/GetOrder"}, contract: "orders-grpc", elem: "orders.v1.OrderService.GetOrder"},
		{name: "rpc.service and rpc.method of the older ones", attrs: []string{"rpc.system", "grpc", "rpc.service", "orders.v1.OrderService", "rpc.method", "GetOrder"}, contract: "orders-grpc", elem: "orders.v1.OrderService.GetOrder"},
		{name: "an RPC the contract does not have", attrs: []string{"rpc.method", "orders.v1.OrderService/DeleteOrder"}, reason: registry.UnmatchedUnknownElement},
		{name: "no route", attrs: []string{"http.request.method", "GET", "url.path", "/v1/orders/42"}, reason: registry.UnmatchedNoOperation},
		{name: "provider without a version: its live versions", server: otlptest.Service("orders", "", "production"), attrs: []string{"http.request.method", "GET", "http.route", "/v1/orders/{id}"}, contract: "orders-api", elem: "GET /orders/{orderId}", providerVersion: "-"},
		{name: "provider at an unpublished version: its live versions", server: otlptest.Service("orders", "9.9.9", "production"), attrs: []string{"http.request.method", "GET", "http.route", "/v1/orders/{id}"}, contract: "orders-api", elem: "GET /orders/{orderId}", providerVersion: "9.9.9"},
		{name: "provider the registry does not know", server: otlptest.Service("ghost", "1.0.0", "production"), attrs: []string{"http.request.method", "GET", "http.route", "/v1/orders/{id}"}, reason: registry.UnmatchedUnknownProvider},
		{name: "a caller that is not registered is a consumer all the same", client: otlptest.Service("legacy-billing", "", "production"), attrs: []string{"http.request.method", "GET", "http.route", "/v1/orders/{id}"}, contract: "orders-api", elem: "GET /orders/{orderId}", consumer: "legacy-billing"},
		{name: "the older deployment.environment", client: otlptest.Resource("service.name", "checkout", "service.version", "1.0.0", "deployment.environment", "production"),
			server: otlptest.Resource("service.name", "orders", "service.version", "2.0.0", "deployment.environment", "production"),
			attrs:  []string{"http.request.method", "GET", "http.route", "/v1/orders/{id}"}, contract: "orders-api", elem: "GET /orders/{orderId}"},
		{name: "an environment the registry does not know", client: otlptest.Service("checkout", "1.0.0", "prodution"), server: otlptest.Service("orders", "2.0.0", "prodution"),
			attrs: []string{"http.request.method", "GET", "http.route", "/v1/orders/{id}"}, reason: registry.UnmatchedUnknownEnvironment},
		{name: "no environment", client: otlptest.Resource("service.name", "checkout"), server: otlptest.Resource("service.name", "orders"),
			attrs: []string{"http.request.method", "GET", "http.route", "/v1/orders/{id}"}, reason: registry.UnmatchedNoEnvironment},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			in := otlp.NewIngester(db, db, func() time.Time { return now })
			client, server := otlptest.Call(uint64(i), tt.attrs...)
			cr, sr := checkout, orders
			if tt.client != nil {
				cr = tt.client
			}
			if tt.server != nil {
				sr = tt.server
			}
			res, err := in.Ingest(ctx, otlptest.Export(
				otlptest.ResourceSpans{Resource: cr, Spans: []*tracepb.Span{client}},
				otlptest.ResourceSpans{Resource: sr, Spans: []*tracepb.Span{server}},
			))
			if err != nil {
				t.Fatal(err)
			}
			calls, err := db.ObservedUsage(ctx, "", "", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			unmatched, err := db.UnmatchedSpans(ctx, "", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if tt.reason != "" {
				if len(calls) != 0 {
					t.Errorf("recorded %+v as usage, want it counted as %s", calls, tt.reason)
				}
				n := int64(0)
				for _, u := range unmatched {
					if u.Reason != tt.reason {
						t.Errorf("counted %+v, want reason %s", u, tt.reason)
					}
					n += u.Calls
				}
				// Spans set aside before joining count one each;
				// a joined call naming no element counts once.
				if n == 0 {
					t.Errorf("nothing counted as %s (result %+v)", tt.reason, res)
				}
				return
			}
			if len(unmatched) != 0 {
				t.Errorf("counted %+v as unmatched", unmatched)
			}
			consumer, pv := "checkout", "2.0.0"
			if tt.consumer != "" {
				consumer = tt.consumer
			}
			if tt.providerVersion == "-" {
				pv = ""
			} else if tt.providerVersion != "" {
				pv = tt.providerVersion
			}
			if len(calls) != 1 || calls[0].Contract != tt.contract || calls[0].Element != tt.elem || calls[0].Consumer != consumer ||
				calls[0].Provider != "orders" || calls[0].ProviderVersion != pv || calls[0].Calls != 1 || !calls[0].LastSeen.Equal(now) {
				t.Errorf("usage = %+v, want one call from %s to %s %s (orders %q)", calls, consumer, tt.contract, tt.elem, pv)
			}
		})
	}
}

// TestIngestAcrossExports: a half waits for its other half across exports
// and expires as unpaired once the window has passed; other span kinds and
// malformed ids are not halves.
func TestIngestAcrossExports(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	clock := now
	in := otlp.NewIngester(db, db, func() time.Time { return clock })
	checkout := otlptest.Service("checkout", "1.0.0", "production")
	orders := otlptest.Service("orders", "2.0.0", "production")
	route := []string{"http.request.method", "GET", "http.route", "/v1/orders/{id}"}
	c1, s1 := otlptest.Call(1, route...)
	c2, _ := otlptest.Call(2, route...)
	internal := &tracepb.Span{TraceId: c1.TraceId, SpanId: []byte{9, 9, 9, 9, 9, 9, 9, 9}, Kind: tracepb.Span_SPAN_KIND_INTERNAL}
	bad := &tracepb.Span{TraceId: []byte{1, 2, 3}, SpanId: c1.SpanId, Kind: tracepb.Span_SPAN_KIND_CLIENT}
	root := &tracepb.Span{TraceId: c1.TraceId, SpanId: []byte{7, 7, 7, 7, 7, 7, 7, 7}, Kind: tracepb.Span_SPAN_KIND_SERVER, Attributes: otlptest.Attrs(route...)}

	res, err := in.Ingest(ctx, otlptest.Export(otlptest.ResourceSpans{Resource: checkout, Spans: []*tracepb.Span{c1, c2, internal, bad}}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Spans != 4 || res.Pending != 2 || res.Ignored != 1 || res.Rejected != 1 || len(res.Warnings) != 1 {
		t.Errorf("first export: %+v, want 2 pending, 1 ignored, 1 rejected with a warning", res)
	}
	clock = clock.Add(time.Minute)
	res, err = in.Ingest(ctx, otlptest.Export(otlptest.ResourceSpans{Resource: orders, Spans: []*tracepb.Span{s1, root}}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Joined != 2 || res.Unmatched[registry.UnmatchedUnpairedServer] != 1 {
		t.Errorf("second export: %+v, want s1 joined to c1 and the root server span counted unpaired", res)
	}
	clock = clock.Add(otlp.DefaultWindow)
	res, err = in.Ingest(ctx, otlptest.Export())
	if err != nil {
		t.Fatal(err)
	}
	if res.Expired != 1 {
		t.Errorf("after the window: %+v, want c2 expired", res)
	}
	calls, _ := db.ObservedUsage(ctx, "production", "orders-api", time.Time{})
	if len(calls) != 1 || calls[0].Calls != 1 || !calls[0].FirstSeen.Equal(now.Add(time.Minute)) {
		t.Errorf("usage = %+v, want the one joined call, seen when its second half came", calls)
	}
	unmatched, _ := db.UnmatchedSpans(ctx, "production", time.Time{})
	reasons := map[string]int64{}
	for _, u := range unmatched {
		reasons[u.Reason] += u.Calls
	}
	if reasons[registry.UnmatchedUnpairedClient] != 1 || reasons[registry.UnmatchedUnpairedServer] != 1 {
		t.Errorf("unmatched = %+v, want one unpaired client and one unpaired server", unmatched)
	}
}
