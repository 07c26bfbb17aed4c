package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/contractgate/contracts/registry"
)

// codeStatus maps registry error codes to HTTP statuses: the one table.
// A code missing here answers 500.
var codeStatus = map[string]int{
	registry.ENOTFOUND:     http.StatusNotFound,
	registry.ECONFLICT:     http.StatusConflict,
	registry.EINVALID:      http.StatusUnprocessableEntity,
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

// writeError answers err as JSON with the status of its code. Internal
// errors are logged in full and answered with a message that does not leak
// the store's internals.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := registry.ErrorCode(err)
	msg := err.Error()
	var re *registry.Error
	if !errors.As(err, &re) {
		// Not a registry error: a bug or a context cancellation.
		s.log.ErrorContext(r.Context(), "request failed", requestAttr(r.Context()), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		msg = "the registry server failed to answer this request; the failure is in its log, try again or tell its operators"
	} else if code == registry.EINTERNAL {
		s.log.ErrorContext(r.Context(), "internal error", requestAttr(r.Context()), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	if code == registry.EUNAUTHORIZED && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="contracts registry"`)
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
