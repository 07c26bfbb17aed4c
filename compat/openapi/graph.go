package openapi

import (
	"context"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contractgate/contracts/compat"
	"github.com/contractgate/contracts/internal/budget"
)

// The schema comparison is a graph of pairs. A pair is an (old schema, new
// schema, direction, polarity, mode) tuple; it is compared once, whatever
// number of operations or routes reach it, and its comparison records only
// its own changes and its links to the pairs of its subschemas, each under
// the segment a path prints for it. Reference cycles are just cycles in the
// graph. Only after every pair is compared are the operations attached: a
// breadth-first walk from each part's root pair, through the pairs that lead
// to a change, gives each change the shortest path at which that part meets
// it. Paths are built only there, for changes that exist.

// polarity says how a subschema's acceptance moves its parent's: inside
// not, a subschema that accepts more makes the parent accept less; inside
// if, a change moves the parent both ways.
type polarity uint8

const (
	positive polarity = iota
	negated
	either
)

// compose is the polarity of a subschema of polarity q inside one of p.
func (p polarity) compose(q polarity) polarity {
	switch {
	case p == either || q == either:
		return either
	case p == q:
		return positive
	}
	return negated
}

// apply turns the effect a change has on a subschema into its effect on
// the schema the comparison started at.
func (p polarity) apply(e effect) effect {
	switch {
	case p == negated && e == narrowed:
		return widened
	case p == negated && e == widened:
		return narrowed
	case p == either:
		return changed
	}
	return e
}

// mode says how values reach a schema: as JSON, or as the text of a
// parameter (query, path, header, cookie), where 1 and "1" are one value.
type mode uint8

const (
	jsonMode mode = iota
	textMode
	// explodedMode is the text of a parameter whose array or object
	// values travel as repeated keys (form, matrix or deepObject style
	// with explode): such a value is not one string.
	explodedMode
)

type pairKey struct {
	o, n *openapi3.Schema
	d    dir
	pol  polarity
	mode mode
}

// node is one compared pair.
type node struct {
	key     pairKey
	changes []change
	edges   []edge
	dirty   bool // a change is reachable from here
}

// edge leads from a pair to the pair of one of its subschemas.
type edge struct {
	seg string
	to  int32
}

// root is where an operation's part meets a schema pair.
type root struct {
	op, part   string
	node       int32
	oloc, nloc compat.Location // where changes without a line of their own point
}

// pair returns the node of a pair, creating (and queueing) it when new; -1
// when either side is missing.
func (c *checker) pair(o, n *openapi3.SchemaRef, k pairKey) int32 {
	if o == nil || n == nil || o.Value == nil || n.Value == nil {
		return -1
	}
	k.o, k.n = o.Value, n.Value
	if id, ok := c.ids[k]; ok {
		return id
	}
	id := int32(len(c.nodes))
	c.nodes = append(c.nodes, node{key: k})
	c.ids[k] = id
	c.queue = append(c.queue, id)
	return id
}

// schemaRoot records that operation op meets the pair (o, n) at part,
// compared in direction d.
func (c *checker) schemaRoot(oc opCtx, partName string, o, n *openapi3.SchemaRef, d dir, m mode) {
	id := c.pair(o, n, pairKey{d: d, mode: m})
	if id < 0 {
		return
	}
	c.roots = append(c.roots, root{op: oc.name, part: oc.prefix + partName, node: id, oloc: oc.oloc, nloc: oc.nloc})
}

// compareAll compares every queued pair; comparing one may queue more.
func (c *checker) compareAll() error {
	for i := 0; i < len(c.queue); i++ {
		if i%256 == 0 {
			if err := budget.Check(c.ctx); err != nil {
				return err
			}
		}
		id := c.queue[i]
		k := c.nodes[id].key
		p := &cmp{c: c, id: id, d: k.d, pol: k.pol, mode: k.mode, os: c.sh.norm(k.o), ns: c.sh.norm(k.n)}
		p.compare()
		c.nodes[id].changes = p.out
	}
	c.queue = nil
	return nil
}

// hit is a changed pair reached from a root, with the path it is met at.
type hit struct {
	node int32
	path string
}

// attach gives every change the operations and parts that reach it.
func (c *checker) attach() error {
	n := len(c.nodes)
	// Mark the pairs from which a change is reachable, walking edges
	// backwards from each changed pair.
	start := make([]int32, n+1)
	for i := range c.nodes {
		for _, e := range c.nodes[i].edges {
			start[e.to+1]++
		}
	}
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	parents := make([]int32, start[n])
	fill := append([]int32(nil), start[:n]...)
	for i := range c.nodes {
		for _, e := range c.nodes[i].edges {
			parents[fill[e.to]] = int32(i)
			fill[e.to]++
		}
	}
	var stack []int32
	for i := range c.nodes {
		if len(c.nodes[i].changes) > 0 {
			c.nodes[i].dirty = true
			stack = append(stack, int32(i))
		}
	}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range parents[start[id]:start[id+1]] {
			if !c.nodes[p].dirty {
				c.nodes[p].dirty = true
				stack = append(stack, p)
			}
		}
	}
	w := &walk{seen: make([]uint32, n), from: make([]int32, n), seg: make([]string, n)}
	memo := map[int32][]hit{}
	for i, r := range c.roots {
		if i%64 == 0 {
			if err := budget.Check(c.ctx); err != nil {
				return err
			}
		}
		if !c.nodes[r.node].dirty {
			continue
		}
		hits, ok := memo[r.node]
		if !ok {
			hits = c.reach(w, r.node)
			memo[r.node] = hits
		}
		for _, h := range hits {
			for _, ch := range c.nodes[h.node].changes {
				loc := ch.loc
				if loc.Line == 0 {
					if strings.Contains(ch.rule, "REMOVED") {
						loc = r.oloc
					} else {
						loc = r.nloc
					}
				}
				c.add(ch.rule, r.op, r.part, propertyPath(join(h.path, ch.path)), ch.what, loc)
			}
		}
	}
	return nil
}

// walk is the reusable state of the breadth-first walks of attach.
type walk struct {
	epoch uint32
	seen  []uint32 // epoch at which a node was reached
	from  []int32  // the node it was reached from
	seg   []string // the segment it was reached by
	queue []int32
}

// reach walks from root through dirty pairs, breadth first and in edge
// order, so each changed pair gets the shortest path, the same every run.
func (c *checker) reach(w *walk, rootID int32) []hit {
	w.epoch++
	w.queue = append(w.queue[:0], rootID)
	w.seen[rootID], w.from[rootID] = w.epoch, -1
	var hits []hit
	for i := 0; i < len(w.queue); i++ {
		id := w.queue[i]
		if len(c.nodes[id].changes) > 0 {
			hits = append(hits, hit{id, w.path(id)})
		}
		for _, e := range c.nodes[id].edges {
			if w.seen[e.to] == w.epoch || !c.nodes[e.to].dirty {
				continue
			}
			w.seen[e.to], w.from[e.to], w.seg[e.to] = w.epoch, id, e.seg
			w.queue = append(w.queue, e.to)
		}
	}
	return hits
}

// path builds the path to id from the walk's parent links.
func (w *walk) path(id int32) string {
	var segs []string
	for ; w.from[id] >= 0; id = w.from[id] {
		segs = append(segs, w.seg[id])
	}
	p := ""
	for i := len(segs) - 1; i >= 0; i-- {
		p = join(p, segs[i])
	}
	return p
}

// checkCtx is the error of a context that ended, with its cause.
func checkCtx(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}
