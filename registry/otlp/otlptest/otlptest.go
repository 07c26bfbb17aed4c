// Package otlptest builds OTLP trace exports for tests and benchmarks, with
// the OpenTelemetry project's generated types: calls as a CLIENT span of one
// service and the SERVER span it caused in another.
package otlptest

import (
	"context"
	"encoding/binary"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/contractgate/contracts/registry"
)

// Resource builds a resource from attribute pairs ("service.name", "x", …).
func Resource(kv ...string) *resourcepb.Resource {
	return &resourcepb.Resource{Attributes: Attrs(kv...)}
}

// Service is the resource of a service version in an environment, with the
// current attribute names.
func Service(name, version, env string) *resourcepb.Resource {
	kv := []string{"service.name", name, "deployment.environment.name", env}
	if version != "" {
		kv = append(kv, "service.version", version)
	}
	return Resource(kv...)
}

// Attrs builds string attributes from pairs.
func Attrs(kv ...string) []*commonpb.KeyValue {
	var out []*commonpb.KeyValue
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, &commonpb.KeyValue{Key: kv[i], Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: kv[i+1]}}})
	}
	return out
}

// ID returns a 16-byte trace id and an 8-byte span id made from n, never
// zero.
func ID(n uint64) (trace, span []byte) {
	trace, span = make([]byte, 16), make([]byte, 8)
	binary.BigEndian.PutUint64(trace[8:], n+1)
	binary.BigEndian.PutUint64(span, n+1)
	trace[0] = 0x5a
	return trace, span
}

// Call returns the two spans of call n: a CLIENT span with id n, and the
// SERVER span whose parent it is, carrying attrs (http.route, …).
func Call(n uint64, attrs ...string) (client, server *tracepb.Span) {
	trace, span := ID(n)
	_, serverID := ID(n + 1<<40)
	client = &tracepb.Span{TraceId: trace, SpanId: span, Name: "call", Kind: tracepb.Span_SPAN_KIND_CLIENT, StartTimeUnixNano: 1, EndTimeUnixNano: 2}
	server = &tracepb.Span{TraceId: trace, SpanId: serverID, ParentSpanId: span, Name: "serve", Kind: tracepb.Span_SPAN_KIND_SERVER, StartTimeUnixNano: 1, EndTimeUnixNano: 2, Attributes: Attrs(attrs...)}
	return client, server
}

// Export wraps spans of one resource each into a request.
func Export(parts ...ResourceSpans) *coltracepb.ExportTraceServiceRequest {
	req := &coltracepb.ExportTraceServiceRequest{}
	for _, p := range parts {
		req.ResourceSpans = append(req.ResourceSpans, &tracepb.ResourceSpans{
			Resource:   p.Resource,
			ScopeSpans: []*tracepb.ScopeSpans{{Scope: &commonpb.InstrumentationScope{Name: "otlptest"}, Spans: p.Spans}},
		})
	}
	return req
}

// ResourceSpans are spans of one resource.
type ResourceSpans struct {
	Resource *resourcepb.Resource
	Spans    []*tracepb.Span
}

// OrdersAPI is an OpenAPI document served under the base path /v1.
const OrdersAPI = `openapi: 3.0.3
info: {title: orders, version: '1'}
servers:
  - url: https://{host}/v1
    variables: {host: {default: api.example.com}}
paths:
  /orders:
    post:
      responses: {'201': {description: created}}
  /orders/{orderId}:
    get:
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: the order}}
    delete:
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: gone}}
  /orders/mine:
    get:
      responses: {'200': {description: my orders}}
`

// OrdersProto is a gRPC service.
const OrdersProto = `syntax = "proto3";
package orders.v1;
service OrderService {
  rpc GetOrder(GetOrderRequest) returns (Order);
}
message GetOrderRequest { string id = 1; }
message Order { string id = 1; }
`

// Seed publishes orders 2.0.0 (orders-api over HTTP, orders-grpc over
// gRPC) and checkout 1.0.0 (which uses GET /orders/{orderId} only), and
// makes both live in production.
func Seed(t testing.TB, st registry.Store) {
	t.Helper()
	ctx := context.Background()
	api, b1 := registry.NewDoc(registry.OpenAPI, "openapi.yaml", map[string][]byte{"openapi.yaml": []byte(OrdersAPI)})
	grpc, b2 := registry.NewDoc(registry.Proto, "", map[string][]byte{"orders/v1/orders.proto": []byte(OrdersProto)})
	for h, b := range b2 {
		b1[h] = b
	}
	orders := &registry.Version{Service: "orders", Version: "2.0.0",
		Manifest: []byte("service: orders\nprovides:\n  - contract: orders-api\n    openapi: openapi.yaml\n  - contract: orders-grpc\n    proto: proto\n"),
		Provides: []registry.Provision{
			{Contract: "orders-api", Kind: registry.OpenAPI, Path: "openapi.yaml", Doc: api},
			{Contract: "orders-grpc", Kind: registry.Proto, Path: "proto", Doc: grpc},
		}}
	orders.ComputeDigest()
	checkout := &registry.Version{Service: "checkout", Version: "1.0.0",
		Manifest: []byte("service: checkout\nconsumes:\n  - contract: orders-api\n    uses: [\"GET /orders/{orderId}\"]\n"),
		Consumes: []registry.Consumption{{Contract: "orders-api", Uses: []string{"GET /orders/{orderId}"}}}}
	checkout.ComputeDigest()
	for _, p := range []struct {
		v     *registry.Version
		blobs map[string][]byte
	}{{orders, b1}, {checkout, nil}} {
		if _, err := st.Publish(ctx, p.v, p.blobs); err != nil {
			t.Fatalf("publish %s: %v", p.v.Service, err)
		}
	}
	if _, err := st.CreateEnvironment(ctx, "production"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"orders@2.0.0", "checkout@1.0.0"} {
		svc, ver := s[:len(s)-6], s[len(s)-5:]
		if err := st.RecordDeployment(ctx, registry.Deployment{Env: "production", Service: svc, Version: ver}, false); err != nil {
			t.Fatal(err)
		}
	}
}
