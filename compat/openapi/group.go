package openapi

import (
	"sort"
	"strconv"
	"strings"

	"github.com/contractgate/contracts/compat"
)

// maxNamed is how many elements (or operations) a grouped message names
// before "and N more"; Elements always lists them all.
const maxNamed = 3

// group is one finding in the making: the same change (rule, place,
// predicate) reached from one or more operations' parts.
type group struct {
	rule string
	what string
	loc  compat.Location
	// reach holds, per operation and part, the path inside the part's
	// schema where the change is met there.
	reach map[[2]string]string
}

// add records a change met by operation op at part and path. Changes to one
// place of the documents (a component schema reached from many operations)
// group into one finding listing every element they reach.
func (c *checker) add(rule, op, part, path, what string, loc compat.Location) {
	key := rule + "\x00" + loc.String() + "\x00" + what
	if loc.Line == 0 {
		key += "\x00" + op + "\x00" + part + "\x00" + path
	}
	g, ok := c.groups[key]
	if !ok {
		g = &group{rule: rule, what: what, loc: loc, reach: map[[2]string]string{}}
		c.groups[key] = g
		c.order = append(c.order, key)
	}
	k := [2]string{op, part}
	if old, seen := g.reach[k]; !seen || shorter(path, old) {
		g.reach[k] = path
	}
}

// shorter orders paths for the one an element keeps: shortest, then by
// text, so the choice never depends on the order of the walk.
func shorter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (g *group) finding() compat.Finding {
	elements := make([]compat.Element, 0, len(g.reach))
	for k, path := range g.reach {
		elements = append(elements, compat.Element{Scope: k[0], Part: k[1], Path: path, Location: g.loc})
	}
	sort.Slice(elements, func(i, j int) bool {
		a, b := elements[i], elements[j]
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		if a.Part != b.Part {
			return a.Part < b.Part
		}
		return a.Path < b.Path
	})
	rule := ruleIndex[g.rule]
	return compat.Finding{
		Rule:      g.rule,
		Severity:  severity(g.rule),
		Message:   message(elements, g.what),
		Element:   elements[0].String(),
		Affects:   compat.Scopes(elements),
		Elements:  elements,
		Tolerance: rule.Tolerance,
		Location:  g.loc,
	}
}

// message is the sentence of a finding. When every element has the same
// part and path (a security scheme used by many operations), it names the
// operations; otherwise it names the first element and then, truly, where
// each other operation meets the same change.
func message(elements []compat.Element, what string) string {
	first := elements[0]
	subject := func(e compat.Element) string {
		if s := strings.TrimSpace(e.Part + " " + e.Path); s != "" {
			return s
		}
		return "operation"
	}
	same := true
	for _, e := range elements[1:] {
		if e.Part != first.Part || e.Path != first.Path {
			same = false
			break
		}
	}
	if same {
		ops := compat.Scopes(elements)
		who := strings.Join(ops[:min(len(ops), maxNamed)], ", ")
		if n := len(ops) - maxNamed; n > 0 {
			who += " and " + strconv.Itoa(n) + " more"
		}
		return who + ": the " + subject(first) + " " + what + "."
	}
	msg := first.Scope + ": the " + subject(first) + " " + what + "; the same change is met at "
	others := elements[1:]
	named := make([]string, 0, maxNamed)
	for _, e := range others[:min(len(others), maxNamed-1)] {
		named = append(named, e.String())
	}
	switch n := len(others) - len(named); {
	case n > 0:
		msg += strings.Join(named, ", ") + " and " + strconv.Itoa(n) + " more"
	case len(named) > 1:
		msg += strings.Join(named[:len(named)-1], ", ") + " and " + named[len(named)-1]
	default:
		msg += named[0]
	}
	return msg + "."
}
