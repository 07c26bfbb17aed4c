package gate

import (
	"context"
	"time"

	"github.com/contractgate/contracts/registry"
)

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
	// Observed marks a consumer known only from the calls traces showed
	// it making (within the gate's usage window): it declares no
	// consumption.
	Observed bool `json:"observed,omitempty"`
}

// BuildGraph is Gate.Graph on the real clock and the default usage window.
func BuildGraph(ctx context.Context, store registry.Store, env string) (*Graph, error) {
	return (&Gate{Store: store}).Graph(ctx, env)
}

// Graph returns the consumption graph of the live versions in env, or in
// every environment when env is empty (an unknown env is refused). Observed
// consumers are those seen within the gate's usage window before its now,
// as in its decisions.
func (gt *Gate) Graph(ctx context.Context, env string) (*Graph, error) {
	store := gt.Store
	ds, err := store.Deployments(ctx, env)
	if err != nil {
		return nil, err
	}
	g := &Graph{Nodes: []GraphNode{}, Edges: []GraphEdge{}}
	versions := map[Party]*registry.Version{}
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
	providers := map[envContract][]registry.LiveProvision{}
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
	if err := observedEdges(ctx, store, ds, versions, g, gt.now(), gt.usageWindow()); err != nil {
		return nil, err
	}
	return g, nil
}

// observedEdges adds an edge from each caller seen in traces calling a
// contract that no live version of it declares, to the contract's live
// providers, marked observed.
func observedEdges(ctx context.Context, store registry.Store, ds []registry.Deployment, versions map[Party]*registry.Version, g *Graph, now time.Time, window time.Duration) error {
	type envContract struct{ env, contract string }
	provided := map[envContract][]Party{}
	declared := map[envContract]map[string]bool{}
	var keys []envContract
	for _, d := range ds {
		v := versions[Party{d.Service, d.Version}]
		for _, p := range v.Provides {
			k := envContract{d.Env, p.Contract}
			if provided[k] == nil {
				keys = append(keys, k)
			}
			provided[k] = append(provided[k], Party{d.Service, d.Version})
		}
		for _, c := range v.Consumes {
			k := envContract{d.Env, c.Contract}
			if declared[k] == nil {
				declared[k] = map[string]bool{}
			}
			declared[k][d.Service] = true
		}
	}
	for _, k := range keys {
		obs, err := observations(ctx, store, k.env, k.contract, now, window)
		if err != nil {
			return err
		}
		for _, oc := range observedOnly(obs, declared[k], func(string) bool { return false }) {
			for _, p := range provided[k] {
				g.Edges = append(g.Edges, GraphEdge{Env: k.env, Consumer: oc.party, Provider: p, Contract: k.contract, ReliesOn: observedReliesOn(oc.obs), Observed: true})
			}
		}
	}
	return nil
}
