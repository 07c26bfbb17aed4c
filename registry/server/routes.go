package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/contractgate/contracts/gate"
	"github.com/contractgate/contracts/internal/budget"
	"github.com/contractgate/contracts/registry"
	"github.com/contractgate/contracts/registry/otlp"
)

// route is one endpoint of the API. Every route of the JSON API is listed
// here once: the router, the scope checks and the OpenAPI test read this
// table. Keep it a plain list: other work adds routes to it.
type route struct {
	method, path string
	// scope lists the scopes of which the caller must hold one, checked
	// before anything of the request but its headers is read. A scope may
	// name a path value ("publish:{service}"); a family ("deploy:") stands
	// for a scope that names something in the body, which the handler
	// checks exactly once it has read the (small) body.
	scope []string
	// doing says what the route does, for refusals ("publish versions of
	// {service}").
	doing string
	// limit bounds the request body; zero means MaxSmallBytes.
	limit int64
	// work is the pool of slots the request takes once authorised and
	// before its body is read; its work then runs under the memory budget.
	work workKind
	// open routes need no token (health); scope and doing are unused.
	open bool
	h    func(s *Server, w http.ResponseWriter, r *http.Request, c *caller) error
}

// workKind names a pool of work slots.
type workKind int

// The kinds of costly work.
const (
	noWork workKind = iota
	// publishWork: a publish's body is decoded, verified (every document
	// loaded) and stored.
	publishWork
	// gateWork: the gate compares documents; verify also loads an
	// uploaded working copy.
	gateWork
)

// The scopes most routes need.
var (
	needRead  = []string{ScopeRead}
	needAdmin = []string{ScopeAdmin}
)

// storeTimeout bounds the store calls of one request, so a stuck database
// frees the handler long before the write timeout.
const storeTimeout = 2 * time.Minute

var routeTable = []route{
	{method: "POST", path: "/v1/services/{service}/versions", scope: []string{"publish:{service}"}, doing: "publish versions of {service}", limit: MaxPublishBytes, work: publishWork, h: (*Server).publish},
	{method: "GET", path: "/v1/services", scope: needRead, doing: "read the registry", h: (*Server).services},
	{method: "GET", path: "/v1/services/{service}/versions", scope: needRead, doing: "read the registry", h: (*Server).versions},
	{method: "GET", path: "/v1/services/{service}/versions/{version}", scope: needRead, doing: "read the registry", h: (*Server).version},
	{method: "GET", path: "/v1/contracts/{contract}", scope: needRead, doing: "read the registry", h: (*Server).contract},
	{method: "POST", path: "/v1/blobs/query", scope: needRead, doing: "read the registry", h: (*Server).blobs},
	{method: "GET", path: "/v1/environments", scope: needRead, doing: "read the registry", h: (*Server).environments},
	{method: "POST", path: "/v1/environments", scope: []string{ScopeDeployPrefix}, doing: "create environments", h: (*Server).createEnvironment},
	{method: "GET", path: "/v1/deployments", scope: needRead, doing: "read the registry", h: (*Server).deployments},
	{method: "POST", path: "/v1/deployments", scope: []string{ScopeDeployPrefix}, doing: "record deployments", h: (*Server).recordDeployment},
	{method: "DELETE", path: "/v1/deployments/{env}/{service}/{version}", scope: []string{"deploy:{env}"}, doing: "record undeployments in {env}", h: (*Server).recordUndeployment},
	{method: "GET", path: "/v1/environments/{env}/contracts/{contract}/consumers", scope: needRead, doing: "read the registry", h: (*Server).liveConsumers},
	{method: "GET", path: "/v1/environments/{env}/contracts/{contract}/providers", scope: needRead, doing: "read the registry", h: (*Server).liveProviders},
	{method: "GET", path: "/v1/approvals", scope: needRead, doing: "read the registry", h: (*Server).approvals},
	{method: "POST", path: "/v1/approvals", scope: []string{ScopeApprovePrefix, ScopePublishPrefix}, doing: "approve breaks", h: (*Server).addApproval},
	{method: "DELETE", path: "/v1/approvals/{id}", scope: []string{ScopeApprovePrefix, ScopePublishPrefix}, doing: "revoke approvals", h: (*Server).revokeApproval},
	{method: "POST", path: "/v1/gate/can-i-deploy", scope: needRead, doing: "ask the gate", work: gateWork, h: (*Server).canIDeploy},
	{method: "POST", path: "/v1/gate/verify", scope: needRead, doing: "ask the gate", limit: MaxPublishBytes, work: gateWork, h: (*Server).verify},
	{method: "GET", path: "/v1/contracts/{contract}/users", scope: needRead, doing: "ask who uses a contract", work: gateWork, h: (*Server).contractUsers},
	{method: "GET", path: "/v1/graph", scope: needRead, doing: "read the dependency graph", work: gateWork, h: (*Server).graph},
	{method: "GET", path: "/v1/tokens", scope: needAdmin, doing: "list tokens", h: (*Server).tokens},
	{method: "POST", path: "/v1/tokens", scope: needAdmin, doing: "create tokens", h: (*Server).createToken},
	{method: "DELETE", path: "/v1/tokens/{id}", scope: needAdmin, doing: "revoke tokens", h: (*Server).revokeToken},
	{method: "GET", path: "/v1/audit", scope: needAdmin, doing: "read the audit log", h: (*Server).audit},
	{method: "GET", path: "/v1/environments/{env}/history", scope: needRead, doing: "read the registry", h: (*Server).history},
	{method: "GET", path: "/v1/usage/calls", scope: needRead, doing: "read the registry", h: (*Server).usageCalls},
	{method: "GET", path: "/v1/usage/unmatched", scope: needRead, doing: "read the registry", h: (*Server).usageUnmatched},
	{method: "POST", path: "/v1/traces", scope: []string{ScopeUsage}, doing: "send traces", limit: otlp.MaxBodyBytes, h: (*Server).traces},
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

// api adapts a table handler. In order: bound the body and the time, refuse
// a cross-site write, authenticate the bearer token and check the route's
// scope, take the route's work slots and memory budget, and only then let
// the handler read the body. Errors are answered as JSON.
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
		c := anonymousReader
		if !rt.open {
			var err error
			if c, err = s.authorise(rt, r); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if rt.work != noWork {
			release, err := s.pools[rt.work].acquire(ctx, c)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			defer release()
			wctx, end := s.budget.Begin(ctx)
			defer end()
			r = r.WithContext(wctx)
		}
		if err := rt.h(s, w, r, c); err != nil {
			if budget.IsExceeded(err) || budget.IsExceeded(context.Cause(r.Context())) {
				s.metrics.overBudget.Inc()
				err = &registry.Error{Code: registry.EUNAVAILABLE, Err: errors.Join(errShown, errFinal),
					Message: fmt.Sprintf("this request needed more memory than the %s the registry server allows one request (its documents are too costly to load or compare here; the server's operators set --max-request-memory-mib)", budget.Format(uint64(s.opts.RequestMemory)))}
			}
			s.writeError(w, r, err)
		}
	})
}

// authorise refuses cross-site writes, authenticates the caller and checks
// the route's scope, all from the request's headers and path.
func (s *Server) authorise(rt route, r *http.Request) (*caller, error) {
	if err := sameOrigin(r); err != nil {
		return nil, err
	}
	c, err := s.authenticate(r.Context(), r)
	if err != nil {
		return nil, err
	}
	setActor(r.Context(), c.actor())
	scopes := make([]string, len(rt.scope))
	for i, sc := range rt.scope {
		scopes[i] = pathValues(sc, r)
	}
	if err := c.require(pathValues(rt.doing, r), scopes...); err != nil {
		return nil, err
	}
	return c, nil
}

// pathValues replaces each {name} in s with the request's path value.
func pathValues(s string, r *http.Request) string {
	for {
		i := strings.IndexByte(s, '{')
		j := strings.IndexByte(s, '}')
		if i < 0 || j < i {
			return s
		}
		s = s[:i] + r.PathValue(s[i+1:j]) + s[j+1:]
	}
}

// sameOrigin refuses a request that changes something when a browser says
// it comes from a page of another site. API routes take only bearer tokens,
// which browsers do not add by themselves; this is the second lock.
func sameOrigin(r *http.Request) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	return registry.Errorf(registry.EFORBIDDEN, "a page of %.100q may not change this registry: cross-site requests are refused", origin)
}

// decode reads a JSON body into v, saying what is wrong with it. The body
// must be sent as application/json (a form or text/plain body, which a page
// of another site may send, is refused) and hold exactly one JSON value.
func decode(r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return registry.Errorf(registry.EINVALID, "this route takes a JSON body sent with Content-Type: application/json, not %.100q", ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, more := dec.Token(); more != io.EOF {
			err = errTrailing
			if more != nil {
				err = more
			}
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return registry.Errorf(registry.EINVALID, "the request body is larger than the %d bytes allowed here", tooBig.Limit)
		}
		return registry.Errorf(registry.EINVALID, "the request body is not the JSON this route takes (see schemas/registry-api.yaml): %v", err)
	}
	return nil
}

// errTrailing says a body held more than one JSON value.
var errTrailing = errors.New("it holds more after the JSON value; send exactly one")

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

// PublishRequest is the body of POST /v1/services/{service}/versions.
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

// publish verifies a version from the bytes it was sent (every hash, path
// and document, see registry.VerifyPublish) before the store keeps it.
func (s *Server) publish(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req PublishRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Version == nil {
		return registry.Errorf(registry.EINVALID, "the publish request has no version")
	}
	v := req.Version
	if svc := r.PathValue("service"); v.Service != svc {
		return registry.Errorf(registry.EINVALID, "the request publishes a version of %q to the path of %q; they must be the same service", v.Service, svc)
	}
	if err := registry.VerifyPublish(r.Context(), v, req.Blobs, s.store.Blobs); err != nil {
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
	v, err := s.store.Version(r.Context(), r.PathValue("service"), r.PathValue("version"))
	if err != nil {
		return err
	}
	normaliseVersion(v)
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) contract(w http.ResponseWriter, r *http.Request, c *caller) error {
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
	if err := c.require("record deployments in "+d.Env, ScopeDeployPrefix+d.Env); err != nil {
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
	list, err := s.store.Approvals(r.Context(), r.URL.Query().Get("contract"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ApprovalsResponse{Approvals: nonNil(list)})
	return nil
}

// Bounds on the text of an approval, which every gate shows.
const (
	maxApprovalReason = 2000
	maxApprovalField  = 500
)

// addApproval records a deliberate break. Approving a break of consumer C
// takes a token of C's team (publish:C or approve:C) or admin; an approval
// for every consumer, later ones too, takes admin. Who approved is the
// token's name, never a field the client sends.
func (s *Server) addApproval(w http.ResponseWriter, r *http.Request, c *caller) error {
	var a registry.Approval
	if err := decode(r, &a); err != nil {
		return err
	}
	if err := c.mayApprove(a); err != nil {
		return err
	}
	if len(a.Reason) > maxApprovalReason {
		return registry.Errorf(registry.EINVALID, "the reason is %d bytes; keep it under %d", len(a.Reason), maxApprovalReason)
	}
	for _, f := range append([]string{a.Contract, a.Rule, a.Element, a.Consumer}, a.Envs...) {
		if len(f) > maxApprovalField {
			return registry.Errorf(registry.EINVALID, "an approval field is %d bytes long; each holds at most %d", len(f), maxApprovalField)
		}
	}
	// Who approved is the caller's identity, which the server knows, never
	// what the client claims.
	a.By = c.name
	a.ID, a.CreatedAt, a.RevokedAt = 0, s.now().UTC(), nil
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
		return c.require("approve a break of "+a.Contract+" for every consumer, later ones included (name one with --consumer)", ScopeAdmin)
	}
	return c.require("approve breaking "+a.Consumer+", which only "+a.Consumer+"'s team or an admin may", ScopePublishPrefix+a.Consumer, ScopeApprovePrefix+a.Consumer)
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

// AuditResponse answers GET /v1/audit.
type AuditResponse struct {
	Entries []registry.AuditEntry `json:"entries"`
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request, c *caller) error {
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
		return busy("the registry server is shutting down; send requests to another one")
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	_, err := s.store.Contract(ctx, "readyz-probe")
	if err != nil && registry.ErrorCode(err) != registry.ENOTFOUND {
		// Anyone may ask /readyz: the cause, which may name the
		// database's host and user, goes to the log only.
		s.log.WarnContext(ctx, "readiness probe: the store does not answer", requestAttr(ctx), slog.Any("err", err))
		return busy("database unavailable")
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
	if err := c.require("create environment "+req.Name, ScopeDeployPrefix+req.Name); err != nil {
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
