package openapi

import (
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contractgate/contracts/compat"
)

// dir says who writes a schema: the client (request) or the provider
// (response). The reader must accept all the writer can send, so a request
// may widen and a response may narrow. In a webhook or callback the
// provider writes the request and the subscriber the response, so there
// the request's schemas are compared as responses and the other way round.
type dir int

const (
	request dir = iota
	response
)

// String names the direction.
func (d dir) String() string {
	if d == request {
		return "request"
	}
	return "response"
}

// flip is the other direction.
func (d dir) flip() dir { return 1 - d }

// effect is how the set of values a schema accepts changed.
type effect int

const (
	narrowed effect = iota + 1 // new accepts less
	widened                    // new accepts more
	changed                    // neither contains the other
)

// change is one change of a compared pair: path is "" for the pair's
// schema itself or a segment below it (a property name), and what is the
// predicate of the sentence.
type change struct {
	rule string
	path string
	what string
	loc  compat.Location
}

// constraint picks the rule for a change of kind (TYPE, ENUM, MAX, …) with
// the given effect in direction d: a request that accepts less and a
// response that may send more are the harmful sides; "changed" is both.
func constraint(kind string, e effect, d dir) string {
	switch {
	case d == request && e == widened:
		return "REQUEST_" + kind + "_WIDENED"
	case d == request:
		return "REQUEST_" + kind + "_NARROWED"
	case e == narrowed:
		return "RESPONSE_" + kind + "_NARROWED"
	}
	return "RESPONSE_" + kind + "_WIDENED"
}

// cmp compares one pair of normalised schemas. It records the pair's own
// changes and links to the pairs of its subschemas; it never recurses.
type cmp struct {
	c      *checker
	id     int32
	d      dir
	pol    polarity
	mode   mode
	os, ns *openapi3.Schema
	out    []change
}

func (p *cmp) nl(field string) compat.Location { return p.c.new.FieldLocation(p.ns.Origin, field) }
func (p *cmp) ol(field string) compat.Location { return p.c.old.FieldLocation(p.os.Origin, field) }

// add records a change of a constraint kind whose effect on this schema is
// e; the polarity turns it into its effect where the comparison started.
func (p *cmp) add(kind string, e effect, what string, loc compat.Location) {
	p.addAt(kind, e, "", what, loc)
}

func (p *cmp) addAt(kind string, e effect, path, what string, loc compat.Location) {
	p.out = append(p.out, change{rule: constraint(kind, p.pol.apply(e), p.d), path: path, what: what, loc: loc})
}

// fixed records a change under a rule of its own. Inside not or if, where
// such a rule's meaning turns around, it is reported as a change of the
// enclosing keyword instead.
func (p *cmp) fixed(rule, path, what string, loc compat.Location) {
	switch p.pol {
	case negated:
		rule = constraint("NOT", changed, p.d)
	case either:
		rule = constraint("CONDITIONAL", changed, p.d)
	}
	p.out = append(p.out, change{rule: rule, path: path, what: what, loc: loc})
}

// link pairs a subschema of each side under seg.
func (p *cmp) link(seg string, o, n *openapi3.SchemaRef) { p.linkAs(seg, o, n, positive) }

func (p *cmp) linkAs(seg string, o, n *openapi3.SchemaRef, pol polarity) {
	to := p.c.pair(o, n, pairKey{d: p.d, pol: p.pol.compose(pol), mode: p.mode})
	if to >= 0 {
		p.c.nodes[p.id].edges = append(p.c.nodes[p.id].edges, edge{seg, to})
	}
}

// presence compares a keyword present on one side only: added narrows,
// removed widens. It reports whether the keyword is on both sides.
func (p *cmp) presence(kind string, o, n bool, added, removed string, loc compat.Location) bool {
	switch {
	case o && !n:
		p.add(kind, widened, removed, loc)
	case !o && n:
		p.add(kind, narrowed, added, loc)
	}
	return o && n
}

func (p *cmp) compare() {
	os, ns := p.os, p.ns
	// The false schema accepts nothing.
	if of, nf := isFalse(os), isFalse(ns); of || nf {
		switch {
		case of && nf:
		case nf:
			p.add("TYPE", narrowed, "now accepts no value at all (false)", p.nl(""))
		default:
			p.add("TYPE", widened, "now accepts values (it was false)", p.nl(""))
		}
		return
	}
	if p.alternativesOnOneSide() {
		return
	}
	if !p.types() {
		return
	}
	p.format()
	p.enum()
	p.bounds()
	p.content()

	// Objects.
	p.properties()
	p.dependentRequired()
	p.additional()
	p.patternProperties()
	p.discriminator()
	for _, kw := range []struct {
		kind, seg  string
		o, n       *openapi3.SchemaRef
		add, gone  string
		field, key string
	}{
		{"PROPERTY_NAMES", "(propertyNames)", os.PropertyNames, ns.PropertyNames, "now constrains property names (propertyNames)", "no longer constrains property names (propertyNames)", "propertyNames", ""},
		{"CONTAINS", "[contains]", os.Contains, ns.Contains, "now requires an item matching contains", "no longer requires an item matching contains", "contains", ""},
	} {
		if p.presence(kw.kind, kw.o != nil, kw.n != nil, kw.add, kw.gone, firstLoc(p.nl(kw.field), p.nl(""))) {
			p.link(kw.seg, kw.o, kw.n)
		}
	}
	for _, k := range sortedKeys(os.DependentSchemas) {
		if n, ok := ns.DependentSchemas[k]; ok {
			p.link(dependentSeg(k), os.DependentSchemas[k], n)
		} else {
			p.add("DEPENDENT_SCHEMAS", widened, fmt.Sprintf("no longer applies a schema when property %s is present (dependentSchemas)", k), firstLoc(p.nl("dependentSchemas"), p.nl("")))
		}
	}
	for _, k := range sortedKeys(ns.DependentSchemas) {
		if _, ok := os.DependentSchemas[k]; !ok {
			p.add("DEPENDENT_SCHEMAS", narrowed, fmt.Sprintf("now applies a schema when property %s is present (dependentSchemas)", k), firstLoc(p.nl("dependentSchemas"), p.nl("")))
		}
	}
	p.unevaluated("UNEVALUATED_PROPERTIES", "unevaluatedProperties", "(unevaluatedProperties)", os.UnevaluatedProperties, ns.UnevaluatedProperties)

	// Arrays.
	p.items()
	p.containsBounds()
	p.unevaluated("UNEVALUATED_ITEMS", "unevaluatedItems", "[unevaluated]", os.UnevaluatedItems, ns.UnevaluatedItems)

	// Alternatives and conditions.
	p.variants("oneOf", os.OneOf, ns.OneOf)
	p.variants("anyOf", os.AnyOf, ns.AnyOf)
	p.ambiguous()
	if p.presence("NOT", os.Not != nil, ns.Not != nil, "now refuses values matching a not schema", "no longer refuses values matching its not schema", firstLoc(p.nl("not"), p.nl(""))) {
		p.linkAs("(not)", os.Not, ns.Not, negated)
	}
	p.conditional()
}

func isFalse(s *openapi3.Schema) bool { return s.Always != nil && !*s.Always }

// types compares type and nullability; false means the types changed so
// much that nothing else is worth comparing.
func (p *cmp) types() bool {
	os, ns := p.os, p.ns
	ot, onull := types(os)
	nt, nnull := types(ns)
	oldIn, newIn := covers(nt, ot), covers(ot, nt)
	if p.mode != jsonMode {
		oldIn, newIn = textCovers(ns, nt, os, ot, p.mode), textCovers(os, ot, ns, nt, p.mode)
	}
	if !oldIn || !newIn {
		e := changed
		switch {
		case oldIn:
			e = widened
		case newIn:
			e = narrowed
		}
		p.add("TYPE", e, fmt.Sprintf("changed type from %s to %s", typeName(ot), typeName(nt)), p.nl("type"))
		if e == changed {
			return false
		}
	}
	if p.mode != jsonMode {
		// A single value is also the text of an array of one: compare it
		// with the items that now hold it.
		switch {
		case !has(ot, openapi3.TypeArray) && has(nt, openapi3.TypeArray) && len(ot) > 0:
			p.link("[]", &openapi3.SchemaRef{Value: os}, ns.Items)
		case has(ot, openapi3.TypeArray) && !has(nt, openapi3.TypeArray) && len(nt) > 0:
			p.link("[]", os.Items, &openapi3.SchemaRef{Value: ns})
		}
	}
	if onull != nnull && p.mode == jsonMode {
		loc := firstLoc(p.nl("nullable"), p.nl("type"), p.nl("oneOf"), p.nl("anyOf"))
		if nnull {
			p.add("NULLABLE", widened, "became nullable", loc)
		} else {
			p.add("NULLABLE", narrowed, "is no longer nullable", loc)
		}
	}
	return true
}

// textCovers reports whether parameter text valid for the narrow schema is
// valid for the wide one: any text is a string (an array or object too,
// unless it travels exploded as repeated keys), an integer's text is a
// number's, and a single value is an array of one.
func textCovers(wide *openapi3.Schema, wt []string, narrow *openapi3.Schema, nt []string, m mode) bool {
	if len(wt) == 0 {
		return true
	}
	if len(nt) == 0 {
		return false
	}
	var itemTypes []string
	if has(wt, openapi3.TypeArray) && wide.Items != nil && wide.Items.Value != nil {
		itemTypes, _ = types(wide.Items.Value)
	}
	for _, t := range nt {
		switch {
		case accepts(wt, t):
		case t != openapi3.TypeArray && t != openapi3.TypeObject && has(wt, openapi3.TypeString):
		case m == textMode && has(wt, openapi3.TypeString):
		case t != openapi3.TypeArray && t != openapi3.TypeObject && has(wt, openapi3.TypeArray) &&
			(accepts(itemTypes, t) || has(itemTypes, openapi3.TypeString)):
		default:
			return false
		}
	}
	return true
}

func (p *cmp) format() {
	os, ns := p.os, p.ns
	ot, _ := types(os)
	nt, _ := types(ns)
	of, nf := implicitFormat(ot, os.Format), implicitFormat(nt, ns.Format)
	if of == nf {
		return
	}
	e := changed
	switch {
	case nf == "":
		e = widened
	case of == "":
		e = narrowed
	case wideningFormat[of+">"+nf]:
		e = widened
	case wideningFormat[nf+">"+of]:
		e = narrowed
	}
	p.add("FORMAT", e, fmt.Sprintf("changed format from %s to %s", orNone(os.Format), orNone(ns.Format)), firstLoc(p.nl("format"), p.nl("")))
}

// maxListed is how many values a message names before "and N more".
const maxListed = 10

// andList joins names as a sentence does: a, b and c.
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// listed names values, the first maxListed of them, counting the rest.
func listed(vals []string) string {
	if len(vals) <= maxListed {
		return strings.Join(vals, ", ")
	}
	return strings.Join(vals[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(vals)-maxListed)
}

func (p *cmp) enum() {
	os, ns := p.os, p.ns
	oe, ne := enumOf(os), enumOf(ns)
	if len(oe) == 0 && len(ne) == 0 {
		return
	}
	key := enumKey
	if p.mode != jsonMode {
		key = textKey // a parameter's 1 and "1" are the same text
	}
	om, okeys := enumSet(oe, key)
	nm, nkeys := enumSet(ne, key)
	loc := firstLoc(p.nl("enum"), p.nl("const"), p.nl(""))
	names := func(m map[string]string, keys []string) string {
		s := make([]string, len(keys))
		for i, k := range keys {
			s[i] = m[k]
		}
		return listed(s)
	}
	switch {
	case len(okeys) == 0 && len(nkeys) == 0:
		return
	case len(okeys) == 0:
		p.add("ENUM", narrowed, fmt.Sprintf("is now restricted to the %s %s", plural(len(nkeys), "value", "values"), names(nm, nkeys)), loc)
		return
	case len(nkeys) == 0:
		p.add("ENUM", widened, fmt.Sprintf("is no longer restricted to the %s %s", plural(len(okeys), "value", "values"), names(om, okeys)), p.nl(""))
		return
	}
	var removed, added []string
	for _, k := range okeys {
		if _, ok := nm[k]; !ok {
			removed = append(removed, k)
		}
	}
	for _, k := range nkeys {
		if _, ok := om[k]; !ok {
			added = append(added, k)
		}
	}
	if len(removed) > 0 {
		p.add("ENUM", narrowed, fmt.Sprintf("no longer allows the enum %s %s", plural(len(removed), "value", "values"), names(om, removed)), loc)
	}
	if len(added) > 0 {
		p.add("ENUM", widened, fmt.Sprintf("gained the enum %s %s", plural(len(added), "value", "values"), names(nm, added)), loc)
	}
}

func (p *cmp) bounds() {
	os, ns := p.os, p.ns
	nl := p.nl
	ob, nb := upper(os), upper(ns)
	if e := cmpUpper(ob, nb); e != 0 {
		p.add("MAX", e, fmt.Sprintf("changed maximum from %s to %s", ob, nb), firstLoc(nl("maximum"), nl("exclusiveMaximum"), nl("")))
	}
	ob, nb = lower(os), lower(ns)
	if e := cmpLower(ob, nb); e != 0 {
		p.add("MIN", e, fmt.Sprintf("changed minimum from %s to %s", ob, nb), firstLoc(nl("minimum"), nl("exclusiveMinimum"), nl("")))
	}
	maxes := []struct {
		kind, field string
		o, n        *uint64
	}{
		{"MAX_LENGTH", "maxLength", os.MaxLength, ns.MaxLength},
		{"MAX_ITEMS", "maxItems", os.MaxItems, ns.MaxItems},
		{"MAX_PROPERTIES", "maxProperties", os.MaxProps, ns.MaxProps},
	}
	for _, m := range maxes {
		if e := cmpMaxInt(m.o, m.n); e != 0 {
			p.add(m.kind, e, fmt.Sprintf("changed %s from %s to %s", m.field, uintStr(m.o), uintStr(m.n)), firstLoc(nl(m.field), nl("")))
		}
	}
	mins := []struct {
		kind, field string
		o, n        uint64
	}{
		{"MIN_LENGTH", "minLength", os.MinLength, ns.MinLength},
		{"MIN_ITEMS", "minItems", os.MinItems, ns.MinItems},
		{"MIN_PROPERTIES", "minProperties", os.MinProps, ns.MinProps},
	}
	for _, m := range mins {
		if m.o != m.n {
			p.add(m.kind, minEffect(m.o, m.n), fmt.Sprintf("changed %s from %d to %d", m.field, m.o, m.n), firstLoc(nl(m.field), nl("")))
		}
	}
	if os.UniqueItems != ns.UniqueItems {
		if ns.UniqueItems {
			p.add("UNIQUE_ITEMS", narrowed, "now requires unique items", firstLoc(nl("uniqueItems"), nl("")))
		} else {
			p.add("UNIQUE_ITEMS", widened, "no longer requires unique items", nl(""))
		}
	}
	if e := cmpMultipleOf(os.MultipleOf, ns.MultipleOf); e != 0 {
		p.add("MULTIPLE_OF", e, fmt.Sprintf("changed multipleOf from %s to %s", floatStr(os.MultipleOf), floatStr(ns.MultipleOf)), firstLoc(nl("multipleOf"), nl("")))
	}
	if os.Pattern != ns.Pattern {
		e := changed
		switch {
		case ns.Pattern == "":
			e = widened
		case os.Pattern == "":
			e = narrowed
		}
		p.add("PATTERN", e, fmt.Sprintf("changed pattern from %s to %s", quoteOrNone(os.Pattern), quoteOrNone(ns.Pattern)), firstLoc(nl("pattern"), nl("")))
	}
}

// content compares what a string holds: contentMediaType,
// contentEncoding and contentSchema.
func (p *cmp) content() {
	os, ns := p.os, p.ns
	for _, kw := range []struct{ field, o, n string }{
		{"contentMediaType", os.ContentMediaType, ns.ContentMediaType},
		{"contentEncoding", os.ContentEncoding, ns.ContentEncoding},
	} {
		if kw.o == kw.n {
			continue
		}
		e := changed
		switch {
		case kw.n == "":
			e = widened
		case kw.o == "":
			e = narrowed
		}
		p.add("CONTENT", e, fmt.Sprintf("changed %s from %s to %s", kw.field, orNone(kw.o), orNone(kw.n)), firstLoc(p.nl(kw.field), p.nl("")))
	}
	if p.presence("CONTENT", os.ContentSchema != nil, ns.ContentSchema != nil, "now constrains its decoded content (contentSchema)", "no longer constrains its decoded content (contentSchema)", firstLoc(p.nl("contentSchema"), p.nl(""))) {
		p.link("(contentSchema)", os.ContentSchema, ns.ContentSchema)
	}
}

// items compares array items: items, and prefixItems by position.
func (p *cmp) items() {
	os, ns := p.os, p.ns
	if p.mode != jsonMode && has(typesOnly(os), openapi3.TypeArray) != has(typesOnly(ns), openapi3.TypeArray) {
		return // linked by types
	}
	oi, ni := os.Items != nil && !isTrue(os.Items), ns.Items != nil && !isTrue(ns.Items)
	if p.presence("ITEMS", oi, ni, "now constrains its items", "no longer constrains its items", firstLoc(p.nl("items"), p.nl(""))) {
		p.link("[]", os.Items, ns.Items)
	}
	loc := firstLoc(p.nl("prefixItems"), p.nl(""))
	for i := 0; i < max(len(os.PrefixItems), len(ns.PrefixItems)); i++ {
		switch {
		case i >= len(ns.PrefixItems):
			p.add("PREFIX_ITEMS", widened, fmt.Sprintf("no longer constrains item %d (prefixItems)", i), loc)
		case i >= len(os.PrefixItems):
			p.add("PREFIX_ITEMS", narrowed, fmt.Sprintf("now constrains item %d (prefixItems)", i), loc)
		default:
			p.link(itemSeg(i), os.PrefixItems[i], ns.PrefixItems[i])
		}
	}
}

func isTrue(r *openapi3.SchemaRef) bool {
	return r != nil && r.Value != nil && unconstrained(r.Value)
}

func typesOnly(s *openapi3.Schema) []string {
	ts, _ := types(s)
	return ts
}

// containsBounds compares minContains and maxContains, which apply only
// with contains (minContains defaults to 1 there).
func (p *cmp) containsBounds() {
	os, ns := p.os, p.ns
	if os.Contains == nil || ns.Contains == nil {
		return
	}
	omin, nmin := uint64(1), uint64(1)
	if os.MinContains != nil {
		omin = *os.MinContains
	}
	if ns.MinContains != nil {
		nmin = *ns.MinContains
	}
	if omin != nmin {
		p.add("CONTAINS", minEffect(omin, nmin), fmt.Sprintf("changed minContains from %d to %d", omin, nmin), firstLoc(p.nl("minContains"), p.nl("contains")))
	}
	if e := cmpMaxInt(os.MaxContains, ns.MaxContains); e != 0 {
		p.add("CONTAINS", e, fmt.Sprintf("changed maxContains from %s to %s", uintStr(os.MaxContains), uintStr(ns.MaxContains)), firstLoc(p.nl("maxContains"), p.nl("contains")))
	}
}

// boolState reads additionalProperties, unevaluatedProperties or
// unevaluatedItems: 0 forbids, 1 is a schema, 2 allows anything.
func boolState(a openapi3.BoolSchema) int {
	switch {
	case a.Schema != nil && a.Schema.Value != nil && isFalse(a.Schema.Value):
		return 0
	case a.Schema != nil && a.Schema.Value != nil && !unconstrained(a.Schema.Value):
		return 1
	case a.Has != nil && !*a.Has:
		return 0
	}
	return 2
}

var boolStateNames = [...]string{"false", "a schema", "true"}

func (p *cmp) unevaluated(kind, field, seg string, o, n openapi3.BoolSchema) {
	os2, ns2 := boolState(o), boolState(n)
	loc := firstLoc(p.nl(field), p.nl(""))
	switch {
	case os2 == 1 && ns2 == 1:
		p.link(seg, o.Schema, n.Schema)
	case os2 == ns2:
	case ns2 < os2:
		p.add(kind, narrowed, fmt.Sprintf("changed %s from %s to %s", field, boolStateNames[os2], boolStateNames[ns2]), loc)
	default:
		p.add(kind, widened, fmt.Sprintf("changed %s from %s to %s", field, boolStateNames[os2], boolStateNames[ns2]), loc)
	}
}

// additional compares additionalProperties: absent or true allows anything,
// false nothing, a schema what it accepts.
func (p *cmp) additional() {
	p.unevaluated("ADDITIONAL_PROPERTIES", "additionalProperties", "*", p.os.AdditionalProperties, p.ns.AdditionalProperties)
}

func (p *cmp) patternProperties() {
	os, ns := p.os, p.ns
	loc := firstLoc(p.nl("patternProperties"), p.nl(""))
	for _, k := range sortedKeys(os.PatternProperties) {
		if n, ok := ns.PatternProperties[k]; ok {
			p.link(patternSeg(k), os.PatternProperties[k], n)
		} else {
			p.add("PATTERN_PROPERTIES", widened, fmt.Sprintf("no longer constrains properties matching %q (patternProperties)", k), loc)
		}
	}
	for _, k := range sortedKeys(ns.PatternProperties) {
		if _, ok := os.PatternProperties[k]; !ok {
			p.add("PATTERN_PROPERTIES", narrowed, fmt.Sprintf("now constrains properties matching %q (patternProperties)", k), loc)
		}
	}
}

func (p *cmp) dependentRequired() {
	os, ns := p.os, p.ns
	loc := firstLoc(p.nl("dependentRequired"), p.nl(""))
	keys := map[string]bool{}
	for k := range os.DependentRequired {
		keys[k] = true
	}
	for k := range ns.DependentRequired {
		keys[k] = true
	}
	for _, k := range sortedStrings(keys) {
		o, n := os.DependentRequired[k], ns.DependentRequired[k]
		var more, fewer []string
		for _, x := range n {
			if !has(o, x) {
				more = append(more, x)
			}
		}
		for _, x := range o {
			if !has(n, x) {
				fewer = append(fewer, x)
			}
		}
		if len(more) > 0 {
			p.add("DEPENDENT_REQUIRED", narrowed, fmt.Sprintf("now requires %s when property %s is present (dependentRequired)", listed(more), k), loc)
		}
		if len(fewer) > 0 {
			p.add("DEPENDENT_REQUIRED", widened, fmt.Sprintf("no longer requires %s when property %s is present (dependentRequired)", listed(fewer), k), loc)
		}
	}
}

// conditional compares if/then/else. A change to if moves values between
// then and else, so it is compared as a change both ways.
func (p *cmp) conditional() {
	os, ns := p.os, p.ns
	loc := firstLoc(p.nl("if"), p.nl(""))
	if !p.presence("CONDITIONAL", os.If != nil, ns.If != nil, "gained an if/then/else condition", "lost its if/then/else condition", firstLoc(loc, p.ol("if"))) {
		return
	}
	p.linkAs("(if)", os.If, ns.If, either)
	for _, kw := range []struct {
		name, seg string
		o, n      *openapi3.SchemaRef
	}{{"then", "(then)", os.Then, ns.Then}, {"else", "(else)", os.Else, ns.Else}} {
		if p.presence("CONDITIONAL", kw.o != nil, kw.n != nil, "gained a "+kw.name+" schema", "lost its "+kw.name+" schema", firstLoc(p.nl(kw.name), loc)) {
			p.link(kw.seg, kw.o, kw.n)
		}
	}
}

func (p *cmp) properties() {
	os, ns := p.os, p.ns
	if len(os.Properties) == 0 && len(ns.Properties) == 0 && len(os.Required) == 0 && len(ns.Required) == 0 {
		return
	}
	c, d := p.c, p.d
	hidden := func(r *openapi3.SchemaRef) bool {
		if r == nil || r.Value == nil {
			return false
		}
		if d == request {
			return r.Value.ReadOnly
		}
		return r.Value.WriteOnly
	}
	for _, name := range sortedKeys(os.Properties) {
		op := os.Properties[name]
		np, ok := ns.Properties[name]
		oreq, nreq := has(os.Required, name), has(ns.Required, name)
		if !ok {
			if hidden(op) {
				continue
			}
			loc := propLoc(c.old, os, name, op)
			switch {
			case d == request && boolState(ns.AdditionalProperties) == 0:
				p.fixed("REQUEST_PROPERTY_REMOVED_REFUSED", name, "was removed while additionalProperties is false, so bodies that still send it are refused", loc)
			case d == request:
				p.fixed("REQUEST_PROPERTY_REMOVED", name, "was removed", loc)
			case oreq:
				p.fixed("RESPONSE_REQUIRED_PROPERTY_REMOVED", name, "was removed", loc)
			default:
				p.fixed("RESPONSE_OPTIONAL_PROPERTY_REMOVED", name, "was removed", loc)
			}
			continue
		}
		oh, nh := hidden(op), hidden(np)
		loc := propLoc(c.new, ns, name, np)
		switch {
		case oh && nh:
			continue
		case !oh && nh && d == request:
			p.fixed("REQUEST_PROPERTY_MADE_READ_ONLY", name, "became readOnly, so the provider no longer reads it", loc)
			continue
		case !oh && nh:
			p.fixed("RESPONSE_PROPERTY_MADE_WRITE_ONLY", name, "became writeOnly, so responses no longer carry it", loc)
			continue
		case oh && !nh:
			p.added(name, np)
			continue
		}
		switch {
		case !oreq && nreq && d == request:
			p.fixed("REQUEST_PROPERTY_MADE_REQUIRED", name, "became required", requiredLoc(c.new, ns, name, np))
		case !oreq && nreq:
			p.fixed("RESPONSE_PROPERTY_MADE_REQUIRED", name, "became required", requiredLoc(c.new, ns, name, np))
		case oreq && !nreq && d == request:
			p.fixed("REQUEST_PROPERTY_MADE_OPTIONAL", name, "became optional", loc)
		case oreq && !nreq:
			p.fixed("RESPONSE_PROPERTY_MADE_OPTIONAL", name, "became optional, so it may be left out", loc)
		}
		p.link(name, op, np)
	}
	for _, name := range sortedKeys(ns.Properties) {
		if _, ok := os.Properties[name]; ok {
			continue
		}
		np := ns.Properties[name]
		if hidden(np) {
			continue
		}
		p.added(name, np)
	}
	// Required names without a property declaration still oblige clients.
	if d == request {
		for _, name := range ns.Required {
			if _, ok := ns.Properties[name]; ok || has(os.Required, name) {
				continue
			}
			p.fixed("REQUEST_PROPERTY_REQUIRED_ADDED", name, "was added as required", requiredLoc(c.new, ns, name, nil))
		}
	}
}

func (p *cmp) added(name string, np *openapi3.SchemaRef) {
	loc := propLoc(p.c.new, p.ns, name, np)
	switch {
	case p.d == request && has(p.ns.Required, name):
		p.fixed("REQUEST_PROPERTY_REQUIRED_ADDED", name, "was added as required", loc)
	case p.d == request:
		p.fixed("REQUEST_PROPERTY_ADDED", name, "was added as optional", loc)
	default:
		p.fixed("RESPONSE_PROPERTY_ADDED", name, "was added", loc)
	}
}

// discriminator compares discriminators by direction: a reader that picks
// alternatives by a property needs it, a reader that matches by shape does
// not. Adding one to a request makes the provider demand it; removing one
// from a response leaves clients that dispatch on it without it.
func (p *cmp) discriminator() {
	od, nd := p.os.Discriminator, p.ns.Discriminator
	if od == nil && nd == nil {
		return
	}
	prop := func(x *openapi3.Discriminator) string {
		if x == nil {
			return ""
		}
		return x.PropertyName
	}
	loc := firstLoc(p.nl("discriminator"), p.c.new.Location(p.ns.Origin))
	if nd != nil && nd.Origin != nil {
		loc = p.c.new.Location(nd.Origin)
	}
	switch {
	case od == nil:
		p.add("DISCRIMINATOR", narrowed, fmt.Sprintf("gained a discriminator on property %s", nd.PropertyName), loc)
		return
	case nd == nil:
		p.add("DISCRIMINATOR", widened, fmt.Sprintf("lost its discriminator on property %s", od.PropertyName), firstLoc(p.nl(""), p.ol("discriminator")))
		return
	case prop(od) != prop(nd):
		p.fixed("DISCRIMINATOR_PROPERTY_CHANGED", "", fmt.Sprintf("changed its discriminator property from %s to %s", orNone(prop(od)), orNone(prop(nd))), loc)
		return
	}
	var removed, added []string
	for _, k := range sortedKeys(od.Mapping) {
		if _, ok := nd.Mapping[k]; !ok {
			removed = append(removed, k)
		}
	}
	for _, k := range sortedKeys(nd.Mapping) {
		if _, ok := od.Mapping[k]; !ok {
			added = append(added, k)
		}
	}
	if len(removed) > 0 {
		p.add("DISCRIMINATOR_MAPPING", narrowed, fmt.Sprintf("no longer maps the discriminator %s %s", plural(len(removed), "value", "values"), listed(removed)), loc)
	}
	if len(added) > 0 {
		p.add("DISCRIMINATOR_MAPPING", widened, fmt.Sprintf("maps the new discriminator %s %s", plural(len(added), "value", "values"), listed(added)), loc)
	}
}

// alternativesOnOneSide handles a schema written with oneOf/anyOf on one
// side only. Every value of the old side must be accepted by the new: an
// old union is compared branch by branch with the new schema, and an old
// plain schema with the new branch that takes its values. It reports
// whether it handled the pair.
func (p *cmp) alternativesOnOneSide() bool {
	os, ns := p.os, p.ns
	oalts, nalts := altsOf(os), altsOf(ns)
	if (len(oalts.list) == 0) == (len(nalts.list) == 0) || len(enumOf(os)) > 0 && len(enumOf(ns)) > 0 {
		return false
	}
	// A union nullable as a whole lends that to each alternative.
	branch := func(outer *openapi3.Schema, r *openapi3.SchemaRef) *openapi3.SchemaRef {
		if outer.Nullable {
			return p.c.sh.nullable(r)
		}
		return r
	}
	if len(oalts.list) > 0 {
		if !bare(os) {
			return false
		}
		if p.d == request || p.pol != positive {
			// The provider reads: every old alternative must still be
			// accepted by the new schema.
			for _, a := range oalts.list {
				p.link(variantSeg(oalts.kw, a.name), branch(os, a.ref), &openapi3.SchemaRef{Value: ns})
			}
			return true
		}
		// Clients read: what the provider now sends must fit one of the
		// alternatives they know; the others are simply no longer sent.
		best := bestBranch(ns, oalts.list)
		for i, a := range oalts.list {
			if i == best {
				p.link(variantSeg(oalts.kw, a.name), branch(os, a.ref), &openapi3.SchemaRef{Value: ns})
				continue
			}
			p.add("VARIANTS", narrowed, fmt.Sprintf("is no longer a %s and no longer sends the alternative %s", oalts.kw, a.name), firstLoc(p.nl(""), p.c.old.Location(originOf(a.ref))))
		}
		return true
	}
	if !bare(ns) {
		return false
	}
	best := bestBranch(os, nalts.list)
	for i, a := range nalts.list {
		if i == best {
			p.link(variantSeg(nalts.kw, a.name), &openapi3.SchemaRef{Value: os}, branch(ns, a.ref))
			continue
		}
		loc := firstLoc(p.c.new.Location(originOf(a.ref)), p.nl(nalts.kw))
		if a.ref.Ref != "" {
			loc = p.nl(nalts.kw)
		}
		p.add("VARIANTS", widened, fmt.Sprintf("became a %s that also allows the alternative %s", nalts.kw, a.name), loc)
	}
	p.ambiguousAgainst(nalts, []alt{{"", &openapi3.SchemaRef{Value: os}}})
	return true
}

// altSet is a schema's oneOf or anyOf, whichever it has.
type altSet struct {
	kw   string
	list []alt
}

func altsOf(s *openapi3.Schema) altSet {
	if len(s.OneOf) > 0 {
		return altSet{"oneOf", variantList(s.OneOf)}
	}
	if len(s.AnyOf) > 0 {
		return altSet{"anyOf", variantList(s.AnyOf)}
	}
	return altSet{}
}

// bare reports whether a schema with alternatives says nothing else that
// constrains values, so comparing its branches says it all.
func bare(s *openapi3.Schema) bool {
	return len(s.Properties) == 0 && s.Items == nil && len(s.Enum) == 0 && s.Const == nil &&
		s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil && s.Not == nil &&
		s.Discriminator == nil && len(s.Required) == 0 && s.Format == "" && s.Pattern == ""
}

// bestBranch picks the new alternative that old values go to: one that
// takes them all, else the one sharing the most property names and types.
func bestBranch(old *openapi3.Schema, alts []alt) int {
	best, score := 0, -1
	ot := typesOnly(old)
	for i, a := range alts {
		if a.ref.Value == nil {
			continue
		}
		b := a.ref.Value
		s := 0
		if takesAll(b, old) {
			s += 1000
		}
		if covers(typesOnly(b), ot) {
			s += 100
		}
		for k := range old.Properties {
			if _, ok := b.Properties[k]; ok {
				s++
			}
		}
		if s > score {
			best, score = i, s
		}
	}
	return best
}

// takesAll is a quick, conservative test of whether every value of narrow
// is valid for wide: the same kinds of value, no required property narrow
// does not require, no property whose type narrow does not match, and no
// enum or closed object that narrow's values could miss.
func takesAll(wide, narrow *openapi3.Schema) bool {
	if !covers(typesOnly(wide), typesOnly(narrow)) || len(wide.OneOf)+len(wide.AnyOf)+len(wide.AllOf) > 0 || wide.Not != nil {
		return false
	}
	for _, r := range wide.Required {
		if !has(narrow.Required, r) {
			return false
		}
	}
	for k, wp := range wide.Properties {
		np, ok := narrow.Properties[k]
		if !ok || wp.Value == nil || np.Value == nil {
			if ok || boolState(narrow.AdditionalProperties) != 0 {
				if wp.Value != nil && !unconstrained(wp.Value) {
					return false
				}
			}
			continue
		}
		if !covers(typesOnly(wp.Value), typesOnly(np.Value)) || len(wp.Value.Enum) > 0 && len(np.Value.Enum) == 0 {
			return false
		}
	}
	if boolState(wide.AdditionalProperties) == 0 {
		for k := range narrow.Properties {
			if _, ok := wide.Properties[k]; !ok {
				return false
			}
		}
		if boolState(narrow.AdditionalProperties) != 0 {
			return false
		}
	}
	if len(wide.Enum) > 0 || wide.Const != nil || wide.Pattern != "" || wide.MaxLength != nil || wide.Max != nil || wide.Min != nil {
		return false
	}
	return true
}

// ambiguous reports a request oneOf in which two alternatives both accept
// values an old alternative (or the old schema) accepted: such a body now
// matches more than one alternative, and oneOf refuses it.
func (p *cmp) ambiguous() {
	if len(p.ns.OneOf) == 0 || len(altsOf(p.os).list) == 0 {
		return
	}
	p.ambiguousAgainst(altsOf(p.ns), altsOf(p.os).list)
}

func (p *cmp) ambiguousAgainst(nalts altSet, old []alt) {
	if p.d != request || nalts.kw != "oneOf" || p.pol != positive || p.ns.Discriminator != nil {
		return
	}
	for _, o := range old {
		if o.ref.Value == nil {
			continue
		}
		var takers []string
		for _, a := range nalts.list {
			if a.ref.Value != nil && takesAll(p.c.sh.norm(a.ref.Value), p.c.sh.norm(o.ref.Value)) {
				takers = append(takers, a.name)
			}
		}
		if len(takers) < 2 || p.os.OneOf != nil && p.alreadyAmbiguous(o) {
			continue
		}
		was := "bodies that were valid"
		if o.name != "" {
			was = "bodies of the old alternative " + o.name
		}
		p.fixed("REQUEST_VARIANTS_AMBIGUOUS", "", fmt.Sprintf("is a oneOf whose alternatives %s each accept %s, so such bodies match more than one and are refused", andList(takers), was), firstLoc(p.nl("oneOf"), p.nl("")))
		return
	}
}

// alreadyAmbiguous reports whether old alternative o was already taken by
// another old alternative too: then the new version refuses nothing new.
func (p *cmp) alreadyAmbiguous(o alt) bool {
	n := 0
	for _, a := range variantList(p.os.OneOf) {
		if a.ref.Value != nil && takesAll(p.c.sh.norm(a.ref.Value), p.c.sh.norm(o.ref.Value)) {
			n++
		}
	}
	return n >= 2
}

func (p *cmp) variants(kw string, o, n openapi3.SchemaRefs) {
	if len(o) == 0 || len(n) == 0 {
		return // one side only: alternativesOnOneSide, or types and enums see through them
	}
	olist, nlist := variantList(o), variantList(n)
	om, nm := map[string]*openapi3.SchemaRef{}, map[string]*openapi3.SchemaRef{}
	for _, a := range olist {
		om[a.name] = a.ref
	}
	for _, a := range nlist {
		nm[a.name] = a.ref
	}
	// Alternatives matched by name are compared; a lone unmatched
	// alternative on each side is taken to be the same one, changed.
	var oOnly, nOnly []alt
	for _, a := range olist {
		if _, ok := nm[a.name]; !ok {
			oOnly = append(oOnly, a)
		}
	}
	for _, a := range nlist {
		if _, ok := om[a.name]; !ok {
			nOnly = append(nOnly, a)
		}
	}
	if len(oOnly) == 1 && len(nOnly) == 1 && len(olist) == len(nlist) {
		p.link(variantSeg(kw, nOnly[0].name), oOnly[0].ref, nOnly[0].ref) // spelled as the new document names it
		oOnly, nOnly = nil, nil
	}
	for _, a := range olist {
		if nr, ok := nm[a.name]; ok {
			p.link(variantSeg(kw, a.name), a.ref, nr)
		}
	}
	for _, a := range oOnly {
		p.add("VARIANTS", narrowed, fmt.Sprintf("no longer allows the %s alternative %s", kw, a.name), firstLoc(p.c.old.Location(originOf(a.ref)), p.ol(kw)))
	}
	for _, a := range nOnly {
		loc := p.nl(kw)
		if a.ref.Value != nil && a.ref.Value.Origin != nil && a.ref.Ref == "" {
			loc = p.c.new.Location(a.ref.Value.Origin)
		}
		p.add("VARIANTS", widened, fmt.Sprintf("gained the %s alternative %s", kw, a.name), loc)
	}
}

// enumSet indexes enum values by key, leaving out null (nullability is
// compared on its own).
func enumSet(vals []any, key func(any) string) (map[string]string, []string) {
	m := make(map[string]string, len(vals))
	var keys []string
	for _, v := range vals {
		if v == nil {
			continue
		}
		k := key(v)
		if _, ok := m[k]; !ok {
			m[k] = fmt.Sprint(v)
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return m, keys
}

// textKey is an enum value as parameter text: 1, 1.0 and "1" are one.
func textKey(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmtNum(x)
	}
	return enumKey(v)
}
