package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/contractgate/contracts/compat"
	"github.com/contractgate/contracts/internal/budget"
	"github.com/contractgate/contracts/registry"
)

// Exit statuses, the same for every command.
const (
	exitOK          = 0 // yes, compatible
	exitNo          = 1 // no, breaking
	exitBadInput    = 2 // bad input or usage
	exitUnavailable = 3 // registry unreachable or internal failure
)

// exitError carries an exit status up to main with the message to print.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf is a mistake in the command line: exit status 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitBadInput, err: fmt.Errorf(format, args...)}
}

// verdictNo ends a command that answered "no" (breaking) after printing its
// report: exit status 1 with nothing more to say.
var verdictNo = &exitError{code: exitNo, err: errors.New("")}

// registryCodeExit maps registry error codes to exit statuses, in one table.
var registryCodeExit = map[string]int{
	registry.EINVALID:      exitBadInput,
	registry.ENOTFOUND:     exitBadInput,
	registry.ECONFLICT:     exitBadInput,
	registry.EFORBIDDEN:    exitBadInput,
	registry.EUNAUTHORIZED: exitBadInput,
	registry.EUNAVAILABLE:  exitUnavailable,
	registry.EINTERNAL:     exitUnavailable,
}

// exitCode decides the exit status for an error returned by a command.
func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case compat.IsInput(err):
		return exitBadInput
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, errInterrupted), budget.IsExceeded(err):
		// Out of time, interrupted or out of memory budget: never "yes".
		return exitUnavailable
	case strings.HasPrefix(err.Error(), "unknown command"), strings.HasPrefix(err.Error(), "unknown flag"),
		strings.HasPrefix(err.Error(), "accepts "), strings.HasPrefix(err.Error(), "requires "):
		// cobra's own usage errors.
		return exitBadInput
	}
	var re *registry.Error
	if errors.As(err, &re) {
		if code, ok := registryCodeExit[re.Code]; ok {
			return code
		}
	}
	return exitUnavailable
}
