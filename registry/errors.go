package registry

import (
	"errors"
	"fmt"
)

// Error codes, mapped to exit statuses by the CLI and to HTTP statuses by the
// server, each in one table.
const (
	ECONFLICT     = "conflict"     // a different version already holds the name
	EFORBIDDEN    = "forbidden"    // not allowed: ownership, scopes
	EINTERNAL     = "internal"     // a bug or a broken store
	EINVALID      = "invalid"      // bad input
	ENOTFOUND     = "not_found"    // no such thing
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EUNAVAILABLE  = "unavailable"  // the store or server cannot be reached
)

// Error is a registry error with a stable code and a message a person can act
// on.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error returns the message.
func (e *Error) Error() string {
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error with a code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: the code of the first *Error in its
// chain, EINTERNAL for any other non-nil error, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
