package server

import (
	"context"
	"time"

	"github.com/contractgate/contracts/internal/budget"
)

// Budget bounds the memory one request's work (a publish's verification, a
// gate or verify run) may take, so that a small document that costs
// gigabytes to load or compare stops its own request instead of the
// server. Begin returns the context to do the work under, cancelled with a
// *budget.Exceeded as its cause once the work needs more than the budget,
// and end, to call when the work is done.
type Budget interface {
	Begin(ctx context.Context) (work context.Context, end func())
}

// DefaultRequestMemory is the default memory budget of one request's work.
const DefaultRequestMemory = int64(budget.DefaultRequest)

// requestBudget is internal/budget's per-context limit: the checkers' long
// loops enforce it themselves (budget.Check), and a ticker checks it while
// the work runs, so that work which never calls Check (a document loader,
// which looks only at its context between files) has its context cancelled
// too. Requests side by side each see the growth of all of them, so the
// budget errs on the side of stopping; the work slots keep them few.
type requestBudget struct {
	limit  uint64
	period time.Duration
}

// Begin implements Budget.
func (b requestBudget) Begin(ctx context.Context) (context.Context, func()) {
	ctx, cancel := budget.WithLimit(ctx, b.limit, "")
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(b.period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if budget.Check(ctx) != nil {
					return
				}
			}
		}
	}()
	return ctx, func() {
		close(done)
		cancel()
	}
}
