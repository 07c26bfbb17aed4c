package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/contractgate/contracts/registry"
)

// codeStatus maps registry error codes to HTTP statuses: the one table.
// A code missing here answers 500.
var codeStatus = map[string]int{
	registry.ENOTFOUND: http.StatusNotFound,
	registry.ECONFLICT: http.StatusConflict,
	// Bad input of any kind: a body that is not the route's JSON, a name
	// that is not valid, a publish whose hashes or paths do not hold.
	registry.EINVALID:      http.StatusBadRequest,
	registry.EFORBIDDEN:    http.StatusForbidden,
	registry.EUNAUTHORIZED: http.StatusUnauthorized,
	registry.EUNAVAILABLE:  http.StatusServiceUnavailable,
	registry.EINTERNAL:     http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for a registry error code.
func StatusOf(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON body of every error response:
// {"error":{"code":"…","message":"…"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a registry error as sent over HTTP: the stable code of
// registry.ErrorCode and a message a person can act on.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// errShown marks an EUNAVAILABLE or EINTERNAL error whose message the
// server wrote for its callers (busy, draining, over budget). The messages
// of every other such error come from the store or its driver, and may name
// the database's user, name, host and port: those go to the log only.
var errShown = errors.New("a message for the caller")

// The answers that replace messages from below the server; %s is the
// request ID, under which the log holds the cause.
const (
	msgUnavailable = "the registry's database is unavailable; try again in a moment (request %s)"
	msgInternal    = "the registry server failed to answer this request; the failure is in its log (request %s): try again or tell its operators"
)

// retryAfter is the Retry-After of a 503, in seconds: a restarting
// database takes a few.
const retryAfter = "5"

// errFinal marks a 503 that the same request would meet again (its work
// needs more memory than the server allows one request): it is answered
// without Retry-After, which clients read as "do not retry".
var errFinal = errors.New("the same request would fail again")

// writeError answers err as JSON with the status of its code. Failures of
// the store and bugs are logged in full and answered with a fixed message
// that names the request ID but none of the store's internals.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := registry.ErrorCode(err)
	msg := err.Error()
	id := requestIDOf(r.Context())
	var re *registry.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() != nil:
		// The request's own time bound ran out: a stuck store, almost
		// always.
		code, msg = registry.EUNAVAILABLE, fmt.Sprintf(msgUnavailable, id)
		s.log.WarnContext(r.Context(), "request timed out", requestAttr(r.Context()), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	case !errors.As(err, &re):
		// Not a registry error: a bug or a context cancellation.
		s.log.ErrorContext(r.Context(), "request failed", requestAttr(r.Context()), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		msg = fmt.Sprintf(msgInternal, id)
	case errors.Is(err, errShown):
	case code == registry.EUNAVAILABLE:
		s.log.WarnContext(r.Context(), "store unavailable", requestAttr(r.Context()), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		msg = fmt.Sprintf(msgUnavailable, id)
	case code == registry.EINTERNAL:
		s.log.ErrorContext(r.Context(), "internal error", requestAttr(r.Context()), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		msg = fmt.Sprintf(msgInternal, id)
	}
	switch code {
	case registry.EUNAUTHORIZED:
		if w.Header().Get("WWW-Authenticate") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="contracts registry"`)
		}
	case registry.EUNAVAILABLE:
		if !errors.Is(err, errFinal) {
			w.Header().Set("Retry-After", retryAfter)
		}
	}
	writeJSON(w, StatusOf(code), ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}
