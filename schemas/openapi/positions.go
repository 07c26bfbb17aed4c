package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// kin-openapi records origins only on its YAML path, which costs about ten
// times its JSON path on large documents. So the main file goes to
// kin-openapi as JSON, and positions come from a tree of our own: built by a
// small JSON scanner, or from the yaml.v3 nodes already parsed for the
// syntax check, then copied onto the loaded objects by a walk of both.

// pos is a line and column, counting from 1.
type pos struct{ line, col int32 }

// pnode is one mapping or sequence of a file, with positions. For a mapping,
// ents holds each key, its position and its value's node (nil for a scalar
// value); for a sequence, ents holds the items, each with its node (one with
// no entries for a scalar item) and, for a scalar item, its text as key.
// One slice rather than three parallel ones saves two allocations per
// mapping.
type pnode struct {
	at    pos // the key introducing this value, or the item's own position
	isSeq bool
	ents  []pent
	// in and ref keep the scalar values of "in" and "$ref" keys, which
	// walking a converted Swagger 2.0 document needs.
	in, ref string
	// index maps the keys of a large mapping to their entries, built on the
	// first lookup: the paths of a wide document are looked up one by one,
	// and a scan per lookup would make loading quadratic in their number.
	index map[string]int32
}

// indexFrom is the number of entries from which a mapping is indexed.
const indexFrom = 16

// pent is one entry of a pnode: a mapping key or a sequence item (whose key
// is its text when it is a scalar, "" otherwise).
type pent struct {
	key string
	at  pos
	kid *pnode
}

// scalarAt returns the kept scalar value of key ("in" or "$ref") in n.
func scalarAt(n *pnode, key string) string {
	if n == nil {
		return ""
	}
	if key == "in" {
		return n.in
	}
	return n.ref
}

// get returns the mapping value under key, nil when absent or scalar.
func (n *pnode) get(key string) *pnode {
	if n == nil || n.isSeq {
		return nil
	}
	if len(n.ents) < indexFrom {
		for i := range n.ents {
			if n.ents[i].key == key {
				return n.ents[i].kid
			}
		}
		return nil
	}
	if n.index == nil {
		n.index = make(map[string]int32, len(n.ents))
		for i := range n.ents {
			if _, dup := n.index[n.ents[i].key]; !dup {
				n.index[n.ents[i].key] = int32(i)
			}
		}
	}
	if i, ok := n.index[key]; ok {
		return n.ents[i].kid
	}
	return nil
}

// item returns sequence item i, nil when absent.
func (n *pnode) item(i int) *pnode {
	if n == nil || !n.isSeq || i < 0 || i >= len(n.ents) {
		return nil
	}
	return n.ents[i].kid
}

// slab allocates pnodes in chunks, to keep the allocation count low.
type slab struct{ buf []pnode }

func (s *slab) new() *pnode {
	if len(s.buf) == cap(s.buf) {
		s.buf = make([]pnode, 0, 1024)
	}
	s.buf = append(s.buf, pnode{})
	return &s.buf[len(s.buf)-1]
}

// jsonTree scans valid JSON (checked beforehand) into a pnode tree.
type jsonTree struct {
	data      []byte
	i         int
	line      int32
	lineStart int
	slab      slab
	intern    map[string]string
}

// buildJSONTree scans valid JSON (checked beforehand) into a pnode tree
// and, in the same pass, the generic value encoding/json would decode.
func buildJSONTree(data []byte) (*pnode, any) {
	t := &jsonTree{data: data, line: 1, intern: map[string]string{}}
	t.ws()
	if t.i >= len(data) {
		return nil, nil
	}
	return t.value(t.here())
}

func (t *jsonTree) here() pos { return pos{t.line, int32(t.i-t.lineStart) + 1} }

func (t *jsonTree) ws() {
	for t.i < len(t.data) {
		switch t.data[t.i] {
		case '\n':
			t.line++
			t.lineStart = t.i + 1
		case ' ', '\t', '\r':
		default:
			return
		}
		t.i++
	}
}

// str reads a string token, returning its decoded value.
func (t *jsonTree) str() string {
	start := t.i
	t.i++ // opening quote
	esc := false
	for t.i < len(t.data) {
		c := t.data[t.i]
		if c == '\\' {
			esc = true
			t.i += 2
			continue
		}
		t.i++
		if c == '"' {
			break
		}
	}
	raw := t.data[start:t.i]
	if !esc {
		if s, ok := t.intern[string(raw[1:len(raw)-1])]; ok {
			return s
		}
		s := string(raw[1 : len(raw)-1])
		if len(s) < 64 && len(t.intern) < 1<<16 {
			t.intern[s] = s
		}
		return s
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(raw)
	}
	return s
}

// value reads the value at t.i; at is the position to record for it. It
// returns the position node (nil for a scalar) and the decoded value.
func (t *jsonTree) value(at pos) (*pnode, any) {
	switch t.data[t.i] {
	case '{':
		n := t.slab.new()
		n.at = at
		m := map[string]any{}
		t.i++
		for {
			t.ws()
			if t.i >= len(t.data) || t.data[t.i] == '}' {
				t.i++
				return n, m
			}
			if t.data[t.i] == ',' {
				t.i++
				continue
			}
			kp := t.here()
			key := t.str()
			t.ws()
			t.i++ // colon
			t.ws()
			kid, v := t.value(kp)
			m[key] = v
			if sv, ok := v.(string); ok && (key == "in" || key == "$ref") {
				if key == "in" {
					n.in = sv
				} else {
					n.ref = sv
				}
			}
			n.ents = append(n.ents, pent{key: key, at: kp, kid: kid})
		}
	case '[':
		n := t.slab.new()
		n.at = at
		n.isSeq = true
		var list []any
		t.i++
		for {
			t.ws()
			if t.i >= len(t.data) || t.data[t.i] == ']' {
				t.i++
				if list == nil {
					list = []any{}
				}
				return n, list
			}
			if t.data[t.i] == ',' {
				t.i++
				continue
			}
			ip := t.here()
			kid, v := t.value(ip)
			list = append(list, v)
			var val string
			if kid == nil {
				kid = t.slab.new()
				kid.at = ip
				if s, ok := v.(string); ok {
					val = s
				} else {
					val = fmt.Sprint(v)
				}
			}
			n.ents = append(n.ents, pent{key: val, at: ip, kid: kid})
		}
	case '"':
		return nil, t.str()
	}
	text := t.scalar()
	switch text {
	case "true":
		return nil, true
	case "false":
		return nil, false
	case "null":
		return nil, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, text
	}
	return nil, f
}

// scalar skips a scalar, returning its text (decoded for strings).
func (t *jsonTree) scalar() string {
	if t.data[t.i] == '"' {
		return t.str()
	}
	start := t.i
	for t.i < len(t.data) {
		switch t.data[t.i] {
		case ',', '}', ']', ' ', '\n', '\t', '\r':
			return string(t.data[start:t.i])
		}
		t.i++
	}
	return string(t.data[start:t.i])
}

// yamlBoth walks yaml.v3 nodes once and returns both the position tree and
// the generic value (what nodeToAny makes of them), rather than walking the
// nodes twice as large documents could not afford. Aliases are followed, as
// the JSON conversion expands them too; budget is spent exactly as nodeToAny
// spends it, in the same order, so the errors are the same. Past a depth of
// 512 positions stop and it is nodeToAny.
func yamlBoth(n *yaml.Node, at pos, s *slab, depth int, budget *int) (*pnode, any, error) {
	if depth > 512 {
		v, err := nodeToAny(n, budget)
		return nil, v, err
	}
	*budget--
	if *budget < 0 {
		return nil, nil, errors.New("aliases expand the document beyond the size limit")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil, nil
		}
		c := n.Content[0]
		return yamlBoth(c, pos{int32(c.Line), int32(c.Column)}, s, depth, budget)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, nil, nil
		}
		return yamlBoth(n.Alias, at, s, depth+1, budget)
	case yaml.MappingNode:
		p := s.new()
		p.at = at
		p.ents = make([]pent, 0, len(n.Content)/2)
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				return nil, nil, errNeedsYAMLPath
			}
			kp := pos{int32(k.Line), int32(k.Column)}
			if v.Kind == yaml.ScalarNode {
				switch k.Value {
				case "in":
					p.in = v.Value
				case "$ref":
					p.ref = v.Value
				}
			}
			kid, x, err := yamlBoth(v, kp, s, depth+1, budget)
			if err != nil {
				return nil, nil, err
			}
			m[k.Value] = x
			p.ents = append(p.ents, pent{key: k.Value, at: kp, kid: kid})
		}
		return p, m, nil
	case yaml.SequenceNode:
		p := s.new()
		p.at = at
		p.isSeq = true
		p.ents = make([]pent, 0, len(n.Content))
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			ip := pos{int32(c.Line), int32(c.Column)}
			if c.Kind == yaml.ScalarNode {
				*budget--
				if *budget < 0 {
					return nil, nil, errors.New("aliases expand the document beyond the size limit")
				}
				item := s.new()
				item.at = ip
				p.ents = append(p.ents, pent{key: c.Value, at: ip, kid: item})
				list = append(list, scalarValue(c))
				continue
			}
			kid, x, err := yamlBoth(c, ip, s, depth+1, budget)
			if err != nil {
				return nil, nil, err
			}
			p.ents = append(p.ents, pent{at: ip, kid: kid})
			list = append(list, x)
		}
		return p, list, nil
	case yaml.ScalarNode:
		return nil, scalarValue(n), nil
	}
	return nil, nil, nil
}

// errNeedsYAMLPath means a YAML file uses a feature (merge keys) the JSON
// conversion does not reproduce; kin-openapi then reads the YAML itself.
var errNeedsYAMLPath = errors.New("document needs kin-openapi's YAML path")

// yamlToJSON writes a yaml.v3 node tree as JSON. budget bounds the nodes
// written, so aliases cannot blow a small file up.
func yamlToJSON(buf *bytes.Buffer, n *yaml.Node, budget *int) error {
	*budget--
	if *budget < 0 {
		return errors.New("aliases expand the document beyond the size limit")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			buf.WriteString("null")
			return nil
		}
		return yamlToJSON(buf, n.Content[0], budget)
	case yaml.AliasNode:
		if n.Alias == nil {
			buf.WriteString("null")
			return nil
		}
		return yamlToJSON(buf, n.Alias, budget)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				return errNeedsYAMLPath
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, k.Value)
			buf.WriteByte(':')
			if err := yamlToJSON(buf, n.Content[i+1], budget); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := yamlToJSON(buf, c, budget); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		writeScalar(buf, n)
	}
	return nil
}

// nodeToAny decodes a yaml.v3 node tree into what encoding/json would make
// of yamlToJSON's output, without writing it: maps, slices, float64s.
func nodeToAny(n *yaml.Node, budget *int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, errors.New("aliases expand the document beyond the size limit")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeToAny(n.Content[0], budget)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, nil
		}
		return nodeToAny(n.Alias, budget)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				return nil, errNeedsYAMLPath
			}
			v, err := nodeToAny(n.Content[i+1], budget)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeToAny(c, budget)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		return scalarValue(n), nil
	}
	return nil, nil
}

// scalarValue is a scalar as encoding/json would decode writeScalar's text.
func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		switch n.Value {
		case "true":
			return true
		case "false":
			return false
		}
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return float64(i)
		}
		var i int64
		if n.Decode(&i) == nil {
			return float64(i)
		}
		var u uint64
		if n.Decode(&u) == nil {
			return float64(u)
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node) {
	switch n.ShortTag() {
	case "!!null":
		buf.WriteString("null")
		return
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			buf.WriteString(strconv.FormatBool(b))
			return
		}
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			buf.WriteString(strconv.FormatInt(i, 10))
			return
		}
		var u uint64
		if n.Decode(&u) == nil {
			buf.WriteString(strconv.FormatUint(u, 10))
			return
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			if json.Valid([]byte(n.Value)) {
				buf.WriteString(n.Value)
			} else {
				buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			}
			return
		}
	}
	writeJSONString(buf, n.Value)
}

func writeJSONString(buf *bytes.Buffer, s string) {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
		return
	}
	b, _ := json.Marshal(s)
	buf.Write(b)
}

// walker copies positions from a pnode tree onto the loaded objects of one
// file. It stops at $refs: a referenced object gets its position where it
// is defined (components, or another file read with origins).
type walker struct{ file string }

func (w walker) loc(p pos, name string) openapi3.Location {
	return openapi3.Location{File: w.file, Line: int(p.line), Column: int(p.col), Name: name}
}

// locatedField lists the fields whose own position findings use; keeping
// only these saves a location per description, example and the like.
var locatedField = map[string]bool{
	"type": true, "format": true, "nullable": true, "enum": true, "required": true,
	"maximum": true, "minimum": true, "exclusiveMaximum": true, "exclusiveMinimum": true,
	"maxLength": true, "minLength": true, "maxItems": true, "minItems": true,
	"uniqueItems": true, "multipleOf": true, "pattern": true, "properties": true,
	"additionalProperties": true, "discriminator": true, "oneOf": true, "anyOf": true,
	"allOf": true, "items": true, "deprecated": true, "security": true, "style": true,
	"explode": true, "in": true, "name": true, "schema": true, "content": true,
	"readOnly": true, "writeOnly": true, "responses": true, "parameters": true,
	"requestBody": true, "headers": true, "const": true, "prefixItems": true,
	"contains": true, "minContains": true, "maxContains": true, "patternProperties": true,
	"dependentRequired": true, "dependentSchemas": true, "propertyNames": true,
	"unevaluatedItems": true, "unevaluatedProperties": true, "if": true, "then": true,
	"else": true, "not": true, "contentMediaType": true, "contentEncoding": true,
	"contentSchema": true, "minProperties": true, "maxProperties": true, "callbacks": true,
}

// originAndKey holds an origin and its key location in one allocation.
type originAndKey struct {
	o   openapi3.Origin
	key openapi3.Location
}

func (w walker) origin(n *pnode) *openapi3.Origin {
	if n == nil {
		return nil
	}
	ok := &originAndKey{key: w.loc(n.at, "")}
	o := &ok.o
	o.Key = &ok.key
	if !n.isSeq && len(n.ents) > 0 {
		located := 0
		for i := range n.ents {
			if locatedField[n.ents[i].key] {
				located++
			}
		}
		for i := range n.ents {
			k := n.ents[i].key
			if !locatedField[k] {
				continue
			}
			if o.Fields == nil {
				// Sized exactly: an origin is kept per object, and most
				// objects have one or two located fields.
				o.Fields = make(openapi3.FieldLocations, 0, located)
			}
			o.Fields = append(o.Fields, w.loc(n.ents[i].at, k))
			if kid := n.ents[i].kid; kid != nil && kid.isSeq && (k == "required" || k == "enum") {
				if o.Sequences == nil {
					o.Sequences = map[string][]openapi3.Location{}
				}
				locs := make([]openapi3.Location, 0, len(kid.ents))
				for _, e := range kid.ents {
					if it := e.kid; it != nil {
						locs = append(locs, w.loc(it.at, e.key))
					}
				}
				o.Sequences[k] = locs
			}
		}
	}
	return o
}

func (w walker) doc(t *openapi3.T, n *pnode, swagger bool) {
	if t == nil || n == nil {
		return
	}
	if swagger {
		if t.Components != nil {
			w.schemas(t.Components.Schemas, n.get("definitions"))
		}
		if t.Paths != nil {
			pn := n.get("paths")
			for p, item := range t.Paths.Map() {
				w.swaggerPathItem(item, pn.get(p), n)
			}
		}
		return
	}
	if c := t.Components; c != nil {
		cn := n.get("components")
		w.schemas(c.Schemas, cn.get("schemas"))
		pn := cn.get("parameters")
		for k, p := range c.Parameters {
			w.param(p, pn.get(k))
		}
		hn := cn.get("headers")
		for k, h := range c.Headers {
			w.header(h, hn.get(k))
		}
		bn := cn.get("requestBodies")
		for k, b := range c.RequestBodies {
			w.body(b, bn.get(k))
		}
		rn := cn.get("responses")
		for k, r := range c.Responses {
			w.response(r, rn.get(k))
		}
		sn := cn.get("securitySchemes")
		for k, sc := range c.SecuritySchemes {
			if sc != nil && sc.Ref == "" && sc.Value != nil && sc.Value.Origin == nil {
				sc.Value.Origin = w.origin(sn.get(k))
			}
		}
	}
	if t.Paths != nil {
		pn := n.get("paths")
		for p, item := range t.Paths.Map() {
			w.pathItem(item, pn.get(p))
		}
	}
	wn := n.get("webhooks")
	for name, item := range t.Webhooks {
		w.pathItem(item, wn.get(name))
	}
	if c := t.Components; c != nil {
		w.callbacks(c.Callbacks, n.get("components").get("callbacks"))
	}
}

// callbacks walks the path items of callbacks (of an operation, or of the
// components), each under its name and expression.
func (w walker) callbacks(cbs openapi3.Callbacks, n *pnode) {
	if n == nil {
		return
	}
	for name, cb := range cbs {
		if cb == nil || cb.Ref != "" || cb.Value == nil {
			continue
		}
		cn := n.get(name)
		for expr, item := range cb.Value.Map() {
			w.pathItem(item, cn.get(expr))
		}
	}
}

func (w walker) schemas(m openapi3.Schemas, n *pnode) {
	if n == nil {
		return
	}
	for k, s := range m {
		w.schema(s, n.get(k))
	}
}

func (w walker) pathItem(item *openapi3.PathItem, n *pnode) {
	if item == nil || n == nil || item.Ref != "" {
		return
	}
	if item.Origin == nil {
		item.Origin = w.origin(n)
	}
	w.params(item.Parameters, n.get("parameters"))
	eachOperation(item, func(key string, op *openapi3.Operation) {
		w.operation(op, n.get(key))
	})
}

// fixedMethods are a path item's operation fields, each with the key it
// has in a document.
var fixedMethods = [...]struct{ method, key string }{
	{http.MethodConnect, "connect"}, {http.MethodDelete, "delete"},
	{http.MethodGet, "get"}, {http.MethodHead, "head"},
	{http.MethodOptions, "options"}, {http.MethodPatch, "patch"},
	{http.MethodPost, "post"}, {http.MethodPut, "put"},
	{http.MethodTrace, "trace"}, {openapi3.MethodQuery, "query"},
}

// eachOperation calls f with each operation item.Operations() would list
// and its method in lower case, without the map Operations builds per call.
func eachOperation(item *openapi3.PathItem, f func(key string, op *openapi3.Operation)) {
	for _, m := range fixedMethods {
		if op := item.GetOperation(m.method); op != nil {
			f(m.key, op)
		}
	}
	for m, op := range item.AdditionalOperations {
		if op == nil || fixedOperation(item, m) {
			continue // a fixed field wins, as in Operations
		}
		f(strings.ToLower(m), op)
	}
}

// fixedOperation reports whether method names a fixed field of item that
// holds an operation.
func fixedOperation(item *openapi3.PathItem, method string) bool {
	for _, m := range fixedMethods {
		if m.method == method {
			return item.GetOperation(method) != nil
		}
	}
	return false
}

func (w walker) operation(op *openapi3.Operation, n *pnode) {
	if op == nil || n == nil {
		return
	}
	if op.Origin == nil {
		op.Origin = w.origin(n)
	}
	w.params(op.Parameters, n.get("parameters"))
	w.body(op.RequestBody, n.get("requestBody"))
	w.callbacks(op.Callbacks, n.get("callbacks"))
	if op.Responses != nil {
		rn := n.get("responses")
		if op.Responses.Origin == nil && rn != nil {
			op.Responses.Origin = w.origin(rn)
		}
		for code, r := range op.Responses.Map() {
			w.response(r, rn.get(code))
		}
	}
}

func (w walker) params(ps openapi3.Parameters, n *pnode) {
	for i, p := range ps {
		w.param(p, n.item(i))
	}
}

func (w walker) param(p *openapi3.ParameterRef, n *pnode) {
	if p == nil || n == nil || p.Ref != "" || p.Value == nil || p.Value.Origin != nil {
		return
	}
	p.Value.Origin = w.origin(n)
	w.schema(p.Value.Schema, n.get("schema"))
	w.content(p.Value.Content, n.get("content"))
}

func (w walker) header(h *openapi3.HeaderRef, n *pnode) {
	if h == nil || n == nil || h.Ref != "" || h.Value == nil || h.Value.Origin != nil {
		return
	}
	h.Value.Origin = w.origin(n)
	w.schema(h.Value.Schema, n.get("schema"))
	w.content(h.Value.Content, n.get("content"))
}

func (w walker) body(b *openapi3.RequestBodyRef, n *pnode) {
	if b == nil || n == nil || b.Ref != "" || b.Value == nil || b.Value.Origin != nil {
		return
	}
	b.Value.Origin = w.origin(n)
	w.content(b.Value.Content, n.get("content"))
}

func (w walker) response(r *openapi3.ResponseRef, n *pnode) {
	if r == nil || n == nil || r.Ref != "" || r.Value == nil || r.Value.Origin != nil {
		return
	}
	r.Value.Origin = w.origin(n)
	hn := n.get("headers")
	for k, h := range r.Value.Headers {
		w.header(h, hn.get(k))
	}
	w.content(r.Value.Content, n.get("content"))
}

func (w walker) content(c openapi3.Content, n *pnode) {
	if n == nil {
		return
	}
	for k, mt := range c {
		mn := n.get(k)
		if mt == nil || mn == nil {
			continue
		}
		if mt.Origin == nil {
			mt.Origin = w.origin(mn)
		}
		w.schema(mt.Schema, mn.get("schema"))
	}
}

func (w walker) schema(r *openapi3.SchemaRef, n *pnode) {
	if r == nil || n == nil || r.Value == nil {
		return
	}
	if r.Ref != "" {
		return
	}
	s := r.Value
	if s.Origin != nil {
		return
	}
	s.Origin = w.origin(n)
	pn := n.get("properties")
	for k, p := range s.Properties {
		w.schema(p, pn.get(k))
	}
	w.schema(s.Items, n.get("items"))
	w.schema(s.AdditionalProperties.Schema, n.get("additionalProperties"))
	w.schema(s.Not, n.get("not"))
	for _, kw := range []struct {
		ref *openapi3.SchemaRef
		key string
	}{
		{s.Contains, "contains"}, {s.PropertyNames, "propertyNames"},
		{s.UnevaluatedItems.Schema, "unevaluatedItems"}, {s.UnevaluatedProperties.Schema, "unevaluatedProperties"},
		{s.If, "if"}, {s.Then, "then"}, {s.Else, "else"}, {s.ContentSchema, "contentSchema"},
	} {
		w.schema(kw.ref, n.get(kw.key))
	}
	for _, kw := range []struct {
		m   openapi3.Schemas
		key string
	}{{s.PatternProperties, "patternProperties"}, {s.DependentSchemas, "dependentSchemas"}, {s.Defs, "$defs"}} {
		kn := n.get(kw.key)
		for k, sr := range kw.m {
			w.schema(sr, kn.get(k))
		}
	}
	for _, kw := range []struct {
		refs openapi3.SchemaRefs
		key  string
	}{{s.AllOf, "allOf"}, {s.OneOf, "oneOf"}, {s.AnyOf, "anyOf"}, {s.PrefixItems, "prefixItems"}} {
		kn := n.get(kw.key)
		for i, sr := range kw.refs {
			w.schema(sr, kn.item(i))
		}
	}
	if d := s.Discriminator; d != nil && d.Origin == nil {
		d.Origin = w.origin(n.get("discriminator"))
	}
}

// swaggerPathItem walks a path item converted from Swagger 2.0, whose shape
// differs from the source: body and formData parameters became the request
// body, and a response's schema moved under its content.
func (w walker) swaggerPathItem(item *openapi3.PathItem, n, root *pnode) {
	if item == nil || n == nil {
		return
	}
	if item.Origin == nil {
		item.Origin = w.origin(n)
	}
	w.swaggerParams(item.Parameters, n.get("parameters"), root)
	eachOperation(item, func(key string, op *openapi3.Operation) {
		on := n.get(key)
		if op == nil || on == nil {
			return
		}
		if op.Origin == nil {
			op.Origin = w.origin(on)
		}
		body := w.swaggerParams(op.Parameters, on.get("parameters"), root)
		if rb := op.RequestBody; body != nil && rb != nil && rb.Ref == "" && rb.Value != nil && rb.Value.Origin == nil {
			rb.Value.Origin = w.origin(body)
			for _, mt := range rb.Value.Content {
				if mt != nil {
					w.schema(mt.Schema, body.get("schema"))
				}
			}
		}
		if op.Responses == nil {
			return
		}
		rn := on.get("responses")
		for code, r := range op.Responses.Map() {
			cn := rn.get(code)
			if r == nil || cn == nil || r.Ref != "" || r.Value == nil || r.Value.Origin != nil {
				continue
			}
			r.Value.Origin = w.origin(cn)
			for _, mt := range r.Value.Content {
				if mt != nil {
					w.schema(mt.Schema, cn.get("schema"))
				}
			}
		}
	})
}

// swaggerParams walks the parameters that stayed parameters, in order, and
// returns the source node of the body parameter, if any.
func (w walker) swaggerParams(ps openapi3.Parameters, n, root *pnode) (body *pnode) {
	if n == nil {
		return nil
	}
	i := 0
	for _, e := range n.ents {
		item := e.kid
		if item == nil {
			continue
		}
		in := paramIn(item, root)
		if in == "body" || in == "formData" {
			if in == "body" {
				body = item
			}
			continue
		}
		if i < len(ps) {
			p := ps[i]
			if p != nil && p.Ref == "" && p.Value != nil && p.Value.Origin == nil {
				p.Value.Origin = w.origin(item)
			}
		}
		i++
	}
	return body
}

// paramIn is where a Swagger 2.0 parameter goes, following a $ref into the
// document's parameters; "" when unknown.
func paramIn(item, root *pnode) string {
	if v := scalarAt(item, "in"); v != "" {
		return v
	}
	ref := scalarAt(item, "$ref")
	if name, ok := strings.CutPrefix(ref, "#/parameters/"); ok {
		return scalarAt(root.get("parameters").get(name), "in")
	}
	return ""
}
