package otlp

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/contractgate/contracts/registry"
)

// DefaultWindow is how long a half of a call waits for its other half. The
// SDKs' batch processors export every 5 seconds and a Collector adds its
// own batching, so halves of one call arrive seconds apart; two minutes
// leaves room for retries without keeping much.
const DefaultWindow = 2 * time.Minute

// Ingester turns trace exports into usage.
type Ingester struct {
	// Store answers what the registry knows: services, environments,
	// versions and their documents.
	Store registry.Store
	// Spans keeps the halves and the usage they add up to.
	Spans registry.SpanStore
	// Now is the clock of the join window and of "seen" times.
	Now func() time.Time
	// Window is how long a half waits; zero means DefaultWindow.
	Window time.Duration

	resolver *resolver
}

// NewIngester returns an Ingester over store and spans.
func NewIngester(store registry.Store, spans registry.SpanStore, now func() time.Time) *Ingester {
	if now == nil {
		now = time.Now
	}
	return &Ingester{Store: store, Spans: spans, Now: now, Window: DefaultWindow, resolver: newResolver(store, now)}
}

// Result says what became of a request's spans.
type Result struct {
	registry.SpanOutcome
	// Spans is how many spans the request held.
	Spans int
	// Ignored spans were neither CLIENT nor SERVER (internal, producer,
	// consumer).
	Ignored int
	// Rejected spans had malformed ids: the exporter is told, as OTLP's
	// partial success.
	Rejected int
	// Unmatched counts, by reason, the spans set aside before joining.
	Unmatched map[string]int
	// Warnings say, for the exporter's log, what was counted but not
	// recorded (an unknown environment, say).
	Warnings []string
}

// Ingest records one trace export.
func (in *Ingester) Ingest(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*Result, error) {
	if in.resolver == nil {
		in.resolver = newResolver(in.Store, in.Now)
	}
	window := in.Window
	if window <= 0 {
		window = DefaultWindow
	}
	res := &Result{Unmatched: map[string]int{}}
	batch := registry.SpanBatch{At: in.Now().UTC(), Window: window}
	unmatched := map[registry.UnmatchedKey]*registry.UnmatchedSpans{}
	count := func(env, reason, service, example string) {
		res.Unmatched[reason]++
		k := registry.UnmatchedKey{Env: env, Reason: reason, Service: service}
		u := unmatched[k]
		if u == nil {
			u = &registry.UnmatchedSpans{Env: env, Reason: reason, Service: service}
			unmatched[k] = u
		}
		u.Calls++
		if example != "" {
			u.Example = example
		}
	}
	unknownEnvs := map[string]int{}
	for _, rs := range req.GetResourceSpans() {
		r := readResource(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				res.Spans++
				server := sp.GetKind() == tracepb.Span_SPAN_KIND_SERVER
				if !server && sp.GetKind() != tracepb.Span_SPAN_KIND_CLIENT {
					res.Ignored++
					continue
				}
				if server && len(sp.GetParentSpanId()) == 0 {
					// A root SERVER span: whoever called is not traced.
					count(envIfKnown(ctx, in.resolver, r.env), registry.UnmatchedUnpairedServer, "", r.service)
					continue
				}
				trace, key, ok := spanIDs(sp, server)
				if !ok {
					res.Rejected++
					continue
				}
				if r.env == "" {
					count("", registry.UnmatchedNoEnvironment, "", r.service)
					continue
				}
				envOK, providerOK, err := in.resolver.known(ctx, r.env, r.service)
				if err != nil {
					return nil, err
				}
				if !envOK {
					unknownEnvs[r.env]++
					count("", registry.UnmatchedUnknownEnvironment, "", r.env)
					continue
				}
				h := registry.SpanHalf{TraceID: trace, SpanID: key, Server: server, Env: r.env, Service: r.service, Version: r.version}
				if server {
					if err := in.resolveServer(ctx, &h, r, sp, providerOK); err != nil {
						return nil, err
					}
				}
				batch.Halves = append(batch.Halves, h)
			}
		}
	}
	for _, u := range unmatched {
		batch.Unmatched = append(batch.Unmatched, *u)
	}
	out, err := in.Spans.ObserveSpans(ctx, batch)
	if err != nil {
		return nil, err
	}
	res.SpanOutcome = out
	envs := make([]string, 0, len(unknownEnvs))
	for e := range unknownEnvs {
		envs = append(envs, e)
	}
	sort.Strings(envs)
	for _, e := range envs {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d spans name the environment %q, which the registry does not know: counted, not recorded as usage (create it with 'contracts environment create %s' if it is real)", unknownEnvs[e], e, e))
	}
	if res.Rejected > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d spans have malformed trace or span ids and were rejected", res.Rejected))
	}
	return res, nil
}

// resolveServer fills in what a SERVER half was a call to, or why nothing.
func (in *Ingester) resolveServer(ctx context.Context, h *registry.SpanHalf, r resource, sp *tracepb.Span, providerOK bool) error {
	op, ok := readOperation(sp.GetAttributes())
	switch {
	case !providerOK:
		h.Unmatched, h.Example, h.Service = registry.UnmatchedUnknownProvider, r.service, ""
		return nil
	case !ok:
		h.Unmatched, h.Example = registry.UnmatchedNoOperation, truncate(sp.GetName())
		return nil
	}
	contract, el, found, err := in.resolver.resolve(ctx, r.env, r.service, r.version, op)
	if err != nil {
		return err
	}
	if !found {
		h.Unmatched, h.Example = registry.UnmatchedUnknownElement, truncate(op.String())
		return nil
	}
	h.Contract, h.Element = contract, el
	return nil
}

// envIfKnown is env when the registry knows it, else "".
func envIfKnown(ctx context.Context, r *resolver, env string) string {
	if env == "" {
		return ""
	}
	if ok, _, err := r.known(ctx, env, ""); err == nil && ok {
		return env
	}
	return ""
}

func truncate(s string) string {
	if len(s) > maxNameBytes {
		s = s[:maxNameBytes]
	}
	return strings.ToValidUTF8(s, "?")
}
