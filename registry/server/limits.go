package server

import (
	"context"
	"fmt"
	"sync"

	"github.com/contractgate/contracts/registry"
)

// workPool bounds the requests doing one kind of costly work (publishes,
// gate runs) at once: overall, so the server's memory stays bounded, and
// per token, so that one caller (a leaked CI token sending slow bodies, a
// loop of verify runs) holds at most a few of the slots and never all.
// A request waits for its slots; it takes them only after it was
// authorised, and before its body is read.
type workPool struct {
	what     string // "publishes", "gate runs": for messages
	global   chan struct{}
	perToken int

	mu     sync.Mutex
	tokens map[string]*tokenSlots
}

// tokenSlots are one caller's slots of a pool; users counts the requests
// holding or waiting for one, so the entry goes when the last one leaves.
type tokenSlots struct {
	ch    chan struct{}
	users int
}

func newWorkPool(what string, global, perToken int) *workPool {
	return &workPool{what: what, global: make(chan struct{}, global), perToken: perToken, tokens: map[string]*tokenSlots{}}
}

// acquire waits for one of the caller's slots and then one of the
// server's, until ctx ends, and returns the function that gives both back.
func (p *workPool) acquire(ctx context.Context, c *caller) (release func(), err error) {
	key := c.key()
	p.mu.Lock()
	ts := p.tokens[key]
	if ts == nil {
		ts = &tokenSlots{ch: make(chan struct{}, p.perToken)}
		p.tokens[key] = ts
	}
	ts.users++
	p.mu.Unlock()
	leave := func() {
		p.mu.Lock()
		if ts.users--; ts.users == 0 {
			delete(p.tokens, key)
		}
		p.mu.Unlock()
	}
	select {
	case ts.ch <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, busy(fmt.Sprintf("%s already has %d %s in flight on this registry server, the most one caller may run at once; try again when they are done", c.name, p.perToken, p.what))
	}
	select {
	case p.global <- struct{}{}:
	case <-ctx.Done():
		<-ts.ch
		leave()
		return nil, busy(fmt.Sprintf("the registry server is busy with other %s; try again in a moment", p.what))
	}
	return func() {
		<-p.global
		<-ts.ch
		leave()
	}, nil
}

// busy is a 503 whose message the server wrote for its callers.
func busy(msg string) error {
	return &registry.Error{Code: registry.EUNAVAILABLE, Message: msg, Err: errShown}
}
