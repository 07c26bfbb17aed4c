package gate

import (
	"context"
	"strings"

	"github.com/contractgate/contracts/compat"
	oacheck "github.com/contractgate/contracts/compat/openapi"
	protocheck "github.com/contractgate/contracts/compat/proto"
	"github.com/contractgate/contracts/registry"
)

// Usage is a live consumer version that relies on a contract (or one of its
// elements) in an environment.
type Usage struct {
	Env      string `json:"env"`
	Consumer Party  `json:"consumer"`
	Contract string `json:"contract"`
	// ReliesOn says what of the contract the consumer relies on.
	ReliesOn string `json:"reliesOn"`
	// Why says how the element was matched, when one was asked about.
	Why string `json:"why,omitempty"`
	// Observed marks reliance known from the calls traces showed the
	// consumer making, not from its declaration.
	Observed bool `json:"observed,omitempty"`
}

// WhoUses lists the live consumers of contract in env (every environment
// when env is empty) that rely on element — as findings print it and as
// `approve --element` takes it: an HTTP operation ("GET /orders/{id}"), a
// part or a field of one ("GET /orders/{id} response 200 application/json
// property total"), an RPC ("pkg.Service.Method"), a message type or a
// field of one ("pkg.Message.field"). An empty element asks about the whole
// contract. The element is resolved in the live provider documents (or,
// when none of them has it, in the contract's published versions), and
// each consumer is asked the gate's one question: does it rely on one of
// those elements? An element no published version has is EINVALID (exit
// 2) naming the nearest names.
func (g *Gate) WhoUses(ctx context.Context, contract, element, env string) ([]Usage, error) {
	store := g.Store
	ct, err := store.Contract(ctx, contract)
	if err != nil {
		return nil, err
	}
	envs := []string{env}
	if env != "" {
		if err := registry.CheckEnvironment(ctx, store, env); err != nil {
			return nil, err
		}
	} else {
		all, err := store.Environments(ctx)
		if err != nil {
			return nil, err
		}
		envs = envs[:0]
		for _, e := range all {
			envs = append(envs, e.Name)
		}
	}
	cmp := newComparer(store, g.CacheSalt, nil)
	rel := &reliance{cmp: cmp}
	var targets []compat.Element
	if element != "" {
		if targets, err = g.resolveLive(ctx, cmp, ct, element, envs); err != nil {
			return nil, err
		}
	}
	var out []Usage
	for _, e := range envs {
		consumers, err := store.LiveConsumers(ctx, e, contract)
		if err != nil {
			return nil, err
		}
		obs, err := observations(ctx, store, e, contract, g.now(), g.usageWindow())
		if err != nil {
			return nil, err
		}
		declared := map[string]bool{}
		type candidate struct {
			party    Party
			cons     registry.Consumption
			obs      *observedUse
			reliesOn string
		}
		var cands []candidate
		for _, lc := range consumers {
			declared[lc.Service] = true
			cands = append(cands, candidate{Party{lc.Service, lc.Version}, lc.Consumption, obs[lc.Service], reliesOn(lc.Consumption)})
		}
		for _, oc := range observedOnly(obs, declared, func(string) bool { return false }) {
			cands = append(cands, candidate{oc.party, oc.cons, oc.obs, observedReliesOn(oc.obs)})
		}
		for _, c := range cands {
			u := Usage{Env: e, Consumer: c.party, Contract: contract, ReliesOn: c.reliesOn, Observed: c.obs != nil && c.obs.only}
			if element != "" {
				why, ok := "", false
				for _, t := range targets {
					if why, ok, err = rel.relies(ctx, c.cons, c.obs, t); err != nil {
						return nil, err
					} else if ok {
						break
					}
				}
				if !ok {
					continue
				}
				u.Why = why
				u.Observed = u.Observed || strings.HasPrefix(why, "observed ")
			}
			out = append(out, u)
		}
	}
	return out, nil
}

// resolveLive finds the elements a query names in the documents of the
// contract's live provider versions in envs, falling back to its published
// versions; none at all is EINVALID with the nearest names.
func (g *Gate) resolveLive(ctx context.Context, cmp *comparer, ct *registry.Contract, query string, envs []string) ([]compat.Element, error) {
	seen := map[string]bool{}
	var out []compat.Element
	for _, env := range envs {
		ps, err := g.Store.LiveProviders(ctx, env, ct.Name)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if seen[p.Provision.Doc.Hash] {
				continue
			}
			seen[p.Provision.Doc.Hash] = true
			els, _, err := resolveIn(ctx, cmp, p.Provision.Doc, query, false)
			if err != nil {
				return nil, err
			}
			out = append(out, els...)
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	found, names, err := g.resolvePublished(ctx, ct, query)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, registry.Errorf(registry.EINVALID, "%q is not an element of %s in any published version%s", query, ct.Name, nearestOnly(query, names))
	}
	return found, nil
}

// resolvePublished resolves a query in the contract's published versions,
// newest first, stopping at the first that has it. names are the element
// names of every version, for suggestions when none has it.
func (g *Gate) resolvePublished(ctx context.Context, ct *registry.Contract, query string) ([]compat.Element, []string, error) {
	vs, err := g.Store.Versions(ctx, ct.Owner)
	if err != nil {
		return nil, nil, err
	}
	cmp := newComparer(g.Store, g.CacheSalt, nil)
	seen := map[string]bool{}
	named := map[string]bool{}
	for i := len(vs) - 1; i >= 0; i-- {
		p, ok := vs[i].Provision(ct.Name)
		if !ok || seen[p.Doc.Hash] {
			continue
		}
		seen[p.Doc.Hash] = true
		els, ns, err := resolveIn(ctx, cmp, p.Doc, query, true)
		if err != nil {
			return nil, nil, err
		}
		if len(els) > 0 {
			return els, nil, nil
		}
		for _, n := range ns {
			named[n] = true
		}
	}
	return nil, sortedKeys(named), nil
}

// resolveIn resolves a query in one stored document, and lists its names
// for suggestions when asked.
func resolveIn(ctx context.Context, cmp *comparer, d registry.Doc, query string, withNames bool) ([]compat.Element, []string, error) {
	switch d.Kind {
	case registry.OpenAPI:
		doc, err := cmp.openapi(ctx, d, newMark)
		if err != nil {
			return nil, nil, err
		}
		els, err := oacheck.Resolve(ctx, doc, query)
		if err != nil || !withNames {
			return els, nil, err
		}
		names := oacheck.Operations(doc)
		// Inside an operation that exists, suggest its parts and places.
		if f := strings.Fields(query); len(els) == 0 && len(f) > 2 {
			if ops, err := oacheck.Resolve(ctx, doc, f[0]+" "+f[1]); err == nil && len(ops) > 0 {
				all, err := oacheck.Elements(ctx, doc)
				if err != nil {
					return nil, nil, err
				}
				for _, e := range all {
					if e.Within(compat.ScopeKey(ops[0].Scope)) {
						names = append(names, e.String())
					}
				}
			}
		}
		return els, names, nil
	case registry.Proto:
		set, err := cmp.proto(ctx, d, newMark)
		if err != nil {
			return nil, nil, err
		}
		els := protocheck.Resolve(set, query)
		if !withNames {
			return els, nil, nil
		}
		return els, protocheck.Names(set), nil
	}
	return nil, nil, registry.Errorf(registry.EINTERNAL, "unknown document kind %q", d.Kind)
}
