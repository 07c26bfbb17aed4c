// Package budget stops work that would use more memory than it may.
//
// Comparing documents costs memory that depends on their shape, not only
// their size, and a gate must never swap the machine it runs on. The
// package offers two budgets, both read from the Go runtime's own figures
// (runtime/metrics: memory mapped by the runtime less what it returned to
// the system, which is what the process holds):
//
//  1. Watch: a process-wide watcher for a command line tool. It checks the
//     figure a few dozen times a second and cancels its context, with an
//     *Exceeded as the cause, once the process holds more than the limit.
//     It also sets the runtime's soft memory limit to the same figure, so
//     the collector works harder before the budget is reached.
//  2. WithLimit: a budget carried by a context, for a server that gives
//     each request its own limit. Long loops call Check(ctx) every so
//     often; Check compares what the process holds now with what it held
//     when the budget was made, and cancels the context when the growth
//     passes the limit. Requests running side by side each see the growth
//     of all of them, so the budget errs on the side of stopping.
//
// Either way, work ends with an error whose cause is an *Exceeded, which a
// command maps to its "unavailable" exit status and a server to 503.
package budget

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Defaults for the two kinds of budget.
const (
	// DefaultProcess is the budget of a command line run: 4 GiB.
	DefaultProcess uint64 = 4 << 30
	// DefaultRequest is the budget suggested for one server request: 1 GiB.
	DefaultRequest uint64 = 1 << 30
)

// Exceeded is the cause of a context a budget cancelled.
type Exceeded struct {
	// Limit is the budget in bytes.
	Limit uint64
	// Hint says how to raise it, in the caller's words ("raise
	// --max-memory or CONTRACTS_MAX_MEMORY"); empty for none.
	Hint string
}

// Error says what ran out and how to raise it.
func (e *Exceeded) Error() string {
	msg := "the comparison needed more than " + Format(e.Limit)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// IsExceeded reports whether err is, or wraps, an *Exceeded.
func IsExceeded(err error) bool {
	var e *Exceeded
	return errors.As(err, &e)
}

// Usage is what the process holds now, in bytes: the memory the Go runtime
// has mapped less what it has returned to the system.
func Usage() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}

// interval is how often Watch reads the figures.
const interval = 20 * time.Millisecond

// Watch returns a context that is cancelled, with an *Exceeded as its
// cause, once the process holds more than limit bytes, and sets the
// runtime's soft memory limit to limit while it runs. Call the returned
// function to stop watching (it restores the soft limit). A limit of 0
// watches nothing.
func Watch(parent context.Context, limit uint64, hint string) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	if limit == 0 {
		return ctx, func() { cancel(context.Canceled) }
	}
	if Usage() > limit {
		cancel(&Exceeded{Limit: limit, Hint: hint})
		return ctx, func() {}
	}
	prev := debug.SetMemoryLimit(int64(min(limit, math.MaxInt64)))
	done := make(chan struct{})
	var once sync.Once
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if Usage() > limit {
					cancel(&Exceeded{Limit: limit, Hint: hint})
					return
				}
			}
		}
	}()
	return ctx, func() {
		once.Do(func() {
			close(done)
			debug.SetMemoryLimit(prev)
			cancel(context.Canceled)
		})
	}
}

type key struct{}

// limiter is a budget carried by a context.
type limiter struct {
	limit, base uint64
	hint        string
	cancel      context.CancelCauseFunc
}

// WithLimit returns a context carrying a budget of limit bytes of growth
// from what the process holds now; Check enforces it. Call the returned
// function to release the context's resources.
func WithLimit(parent context.Context, limit uint64, hint string) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	l := &limiter{limit: limit, base: Usage(), hint: hint, cancel: cancel}
	return context.WithValue(ctx, key{}, l), func() { cancel(context.Canceled) }
}

// Check returns the cause of ctx's end if it ended, and otherwise checks
// the budget WithLimit put on ctx, if any, cancelling ctx when it is spent.
// Long loops call it every few hundred steps; it costs about a microsecond.
func Check(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	l, _ := ctx.Value(key{}).(*limiter)
	if l == nil {
		return nil
	}
	if u := Usage(); u > l.base && u-l.base > l.limit {
		err := &Exceeded{Limit: l.limit, Hint: l.hint}
		l.cancel(err)
		return err
	}
	return nil
}

var units = []struct {
	suffix string
	mult   float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

// ParseSize reads a size such as 4GiB, 512MiB, 1.5G (binary units for the
// short suffixes), 2GB (decimal) or a plain number of bytes. 0 means no
// budget.
func ParseSize(s string) (uint64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range units {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok && rest != "" && (unicode.IsDigit(rune(rest[len(rest)-1])) || rest[len(rest)-1] == ' ' || rest[len(rest)-1] == '.') {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f*mult > math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size: write it like 4GiB, 512MiB or a number of bytes", s)
	}
	return uint64(f * mult), nil
}

// Format writes a size the way people read it: 4 GiB, 512 MiB, 1.5 GiB.
func Format(n uint64) string {
	for _, u := range []struct {
		name string
		mult uint64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.mult {
			return strconv.FormatFloat(math.Round(float64(n)/float64(u.mult)*10)/10, 'f', -1, 64) + " " + u.name
		}
	}
	return strconv.FormatUint(n, 10) + " bytes"
}
