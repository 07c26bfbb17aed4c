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
	"unicode"

	"github.com/contractgate/contracts/registry"
)

// The scopes a token may hold. A scope with a name after the colon limits
// it to one service or environment; "*" means every one.
const (
	// ScopeRead reads everything and runs the gate. Every other scope
	// includes it.
	ScopeRead = "read"
	// ScopeAdmin does everything, including managing tokens and reading
	// the audit log.
	ScopeAdmin = "admin"
	// ScopePublishPrefix + SERVICE (or "*") publishes versions of SERVICE
	// and approves breaks of SERVICE as a consumer (it is SERVICE's team).
	ScopePublishPrefix = "publish:"
	// ScopeApprovePrefix + SERVICE approves breaks of SERVICE as a
	// consumer, and nothing else: for the team's approvers. It takes no
	// wildcard: approving for every consumer is an admin's call.
	ScopeApprovePrefix = "approve:"
	// ScopeDeployPrefix + ENV (or "*") records deployments in ENV.
	ScopeDeployPrefix = "deploy:"
	// ScopeUsage sends OpenTelemetry traces to POST /v1/traces, from
	// which the registry learns who calls what (an OTel Collector's token).
	// It reads too, and writes nothing else.
	ScopeUsage = "usage"
)

// scopeFamilies are the scopes that take a name, with what the name is and
// whether "*" may stand for every one.
var scopeFamilies = []struct {
	prefix, names string
	wildcard      bool
}{
	{ScopePublishPrefix, "service", true},
	{ScopeApprovePrefix, "service", false},
	{ScopeDeployPrefix, "environment", true},
}

// tokenPrefix starts every secret so that leaked secrets are recognisable
// (secret scanners) and carry the token ID for revocation.
const tokenPrefix = "ctk_"

// ValidScope reports whether s is a scope a token may hold, with an error
// saying what would be valid.
func ValidScope(s string) error {
	if s == ScopeRead || s == ScopeAdmin || s == ScopeUsage {
		return nil
	}
	for _, f := range scopeFamilies {
		if n, ok := strings.CutPrefix(s, f.prefix); ok {
			switch {
			case n == "*" && f.wildcard, registry.ValidServiceName(n):
				return nil
			case !f.wildcard:
				return registry.Errorf(registry.EINVALID, "scope %q names no valid %s: use %s", s, f.names, describeScope(f.prefix))
			}
			return registry.Errorf(registry.EINVALID, "scope %q names no valid %s: use %s or %s*", s, f.names, describeScope(f.prefix), f.prefix)
		}
	}
	return registry.Errorf(registry.EINVALID, "unknown scope %q: use read, publish:SERVICE, publish:*, deploy:ENV, deploy:*, approve:SERVICE, usage or admin", s)
}

// HashSecret is the stored form of a token secret: a SHA-256 hex digest. A
// slow hash buys nothing for 256-bit random secrets.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Bounds on what a token holds: its name is shown in audit entries and
// approvals.
const (
	maxTokenName   = 100
	maxTokenScopes = 100
)

// CreateToken makes a token with a fresh random secret, stores its hash in
// auth and returns the token and the secret, which is shown once and never
// stored.
func CreateToken(ctx context.Context, auth registry.AuthStore, name string, scopes []string, now time.Time) (*registry.Token, string, error) {
	if strings.TrimSpace(name) == "" {
		return nil, "", registry.Errorf(registry.EINVALID, "a token needs a name saying who or what uses it (--name ci-checkout)")
	}
	if len(name) > maxTokenName || strings.ContainsFunc(name, unicode.IsControl) {
		return nil, "", registry.Errorf(registry.EINVALID, "token name %.80q is not a short printable name: use at most %d characters, no control characters", name, maxTokenName)
	}
	if len(scopes) > maxTokenScopes {
		return nil, "", registry.Errorf(registry.EINVALID, "a token may hold at most %d scopes, not %d", maxTokenScopes, len(scopes))
	}
	if len(scopes) == 0 {
		return nil, "", registry.Errorf(registry.EINVALID, "a token needs at least one scope: read, publish:SERVICE, approve:SERVICE, deploy:ENV or admin")
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

// caller is who sent a request: a token, or an anonymous reader of a
// server run with --insecure-no-auth.
type caller struct {
	id, name string
	scopes   []string
	// anonymous is a caller without a token on a server run with
	// --insecure-no-auth: it may read, never write.
	anonymous bool
}

// anonymousReader is every caller without a token when auth is off.
var anonymousReader = &caller{name: "anonymous", anonymous: true}

// actor names the caller in the audit log.
func (c *caller) actor() string {
	if c.anonymous {
		return "anonymous (insecure-no-auth)"
	}
	return c.name + " (token " + c.id + ")"
}

// key identifies the caller for per-token limits.
func (c *caller) key() string {
	if c.anonymous {
		return "anonymous"
	}
	return c.id
}

// can reports whether the caller holds scope, directly or through admin, a
// wildcard, or (for read) any scope at all. A scope that is only a family
// prefix ("deploy:") asks whether the caller holds any scope of the family:
// routes whose exact scope names something in the body check that first.
func (c *caller) can(scope string) bool {
	if c.anonymous {
		return scope == ScopeRead
	}
	for _, s := range c.scopes {
		if s == ScopeAdmin || s == scope || scope == ScopeRead {
			return true
		}
		for _, f := range scopeFamilies {
			if !strings.HasPrefix(s, f.prefix) {
				continue
			}
			if scope == f.prefix || (strings.HasPrefix(scope, f.prefix) && s == f.prefix+"*") {
				return true
			}
		}
	}
	return false
}

// require fails with EFORBIDDEN unless the caller holds one of scopes.
func (c *caller) require(doing string, scopes ...string) error {
	for _, s := range scopes {
		if c.can(s) {
			return nil
		}
	}
	var names []string
	for _, s := range scopes {
		names = append(names, describeScope(s))
	}
	want := strings.Join(names, " or ")
	if c.anonymous {
		return registry.Errorf(registry.EUNAUTHORIZED, "this registry server runs with --insecure-no-auth, which lets anyone read but nobody write without a token: to %s, send a token with the scope %s (--token or CONTRACTS_TOKEN)", doing, want)
	}
	return registry.Errorf(registry.EFORBIDDEN, "token %s may not %s: it needs the scope %s or admin (it has %s); ask a registry admin for a token with that scope",
		c.name, doing, want, strings.Join(c.scopes, ", "))
}

// describeScope names a scope for a person: a family prefix ("deploy:")
// becomes "deploy:ENV".
func describeScope(scope string) string {
	for _, f := range scopeFamilies {
		if scope == f.prefix {
			if f.names == "environment" {
				return scope + "ENV"
			}
			return scope + strings.ToUpper(f.names)
		}
	}
	return scope
}

// authenticate finds the caller of an API request from its bearer token.
// API routes take only `Authorization: Bearer`: a browser never adds that
// header by itself, so a page on another site cannot make a logged-in
// browser write (Basic auth, which browsers cache and resend, is for the
// web page's GET pages only; see webPage).
func (s *Server) authenticate(ctx context.Context, r *http.Request) (*caller, error) {
	h := r.Header.Get("Authorization")
	if h == "" && s.opts.InsecureNoAuth {
		return anonymousReader, nil
	}
	if h == "" {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "this registry server needs a bearer token: pass --token or set CONTRACTS_TOKEN (a registry admin creates one with `contracts token create`)")
	}
	scheme, secret, _ := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "the Authorization header must be `Bearer <token>`: the API takes no other kind of credentials (Basic auth is for the web page only)")
	}
	return s.tokenCaller(ctx, secret)
}

// tokenCaller finds the caller holding secret.
func (s *Server) tokenCaller(ctx context.Context, secret string) (*caller, error) {
	if s.auth == nil {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "this registry server keeps no tokens (it runs with --insecure-no-auth over a store without them), so it takes none")
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
