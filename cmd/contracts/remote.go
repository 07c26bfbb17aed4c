package main

import (
	"context"
	"time"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/client"
)

// openRemote opens a registry server as a Store. Nothing is sent until the
// first call, so a server that cannot be reached fails that call with
// exit status 3.
func openRemote(ctx context.Context, url, token string) (registry.Store, error) {
	c, err := client.New(url, token, client.WithUserAgent("contracts/"+version))
	if err != nil {
		return nil, usageErrorf("--registry %s: %v", url, err)
	}
	return c, nil
}

// gateRunner answers the gate's questions. Over a registry server the
// server answers them: its gate runs where the data is, with its own clock
// and over documents it hashed itself, and only it writes its comparison
// cache. Over a local store (an embedded or PostgreSQL registry) the gate
// runs here.
type gateRunner interface {
	CanIDeploy(ctx context.Context, env string, parties []gate.Party) (*gate.Decision, error)
	Decide(ctx context.Context, env string, cands []gate.Candidate) (*gate.Decision, error)
	WhoUses(ctx context.Context, contract, element, env string) ([]gate.Usage, error)
	Graph(ctx context.Context, env string) (*gate.Graph, error)
}

// gateOf returns the gate for store. display says how a published
// candidate's document paths are shown (gate.Gate.Display); nil shows them
// as stored.
//
// window is how far back observed calls count as reliance (zero: the
// gate's default).
func gateOf(store registry.Store, display func(*registry.Version) string, window time.Duration) gateRunner {
	if c, ok := store.(*client.Client); ok {
		return &remoteGate{c: c, display: display, window: window}
	}
	return localGate{&gate.Gate{Store: store, Now: now, CacheSalt: version, Display: display, UsageWindow: window}}
}

// localGate runs the gate in this process.
type localGate struct{ *gate.Gate }

// remoteGate asks a registry server's gate.
type remoteGate struct {
	c       *client.Client
	display func(*registry.Version) string
	window  time.Duration
}

func (g *remoteGate) CanIDeploy(ctx context.Context, env string, parties []gate.Party) (*gate.Decision, error) {
	cands := make([]client.GateCandidate, len(parties))
	for i, p := range parties {
		cands[i] = client.GateCandidate{Service: p.Service, Version: p.Version}
		if g.display != nil {
			cands[i].Display = g.display(&registry.Version{Service: p.Service, Version: p.Version})
		}
	}
	return g.c.CanIDeploy(ctx, env, cands, g.window)
}

// Decide sends the one working copy verify checks; the server verifies it
// like a publish and does not store it.
func (g *remoteGate) Decide(ctx context.Context, env string, cands []gate.Candidate) (*gate.Decision, error) {
	if len(cands) != 1 || cands[0].Blobs == nil {
		return nil, registry.Errorf(registry.EINVALID, "a registry server verifies one working copy at a time")
	}
	c := cands[0]
	return g.c.Verify(ctx, env, c.Version, c.Blobs, c.Display, g.window)
}

func (g *remoteGate) WhoUses(ctx context.Context, contract, element, env string) ([]gate.Usage, error) {
	return g.c.WhoUses(ctx, contract, element, env)
}

func (g *remoteGate) Graph(ctx context.Context, env string) (*gate.Graph, error) {
	return g.c.Graph(ctx, env)
}
