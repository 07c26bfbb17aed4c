package openapi

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

var templateVar = regexp.MustCompile(`\{[^{}]*\}`)

// param is an effective parameter of an operation.
type param struct {
	p   *openapi3.Parameter
	key string
}

// paramKey identifies a parameter across versions: path parameters by
// their position in the template (their names may change freely), headers
// case-insensitively, others by location and name.
func paramKey(path string, p *openapi3.Parameter) string {
	switch p.In {
	case openapi3.ParameterInPath:
		for i, v := range templateVar.FindAllString(path, -1) {
			if v[1:len(v)-1] == p.Name {
				return fmt.Sprintf("path#%d", i)
			}
		}
		return "path:" + p.Name
	case openapi3.ParameterInHeader:
		return "header:" + strings.ToLower(p.Name)
	}
	return p.In + ":" + p.Name
}

// effectiveParams merges path-level and operation-level parameters; the
// operation's win for the same location and name.
func effectiveParams(path string, item *openapi3.PathItem, op *openapi3.Operation) map[string]param {
	out := map[string]param{}
	for _, list := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, r := range list {
			if r == nil || r.Value == nil {
				continue
			}
			k := paramKey(path, r.Value)
			out[k] = param{r.Value, k}
		}
	}
	return out
}

// paramSchema is a parameter's schema, from schema or from its content.
func paramSchema(p *openapi3.Parameter) *openapi3.SchemaRef {
	if p.Schema != nil {
		return p.Schema
	}
	for _, k := range sortedKeys(p.Content) {
		if mt := p.Content[k]; mt != nil && mt.Schema != nil {
			return mt.Schema
		}
	}
	return nil
}

// style is a parameter's effective serialization.
func style(p *openapi3.Parameter) (string, bool) {
	s := p.Style
	if s == "" {
		switch p.In {
		case openapi3.ParameterInQuery, openapi3.ParameterInCookie:
			s = "form"
		default:
			s = "simple"
		}
	}
	explode := s == "form"
	if p.Explode != nil {
		explode = *p.Explode
	}
	return s, explode
}

func (c *checker) parameters(oc opCtx, o, n pathEntry, oop, nop *openapi3.Operation) {
	op, np := effectiveParams(o.path, o.item, oop), effectiveParams(n.path, n.item, nop)
	// A parameter that moves location keeps its name: pair those first.
	moved := map[string]bool{}
	for _, k := range sortedKeys(op) {
		if _, ok := np[k]; ok {
			continue
		}
		old := op[k].p
		for _, nk := range sortedKeys(np) {
			if _, ok := op[nk]; ok || moved[nk] {
				continue
			}
			if nw := np[nk].p; strings.EqualFold(nw.Name, old.Name) && nw.In != old.In {
				moved[nk], moved[k] = true, true
				c.note(oc, "PARAMETER_LOCATION_CHANGED", paramPart(old),
					fmt.Sprintf("moved from the %s to the %s as %s", old.In, nw.In, nw.Name), orLoc(c.new.Location(nw.Origin), oc.nloc))
				break
			}
		}
	}
	for _, k := range sortedKeys(op) {
		old := op[k].p
		nw, ok := np[k]
		if !ok {
			if !moved[k] {
				c.note(oc, "PARAMETER_REMOVED", paramPart(old), "was removed, so the provider ignores or refuses it", orLoc(c.old.Location(old.Origin), oc.oloc))
			}
			continue
		}
		p := nw.p
		loc := orLoc(c.new.Location(p.Origin), oc.nloc)
		ctx := paramPart(p)
		if p.In == openapi3.ParameterInPath {
			ctx = paramPart(old)
		}
		switch {
		case !old.Required && p.Required:
			c.note(oc, "PARAMETER_MADE_REQUIRED", ctx, "became required", orLoc(c.new.FieldLocation(p.Origin, "required"), loc))
		case old.Required && !p.Required:
			c.note(oc, "PARAMETER_MADE_OPTIONAL", ctx, "became optional", orLoc(c.new.FieldLocation(p.Origin, "required"), loc))
		}
		os, oe := style(old)
		ns, ne := style(p)
		complexType := false
		if s := paramSchema(p); s != nil && s.Value != nil {
			ts, _ := types(s.Value)
			complexType = has(ts, openapi3.TypeArray) || has(ts, openapi3.TypeObject)
		}
		if os != ns || (oe != ne && complexType) {
			c.note(oc, "PARAMETER_STYLE_CHANGED", ctx,
				fmt.Sprintf("changed serialization from style %s explode %t to style %s explode %t", os, oe, ns, ne), orLoc(c.new.FieldLocation(p.Origin, "style"), loc))
		}
		// Changes without a position of their own (converted Swagger
		// parameters) point at the parameter rather than the operation.
		poc := oc
		poc.nloc, poc.oloc = loc, orLoc(c.old.Location(old.Origin), oc.oloc)
		m := textMode
		switch {
		case p.Schema == nil:
			m = jsonMode // content: the value is a serialized document
		case ne && (ns == "form" || ns == "matrix" || ns == "deepObject"):
			m = explodedMode
		}
		c.schemaRoot(poc, ctx, paramSchema(old), paramSchema(p), oc.dir(request), m)
	}
	for _, k := range sortedKeys(np) {
		if _, ok := op[k]; ok || moved[k] {
			continue
		}
		p := np[k].p
		loc := orLoc(c.new.Location(p.Origin), oc.nloc)
		if p.Required {
			c.note(oc, "PARAMETER_REQUIRED_ADDED", paramPart(p), "was added as required", loc)
		} else {
			c.note(oc, "PARAMETER_OPTIONAL_ADDED", paramPart(p), "was added as optional", loc)
		}
	}
}

// mediaKey normalises a media type for pairing: lower case, no parameters.
func mediaKey(mt string) string {
	mt, _, _ = strings.Cut(mt, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

func mediaIndex(c openapi3.Content) (map[string]*openapi3.MediaType, spelling) {
	normal := true
	for k, mt := range c {
		if mt == nil || mediaKey(k) != k {
			normal = false
			break
		}
	}
	if normal {
		return c, nil // the usual case: no copy
	}
	m := map[string]*openapi3.MediaType{}
	names := spelling{}
	for _, k := range sortedKeys(c) {
		mk := mediaKey(k)
		if _, dup := m[mk]; !dup && c[k] != nil {
			m[mk], names[mk] = c[k], k
		}
	}
	return m, names
}

// spelling maps a normalised key to the document's spelling of it; keys
// spelled as normalised are left out.
type spelling map[string]string

// of returns the document's spelling of normalised key k.
func (s spelling) of(k string) string {
	if v, ok := s[k]; ok {
		return v
	}
	return k
}

func mediaWildcard(k string) bool { return strings.HasSuffix(k, "/*") }

// mediaCovers reports whether media range wide ("*/*", "application/*")
// includes media type k.
func mediaCovers(wide, k string) bool {
	switch {
	case wide == k, wide == "*/*":
		return true
	case strings.HasSuffix(wide, "/*"):
		return strings.HasPrefix(k, strings.TrimSuffix(wide, "*"))
	}
	return false
}

// coveringMedia is a wildcard key of m that includes k, "" when none.
func coveringMedia(m map[string]*openapi3.MediaType, k string) string {
	for _, w := range sortedKeys(m) {
		if mediaWildcard(w) && mediaCovers(w, k) {
			return w
		}
	}
	return ""
}

func mediaSchema(mt *openapi3.MediaType) *openapi3.SchemaRef {
	if mt == nil {
		return nil
	}
	return mt.Schema
}

// media compares the schemas of one media type; a schema given on one side
// only constrains, or stops constraining, what the media type holds.
func (c *checker) media(oc opCtx, partName string, o, n *openapi3.MediaType, d dir) {
	os, ns := mediaSchema(o), mediaSchema(n)
	switch {
	case os == nil && ns != nil:
		c.note(oc, constraint("SCHEMA", narrowed, d), partName, "now has a schema, so content it does not describe is no longer valid", orLoc(c.new.FieldLocation(n.Origin, "schema"), oc.nloc))
	case os != nil && ns == nil:
		c.note(oc, constraint("SCHEMA", widened, d), partName, "no longer has a schema, so any content is valid", orLoc(c.new.Location(n.Origin), oc.nloc))
	default:
		c.schemaRoot(oc, partName, os, ns, d, jsonMode)
	}
}

func (c *checker) requestBody(oc opCtx, oop, nop *openapi3.Operation) {
	var ob, nb *openapi3.RequestBody
	if oop.RequestBody != nil {
		ob = oop.RequestBody.Value
	}
	if nop.RequestBody != nil {
		nb = nop.RequestBody.Value
	}
	switch {
	case ob == nil && nb == nil:
		return
	case ob == nil && nb.Required:
		c.note(oc, "REQUEST_BODY_REQUIRED_ADDED", "request", "body was added as required", orLoc(c.new.Location(nb.Origin), oc.nloc))
		return
	case ob == nil:
		c.note(oc, "REQUEST_BODY_OPTIONAL_ADDED", "request", "body was added as optional", orLoc(c.new.Location(nb.Origin), oc.nloc))
		return
	case nb == nil:
		c.note(oc, "REQUEST_BODY_REMOVED", "request", "body was removed", orLoc(c.old.Location(ob.Origin), oc.oloc))
		return
	}
	nloc := orLoc(c.new.Location(nb.Origin), oc.nloc)
	switch {
	case !ob.Required && nb.Required:
		c.note(oc, "REQUEST_BODY_MADE_REQUIRED", "request", "body became required", orLoc(c.new.FieldLocation(nb.Origin, "required"), nloc))
	case ob.Required && !nb.Required:
		c.note(oc, "REQUEST_BODY_MADE_OPTIONAL", "request", "body became optional", nloc)
	}
	om, onames := mediaIndex(ob.Content)
	nm, nnames := mediaIndex(nb.Content)
	for _, k := range sortedKeys(om) {
		nmt, ok := nm[k]
		if !ok {
			// A new wildcard that covers the old type still accepts it.
			if w := coveringMedia(nm, k); w != "" {
				c.media(oc, "request "+nnames.of(w), om[k], nm[w], oc.dir(request))
				continue
			}
			c.note(oc, "REQUEST_MEDIA_TYPE_REMOVED", "request "+onames.of(k), "is no longer accepted as a media type", orLoc(c.old.Location(om[k].Origin), oc.oloc))
			continue
		}
		c.media(oc, "request "+nnames.of(k), om[k], nmt, oc.dir(request))
	}
	for _, k := range sortedKeys(nm) {
		if _, ok := om[k]; !ok {
			c.note(oc, "REQUEST_MEDIA_TYPE_ADDED", "request "+nnames.of(k), "is now accepted as a media type", orLoc(c.new.Location(nm[k].Origin), nloc))
		}
	}
}

func isSuccess(code string) bool { return strings.HasPrefix(code, "2") }

func responseMap(op *openapi3.Operation) map[string]*openapi3.Response {
	if op.Responses == nil {
		return nil
	}
	m := op.Responses.Map()
	out := make(map[string]*openapi3.Response, len(m))
	for code, r := range m {
		if r != nil && r.Value != nil {
			out[statusKey(code)] = r.Value
		}
	}
	return out
}

// statusKey spells a response status for pairing and elements: ranges in
// upper case (2XX), default in lower case, as the specification writes them.
func statusKey(code string) string {
	if strings.EqualFold(code, "default") {
		return "default"
	}
	return strings.ToUpper(code)
}

func (c *checker) responses(oc opCtx, oop, nop *openapi3.Operation) {
	or, nr := responseMap(oop), responseMap(nop)
	// A status the new version documents only through its range (200 under
	// 2XX) is still documented: compare it with the range.
	rangeOf := func(code string) (string, bool) {
		if len(code) == 3 {
			r := code[:1] + "XX"
			if _, ok := nr[r]; ok {
				return r, true
			}
		}
		return "", false
	}
	var oldSuccess, keptSuccess, newSuccess []string
	for _, code := range sortedKeys(or) {
		if isSuccess(code) {
			oldSuccess = append(oldSuccess, code)
			_, ok := nr[code]
			if _, inRange := rangeOf(code); ok || inRange {
				keptSuccess = append(keptSuccess, code)
			}
		}
	}
	for _, code := range sortedKeys(nr) {
		if _, ok := or[code]; !ok && isSuccess(code) {
			newSuccess = append(newSuccess, code)
		}
	}
	replaced := len(oldSuccess) > 0 && len(keptSuccess) == 0
	if replaced {
		what := "was removed, leaving no success status a client of the old version handles"
		if len(newSuccess) > 0 {
			what = fmt.Sprintf("was replaced by %s", strings.Join(newSuccess, ", "))
		}
		loc := oc.nloc
		if nop.Responses != nil {
			loc = orLoc(c.new.Location(nop.Responses.Origin), loc)
		}
		if len(newSuccess) > 0 {
			loc = orLoc(c.new.Location(nr[newSuccess[0]].Origin), loc)
		}
		c.note(oc, "RESPONSE_SUCCESS_STATUS_REPLACED", "response "+oldSuccess[0], plural(len(oldSuccess), "", "and the other success statuses "+strings.Join(oldSuccess[1:], ", ")+" ")+what, loc)
	}
	for _, code := range sortedKeys(or) {
		o := or[code]
		n, ok := nr[code]
		if r, inRange := rangeOf(code); !ok && inRange {
			n, ok = nr[r], true
		}
		if !ok {
			if !(replaced && isSuccess(code)) {
				c.note(oc, "RESPONSE_STATUS_REMOVED", "response "+code, "was removed", orLoc(c.old.Location(o.Origin), oc.oloc))
			}
			continue
		}
		c.response(oc, code, o, n)
	}
	for _, code := range sortedKeys(nr) {
		if _, ok := or[code]; ok {
			continue
		}
		loc := orLoc(c.new.Location(nr[code].Origin), oc.nloc)
		// A range that takes over a status the old version listed (2XX
		// for 200) documents what clients already handle.
		takesOver := false
		if strings.HasSuffix(code, "XX") {
			for oldCode := range or {
				if len(oldCode) == 3 && oldCode[0] == code[0] {
					if _, kept := nr[oldCode]; !kept {
						takesOver = true
					}
				}
			}
		}
		switch {
		case replaced && isSuccess(code):
		case isSuccess(code) && !takesOver:
			c.note(oc, "RESPONSE_SUCCESS_STATUS_ADDED", "response "+code, "was added, a success status clients of the old version may not handle", loc)
		default:
			c.note(oc, "RESPONSE_STATUS_ADDED", "response "+code, "was added", loc)
		}
	}
}

func headerIndex(h openapi3.Headers) (map[string]*openapi3.Header, spelling) {
	m := map[string]*openapi3.Header{}
	names := spelling{}
	for _, k := range sortedKeys(h) {
		if h[k] == nil || h[k].Value == nil {
			continue
		}
		lk := strings.ToLower(k)
		if _, dup := m[lk]; !dup {
			m[lk], names[lk] = h[k].Value, k
		}
	}
	return m, names
}

func (c *checker) response(oc opCtx, code string, o, n *openapi3.Response) {
	nloc := orLoc(c.new.Location(n.Origin), oc.nloc)
	oh, onames := headerIndex(o.Headers)
	nh, nnames := headerIndex(n.Headers)
	for _, k := range sortedKeys(oh) {
		h := oh[k]
		nw, ok := nh[k]
		ctx := "response " + code + " header " + onames.of(k)
		switch {
		case !ok && h.Required:
			c.note(oc, "RESPONSE_REQUIRED_HEADER_REMOVED", ctx, "was removed", orLoc(c.old.Location(h.Origin), oc.oloc))
			continue
		case !ok:
			c.note(oc, "RESPONSE_OPTIONAL_HEADER_REMOVED", ctx, "was removed", orLoc(c.old.Location(h.Origin), oc.oloc))
			continue
		case h.Required && !nw.Required:
			c.note(oc, "RESPONSE_HEADER_MADE_OPTIONAL", "response "+code+" header "+nnames.of(k), "became optional, so responses may leave it out", orLoc(c.new.Location(nw.Origin), nloc))
		}
		c.schemaRoot(oc, "response "+code+" header "+nnames.of(k), paramSchema(&h.Parameter), paramSchema(&nw.Parameter), oc.dir(response), textMode)
	}
	for _, k := range sortedKeys(nh) {
		if _, ok := oh[k]; !ok {
			c.note(oc, "RESPONSE_HEADER_ADDED", "response "+code+" header "+nnames.of(k), "was added", orLoc(c.new.Location(nh[k].Origin), nloc))
		}
	}
	om, onm := mediaIndex(o.Content)
	nm, nnm := mediaIndex(n.Content)
	covered := map[string]bool{}
	for _, k := range sortedKeys(om) {
		nmt, ok := nm[k]
		if !ok {
			// An old wildcard promised any matching type: clients of it read
			// what the new version sends under a type it covers.
			if mediaWildcard(k) {
				matched := false
				for _, nk := range sortedKeys(nm) {
					if _, inOld := om[nk]; !inOld && mediaCovers(k, nk) {
						matched, covered[nk] = true, true
						c.media(oc, "response "+code+" "+nnm.of(nk), om[k], nm[nk], oc.dir(response))
					}
				}
				if matched {
					continue
				}
			}
			c.note(oc, "RESPONSE_MEDIA_TYPE_REMOVED", "response "+code+" "+onm.of(k), "is no longer sent as a media type", orLoc(c.old.Location(om[k].Origin), oc.oloc))
			continue
		}
		c.media(oc, "response "+code+" "+nnm.of(k), om[k], nmt, oc.dir(response))
	}
	for _, k := range sortedKeys(nm) {
		if _, ok := om[k]; !ok && !covered[k] {
			c.note(oc, "RESPONSE_MEDIA_TYPE_ADDED", "response "+code+" "+nnm.of(k), "was added as a media type", orLoc(c.new.Location(nm[k].Origin), nloc))
		}
	}
}

// alternatives is an operation's effective security: the operation's own
// requirements, or the document's. Each alternative is a set of schemes with
// their scopes; no requirement at all is one empty alternative (anonymous).
func alternatives(doc *openapi3.T, op *openapi3.Operation) []openapi3.SecurityRequirement {
	var reqs openapi3.SecurityRequirements
	if op.Security != nil {
		reqs = *op.Security
	} else {
		reqs = doc.Security
	}
	if len(reqs) == 0 {
		return []openapi3.SecurityRequirement{{}}
	}
	return reqs
}

func secName(r openapi3.SecurityRequirement) string {
	if len(r) == 0 {
		return "none (anonymous access)"
	}
	var parts []string
	for _, k := range sortedKeys(r) {
		s := append([]string(nil), r[k]...)
		sort.Strings(s)
		if len(s) > 0 {
			parts = append(parts, k+" ["+strings.Join(s, ", ")+"]")
		} else {
			parts = append(parts, k)
		}
	}
	return strings.Join(parts, " + ")
}

// satisfies reports whether a client meeting requirement have also meets
// requirement want: every scheme of want, with its scopes, is in have.
func satisfies(have, want openapi3.SecurityRequirement) bool {
	for scheme, scopes := range want {
		hs, ok := have[scheme]
		if !ok {
			return false
		}
		for _, s := range scopes {
			if !has(hs, s) {
				return false
			}
		}
	}
	return true
}

func (c *checker) security(oc opCtx, oop, nop *openapi3.Operation) {
	oa, na := alternatives(c.old.T, oop), alternatives(c.new.T, nop)
	loc := orLoc(c.new.FieldLocation(nop.Origin, "security"), oc.nloc)
	oldNames := map[string]bool{}
	for _, a := range oa {
		oldNames[secName(a)] = true
		ok := false
		for _, b := range na {
			if satisfies(a, b) {
				ok = true
				break
			}
		}
		if !ok {
			c.note(oc, "SECURITY_NARROWED", "security", "requirement "+secName(a)+" is no longer accepted", loc)
		}
	}
	for _, b := range na {
		if !oldNames[secName(b)] {
			c.note(oc, "SECURITY_WIDENED", "security", "requirement "+secName(b)+" is now accepted", loc)
		}
	}
	// A scheme used on both sides must still take the same credentials.
	used := map[string]bool{}
	for _, a := range oa {
		for name := range a {
			used[name] = true
		}
	}
	for _, b := range na {
		for name := range b {
			if !used[name] {
				continue
			}
			used[name] = false // once per scheme
			os, ns := scheme(c.old.T, name), scheme(c.new.T, name)
			if os == nil || ns == nil {
				continue
			}
			if what := schemeChange(os, ns); what != "" {
				c.note(oc, "SECURITY_SCHEME_CHANGED", "security", "scheme "+name+" "+what, orLoc(c.new.Location(ns.Origin), loc))
			}
		}
	}
}

func scheme(t *openapi3.T, name string) *openapi3.SecurityScheme {
	if t.Components == nil {
		return nil
	}
	if r := t.Components.SecuritySchemes[name]; r != nil {
		return r.Value
	}
	return nil
}

// schemeChange says how a security scheme changed what credentials clients
// send and where, or "" when it did not.
func schemeChange(o, n *openapi3.SecurityScheme) string {
	switch {
	case !strings.EqualFold(o.Type, n.Type):
		return fmt.Sprintf("changed type from %s to %s", o.Type, n.Type)
	case o.In != n.In:
		return fmt.Sprintf("moved its credential from the %s to the %s", o.In, n.In)
	case o.In == "header" && !strings.EqualFold(o.Name, n.Name), o.In != "header" && o.Name != n.Name:
		return fmt.Sprintf("now reads its credential from %s instead of %s", n.Name, o.Name)
	case !strings.EqualFold(o.Scheme, n.Scheme):
		return fmt.Sprintf("changed HTTP scheme from %s to %s", o.Scheme, n.Scheme)
	}
	return ""
}
