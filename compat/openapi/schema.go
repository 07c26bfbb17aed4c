package openapi

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contractgate/contracts/compat"
	oaschema "github.com/contractgate/contracts/schemas/openapi"
)

// dir says who writes a schema: the client (request) or the provider
// (response). The reader must accept all the writer can send, so a request
// may widen and a response may narrow.
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

// effect is how the set of values a schema accepts changed.
type effect int

const (
	narrowed effect = iota + 1 // new accepts less
	widened                    // new accepts more
	changed                    // neither contains the other
)

// change is one schema change, relative to the compared pair: path names the
// element inside the schema ("" for the schema itself, "total",
// "lineItems[].quantity") and what is the predicate of the sentence.
type change struct {
	rule string
	path string
	what string
	loc  compat.Location
}

type pairKey struct {
	o, n *openapi3.Schema
	d    dir
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

// maxWork bounds schema comparisons before every result is memoised even if
// a cycle left it partial: pathological cycles cost time, never forever.
const maxWork = 1 << 20

// schema compares two resolved schemas in direction d. Results are memoised
// per (old, new, direction), which shares the work for a component reached
// from many operations. A pair met again while it is being compared is a
// cycle: it contributes nothing there (its changes are reported where the
// cycle started), and results computed inside such a cycle are not memoised,
// so an operation entering the cycle elsewhere still sees every change and
// lands in Affects.
func (c *checker) schema(o, n *openapi3.SchemaRef, d dir) []change {
	if o == nil || n == nil || o.Value == nil || n.Value == nil {
		return nil
	}
	k := pairKey{o.Value, n.Value, d}
	if r, ok := c.memo[k]; ok {
		return r
	}
	if at, ok := c.active[k]; ok {
		c.low = min(c.low, at)
		return nil
	}
	c.work++
	c.depth++
	my := c.depth
	c.active[k] = my
	outer := c.low
	c.low = math.MaxInt
	r := c.compareSchema(c.flatten(o.Value), c.flatten(n.Value), d)
	delete(c.active, k)
	c.depth--
	if c.low >= my || c.work > maxWork {
		c.memo[k] = r
	}
	c.low = min(outer, c.low)
	return r
}

// flatten merges allOf members into one schema (cached per schema, so
// pointers stay stable for memoisation). A body must satisfy every member,
// so their properties, required names and constraints add up.
func (c *checker) flatten(s *openapi3.Schema) *openapi3.Schema {
	if len(s.AllOf) == 0 {
		return s
	}
	if f, ok := c.flat[s]; ok {
		if f == nil { // cycle through allOf: use the schema as it is
			return s
		}
		return f
	}
	c.flat[s] = nil
	m := *s
	m.AllOf = nil
	m.Properties = openapi3.Schemas{}
	for k, v := range s.Properties {
		m.Properties[k] = v
	}
	m.Required = append([]string(nil), s.Required...)
	for _, ref := range s.AllOf {
		if ref == nil || ref.Value == nil {
			continue
		}
		p := c.flatten(ref.Value)
		if m.Type.IsEmpty() {
			m.Type = p.Type
		}
		if m.Format == "" {
			m.Format = p.Format
		}
		for k, v := range p.Properties {
			if _, ok := m.Properties[k]; !ok {
				m.Properties[k] = v
			}
		}
		m.Required = append(m.Required, p.Required...)
		if m.Enum == nil {
			m.Enum = p.Enum
		}
		if m.Min == nil {
			m.Min, m.ExclusiveMin = p.Min, p.ExclusiveMin
		}
		if m.Max == nil {
			m.Max, m.ExclusiveMax = p.Max, p.ExclusiveMax
		}
		if m.MaxLength == nil {
			m.MaxLength = p.MaxLength
		}
		m.MinLength = max(m.MinLength, p.MinLength)
		if m.MaxItems == nil {
			m.MaxItems = p.MaxItems
		}
		m.MinItems = max(m.MinItems, p.MinItems)
		m.UniqueItems = m.UniqueItems || p.UniqueItems
		if m.MultipleOf == nil {
			m.MultipleOf = p.MultipleOf
		}
		if m.Pattern == "" {
			m.Pattern = p.Pattern
		}
		if m.Items == nil {
			m.Items = p.Items
		}
		if m.AdditionalProperties.Has == nil && m.AdditionalProperties.Schema == nil {
			m.AdditionalProperties = p.AdditionalProperties
		}
		if m.Discriminator == nil {
			m.Discriminator = p.Discriminator
		}
		if len(m.OneOf) == 0 {
			m.OneOf = p.OneOf
		}
		if len(m.AnyOf) == 0 {
			m.AnyOf = p.AnyOf
		}
		if m.Origin == nil {
			m.Origin = p.Origin
		}
	}
	c.flat[s] = &m
	return &m
}

// types returns the schema's types without null, inferring object or array
// from properties or items when no type is given, and whether null is
// allowed (3.0 nullable or a 3.1 type list with "null").
func types(s *openapi3.Schema) (ts []string, null bool) {
	for _, t := range s.Type.Slice() {
		if t == openapi3.TypeNull {
			null = true
			continue
		}
		ts = append(ts, t)
	}
	if s.Nullable {
		null = true
	}
	if len(ts) == 0 && s.Type.IsEmpty() {
		switch {
		case len(s.Properties) > 0:
			ts = []string{openapi3.TypeObject}
		case s.Items != nil:
			ts = []string{openapi3.TypeArray}
		case len(s.OneOf) > 0:
			ts, null = altTypes(s.OneOf, null)
		case len(s.AnyOf) > 0:
			ts, null = altTypes(s.AnyOf, null)
		}
	}
	sort.Strings(ts)
	return ts, null
}

// altTypes is the union of the alternatives' types; any alternative of any
// type makes the union any type.
func altTypes(alts openapi3.SchemaRefs, null bool) ([]string, bool) {
	seen := map[string]bool{}
	var out []string
	for _, a := range alts {
		if a == nil || a.Value == nil || len(a.Value.OneOf)+len(a.Value.AnyOf) > 0 {
			return nil, null
		}
		ts, n := types(a.Value)
		if len(ts) == 0 {
			return nil, null
		}
		null = null || n
		for _, t := range ts {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out, null
}

// enumOf is a schema's enum or, for alternatives that are all enums, the
// union of theirs.
func enumOf(s *openapi3.Schema) []any {
	if len(s.Enum) > 0 {
		return s.Enum
	}
	if s.Const != nil {
		return []any{s.Const}
	}
	alts := s.OneOf
	if len(alts) == 0 {
		alts = s.AnyOf
	}
	if len(alts) == 0 {
		return nil
	}
	var out []any
	for _, a := range alts {
		if a == nil || a.Value == nil || len(a.Value.Enum) == 0 {
			return nil
		}
		out = append(out, a.Value.Enum...)
	}
	return out
}

// accepts reports whether a schema of types set accepts values of type t.
func accepts(set []string, t string) bool {
	if len(set) == 0 {
		return true
	}
	for _, s := range set {
		if s == t || (s == openapi3.TypeNumber && t == openapi3.TypeInteger) {
			return true
		}
	}
	return false
}

func covers(wide, narrow []string) bool {
	if len(wide) == 0 {
		return true
	}
	if len(narrow) == 0 {
		return false
	}
	for _, t := range narrow {
		if !accepts(wide, t) {
			return false
		}
	}
	return true
}

func typeName(ts []string) string {
	switch len(ts) {
	case 0:
		return "any type"
	case 1:
		return ts[0]
	}
	return "[" + strings.Join(ts, ", ") + "]"
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func join(path, seg string) string {
	switch {
	case path == "":
		return seg
	case strings.HasPrefix(seg, "[") || strings.HasPrefix(seg, "("):
		return path + seg
	}
	return path + "." + seg
}

func prefix(changes []change, seg string) []change {
	if len(changes) == 0 {
		return nil
	}
	out := make([]change, len(changes))
	for i, ch := range changes {
		if ch.path == "" {
			ch.path = seg
		} else {
			ch.path = join(seg, ch.path)
		}
		out[i] = ch
	}
	return out
}

func fmtNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprint(f)
}

func (c *checker) compareSchema(os, ns *openapi3.Schema, d dir) []change {
	var out []change
	nl := func(field string) compat.Location { return c.new.FieldLocation(ns.Origin, field) }
	ol := func(field string) compat.Location { return c.old.FieldLocation(os.Origin, field) }
	add := func(kind string, e effect, what string, loc compat.Location) {
		out = append(out, change{rule: constraint(kind, e, d), what: what, loc: loc})
	}

	// Type and nullability.
	ot, onull := types(os)
	nt, nnull := types(ns)
	oldIn, newIn := covers(nt, ot), covers(ot, nt)
	if !oldIn || !newIn {
		e := changed
		switch {
		case oldIn:
			e = widened
		case newIn:
			e = narrowed
		}
		add("TYPE", e, fmt.Sprintf("changed type from %s to %s", typeName(ot), typeName(nt)), nl("type"))
		if e == changed {
			return out
		}
	}
	if onull != nnull {
		if nnull {
			add("NULLABLE", widened, "became nullable", firstLoc(nl("nullable"), nl("type")))
		} else {
			add("NULLABLE", narrowed, "is no longer nullable", firstLoc(nl("nullable"), nl("type")))
		}
	}

	// Format.
	if of, nf := implicitFormat(ot, os.Format), implicitFormat(nt, ns.Format); of != nf {
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
		add("FORMAT", e, fmt.Sprintf("changed format from %s to %s", orNone(os.Format), orNone(ns.Format)), firstLoc(nl("format"), nl("")))
	}

	// Enum.
	out = append(out, c.enum(os, ns, d, nl("enum"))...)

	// Numeric bounds.
	ob, nb := upper(os), upper(ns)
	if e := cmpUpper(ob, nb); e != 0 {
		add("MAX", e, fmt.Sprintf("changed maximum from %s to %s", ob, nb), firstLoc(nl("maximum"), nl("exclusiveMaximum"), nl("")))
	}
	ob, nb = lower(os), lower(ns)
	if e := cmpLower(ob, nb); e != 0 {
		add("MIN", e, fmt.Sprintf("changed minimum from %s to %s", ob, nb), firstLoc(nl("minimum"), nl("exclusiveMinimum"), nl("")))
	}
	if e := cmpMaxInt(os.MaxLength, ns.MaxLength); e != 0 {
		add("MAX_LENGTH", e, fmt.Sprintf("changed maxLength from %s to %s", uintStr(os.MaxLength), uintStr(ns.MaxLength)), firstLoc(nl("maxLength"), nl("")))
	}
	if os.MinLength != ns.MinLength {
		add("MIN_LENGTH", minEffect(os.MinLength, ns.MinLength), fmt.Sprintf("changed minLength from %d to %d", os.MinLength, ns.MinLength), firstLoc(nl("minLength"), nl("")))
	}
	if e := cmpMaxInt(os.MaxItems, ns.MaxItems); e != 0 {
		add("MAX_ITEMS", e, fmt.Sprintf("changed maxItems from %s to %s", uintStr(os.MaxItems), uintStr(ns.MaxItems)), firstLoc(nl("maxItems"), nl("")))
	}
	if os.MinItems != ns.MinItems {
		add("MIN_ITEMS", minEffect(os.MinItems, ns.MinItems), fmt.Sprintf("changed minItems from %d to %d", os.MinItems, ns.MinItems), firstLoc(nl("minItems"), nl("")))
	}
	if os.UniqueItems != ns.UniqueItems {
		if ns.UniqueItems {
			add("UNIQUE_ITEMS", narrowed, "now requires unique items", firstLoc(nl("uniqueItems"), nl("")))
		} else {
			add("UNIQUE_ITEMS", widened, "no longer requires unique items", nl(""))
		}
	}
	if e := cmpMultipleOf(os.MultipleOf, ns.MultipleOf); e != 0 {
		add("MULTIPLE_OF", e, fmt.Sprintf("changed multipleOf from %s to %s", floatStr(os.MultipleOf), floatStr(ns.MultipleOf)), firstLoc(nl("multipleOf"), nl("")))
	}
	if os.Pattern != ns.Pattern {
		e := changed
		switch {
		case ns.Pattern == "":
			e = widened
		case os.Pattern == "":
			e = narrowed
		}
		add("PATTERN", e, fmt.Sprintf("changed pattern from %s to %s", quoteOrNone(os.Pattern), quoteOrNone(ns.Pattern)), firstLoc(nl("pattern"), nl("")))
	}

	// Objects.
	out = append(out, c.properties(os, ns, d)...)
	out = append(out, c.additional(os, ns, d)...)
	out = append(out, c.discriminator(os, ns, d)...)

	// Arrays.
	if os.Items != nil && ns.Items != nil {
		out = append(out, prefix(c.schema(os.Items, ns.Items, d), "[]")...)
	}

	// Alternatives.
	out = append(out, c.variants("oneOf", os.OneOf, ns.OneOf, d, ol, nl)...)
	out = append(out, c.variants("anyOf", os.AnyOf, ns.AnyOf, d, ol, nl)...)
	return out
}

// implicitFormat drops a format that restricts nothing: int64 on integers
// and double on numbers are what JSON numbers hold anyway.
func implicitFormat(ts []string, f string) string {
	if (f == "int64" && has(ts, openapi3.TypeInteger)) || (f == "double" && has(ts, openapi3.TypeNumber)) {
		return ""
	}
	return f
}

// wideningFormat lists format changes that accept strictly more values.
var wideningFormat = map[string]bool{
	"int32>int64": true, "float>double": true, "date>date-time": false,
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return fmt.Sprintf("%q", s)
}

func firstLoc(locs ...compat.Location) compat.Location {
	for _, l := range locs {
		if l.Line > 0 {
			return l
		}
	}
	if len(locs) > 0 {
		return locs[len(locs)-1]
	}
	return compat.Location{}
}

// bound is a numeric bound; set false means none.
type bound struct {
	v    float64
	excl bool
	set  bool
}

// String formats the bound as messages show it.
func (b bound) String() string {
	switch {
	case !b.set:
		return "none"
	case b.excl:
		return fmtNum(b.v) + " (exclusive)"
	}
	return fmtNum(b.v)
}

func upper(s *openapi3.Schema) bound {
	if v := s.ExclusiveMax.Value; v != nil {
		return bound{*v, true, true}
	}
	if s.Max != nil {
		return bound{*s.Max, s.ExclusiveMax.Bool != nil && *s.ExclusiveMax.Bool, true}
	}
	return bound{}
}

func lower(s *openapi3.Schema) bound {
	if v := s.ExclusiveMin.Value; v != nil {
		return bound{*v, true, true}
	}
	if s.Min != nil {
		return bound{*s.Min, s.ExclusiveMin.Bool != nil && *s.ExclusiveMin.Bool, true}
	}
	return bound{}
}

// cmpUpper compares upper bounds: a lower or newly exclusive bound narrows.
func cmpUpper(o, n bound) effect {
	switch {
	case !o.set && !n.set:
		return 0
	case !o.set:
		return narrowed
	case !n.set:
		return widened
	case n.v < o.v || (n.v == o.v && n.excl && !o.excl):
		return narrowed
	case n.v > o.v || (n.v == o.v && !n.excl && o.excl):
		return widened
	}
	return 0
}

func cmpLower(o, n bound) effect {
	switch {
	case !o.set && !n.set:
		return 0
	case !o.set:
		return narrowed
	case !n.set:
		return widened
	case n.v > o.v || (n.v == o.v && n.excl && !o.excl):
		return narrowed
	case n.v < o.v || (n.v == o.v && !n.excl && o.excl):
		return widened
	}
	return 0
}

func cmpMaxInt(o, n *uint64) effect {
	switch {
	case o == nil && n == nil:
		return 0
	case o == nil:
		return narrowed
	case n == nil:
		return widened
	case *n < *o:
		return narrowed
	case *n > *o:
		return widened
	}
	return 0
}

func minEffect(o, n uint64) effect {
	if n > o {
		return narrowed
	}
	return widened
}

func cmpMultipleOf(o, n *float64) effect {
	switch {
	case o == nil && n == nil:
		return 0
	case o == nil:
		return narrowed
	case n == nil:
		return widened
	case *o == *n:
		return 0
	case *o != 0 && isMultiple(*n, *o):
		return narrowed
	case *n != 0 && isMultiple(*o, *n):
		return widened
	}
	return changed
}

func isMultiple(a, b float64) bool {
	q := a / b
	return math.Abs(q-math.Round(q)) < 1e-9
}

func uintStr(p *uint64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}

func floatStr(p *float64) string {
	if p == nil {
		return "none"
	}
	return fmtNum(*p)
}

// enumKey gives an enum value a canonical spelling, so 1 and 1.0 or
// differently ordered lists compare equal.
func enumKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func enumSet(vals []any) (map[string]string, []string) {
	m := make(map[string]string, len(vals))
	var keys []string
	for _, v := range vals {
		if v == nil {
			continue // null in an enum is nullability, compared elsewhere
		}
		k := enumKey(v)
		if _, ok := m[k]; !ok {
			m[k] = fmt.Sprint(v)
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return m, keys
}

func (c *checker) enum(os, ns *openapi3.Schema, d dir, loc compat.Location) []change {
	oe, ne := enumOf(os), enumOf(ns)
	if len(oe) == 0 && len(ne) == 0 {
		return nil
	}
	om, okeys := enumSet(oe)
	nm, nkeys := enumSet(ne)
	if loc.Line == 0 {
		loc = c.new.Location(ns.Origin)
	}
	list := func(m map[string]string, keys []string) string {
		var s []string
		for _, k := range keys {
			s = append(s, m[k])
		}
		return strings.Join(s, ", ")
	}
	switch {
	case len(okeys) == 0 && len(nkeys) == 0:
		return nil
	case len(okeys) == 0:
		return []change{{rule: constraint("ENUM", narrowed, d), what: fmt.Sprintf("is now restricted to the values %s", list(nm, nkeys)), loc: loc}}
	case len(nkeys) == 0:
		return []change{{rule: constraint("ENUM", widened, d), what: fmt.Sprintf("is no longer restricted to the values %s", list(om, okeys)), loc: c.new.Location(ns.Origin)}}
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
	var out []change
	if len(removed) > 0 {
		out = append(out, change{rule: constraint("ENUM", narrowed, d), what: fmt.Sprintf("no longer allows the enum %s %s", plural(len(removed), "value", "values"), list(om, removed)), loc: loc})
	}
	if len(added) > 0 {
		out = append(out, change{rule: constraint("ENUM", widened, d), what: fmt.Sprintf("gained the enum %s %s", plural(len(added), "value", "values"), list(nm, added)), loc: loc})
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// requiredLoc is where name appears in s's required list, or the property.
func requiredLoc(doc *oaschema.Document, s *openapi3.Schema, name string, prop *openapi3.SchemaRef) compat.Location {
	if s.Origin != nil {
		for _, l := range s.Origin.Sequences["required"] {
			if l.Name == name {
				return doc.FieldLocation(&openapi3.Origin{Key: &l}, "")
			}
		}
	}
	return propLoc(doc, s, name, prop)
}

func propLoc(doc *oaschema.Document, s *openapi3.Schema, name string, prop *openapi3.SchemaRef) compat.Location {
	if prop != nil && prop.Value != nil && prop.Value.Origin != nil && prop.Value.Origin.Key != nil {
		return doc.Location(prop.Value.Origin)
	}
	if prop != nil && prop.Origin != nil {
		return doc.Location(prop.Origin)
	}
	return doc.FieldLocation(s.Origin, "properties")
}

func (c *checker) properties(os, ns *openapi3.Schema, d dir) []change {
	if len(os.Properties) == 0 && len(ns.Properties) == 0 && len(os.Required) == 0 && len(ns.Required) == 0 {
		return nil
	}
	var out []change
	hidden := func(p *openapi3.SchemaRef) bool {
		if p == nil || p.Value == nil {
			return false
		}
		if d == request {
			return p.Value.ReadOnly
		}
		return p.Value.WriteOnly
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
			case d == request && ns.AdditionalProperties.Has != nil && !*ns.AdditionalProperties.Has:
				out = append(out, change{rule: "REQUEST_PROPERTY_REMOVED_REFUSED", path: name, what: "was removed while additionalProperties is false, so bodies that still send it are refused", loc: loc})
			case d == request:
				out = append(out, change{rule: "REQUEST_PROPERTY_REMOVED", path: name, what: "was removed", loc: loc})
			case oreq:
				out = append(out, change{rule: "RESPONSE_REQUIRED_PROPERTY_REMOVED", path: name, what: "was removed", loc: loc})
			default:
				out = append(out, change{rule: "RESPONSE_OPTIONAL_PROPERTY_REMOVED", path: name, what: "was removed", loc: loc})
			}
			continue
		}
		oh, nh := hidden(op), hidden(np)
		loc := propLoc(c.new, ns, name, np)
		switch {
		case oh && nh:
			continue
		case !oh && nh && d == request:
			out = append(out, change{rule: "REQUEST_PROPERTY_MADE_READ_ONLY", path: name, what: "became readOnly, so the provider no longer reads it", loc: loc})
			continue
		case !oh && nh:
			out = append(out, change{rule: "RESPONSE_PROPERTY_MADE_WRITE_ONLY", path: name, what: "became writeOnly, so responses no longer carry it", loc: loc})
			continue
		case oh && !nh:
			out = append(out, c.added(ns, name, np, d)...)
			continue
		}
		switch {
		case !oreq && nreq && d == request:
			out = append(out, change{rule: "REQUEST_PROPERTY_MADE_REQUIRED", path: name, what: "became required", loc: requiredLoc(c.new, ns, name, np)})
		case !oreq && nreq:
			out = append(out, change{rule: "RESPONSE_PROPERTY_MADE_REQUIRED", path: name, what: "became required", loc: requiredLoc(c.new, ns, name, np)})
		case oreq && !nreq && d == request:
			out = append(out, change{rule: "REQUEST_PROPERTY_MADE_OPTIONAL", path: name, what: "became optional", loc: loc})
		case oreq && !nreq:
			out = append(out, change{rule: "RESPONSE_PROPERTY_MADE_OPTIONAL", path: name, what: "became optional, so responses may leave it out", loc: loc})
		}
		out = append(out, prefix(c.schema(op, np, d), name)...)
	}
	for _, name := range sortedKeys(ns.Properties) {
		if _, ok := os.Properties[name]; ok {
			continue
		}
		np := ns.Properties[name]
		if hidden(np) {
			continue
		}
		out = append(out, c.added(ns, name, np, d)...)
	}
	// Required names without a property declaration still oblige clients.
	if d == request {
		for _, name := range ns.Required {
			if _, ok := ns.Properties[name]; ok || has(os.Required, name) {
				continue
			}
			out = append(out, change{rule: "REQUEST_PROPERTY_REQUIRED_ADDED", path: name, what: "was added as required", loc: requiredLoc(c.new, ns, name, nil)})
		}
	}
	return out
}

func (c *checker) added(ns *openapi3.Schema, name string, np *openapi3.SchemaRef, d dir) []change {
	loc := propLoc(c.new, ns, name, np)
	switch {
	case d == request && has(ns.Required, name):
		return []change{{rule: "REQUEST_PROPERTY_REQUIRED_ADDED", path: name, what: "was added as required", loc: loc}}
	case d == request:
		return []change{{rule: "REQUEST_PROPERTY_ADDED", path: name, what: "was added as optional", loc: loc}}
	}
	return []change{{rule: "RESPONSE_PROPERTY_ADDED", path: name, what: "was added", loc: loc}}
}

// additional compares additionalProperties: absent or true allows anything,
// false nothing, a schema what it accepts.
func (c *checker) additional(os, ns *openapi3.Schema, d dir) []change {
	oa, na := os.AdditionalProperties, ns.AdditionalProperties
	state := func(a openapi3.AdditionalProperties) int {
		switch {
		case a.Schema != nil && a.Schema.Value != nil && a.Schema.Value.Always != nil && !*a.Schema.Value.Always:
			return 0 // the false schema
		case a.Schema != nil && a.Schema.Value != nil && !unconstrained(a.Schema.Value):
			return 1 // schema
		case a.Has != nil && !*a.Has:
			return 0 // none
		}
		return 2 // any
	}
	os2, ns2 := state(oa), state(na)
	loc := firstLoc(c.new.FieldLocation(ns.Origin, "additionalProperties"), c.new.Location(ns.Origin))
	names := [...]string{"false", "a schema", "true"}
	switch {
	case os2 == 1 && ns2 == 1:
		return prefix(c.schema(oa.Schema, na.Schema, d), "*")
	case os2 == ns2:
		return nil
	case ns2 < os2:
		return []change{{rule: constraint("ADDITIONAL_PROPERTIES", narrowed, d), what: fmt.Sprintf("changed additionalProperties from %s to %s", names[os2], names[ns2]), loc: loc}}
	}
	return []change{{rule: constraint("ADDITIONAL_PROPERTIES", widened, d), what: fmt.Sprintf("changed additionalProperties from %s to %s", names[os2], names[ns2]), loc: loc}}
}

// unconstrained reports whether s accepts anything: {} or true.
func unconstrained(s *openapi3.Schema) bool {
	if s.Always != nil {
		return *s.Always
	}
	return s.Type.IsEmpty() && len(s.Properties) == 0 && s.Items == nil && len(s.Enum) == 0 &&
		len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) == 0 && s.Not == nil && s.Format == "" && s.Pattern == "" &&
		s.Min == nil && s.Max == nil && s.MaxLength == nil && s.MinLength == 0 && s.MaxItems == nil &&
		s.MinItems == 0 && s.MultipleOf == nil && len(s.Required) == 0 && s.Const == nil &&
		s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil
}

func (c *checker) discriminator(os, ns *openapi3.Schema, d dir) []change {
	od, nd := os.Discriminator, ns.Discriminator
	if od == nil && nd == nil {
		return nil
	}
	prop := func(x *openapi3.Discriminator) string {
		if x == nil {
			return ""
		}
		return x.PropertyName
	}
	loc := firstLoc(c.new.FieldLocation(ns.Origin, "discriminator"), c.new.Location(ns.Origin))
	if nd != nil && nd.Origin != nil {
		loc = c.new.Location(nd.Origin)
	}
	if prop(od) != prop(nd) {
		return []change{{rule: "DISCRIMINATOR_PROPERTY_CHANGED", what: fmt.Sprintf("changed its discriminator property from %s to %s", orNone(prop(od)), orNone(prop(nd))), loc: loc}}
	}
	var out []change
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
		out = append(out, change{rule: constraint("DISCRIMINATOR_MAPPING", narrowed, d), what: fmt.Sprintf("no longer maps the discriminator %s %s", plural(len(removed), "value", "values"), strings.Join(removed, ", ")), loc: loc})
	}
	if len(added) > 0 {
		out = append(out, change{rule: constraint("DISCRIMINATOR_MAPPING", widened, d), what: fmt.Sprintf("maps the new discriminator %s %s", plural(len(added), "value", "values"), strings.Join(added, ", ")), loc: loc})
	}
	return out
}

// variantName names a oneOf/anyOf alternative: its component name when it
// is a $ref, otherwise its title or a summary of its shape.
func variantName(r *openapi3.SchemaRef, i int) string {
	if r.Ref != "" {
		ref := r.Ref
		if j := strings.LastIndexAny(ref, "/#"); j >= 0 && j < len(ref)-1 {
			ref = ref[j+1:]
		}
		return ref
	}
	if r.Value == nil {
		return fmt.Sprintf("#%d", i+1)
	}
	if r.Value.Title != "" {
		return r.Value.Title
	}
	ts, _ := types(r.Value)
	shape := typeName(ts)
	if len(r.Value.Properties) > 0 {
		shape += " {" + strings.Join(sortedKeys(r.Value.Properties), ", ") + "}"
	}
	if len(r.Value.Enum) > 0 {
		_, keys := enumSet(r.Value.Enum)
		shape += " " + strings.Join(keys, "|")
	}
	return shape
}

func (c *checker) variants(kw string, o, n openapi3.SchemaRefs, d dir, ol, nl func(string) compat.Location) []change {
	if len(o) == 0 || len(n) == 0 {
		// A schema written with alternatives on one side only: the type and
		// enum comparisons see through them (altTypes, enumOf).
		return nil
	}
	type alt struct {
		name string
		ref  *openapi3.SchemaRef
	}
	index := func(rs openapi3.SchemaRefs) ([]alt, map[string]*openapi3.SchemaRef) {
		var list []alt
		m := map[string]*openapi3.SchemaRef{}
		for i, r := range rs {
			if r == nil {
				continue
			}
			name := variantName(r, i)
			if _, dup := m[name]; dup {
				name = fmt.Sprintf("%s #%d", name, i+1)
			}
			m[name] = r
			list = append(list, alt{name, r})
		}
		return list, m
	}
	olist, om := index(o)
	nlist, nm := index(n)
	var out []change
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
		out = append(out, prefix(c.schema(oOnly[0].ref, nOnly[0].ref, d), "("+kw+" "+oOnly[0].name+")")...)
		oOnly, nOnly = nil, nil
	}
	for _, a := range olist {
		if nr, ok := nm[a.name]; ok {
			out = append(out, prefix(c.schema(a.ref, nr, d), "("+kw+" "+a.name+")")...)
		}
	}
	for _, a := range oOnly {
		out = append(out, change{rule: constraint("VARIANTS", narrowed, d), what: fmt.Sprintf("no longer allows the %s alternative %s", kw, a.name), loc: firstLoc(c.old.Location(originOf(a.ref)), ol(kw))})
	}
	for _, a := range nOnly {
		loc := nl(kw)
		if a.ref.Value != nil && a.ref.Value.Origin != nil && a.ref.Ref == "" {
			loc = c.new.Location(a.ref.Value.Origin)
		}
		out = append(out, change{rule: constraint("VARIANTS", widened, d), what: fmt.Sprintf("gained the %s alternative %s", kw, a.name), loc: loc})
	}
	return out
}

func originOf(r *openapi3.SchemaRef) *openapi3.Origin {
	if r == nil || r.Value == nil {
		return nil
	}
	return r.Value.Origin
}
