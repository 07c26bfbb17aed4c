package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// grace is how long a command may take to stop after its context ends (a
// signal, an exhausted memory budget) before the process exits anyway:
// some steps, such as parsing one large YAML file, cannot be interrupted.
const grace = 500 * time.Millisecond

// errInterrupted is the cause of a run ended by SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted")

// exitAfterGrace ends the process with exitUnavailable once ctx has been
// done for grace, printing why, unless stop is closed first.
func exitAfterGrace(ctx context.Context, stop <-chan struct{}) {
	select {
	case <-stop:
		return
	case <-ctx.Done():
	}
	select {
	case <-stop:
	case <-time.After(grace):
		fmt.Fprintln(os.Stderr, "contracts:", context.Cause(ctx))
		os.Exit(exitUnavailable)
	}
}
