package otele2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The orders service: an HTTP API under /v1 and a gRPC service, of which
// checkout declares only GET /orders/{orderId} and GetOrder.
var files = map[string]string{
	"orders/contracts.yaml": `service: orders
provides:
  - contract: orders-api
    openapi: openapi.yaml
  - contract: orders-grpc
    proto: proto
`,
	"orders/openapi.yaml": `openapi: 3.0.3
info: {title: orders, version: '2'}
servers: [{url: 'http://orders.internal/v1'}]
paths:
  /orders/{orderId}:
    get:
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: the order}}
    delete:
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: cancelled}}
`,
	"orders/proto/orders/v1/orders.proto": `syntax = "proto3";
package orders.v1;
import "google/protobuf/wrappers.proto";
service OrderService {
  rpc GetOrder(google.protobuf.StringValue) returns (google.protobuf.StringValue);
  rpc CancelOrder(google.protobuf.StringValue) returns (google.protobuf.StringValue);
}
`,
	"checkout/contracts.yaml": `service: checkout
consumes:
  - contract: orders-api
    uses: ["GET /orders/{orderId}"]
  - contract: orders-grpc
    uses: [orders.v1.OrderService.GetOrder]
`,
}

type env struct {
	t        *testing.T
	bin, dir string
	registry string
}

func (e *env) run(args ...string) string {
	e.t.Helper()
	out, err := e.exec(args...)
	if err != nil {
		e.t.Fatalf("contracts %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (e *env) exec(args ...string) (string, error) {
	return e.execAt(time.Time{}, args...)
}

// execAt runs contracts with CONTRACTS_NOW at t (unless zero).
func (e *env) execAt(t time.Time, args ...string) (string, error) {
	cmd := exec.Command(e.bin, args...)
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), "CONTRACTS_REGISTRY="+e.registry, "XDG_DATA_HOME="+e.dir)
	if !t.IsZero() {
		cmd.Env = append(cmd.Env, "CONTRACTS_NOW="+t.UTC().Format(time.RFC3339))
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestObservedUsageFromTheOpenTelemetrySDK(t *testing.T) {
	if testing.Short() {
		t.Skip("builds contracts and runs a server; skipped with -short")
	}
	dir := t.TempDir()
	e := &env{t: t, dir: dir, bin: filepath.Join(dir, "contracts"), registry: filepath.Join(dir, "registry.db")}
	if out, err := exec.Command("go", "build", "-o", e.bin, "github.com/contractgate/contracts/cmd/contracts").CombinedOutput(); err != nil {
		t.Fatalf("build contracts: %v\n%s", err, out)
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e.run("environment", "create", "production")
	e.run("publish", "orders", "--version", "2.0.0")
	e.run("publish", "checkout", "--version", "1.3.0")
	e.run("record-deployment", "--service", "orders", "--version", "2.0.0", "--env", "production")
	e.run("record-deployment", "--service", "checkout", "--version", "1.3.0", "--env", "production")
	secret := func(name, scope string) string {
		out := e.run("token", "create", "--store", e.registry, "--name", name, "--scope", scope)
		for _, f := range strings.Fields(out) {
			if strings.HasPrefix(f, "ctk_") {
				return f
			}
		}
		t.Fatalf("no secret in %q", out)
		return ""
	}
	secret("admin", "admin")
	collector, reader := secret("collector", "usage"), secret("ci", "read")

	// The registry server, a real process, is the OTLP endpoint.
	addr := freeAddr(t)
	serve := exec.Command(e.bin, "serve", "--store", e.registry, "--addr", addr)
	var serveLog bytes.Buffer
	serve.Stdout, serve.Stderr = &serveLog, &serveLog
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		serve.Process.Signal(os.Interrupt)
		serve.Wait()
		if t.Failed() {
			t.Logf("contracts serve:\n%s", serveLog.String())
		}
	})
	waitReady(t, "http://"+addr)
	endpoint := "http://" + addr + "/v1/traces"

	ctx := context.Background()
	ordersTP := tracerProvider(t, endpoint, collector, "orders", "2.0.0")
	checkoutTP := tracerProvider(t, endpoint, collector, "checkout", "1.3.0")
	prop := propagation.TraceContext{}

	// orders: HTTP under /v1, each route instrumented where the mux has
	// matched it (so the span carries http.route), and gRPC.
	mux := http.NewServeMux()
	for _, pattern := range []string{"GET /v1/orders/{id}", "DELETE /v1/orders/{id}"} {
		mux.Handle(pattern, otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"id":%q}`, r.PathValue("id"))
		}), pattern, otelhttp.WithTracerProvider(ordersTP), otelhttp.WithPropagators(prop)))
	}
	httpLn := listen(t)
	go http.Serve(httpLn, mux)
	grpcSrv := grpc.NewServer(grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(ordersTP), otelgrpc.WithPropagators(prop))))
	grpcSrv.RegisterService(&orderService, nil)
	grpcLn := listen(t)
	go grpcSrv.Serve(grpcLn)
	t.Cleanup(grpcSrv.Stop)

	// checkout calls what it declares, and DELETE and CancelOrder, which
	// it does not.
	hc := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport, otelhttp.WithTracerProvider(checkoutTP), otelhttp.WithPropagators(prop))}
	for _, call := range []struct{ method, path string }{{"GET", "/v1/orders/42"}, {"GET", "/v1/orders/43"}, {"DELETE", "/v1/orders/42"}} {
		req, _ := http.NewRequestWithContext(ctx, call.method, "http://"+httpLn.Addr().String()+call.path, nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	conn, err := grpc.NewClient(grpcLn.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(checkoutTP), otelgrpc.WithPropagators(prop))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, m := range []string{"GetOrder", "CancelOrder"} {
		out := &wrapperspb.StringValue{}
		if err := conn.Invoke(ctx, "/orders.v1.OrderService/"+m, wrapperspb.String("42"), out); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	// The exporters send the client halves and the server halves in
	// separate requests; the registry joins them.
	for _, tp := range []*sdktrace.TracerProvider{checkoutTP, ordersTP} {
		if err := tp.ForceFlush(ctx); err != nil {
			t.Fatalf("export to the registry: %v", err)
		}
	}

	remote := &env{t: t, bin: e.bin, dir: dir, registry: "http://" + addr}
	out := remote.run("usage", "orders-api", "--env", "production", "--token", reader)
	for _, want := range []string{
		`checkout 1\.3\.0 +GET /orders/\{orderId\} +declared and seen +2 `,
		`checkout 1\.3\.0 +DELETE /orders/\{orderId\} +seen, not declared +1 `,
	} {
		if !regexpMatch(want, out) {
			t.Errorf("contracts usage orders-api lacks %q:\n%s", want, out)
		}
	}
	t.Logf("contracts usage orders-api:\n%s", out)
	out = remote.run("usage", "orders-grpc", "--env", "production", "--token", reader)
	t.Logf("contracts usage orders-grpc:\n%s", out)
	for _, want := range []string{
		`checkout 1\.3\.0 +orders\.v1\.OrderService\.GetOrder +declared and seen +1 `,
		`checkout 1\.3\.0 +orders\.v1\.OrderService\.CancelOrder +seen, not declared +1 `,
	} {
		if !regexpMatch(want, out) {
			t.Errorf("contracts usage orders-grpc lacks %q:\n%s", want, out)
		}
	}

	// orders 2.1.0 drops DELETE /orders/{orderId}: checkout does not
	// declare it, but was seen calling it, so the gate refuses.
	writeFile(t, filepath.Join(dir, "orders/openapi.yaml"), strings.Replace(files["orders/openapi.yaml"], `    delete:
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: cancelled}}
`, "", 1))
	e.run("publish", "orders", "--version", "2.1.0")
	out, err = remote.exec("can-i-deploy", "--service", "orders", "--version", "2.1.0", "--to", "production", "--token", reader)
	if code := exitCode(err); code != 1 || !strings.Contains(out, "observed 1 call from checkout 1.3.0 in the last 7 days; not in its declared uses") {
		t.Errorf("can-i-deploy of a provider dropping an observed, undeclared operation: exit %d, want 1 naming the observation:\n%s", code, out)
	}
	// Nine days later the calls are outside the 7-day window: nobody
	// relies on DELETE any more, and the change is allowed.
	later := &env{t: t, bin: e.bin, dir: dir, registry: e.registry}
	out, err = later.execAt(time.Now().Add(9*24*time.Hour), "can-i-deploy", "--service", "orders", "--version", "2.1.0", "--to", "production")
	if code := exitCode(err); code != 0 {
		t.Errorf("nine days later, the calls are outside the window: exit %d, want 0:\n%s", code, out)
	}

	metrics, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer metrics.Body.Close()
	var m bytes.Buffer
	m.ReadFrom(metrics.Body)
	if !strings.Contains(m.String(), `contracts_otlp_spans_total{outcome="joined"} 10`) {
		t.Errorf("the server's metrics do not count 10 joined halves (5 calls):\n%s", grep(m.String(), "contracts_otlp"))
	}
}

// orderService serves the two RPCs without generated code: the messages
// are well-known wrappers.
var orderService = grpc.ServiceDesc{
	ServiceName: "orders.v1.OrderService",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "GetOrder", Handler: echo},
		{MethodName: "CancelOrder", Handler: echo},
	},
	Streams: []grpc.StreamDesc{},
}

func echo(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := &wrapperspb.StringValue{}
	if err := dec(in); err != nil {
		return nil, err
	}
	return in, nil
}

// tracerProvider is a service's SDK pipeline: its resource, and the OTLP/HTTP
// exporter sending to the registry with the usage token, gzip-compressed as
// is the exporter's default over the Collector.
func tracerProvider(t *testing.T, endpoint, secret, service, version string) *sdktrace.TracerProvider {
	t.Helper()
	exp, err := otlptracehttp.New(context.Background(),
		otlptracehttp.WithEndpointURL(endpoint),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + secret}),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression),
	)
	if err != nil {
		t.Fatal(err)
	}
	res := resource.NewSchemaless(
		attribute.String("service.name", service),
		attribute.String("service.version", version),
		attribute.String("deployment.environment.name", "production"),
	)
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(200*time.Millisecond)), sdktrace.WithResource(res))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	return tp
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func freeAddr(t *testing.T) string {
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("contracts serve at %s did not become ready", base)
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
