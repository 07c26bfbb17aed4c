package otlp

import (
	"encoding/hex"
	"strings"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// The attributes read, in the current semantic conventions and the older
// names SDKs still send.
const (
	attrServiceName    = "service.name"
	attrServiceVersion = "service.version"
	attrEnv            = "deployment.environment.name"
	attrEnvOld         = "deployment.environment"
	attrMethod         = "http.request.method"
	attrMethodOld      = "http.method"
	attrRoute          = "http.route"
	attrRPCService     = "rpc.service"
	attrRPCMethod      = "rpc.method"
)

// maxNameBytes bounds the names a span may carry into the store; longer
// ones are not names a registry knows.
const maxNameBytes = 256

// resource is what a span's resource says about where it ran.
type resource struct {
	service, version, env string
}

func readResource(attrs []*commonpb.KeyValue) resource {
	r := resource{
		service: stringAttr(attrs, attrServiceName),
		version: stringAttr(attrs, attrServiceVersion),
		env:     stringAttr(attrs, attrEnv),
	}
	if r.env == "" {
		r.env = stringAttr(attrs, attrEnvOld)
	}
	return r
}

// operation is what a SERVER span says it served: an HTTP method and route
// template, or an RPC.
type operation struct {
	method, route string
	rpc           string
}

func (o operation) String() string {
	if o.rpc != "" {
		return o.rpc
	}
	return o.method + " " + o.route
}

// readOperation returns the span's operation, ok false when it names none.
func readOperation(attrs []*commonpb.KeyValue) (operation, bool) {
	method := stringAttr(attrs, attrMethod)
	if method == "" {
		method = stringAttr(attrs, attrMethodOld)
	}
	if route := stringAttr(attrs, attrRoute); method != "" && route != "" {
		return operation{method: strings.ToUpper(method), route: route}, true
	}
	// rpc.method is "Method" beside rpc.service in the older conventions,
	// "pkg.Service/Method" alone in the newer ones.
	m := stringAttr(attrs, attrRPCMethod)
	if svc, meth, ok := strings.Cut(strings.TrimPrefix(m, "/"), "/"); ok && svc != "" && meth != "" {
		return operation{rpc: svc + "." + meth}, true
	}
	if svc := stringAttr(attrs, attrRPCService); svc != "" && m != "" {
		return operation{rpc: svc + "." + m}, true
	}
	return operation{}, false
}

// stringAttr returns the string value of key, or "" (also for other types
// and over-long values).
func stringAttr(attrs []*commonpb.KeyValue, key string) string {
	for _, kv := range attrs {
		if kv.GetKey() == key {
			s := kv.GetValue().GetStringValue()
			if len(s) > maxNameBytes {
				return ""
			}
			return s
		}
	}
	return ""
}

// spanIDs returns the span's trace id and its join key in hex: its own span
// id for a CLIENT span, its parent's for a SERVER span. ok is false when an
// id is malformed or, for a server span, there is no parent.
func spanIDs(sp *tracepb.Span, server bool) (trace, key string, ok bool) {
	t, id := sp.GetTraceId(), sp.GetSpanId()
	if server {
		id = sp.GetParentSpanId()
	}
	if len(t) != 16 || len(id) != 8 || allZero(t) || allZero(id) {
		return "", "", false
	}
	return hex.EncodeToString(t), hex.EncodeToString(id), true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// Inspect reads every span of req as Ingest does, without a store: what
// the fuzz target runs over decoded input. It returns how many spans are
// halves of a call.
func Inspect(req interface {
	GetResourceSpans() []*tracepb.ResourceSpans
}) int {
	n := 0
	for _, rs := range req.GetResourceSpans() {
		_ = readResource(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				server := sp.GetKind() == tracepb.Span_SPAN_KIND_SERVER
				if _, ok := readOperation(sp.GetAttributes()); ok || !server {
					if _, _, ok := spanIDs(sp, server); ok {
						n++
					}
				}
			}
		}
	}
	return n
}
