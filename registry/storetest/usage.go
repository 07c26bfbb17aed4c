package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/contractgate/contracts/registry"
)

// SpanFeeder is a store under test whose spans are written elsewhere: the
// client of a registry server, whose server's own store takes them.
type SpanFeeder interface {
	SpanStore() registry.SpanStore
}

// spanStore returns where the suite writes spans to st.
func spanStore(t *testing.T, st registry.Store) (registry.SpanStore, bool) {
	switch s := st.(type) {
	case registry.SpanStore:
		return s, true
	case SpanFeeder:
		return s.SpanStore(), false
	}
	t.Fatalf("%T neither keeps spans nor says which store does", st)
	return nil, false
}

// testObservedUsage: halves join with their other half whether it came in
// the same batch or an earlier one, repeats are counted once, halves left
// alone expire as unpaired, calls add up per day, and what matched no
// element or environment is counted apart, never as usage.
func testObservedUsage(t *testing.T, st registry.Store) {
	ctx := context.Background()
	spans, direct := spanStore(t, st)
	CreateEnvs(t, st, "production", "staging")
	day := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	const window = 2 * time.Minute
	client := func(trace, span, env, svc string) registry.SpanHalf {
		return registry.SpanHalf{TraceID: trace, SpanID: span, Env: env, Service: svc, Version: "1.0.0"}
	}
	server := func(trace, span, env string) registry.SpanHalf {
		return registry.SpanHalf{TraceID: trace, SpanID: span, Server: true, Env: env, Service: "orders", Version: "2.0.0", Contract: "orders-api", Element: "GET /orders/{orderId}"}
	}
	unknownElement := server("t3", "s3", "production")
	unknownElement.Contract, unknownElement.Element, unknownElement.Unmatched, unknownElement.Example = "", "", registry.UnmatchedUnknownElement, "GET /nope"

	batches := []struct {
		name string
		b    registry.SpanBatch
		want registry.SpanOutcome
	}{
		{"both halves in one batch, others waiting", registry.SpanBatch{At: day, Window: window,
			Halves: []registry.SpanHalf{
				server("t1", "s1", "production"), client("t1", "s1", "production", "checkout"),
				client("t2", "s2", "production", "checkout"),
				unknownElement,
				client("t5", "s5", "production", "checkout"),
			},
			Unmatched: []registry.UnmatchedSpans{{Reason: registry.UnmatchedUnknownEnvironment, Example: "prodution", Calls: 3}},
		}, registry.SpanOutcome{Joined: 2, Pending: 3}},
		{"halves meet the ones waiting", registry.SpanBatch{At: day.Add(time.Minute), Window: window,
			Halves: []registry.SpanHalf{
				server("t2", "s2", "production"),
				client("t3", "s3", "production", "checkout"),
				client("t4", "s4", "production", "checkout"), client("t4", "s4", "production", "checkout"),
				client("t5", "s5", "production", "checkout"),
				client("t6", "s6", "staging", "checkout"), server("t6", "s6", "production"),
				client("t7", "s7", "staging", "search"), server("t7", "s7", "staging"),
			},
		}, registry.SpanOutcome{Joined: 8, Pending: 1, Duplicates: 2, Unmatched: 2}},
		{"halves left alone expire", registry.SpanBatch{At: day.Add(10 * time.Minute), Window: window}, registry.SpanOutcome{Expired: 2}},
		{"the next day", registry.SpanBatch{At: day.Add(23 * time.Hour), Window: window,
			Halves: []registry.SpanHalf{client("t8", "s8", "production", "checkout"), server("t8", "s8", "production")},
		}, registry.SpanOutcome{Joined: 2}},
	}
	for _, b := range batches {
		got, err := spans.ObserveSpans(ctx, b.b)
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		if direct && got != b.want {
			t.Errorf("%s: outcome %+v, want %+v", b.name, got, b.want)
		}
	}

	call := func(env, consumer string, calls int64, first, last time.Time) registry.ObservedCall {
		return registry.ObservedCall{Env: env, Consumer: consumer, ConsumerVersion: "1.0.0", Provider: "orders", ProviderVersion: "2.0.0",
			Contract: "orders-api", Element: "GET /orders/{orderId}", Calls: calls, FirstSeen: first, LastSeen: last}
	}
	for _, tc := range []struct {
		name, env, contract string
		since               time.Time
		want                []registry.ObservedCall
	}{
		{"every day", "production", "orders-api", time.Time{}, []registry.ObservedCall{call("production", "checkout", 3, day, day.Add(23*time.Hour))}},
		{"from the next day", "production", "orders-api", day.Add(20 * time.Hour), []registry.ObservedCall{call("production", "checkout", 1, day.Add(23*time.Hour), day.Add(23*time.Hour))}},
		{"every environment and contract", "", "", time.Time{}, []registry.ObservedCall{
			call("production", "checkout", 3, day, day.Add(23*time.Hour)),
			call("staging", "search", 1, day.Add(time.Minute), day.Add(time.Minute)),
		}},
		{"another contract", "production", "billing-api", time.Time{}, []registry.ObservedCall{}},
	} {
		got, err := st.ObservedUsage(ctx, tc.env, tc.contract, tc.since)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("observed usage, %s (-want +got):\n%s", tc.name, diff)
		}
	}

	at, later := day, day.Add(time.Minute)
	unmatched := []registry.UnmatchedSpans{
		{Env: "", Reason: registry.UnmatchedUnknownEnvironment, Example: "prodution", Calls: 3, FirstSeen: at, LastSeen: at},
		{Env: "production", Reason: registry.UnmatchedEnvironmentMismatch, Service: "orders", Example: "checkout in staging, orders in production", Calls: 1, FirstSeen: later, LastSeen: later},
		{Env: "production", Reason: registry.UnmatchedUnknownElement, Service: "orders", Example: "GET /nope", Calls: 1, FirstSeen: later, LastSeen: later},
		{Env: "production", Reason: registry.UnmatchedUnpairedClient, Service: "checkout", Calls: 2, FirstSeen: day.Add(10 * time.Minute), LastSeen: day.Add(10 * time.Minute)},
	}
	got, err := st.UnmatchedSpans(ctx, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(unmatched, got); diff != "" {
		t.Errorf("unmatched spans (-want +got):\n%s", diff)
	}
	got, err = st.UnmatchedSpans(ctx, "production", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(unmatched[1:], got); diff != "" {
		t.Errorf("unmatched spans in production (-want +got):\n%s", diff)
	}
	if got, err := st.UnmatchedSpans(ctx, "production", day.Add(20*time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("unmatched spans from the next day = %+v, %v; want none", got, err)
	}
	_, err = st.ObservedUsage(ctx, "prodution", "orders-api", time.Time{})
	wantCode(t, err, registry.EINVALID, "prodution", "production")
	_, err = st.UnmatchedSpans(ctx, "prodution", time.Time{})
	wantCode(t, err, registry.EINVALID, "prodution")

	// Days older than the store keeps are dropped by the next batch.
	if _, err := spans.ObserveSpans(ctx, registry.SpanBatch{At: day.Add(registry.UsageKeptFor + 48*time.Hour), Window: window}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.ObservedUsage(ctx, "", "", time.Time{}); err != nil || len(got) != 0 {
		t.Errorf("usage older than %v = %+v, %v; want it dropped", registry.UsageKeptFor, got, err)
	}
}

// RunSharedSpans sends the two halves of many calls through different
// handles of one database at once, as servers behind a load balancer
// would: every call must join exactly once, whichever half comes first.
func RunSharedSpans(t *testing.T, open func(t *testing.T) []registry.Store) {
	t.Run("ConcurrentHalves", func(t *testing.T) {
		ctx := context.Background()
		handles := open(t)
		CreateEnvs(t, handles[0], "production")
		const calls, perBatch = 400, 20
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		batches := make(chan registry.SpanBatch, 2*calls/perBatch)
		for start := 0; start < calls; start += perBatch {
			var clients, servers []registry.SpanHalf
			for i := start; i < start+perBatch; i++ {
				trace, span := fmt.Sprintf("%032x", i), fmt.Sprintf("%016x", i)
				clients = append(clients, registry.SpanHalf{TraceID: trace, SpanID: span, Env: "production", Service: "checkout"})
				servers = append(servers, registry.SpanHalf{TraceID: trace, SpanID: span, Server: true, Env: "production", Service: "orders", Contract: "orders-api", Element: "GET /orders/{orderId}"})
			}
			// Interleave, so that halves of different calls race.
			batches <- registry.SpanBatch{At: at, Window: time.Hour, Halves: clients}
			batches <- registry.SpanBatch{At: at, Window: time.Hour, Halves: servers}
		}
		close(batches)
		var (
			mu     sync.Mutex
			joined int
		)
		parallel(2*len(handles), func(i int) {
			st := handles[i%len(handles)].(registry.SpanStore)
			for b := range batches {
				out, err := st.ObserveSpans(ctx, b)
				if err != nil {
					t.Errorf("observe: %v", err)
					return
				}
				mu.Lock()
				joined += out.Joined
				mu.Unlock()
			}
		})
		if joined != 2*calls {
			t.Errorf("%d halves joined, want %d", joined, 2*calls)
		}
		got, err := handles[0].ObservedUsage(ctx, "production", "orders-api", time.Time{})
		if err != nil || len(got) != 1 || got[0].Calls != calls {
			t.Errorf("observed usage = %+v, %v; want %d calls", got, err, calls)
		}
		// Nothing is left waiting: expiring everything finds no half.
		out, err := handles[0].(registry.SpanStore).ObserveSpans(ctx, registry.SpanBatch{At: at.Add(2 * time.Hour), Window: time.Hour})
		if err != nil || out.Expired != 0 {
			t.Errorf("halves left pending: %+v, %v", out, err)
		}
	})
}
