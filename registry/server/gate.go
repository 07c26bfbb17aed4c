package server

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/registry"
)

// The gate runs here, where the data is: can-i-deploy, verify, who-uses
// and the graph over an http(s):// registry are answered by these routes
// with the gate package's own report types, with the server's clock, over
// documents whose hashes the server computed itself, and only this gate
// writes the comparison cache. The web page asks the same gate.

// CanIDeployRequest is the body of POST /v1/gate/can-i-deploy.
type CanIDeployRequest struct {
	Env        string          `json:"env"`
	Candidates []GateCandidate `json:"candidates"`
	// UsageWindowHours is how far back observed calls count as reliance
	// (--usage-window); zero is the gate's default.
	UsageWindowHours int `json:"usageWindowHours,omitempty"`
}

// GateCandidate is a published version to deploy, with how the client
// shows its document paths in findings (see gate.Candidate.Display).
type GateCandidate struct {
	Service string `json:"service"`
	Version string `json:"version"`
	Display string `json:"display,omitempty"`
}

// VerifyRequest is the body of POST /v1/gate/verify: an unpublished working
// copy, sent as a publish sends it and verified like one, but not stored.
type VerifyRequest struct {
	Env     string            `json:"env"`
	Version *registry.Version `json:"version"`
	// Blobs are the working copy's files by content hash; blobs the
	// registry already holds may be left out.
	Blobs   map[string][]byte `json:"blobs"`
	Display string            `json:"display,omitempty"`
	// UsageWindowHours: as in CanIDeployRequest.
	UsageWindowHours int `json:"usageWindowHours,omitempty"`
}

// UsagesResponse answers GET /v1/contracts/{contract}/users.
type UsagesResponse struct {
	Usages []gate.Usage `json:"usages"`
}

// maxCandidates bounds the versions one can-i-deploy deploys together.
const maxCandidates = 100

// workingCopyVersion is what a verified working copy is called in the
// decision, as the CLI calls it over a local registry.
const workingCopyVersion = "(working copy)"

// gate is the server's gate over its store.
func (s *Server) gate() *gate.Gate {
	return &gate.Gate{Store: s.store, Now: s.now, CacheSalt: s.opts.GateCacheSalt}
}

// usageWindow checks a request's usage window: at most as long as the
// registry keeps observed usage.
func usageWindow(hours int) (time.Duration, error) {
	max := int(registry.UsageKeptFor.Hours())
	if hours < 0 || hours > max {
		return 0, registry.Errorf(registry.EINVALID, "usageWindowHours %d: give 0 (the default) to %d", hours, max)
	}
	return time.Duration(hours) * time.Hour, nil
}

func (s *Server) canIDeploy(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req CanIDeployRequest
	err := decode(r, &req)
	if err != nil {
		return err
	}
	if len(req.Candidates) == 0 || len(req.Candidates) > maxCandidates {
		return registry.Errorf(registry.EINVALID, "name from 1 to %d candidates to deploy, not %d", maxCandidates, len(req.Candidates))
	}
	parties := make([]gate.Party, len(req.Candidates))
	display := map[gate.Party]string{}
	for i, cand := range req.Candidates {
		if !registry.ValidServiceName(cand.Service) || !registry.ValidVersion(cand.Version) {
			return registry.Errorf(registry.EINVALID, "candidate %q %q is not a valid service and version", cand.Service, cand.Version)
		}
		if err := checkDisplay(cand.Display); err != nil {
			return err
		}
		parties[i] = gate.Party{Service: cand.Service, Version: cand.Version}
		display[parties[i]] = cand.Display
	}
	g := s.gate()
	if g.UsageWindow, err = usageWindow(req.UsageWindowHours); err != nil {
		return err
	}
	g.Display = func(v *registry.Version) string { return display[gate.Party{Service: v.Service, Version: v.Version}] }
	d, err := g.CanIDeploy(r.Context(), req.Env, parties)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// verify checks a working copy against what is live. It is verified as a
// publish is (every hash, path and document) before the gate sees it, and
// the comparisons it needs are not cached: only published documents fill
// the cache, so verify runs cannot grow it.
func (s *Server) verify(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req VerifyRequest
	err := decode(r, &req)
	if err != nil {
		return err
	}
	if req.Version == nil {
		return registry.Errorf(registry.EINVALID, "the verify request has no version: send the working copy as a publish would")
	}
	if err := checkDisplay(req.Display); err != nil {
		return err
	}
	v := *req.Version
	// The checks want a version name; a working copy has none yet.
	v.Version = "working-copy"
	if err := registry.VerifyPublish(r.Context(), &v, req.Blobs, s.store.Blobs); err != nil {
		return err
	}
	v.Version = workingCopyVersion
	g := s.gate()
	if g.UsageWindow, err = usageWindow(req.UsageWindowHours); err != nil {
		return err
	}
	g.Store = uncachedFor(s.store, &v)
	d, err := g.Decide(r.Context(), req.Env, []gate.Candidate{{Version: &v, Blobs: req.Blobs, Display: req.Display}})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) contractUsers(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	us, err := s.gate().WhoUses(r.Context(), r.PathValue("contract"), q.Get("element"), q.Get("env"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, UsagesResponse{Usages: nonNil(us)})
	return nil
}

func (s *Server) graph(w http.ResponseWriter, r *http.Request, c *caller) error {
	gr, err := s.gate().Graph(r.Context(), r.URL.Query().Get("env"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, gr)
	return nil
}

// checkDisplay bounds the folder prefix a client asks findings to be shown
// under: it is only ever printed back to that client.
func checkDisplay(d string) error {
	if len(d) > 512 || strings.ContainsFunc(d, unicode.IsControl) {
		return registry.Errorf(registry.EINVALID, "display %.60q must be at most 512 printable characters", d)
	}
	return nil
}

// uncachedFor wraps store so that no comparison involving the documents of
// v (a working copy) is written to the report cache.
func uncachedFor(store registry.Store, v *registry.Version) registry.Store {
	var hashes []string
	for _, p := range v.Provides {
		hashes = append(hashes, p.Doc.Hash)
	}
	for _, c := range v.Consumes {
		if c.Expectations != nil {
			hashes = append(hashes, c.Expectations.Hash)
		}
	}
	return &uncachedStore{Store: store, hashes: hashes}
}

type uncachedStore struct {
	registry.Store
	hashes []string
}

// PutCachedReport skips keys that name one of the working copy's documents.
func (u *uncachedStore) PutCachedReport(ctx context.Context, key string, report []byte) error {
	for _, h := range u.hashes {
		if strings.Contains(key, h) {
			return nil
		}
	}
	return u.Store.PutCachedReport(ctx, key, report)
}
