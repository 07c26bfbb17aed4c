// Command contracts keeps independent microservice deploys safe: it compares
// API and message schemas, records what every service version provides and
// consumes, and refuses a deploy that would break a live consumer.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		cancel(fmt.Errorf("%w by %v", errInterrupted, s))
	}()
	// Commands see the signal as their context ending, with errInterrupted
	// as its cause: serve drains, diff stops within a second (exit 3).
	code := run(ctx, os.Args[1:])
	signal.Stop(sigs)
	os.Exit(code)
}

// run executes one command line and returns the exit status. Tests call it
// in-process through testscript.
func run(ctx context.Context, args []string) int {
	cmd := newRootCmd()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	code := exitCode(err)
	if err != nil && err.Error() != "" {
		fmt.Fprintln(os.Stderr, "contracts:", err)
	}
	return code
}
