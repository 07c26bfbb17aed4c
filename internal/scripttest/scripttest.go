// Package scripttest holds the testscript commands that the CLI's scripts
// use, shared by every test that runs them (the CLI's own, and the same
// scripts over a registry server).
package scripttest

import (
	"errors"
	"os/exec"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

// Cmds are the custom script commands: `exits N command args…`.
var Cmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exits": exits,
}

// exits is the script command `exits N command args…`: it runs the command
// like exec (its stdout and stderr are checked by the lines that follow)
// and fails unless the exit status is exactly N, so a script pins 2 (bad
// input) apart from 3 (no registry) instead of only "non-zero".
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("exits does not take !; give the status expected")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits STATUS command [args…]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not a status", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}
