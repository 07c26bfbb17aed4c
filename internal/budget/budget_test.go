package budget

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"4GiB", 4 << 30, true},
		{"4G", 4 << 30, true},
		{"512MiB", 512 << 20, true},
		{"512 mib", 512 << 20, true},
		{"1.5GiB", 3 << 29, true},
		{"2GB", 2e9, true},
		{"1024", 1024, true},
		{"0", 0, true},
		{"10b", 10, true},
		{"", 0, false},
		{"GiB", 0, false},
		{"-1G", 0, false},
		{"lots", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%t", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[uint64]string{4 << 30: "4 GiB", 3 << 29: "1.5 GiB", 512 << 20: "512 MiB", 100: "100 bytes"} {
		if got := Format(n); got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestWatchCancels pins that a process budget below what the process holds
// cancels the context with an *Exceeded that says how to raise it.
func TestWatchCancels(t *testing.T) {
	ctx, stop := Watch(context.Background(), 1<<10, "raise --max-memory")
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the watcher did not cancel within 5s")
	}
	err := context.Cause(ctx)
	if !IsExceeded(err) {
		t.Fatalf("cause %v, want an *Exceeded", err)
	}
	if want := "the comparison needed more than 1 KiB; raise --max-memory"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// TestWatchLeavesRoom pins that a generous budget leaves the context alone.
func TestWatchLeavesRoom(t *testing.T) {
	ctx, stop := Watch(context.Background(), 1<<40, "")
	time.Sleep(3 * interval)
	if err := ctx.Err(); err != nil {
		t.Fatalf("context ended under a 1 TiB budget: %v", context.Cause(ctx))
	}
	stop()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatal("stop did not end the context")
	}
}

// TestWithLimit pins the per-context budget: growth past the limit makes
// Check fail and cancels the context; without growth Check passes.
func TestWithLimit(t *testing.T) {
	ctx, cancel := WithLimit(context.Background(), 1<<20, "")
	defer cancel()
	if err := Check(ctx); err != nil {
		t.Fatalf("Check before any growth: %v", err)
	}
	hold := make([][]byte, 0, 64)
	for i := 0; i < 64; i++ {
		b := make([]byte, 1<<20)
		b[0] = 1
		hold = append(hold, b)
	}
	err := Check(ctx)
	if !IsExceeded(err) {
		t.Fatalf("Check after 64 MiB of growth = %v, want an *Exceeded", err)
	}
	if !IsExceeded(context.Cause(ctx)) {
		t.Fatal("the context was not cancelled with the cause")
	}
	_ = hold
	if err := Check(context.Background()); err != nil {
		t.Fatalf("Check on a context without a budget: %v", err)
	}
}
