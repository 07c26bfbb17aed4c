package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/registry"
)

// The gate routes: over a registry server the gate runs on the server,
// where the data is, and answers with the gate package's own types. The
// requests only read, so they are retried like reads.
type (
	canIDeployRequest struct {
		Env              string          `json:"env"`
		Candidates       []GateCandidate `json:"candidates"`
		UsageWindowHours int             `json:"usageWindowHours,omitempty"`
	}
	verifyRequest struct {
		Env              string            `json:"env"`
		Version          *registry.Version `json:"version"`
		Blobs            map[string][]byte `json:"blobs"`
		Display          string            `json:"display,omitempty"`
		UsageWindowHours int               `json:"usageWindowHours,omitempty"`
	}
	usagesResponse struct {
		Usages []gate.Usage `json:"usages"`
	}
)

// GateCandidate is a published version to deploy, with the prefix under
// which its document paths are shown in findings (gate.Candidate.Display).
type GateCandidate struct {
	Service string `json:"service"`
	Version string `json:"version"`
	Display string `json:"display,omitempty"`
}

// CanIDeploy asks the server whether the published versions may be
// deployed to env together.
//
// window is how far back observed calls count as reliance; zero is the
// server's default. It is sent in whole hours.
func (c *Client) CanIDeploy(ctx context.Context, env string, cands []GateCandidate, window time.Duration) (*gate.Decision, error) {
	var d gate.Decision
	req := canIDeployRequest{Env: env, Candidates: cands, UsageWindowHours: hours(window)}
	if err := c.call(ctx, http.MethodPost, "/v1/gate/can-i-deploy", nil, req, &d, true); err != nil {
		return nil, err
	}
	return &d, nil
}

// Verify sends a working copy (its version and blobs, as a publish would;
// blobs the server holds may be left out) for the server to check against
// what is live in env, without storing it.
func (c *Client) Verify(ctx context.Context, env string, v *registry.Version, blobs map[string][]byte, display string, window time.Duration) (*gate.Decision, error) {
	var d gate.Decision
	req := verifyRequest{Env: env, Version: v, Blobs: blobs, Display: display, UsageWindowHours: hours(window)}
	if err := c.callUpload(ctx, http.MethodPost, "/v1/gate/verify", req, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// WhoUses lists the live consumers of contract (in env, or everywhere when
// empty) that rely on element (the whole contract when empty).
func (c *Client) WhoUses(ctx context.Context, contract, element, env string) ([]gate.Usage, error) {
	q := url.Values{}
	if element != "" {
		q.Set("element", element)
	}
	if env != "" {
		q.Set("env", env)
	}
	var out usagesResponse
	if err := c.call(ctx, http.MethodGet, "/v1/contracts/"+segment(contract)+"/users", q, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Usages, nil
}

// Graph returns the consumption graph of the live versions in env, or in
// every environment when env is empty.
func (c *Client) Graph(ctx context.Context, env string) (*gate.Graph, error) {
	q := url.Values{}
	if env != "" {
		q.Set("env", env)
	}
	var gr gate.Graph
	if err := c.call(ctx, http.MethodGet, "/v1/graph", q, nil, &gr, true); err != nil {
		return nil, err
	}
	return &gr, nil
}

// hours rounds a window up to whole hours, as the server takes it.
func hours(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Hour - 1) / time.Hour)
}
