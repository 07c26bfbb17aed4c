package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/contractgate/contracts/registry"
)

// The admin routes manage tokens over HTTP, so that an admin never needs
// the database's credentials (`contracts token create|list|revoke
// --registry https://… --token ADMIN`).

// TokensResponse answers GET /v1/tokens: every token, revoked ones
// included, never a secret.
type TokensResponse struct {
	Tokens []registry.Token `json:"tokens"`
}

// TokenRequest is the body of POST /v1/tokens.
type TokenRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

// TokenCreated answers POST /v1/tokens: the token and its secret, which the
// server keeps only as a hash and so shows only now.
type TokenCreated struct {
	Token  registry.Token `json:"token"`
	Secret string         `json:"secret"`
}

// TokenResponse answers DELETE /v1/tokens/{id}: the token as revoked.
type TokenResponse struct {
	Token registry.Token `json:"token"`
}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request, c *caller) error {
	if s.auth == nil {
		return registry.Errorf(registry.ENOTFOUND, "this server keeps no tokens (it runs without a token store)")
	}
	list, err := s.auth.Tokens(r.Context())
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Scopes = nonNil(list[i].Scopes)
	}
	writeJSON(w, http.StatusOK, TokensResponse{Tokens: nonNil(list)})
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req TokenRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if s.auth == nil {
		return registry.Errorf(registry.ENOTFOUND, "this server keeps no tokens (it runs without a token store)")
	}
	t, secret, err := CreateToken(r.Context(), s.auth, req.Name, req.Scopes, s.now())
	if err != nil {
		return err
	}
	s.auditf(r, c, "create-token", t.Name+" (token "+t.ID+")", "scopes %s", strings.Join(t.Scopes, ", "))
	writeJSON(w, http.StatusCreated, TokenCreated{Token: *t, Secret: secret})
	return nil
}

// revokeToken revokes a token. It refuses to revoke the last admin token:
// nobody could then manage the server over HTTP.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	if s.auth == nil {
		return registry.Errorf(registry.ENOTFOUND, "this server keeps no tokens (it runs without a token store)")
	}
	id := r.PathValue("id")
	list, err := s.auth.Tokens(r.Context())
	if err != nil {
		return err
	}
	var target *registry.Token
	admins := 0
	for i, t := range list {
		if t.ID == id {
			target = &list[i]
		}
		if t.RevokedAt == nil && holdsAdmin(t) {
			admins++
		}
	}
	switch {
	case target == nil:
		return registry.Errorf(registry.ENOTFOUND, "no token has ID %s (see `contracts token list`)", id)
	case target.RevokedAt == nil && holdsAdmin(*target) && admins == 1:
		return registry.Errorf(registry.ECONFLICT, "token %s (%s) is the last admin token: create another admin token first, or nobody could manage this server over HTTP", target.Name, target.ID)
	}
	if err := s.auth.RevokeToken(r.Context(), id, s.now().UTC()); err != nil {
		return err
	}
	if target.RevokedAt == nil {
		at := s.now().UTC().Truncate(time.Microsecond)
		target.RevokedAt = &at
		s.auditf(r, c, "revoke-token", target.Name+" (token "+id+")", "")
	}
	target.Scopes = nonNil(target.Scopes)
	writeJSON(w, http.StatusOK, TokenResponse{Token: *target})
	return nil
}

func holdsAdmin(t registry.Token) bool {
	for _, s := range t.Scopes {
		if s == ScopeAdmin {
			return true
		}
	}
	return false
}
