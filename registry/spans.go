package registry

import (
	"sort"
	"time"
)

// UsageKeptFor is how long observed usage and unmatched counts are kept:
// ObserveSpans drops the days older than this. The gate's usage window is
// at most this long.
const UsageKeptFor = 90 * 24 * time.Hour

// Day is the UTC day of t, as stored: days since the Unix epoch.
func Day(t time.Time) int64 {
	return t.UTC().Unix() / 86400
}

// UsageTally adds up what a batch of joined and expired halves comes to,
// for a store to write in one go: calls per element, unmatched per reason.
// Keys are sorted before they are written, so that concurrent writers of
// one database lock rows in one order.
type UsageTally struct {
	At        time.Time
	Calls     map[CallKey]int64
	Unmatched map[UnmatchedKey]*UnmatchedSpans
}

// CallKey identifies one row of observed usage on one day.
type CallKey struct {
	Env, Contract, Element, Consumer, ConsumerVersion, Provider, ProviderVersion string
}

// UnmatchedKey identifies one row of unmatched counts on one day.
type UnmatchedKey struct{ Env, Reason, Service string }

// NewUsageTally starts a tally of what arrived at at, with the batch's own
// unmatched counts.
func NewUsageTally(b SpanBatch) *UsageTally {
	t := &UsageTally{At: b.At.UTC(), Calls: map[CallKey]int64{}, Unmatched: map[UnmatchedKey]*UnmatchedSpans{}}
	for _, u := range b.Unmatched {
		t.unmatched(u.Env, u.Reason, u.Service, u.Example, u.Calls)
	}
	return t
}

// Join records the call a client half and its server half make: usage of
// the server's element, or an unmatched count saying why not. It returns
// whether the call was unmatched.
func (t *UsageTally) Join(client, server SpanHalf) (unmatched bool) {
	switch {
	case client.Env != server.Env:
		t.unmatched(server.Env, UnmatchedEnvironmentMismatch, server.Service, client.Service+" in "+client.Env+", "+server.Service+" in "+server.Env, 1)
		return true
	case server.Unmatched != "":
		t.unmatched(server.Env, server.Unmatched, server.Service, server.Example, 1)
		return true
	}
	t.Calls[CallKey{Env: server.Env, Contract: server.Contract, Element: server.Element,
		Consumer: client.Service, ConsumerVersion: client.Version, Provider: server.Service, ProviderVersion: server.Version}]++
	return false
}

// Expire counts a half that waited past the join window.
func (t *UsageTally) Expire(h SpanHalf) {
	if h.Server {
		t.unmatched(h.Env, UnmatchedUnpairedServer, h.Service, h.Element, 1)
		return
	}
	t.unmatched(h.Env, UnmatchedUnpairedClient, h.Service, "", 1)
}

func (t *UsageTally) unmatched(env, reason, service, example string, n int64) {
	k := UnmatchedKey{env, reason, service}
	u := t.Unmatched[k]
	if u == nil {
		u = &UnmatchedSpans{Env: env, Reason: reason, Service: service, FirstSeen: t.At, LastSeen: t.At}
		t.Unmatched[k] = u
	}
	u.Calls += n
	if example != "" {
		u.Example = example
	}
}

// SortedCalls returns the call keys in a fixed order.
func (t *UsageTally) SortedCalls() []CallKey {
	keys := make([]CallKey, 0, len(t.Calls))
	for k := range t.Calls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Env != b.Env {
			return a.Env < b.Env
		}
		if a.Contract != b.Contract {
			return a.Contract < b.Contract
		}
		if a.Element != b.Element {
			return a.Element < b.Element
		}
		if a.Consumer != b.Consumer {
			return a.Consumer < b.Consumer
		}
		if a.ConsumerVersion != b.ConsumerVersion {
			return a.ConsumerVersion < b.ConsumerVersion
		}
		if a.Provider != b.Provider {
			return a.Provider < b.Provider
		}
		return a.ProviderVersion < b.ProviderVersion
	})
	return keys
}

// SortedUnmatched returns the unmatched counts in a fixed order.
func (t *UsageTally) SortedUnmatched() []UnmatchedSpans {
	out := make([]UnmatchedSpans, 0, len(t.Unmatched))
	for _, u := range t.Unmatched {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Env != b.Env {
			return a.Env < b.Env
		}
		if a.Reason != b.Reason {
			return a.Reason < b.Reason
		}
		return a.Service < b.Service
	})
	return out
}

// SortHalves orders halves by their join key, so that concurrent writers
// of one database take their locks in one order.
func SortHalves(hs []SpanHalf) {
	sort.SliceStable(hs, func(i, j int) bool {
		if hs[i].TraceID != hs[j].TraceID {
			return hs[i].TraceID < hs[j].TraceID
		}
		return hs[i].SpanID < hs[j].SpanID
	})
}

// PairWithin sorts halves by key and takes out the calls whose two halves
// are both in it (a Collector in front often sends both): it returns those
// pairs (client first), the halves left to join with pending ones, and how
// many were repeats of a half already in the batch.
func PairWithin(halves []SpanHalf) (pairs [][2]SpanHalf, rest []SpanHalf, duplicates int) {
	hs := append([]SpanHalf(nil), halves...)
	SortHalves(hs)
	for i := 0; i < len(hs); {
		j := i + 1
		for j < len(hs) && hs[j].TraceID == hs[i].TraceID && hs[j].SpanID == hs[i].SpanID {
			j++
		}
		var client, server *SpanHalf
		for k := i; k < j; k++ {
			switch {
			case hs[k].Server && server == nil:
				server = &hs[k]
			case !hs[k].Server && client == nil:
				client = &hs[k]
			default:
				duplicates++
			}
		}
		switch {
		case client != nil && server != nil:
			pairs = append(pairs, [2]SpanHalf{*client, *server})
		case client != nil:
			rest = append(rest, *client)
		default:
			rest = append(rest, *server)
		}
		i = j
	}
	return pairs, rest, duplicates
}
