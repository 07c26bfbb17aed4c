package gate

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/contractgate/contracts/compat"
	"github.com/contractgate/contracts/registry"
)

// DefaultUsageWindow is how far back observed calls count as reliance.
const DefaultUsageWindow = 7 * 24 * time.Hour

// observedUse is what one consumer service was seen calling of one
// contract in the environment within the usage window, from the traces the
// registry received: reliance even where its declaration leaves it out.
type observedUse struct {
	consumer string
	// only is set for a caller that declares no consumption of the
	// contract (or is not a registered service): all it relies on is what
	// it was seen calling.
	only   bool
	window time.Duration
	// calls are by scope key of the element ("GET /orders/{}").
	calls map[string]*observedCall
}

type observedCall struct {
	element  string
	calls    int64
	versions []string
	last     time.Time
}

// relies reports whether e is an element the consumer was seen calling, and
// says so in words.
func (o *observedUse) relies(e compat.Element, declared registry.Consumption) (string, bool) {
	if o == nil {
		return "", false
	}
	c := o.calls[compat.ScopeKey(e.Scope)]
	if c == nil {
		return "", false
	}
	who := o.consumer
	if vs := c.versions; len(vs) > 0 && vs[0] != "" {
		who += " " + strings.Join(vs, ", ")
	}
	not := "not in its declared uses"
	switch {
	case o.only:
		not = "it declares no consumption of this contract"
	case declared.Expectations != nil:
		not = "not in its expectations"
	case len(declared.Messages) > 0 && len(declared.Uses) == 0:
		not = "it declares only the messages it reads"
	}
	noun := "calls"
	if c.calls == 1 {
		noun = "call"
	}
	return fmt.Sprintf("observed %s %s from %s in the last %s; %s", thousands(c.calls), noun, who, days(o.window), not), true
}

// elements lists what was seen, sorted.
func (o *observedUse) elements() []string {
	var out []string
	for _, c := range o.calls {
		out = append(out, c.element)
	}
	sort.Strings(out)
	return out
}

// observedOf reads, once per contract in a run, the calls observed in env
// within the window, by consumer service.
func (r *run) observedOf(ctx context.Context, k string) (map[string]*observedUse, error) {
	if o, ok := r.observed[k]; ok {
		return o, nil
	}
	o, err := observations(ctx, r.g.Store, r.env, k, r.g.now(), r.g.usageWindow())
	if err != nil {
		return nil, err
	}
	if r.observed == nil {
		r.observed = map[string]map[string]*observedUse{}
	}
	r.observed[k] = o
	return o, nil
}

func observations(ctx context.Context, store registry.Store, env, k string, now time.Time, window time.Duration) (map[string]*observedUse, error) {
	calls, err := store.ObservedUsage(ctx, env, k, now.Add(-window))
	if err != nil {
		return nil, err
	}
	out := map[string]*observedUse{}
	for _, c := range calls {
		o := out[c.Consumer]
		if o == nil {
			o = &observedUse{consumer: c.Consumer, window: window, calls: map[string]*observedCall{}}
			out[c.Consumer] = o
		}
		key := compat.ScopeKey(c.Element)
		oc := o.calls[key]
		if oc == nil {
			oc = &observedCall{element: c.Element}
			o.calls[key] = oc
		}
		oc.calls += c.Calls
		if !contains(oc.versions, c.ConsumerVersion) {
			oc.versions = append(oc.versions, c.ConsumerVersion)
			sort.Strings(oc.versions)
		}
		if c.LastSeen.After(oc.last) {
			oc.last = c.LastSeen
		}
	}
	return out, nil
}

// observedOnly returns the consumers seen calling contract k that no live
// version of theirs declares (or that are not registered services), as
// consumers to check: they fail closed. declared names the services whose
// live versions declare k; skip those the run checks otherwise.
func observedOnly(obs map[string]*observedUse, declared map[string]bool, skip func(string) bool) []consumerOf {
	var out []consumerOf
	for _, svc := range sortedKeys(obs) {
		if declared[svc] || skip(svc) {
			continue
		}
		o := *obs[svc]
		o.only = true
		version := ""
		var last time.Time
		for _, c := range o.calls {
			if c.last.After(last) && len(c.versions) > 0 {
				last, version = c.last, c.versions[len(c.versions)-1]
			}
		}
		if version == "" {
			version = "(observed)"
		}
		out = append(out, consumerOf{party: Party{svc, version}, cons: registry.Consumption{}, obs: &o})
	}
	return out
}

// observedReliesOn says what an observed-only consumer relies on.
func observedReliesOn(o *observedUse) string {
	return "what it was observed calling: " + strings.Join(o.elements(), ", ")
}

// days writes a window as people say it: "7 days", "36h".
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		n := int(d / (24 * time.Hour))
		if n == 1 {
			return "day"
		}
		return fmt.Sprintf("%d days", n)
	}
	return d.String()
}

// thousands writes n with commas: 1,204.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
