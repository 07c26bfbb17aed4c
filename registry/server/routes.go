package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/registry"
)

// route is one endpoint of the API. Every route of the JSON API is listed
// here once: the router, the scope checks and the OpenAPI test read this
// table.
type route struct {
	method, path string
	// limit bounds the request body.
	limit int64
	// open routes need no token (health, metrics, the web page).
	open bool
	h    func(s *Server, w http.ResponseWriter, r *http.Request, c *caller) error
}

// storeTimeout bounds the store calls of one request, so a stuck database
// frees the handler long before the write timeout.
const storeTimeout = 2 * time.Minute

var routeTable = []route{
	{method: "POST", path: "/v1/versions", limit: MaxPublishBytes, h: (*Server).publish},
	{method: "GET", path: "/v1/services", h: (*Server).services},
	{method: "GET", path: "/v1/services/{service}/versions", h: (*Server).versions},
	{method: "GET", path: "/v1/services/{service}/versions/{version}", h: (*Server).version},
	{method: "GET", path: "/v1/contracts/{contract}", h: (*Server).contract},
	{method: "POST", path: "/v1/blobs/query", h: (*Server).blobs},
	{method: "GET", path: "/v1/environments", h: (*Server).environments},
	{method: "POST", path: "/v1/environments", h: (*Server).createEnvironment},
	{method: "GET", path: "/v1/deployments", h: (*Server).deployments},
	{method: "POST", path: "/v1/deployments", h: (*Server).recordDeployment},
	{method: "DELETE", path: "/v1/deployments/{env}/{service}/{version}", h: (*Server).recordUndeployment},
	{method: "GET", path: "/v1/environments/{env}/contracts/{contract}/consumers", h: (*Server).liveConsumers},
	{method: "GET", path: "/v1/environments/{env}/contracts/{contract}/providers", h: (*Server).liveProviders},
	{method: "GET", path: "/v1/approvals", h: (*Server).approvals},
	{method: "POST", path: "/v1/approvals", h: (*Server).addApproval},
	{method: "DELETE", path: "/v1/approvals/{id}", h: (*Server).revokeApproval},
	{method: "GET", path: "/v1/reports/{key}", h: (*Server).cachedReport},
	{method: "PUT", path: "/v1/reports/{key}", limit: MaxReportBytes, h: (*Server).putCachedReport},
	{method: "GET", path: "/v1/audit", h: (*Server).audit},
	{method: "GET", path: "/healthz", open: true, h: (*Server).healthz},
	{method: "GET", path: "/readyz", open: true, h: (*Server).readyz},
}

// routes builds the router: the API table, /metrics, the web page and a
// JSON 404 for everything else.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routeTable {
		pattern := rt.method + " " + rt.path
		mux.Handle(pattern, s.instrument(pattern, s.api(rt)))
	}
	mux.Handle("GET /metrics", s.instrument("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))
	mux.Handle("GET /{$}", s.instrument("GET /", http.HandlerFunc(s.webPage)))
	mux.Handle("/", s.instrument("unmatched", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, registry.Errorf(registry.ENOTFOUND, "no API route %s %s: the registry API is under /v1 and described by schemas/registry-api.yaml", r.Method, r.URL.Path))
	})))
	return mux
}

// api adapts a table handler: body limit, authentication, error answers.
func (s *Server) api(rt route) http.Handler {
	limit := rt.limit
	if limit == 0 {
		limit = MaxSmallBytes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		c := &caller{open: true}
		if !rt.open {
			var err error
			if c, err = s.authenticate(ctx, r); err != nil {
				s.writeError(w, r, err)
				return
			}
			setActor(ctx, c.actor())
		}
		if err := rt.h(s, w, r, c); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// decode reads a JSON body into v, saying what is wrong with it.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return registry.Errorf(registry.EINVALID, "the request body is larger than the %d bytes allowed here", tooBig.Limit)
		}
		return registry.Errorf(registry.EINVALID, "the request body is not the JSON this route takes (see schemas/registry-api.yaml): %v", err)
	}
	return nil
}

// auditf appends a mutation to the audit log. A failure is logged and
// counted rather than failing a mutation that already happened.
func (s *Server) auditf(r *http.Request, c *caller, action, target, format string, args ...any) {
	if s.auth == nil {
		return
	}
	e := registry.AuditEntry{At: s.now().UTC(), Actor: c.actor(), Action: action, Target: target, Detail: fmt.Sprintf(format, args...)}
	// Audit even when the client has gone: the mutation happened.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	if err := s.auth.AppendAudit(ctx, e); err != nil {
		s.metrics.auditFail.Inc()
		s.log.ErrorContext(ctx, "audit log write failed", requestAttr(ctx), "action", action, "target", target, "actor", e.Actor, "err", err)
	}
}

// nonNil returns an empty slice for nil, so lists are [] in JSON.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// PublishRequest is the body of POST /v1/versions.
type PublishRequest struct {
	Version *registry.Version `json:"version"`
	// Blobs are the documents' files by content hash, base64 in JSON. Blobs
	// the registry already holds may be left out.
	Blobs map[string][]byte `json:"blobs"`
}

// PublishResponse answers a publish.
type PublishResponse struct {
	Service string `json:"service"`
	Version string `json:"version"`
	// Outcome is "created" or "unchanged".
	Outcome string `json:"outcome"`
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request, c *caller) error {
	select {
	case s.publishSlots <- struct{}{}:
		defer func() { <-s.publishSlots }()
	case <-r.Context().Done():
		return &registry.Error{Code: registry.EUNAVAILABLE, Message: "the registry server is busy with other publishes; try again in a moment", Err: r.Context().Err()}
	}
	var req PublishRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Version == nil {
		return registry.Errorf(registry.EINVALID, "the publish request has no version")
	}
	v := req.Version
	if err := c.require(ScopePublishPrefix+v.Service, "publish versions of "+v.Service); err != nil {
		return err
	}
	out, err := s.store.Publish(r.Context(), v, req.Blobs)
	if err != nil {
		return err
	}
	resp := PublishResponse{Service: v.Service, Version: v.Version, Outcome: "created"}
	status := http.StatusCreated
	if out == registry.Unchanged {
		resp.Outcome, status = "unchanged", http.StatusOK
	}
	s.auditf(r, c, "publish", v.Service+"@"+v.Version, "%s; digest %s; %d blobs sent", resp.Outcome, v.Digest, len(req.Blobs))
	writeJSON(w, status, resp)
	return nil
}

// ServicesResponse answers GET /v1/services.
type ServicesResponse struct {
	Services []registry.ServiceInfo `json:"services"`
}

func (s *Server) services(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	list, err := s.store.Services(r.Context())
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Contracts = nonNil(list[i].Contracts)
	}
	writeJSON(w, http.StatusOK, ServicesResponse{Services: nonNil(list)})
	return nil
}

// VersionsResponse answers GET /v1/services/{service}/versions.
type VersionsResponse struct {
	Versions []*registry.Version `json:"versions"`
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	list, err := s.store.Versions(r.Context(), r.PathValue("service"))
	if err != nil {
		return err
	}
	for _, v := range list {
		normaliseVersion(v)
	}
	writeJSON(w, http.StatusOK, VersionsResponse{Versions: nonNil(list)})
	return nil
}

// normaliseVersion turns nil lists into empty ones for JSON.
func normaliseVersion(v *registry.Version) {
	v.Provides = nonNil(v.Provides)
	v.Consumes = nonNil(v.Consumes)
	for i := range v.Provides {
		v.Provides[i].Doc.Files = nonNil(v.Provides[i].Doc.Files)
	}
	for i := range v.Consumes {
		if e := v.Consumes[i].Expectations; e != nil {
			e.Files = nonNil(e.Files)
		}
	}
}

func (s *Server) version(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	v, err := s.store.Version(r.Context(), r.PathValue("service"), r.PathValue("version"))
	if err != nil {
		return err
	}
	normaliseVersion(v)
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) contract(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	ct, err := s.store.Contract(r.Context(), r.PathValue("contract"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ct)
	return nil
}

// BlobsRequest is the body of POST /v1/blobs/query: a read that takes its
// hashes in the body because a version may refer to hundreds.
type BlobsRequest struct {
	Hashes []string `json:"hashes"`
}

// BlobsResponse answers a blob query: contents by hash, base64 in JSON;
// hashes the registry does not hold are absent.
type BlobsResponse struct {
	Blobs map[string][]byte `json:"blobs"`
}

func (s *Server) blobs(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	var req BlobsRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if len(req.Hashes) > 10000 {
		return registry.Errorf(registry.EINVALID, "%d hashes asked at once; ask for at most 10000 per request", len(req.Hashes))
	}
	b, err := s.store.Blobs(r.Context(), req.Hashes)
	if err != nil {
		return err
	}
	if b == nil {
		b = map[string][]byte{}
	}
	writeJSON(w, http.StatusOK, BlobsResponse{Blobs: b})
	return nil
}

// DeploymentsResponse answers GET /v1/deployments.
type DeploymentsResponse struct {
	Deployments []registry.Deployment `json:"deployments"`
}

func (s *Server) deployments(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	list, err := s.store.Deployments(r.Context(), r.URL.Query().Get("env"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, DeploymentsResponse{Deployments: nonNil(list)})
	return nil
}

// DeploymentRequest is the body of POST /v1/deployments.
type DeploymentRequest struct {
	Deployment registry.Deployment `json:"deployment"`
	// KeepPrevious keeps the service's other live versions live (canary).
	KeepPrevious bool `json:"keepPrevious"`
}

func (s *Server) recordDeployment(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req DeploymentRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	d := req.Deployment
	if !registry.ValidServiceName(d.Env) {
		return registry.Errorf(registry.EINVALID, "environment name %q is invalid: use [a-z0-9][a-z0-9-]{0,62}", d.Env)
	}
	if err := c.require(ScopeDeployPrefix+d.Env, "record deployments in "+d.Env); err != nil {
		return err
	}
	// The server's clock decides when a deployment happened, never the
	// client's.
	d.DeployedAt = time.Time{}
	if err := s.store.RecordDeployment(r.Context(), d, req.KeepPrevious); err != nil {
		return err
	}
	s.auditf(r, c, "record-deployment", d.Service+"@"+d.Version+" in "+d.Env, "keepPrevious=%t", req.KeepPrevious)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) recordUndeployment(w http.ResponseWriter, r *http.Request, c *caller) error {
	env, svc, ver := r.PathValue("env"), r.PathValue("service"), r.PathValue("version")
	if err := c.require(ScopeDeployPrefix+env, "record undeployments in "+env); err != nil {
		return err
	}
	if err := s.store.RecordUndeployment(r.Context(), env, svc, ver); err != nil {
		return err
	}
	s.auditf(r, c, "record-undeployment", svc+"@"+ver+" in "+env, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ConsumersResponse answers GET …/consumers.
type ConsumersResponse struct {
	Consumers []registry.LiveConsumption `json:"consumers"`
}

func (s *Server) liveConsumers(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	list, err := s.store.LiveConsumers(r.Context(), r.PathValue("env"), r.PathValue("contract"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ConsumersResponse{Consumers: nonNil(list)})
	return nil
}

// ProvidersResponse answers GET …/providers.
type ProvidersResponse struct {
	Providers []registry.LiveProvision `json:"providers"`
}

func (s *Server) liveProviders(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	list, err := s.store.LiveProviders(r.Context(), r.PathValue("env"), r.PathValue("contract"))
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Provision.Doc.Files = nonNil(list[i].Provision.Doc.Files)
	}
	writeJSON(w, http.StatusOK, ProvidersResponse{Providers: nonNil(list)})
	return nil
}

// ApprovalsResponse answers GET /v1/approvals.
type ApprovalsResponse struct {
	Approvals []registry.Approval `json:"approvals"`
}

func (s *Server) approvals(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	list, err := s.store.Approvals(r.Context(), r.URL.Query().Get("contract"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ApprovalsResponse{Approvals: nonNil(list)})
	return nil
}

// addApproval records a deliberate break. Only the contract's owner (its
// publish scope) or an admin may approve breaking it.
func (s *Server) addApproval(w http.ResponseWriter, r *http.Request, c *caller) error {
	var a registry.Approval
	if err := decode(r, &a); err != nil {
		return err
	}
	if err := c.mayApprove(a); err != nil {
		return err
	}
	// Who approved is the caller's identity, which the server knows, never
	// what the client claims.
	a.By = c.name
	if a.By == "" {
		a.By = c.actor()
	}
	a.CreatedAt, a.RevokedAt = s.now().UTC(), nil
	g := &gate.Gate{Store: s.store, Now: s.now, CacheSalt: s.opts.GateCacheSalt}
	if err := g.CheckApproval(r.Context(), &a); err != nil {
		return err
	}
	out, err := s.store.AddApproval(r.Context(), a)
	if err != nil {
		return err
	}
	s.auditf(r, c, "approve", a.Contract, "rule %s, element %s, consumer %q, envs %v, by %q, expires %s: %s", a.Rule, a.Element, a.Consumer, a.Envs, a.By, a.ExpiresAt.Format(time.RFC3339), a.Reason)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// mayApprove: approving a break of consumer C needs C's team (publish:C or
// approve:C) or admin, so a provider cannot approve breaking someone else;
// an approval for every consumer (later ones too) needs admin.
func (c *caller) mayApprove(a registry.Approval) error {
	if a.Consumer == "" {
		return c.require(ScopeAdmin, "approve a break of "+a.Contract+" for every consumer (name one with --consumer)")
	}
	if c.can(ScopeApprovePrefix + a.Consumer) {
		return nil
	}
	return c.require(ScopePublishPrefix+a.Consumer, "approve breaking "+a.Consumer+", which only "+a.Consumer+"'s team (publish:"+a.Consumer+" or approve:"+a.Consumer+") or an admin may")
}

// revokeApproval ends an approval; the same callers may as may make it.
func (s *Server) revokeApproval(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return registry.Errorf(registry.EINVALID, "%q is not an approval ID", r.PathValue("id"))
	}
	all, err := s.store.Approvals(r.Context(), "")
	if err != nil {
		return err
	}
	for _, a := range all {
		if a.ID != id {
			continue
		}
		if err := c.mayApprove(a); err != nil {
			return err
		}
		if err := s.store.RevokeApproval(r.Context(), id, s.now().UTC()); err != nil {
			return err
		}
		s.auditf(r, c, "revoke-approval", a.Contract, "approval #%d", id)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return registry.Errorf(registry.ENOTFOUND, "there is no approval #%d; 'contracts approve list' shows them", id)
}

// ReportBody carries a cached comparison result, base64 in JSON.
type ReportBody struct {
	Report []byte `json:"report"`
}

func (s *Server) cachedReport(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	key := r.PathValue("key")
	rep, err := s.store.CachedReport(r.Context(), key)
	if err != nil {
		return err
	}
	if rep == nil {
		return registry.Errorf(registry.ENOTFOUND, "no cached report under %s", key)
	}
	writeJSON(w, http.StatusOK, ReportBody{Report: rep})
	return nil
}

// putCachedReport stores a comparison result. The gate trusts the cache,
// so a read-only token may not write it: that would let anyone who can
// read forge a "compatible" verdict.
func (s *Server) putCachedReport(w http.ResponseWriter, r *http.Request, c *caller) error {
	if !c.canWrite() {
		return registry.Errorf(registry.EFORBIDDEN, "token %s may not write the report cache: it needs a publish, deploy or admin scope", c.name)
	}
	var body ReportBody
	if err := decode(r, &body); err != nil {
		return err
	}
	key := r.PathValue("key")
	if err := s.store.PutCachedReport(r.Context(), key, body.Report); err != nil {
		return err
	}
	s.auditf(r, c, "cache-report", key, "%d bytes", len(body.Report))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// AuditResponse answers GET /v1/audit.
type AuditResponse struct {
	Entries []registry.AuditEntry `json:"entries"`
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeAdmin, "read the audit log"); err != nil {
		return err
	}
	limit := 100
	if q := r.URL.Query().Get("limit"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > 10000 {
			return registry.Errorf(registry.EINVALID, "limit %q must be a number from 1 to 10000", q)
		}
		limit = n
	}
	if s.auth == nil {
		return registry.Errorf(registry.ENOTFOUND, "this server keeps no audit log (it runs without a token store)")
	}
	list, err := s.auth.Audit(r.Context(), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, AuditResponse{Entries: nonNil(list)})
	return nil
}

// StatusResponse answers /healthz and /readyz.
type StatusResponse struct {
	Status string `json:"status"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *caller) error {
	writeJSON(w, http.StatusOK, StatusResponse{Status: "ok"})
	return nil
}

// readyz checks that the server is not shutting down and that the store
// answers: a lookup of a contract (not found is a healthy answer).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *caller) error {
	if s.draining.Load() {
		return registry.Errorf(registry.EUNAVAILABLE, "the registry server is shutting down; send requests to another one")
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	_, err := s.store.Contract(ctx, "readyz-probe")
	if err != nil && registry.ErrorCode(err) != registry.ENOTFOUND {
		return &registry.Error{Code: registry.EUNAVAILABLE, Message: "the registry's store does not answer: " + err.Error(), Err: err}
	}
	writeJSON(w, http.StatusOK, StatusResponse{Status: "ready"})
	return nil
}

// EnvironmentRequest is the body of POST /v1/environments.
type EnvironmentRequest struct {
	Name string `json:"name"`
}

// EnvironmentResponse answers POST /v1/environments: the environment, and
// whether this request created it (false: it existed, nothing changed).
type EnvironmentResponse struct {
	Environment registry.Environment `json:"environment"`
	Created     bool                 `json:"created"`
}

// EnvironmentsResponse answers GET /v1/environments.
type EnvironmentsResponse struct {
	Environments []registry.Environment `json:"environments"`
}

func (s *Server) environments(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := c.require(ScopeRead, "read the registry"); err != nil {
		return err
	}
	list, err := s.store.Environments(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, EnvironmentsResponse{Environments: nonNil(list)})
	return nil
}

// createEnvironment needs admin or deploy:NAME: whoever may deploy there may
// make the environment exist.
func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req EnvironmentRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if !registry.ValidServiceName(req.Name) {
		return registry.Errorf(registry.EINVALID, "environment name %q is invalid: use [a-z0-9][a-z0-9-]{0,62}", req.Name)
	}
	if err := c.require(ScopeDeployPrefix+req.Name, "create environment "+req.Name); err != nil {
		return err
	}
	created, err := s.store.CreateEnvironment(r.Context(), req.Name)
	if err != nil {
		return err
	}
	list, err := s.store.Environments(r.Context())
	if err != nil {
		return err
	}
	out := EnvironmentResponse{Environment: registry.Environment{Name: req.Name}, Created: created}
	for _, e := range list {
		if e.Name == req.Name {
			out.Environment = e
		}
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.auditf(r, c, "create-environment", req.Name, "")
	}
	writeJSON(w, status, out)
	return nil
}
