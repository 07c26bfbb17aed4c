package compat

import (
	"errors"
	"fmt"
)

// InputError is bad input: a document that does not parse, a reference that
// leaves its folder, a manifest with an unknown key. Loaders return it (or
// wrap it) so callers can tell bad input (exit status 2) from a failure to
// run (exit status 3).
type InputError struct {
	// Location names the file and, where known, the line and column.
	Location Location
	// Msg says what is wrong, as a sentence fragment without the location.
	Msg string
	// Err is an underlying cause, if any.
	Err error
}

// Error formats "file:line:col: message".
func (e *InputError) Error() string {
	loc := e.Location.String()
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if loc == "" {
		return msg
	}
	return loc + ": " + msg
}

// Unwrap returns the cause.
func (e *InputError) Unwrap() error { return e.Err }

// Inputf makes an InputError at loc.
func Inputf(loc Location, format string, args ...any) *InputError {
	return &InputError{Location: loc, Msg: fmt.Sprintf(format, args...)}
}

// IsInput reports whether err is, or wraps, an InputError.
func IsInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}
