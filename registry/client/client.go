package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/contractgate/contracts/registry"
)

// Client is a registry.Store backed by a registry server's JSON API.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
	// readTimeout bounds each attempt of a read, writeTimeout a write:
	// a stuck server must not hold a CI job for every retry of a long
	// timeout, while a large publish needs time.
	readTimeout, writeTimeout time.Duration
	retries                   int
	backoff                   time.Duration
	agent                     string
}

var _ registry.Store = (*Client)(nil)

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests through hc (its own Timeout, if any, also
// applies to each attempt).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithTimeout bounds each attempt of every request. The defaults are one
// minute for reads and five for writes (a publish may carry 64 MiB).
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.readTimeout, c.writeTimeout = d, d }
}

// WithRetries sets how often a read is retried after a network failure or
// a 502/503/504, with backoff doubling from 100ms; the default is 3.
// Writes are never retried: a publish that timed out may have happened.
func WithRetries(n int) Option { return func(c *Client) { c.retries = n } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.agent = ua } }

// New returns a client of the registry server at baseURL (http or https),
// sending token as a bearer token when it is not empty.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, registry.Errorf(registry.EINVALID, "registry server URL %q must look like https://registry.example.com", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, registry.Errorf(registry.EINVALID, "registry server URL %q must not carry a query or fragment", baseURL)
	}
	c := &Client{
		base:         u,
		token:        token,
		http:         &http.Client{},
		readTimeout:  time.Minute,
		writeTimeout: 5 * time.Minute,
		retries:      3,
		backoff:      100 * time.Millisecond,
		agent:        "contracts-client",
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Close releases idle connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// call sends one request and decodes a JSON answer into out (when not nil).
// idempotent requests are retried on network failures and 502/503/504.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any, idempotent bool) error {
	attempts, timeout := 1, c.writeTimeout
	if idempotent {
		attempts, timeout = 1+max(c.retries, 0), c.readTimeout
	}
	return c.send(ctx, method, path, query, in, out, attempts, timeout)
}

// callUpload sends a request that reads but carries a large body (verify
// uploads a working copy): retried like a read, with a write's time.
func (c *Client) callUpload(ctx context.Context, method, path string, in, out any) error {
	return c.send(ctx, method, path, nil, in, out, 1+max(c.retries, 0), c.writeTimeout)
}

// send makes up to attempts attempts of one request, each bounded by
// timeout, with backoff between them.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, in, out any, attempts int, timeout time.Duration) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encode the %s %s request: %w", method, path, err)
		}
	}
	// path is already escaped segment by segment (see segment).
	target := c.base.String() + path
	if q := query.Encode(); q != "" {
		target += "?" + q
	}
	var lastErr error
	wait := c.backoff
	for i := 0; i < attempts; i++ {
		if i > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return unavailable(c.base, lastErr)
			case <-t.C:
			}
			wait *= 2
		}
		retry, err := c.once(ctx, timeout, method, target, body, out)
		if err == nil {
			return nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			return err
		}
	}
	return lastErr
}

// segment escapes one path segment (a service, version, key…).
func segment(s string) string { return url.PathEscape(s) }

// once sends one attempt, reporting whether a failure is worth retrying.
func (c *Client) once(ctx context.Context, timeout time.Duration, method, u string, body []byte, out any) (retry bool, err error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return false, fmt.Errorf("build the request %s %s: %w", method, u, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.agent)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if parent.Err() != nil && !errors.Is(parent.Err(), context.DeadlineExceeded) {
			return false, parent.Err()
		}
		if ctx.Err() != nil && parent.Err() == nil {
			err = fmt.Errorf("no answer within %s: %w", timeout, err)
		}
		return true, unavailable(c.base, err)
	}
	defer func() {
		// Drain what is left (the encoder's trailing newline) so that the
		// connection goes back to the pool instead of being closed.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	if resp.StatusCode >= 400 {
		return retryable(resp), c.decodeError(method, req.URL.Path, resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return false, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) || isNetErr(err) {
			return true, unavailable(c.base, err)
		}
		return false, &registry.Error{Code: registry.EINTERNAL, Message: fmt.Sprintf("the registry server at %s answered %s %s with JSON this client cannot read (is it a newer or older version?): %v", c.base.Redacted(), method, req.URL.Path, err), Err: err}
	}
	return false, nil
}

// retryable reports whether a failed answer is worth another attempt: a
// proxy's 502 or 504, or a 503 that says when to try again (Retry-After)
// or comes from something other than the registry server (a proxy, a
// load balancer). A registry server's 503 without Retry-After is final:
// the same request would fail again (it needs more memory than the server
// allows one request).
func retryable(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	case http.StatusServiceUnavailable:
		return resp.Header.Get("Retry-After") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json")
	}
	return false
}

// errorBody is the server's error answer: {"error":{"code","message"}}.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// decodeError turns an error answer into a *registry.Error with the
// server's code. Answers without one (a proxy, a wrong URL) are classified
// by status.
func (c *Client) decodeError(method, path string, resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var eb errorBody
	if json.Unmarshal(raw, &eb) == nil && eb.Error.Code != "" {
		return &registry.Error{Code: eb.Error.Code, Message: eb.Error.Message}
	}
	code := registry.EINTERNAL
	hint := "is --registry the base URL of a contracts registry server?"
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		code, hint = registry.EUNAUTHORIZED, "check --token or CONTRACTS_TOKEN"
	case resp.StatusCode == http.StatusForbidden:
		code, hint = registry.EFORBIDDEN, "the token lacks a scope, or a proxy refused the request"
	case resp.StatusCode >= 500:
		code, hint = registry.EUNAVAILABLE, "the server or a proxy in front of it is failing; try again later"
	}
	snippet := strings.TrimSpace(string(raw))
	if len(snippet) > 200 {
		snippet = snippet[:200] + "…"
	}
	return registry.Errorf(code, "the registry server at %s answered %s %s with %s and no registry error (%s): %s", c.base.Redacted(), method, path, resp.Status, hint, snippet)
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

// unavailable wraps a failure to reach the server as EUNAVAILABLE.
func unavailable(base *url.URL, err error) error {
	if err == nil {
		err = errors.New("no answer")
	}
	var re *registry.Error
	if errors.As(err, &re) {
		return err
	}
	// The URL's password, if any, stays out of messages; the transport's
	// own error names only the host.
	msg := err.Error()
	if pw, ok := base.User.Password(); ok && pw != "" {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	return &registry.Error{Code: registry.EUNAVAILABLE, Message: fmt.Sprintf("cannot reach the registry server at %s: %s", base.Redacted(), msg), Err: err}
}
