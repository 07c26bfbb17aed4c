package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// kin-openapi decodes every object twice (into its struct and into a map
// for extensions) and re-validates each subtree at each level, which makes
// it the bulk of the time on large documents. decodeT builds the same tree
// from one generic decode for the parts that dominate (paths, operations,
// parameters, bodies, responses, schemas) and hands the rest (info, tags,
// security schemes, examples, links, callbacks, …) to kin-openapi's own
// decoder. Anything it does not know makes it give up with errFallback, and
// the caller lets kin-openapi decode the whole document instead, so unusual
// documents lose speed, never meaning.

var errFallback = errors.New("shape left to kin-openapi")

func obj(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errFallback
	}
	return m, nil
}

// decodeMap decodes an object whose every value decodes with dec.
func decodeMap[M ~map[string]V, V any](v any, dec func(any) (V, error)) (M, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	out := make(M, len(m))
	for name, x := range m {
		if out[name], err = dec(x); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// via decodes v with kin-openapi's decoder by a JSON round trip.
func via(v any, dst any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return errFallback
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("%w: %v", errFallback, err)
	}
	return nil
}

func str(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", errFallback
	}
	return s, nil
}

func boolean(v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, errFallback
	}
	return b, nil
}

func num(v any) (*float64, error) {
	f, ok := v.(float64)
	if !ok {
		return nil, errFallback
	}
	return &f, nil
}

func unsigned(v any) (uint64, error) {
	f, ok := v.(float64)
	if !ok || f < 0 || f != math.Trunc(f) || f > 1<<53 {
		return 0, errFallback
	}
	return uint64(f), nil
}

func strs(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errFallback
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, err := str(x)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func addExt(ext *map[string]any, k string, v any) bool {
	if !strings.HasPrefix(k, "x-") {
		return false
	}
	if *ext == nil {
		*ext = map[string]any{}
	}
	(*ext)[k] = v
	return true
}

// decodeT decodes an OpenAPI 3.0/3.1 document from its generic form.
func decodeT(ctx context.Context, v any) (*openapi3.T, error) {
	root, err := obj(v)
	if err != nil {
		return nil, err
	}
	rest := make(map[string]any, len(root))
	for k, x := range root {
		if k != "paths" && k != "components" {
			rest[k] = x
		}
	}
	t := &openapi3.T{}
	if err := via(rest, t); err != nil {
		return nil, err
	}
	if c, ok := root["components"]; ok {
		if t.Components, err = decodeComponents(c); err != nil {
			return nil, err
		}
	}
	if p, ok := root["paths"]; ok {
		pm, err := obj(p)
		if err != nil {
			return nil, err
		}
		t.Paths = openapi3.NewPathsWithCapacity(len(pm))
		n := 0
		for k, x := range pm {
			if n++; n%1024 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if addExt(&t.Paths.Extensions, k, x) {
				continue
			}
			item, err := decodePathItem(x)
			if err != nil {
				return nil, err
			}
			t.Paths.Set(k, item)
		}
	}
	return t, nil
}

func decodeComponents(v any) (*openapi3.Components, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	rest := map[string]any{}
	c := &openapi3.Components{}
	for k, x := range m {
		switch k {
		case "schemas":
			if c.Schemas, err = decodeMap[openapi3.Schemas](x, decodeSchemaRef); err != nil {
				return nil, err
			}
		case "parameters":
			if c.Parameters, err = decodeMap[openapi3.ParametersMap](x, decodeParameterRef); err != nil {
				return nil, err
			}
		case "headers":
			if c.Headers, err = decodeHeaders(x); err != nil {
				return nil, err
			}
		case "requestBodies":
			if c.RequestBodies, err = decodeMap[openapi3.RequestBodies](x, decodeRequestBodyRef); err != nil {
				return nil, err
			}
		case "examples":
			if c.Examples, err = decodeExamples(x); err != nil {
				return nil, err
			}
		case "responses":
			if c.Responses, err = decodeMap[openapi3.ResponseBodies](x, decodeResponseRef); err != nil {
				return nil, err
			}
		default:
			rest[k] = x
		}
	}
	if len(rest) > 0 {
		var other openapi3.Components
		if err := via(rest, &other); err != nil {
			return nil, err
		}
		c.SecuritySchemes, c.Links, c.Callbacks, c.Extensions = other.SecuritySchemes, other.Links, other.Callbacks, other.Extensions
	}
	return c, nil
}

func decodePathItem(v any) (*openapi3.PathItem, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	item := &openapi3.PathItem{}
	for k, x := range m {
		var err error
		switch k {
		case "summary":
			item.Summary, err = str(x)
		case "description":
			item.Description, err = str(x)
		case "parameters":
			item.Parameters, err = decodeParameters(x)
		case "servers":
			err = via(x, &item.Servers)
		case "get", "put", "post", "delete", "options", "head", "patch", "trace":
			var op *openapi3.Operation
			if op, err = decodeOperation(x); err == nil {
				item.SetOperation(strings.ToUpper(k), op)
			}
		default:
			if !addExt(&item.Extensions, k, x) {
				return nil, errFallback // $ref, custom methods, …
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return item, nil
}

func decodeOperation(v any) (*openapi3.Operation, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	op := &openapi3.Operation{}
	for k, x := range m {
		var err error
		switch k {
		case "tags":
			op.Tags, err = strs(x)
		case "summary":
			op.Summary, err = str(x)
		case "description":
			op.Description, err = str(x)
		case "operationId":
			op.OperationID, err = str(x)
		case "deprecated":
			op.Deprecated, err = boolean(x)
		case "parameters":
			op.Parameters, err = decodeParameters(x)
		case "requestBody":
			op.RequestBody, err = decodeRequestBodyRef(x)
		case "responses":
			op.Responses, err = decodeResponses(x)
		case "security":
			op.Security = &openapi3.SecurityRequirements{}
			err = via(x, op.Security)
		case "servers":
			op.Servers = &openapi3.Servers{}
			err = via(x, op.Servers)
		case "callbacks":
			err = via(x, &op.Callbacks)
		case "externalDocs":
			err = via(x, &op.ExternalDocs)
		default:
			if !addExt(&op.Extensions, k, x) {
				return nil, errFallback
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return op, nil
}

func refOf(m map[string]any) (string, bool, error) {
	r, ok := m["$ref"]
	if !ok {
		return "", false, nil
	}
	s, err := str(r)
	return s, true, err
}

func decodeParameters(v any) (openapi3.Parameters, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errFallback
	}
	out := make(openapi3.Parameters, 0, len(list))
	for _, x := range list {
		p, err := decodeParameterRef(x)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func decodeParameterRef(v any) (*openapi3.ParameterRef, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	if ref, ok, err := refOf(m); ok || err != nil {
		if len(m) != 1 {
			return nil, errFallback
		}
		return &openapi3.ParameterRef{Ref: ref}, err
	}
	p := &openapi3.Parameter{}
	if err := decodeParamFields(m, p, false); err != nil {
		return nil, err
	}
	return &openapi3.ParameterRef{Value: p}, nil
}

// decodeParamFields fills a parameter, or the parameter inside a header.
func decodeParamFields(m map[string]any, p *openapi3.Parameter, header bool) error {
	for k, x := range m {
		var err error
		switch k {
		case "name":
			if header {
				return errFallback
			}
			p.Name, err = str(x)
		case "in":
			if header {
				return errFallback
			}
			p.In, err = str(x)
		case "description":
			p.Description, err = str(x)
		case "style":
			p.Style, err = str(x)
		case "explode":
			var b bool
			b, err = boolean(x)
			p.Explode = &b
		case "allowEmptyValue":
			p.AllowEmptyValue, err = boolean(x)
		case "allowReserved":
			p.AllowReserved, err = boolean(x)
		case "deprecated":
			p.Deprecated, err = boolean(x)
		case "required":
			p.Required, err = boolean(x)
		case "schema":
			p.Schema, err = decodeSchemaRef(x)
		case "example":
			p.Example = x
		case "examples":
			p.Examples, err = decodeExamples(x)
		case "content":
			p.Content, err = decodeContent(x)
		default:
			if !addExt(&p.Extensions, k, x) {
				return errFallback
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func decodeHeaders(v any) (openapi3.Headers, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	out := make(openapi3.Headers, len(m))
	for name, x := range m {
		hm, err := obj(x)
		if err != nil {
			return nil, err
		}
		if ref, ok, err := refOf(hm); ok || err != nil {
			if len(hm) != 1 || err != nil {
				return nil, errFallback
			}
			out[name] = &openapi3.HeaderRef{Ref: ref}
			continue
		}
		h := &openapi3.Header{}
		if err := decodeParamFields(hm, &h.Parameter, true); err != nil {
			return nil, err
		}
		out[name] = &openapi3.HeaderRef{Value: h}
	}
	return out, nil
}

func decodeRequestBodyRef(v any) (*openapi3.RequestBodyRef, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	if ref, ok, err := refOf(m); ok || err != nil {
		if len(m) != 1 {
			return nil, errFallback
		}
		return &openapi3.RequestBodyRef{Ref: ref}, err
	}
	b := &openapi3.RequestBody{}
	for k, x := range m {
		var err error
		switch k {
		case "description":
			b.Description, err = str(x)
		case "required":
			b.Required, err = boolean(x)
		case "content":
			b.Content, err = decodeContent(x)
		default:
			if !addExt(&b.Extensions, k, x) {
				return nil, errFallback
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return &openapi3.RequestBodyRef{Value: b}, nil
}

func decodeResponses(v any) (*openapi3.Responses, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	rs := openapi3.NewResponsesWithCapacity(len(m))
	for code, x := range m {
		if addExt(&rs.Extensions, code, x) {
			continue
		}
		r, err := decodeResponseRef(x)
		if err != nil {
			return nil, err
		}
		rs.Set(code, r)
	}
	return rs, nil
}

func decodeResponseRef(v any) (*openapi3.ResponseRef, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	if ref, ok, err := refOf(m); ok || err != nil {
		if len(m) != 1 {
			return nil, errFallback
		}
		return &openapi3.ResponseRef{Ref: ref}, err
	}
	r := &openapi3.Response{}
	for k, x := range m {
		var err error
		switch k {
		case "description":
			var s string
			s, err = str(x)
			r.Description = &s
		case "headers":
			r.Headers, err = decodeHeaders(x)
		case "content":
			r.Content, err = decodeContent(x)
		case "links":
			err = via(x, &r.Links)
		default:
			if !addExt(&r.Extensions, k, x) {
				return nil, errFallback
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return &openapi3.ResponseRef{Value: r}, nil
}

func decodeContent(v any) (openapi3.Content, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	out := make(openapi3.Content, len(m))
	for name, x := range m {
		mm, err := obj(x)
		if err != nil {
			return nil, err
		}
		mt := &openapi3.MediaType{}
		for k, y := range mm {
			var err error
			switch k {
			case "schema":
				mt.Schema, err = decodeSchemaRef(y)
			case "example":
				mt.Example = y
			case "examples":
				mt.Examples, err = decodeExamples(y)
			case "encoding":
				err = via(y, &mt.Encoding)
			default:
				if !addExt(&mt.Extensions, k, y) {
					return nil, errFallback
				}
			}
			if err != nil {
				return nil, err
			}
		}
		out[name] = mt
	}
	return out, nil
}

func decodeSchemaRefs(v any) (openapi3.SchemaRefs, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errFallback
	}
	out := make(openapi3.SchemaRefs, 0, len(list))
	for _, x := range list {
		s, err := decodeSchemaRef(x)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func decodeSchemaRef(v any) (*openapi3.SchemaRef, error) {
	if b, ok := v.(bool); ok {
		return &openapi3.SchemaRef{Value: &openapi3.Schema{Always: &b}}, nil
	}
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	if ref, ok, err := refOf(m); ok || err != nil {
		if len(m) != 1 {
			return nil, errFallback // siblings of $ref: kin-openapi's rules
		}
		return &openapi3.SchemaRef{Ref: ref}, err
	}
	s := &openapi3.Schema{}
	for k, x := range m {
		if err := schemaField(s, k, x); err != nil {
			return nil, err
		}
	}
	return &openapi3.SchemaRef{Value: s}, nil
}

func schemaField(s *openapi3.Schema, k string, x any) error {
	var err error
	switch k {
	case "type":
		switch t := x.(type) {
		case string:
			s.Type = &openapi3.Types{t}
		case []any:
			var ts []string
			if ts, err = strs(t); err == nil {
				tt := openapi3.Types(ts)
				s.Type = &tt
			}
		default:
			err = errFallback
		}
	case "title":
		s.Title, err = str(x)
	case "format":
		s.Format, err = str(x)
	case "description":
		s.Description, err = str(x)
	case "enum":
		list, ok := x.([]any)
		if !ok {
			return errFallback
		}
		s.Enum = list
	case "default":
		s.Default = x
	case "example":
		s.Example = x
	case "examples":
		list, ok := x.([]any)
		if !ok {
			return errFallback
		}
		s.Examples = list
	case "const":
		s.Const = x
	case "externalDocs":
		err = via(x, &s.ExternalDocs)
	case "xml":
		err = via(x, &s.XML)
	case "uniqueItems":
		s.UniqueItems, err = boolean(x)
	case "nullable":
		s.Nullable, err = boolean(x)
	case "readOnly":
		s.ReadOnly, err = boolean(x)
	case "writeOnly":
		s.WriteOnly, err = boolean(x)
	case "allowEmptyValue":
		s.AllowEmptyValue, err = boolean(x)
	case "deprecated":
		s.Deprecated, err = boolean(x)
	case "exclusiveMinimum":
		s.ExclusiveMin, err = exclusive(x)
	case "exclusiveMaximum":
		s.ExclusiveMax, err = exclusive(x)
	case "minimum":
		s.Min, err = num(x)
	case "maximum":
		s.Max, err = num(x)
	case "multipleOf":
		s.MultipleOf, err = num(x)
	case "minLength":
		s.MinLength, err = unsigned(x)
	case "maxLength":
		var u uint64
		u, err = unsigned(x)
		s.MaxLength = &u
	case "pattern":
		s.Pattern, err = str(x)
	case "minItems":
		s.MinItems, err = unsigned(x)
	case "maxItems":
		var u uint64
		u, err = unsigned(x)
		s.MaxItems = &u
	case "items":
		s.Items, err = decodeSchemaRef(x)
	case "required":
		s.Required, err = strs(x)
	case "properties":
		s.Properties, err = decodeMap[openapi3.Schemas](x, decodeSchemaRef)
	case "minProperties":
		s.MinProps, err = unsigned(x)
	case "maxProperties":
		var u uint64
		u, err = unsigned(x)
		s.MaxProps = &u
	case "additionalProperties":
		if b, ok := x.(bool); ok {
			s.AdditionalProperties.Has = &b
		} else {
			s.AdditionalProperties.Schema, err = decodeSchemaRef(x)
		}
	case "discriminator":
		err = via(x, &s.Discriminator)
	case "oneOf":
		s.OneOf, err = decodeSchemaRefs(x)
	case "anyOf":
		s.AnyOf, err = decodeSchemaRefs(x)
	case "allOf":
		s.AllOf, err = decodeSchemaRefs(x)
	case "not":
		s.Not, err = decodeSchemaRef(x)
	// JSON Schema 2020-12 (OpenAPI 3.1).
	case "prefixItems":
		s.PrefixItems, err = decodeSchemaRefs(x)
	case "contains":
		s.Contains, err = decodeSchemaRef(x)
	case "minContains":
		var u uint64
		u, err = unsigned(x)
		s.MinContains = &u
	case "maxContains":
		var u uint64
		u, err = unsigned(x)
		s.MaxContains = &u
	case "patternProperties":
		s.PatternProperties, err = decodeMap[openapi3.Schemas](x, decodeSchemaRef)
	case "dependentSchemas":
		s.DependentSchemas, err = decodeMap[openapi3.Schemas](x, decodeSchemaRef)
	case "$defs":
		s.Defs, err = decodeMap[openapi3.Schemas](x, decodeSchemaRef)
	case "dependentRequired":
		s.DependentRequired, err = decodeMap[map[string][]string](x, strs)
	case "propertyNames":
		s.PropertyNames, err = decodeSchemaRef(x)
	case "unevaluatedItems":
		s.UnevaluatedItems, err = boolSchema(x)
	case "unevaluatedProperties":
		s.UnevaluatedProperties, err = boolSchema(x)
	case "if":
		s.If, err = decodeSchemaRef(x)
	case "then":
		s.Then, err = decodeSchemaRef(x)
	case "else":
		s.Else, err = decodeSchemaRef(x)
	case "contentMediaType":
		s.ContentMediaType, err = str(x)
	case "contentEncoding":
		s.ContentEncoding, err = str(x)
	case "contentSchema":
		s.ContentSchema, err = decodeSchemaRef(x)
	case "$schema":
		s.SchemaDialect, err = str(x)
	case "$comment":
		s.Comment, err = str(x)
	case "$id":
		s.SchemaID, err = str(x)
	case "$anchor":
		s.Anchor, err = str(x)
	default:
		if !addExt(&s.Extensions, k, x) {
			return errFallback // 3.1 keywords and anything else: kin-openapi
		}
	}
	return err
}

// boolSchema decodes a keyword that is a boolean or a schema.
func boolSchema(x any) (openapi3.BoolSchema, error) {
	if b, ok := x.(bool); ok {
		return openapi3.BoolSchema{Has: &b}, nil
	}
	r, err := decodeSchemaRef(x)
	return openapi3.BoolSchema{Schema: r}, err
}

func exclusive(x any) (openapi3.ExclusiveBound, error) {
	switch v := x.(type) {
	case bool:
		return openapi3.ExclusiveBound{Bool: &v}, nil
	case float64:
		return openapi3.ExclusiveBound{Value: &v}, nil
	}
	return openapi3.ExclusiveBound{}, errFallback
}

// decodeExamples decodes named examples: large in real documents and
// irrelevant to compatibility, so cheap decoding matters.
func decodeExamples(v any) (openapi3.Examples, error) {
	m, err := obj(v)
	if err != nil {
		return nil, err
	}
	out := make(openapi3.Examples, len(m))
	for name, x := range m {
		em, err := obj(x)
		if err != nil {
			return nil, err
		}
		if ref, ok, err := refOf(em); ok || err != nil {
			if len(em) != 1 || err != nil {
				return nil, errFallback
			}
			out[name] = &openapi3.ExampleRef{Ref: ref}
			continue
		}
		e := &openapi3.Example{}
		for k, y := range em {
			var err error
			switch k {
			case "summary":
				e.Summary, err = str(y)
			case "description":
				e.Description, err = str(y)
			case "value":
				e.Value = y
			case "externalValue":
				e.ExternalValue, err = str(y)
			default:
				if !addExt(&e.Extensions, k, y) {
					return nil, errFallback
				}
			}
			if err != nil {
				return nil, err
			}
		}
		out[name] = &openapi3.ExampleRef{Value: e}
	}
	return out, nil
}
