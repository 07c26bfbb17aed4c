package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/contractgate/contracts/registry"
)

// The scopes a token may hold. A scope with a name after the colon limits
// it to one service or environment; "*" means every one.
const (
	// ScopeRead reads everything. Every other scope includes it.
	ScopeRead = "read"
	// ScopeAdmin does everything, including reading the audit log.
	ScopeAdmin = "admin"
	// ScopePublishPrefix + SERVICE (or "*") publishes versions of SERVICE
	// and approves breaks of SERVICE as a consumer (it is SERVICE's team).
	ScopePublishPrefix = "publish:"
	// ScopeApprovePrefix + SERVICE approves breaks of SERVICE as a
	// consumer, and nothing else: for the team's approvers.
	ScopeApprovePrefix = "approve:"
	// ScopeDeployPrefix + ENV (or "*") records deployments in ENV.
	ScopeDeployPrefix = "deploy:"
)

// tokenPrefix starts every secret so that leaked secrets are recognisable
// (secret scanners) and carry the token ID for revocation.
const tokenPrefix = "ctk_"

// ValidScope reports whether s is a scope a token may hold, with an error
// saying what would be valid.
func ValidScope(s string) error {
	switch {
	case s == ScopeRead, s == ScopeAdmin:
		return nil
	case strings.HasPrefix(s, ScopePublishPrefix):
		if n := strings.TrimPrefix(s, ScopePublishPrefix); n == "*" || registry.ValidServiceName(n) {
			return nil
		}
		return registry.Errorf(registry.EINVALID, "scope %q names no valid service: use publish:SERVICE or publish:*", s)
	case strings.HasPrefix(s, ScopeDeployPrefix):
		if n := strings.TrimPrefix(s, ScopeDeployPrefix); n == "*" || registry.ValidServiceName(n) {
			return nil
		}
		return registry.Errorf(registry.EINVALID, "scope %q names no valid environment: use deploy:ENV or deploy:*", s)
	case strings.HasPrefix(s, ScopeApprovePrefix):
		if n := strings.TrimPrefix(s, ScopeApprovePrefix); registry.ValidServiceName(n) {
			return nil
		}
		return registry.Errorf(registry.EINVALID, "scope %q names no valid service: use approve:SERVICE", s)
	}
	return registry.Errorf(registry.EINVALID, "unknown scope %q: use read, publish:SERVICE, publish:*, deploy:ENV, deploy:*, approve:SERVICE or admin", s)
}

// HashSecret is the stored form of a token secret: a SHA-256 hex digest. A
// slow hash buys nothing for 256-bit random secrets.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateToken makes a token with a fresh random secret, stores its hash in
// auth and returns the token and the secret, which is shown once and never
// stored.
func CreateToken(ctx context.Context, auth registry.AuthStore, name string, scopes []string, now time.Time) (*registry.Token, string, error) {
	if strings.TrimSpace(name) == "" {
		return nil, "", registry.Errorf(registry.EINVALID, "a token needs a name saying who or what uses it (--name ci-checkout)")
	}
	if len(scopes) == 0 {
		return nil, "", registry.Errorf(registry.EINVALID, "a token needs at least one scope: read, publish:SERVICE, deploy:ENV or admin")
	}
	for _, s := range scopes {
		if err := ValidScope(s); err != nil {
			return nil, "", err
		}
	}
	idBytes := make([]byte, 8)
	secretBytes := make([]byte, 32)
	if _, err := rand.Read(idBytes); err != nil {
		return nil, "", fmt.Errorf("generate a token ID: %w", err)
	}
	if _, err := rand.Read(secretBytes); err != nil {
		return nil, "", fmt.Errorf("generate a token secret: %w", err)
	}
	id := hex.EncodeToString(idBytes)
	secret := tokenPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(secretBytes)
	t := registry.Token{ID: id, Name: name, Scopes: append([]string(nil), scopes...), CreatedAt: now.UTC().Truncate(time.Microsecond)}
	if err := auth.CreateToken(ctx, t, HashSecret(secret)); err != nil {
		return nil, "", fmt.Errorf("store token %s: %w", name, err)
	}
	return &t, secret, nil
}

// HasAdmin reports whether auth holds a token with the admin scope that is
// not revoked.
func HasAdmin(ctx context.Context, auth registry.AuthStore) (bool, error) {
	ts, err := auth.Tokens(ctx)
	if err != nil {
		return false, fmt.Errorf("list tokens: %w", err)
	}
	for _, t := range ts {
		if t.RevokedAt != nil {
			continue
		}
		for _, s := range t.Scopes {
			if s == ScopeAdmin {
				return true, nil
			}
		}
	}
	return false, nil
}

// caller is who sent a request: a token, or anyone when auth is off.
type caller struct {
	id, name string
	scopes   []string
	// open is true when the server runs with --insecure-no-auth.
	open bool
}

// actor names the caller in the audit log.
func (c *caller) actor() string {
	if c.open {
		return "anonymous (insecure-no-auth)"
	}
	return c.name + " (token " + c.id + ")"
}

// can reports whether the caller holds scope, directly or through admin, a
// wildcard, or (for read) any scope at all.
func (c *caller) can(scope string) bool {
	if c.open {
		return true
	}
	for _, s := range c.scopes {
		switch {
		case s == ScopeAdmin, s == scope, scope == ScopeRead:
			return true
		case strings.HasPrefix(scope, ScopePublishPrefix) && s == ScopePublishPrefix+"*",
			strings.HasPrefix(scope, ScopeDeployPrefix) && s == ScopeDeployPrefix+"*":
			return true
		}
	}
	return false
}

// canWrite reports whether the caller holds any scope beyond read.
func (c *caller) canWrite() bool {
	if c.open {
		return true
	}
	for _, s := range c.scopes {
		if s != ScopeRead {
			return true
		}
	}
	return false
}

// require fails with EFORBIDDEN unless the caller holds scope.
func (c *caller) require(scope, doing string) error {
	if c.can(scope) {
		return nil
	}
	return registry.Errorf(registry.EFORBIDDEN, "token %s may not %s: it needs the scope %s (it has %s); ask a registry admin for a token with that scope",
		c.name, doing, scope, strings.Join(c.scopes, ", "))
}

// authenticate finds the caller of r from its bearer token.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (*caller, error) {
	if s.opts.InsecureNoAuth {
		return &caller{open: true}, nil
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "this registry server needs a bearer token: pass --token or set CONTRACTS_TOKEN (a registry admin creates one with `contracts token create`)")
	}
	secret, ok := bearerSecret(r)
	if !ok {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "the Authorization header must be `Bearer <token>`")
	}
	// The store looks the token up by the hash of its secret: equal hashes
	// of 256-bit secrets leak nothing through timing. The ID embedded in
	// the secret is then compared in constant time with the stored one, so
	// a hash collision between two stored rows could not swap identities.
	t, err := s.auth.TokenByHash(ctx, HashSecret(secret))
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "the token is not known to this registry: check --token or CONTRACTS_TOKEN")
	}
	if err != nil {
		return nil, fmt.Errorf("look up the token: %w", err)
	}
	embedded := strings.TrimPrefix(secret, tokenPrefix)
	embedded, _, _ = strings.Cut(embedded, "_")
	if subtle.ConstantTimeCompare([]byte(embedded), []byte(t.ID)) != 1 {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "the token is not known to this registry: check --token or CONTRACTS_TOKEN")
	}
	if t.RevokedAt != nil {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "token %s (%s) was revoked on %s: ask a registry admin for a new one", t.Name, t.ID, t.RevokedAt.Format(time.RFC3339))
	}
	return &caller{id: t.ID, name: t.Name, scopes: t.Scopes}, nil
}

// bearerSecret reads the token from a Bearer header, or from the password
// of Basic auth so that a browser can open the web page without scripts.
func bearerSecret(r *http.Request) (string, bool) {
	if _, pw, ok := r.BasicAuth(); ok && pw != "" {
		return pw, true
	}
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return "", false
	}
	return secret, true
}
