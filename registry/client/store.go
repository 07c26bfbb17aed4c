package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/contractgate/contracts/registry"
)

// The request and response bodies of the API, as schemas/registry-api.yaml
// describes them. The server declares the same shapes; the OpenAPI test and
// the client-over-server store test keep the two in step.
type (
	publishRequest struct {
		Version *registry.Version `json:"version"`
		Blobs   map[string][]byte `json:"blobs"`
	}
	publishResponse struct {
		Outcome string `json:"outcome"`
	}
	servicesResponse struct {
		Services []registry.ServiceInfo `json:"services"`
	}
	versionsResponse struct {
		Versions []*registry.Version `json:"versions"`
	}
	blobsRequest struct {
		Hashes []string `json:"hashes"`
	}
	blobsResponse struct {
		Blobs map[string][]byte `json:"blobs"`
	}
	deploymentRequest struct {
		Deployment   registry.Deployment `json:"deployment"`
		KeepPrevious bool                `json:"keepPrevious"`
	}
	deploymentsResponse struct {
		Deployments []registry.Deployment `json:"deployments"`
	}
	consumersResponse struct {
		Consumers []registry.LiveConsumption `json:"consumers"`
	}
	providersResponse struct {
		Providers []registry.LiveProvision `json:"providers"`
	}
	approvalsResponse struct {
		Approvals []registry.Approval `json:"approvals"`
	}
)

// Publish sends v with its blobs. It is not retried: a publish whose answer
// was lost may have happened, and publishing again is safe for the caller
// to decide (same content answers Unchanged).
func (c *Client) Publish(ctx context.Context, v *registry.Version, blobs map[string][]byte) (registry.PublishOutcome, error) {
	var out publishResponse
	if v == nil {
		return registry.Created, registry.Errorf(registry.EINVALID, "nothing to publish: the version is missing")
	}
	if err := c.call(ctx, http.MethodPost, "/v1/services/"+segment(v.Service)+"/versions", nil, publishRequest{Version: v, Blobs: blobs}, &out, false); err != nil {
		return registry.Created, err
	}
	switch out.Outcome {
	case "created":
		return registry.Created, nil
	case "unchanged":
		return registry.Unchanged, nil
	}
	return registry.Created, registry.Errorf(registry.EINTERNAL, "the registry server answered the publish of %s %s with outcome %q, which this client does not know", v.Service, v.Version, out.Outcome)
}

// Version returns one version, or ENOTFOUND.
func (c *Client) Version(ctx context.Context, service, version string) (*registry.Version, error) {
	var v registry.Version
	if err := c.call(ctx, http.MethodGet, "/v1/services/"+segment(service)+"/versions/"+segment(version), nil, nil, &v, true); err != nil {
		return nil, err
	}
	return &v, nil
}

// Versions returns every version of a service, oldest first.
func (c *Client) Versions(ctx context.Context, service string) ([]*registry.Version, error) {
	var out versionsResponse
	if err := c.call(ctx, http.MethodGet, "/v1/services/"+segment(service)+"/versions", nil, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Versions, nil
}

// Services lists every service, by name.
func (c *Client) Services(ctx context.Context) ([]registry.ServiceInfo, error) {
	var out servicesResponse
	if err := c.call(ctx, http.MethodGet, "/v1/services", nil, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Services, nil
}

// Contract returns a contract and its owner, or ENOTFOUND.
func (c *Client) Contract(ctx context.Context, name string) (*registry.Contract, error) {
	var ct registry.Contract
	if err := c.call(ctx, http.MethodGet, "/v1/contracts/"+segment(name), nil, nil, &ct, true); err != nil {
		return nil, err
	}
	return &ct, nil
}

// Blobs returns the contents of the given hashes; missing ones are absent.
// The query is a POST (hashes may be many) but a read, so it is retried.
func (c *Client) Blobs(ctx context.Context, hashes []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	const batch = 1000
	for start := 0; start < len(hashes); start += batch {
		end := min(start+batch, len(hashes))
		var resp blobsResponse
		if err := c.call(ctx, http.MethodPost, "/v1/blobs/query", nil, blobsRequest{Hashes: hashes[start:end]}, &resp, true); err != nil {
			return nil, err
		}
		for h, b := range resp.Blobs {
			out[h] = b
		}
	}
	return out, nil
}

// RecordDeployment makes d live in d.Env.
func (c *Client) RecordDeployment(ctx context.Context, d registry.Deployment, keepPrevious bool) error {
	return c.call(ctx, http.MethodPost, "/v1/deployments", nil, deploymentRequest{Deployment: d, KeepPrevious: keepPrevious}, nil, false)
}

// RecordUndeployment removes one live version.
func (c *Client) RecordUndeployment(ctx context.Context, env, service, version string) error {
	return c.call(ctx, http.MethodDelete, "/v1/deployments/"+segment(env)+"/"+segment(service)+"/"+segment(version), nil, nil, nil, false)
}

// Deployments lists live versions in env, or everywhere when env is empty.
func (c *Client) Deployments(ctx context.Context, env string) ([]registry.Deployment, error) {
	q := url.Values{}
	if env != "" {
		q.Set("env", env)
	}
	var out deploymentsResponse
	if err := c.call(ctx, http.MethodGet, "/v1/deployments", q, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Deployments, nil
}

// LiveConsumers lists the consumptions of contract by versions live in env.
func (c *Client) LiveConsumers(ctx context.Context, env, contract string) ([]registry.LiveConsumption, error) {
	var out consumersResponse
	if err := c.call(ctx, http.MethodGet, "/v1/environments/"+segment(env)+"/contracts/"+segment(contract)+"/consumers", nil, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Consumers, nil
}

// LiveProviders lists the provisions of contract by versions live in env.
func (c *Client) LiveProviders(ctx context.Context, env, contract string) ([]registry.LiveProvision, error) {
	var out providersResponse
	if err := c.call(ctx, http.MethodGet, "/v1/environments/"+segment(env)+"/contracts/"+segment(contract)+"/providers", nil, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Providers, nil
}

// AddApproval stores an approval and returns it with its ID set.
func (c *Client) AddApproval(ctx context.Context, a registry.Approval) (*registry.Approval, error) {
	var out registry.Approval
	if err := c.call(ctx, http.MethodPost, "/v1/approvals", nil, a, &out, false); err != nil {
		return nil, err
	}
	return &out, nil
}

// Approvals lists the approvals of a contract, or of every contract.
func (c *Client) Approvals(ctx context.Context, contract string) ([]registry.Approval, error) {
	q := url.Values{}
	if contract != "" {
		q.Set("contract", contract)
	}
	var out approvalsResponse
	if err := c.call(ctx, http.MethodGet, "/v1/approvals", q, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Approvals, nil
}

// RevokeApproval revokes an approval on the server; at is ignored, the
// server's clock decides.
func (c *Client) RevokeApproval(ctx context.Context, id int64, at time.Time) error {
	return c.call(ctx, http.MethodDelete, "/v1/approvals/"+strconv.FormatInt(id, 10), nil, nil, nil, false)
}

// CachedReport finds nothing: a registry server's comparison cache is its
// own, written and read by the gate it runs, and no route serves it.
func (c *Client) CachedReport(ctx context.Context, key string) ([]byte, error) {
	return nil, nil
}

// PutCachedReport does nothing: no client may write a server's comparison
// cache, which its gate trusts.
func (c *Client) PutCachedReport(ctx context.Context, key string, report []byte) error {
	return nil
}

type (
	environmentRequest struct {
		Name string `json:"name"`
	}
	environmentResponse struct {
		Environment registry.Environment `json:"environment"`
		Created     bool                 `json:"created"`
	}
	environmentsResponse struct {
		Environments []registry.Environment `json:"environments"`
	}
)

// CreateEnvironment creates an environment on the server (admin or
// deploy:NAME).
func (c *Client) CreateEnvironment(ctx context.Context, name string) (bool, error) {
	var out environmentResponse
	if err := c.call(ctx, http.MethodPost, "/v1/environments", nil, environmentRequest{Name: name}, &out, false); err != nil {
		return false, err
	}
	return out.Created, nil
}

// Environments lists every environment.
func (c *Client) Environments(ctx context.Context) ([]registry.Environment, error) {
	var out environmentsResponse
	if err := c.call(ctx, http.MethodGet, "/v1/environments", nil, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Environments, nil
}
