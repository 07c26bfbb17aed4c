package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/otlp/otlptest"
	"github.com/contractgate/contracts/registry/sqlite"
)

// clock is a settable clock for the join window.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// postTraces sends an export as an OTLP/HTTP exporter would.
func postTraces(t *testing.T, url, secret, contentType string, gzipped bool, req *coltracepb.ExportTraceServiceRequest) (*http.Response, []byte) {
	t.Helper()
	var body []byte
	var err error
	if contentType == "application/json" {
		body, err = otlpJSON(req)
	} else {
		body, err = proto.Marshal(req)
	}
	if err != nil {
		t.Fatal(err)
	}
	return postRaw(t, url, secret, contentType, gzipped, body)
}

func postRaw(t *testing.T, url, secret, contentType string, gzipped bool, body []byte) (*http.Response, []byte) {
	t.Helper()
	if gzipped {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
		body = buf.Bytes()
	}
	hr, err := http.NewRequest("POST", url+"/v1/traces", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Content-Type", contentType)
	if gzipped {
		hr.Header.Set("Content-Encoding", "gzip")
	}
	if secret != "" {
		hr.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

// otlpJSON writes req as OTLP/JSON does: protojson with ids in hex.
func otlpJSON(req *coltracepb.ExportTraceServiceRequest) ([]byte, error) {
	b, err := protojson.Marshal(req)
	if err != nil {
		return nil, err
	}
	s := string(b)
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				for _, id := range [][]byte{sp.TraceId, sp.SpanId, sp.ParentSpanId} {
					if len(id) > 0 {
						s = strings.ReplaceAll(s, `"`+b64(id)+`"`, `"`+hexOf(id)+`"`)
					}
				}
			}
		}
	}
	return []byte(s), nil
}

func b64(b []byte) string {
	out, _ := protojson.Marshal(&tracepb.Span{TraceId: b})
	s := string(out)
	i := strings.Index(s, `:"`)
	return strings.TrimSuffix(s[i+2:], `"}`)
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func spanAttrs(attrs ...string) []string { return attrs }

// TestTraces sends exports as the SDK and Collector exporters do
// (protobuf and JSON, gzip or not) and checks the answers OTLP/HTTP
// prescribes, the usage recorded, the scopes and the metrics.
func TestTraces(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	otlptest.Seed(t, db)
	clk := &clock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	_, hs := startServer(t, db, Options{Now: clk.now})
	usage := token(t, db, "collector", "usage")
	reader := token(t, db, "reader", "read")
	publisher := token(t, db, "ci", "publish:orders")
	checkout := otlptest.Service("checkout", "1.0.0", "production")
	orders := otlptest.Service("orders", "2.0.0", "production")
	get := spanAttrs("http.request.method", "GET", "http.route", "/v1/orders/{id}")

	for i, enc := range []struct {
		contentType string
		gzipped     bool
	}{{"application/x-protobuf", false}, {"application/x-protobuf", true}, {"application/json", false}, {"application/json", true}} {
		c, s := otlptest.Call(uint64(i), get...)
		// The halves come in separate exports, as from two services.
		for _, part := range []otlptest.ResourceSpans{{Resource: checkout, Spans: []*tracepb.Span{c}}, {Resource: orders, Spans: []*tracepb.Span{s}}} {
			resp, body := postTraces(t, hs.URL, usage, enc.contentType, enc.gzipped, otlptest.Export(part))
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != enc.contentType {
				t.Fatalf("%s gzip=%t: %d %s %q", enc.contentType, enc.gzipped, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			var out coltracepb.ExportTraceServiceResponse
			if enc.contentType == "application/json" {
				err := protojson.Unmarshal(body, &out)
				if err != nil {
					t.Fatalf("response %q: %v", body, err)
				}
			} else if err := proto.Unmarshal(body, &out); err != nil {
				t.Fatalf("response: %v", err)
			}
			if out.PartialSuccess != nil {
				t.Errorf("partial success %v for a clean export", out.PartialSuccess)
			}
		}
	}
	calls, err := db.ObservedUsage(ctx, "production", "orders-api", time.Time{})
	if err != nil || len(calls) != 1 || calls[0].Calls != 4 || calls[0].Element != "GET /orders/{orderId}" {
		t.Fatalf("usage = %+v, %v; want 4 calls of GET /orders/{orderId}", calls, err)
	}

	// Unknown environments are counted and said, not recorded.
	c, s := otlptest.Call(100, get...)
	resp, body := postTraces(t, hs.URL, usage, "application/x-protobuf", false, otlptest.Export(
		otlptest.ResourceSpans{Resource: otlptest.Service("checkout", "1.0.0", "prodution"), Spans: []*tracepb.Span{c, s}}))
	var out coltracepb.ExportTraceServiceResponse
	if err := proto.Unmarshal(body, &out); err != nil || resp.StatusCode != 200 || out.PartialSuccess.GetRejectedSpans() != 0 ||
		!strings.Contains(out.PartialSuccess.GetErrorMessage(), `2 spans name the environment "prodution", which the registry does not know`) {
		t.Errorf("unknown environment: %d %v %v", resp.StatusCode, &out, err)
	}

	// Errors as OTLP/HTTP says: a Status, 400 or 415; the token's scope.
	for _, tc := range []struct {
		name, secret, contentType string
		body                      []byte
		status                    int
		want                      string
	}{
		{"garbage", usage, "application/x-protobuf", []byte("\xff\xff"), 400, "not a protobuf"},
		{"text", usage, "text/plain", []byte("hello"), 415, "not an OTLP/HTTP encoding"},
		{"no token", "", "application/x-protobuf", nil, 401, "bearer token"},
		{"read only", reader, "application/x-protobuf", nil, 403, "it needs the scope usage"},
		{"publish only", publisher, "application/x-protobuf", nil, 403, "it needs the scope usage"},
	} {
		resp, body := postRaw(t, hs.URL, tc.secret, tc.contentType, false, tc.body)
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %q, want %d containing %q", tc.name, resp.StatusCode, body, tc.status, tc.want)
		}
		if tc.status == 400 {
			var st status.Status
			if err := proto.Unmarshal(body, &st); err != nil || !strings.Contains(st.Message, tc.want) {
				t.Errorf("%s: body is not a google.rpc.Status: %v", tc.name, err)
			}
		}
	}
	// A usage token sends traces and reads; it writes nothing else.
	if resp, _ := do(t, "POST", hs.URL+"/v1/environments", usage, EnvironmentRequest{Name: "staging"}); resp.StatusCode != 403 {
		t.Errorf("a usage token created an environment: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", hs.URL+"/v1/usage/calls?env=production", usage, nil); resp.StatusCode != 200 {
		t.Errorf("a usage token cannot read usage: %d", resp.StatusCode)
	}

	// A half left alone expires as unpaired once the window has passed.
	lone, _ := otlptest.Call(200, get...)
	postTraces(t, hs.URL, usage, "application/x-protobuf", false, otlptest.Export(otlptest.ResourceSpans{Resource: checkout, Spans: []*tracepb.Span{lone}}))
	clk.add(3 * time.Minute)
	postTraces(t, hs.URL, usage, "application/x-protobuf", false, otlptest.Export())
	un, err := db.UnmatchedSpans(ctx, "production", time.Time{})
	if err != nil || len(un) != 1 || un[0].Reason != registry.UnmatchedUnpairedClient || un[0].Calls != 1 || un[0].Service != "checkout" {
		t.Errorf("unmatched = %+v, %v; want the lone client half unpaired", un, err)
	}

	_, metrics := do(t, "GET", hs.URL+"/metrics", "", nil)
	for _, want := range []string{`contracts_otlp_spans_total{outcome="joined"} 8`, `contracts_otlp_unmatched_total{reason="unknown-environment"} 2`, `contracts_otlp_unmatched_total{reason="expired"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestTracesAcrossServers: the two halves of a call reach two servers over
// one store, as behind a load balancer, and still join.
func TestTracesAcrossServers(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/registry.db"
	var hosts []string
	var first *sqlite.DB
	for i := 0; i < 2; i++ {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			otlptest.Seed(t, db)
			first = db
		}
		_, hs := startServer(t, db, Options{})
		hosts = append(hosts, hs.URL)
	}
	secret := token(t, first, "collector", "usage")
	get := spanAttrs("http.request.method", "GET", "http.route", "/v1/orders/{id}")
	for n := uint64(0); n < 10; n++ {
		c, s := otlptest.Call(n, get...)
		a, b := hosts[n%2], hosts[(n+1)%2]
		postTraces(t, a, secret, "application/x-protobuf", false, otlptest.Export(otlptest.ResourceSpans{Resource: otlptest.Service("checkout", "1.0.0", "production"), Spans: []*tracepb.Span{c}}))
		postTraces(t, b, secret, "application/x-protobuf", false, otlptest.Export(otlptest.ResourceSpans{Resource: otlptest.Service("orders", "2.0.0", "production"), Spans: []*tracepb.Span{s}}))
	}
	calls, err := first.ObservedUsage(ctx, "production", "orders-api", time.Time{})
	if err != nil || len(calls) != 1 || calls[0].Calls != 10 {
		t.Errorf("usage = %+v, %v; want all 10 calls joined across the two servers", calls, err)
	}
}
