package gate

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	protocheck "github.com/contractgate/contracts/compat/proto"
	"github.com/contractgate/contracts/registry"
)

// retainedWriter is a producer version no longer live whose messages may
// still be in the topic: it stopped being live less than the retention ago.
type retainedWriter struct {
	party   Party
	prov    registry.Provision
	until   time.Time
	expires time.Time // zero for a topic kept forever
}

// retained lists the producer versions of contract k, other than the live
// ones, that were live in the environment within the retention the newest
// live producer version declares (the topic's current setting). Without a
// retention it lists none: only live producers count.
func (r *run) retained(ctx context.Context, k string, live []providerOf) ([]retainedWriter, registry.Retention, error) {
	if len(live) == 0 || live[0].coDeployed {
		// A co-deployed producer is a new producer version: it is checked
		// against readers as provider.
		return nil, "", nil
	}
	newest := live[0]
	for _, p := range live[1:] {
		a, err := r.version(ctx, newest.party)
		if err != nil {
			return nil, "", err
		}
		b, err := r.version(ctx, p.party)
		if err != nil {
			return nil, "", err
		}
		if registry.VersionLess(a, b) {
			newest = p
		}
	}
	ret := newest.prov.Retention
	if ret == "" || newest.prov.Kind != registry.Proto {
		return nil, "", nil
	}
	now := r.g.now()
	d, forever := ret.Period()
	since := time.Time{}
	if !forever {
		since = now.Add(-d)
	}
	hist, err := r.g.Store.DeploymentHistory(ctx, r.env, since)
	if err != nil {
		return nil, "", err
	}
	isLive := map[string]bool{}
	for _, p := range live {
		isLive[p.party.Version] = true
	}
	ended := map[string]time.Time{}
	for _, li := range hist {
		if li.Service != newest.party.Service || isLive[li.Version] || li.Until == nil || !ret.Covers(*li.Until, now) {
			continue
		}
		if li.Until.After(ended[li.Version]) {
			ended[li.Version] = *li.Until
		}
	}
	var out []retainedWriter
	for _, ver := range sortedKeys(ended) {
		p := Party{newest.party.Service, ver}
		v, err := r.version(ctx, p)
		if err != nil {
			return nil, "", err
		}
		prov, ok := v.Provision(k)
		if !ok || prov.Kind != registry.Proto {
			continue // it wrote nothing to this contract's topic
		}
		w := retainedWriter{party: p, prov: prov, until: ended[ver]}
		if !forever {
			w.expires = w.until.Add(d)
		}
		out = append(out, w)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].until.Before(out[j].until) })
	return out, ret, nil
}

// retainedChecks checks a message reader against every retained producer
// version: the reader reads with each live producer version's definition
// of the message types it reads, and every retained version is a writer
// of messages it may still meet, checked at the contract's level.
func (r *run) retainedChecks(ctx context.Context, cand Party, cons registry.Consumption, live []providerOf) error {
	if len(cons.Messages) == 0 {
		return nil
	}
	writers, ret, err := r.retained(ctx, cons.Contract, live)
	if err != nil {
		return err
	}
	for _, w := range writers {
		ch := Check{Contract: cons.Contract, Kind: registry.Proto, Direction: AsConsumer, Candidate: cand, Counterpart: w.party,
			Provider: w.party, Consumer: cand, ReliesOn: reliesOn(cons), Retained: true}
		why := retainedWhy(w, ret)
		for _, reader := range live {
			rep, err := r.cmp.compare(ctx, registry.Proto, provisionLevel(reader.prov), protocheck.FlowNewWritesOldReads, reader.prov.Doc, w.prov.Doc, cons.Messages)
			if err != nil {
				return err
			}
			relied, err := r.rel.narrow(ctx, cons, nil, rep.Findings)
			if err != nil {
				return err
			}
			for _, f := range relocate(relied, reader.display, fmt.Sprintf("(%s) %s", w.party, registry.DocDisplay(w.prov.Kind, w.prov.Path))) {
				f.Message = strings.TrimSuffix(f.Message, ".") + fmt.Sprintf(" (%s writes, %s reads with %s's definition): %s.", w.party, cand, reader.party, why)
				ch.Findings = append(ch.Findings, f)
			}
		}
		ch.Findings = dedupe(ch.Findings)
		if len(ch.Findings) > 0 {
			ch.Reason = why
		}
		if err := r.finish(ctx, &ch, cons.Tolerates); err != nil {
			return err
		}
	}
	return nil
}

// retainedWhy says why a replaced producer version still counts.
func retainedWhy(w retainedWriter, ret registry.Retention) string {
	const layout = "2006-01-02 15:04"
	if w.expires.IsZero() {
		return fmt.Sprintf("%s was live until %s; its events stay in the topic for good (retention: %s)", w.party, w.until.UTC().Format(layout), ret)
	}
	return fmt.Sprintf("%s was live until %s; its events stay in the topic until %s", w.party, w.until.UTC().Format(layout), w.expires.UTC().Format(layout))
}
