package otlp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	oacheck "github.com/contractgate/contracts/compat/openapi"
	"github.com/contractgate/contracts/registry"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

// refresh is how long the lists of services, environments and live versions
// are reused before they are read again; a name missing from them reads
// them again at once (at most once a second), so a service or environment
// created a moment ago is known.
const refresh = 10 * time.Second

// maxCached bounds each cache; past it, the cache starts over.
const maxCached = 1024

// resolver finds the contract element a SERVER span served. Versions are
// immutable, so what a version's documents offer is cached for good.
type resolver struct {
	store registry.Store
	now   func() time.Time

	mu       sync.Mutex
	services map[string]bool
	envs     map[string]bool
	listedAt time.Time
	live     map[string]liveList // by env
	offers   map[string]*offers  // by service@version
}

type liveList struct {
	at       time.Time
	versions map[string][]string // service → live versions
}

// offers is what one published version serves.
type offers struct {
	docs []docOffers
	// rpcs maps "pkg.Service.Method" to its proto contract.
	rpcs map[string]string
}

// docOffers are one OpenAPI contract's operations, by method and
// normalised path, and the base paths of its servers.
type docOffers struct {
	contract string
	bases    [][]string
	ops      map[string]string // "GET /orders/{}" → "GET /orders/{orderId}"
}

func newResolver(store registry.Store, now func() time.Time) *resolver {
	return &resolver{store: store, now: now, live: map[string]liveList{}, offers: map[string]*offers{}}
}

// known reports whether the registry knows the environment and the
// service, reading the lists again when one is missing and they are more
// than a second old.
func (r *resolver) known(ctx context.Context, env, service string) (envOK, serviceOK bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	age := r.now().Sub(r.listedAt)
	stale := r.envs == nil || age > refresh || age < 0
	if !stale && ((env != "" && !r.envs[env]) || (service != "" && !r.services[service])) {
		stale = age > time.Second
	}
	if stale {
		envs, err := r.store.Environments(ctx)
		if err != nil {
			return false, false, err
		}
		svcs, err := r.store.Services(ctx)
		if err != nil {
			return false, false, err
		}
		r.envs, r.services = map[string]bool{}, map[string]bool{}
		for _, e := range envs {
			r.envs[e.Name] = true
		}
		for _, s := range svcs {
			r.services[s.Name] = true
		}
		r.listedAt = r.now()
	}
	return r.envs[env], r.services[service], nil
}

// resolve returns the contract and element op is among what provider
// serves: at version when that is published, else at its versions live in
// env. ok is false when nothing matches.
func (r *resolver) resolve(ctx context.Context, env, provider, version string, op operation) (contract, el string, ok bool, err error) {
	if version != "" {
		o, err := r.offersOf(ctx, provider, version)
		if err != nil {
			return "", "", false, err
		}
		if o != nil {
			contract, el, ok = o.match(op)
			return contract, el, ok, nil
		}
	}
	versions, err := r.liveVersions(ctx, env, provider)
	if err != nil {
		return "", "", false, err
	}
	for _, v := range versions {
		o, err := r.offersOf(ctx, provider, v)
		if err != nil {
			return "", "", false, err
		}
		if o == nil {
			continue
		}
		if contract, el, ok = o.match(op); ok {
			return contract, el, true, nil
		}
	}
	return "", "", false, nil
}

func (r *resolver) liveVersions(ctx context.Context, env, service string) ([]string, error) {
	r.mu.Lock()
	l, ok := r.live[env]
	r.mu.Unlock()
	if age := r.now().Sub(l.at); ok && age >= 0 && age < refresh {
		return l.versions[service], nil
	}
	ds, err := r.store.Deployments(ctx, env)
	if err != nil {
		return nil, err
	}
	l = liveList{at: r.now(), versions: map[string][]string{}}
	for _, d := range ds {
		l.versions[d.Service] = append(l.versions[d.Service], d.Version)
	}
	r.mu.Lock()
	if len(r.live) > maxCached {
		r.live = map[string]liveList{}
	}
	r.live[env] = l
	r.mu.Unlock()
	return l.versions[service], nil
}

// offersOf returns what a version serves, or nil when it is not published
// (not cached: it may be published in a moment). A stored document that
// cannot be loaded fails the batch rather than counting spans unmatched:
// the registry itself would be wrong.
func (r *resolver) offersOf(ctx context.Context, service, version string) (*offers, error) {
	key := service + "@" + version
	r.mu.Lock()
	o, ok := r.offers[key]
	r.mu.Unlock()
	if ok {
		return o, nil
	}
	v, err := r.store.Version(ctx, service, version)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if o, err = loadOffers(ctx, r.store, v); err != nil {
		return nil, err
	}
	r.mu.Lock()
	if len(r.offers) > maxCached {
		r.offers = map[string]*offers{}
	}
	r.offers[key] = o
	r.mu.Unlock()
	return o, nil
}

func loadOffers(ctx context.Context, store registry.Store, v *registry.Version) (*offers, error) {
	o := &offers{rpcs: map[string]string{}}
	for _, p := range v.Provides {
		hashes := make([]string, 0, len(p.Doc.Files))
		for _, f := range p.Doc.Files {
			hashes = append(hashes, f.Hash)
		}
		blobs, err := store.Blobs(ctx, hashes)
		if err != nil {
			return nil, err
		}
		display := registry.DocDisplay(p.Kind, p.Path)
		switch p.Kind {
		case registry.OpenAPI:
			doc, err := registry.LoadOpenAPIDoc(ctx, p.Doc, blobs, display)
			if err != nil {
				return nil, fmt.Errorf("%s %s, contract %s: %w", v.Service, v.Version, p.Contract, err)
			}
			o.docs = append(o.docs, httpOffers(p.Contract, doc))
		case registry.Proto:
			set, err := registry.LoadProtoDoc(ctx, p.Doc, blobs, display)
			if err != nil {
				return nil, fmt.Errorf("%s %s, contract %s: %w", v.Service, v.Version, p.Contract, err)
			}
			for _, f := range set.Files {
				for i := 0; i < f.Services().Len(); i++ {
					ms := f.Services().Get(i).Methods()
					for j := 0; j < ms.Len(); j++ {
						o.rpcs[string(ms.Get(j).FullName())] = p.Contract
					}
				}
			}
		}
	}
	return o, nil
}

func httpOffers(contract string, doc *oaschema.Document) docOffers {
	d := docOffers{contract: contract, ops: map[string]string{}}
	seen := map[string]bool{}
	for _, s := range doc.T.Servers {
		if s == nil {
			continue
		}
		base := segments(basePath(s.URL))
		if k := strings.Join(base, "/"); len(base) > 0 && !seen[k] {
			seen[k] = true
			d.bases = append(d.bases, base)
		}
	}
	for _, op := range oacheck.Operations(doc) {
		method, path, _ := strings.Cut(op, " ")
		d.ops[method+" "+strings.Join(segments(path), "/")] = op
	}
	return d
}

// match finds op among the offers: an RPC by name, an HTTP route by method
// and position (variables match variables, whatever their names), tried
// with each server base path removed from the route, or as it is when it
// starts with none.
func (o *offers) match(op operation) (contract, el string, ok bool) {
	if op.rpc != "" {
		if c, ok := o.rpcs[op.rpc]; ok {
			return c, op.rpc, true
		}
		return "", "", false
	}
	route := segments(op.route)
	for _, d := range o.docs {
		stripped := false
		for _, base := range d.bases {
			if rest, ok := cutBase(route, base); ok {
				stripped = true
				if el, ok := d.ops[op.method+" "+strings.Join(rest, "/")]; ok {
					return d.contract, el, true
				}
			}
		}
		if !stripped {
			if el, ok := d.ops[op.method+" "+strings.Join(route, "/")]; ok {
				return d.contract, el, true
			}
		}
	}
	return "", "", false
}

// varSegment stands for a path variable in a normalised path.
const varSegment = "{}"

// segments splits a path or route template into its segments, each
// variable written as {}: {id}, {id...} (Go), :id (Express, Gin) and *
// are variables; {$} (Go's end anchor) and empty segments are dropped.
func segments(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		switch {
		case s == "", s == "{$}":
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"), strings.HasPrefix(s, ":"), s == "*":
			out = append(out, varSegment)
		default:
			out = append(out, s)
		}
	}
	return out
}

// basePath is the path of a server URL ("https://{host}/v1" → "/v1"),
// which may itself hold variables.
func basePath(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.Index(u, "/"); j >= 0 {
			u = u[j:]
		} else {
			u = ""
		}
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

// cutBase removes base from the start of route, segment by segment (a
// variable of the base matches any segment).
func cutBase(route, base []string) ([]string, bool) {
	if len(route) < len(base) {
		return nil, false
	}
	for i, b := range base {
		if b != varSegment && b != route[i] {
			return nil, false
		}
	}
	return route[len(base):], true
}
