package openapi

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contractgate/contracts/compat"
	"github.com/contractgate/contracts/internal/budget"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

// checker holds the state of one comparison.
type checker struct {
	ctx      context.Context
	old, new *oaschema.Document
	sh       *shapes
	// The pair graph (graph.go): every compared pair once, the pairs still
	// to compare, and where operations meet pairs.
	nodes  []node
	ids    map[pairKey]int32
	queue  []int32
	roots  []root
	groups map[string]*group
	order  []string
}

// Check compares two loaded documents and reports every change, each with
// its severity for the clients of the old document.
func Check(ctx context.Context, old, new *oaschema.Document) (rep *compat.Report, err error) {
	if old == nil || new == nil || old.T == nil || new.T == nil {
		return nil, fmt.Errorf("openapi check: both documents must be loaded")
	}
	defer func() {
		if r := recover(); r != nil {
			rep, err = nil, fmt.Errorf("openapi check of %s against %s failed: %v", new.Name, old.Name, r)
		}
	}()
	c := &checker{
		ctx:    ctx,
		old:    old,
		new:    new,
		sh:     newShapes(),
		ids:    map[pairKey]int32{},
		groups: map[string]*group{},
	}
	if err := c.paths(); err != nil {
		return nil, err
	}
	c.webhooks()
	if err := c.compareAll(); err != nil {
		return nil, err
	}
	if err := c.attach(); err != nil {
		return nil, err
	}
	rep = &compat.Report{Old: old.Name, New: new.Name}
	for _, k := range c.order {
		rep.Add(c.groups[k].finding())
	}
	rep.Sort()
	return rep, nil
}

// Operations lists every operation of d as "METHOD /path" (upper-case method,
// path as written in d), sorted.
func Operations(d *oaschema.Document) []string {
	if d == nil || d.T == nil || d.T.Paths == nil {
		return nil
	}
	var out []string
	for p, item := range d.T.Paths.Map() {
		if item == nil {
			continue
		}
		for m, op := range item.Operations() {
			if op != nil {
				out = append(out, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// pathEntry is a path of one document under its normalised key.
type pathEntry struct {
	path string
	item *openapi3.PathItem
}

func index(d *oaschema.Document) map[string]pathEntry {
	m := d.T.Paths.Map()
	out := make(map[string]pathEntry, len(m))
	for _, p := range sortedKeys(m) {
		if m[p] == nil {
			continue
		}
		k := compat.NormalizePath(p)
		if _, dup := out[k]; !dup {
			out[k] = pathEntry{p, m[p]}
		}
	}
	return out
}

// fixedMethods are the methods of a path item's fixed fields.
var fixedMethods = [...]string{"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE", openapi3.MethodQuery}

// methods lists the operations of a path item by upper-case method, sized
// to what the item holds (item.Operations allocates room for every method,
// once per call, which wide documents pay per path).
func methods(item *openapi3.PathItem) map[string]*openapi3.Operation {
	n := len(item.AdditionalOperations)
	for _, m := range fixedMethods {
		if item.GetOperation(m) != nil {
			n++
		}
	}
	out := make(map[string]*openapi3.Operation, n)
	for _, m := range fixedMethods {
		if op := item.GetOperation(m); op != nil {
			out[m] = op
		}
	}
	for m, op := range item.AdditionalOperations {
		if _, fixed := out[strings.ToUpper(m)]; op != nil && !fixed {
			out[strings.ToUpper(m)] = op
		}
	}
	return out
}

// paths pairs paths by normalised key (so {id} and {orderId} match) in a
// map, then operations by method, and compares each pair.
func (c *checker) paths() error {
	oi, ni := index(c.old), index(c.new)
	keys := make([]string, 0, len(oi)+len(ni))
	for k := range oi {
		keys = append(keys, k)
	}
	for k := range ni {
		if _, ok := oi[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i%256 == 0 {
			if err := budget.Check(c.ctx); err != nil {
				return err
			}
		}
		o, oOK := oi[k]
		n, nOK := ni[k]
		switch {
		case !nOK:
			om := methods(o.item)
			for _, m := range sortedKeys(om) {
				name := m + " " + o.path
				c.add("OPERATION_REMOVED", name, "", "", fmt.Sprintf("was removed, with the whole path %s", o.path), c.opLoc(c.old, o.path, m, om[m]))
			}
		case !oOK:
			nm := methods(n.item)
			for _, m := range sortedKeys(nm) {
				name := m + " " + n.path
				c.add("OPERATION_ADDED", name, "", "", "was added", c.opLoc(c.new, n.path, m, nm[m]))
			}
		default:
			om, nm := methods(o.item), methods(n.item)
			for _, m := range sortedKeys(om) {
				if _, ok := nm[m]; !ok {
					c.add("OPERATION_REMOVED", m+" "+o.path, "", "", "was removed", c.opLoc(c.old, o.path, m, om[m]))
				}
			}
			for _, m := range sortedKeys(nm) {
				nop := nm[m]
				oop, ok := om[m]
				if !ok {
					c.add("OPERATION_ADDED", m+" "+n.path, "", "", "was added", c.opLoc(c.new, n.path, m, nop))
					continue
				}
				c.operation(o, n, m, oop, nop)
			}
		}
	}
	return nil
}

// opLoc is where an operation is written, from its origin or, for converted
// Swagger documents, from the main file's keys.
func (c *checker) opLoc(d *oaschema.Document, path, method string, op *openapi3.Operation) compat.Location {
	if op != nil && op.Origin != nil && op.Origin.Key != nil {
		return d.Location(op.Origin)
	}
	if l, ok := d.OperationLocation(path, method); ok {
		return l
	}
	return compat.Location{File: d.Name}
}

// opCtx carries what every finding of one operation shares.
type opCtx struct {
	name       string // METHOD /path as in the new document
	oloc, nloc compat.Location
	// prefix goes before every part of a callback operation, inside the
	// scope of the operation that registers it.
	prefix string
	// rev marks a webhook or callback operation: the provider writes the
	// request and the subscriber the response.
	rev bool
}

// dir is the direction of a part that travels as d in an ordinary
// operation.
func (oc opCtx) dir(d dir) dir {
	if oc.rev {
		return d.flip()
	}
	return d
}

// note records a change of an operation's part that is not a schema
// comparison. In a webhook or callback such rules would read the wrong way
// round, so there only schemas and the operations themselves are compared.
func (c *checker) note(oc opCtx, rule, partName, what string, loc compat.Location) {
	if oc.rev {
		return
	}
	c.add(rule, oc.name, oc.prefix+partName, "", what, loc)
}

// webhooks pairs the webhooks of OpenAPI 3.1 by name and method.
func (c *checker) webhooks() {
	ow, nw := c.old.T.Webhooks, c.new.T.Webhooks
	for _, name := range sortedKeys(ow) {
		om := methods(ow[name])
		var nm map[string]*openapi3.Operation
		if nw[name] != nil {
			nm = methods(nw[name])
		}
		for _, m := range sortedKeys(om) {
			scope := webhookScope(name, m)
			oloc := opLocation(c.old, operation{op: om[m], hook: true})
			nop, ok := nm[m]
			if !ok {
				c.add("WEBHOOK_REMOVED", scope, "", "", "was removed, so subscribers no longer receive it", oloc)
				continue
			}
			oc := opCtx{name: scope, oloc: oloc, nloc: opLocation(c.new, operation{op: nop, hook: true}), rev: true}
			c.reversed(oc, name, name, ow[name], nw[name], om[m], nop)
		}
	}
	for _, name := range sortedKeys(nw) {
		nm := methods(nw[name])
		var om map[string]*openapi3.Operation
		if ow[name] != nil {
			om = methods(ow[name])
		}
		for _, m := range sortedKeys(nm) {
			if _, ok := om[m]; !ok {
				c.add("WEBHOOK_ADDED", webhookScope(name, m), "", "", "was added", opLocation(c.new, operation{op: nm[m], hook: true}))
			}
		}
	}
}

// callbacks pairs an operation's callbacks by name, expression and method.
func (c *checker) callbacks(oc opCtx, oop, nop *openapi3.Operation) {
	olist := callbackOps(operation{scope: oc.name, op: oop})
	nlist := callbackOps(operation{scope: oc.name, op: nop})
	nidx := map[string]callbackOp{}
	for _, cb := range nlist {
		nidx[cb.prefix] = cb
	}
	oidx := map[string]bool{}
	for _, o := range olist {
		oidx[o.prefix] = true
		oloc := opLocation(c.old, o.operation)
		n, ok := nidx[o.prefix]
		if !ok {
			c.add("CALLBACK_REMOVED", oc.name, o.prefix, "", "was removed, so subscribers no longer receive it", oloc)
			continue
		}
		coc := opCtx{name: oc.name, oloc: oloc, nloc: opLocation(c.new, n.operation), prefix: o.prefix + " ", rev: true}
		c.reversed(coc, o.path, n.path, o.item, n.item, o.op, n.op)
	}
	for _, n := range nlist {
		if !oidx[n.prefix] {
			c.add("CALLBACK_ADDED", oc.name, n.prefix, "", "was added", opLocation(c.new, n.operation))
		}
	}
}

// reversed compares a webhook or callback operation: its parameters and
// request body are written by the provider and read by the subscriber, its
// responses the other way round.
func (c *checker) reversed(oc opCtx, opath, npath string, oitem, nitem *openapi3.PathItem, oop, nop *openapi3.Operation) {
	c.parameters(oc, pathEntry{opath, oitem}, pathEntry{npath, nitem}, oop, nop)
	c.requestBody(oc, oop, nop)
	c.responses(oc, oop, nop)
}

// orLoc falls back to the operation's location when l has no line.
func orLoc(l, fallback compat.Location) compat.Location {
	if l.Line > 0 {
		return l
	}
	return fallback
}

func (c *checker) operation(o, n pathEntry, m string, oop, nop *openapi3.Operation) {
	oc := opCtx{
		name: m + " " + n.path,
		oloc: c.opLoc(c.old, o.path, m, oop),
		nloc: c.opLoc(c.new, n.path, m, nop),
	}
	if !oop.Deprecated && nop.Deprecated {
		c.add("OPERATION_DEPRECATED", oc.name, "", "", "was deprecated", orLoc(c.new.FieldLocation(nop.Origin, "deprecated"), oc.nloc))
	}
	c.parameters(oc, o, n, oop, nop)
	c.requestBody(oc, oop, nop)
	c.responses(oc, oop, nop)
	c.security(oc, oop, nop)
	c.callbacks(oc, oop, nop)
}
