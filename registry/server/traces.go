package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/otlp"
)

// maxConcurrentTraces bounds the trace exports decoded at once, each up to
// otlp.MaxBodyBytes in memory; others wait, and an exporter whose request
// times out retries later.
const maxConcurrentTraces = 4

// traceIngest is the server's part of trace ingestion: the ingester (with
// its caches), the decode slots and the metrics.
type traceIngest struct {
	ingester *otlp.Ingester
	slots    chan struct{}
	spans    *prometheus.CounterVec
	set      *prometheus.CounterVec
}

func newTraceIngest(s *Server) *traceIngest {
	t := &traceIngest{
		slots: make(chan struct{}, maxConcurrentTraces),
		spans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "contracts_otlp_spans_total",
			Help: "Spans received at /v1/traces, by what became of them: joined (a half of a call that met its other half), pending, duplicate, ignored (neither client nor server), rejected (malformed ids) or unmatched.",
		}, []string{"outcome"}),
		set: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "contracts_otlp_unmatched_total",
			Help: "Spans and calls counted but not recorded as usage, by reason (see contracts usage); expired halves are unpaired-client or unpaired-server, joined calls naming no element unmatched-call.",
		}, []string{"reason"}),
	}
	for _, o := range []string{"joined", "pending", "duplicate", "ignored", "rejected", "unmatched"} {
		t.spans.WithLabelValues(o)
	}
	s.metrics.reg.MustRegister(t.spans, t.set)
	if spans, ok := s.store.(registry.SpanStore); ok {
		t.ingester = otlp.NewIngester(s.store, spans, s.now)
	}
	return t
}

// traces takes an OTLP/HTTP trace export (protobuf or JSON, optionally
// gzip) and answers as OTLP/HTTP says: 200 with an
// ExportTraceServiceResponse in the request's encoding, its partial
// success naming rejected spans and warnings; 400 with a google.rpc.Status
// for a body that cannot be read (the exporter does not retry); 415 for an
// encoding OTLP does not use.
func (s *Server) traces(w http.ResponseWriter, r *http.Request, c *caller) error {
	t := s.traceIngest
	if t.ingester == nil {
		return registry.Errorf(registry.EINTERNAL, "this registry server's store cannot keep traces")
	}
	mt, err := otlp.MediaType(r.Header.Get("Content-Type"))
	if err != nil {
		writeOTLPStatus(w, otlp.ContentJSON, http.StatusUnsupportedMediaType, err.Error())
		return nil
	}
	select {
	case t.slots <- struct{}{}:
		defer func() { <-t.slots }()
	case <-r.Context().Done():
		return &registry.Error{Code: registry.EUNAVAILABLE, Message: "the registry server is busy with other trace exports; try again in a moment", Err: r.Context().Err()}
	}
	req, err := otlp.Decode(r.Body, mt, r.Header.Get("Content-Encoding"))
	if err != nil {
		var de *otlp.DecodeError
		code := http.StatusBadRequest
		if errors.As(err, &de) && de.Unsupported {
			code = http.StatusUnsupportedMediaType
		}
		writeOTLPStatus(w, mt, code, err.Error())
		return nil
	}
	res, err := t.ingester.Ingest(r.Context(), req)
	if err != nil {
		return err
	}
	t.count(res)
	resp := &coltracepb.ExportTraceServiceResponse{}
	if res.Rejected > 0 || len(res.Warnings) > 0 {
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{
			RejectedSpans: int64(res.Rejected),
			ErrorMessage:  strings.Join(res.Warnings, "; "),
		}
	}
	writeOTLP(w, mt, http.StatusOK, resp)
	return nil
}

func (t *traceIngest) count(res *otlp.Result) {
	t.spans.WithLabelValues("joined").Add(float64(res.Joined))
	t.spans.WithLabelValues("pending").Add(float64(res.Pending))
	t.spans.WithLabelValues("duplicate").Add(float64(res.Duplicates))
	t.spans.WithLabelValues("ignored").Add(float64(res.Ignored))
	t.spans.WithLabelValues("rejected").Add(float64(res.Rejected))
	n := 0
	for reason, k := range res.Unmatched {
		t.set.WithLabelValues(reason).Add(float64(k))
		n += k
	}
	t.spans.WithLabelValues("unmatched").Add(float64(n))
	if res.Expired > 0 {
		t.set.WithLabelValues("expired").Add(float64(res.Expired))
	}
	if res.SpanOutcome.Unmatched > 0 {
		t.set.WithLabelValues("unmatched-call").Add(float64(res.SpanOutcome.Unmatched))
	}
}

// writeOTLP writes an OTLP message in the encoding the request used.
func writeOTLP(w http.ResponseWriter, mediaType string, code int, m proto.Message) {
	var (
		body []byte
		err  error
	)
	if mediaType == otlp.ContentJSON {
		body, err = protojson.Marshal(m)
	} else {
		body, err = proto.Marshal(m)
	}
	if err != nil {
		code, body = http.StatusInternalServerError, nil
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// writeOTLPStatus answers a failure as OTLP/HTTP does: a google.rpc.Status
// whose message says what is wrong.
func writeOTLPStatus(w http.ResponseWriter, mediaType string, code int, msg string) {
	writeOTLP(w, mediaType, code, &status.Status{Code: 3 /* INVALID_ARGUMENT */, Message: msg})
}
