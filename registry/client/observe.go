package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/contractgate/contracts/registry"
)

// The bodies of the history and usage routes; the server declares the
// same shapes in registry/server/observe.go.
type historyResponse struct {
	Intervals []registry.LiveInterval `json:"intervals"`
}

// DeploymentHistory lists the live intervals in env that had not ended
// before since (all of them when since is zero).
func (c *Client) DeploymentHistory(ctx context.Context, env string, since time.Time) ([]registry.LiveInterval, error) {
	q := url.Values{}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	var out historyResponse
	if err := c.call(ctx, http.MethodGet, "/v1/environments/"+segment(env)+"/history", q, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Intervals, nil
}

type (
	usageResponse struct {
		Calls []registry.ObservedCall `json:"calls"`
	}
	unmatchedResponse struct {
		Unmatched []registry.UnmatchedSpans `json:"unmatched"`
	}
)

// ObservedUsage lists the calls observed from traces of contract's
// elements in env, from since's day on.
func (c *Client) ObservedUsage(ctx context.Context, env, contract string, since time.Time) ([]registry.ObservedCall, error) {
	q := url.Values{}
	setNonEmpty(q, "env", env)
	setNonEmpty(q, "contract", contract)
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	var out usageResponse
	if err := c.call(ctx, http.MethodGet, "/v1/usage/calls", q, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Calls, nil
}

// UnmatchedSpans lists the spans counted but not recorded as usage.
func (c *Client) UnmatchedSpans(ctx context.Context, env string, since time.Time) ([]registry.UnmatchedSpans, error) {
	q := url.Values{}
	setNonEmpty(q, "env", env)
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	var out unmatchedResponse
	if err := c.call(ctx, http.MethodGet, "/v1/usage/unmatched", q, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Unmatched, nil
}

func setNonEmpty(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}
