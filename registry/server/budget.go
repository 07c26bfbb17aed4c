package server

import (
	"context"
	"errors"
	"runtime"
	rtmetrics "runtime/metrics"
	"sync"
	"time"
)

// Budget bounds the memory one request's work (a publish's verification, a
// gate or verify run) may take, so that a small document that costs
// gigabytes to load or compare stops its own request instead of the
// server. Begin returns the context to do the work under, cancelled with
// the cause ErrOverBudget once the work exceeds the budget, and end, to
// call when the work is done.
//
// heapBudget is the implementation used unless Options.Budget names
// another (internal/budget's per-context accounting, when it exists).
type Budget interface {
	Begin(ctx context.Context) (work context.Context, end func())
}

// ErrOverBudget is the cause of a work context that its Budget cancelled.
var ErrOverBudget = errors.New("the request's work needed more memory than the registry server allows one request")

// DefaultRequestMemory is the default memory budget of one request's work.
const DefaultRequestMemory = 1 << 30

// heapBudget samples the Go heap while work is running. Work that began
// when the heap held H bytes is cancelled once the heap holds more than
// H+limit and a garbage collection does not bring it back: requests share
// one heap, so each is charged for what every request allocated since it
// began. A request may so be stopped for a neighbour's growth (the slots
// of workPool keep neighbours few), but none runs on past its limit.
// Code that does not look at its context keeps allocating until it does;
// the loaders and checkers look at it between files and steps.
type heapBudget struct {
	limit  uint64
	period time.Duration

	mu      sync.Mutex
	active  map[*budgeted]struct{}
	running bool
	lastGC  time.Time
}

type budgeted struct {
	base   uint64
	cancel context.CancelCauseFunc
}

func newHeapBudget(limit uint64) *heapBudget {
	return &heapBudget{limit: limit, period: 10 * time.Millisecond, active: map[*budgeted]struct{}{}}
}

// Begin implements Budget.
func (b *heapBudget) Begin(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &budgeted{base: heapBytes(), cancel: cancel}
	b.mu.Lock()
	b.active[w] = struct{}{}
	if !b.running {
		b.running = true
		go b.watch()
	}
	b.mu.Unlock()
	return ctx, func() {
		b.mu.Lock()
		delete(b.active, w)
		b.mu.Unlock()
		cancel(nil)
	}
}

// watch samples the heap while any work is active.
func (b *heapBudget) watch() {
	t := time.NewTicker(b.period)
	defer t.Stop()
	for range t.C {
		b.mu.Lock()
		if len(b.active) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		heap := heapBytes()
		var over []*budgeted
		for w := range b.active {
			if heap > w.base+b.limit {
				over = append(over, w)
			}
		}
		// Dead objects count until the collector frees them: before
		// stopping anyone, collect (at most once a second) and look again.
		if len(over) > 0 && time.Since(b.lastGC) > time.Second {
			b.lastGC = time.Now()
			b.mu.Unlock()
			runtime.GC()
			heap = heapBytes()
			b.mu.Lock()
			kept := over[:0]
			for _, w := range over {
				if _, still := b.active[w]; still && heap > w.base+b.limit {
					kept = append(kept, w)
				}
			}
			over = kept
		}
		for _, w := range over {
			w.cancel(ErrOverBudget)
			delete(b.active, w)
		}
		b.mu.Unlock()
	}
}

var heapSample = []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

var heapMu sync.Mutex

// heapBytes is the memory held by heap objects, live or not yet swept.
func heapBytes() uint64 {
	heapMu.Lock()
	defer heapMu.Unlock()
	rtmetrics.Read(heapSample)
	if heapSample[0].Value.Kind() != rtmetrics.KindUint64 {
		return 0
	}
	return heapSample[0].Value.Uint64()
}
