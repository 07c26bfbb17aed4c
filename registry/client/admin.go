package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/contractgate/contracts/registry"
)

// The admin routes: tokens and the audit log, for a token with the admin
// scope.
type (
	tokenRequest struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	tokenCreated struct {
		Token  registry.Token `json:"token"`
		Secret string         `json:"secret"`
	}
	tokenResponse struct {
		Token registry.Token `json:"token"`
	}
	tokensResponse struct {
		Tokens []registry.Token `json:"tokens"`
	}
	auditResponse struct {
		Entries []registry.AuditEntry `json:"entries"`
	}
)

// CreateToken creates a token on the server, which makes its secret and
// keeps only its hash: the secret returned here is shown only now.
func (c *Client) CreateToken(ctx context.Context, name string, scopes []string) (*registry.Token, string, error) {
	var out tokenCreated
	if err := c.call(ctx, http.MethodPost, "/v1/tokens", nil, tokenRequest{Name: name, Scopes: scopes}, &out, false); err != nil {
		return nil, "", err
	}
	return &out.Token, out.Secret, nil
}

// Tokens lists every token, revoked ones included, never their secrets.
func (c *Client) Tokens(ctx context.Context) ([]registry.Token, error) {
	var out tokensResponse
	if err := c.call(ctx, http.MethodGet, "/v1/tokens", nil, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Tokens, nil
}

// RevokeToken revokes a token by ID and returns it as revoked. Revoking it
// again changes nothing, so the request is retried like a read.
func (c *Client) RevokeToken(ctx context.Context, id string) (*registry.Token, error) {
	var out tokenResponse
	if err := c.call(ctx, http.MethodDelete, "/v1/tokens/"+segment(id), nil, nil, &out, true); err != nil {
		return nil, err
	}
	return &out.Token, nil
}

// Audit returns the newest audit entries, newest first, at most limit
// (the server's default, 100, when limit is not positive).
func (c *Client) Audit(ctx context.Context, limit int) ([]registry.AuditEntry, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out auditResponse
	if err := c.call(ctx, http.MethodGet, "/v1/audit", q, nil, &out, true); err != nil {
		return nil, err
	}
	return out.Entries, nil
}
