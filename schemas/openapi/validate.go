package openapi

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contractgate/contracts/compat"
)

// Checks of meaning that kin-openapi's loader lets pass but a comparison
// cannot work with: they make a document invalid input (exit status 2)
// rather than a source of wrong answers.

// refCycle finds a local $ref that leads, through objects that are nothing
// but references, back to itself: such a schema never reaches a schema, and
// kin-openapi resolves it to an empty one that accepts anything. It returns
// the position of the first such $ref (in document order) and the chain.
func refCycle(tree *pnode, root any) (pos, string, bool) {
	bad := map[string]string{} // ref -> the chain, for refs known to loop
	good := map[string]bool{}
	var found pos
	var chain string
	var visit func(n *pnode, depth int) bool
	visit = func(n *pnode, depth int) bool {
		if n == nil || depth > 2*DefaultMaxDepth {
			return false
		}
		if strings.HasPrefix(n.ref, "#") {
			if c, ok := loops(n.ref, root, good, bad); ok {
				found, chain = n.at, c
				return true
			}
		}
		for i := range n.ents {
			if visit(n.ents[i].kid, depth+1) {
				return true
			}
		}
		return false
	}
	if visit(tree, 0) {
		return found, chain, true
	}
	return pos{}, "", false
}

// loops follows ref through objects made only of a reference and reports
// whether it comes back to a ref already on the way, with the chain.
func loops(ref string, root any, good map[string]bool, bad map[string]string) (string, bool) {
	var seen []string
	r := ref
	for {
		if good[r] {
			break
		}
		if c, ok := bad[r]; ok {
			return c, true
		}
		for _, s := range seen {
			if s == r {
				c := strings.Join(append(seen, r), " → ")
				for _, s := range seen {
					bad[s] = c
				}
				return c, true
			}
		}
		seen = append(seen, r)
		m, ok := pointer(root, r).(map[string]any)
		if !ok {
			break
		}
		next, ok := m["$ref"].(string)
		if !ok || !strings.HasPrefix(next, "#") {
			break
		}
		r = next
	}
	for _, s := range seen {
		good[s] = true
	}
	return "", false
}

// pointer resolves a local JSON pointer ("#/components/schemas/A") in a
// generic value, nil when it points at nothing.
func pointer(root any, ref string) any {
	frag := strings.TrimPrefix(ref, "#")
	cur := root
	if frag == "" {
		return cur
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[tok]; !ok {
			return nil
		}
	}
	return cur
}

var templateVar = regexp.MustCompile(`\{([^{}]*)\}`)

// pathParams checks that every variable of each path template has a path
// parameter in each of its operations, and every path parameter a variable:
// otherwise clients cannot build the URL the document describes, and two
// versions cannot be paired by their templates. It returns the first
// mismatch, by path.
func (d *Document) pathParams() error {
	if d.T == nil || d.T.Paths == nil {
		return nil
	}
	m := d.T.Paths.Map()
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		item := m[p]
		if item == nil {
			continue
		}
		var vars map[string]bool
		if strings.Contains(p, "{") {
			vars = map[string]bool{}
			for _, v := range templateVar.FindAllStringSubmatch(p, -1) {
				vars[v[1]] = true
			}
		}
		var err error
		eachOperation(item, func(meth string, op *openapi3.Operation) {
			if err == nil {
				err = d.checkPathParams(p, meth, vars, item, op)
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// checkPathParams checks one operation of path p against the template's
// variables.
func (d *Document) checkPathParams(p, meth string, vars map[string]bool, item *openapi3.PathItem, op *openapi3.Operation) error {
	var declared map[string]bool
	for _, list := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, r := range list {
			if r != nil && r.Value != nil && r.Value.In == openapi3.ParameterInPath {
				if declared == nil {
					declared = map[string]bool{}
				}
				declared[r.Value.Name] = true
			}
		}
	}
	if len(vars) == 0 && len(declared) == 0 {
		return nil
	}
	loc := d.pathLocation(p, meth, item, op)
	for _, v := range sortedBools(vars) {
		if !declared[v] {
			return compat.Inputf(loc, "path %s: %s %s declares no path parameter for the template variable {%s}", p, strings.ToUpper(meth), p, v)
		}
	}
	for _, name := range sortedBools(declared) {
		if !vars[name] {
			return compat.Inputf(loc, "path %s: %s %s declares the path parameter %s, which the template does not contain", p, strings.ToUpper(meth), p, name)
		}
	}
	return nil
}

func (d *Document) pathLocation(p, method string, item *openapi3.PathItem, op *openapi3.Operation) compat.Location {
	if op.Origin != nil && op.Origin.Key != nil {
		return d.Location(op.Origin)
	}
	if item.Origin != nil && item.Origin.Key != nil {
		return d.Location(item.Origin)
	}
	if l, ok := d.OperationLocation(p, method); ok {
		return l
	}
	return compat.Location{File: d.Name}
}

func sortedBools(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// errorAt formats a check's error at a position of the main file.
func (l *loader) errorAt(at pos, format string, args ...any) error {
	return compat.Inputf(compat.Location{File: l.display(l.main), Line: int(at.line), Column: int(at.col)}, "%s", fmt.Sprintf(format, args...))
}
