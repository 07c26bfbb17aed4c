package openapi

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contractgate/contracts/compat"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

// checker holds the state of one comparison.
type checker struct {
	ctx      context.Context
	old, new *oaschema.Document
	memo     map[pairKey][]change
	active   map[pairKey]int // pairs being compared, by stack depth
	depth    int             // current depth of the comparison stack
	low      int             // lowest depth a cycle reached back to
	work     int             // schema comparisons done, to bound recomputation
	flat     map[*openapi3.Schema]*openapi3.Schema
	groups   map[string]*group
	order    []string
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
		memo:   map[pairKey][]change{},
		active: map[pairKey]int{},
		low:    math.MaxInt,
		flat:   map[*openapi3.Schema]*openapi3.Schema{},
		groups: map[string]*group{},
	}
	if err := c.paths(); err != nil {
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

// methods lists the operations of a path item by upper-case method.
func methods(item *openapi3.PathItem) map[string]*openapi3.Operation {
	out := map[string]*openapi3.Operation{}
	for m, op := range item.Operations() {
		if op != nil {
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
			if err := c.ctx.Err(); err != nil {
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
}

// schemaChanges turns the changes of a schema comparison into findings of
// operation oc, under the element ctx ("request body application/json").
func (c *checker) schemaChanges(oc opCtx, ctx string, changes []change) {
	for _, ch := range changes {
		el := ""
		if ch.path != "" {
			el = "property " + ch.path
		}
		loc := ch.loc
		if loc.Line == 0 {
			if strings.Contains(ch.rule, "REMOVED") {
				loc = oc.oloc
			} else {
				loc = oc.nloc
			}
		}
		c.add(ch.rule, oc.name, ctx, el, ch.what, loc)
	}
}
