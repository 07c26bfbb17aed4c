package gate

import (
	"context"
	"strings"
	"sync"

	"github.com/contractgate/contracts/compat"
	oacheck "github.com/contractgate/contracts/compat/openapi"
	"github.com/contractgate/contracts/registry"
)

// reliance is the one notion of reliance: whether a consumption relies on
// an element of a contract. The verdict narrows each change to the elements
// a consumer relies on through it; who-uses asks it of the elements a query
// names; the changelog and the web page read the verdict's checks. A
// finding reaches many elements (one per operation, part and path it is met
// at), and reliance is decided per element, never per finding.
type reliance struct {
	cmp *comparer

	mu sync.Mutex
	// expect caches the elements of expectations documents, by hash.
	expect map[string]expectation
}

// expectation is the listing of one expectations document: every element,
// by key, and which keys have elements below them.
type expectation struct {
	keys   map[string]bool
	scopes map[string]bool // scope keys
	inner  map[string]bool // keys with a listed element below them
}

// relies reports whether c relies on e and, if so, how, in words. obs is
// what the consumer was observed calling within the usage window (nil
// when nothing was).
//
//   - A consumer observed calling e relies on it, whatever it declares.
//   - A consumption that narrows nothing relies on all of the contract.
//   - `uses` relies on every element of the operations and RPCs it names.
//   - `messages` relies on every element the message types it reads reach.
//   - `expectations` relies on the operations, parts and places its
//     document lists: a place listed with nothing below it is relied on
//     whole, and a place with something listed below it is relied on as
//     the way to what is below.
func (r *reliance) relies(ctx context.Context, c registry.Consumption, obs *observedUse, e compat.Element) (string, bool, error) {
	if obs != nil && obs.only {
		why, ok := obs.relies(e, c)
		return why, ok, nil
	}
	if !c.Narrowed() {
		return "relies on all of the contract", true, nil
	}
	why, ok, err := r.declares(ctx, c, e)
	if err != nil || ok {
		return why, ok, err
	}
	why, ok = obs.relies(e, c)
	return why, ok, nil
}

// declares reports whether a narrowed consumption names e.
func (r *reliance) declares(ctx context.Context, c registry.Consumption, e compat.Element) (string, bool, error) {
	scope := compat.ScopeKey(e.Scope)
	for _, u := range c.Uses {
		if compat.ScopeKey(u) == scope {
			return "uses " + u, true, nil
		}
	}
	for _, m := range c.Messages {
		if strings.TrimPrefix(m, ".") == e.Scope {
			if e.Path != "" {
				return "reads " + m + ", which reaches " + e.Path, true, nil
			}
			return "reads " + m, true, nil
		}
	}
	if c.Expectations != nil {
		ex, err := r.expectations(ctx, *c.Expectations)
		if err != nil {
			return "", false, err
		}
		if ex.covers(e) {
			return "its expectations (" + c.ExpectationsPath + ") list " + e.String(), true, nil
		}
	}
	return "", false, nil
}

// narrow keeps, of the breaking and warning findings of a comparison, those
// c relies on (declared, or observed in obs), each reduced to the elements
// it relies on. A finding relied on only through observed calls says so.
func (r *reliance) narrow(ctx context.Context, c registry.Consumption, obs *observedUse, fs []compat.Finding) ([]compat.Finding, error) {
	var out []compat.Finding
	for _, f := range fs {
		if f.Severity == compat.Info {
			continue
		}
		if !c.Narrowed() && (obs == nil || !obs.only) {
			out = append(out, f)
			continue
		}
		var (
			kept     []compat.Element
			observed string
			declared bool
		)
		for _, e := range elementsOf(f) {
			why, ok, err := r.relies(ctx, c, obs, e)
			if err != nil {
				return nil, err
			}
			if ok {
				kept = append(kept, e)
				if strings.HasPrefix(why, "observed ") {
					if observed == "" {
						observed = why
					}
				} else {
					declared = true
				}
			}
		}
		if len(kept) == 0 {
			continue
		}
		if observed != "" && !declared {
			f.Message = strings.TrimSuffix(f.Message, ".") + ". Relied on: " + observed + "."
		}
		if f.Element == elementsOf(f)[0].String() {
			// The finding named its first element; name the first this
			// consumer relies on.
			f.Element = kept[0].String()
		}
		f.Elements = kept
		f.Affects = compat.Scopes(kept)
		out = append(out, f)
	}
	return out, nil
}

// elementsOf is a finding's elements; a finding made before elements
// existed (a cached report of an older release) has its Affects as scopes.
func elementsOf(f compat.Finding) []compat.Element {
	if len(f.Elements) > 0 {
		return f.Elements
	}
	out := make([]compat.Element, len(f.Affects))
	for i, a := range f.Affects {
		out[i] = compat.Element{Scope: a, Location: f.Location}
	}
	return out
}

// expectations lists an expectations document's elements, once per run.
func (r *reliance) expectations(ctx context.Context, d registry.Doc) (expectation, error) {
	r.mu.Lock()
	ex, ok := r.expect[d.Hash]
	r.mu.Unlock()
	if ok {
		return ex, nil
	}
	doc, err := r.cmp.openapi(ctx, d, newMark)
	if err != nil {
		return expectation{}, err
	}
	els, err := oacheck.Elements(ctx, doc)
	if err != nil {
		return expectation{}, err
	}
	ex = expectation{keys: map[string]bool{}, scopes: map[string]bool{}, inner: map[string]bool{}}
	for _, e := range els {
		k := e.Key()
		ex.keys[k] = true
		ex.scopes[compat.ScopeKey(e.Scope)] = true
		for p := parentKey(k); p != ""; p = parentKey(p) {
			ex.inner[p] = true
		}
	}
	r.mu.Lock()
	if r.expect == nil {
		r.expect = map[string]expectation{}
	}
	r.expect[d.Hash] = ex
	r.mu.Unlock()
	return ex, nil
}

// covers reports whether the expectations list e: e itself, a place above
// it that is listed whole (nothing below it), or a place below it.
func (ex expectation) covers(e compat.Element) bool {
	if !ex.scopes[compat.ScopeKey(e.Scope)] {
		return false
	}
	k := e.Key()
	if ex.keys[k] {
		return true
	}
	if ex.inner[k] {
		return true // something below e is listed: e is the way to it
	}
	for p := parentKey(k); p != ""; p = parentKey(p) {
		if ex.keys[p] && !ex.inner[p] && strings.Contains(p, " property ") {
			return true // a property listed whole, e lies inside it
		}
	}
	return false
}

// parentKey is the key of the element that holds k: a property path loses
// its last step (`… property a.b` → `… property a`, then the part), a part
// its last word down to the scope; "" above the scope.
func parentKey(k string) string {
	if i := strings.Index(k, " property "); i >= 0 {
		path := k[i+len(" property "):]
		if j := strings.LastIndexAny(path, ".["); j > 0 {
			return k[:i] + " property " + path[:j]
		}
		return k[:i]
	}
	fields := strings.Fields(k)
	// The scope of an HTTP operation is two words (METHOD /path).
	min := 1
	if len(fields) >= 2 && strings.HasPrefix(fields[1], "/") {
		min = 2
	}
	if len(fields) <= min {
		return ""
	}
	return strings.Join(fields[:len(fields)-1], " ")
}

// reliesOn says in words what a consumption relies on.
func reliesOn(c registry.Consumption) string {
	switch {
	case c.Expectations != nil:
		return "the operations and fields in " + c.ExpectationsPath
	case len(c.Uses) > 0 && len(c.Messages) > 0:
		return strings.Join(c.Uses, ", ") + "; messages " + strings.Join(c.Messages, ", ")
	case len(c.Uses) > 0:
		return strings.Join(c.Uses, ", ")
	case len(c.Messages) > 0:
		return "messages " + strings.Join(c.Messages, ", ")
	}
	return "everything"
}
