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
	case seg == "":
		return path
	case strings.HasPrefix(seg, "[") || strings.HasPrefix(seg, "("):
		return path + seg
	}
	return path + "." + seg
}

func fmtNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprint(f)
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
		_, keys := enumSet(r.Value.Enum, enumKey)
		shape += " " + strings.Join(keys, "|")
	}
	return shape
}

func originOf(r *openapi3.SchemaRef) *openapi3.Origin {
	if r == nil || r.Value == nil {
		return nil
	}
	return r.Value.Origin
}
