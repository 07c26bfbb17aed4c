package openapi

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contractgate/contracts/compat"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

// Bounds on Elements: a document whose schemas reference each other can
// have more routes through them than any listing could hold, so the places
// inside each part's schema stop at MaxPartElements, and places anywhere at
// MaxElements; every operation and part is listed all the same. Small
// documents (a consumer's expectations) are always listed whole.
const (
	MaxPartElements = 2000
	MaxElements     = 100000
)

// operation is one operation of a document: under paths, or a webhook.
type operation struct {
	scope  string // the element scope: "GET /orders/{id}", "webhook newPet POST"
	path   string // the path as written, or the webhook's name
	method string // upper case
	item   *openapi3.PathItem
	op     *openapi3.Operation
	hook   bool
}

// part is one part of an operation: a parameter, the request body or one
// of its media types, a response, its headers and media types, the
// security requirements, or a part of a callback operation.
type part struct {
	name   string // the element part: "parameter query limit", "response 200 application/json"
	schema *openapi3.SchemaRef
	loc    compat.Location
}

// webhookScope is the scope of a webhook operation (OpenAPI 3.1 webhooks):
// the provider calls it, so it is spelled by its name, not a path.
func webhookScope(name, method string) string { return "webhook " + name + " " + method }

// callbackPart is the prefix of the parts of a callback operation, inside
// the scope of the operation that registers it.
func callbackPart(name, expr, method string) string {
	return "callback " + name + " " + expr + " " + method
}

// operations lists the operations of d, paths first (sorted by path and
// method), then webhooks.
func operations(d *oaschema.Document) []operation {
	var out []operation
	if d.T.Paths != nil {
		m := d.T.Paths.Map()
		for _, p := range sortedKeys(m) {
			item := m[p]
			if item == nil {
				continue
			}
			ms := methods(item)
			for _, meth := range sortedKeys(ms) {
				out = append(out, operation{scope: meth + " " + p, path: p, method: meth, item: item, op: ms[meth]})
			}
		}
	}
	for _, name := range sortedKeys(d.T.Webhooks) {
		item := d.T.Webhooks[name]
		if item == nil {
			continue
		}
		ms := methods(item)
		for _, meth := range sortedKeys(ms) {
			out = append(out, operation{scope: webhookScope(name, meth), path: name, method: meth, item: item, op: ms[meth], hook: true})
		}
	}
	return out
}

// parts lists the parts of an operation in a fixed order: parameters (by
// location and name), the request body and its media types, the responses
// by status with their headers and media types, security, then the parts of
// each callback operation.
func parts(d *oaschema.Document, o operation, depth int) []part {
	var out []part
	loc := func(orig *openapi3.Origin, fallback compat.Location) compat.Location {
		return orLoc(d.Location(orig), fallback)
	}
	oloc := opLocation(d, o)
	ps := effectiveParams(o.path, o.item, o.op)
	keys := sortedKeys(ps)
	sort.SliceStable(keys, func(i, j int) bool { return paramPart(ps[keys[i]].p) < paramPart(ps[keys[j]].p) })
	for _, k := range keys {
		p := ps[k].p
		out = append(out, part{paramPart(p), paramSchema(p), loc(p.Origin, oloc)})
	}
	if o.op.RequestBody != nil && o.op.RequestBody.Value != nil {
		b := o.op.RequestBody.Value
		bl := loc(b.Origin, oloc)
		out = append(out, part{name: "request", loc: bl})
		for _, mt := range sortedKeys(b.Content) {
			out = append(out, part{"request " + mt, mediaSchema(b.Content[mt]), loc(originOfMedia(b.Content[mt]), bl)})
		}
	}
	rs := responseMap(o.op)
	for _, code := range sortedKeys(rs) {
		r := rs[code]
		rl := loc(r.Origin, oloc)
		out = append(out, part{name: "response " + code, loc: rl})
		for _, h := range sortedKeys(r.Headers) {
			if hr := r.Headers[h]; hr != nil && hr.Value != nil {
				out = append(out, part{"response " + code + " header " + h, paramSchema(&hr.Value.Parameter), loc(hr.Value.Origin, rl)})
			}
		}
		for _, mt := range sortedKeys(r.Content) {
			out = append(out, part{"response " + code + " " + mt, mediaSchema(r.Content[mt]), loc(originOfMedia(r.Content[mt]), rl)})
		}
	}
	if len(secReqs(d.T, o.op)) > 0 {
		out = append(out, part{name: "security", loc: orLoc(d.FieldLocation(o.op.Origin, "security"), oloc)})
	}
	if depth > 0 {
		return out // callbacks of callbacks are not followed
	}
	for _, cb := range callbackOps(o) {
		out = append(out, part{name: cb.prefix, loc: opLocation(d, cb.operation)})
		for _, p := range parts(d, cb.operation, depth+1) {
			p.name = cb.prefix + " " + p.name
			out = append(out, p)
		}
	}
	return out
}

// callbackOp is one operation of one callback of an operation.
type callbackOp struct {
	operation
	prefix string // callbackPart(name, expression, method)
}

// callbackOps lists the callback operations of o, sorted by callback name,
// expression and method.
func callbackOps(o operation) []callbackOp {
	var out []callbackOp
	for _, name := range sortedKeys(o.op.Callbacks) {
		cr := o.op.Callbacks[name]
		if cr == nil || cr.Value == nil {
			continue
		}
		m := cr.Value.Map()
		for _, expr := range sortedKeys(m) {
			item := m[expr]
			if item == nil {
				continue
			}
			ms := methods(item)
			for _, meth := range sortedKeys(ms) {
				out = append(out, callbackOp{
					operation: operation{scope: o.scope, path: expr, method: meth, item: item, op: ms[meth]},
					prefix:    callbackPart(name, expr, meth),
				})
			}
		}
	}
	return out
}

func originOfMedia(mt *openapi3.MediaType) *openapi3.Origin {
	if mt == nil {
		return nil
	}
	return mt.Origin
}

// secReqs is the operation's effective list of security requirements.
func secReqs(t *openapi3.T, op *openapi3.Operation) openapi3.SecurityRequirements {
	if op.Security != nil {
		return *op.Security
	}
	return t.Security
}

// paramPart is a parameter's element part: `parameter query limit`.
func paramPart(p *openapi3.Parameter) string { return "parameter " + p.In + " " + p.Name }

func opLocation(d *oaschema.Document, o operation) compat.Location {
	if o.op != nil && o.op.Origin != nil && o.op.Origin.Key != nil {
		return d.Location(o.op.Origin)
	}
	if !o.hook {
		if l, ok := d.OperationLocation(o.path, o.method); ok {
			return l
		}
	}
	return compat.Location{File: d.Name}
}

// errEnough stops a listing that reached its bound.
var errEnough = errors.New("enough elements")

// Elements lists every element of d, in the spelling findings use: each
// operation (and webhook), each of its parts, and every place inside their
// schemas. A path through a reference cycle stops where it would repeat a
// schema; the listing is bounded by MaxPartElements and MaxElements. The
// error is the context's, when it ends first.
func Elements(ctx context.Context, d *oaschema.Document) ([]compat.Element, error) {
	if d == nil || d.T == nil {
		return nil, nil
	}
	l := &lister{ctx: ctx, d: d, sh: newShapes(), on: map[*openapi3.Schema]bool{}, steps: map[*openapi3.Schema][]step{}}
	for _, o := range operations(d) {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		l.out = append(l.out, compat.Element{Scope: o.scope, Location: opLocation(d, o)})
		for _, p := range parts(d, o, 0) {
			l.out = append(l.out, compat.Element{Scope: o.scope, Part: p.name, Location: p.loc})
			if p.schema == nil || p.schema.Value == nil || l.places >= MaxElements {
				continue
			}
			l.left = MaxPartElements
			if err := l.walk(o.scope, p.name, p.schema.Value, "", p.loc); err != nil && !errors.Is(err, errEnough) {
				return nil, err
			}
		}
	}
	return l.out, nil
}

// lister is the state of one Elements call.
type lister struct {
	ctx    context.Context
	d      *oaschema.Document
	sh     *shapes
	on     map[*openapi3.Schema]bool // schemas on the current path
	out    []compat.Element
	left   int // places this part may still list
	places int // places listed in all
	n      int
	steps  map[*openapi3.Schema][]step // each schema's steps, listed once
}

func (l *lister) walk(scope, partName string, s *openapi3.Schema, path string, fallback compat.Location) error {
	l.on[s] = true
	defer delete(l.on, s)
	sts, ok := l.steps[s]
	if !ok {
		sts = steps(l.sh.norm(s))
		l.steps[s] = sts
	}
	for _, st := range sts {
		if l.n++; l.n%1024 == 0 && l.ctx.Err() != nil {
			return context.Cause(l.ctx)
		}
		if l.left <= 0 || l.places >= MaxElements {
			return errEnough
		}
		l.left--
		l.places++
		p := join(path, st.seg)
		l.out = append(l.out, compat.Element{Scope: scope, Part: partName, Path: propertyPath(p), Location: orLoc(l.d.Location(originOf(st.ref)), fallback)})
		if l.on[st.ref.Value] {
			continue // the path would repeat a schema: stop here
		}
		if err := l.walk(scope, partName, st.ref.Value, p, fallback); err != nil {
			return err
		}
	}
	return nil
}

// Resolve returns the elements of d that query names: an operation
// (`GET /orders/{id}`), a part of one (`GET /orders/{id} response 200
// application/json`) or a place inside a part (`… property total`),
// compared as compat.ElementKey compares them, so the method's letter case
// and the names of path template variables do not matter. It is empty when
// d has no such element. It looks only at the operations the query names.
func Resolve(ctx context.Context, d *oaschema.Document, query string) ([]compat.Element, error) {
	if d == nil || d.T == nil {
		return nil, nil
	}
	fields := strings.Fields(compat.ElementKey(query))
	if len(fields) < 2 {
		return nil, nil
	}
	var ops []operation
	var rest []string
	if strings.EqualFold(fields[0], "webhook") && len(fields) >= 3 {
		item := d.T.Webhooks[fields[1]]
		meth := strings.ToUpper(fields[2])
		if item != nil {
			if op := methods(item)[meth]; op != nil {
				ops = append(ops, operation{scope: webhookScope(fields[1], meth), path: fields[1], method: meth, item: item, op: op, hook: true})
			}
		}
		rest = fields[3:]
	} else {
		ops = findOperations(d, fields[0], fields[1])
		rest = fields[2:]
	}
	var out []compat.Element
	sh := newShapes()
	for _, o := range ops {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		if len(rest) == 0 {
			out = append(out, compat.Element{Scope: o.scope, Location: opLocation(d, o)})
			continue
		}
		want := strings.Join(rest, " ")
		for _, p := range parts(d, o, 0) {
			switch {
			case partMatches(p.name, want):
				out = append(out, compat.Element{Scope: o.scope, Part: p.name, Location: p.loc})
			case p.schema != nil && p.schema.Value != nil && len(want) > len(p.name)+len(" property ") &&
				partMatches(p.name, want[:len(p.name)]) && strings.HasPrefix(want[len(p.name):], " property "):
				path := want[len(p.name)+len(" property "):]
				for _, m := range resolvePath(sh, p.schema.Value, path, true, 0) {
					out = append(out, compat.Element{Scope: o.scope, Part: p.name, Path: propertyPath(m.path), Location: orLoc(d.Location(originOf(m.ref)), p.loc)})
				}
			}
		}
	}
	return out, nil
}

// findOperations finds the operations of d that METHOD /path names, with
// template variables compared by position only.
func findOperations(d *oaschema.Document, method, path string) []operation {
	if d.T.Paths == nil {
		return nil
	}
	method = strings.ToUpper(method)
	want := compat.NormalizePath(path)
	var out []operation
	add := func(p string, item *openapi3.PathItem) {
		if item == nil {
			return
		}
		if op := methods(item)[method]; op != nil {
			out = append(out, operation{scope: method + " " + p, path: p, method: method, item: item, op: op})
		}
	}
	if item := d.T.Paths.Value(path); item != nil && !strings.Contains(path, "{") {
		add(path, item)
		return out
	}
	m := d.T.Paths.Map()
	for _, p := range sortedKeys(m) {
		if compat.NormalizePath(p) == want {
			add(p, m[p])
		}
	}
	return out
}

// partMatches compares a part as a document spells it with one as a user
// wrote it: exactly, except header names and media types, which HTTP
// compares without letter case.
func partMatches(name, want string) bool {
	return name == want || strings.EqualFold(name, want)
}

// pathMatch is a place resolvePath found: its path and its schema.
type pathMatch struct {
	path string
	ref  *openapi3.SchemaRef
}

// resolvePath finds the places inside s that path names. It follows only
// the steps whose segment the path starts with, so it costs the length of
// the path, not the size of the schema. start says whether path is at the
// beginning, where any segment may come; elsewhere a property name follows
// a dot and a bracketed segment follows directly.
func resolvePath(sh *shapes, s *openapi3.Schema, path string, start bool, depth int) []pathMatch {
	if depth > 256 || path == "" {
		return nil
	}
	var out []pathMatch
	for _, st := range steps(sh.norm(s)) {
		bracket := strings.HasPrefix(st.seg, "[") || strings.HasPrefix(st.seg, "(")
		rest := path
		if !start && !bracket {
			var ok bool
			if rest, ok = strings.CutPrefix(path, "."); !ok {
				continue
			}
		}
		after, ok := strings.CutPrefix(rest, st.seg)
		if !ok {
			continue
		}
		if after == "" {
			out = append(out, pathMatch{st.seg, st.ref})
			continue
		}
		if !strings.HasPrefix(after, ".") && !strings.HasPrefix(after, "[") && !strings.HasPrefix(after, "(") {
			continue
		}
		for _, m := range resolvePath(sh, st.ref.Value, after, false, depth+1) {
			out = append(out, pathMatch{join(st.seg, m.path), m.ref})
		}
	}
	return out
}
