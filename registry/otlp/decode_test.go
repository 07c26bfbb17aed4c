package otlp_test

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/contractgate/contracts/registry/otlp"
	"github.com/contractgate/contracts/registry/otlp/otlptest"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

func sample() []byte {
	c, s := otlptest.Call(7, "http.route", "/v1/orders/{id}")
	b, _ := proto.Marshal(otlptest.Export(
		otlptest.ResourceSpans{Resource: otlptest.Service("checkout", "1.0.0", "production"), Spans: []*tracepb.Span{c}},
		otlptest.ResourceSpans{Resource: otlptest.Service("orders", "2.0.0", "production"), Spans: []*tracepb.Span{s}},
	))
	return b
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// otlpJSON is an export as the OTLP/JSON encoding writes it: ids in hex,
// enums as numbers, 64-bit integers as strings.
const otlpJSON = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"orders"}}]},
 "scopeSpans":[{"scope":{"name":"x"},"spans":[{"traceId":"5a000000000000000000000000000008","spanId":"0000010000000008",
 "parentSpanId":"0000000000000008","name":"GET","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2",
 "attributes":[{"key":"http.route","value":{"stringValue":"/v1/orders/{id}"}}],
 "links":[{"traceId":"5a000000000000000000000000000001","spanId":"0000000000000001"}],
 "unknownField":true}]}]}]}`

func TestDecode(t *testing.T) {
	pb := sample()
	tests := []struct {
		name, contentType, encoding string
		body                        []byte
		wantSpans                   int
		wantErr                     string
		unsupported                 bool
	}{
		{name: "protobuf", contentType: "application/x-protobuf", body: pb, wantSpans: 2},
		{name: "protobuf, gzip", contentType: "application/x-protobuf", encoding: "gzip", body: gz(pb), wantSpans: 2},
		{name: "JSON with hex ids", contentType: "application/json; charset=utf-8", body: []byte(otlpJSON), wantSpans: 1},
		{name: "JSON, gzip", contentType: "application/json", encoding: "gzip", body: gz([]byte(otlpJSON)), wantSpans: 1},
		{name: "not protobuf", contentType: "application/x-protobuf", body: []byte("\xff\xff\xff"), wantErr: "not a protobuf ExportTraceServiceRequest"},
		{name: "not JSON", contentType: "application/json", body: []byte("{"), wantErr: "not JSON"},
		{name: "ids not hex", contentType: "application/json", body: []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}`), wantErr: `traceId "zz" is not hex`},
		{name: "JSON after the document", contentType: "application/json", body: []byte(`{} {}`), wantErr: "data after its JSON document"},
		{name: "not gzip", contentType: "application/x-protobuf", encoding: "gzip", body: pb, wantErr: "not gzip"},
		{name: "a gzip bomb", contentType: "application/x-protobuf", encoding: "gzip", body: gz(make([]byte, otlp.MaxBodyBytes+10)), wantErr: "more than 16777216 bytes once decompressed"},
		{name: "deep JSON", contentType: "application/json", body: []byte(strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)), wantErr: "nests deeper"},
		{name: "other encoding", contentType: "application/x-protobuf", encoding: "br", body: pb, unsupported: true, wantErr: `Content-Encoding "br"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt, err := otlp.MediaType(tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			req, err := otlp.Decode(bytes.NewReader(tt.body), mt, tt.encoding)
			if tt.wantErr != "" {
				var de *otlp.DecodeError
				if !errors.As(err, &de) || !strings.Contains(err.Error(), tt.wantErr) || de.Unsupported != tt.unsupported {
					t.Fatalf("error %v, want a DecodeError (unsupported %t) containing %q", err, tt.unsupported, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, rs := range req.GetResourceSpans() {
				for _, ss := range rs.GetScopeSpans() {
					n += len(ss.GetSpans())
				}
			}
			if n != tt.wantSpans {
				t.Errorf("%d spans, want %d", n, tt.wantSpans)
			}
		})
	}
	// The JSON ids are the hex ones, not base64 read as bytes.
	req, err := otlp.Decode(strings.NewReader(otlpJSON), otlp.ContentJSON, "")
	if err != nil {
		t.Fatal(err)
	}
	sp := req.ResourceSpans[0].ScopeSpans[0].Spans[0]
	if hex.EncodeToString(sp.TraceId) != "5a000000000000000000000000000008" || hex.EncodeToString(sp.ParentSpanId) != "0000000000000008" ||
		sp.Kind != tracepb.Span_SPAN_KIND_SERVER || hex.EncodeToString(sp.Links[0].SpanId) != "0000000000000001" {
		t.Errorf("decoded span %v", sp)
	}
	for _, ct := range []string{"text/plain", "application/protobuf", "application/x-www-form-urlencoded", "bad;;"} {
		var de *otlp.DecodeError
		if _, err := otlp.MediaType(ct); !errors.As(err, &de) || !de.Unsupported {
			t.Errorf("content type %q: %v, want an unsupported DecodeError", ct, err)
		}
	}
}

// FuzzDecode: no body panics the decoder or what reads its spans, and
// whatever it accepts as protobuf it can write again.
func FuzzDecode(f *testing.F) {
	f.Add(sample(), false, false)
	f.Add(gz(sample()), false, true)
	f.Add([]byte(otlpJSON), true, false)
	f.Add(gz([]byte(otlpJSON)), true, true)
	js, _ := protojson.Marshal(otlptest.Export())
	f.Add(js, true, false)
	f.Fuzz(func(t *testing.T, body []byte, json, gzipped bool) {
		mt, enc := otlp.ContentProtobuf, ""
		if json {
			mt = otlp.ContentJSON
		}
		if gzipped {
			enc = "gzip"
		}
		req, err := otlp.Decode(bytes.NewReader(body), mt, enc)
		if err != nil {
			var de *otlp.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a DecodeError", err)
			}
			return
		}
		otlp.Inspect(req)
		if _, err := proto.Marshal(req); err != nil {
			t.Fatalf("accepted a request it cannot write again: %v", err)
		}
	})
}
