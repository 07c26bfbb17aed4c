package openapi

import (
	"sort"
	"strings"

	"github.com/contractgate/contracts/compat"
)

// maxNamed is how many operations a grouped message names before "and N
// more"; Affects always lists them all.
const maxNamed = 3

// group is one finding in the making: the same change (rule, place, element,
// predicate) reached from one or more operations.
type group struct {
	rule string
	what string
	el   string
	loc  compat.Location
	ctx  map[string]reach // operation -> how it reaches the place
	// first is the operation that sorts first; el is as it reaches the place.
	first string
}

// reach is how one operation reaches a changed place: the part of the
// operation (ctx) and the path inside its schema (el).
type reach struct{ ctx, el string }

// add records a change seen from operation op. Changes to one place of the
// documents (a component schema reached from many operations) group into one
// finding listing every operation they affect.
func (c *checker) add(rule, op, ctx, el, what string, loc compat.Location) {
	// The place and the predicate identify a change; the element path
	// may differ by how an operation reaches the place, so it is left out.
	key := rule + "\x00" + loc.String() + "\x00" + what
	if loc.Line == 0 {
		key += "\x00" + op + "\x00" + ctx + "\x00" + el
	}
	g, ok := c.groups[key]
	if ok && g.el != el && op < g.first {
		g.el = el // the message names the element as the first operation reaches it
	}
	if !ok {
		g = &group{rule: rule, what: what, el: el, loc: loc, ctx: map[string]reach{}, first: op}
		c.groups[key] = g
		c.order = append(c.order, key)
	}
	if _, seen := g.ctx[op]; !seen {
		g.ctx[op] = reach{ctx, el}
	}
	if op < g.first {
		g.first = op
	}
}

func (g *group) finding() compat.Finding {
	ops := make([]string, 0, len(g.ctx))
	for op := range g.ctx {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	first := ops[0]
	ctx := g.ctx[first].ctx
	subject := strings.TrimSpace(ctx + " " + g.el)
	element := strings.TrimSpace(first + " " + subject)
	if subject == "" {
		subject = "operation"
	}
	named := ops
	if len(named) > maxNamed {
		named = named[:maxNamed]
	}
	who := strings.Join(named, ", ")
	if n := len(ops) - len(named); n > 0 {
		who += " and " + itoa(n) + " more"
	}
	elements := make([]compat.Element, len(ops))
	for i, op := range ops {
		r := g.ctx[op]
		elements[i] = compat.Element{Scope: op, Part: r.ctx, Path: r.el, Location: g.loc}
	}
	rule := ruleIndex[g.rule]
	return compat.Finding{
		Rule:      g.rule,
		Severity:  severity(g.rule),
		Message:   who + ": the " + subject + " " + g.what + ".",
		Element:   element,
		Affects:   ops,
		Elements:  elements,
		Tolerance: rule.Tolerance,
		Location:  g.loc,
	}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
