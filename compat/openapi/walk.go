package openapi

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// shapes normalises schemas the way both the comparison and the element
// listing see them: allOf members merged into one schema, and a oneOf/anyOf
// whose only other branch is null read as that branch made nullable. Results
// are cached per schema, so pointers stay stable for memoisation.
type shapes struct {
	flat  map[*openapi3.Schema]*openapi3.Schema
	nulls map[*openapi3.Schema]*openapi3.SchemaRef
}

func newShapes() *shapes {
	return &shapes{flat: map[*openapi3.Schema]*openapi3.Schema{}, nulls: map[*openapi3.Schema]*openapi3.SchemaRef{}}
}

// nullable returns r's schema made nullable (the same pointer every time),
// for an alternative of a union that is nullable as a whole.
func (sh *shapes) nullable(r *openapi3.SchemaRef) *openapi3.SchemaRef {
	if r == nil || r.Value == nil {
		return r
	}
	if n, ok := sh.nulls[r.Value]; ok {
		return n
	}
	m := *sh.norm(r.Value)
	m.Nullable = true
	n := &openapi3.SchemaRef{Ref: r.Ref, Value: &m}
	sh.nulls[r.Value] = n
	return n
}

// norm returns s normalised. A schema that needs nothing is returned as it
// is.
func (sh *shapes) norm(s *openapi3.Schema) *openapi3.Schema {
	if s == nil {
		return nil
	}
	if len(s.AllOf) == 0 && nullBranch(s) == nil {
		return s
	}
	if f, ok := sh.flat[s]; ok {
		if f == nil { // a cycle through allOf: use the schema as it is
			return s
		}
		return f
	}
	sh.flat[s] = nil
	m := *s
	if b := nullBranch(s); b != nil {
		// oneOf: [{type: 'null'}, X] is X, nullable.
		m.OneOf, m.AnyOf = nil, nil
		m.AllOf = append(openapi3.SchemaRefs{b}, s.AllOf...)
		m.Nullable = true
	}
	f := sh.merge(&m)
	sh.flat[s] = f
	return f
}

// nullBranch returns X when s is oneOf or anyOf [null, X] (in any order,
// with any number of null branches), nil otherwise.
func nullBranch(s *openapi3.Schema) *openapi3.SchemaRef {
	for _, alts := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		if len(alts) < 2 {
			continue
		}
		var other *openapi3.SchemaRef
		nulls := 0
		for _, a := range alts {
			switch {
			case a == nil || a.Value == nil:
				return nil
			case isNullSchema(a.Value):
				nulls++
			case other != nil:
				return nil
			default:
				other = a
			}
		}
		if other != nil && nulls > 0 {
			return other
		}
	}
	return nil
}

// isNullSchema reports whether s accepts exactly null: type null, enum
// [null] or const null written alone.
func isNullSchema(s *openapi3.Schema) bool {
	if s.Type != nil && len(*s.Type) == 1 && (*s.Type)[0] == openapi3.TypeNull {
		return len(s.Properties) == 0 && s.Items == nil && len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) == 0
	}
	return s.Type.IsEmpty() && len(s.Enum) == 1 && s.Enum[0] == nil && len(s.Properties) == 0
}

// merge folds allOf members into m. A value must satisfy every member, so
// their properties, required names and constraints add up.
func (sh *shapes) merge(m *openapi3.Schema) *openapi3.Schema {
	if len(m.AllOf) == 0 {
		return m
	}
	all := m.AllOf
	m.AllOf = nil
	props := make(openapi3.Schemas, len(m.Properties))
	for k, v := range m.Properties {
		props[k] = v
	}
	m.Properties = props
	m.Required = append([]string(nil), m.Required...)
	for _, ref := range all {
		if ref == nil || ref.Value == nil {
			continue
		}
		p := sh.norm(ref.Value)
		if m.Type.IsEmpty() {
			m.Type = p.Type
		}
		m.Nullable = m.Nullable || p.Nullable
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
		if m.Const == nil {
			m.Const = p.Const
		}
		if m.Min == nil && m.ExclusiveMin.Value == nil {
			m.Min, m.ExclusiveMin = p.Min, p.ExclusiveMin
		}
		if m.Max == nil && m.ExclusiveMax.Value == nil {
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
		if m.MaxProps == nil {
			m.MaxProps = p.MaxProps
		}
		m.MinProps = max(m.MinProps, p.MinProps)
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
		if len(m.PrefixItems) == 0 {
			m.PrefixItems = p.PrefixItems
		}
		if m.Contains == nil {
			m.Contains, m.MinContains, m.MaxContains = p.Contains, p.MinContains, p.MaxContains
		}
		if m.AdditionalProperties.Has == nil && m.AdditionalProperties.Schema == nil {
			m.AdditionalProperties = p.AdditionalProperties
		}
		if len(m.PatternProperties) == 0 {
			m.PatternProperties = p.PatternProperties
		}
		if m.PropertyNames == nil {
			m.PropertyNames = p.PropertyNames
		}
		if len(m.DependentRequired) == 0 {
			m.DependentRequired = p.DependentRequired
		}
		if len(m.DependentSchemas) == 0 {
			m.DependentSchemas = p.DependentSchemas
		}
		if m.UnevaluatedItems.Has == nil && m.UnevaluatedItems.Schema == nil {
			m.UnevaluatedItems = p.UnevaluatedItems
		}
		if m.UnevaluatedProperties.Has == nil && m.UnevaluatedProperties.Schema == nil {
			m.UnevaluatedProperties = p.UnevaluatedProperties
		}
		if m.If == nil {
			m.If, m.Then, m.Else = p.If, p.Then, p.Else
		}
		if m.Not == nil {
			m.Not = p.Not
		}
		if m.ContentMediaType == "" {
			m.ContentMediaType = p.ContentMediaType
		}
		if m.ContentEncoding == "" {
			m.ContentEncoding = p.ContentEncoding
		}
		if m.ContentSchema == nil {
			m.ContentSchema = p.ContentSchema
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
		m.ReadOnly = m.ReadOnly || p.ReadOnly
		m.WriteOnly = m.WriteOnly || p.WriteOnly
	}
	return m
}

// step is one way from a schema into a subschema, with the segment an
// element path prints for it. Segments join with a dot, except those that
// start with "[" or "(", which attach directly: `lineItems[].price`,
// `pet(oneOf Cat).name`.
type step struct {
	seg string
	ref *openapi3.SchemaRef
}

// steps lists the subschemas of a normalised schema in a fixed order:
// properties by name, array items, then the keywords that hold schemas.
// The comparison pairs old and new subschemas under these same segments, so
// an element listed by Elements is spelled as findings spell it.
func steps(s *openapi3.Schema) []step {
	var out []step
	add := func(seg string, r *openapi3.SchemaRef) {
		if r != nil && r.Value != nil {
			out = append(out, step{seg, r})
		}
	}
	for _, k := range sortedKeys(s.Properties) {
		add(k, s.Properties[k])
	}
	for i, r := range s.PrefixItems {
		add(itemSeg(i), r)
	}
	add("[]", s.Items)
	add("[contains]", s.Contains)
	add("[unevaluated]", s.UnevaluatedItems.Schema)
	add("*", s.AdditionalProperties.Schema)
	for _, k := range sortedKeys(s.PatternProperties) {
		add(patternSeg(k), s.PatternProperties[k])
	}
	add("(propertyNames)", s.PropertyNames)
	add("(unevaluatedProperties)", s.UnevaluatedProperties.Schema)
	for _, k := range sortedKeys(s.DependentSchemas) {
		add(dependentSeg(k), s.DependentSchemas[k])
	}
	for _, a := range variantList(s.OneOf) {
		add(variantSeg("oneOf", a.name), a.ref)
	}
	for _, a := range variantList(s.AnyOf) {
		add(variantSeg("anyOf", a.name), a.ref)
	}
	add("(not)", s.Not)
	add("(if)", s.If)
	add("(then)", s.Then)
	add("(else)", s.Else)
	add("(contentSchema)", s.ContentSchema)
	return out
}

func itemSeg(i int) string              { return "[" + strconv.Itoa(i) + "]" }
func patternSeg(p string) string        { return "(patternProperties " + p + ")" }
func dependentSeg(p string) string      { return "(dependentSchemas " + p + ")" }
func variantSeg(kw, name string) string { return "(" + kw + " " + name + ")" }

// alt is a oneOf/anyOf alternative under the name paths print for it.
type alt struct {
	name string
	ref  *openapi3.SchemaRef
}

// variantList names the alternatives of a oneOf/anyOf, making repeated
// names unique by their position.
func variantList(rs openapi3.SchemaRefs) []alt {
	if len(rs) == 0 {
		return nil
	}
	var list []alt
	seen := map[string]bool{}
	for i, r := range rs {
		if r == nil {
			continue
		}
		name := variantName(r, i)
		if seen[name] {
			name = fmt.Sprintf("%s #%d", name, i+1)
		}
		seen[name] = true
		list = append(list, alt{name, r})
	}
	return list
}

// propertyPath is an element's Path for a place inside a part's schema.
func propertyPath(p string) string {
	if p == "" {
		return ""
	}
	return "property " + p
}

func sortedStrings(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
