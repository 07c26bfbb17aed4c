package server

import (
	"net/http"
	"time"

	"github.com/contractgate/contracts/registry"
)

// HistoryResponse answers GET /v1/environments/{env}/history.
type HistoryResponse struct {
	Intervals []registry.LiveInterval `json:"intervals"`
}

// history lists the live intervals of an environment; ?since= (RFC 3339)
// leaves out the intervals that had ended before it.
func (s *Server) history(w http.ResponseWriter, r *http.Request, c *caller) error {
	since, err := timeParam(r, "since")
	if err != nil {
		return err
	}
	list, err := s.store.DeploymentHistory(r.Context(), r.PathValue("env"), since)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, HistoryResponse{Intervals: nonNil(list)})
	return nil
}

// timeParam reads an optional RFC 3339 query parameter; absent is zero.
func timeParam(r *http.Request, name string) (time.Time, error) {
	q := r.URL.Query().Get(name)
	if q == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, q)
	if err != nil {
		return time.Time{}, registry.Errorf(registry.EINVALID, "%s=%q is not an RFC 3339 time such as 2026-12-01T10:00:00Z", name, q)
	}
	return t, nil
}

// UsageResponse answers GET /v1/usage/calls.
type UsageResponse struct {
	Calls []registry.ObservedCall `json:"calls"`
}

// UnmatchedResponse answers GET /v1/usage/unmatched.
type UnmatchedResponse struct {
	Unmatched []registry.UnmatchedSpans `json:"unmatched"`
}

// usageCalls lists observed calls; ?env=, ?contract= and ?since= narrow.
func (s *Server) usageCalls(w http.ResponseWriter, r *http.Request, c *caller) error {
	since, err := timeParam(r, "since")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := s.store.ObservedUsage(r.Context(), q.Get("env"), q.Get("contract"), since)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, UsageResponse{Calls: nonNil(list)})
	return nil
}

// usageUnmatched lists the spans counted but not recorded as usage.
func (s *Server) usageUnmatched(w http.ResponseWriter, r *http.Request, c *caller) error {
	since, err := timeParam(r, "since")
	if err != nil {
		return err
	}
	list, err := s.store.UnmatchedSpans(r.Context(), r.URL.Query().Get("env"), since)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, UnmatchedResponse{Unmatched: nonNil(list)})
	return nil
}
