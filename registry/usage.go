package registry

import (
	"context"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/contractgate/contracts/compat"
	protoschema "github.com/contractgate/contracts/schemas/proto"
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
}

// WhoUses lists the live consumers of contract in env (every environment when
// env is empty) that rely on element: an HTTP operation ("GET /orders/{id}"),
// an RPC ("pkg.Service.Method"), a message type or one of its fields
// ("pkg.Message", "pkg.Message.field"). An empty element asks about the
// whole contract. Consumers that do not narrow what they use rely on
// everything.
func (g *Gate) WhoUses(ctx context.Context, contract, element, env string) ([]Usage, error) {
	store := g.Store
	if _, err := store.Contract(ctx, contract); err != nil {
		return nil, err
	}
	envs := []string{env}
	if env != "" {
		if err := CheckEnvironment(ctx, store, env); err != nil {
			return nil, err
		}
	}
	if env == "" {
		ds, err := store.Deployments(ctx, "")
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		envs = nil
		for _, d := range ds {
			if !seen[d.Env] {
				seen[d.Env] = true
				envs = append(envs, d.Env)
			}
		}
		sort.Strings(envs)
	}
	cmp := newComparer(store, g.CacheSalt, nil)
	var out []Usage
	for _, e := range envs {
		consumers, err := store.LiveConsumers(ctx, e, contract)
		if err != nil {
			return nil, err
		}
		var providers []LiveProvision
		for _, lc := range consumers {
			u := Usage{Env: e, Consumer: Party{lc.Service, lc.Version}, Contract: contract, ReliesOn: reliesOn(lc.Consumption)}
			if element != "" {
				if providers == nil && len(lc.Consumption.Messages) > 0 {
					if providers, err = store.LiveProviders(ctx, e, contract); err != nil {
						return nil, err
					}
				}
				why, relies, err := reliesOnElement(ctx, cmp, lc.Consumption, element, providers)
				if err != nil {
					return nil, err
				}
				if !relies {
					continue
				}
				u.Why = why
			}
			out = append(out, u)
		}
	}
	return out, nil
}

// reliesOnElement decides whether a consumption relies on element.
func reliesOnElement(ctx context.Context, cmp *comparer, c Consumption, element string, providers []LiveProvision) (string, bool, error) {
	if !c.Narrowed() {
		return "relies on all of the contract", true, nil
	}
	key := compat.ScopeKey(element)
	for _, u := range c.Uses {
		uk := compat.ScopeKey(u)
		if uk == key || strings.HasPrefix(key, uk+" ") || strings.HasPrefix(key, uk+".") {
			return "uses " + u, true, nil
		}
	}
	if c.Expectations != nil {
		offers, err := cmp.offers(ctx, *c.Expectations)
		if err != nil {
			return "", false, err
		}
		for op := range offers {
			if op == key || strings.HasPrefix(key, op+" ") {
				return "its expectations (" + c.ExpectationsPath + ") include " + element, true, nil
			}
		}
	}
	if len(c.Messages) == 0 {
		return "", false, nil
	}
	name := strings.TrimPrefix(element, ".")
	for _, m := range c.Messages {
		if name == m || strings.HasPrefix(name, m+".") {
			return "reads " + m, true, nil
		}
	}
	// A type the read messages reach (a nested or imported message, an
	// enum) is relied on too; look in the live provider versions.
	for _, p := range providers {
		if p.Provision.Kind != Proto {
			continue
		}
		set, err := cmp.proto(ctx, p.Provision.Doc, newMark)
		if err != nil {
			return "", false, err
		}
		reached := reach(set, c.Messages)
		for n := name; n != ""; n = parentName(n) {
			if reached[n] {
				return "reads " + strings.Join(c.Messages, ", ") + ", which reach " + n, true, nil
			}
		}
	}
	return "", false, nil
}

func parentName(n string) string {
	i := strings.LastIndexByte(n, '.')
	if i < 0 {
		return ""
	}
	return n[:i]
}

// reach returns the full names of every message and enum type reachable
// from roots through fields.
func reach(set *protoschema.Set, roots []string) map[string]bool {
	out := map[string]bool{}
	var visit func(m protoreflect.MessageDescriptor)
	visit = func(m protoreflect.MessageDescriptor) {
		if out[string(m.FullName())] {
			return
		}
		out[string(m.FullName())] = true
		fs := m.Fields()
		for i := 0; i < fs.Len(); i++ {
			f := fs.Get(i)
			if f.Message() != nil {
				visit(f.Message())
			}
			if f.Enum() != nil {
				out[string(f.Enum().FullName())] = true
			}
		}
	}
	for _, r := range roots {
		if m, ok := set.Message(r); ok {
			visit(m)
		}
	}
	return out
}

// Graph is who consumes whom, per environment.
type Graph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []GraphEdge `json:"edges"`
}

// GraphNode is a live service version.
type GraphNode struct {
	Env     string `json:"env"`
	Service string `json:"service"`
	Version string `json:"version"`
}

// GraphEdge says a consumer version consumes a contract from a provider
// version in one environment. Provider is empty when no provider is live.
type GraphEdge struct {
	Env      string `json:"env"`
	Consumer Party  `json:"consumer"`
	Provider Party  `json:"provider"`
	Contract string `json:"contract"`
	ReliesOn string `json:"reliesOn"`
}

// BuildGraph returns the consumption graph of the live versions in env, or
// in every environment when env is empty.
func BuildGraph(ctx context.Context, store Store, env string) (*Graph, error) {
	ds, err := store.Deployments(ctx, env)
	if err != nil {
		return nil, err
	}
	g := &Graph{Nodes: []GraphNode{}, Edges: []GraphEdge{}}
	versions := map[Party]*Version{}
	for _, d := range ds {
		g.Nodes = append(g.Nodes, GraphNode{Env: d.Env, Service: d.Service, Version: d.Version})
		p := Party{d.Service, d.Version}
		if _, ok := versions[p]; !ok {
			v, err := store.Version(ctx, d.Service, d.Version)
			if err != nil {
				return nil, err
			}
			versions[p] = v
		}
	}
	type envContract struct{ env, contract string }
	providers := map[envContract][]LiveProvision{}
	for _, d := range ds {
		v := versions[Party{d.Service, d.Version}]
		for _, c := range v.Consumes {
			key := envContract{d.Env, c.Contract}
			ps, ok := providers[key]
			if !ok {
				if ps, err = store.LiveProviders(ctx, d.Env, c.Contract); err != nil {
					return nil, err
				}
				providers[key] = ps
			}
			edge := GraphEdge{Env: d.Env, Consumer: Party{d.Service, d.Version}, Contract: c.Contract, ReliesOn: reliesOn(c)}
			if len(ps) == 0 {
				g.Edges = append(g.Edges, edge)
			}
			for _, p := range ps {
				edge.Provider = Party{p.Service, p.Version}
				g.Edges = append(g.Edges, edge)
			}
		}
	}
	return g, nil
}
