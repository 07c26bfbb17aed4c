package openapi

import (
	"errors"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// yaml.v3 builds a node per scalar, mapping and sequence before anything
// else can look at a document, and on large documents that parse is most
// of the load. scanYAML reads the subset of YAML that OpenAPI documents are
// written in (block and single-line flow collections, plain, quoted and
// block scalars, comments) straight into the position tree and generic
// value that yamlBoth builds from yaml.v3's nodes. Whatever lies outside
// the subset, or could mean something else, makes it give up (errSlowYAML)
// and the loader takes the yaml.v3 path, which also produces the error
// message for a malformed file. Equivalence with that path is pinned by
// tests over every testdata document and by fuzzing.

var errSlowYAML = errors.New("yaml outside the fast subset")

type yscan struct {
	data     []byte
	i        int   // offset
	line     int   // 1-based line of offset i
	ls       int   // offset of the start of the current line
	slab     *slab // shared by copies of the scanner, which look ahead
	maxDepth int
	done     func() bool // reports whether the load was cancelled
	steps    *int        // entries read, shared like slab
}

// step counts an entry and gives up, every few thousand, once the load is
// cancelled: the caller then reports the cancellation.
func (s *yscan) step() {
	if *s.steps++; *s.steps&8191 == 0 && s.done != nil && s.done() {
		s.slow()
	}
}

// scanYAML scans data; ok is false when the yaml.v3 path must read it, or
// when done (which may be nil) reports the load cancelled.
func scanYAML(data []byte, maxDepth int, done func() bool) (tree *pnode, v any, ok bool) {
	if !printable(data) {
		return nil, nil, false
	}
	s := &yscan{data: data, line: 1, maxDepth: maxDepth, slab: &slab{}, done: done, steps: new(int)}
	defer func() {
		if r := recover(); r != nil {
			if r != errSlowYAML { //nolint:errorlint // our own sentinel, never wrapped
				panic(r)
			}
			tree, v, ok = nil, nil, false
		}
	}()
	s.skipBlank()
	if s.i < len(s.data) && s.startsLine("---") {
		s.i += 3
		s.restOfLineEmpty()
		s.skipBlank()
	}
	if markerAfter(data, s.i) {
		return nil, nil, false // more documents, or an end marker
	}
	if s.i >= len(s.data) {
		return nil, nil, false
	}
	at := s.here()
	n, val, _ := s.node(s.col(), -1, at, 0)
	s.skipBlank()
	if s.i < len(s.data) {
		s.slow() // a second document, "...", or text the structure does not explain
	}
	return n, val, true
}

func (s *yscan) slow() { panic(errSlowYAML) }

// markerAfter reports whether a line from offset i on starts with a
// document marker (--- or ...).
func markerAfter(data []byte, i int) bool {
	for j := i; j < len(data); j++ {
		if j != 0 && data[j-1] != '\n' {
			continue
		}
		if len(data)-j >= 3 && (string(data[j:j+3]) == "---" || string(data[j:j+3]) == "...") &&
			(len(data)-j == 3 || data[j+3] == ' ' || data[j+3] == '\n') {
			return true
		}
	}
	return false
}

// printable reports whether data is valid UTF-8 made only of characters
// YAML allows in a document, with no tab, carriage return or byte order
// mark (all of which yaml.v3 handles on its own).
func printable(data []byte) bool {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n <= 1,
			r >= 0x80 && r <= 0x9f && r != 0x85,
			r >= 0xd800 && r <= 0xdfff, r == 0xfeff, r == 0xfffe, r == 0xffff:
			return false
		}
		i += n
	}
	return true
}

func (s *yscan) here() pos { return pos{int32(s.line), int32(s.i-s.ls) + 1} }
func (s *yscan) col() int  { return s.i - s.ls }

func (s *yscan) startsLine(p string) bool {
	return s.i == s.ls && strings.HasPrefix(string(s.data[s.i:min(len(s.data), s.i+len(p)+1)]), p) &&
		(s.i+len(p) == len(s.data) || s.data[s.i+len(p)] == '\n' || s.data[s.i+len(p)] == ' ')
}

// newline moves past the '\n' at s.i.
func (s *yscan) newline() {
	s.i++
	s.line++
	s.ls = s.i
}

// skipBlank moves to the first character of the next line holding
// something other than spaces and a comment; tabs and carriage returns
// are left to yaml.v3.
func (s *yscan) skipBlank() {
	for s.i < len(s.data) {
		switch c := s.data[s.i]; c {
		case ' ':
			s.i++
		case '\n':
			s.newline()
		case '#':
			if s.i > s.ls && s.data[s.i-1] != ' ' {
				return
			}
			for s.i < len(s.data) && s.data[s.i] != '\n' {
				s.i++
			}
		case '\t', '\r', 0xEF: // tab, CR, BOM
			s.slow()
		default:
			return
		}
	}
}

// restOfLineEmpty requires only spaces and a comment up to the line's end,
// and moves past them (not past the newline).
func (s *yscan) restOfLineEmpty() {
	for s.i < len(s.data) && s.data[s.i] == ' ' {
		s.i++
	}
	if s.i < len(s.data) && s.data[s.i] == '#' {
		if s.data[s.i-1] != ' ' {
			s.slow()
		}
		for s.i < len(s.data) && s.data[s.i] != '\n' {
			s.i++
		}
	}
	if s.i < len(s.data) && s.data[s.i] != '\n' {
		s.slow()
	}
}

// node reads the block node starting at s.i, which is in column col; the
// node belongs to a parent at indentation parent. at is the position the
// tree records for it. For a scalar it returns the scalar's text too.
func (s *yscan) node(col, parent int, at pos, depth int) (*pnode, any, string) {
	if depth >= s.maxDepth {
		s.slow()
	}
	c := s.data[s.i]
	switch {
	case c == '-' && s.isIndicator(s.i):
		n, v := s.sequence(col, at, depth)
		return n, v, ""
	case c == '[' || c == '{':
		n, v := s.flow(at, depth)
		s.restOfLineEmpty()
		return n, v, ""
	case c == '|' || c == '>':
		s.slow() // a block scalar as a whole node is rare enough
	}
	// A mapping if a key starts here, else a scalar.
	save := *s
	_, _, isKey := s.key()
	*s = save
	if isKey {
		n, v := s.mapping(col, at, depth)
		return n, v, ""
	}
	v, text := s.scalarValue(parent)
	return nil, v, text
}

// isIndicator reports whether the '-' or ':' at i is followed by a space or
// a line end.
func (s *yscan) isIndicator(i int) bool {
	return i+1 >= len(s.data) || s.data[i+1] == ' ' || s.data[i+1] == '\n'
}

// mapping reads a block mapping whose keys sit in column col.
func (s *yscan) mapping(col int, at pos, depth int) (*pnode, any) {
	p := s.slab.new()
	p.at = at
	m := map[string]any{}
	for {
		s.step()
		key, kp, ok := s.key()
		if !ok {
			s.slow()
		}
		if _, dup := m[key]; dup || key == "<<" {
			s.slow()
		}
		// The value: on this line, or the lines below.
		for s.i < len(s.data) && s.data[s.i] == ' ' {
			s.i++
		}
		var kid *pnode
		var v any
		switch {
		case s.i >= len(s.data) || s.data[s.i] == '\n' || s.data[s.i] == '#':
			s.restOfLineEmpty()
			kid, v = s.below(col, kp, depth)
		case s.data[s.i] == '|' || s.data[s.i] == '>':
			v = s.blockScalar(col)
		case s.data[s.i] == '[' || s.data[s.i] == '{':
			kid, v = s.flow(kp, depth+1)
			s.restOfLineEmpty()
		default:
			var text string
			v, text = s.scalarValue(col)
			if depth == 0 && (key == "openapi" || key == "swagger") {
				v = text // an unquoted version (openapi: 3.0) is the text
			}
		}
		if kid == nil {
			if str, isStr := v.(string); isStr && (key == "in" || key == "$ref") {
				if key == "in" {
					p.in = str
				} else {
					p.ref = str
				}
			}
		}
		m[key] = v
		p.ents = append(p.ents, pent{key: key, at: kp, kid: kid})
		// The next key, in the same column, or the mapping's end.
		s.skipBlank()
		if s.i >= len(s.data) {
			return p, m
		}
		switch c := s.col(); {
		case c == col:
			if s.data[s.i] == '-' && s.isIndicator(s.i) {
				s.slow() // a sequence where a key belongs
			}
			continue
		case c < col:
			return p, m
		default:
			s.slow() // more indented than the keys: not a simple mapping
		}
	}
}

// below reads the value of a key whose line ends after the colon: a node
// on the following lines indented past col, a sequence in col itself, or
// null.
func (s *yscan) below(col int, kp pos, depth int) (*pnode, any) {
	save := *s
	s.skipBlank()
	if s.i >= len(s.data) {
		*s = save
		return nil, nil
	}
	c := s.col()
	switch {
	case c > col:
		n, v, _ := s.node(c, col, kp, depth+1)
		if n == nil {
			s.slow() // a scalar on the line below its key
		}
		return n, v
	case c == col && s.data[s.i] == '-' && s.isIndicator(s.i):
		return s.sequence(c, kp, depth+1)
	}
	*s = save
	return nil, nil
}

// sequence reads a block sequence whose dashes sit in column col.
func (s *yscan) sequence(col int, at pos, depth int) (*pnode, any) {
	if depth >= s.maxDepth {
		s.slow()
	}
	p := s.slab.new()
	p.at = at
	p.isSeq = true
	list := []any{}
	for {
		s.step()
		s.i++ // the dash
		for s.i < len(s.data) && s.data[s.i] == ' ' {
			s.i++
		}
		var kid *pnode
		var v any
		var text string
		var ip pos
		switch {
		case s.i >= len(s.data) || s.data[s.i] == '\n' || s.data[s.i] == '#':
			s.slow() // an item on the lines below its dash
		case s.data[s.i] == '|' || s.data[s.i] == '>':
			s.slow()
		default:
			ip = s.here()
			kid, v, text = s.node(s.col(), col, ip, depth+1)
		}
		if kid == nil {
			item := s.slab.new()
			item.at = ip
			p.ents = append(p.ents, pent{key: text, at: ip, kid: item})
		} else {
			p.ents = append(p.ents, pent{at: ip, kid: kid})
		}
		list = append(list, v)
		s.skipBlank()
		if s.i >= len(s.data) {
			return p, list
		}
		switch c := s.col(); {
		case c == col && s.data[s.i] == '-' && s.isIndicator(s.i):
			continue
		case c <= col:
			return p, list
		default:
			s.slow()
		}
	}
}

// key reads a mapping key and its colon at s.i: a plain or quoted scalar
// followed by ": " or ":" at the line's end.
func (s *yscan) key() (string, pos, bool) {
	kp := s.here()
	if s.i >= len(s.data) {
		return "", kp, false
	}
	var key string
	switch c := s.data[s.i]; c {
	case '"', '\'':
		k, ok := s.quoted()
		if !ok {
			return "", kp, false
		}
		key = k
		for s.i < len(s.data) && s.data[s.i] == ' ' {
			s.i++
		}
		if s.i >= len(s.data) || s.data[s.i] != ':' || !s.isIndicator(s.i) {
			return "", kp, false
		}
	default:
		if !plainStart(s.data, s.i) {
			return "", kp, false
		}
		start := s.i
		for {
			if s.i >= len(s.data) || s.data[s.i] == '\n' {
				return "", kp, false
			}
			if s.data[s.i] == ':' && s.isIndicator(s.i) {
				break
			}
			if s.data[s.i] == '#' && s.data[s.i-1] == ' ' {
				return "", kp, false
			}
			s.i++
		}
		key = strings.TrimRight(string(s.data[start:s.i]), " ")
	}
	s.i++ // the colon
	return key, kp, true
}

// plainStart reports whether a plain scalar may start at i: not with an
// indicator, except -, ? and : followed by a non-space.
func plainStart(d []byte, i int) bool {
	switch d[i] {
	case '-', '?', ':':
		return i+1 < len(d) && d[i+1] != ' ' && d[i+1] != '\n'
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '\n', '\t', '\r':
		return false
	}
	return true
}

// scalarValue reads a plain or quoted scalar in block context whose
// continuation lines must be indented past parent; it returns the value and
// the scalar's text.
func (s *yscan) scalarValue(parent int) (any, string) {
	if s.data[s.i] == '"' || s.data[s.i] == '\'' {
		t, ok := s.quotedLines(parent)
		if !ok {
			s.slow()
		}
		s.restOfLineEmpty()
		return t, t
	}
	if !plainStart(s.data, s.i) {
		s.slow()
	}
	start := s.i
	for s.i < len(s.data) && s.data[s.i] != '\n' {
		c := s.data[s.i]
		if c == ':' && s.isIndicator(s.i) || c == '#' && s.data[s.i-1] == ' ' {
			break
		}
		s.i++
	}
	text := strings.TrimRight(string(s.data[start:s.i]), " ")
	if s.i < len(s.data) && s.data[s.i] == ':' {
		s.slow() // "a: b: c"
	}
	commented := s.i < len(s.data) && s.data[s.i] == '#'
	s.restOfLineEmpty()
	// Continuation lines, indented past the parent, fold into one scalar:
	// a line break between two lines is a space, each empty line a newline.
	var b *strings.Builder
	for s.i < len(s.data) {
		save := *s
		breaks := 0
		s.newline()
		for {
			for s.i < len(s.data) && s.data[s.i] == ' ' {
				s.i++
			}
			if s.i < len(s.data) && s.data[s.i] == '\n' {
				breaks++
				s.newline()
				continue
			}
			break
		}
		if s.i >= len(s.data) || s.col() <= parent || s.data[s.i] == '#' {
			*s = save
			break
		}
		if commented {
			s.slow() // text after a comment: not a continuation
		}
		ls := s.i
		for s.i < len(s.data) && s.data[s.i] != '\n' {
			c := s.data[s.i]
			if c == ':' && s.isIndicator(s.i) || c == '#' && s.data[s.i-1] == ' ' || c == '\t' || c == '\r' {
				s.slow()
			}
			s.i++
		}
		if b == nil {
			b = &strings.Builder{}
			b.WriteString(text)
		}
		if breaks == 0 {
			b.WriteByte(' ')
		}
		for ; breaks > 0; breaks-- {
			b.WriteByte('\n')
		}
		b.WriteString(strings.TrimRight(string(s.data[ls:s.i]), " "))
	}
	if b != nil {
		text = b.String()
	}
	return plainValue(text), text
}

// plainValue is a plain scalar's value, as scalarValue reads yaml.v3's.
func plainValue(text string) any {
	if text == "" {
		return nil
	}
	switch text[0] {
	case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '-', '.':
		return scalarValue(&yaml.Node{Kind: yaml.ScalarNode, Value: text})
	}
	switch text {
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	case "~", "null", "Null", "NULL":
		return nil
	case "<<":
		panic(errSlowYAML)
	}
	return text
}

// quoted reads a single- or double-quoted scalar that ends on its line.
func (s *yscan) quoted() (string, bool) { return s.quotedLines(-2) }

// quotedLines reads a quoted scalar; when parent is -1 or more it may go
// on over lines indented past parent, which fold: a line break is a
// space, each empty line a newline, and the spaces around a break vanish.
func (s *yscan) quotedLines(parent int) (string, bool) {
	q := s.data[s.i]
	s.i++
	var b []byte
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '\n' && parent >= -1:
			for len(b) > 0 && b[len(b)-1] == ' ' {
				b = b[:len(b)-1]
			}
			breaks := 0
			s.newline()
			for {
				for s.i < len(s.data) && s.data[s.i] == ' ' {
					s.i++
				}
				if s.i < len(s.data) && s.data[s.i] == '\n' {
					breaks++
					s.newline()
					continue
				}
				break
			}
			if s.i >= len(s.data) || s.col() <= parent || s.data[s.i] == '\t' || s.data[s.i] == '\r' {
				return "", false
			}
			if breaks == 0 {
				b = append(b, ' ')
			}
			for ; breaks > 0; breaks-- {
				b = append(b, '\n')
			}
		case c == '\n' || c == '\r':
			return "", false
		case c == q && q == '\'' && s.i+1 < len(s.data) && s.data[s.i+1] == '\'':
			b = append(b, '\'')
			s.i += 2
		case c == q:
			s.i++
			return string(b), true
		case c == '\\' && q == '"':
			if s.i+1 >= len(s.data) {
				return "", false
			}
			e := s.data[s.i+1]
			r, ok := map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'n': '\n', 't': '\t', 'r': '\r', '0': 0, 'b': '\b', 'f': '\f', 'e': 0x1b, 'a': 7, 'v': 11, ' ': ' '}[e]
			if !ok {
				return "", false // \x, \u, \U, \N, …: yaml.v3
			}
			b = append(b, r)
			s.i += 2
		case c < 0x20 && c != '\t':
			return "", false
		default:
			b = append(b, c)
			s.i++
		}
	}
	return "", false
}

// blockScalar reads a literal (|) or folded (>) block scalar whose parent
// mapping's keys sit in column parent.
func (s *yscan) blockScalar(parent int) string {
	folded := s.data[s.i] == '>'
	s.i++
	chomp := byte(0)
	for s.i < len(s.data) && (s.data[s.i] == '-' || s.data[s.i] == '+') {
		if chomp != 0 {
			s.slow()
		}
		chomp = s.data[s.i]
		s.i++
	}
	if s.i < len(s.data) && s.data[s.i] >= '1' && s.data[s.i] <= '9' {
		s.slow() // explicit indentation
	}
	s.restOfLineEmpty()
	// Lines: leading empty lines, then content indented by indent.
	var lines []string
	indent := -1
	ended := true
	for s.i < len(s.data) {
		save := *s
		s.newline()
		sp := s.i
		for s.i < len(s.data) && s.data[s.i] == ' ' {
			s.i++
		}
		n := s.i - sp
		if s.i >= len(s.data) || s.data[s.i] == '\n' {
			if indent >= 0 && n > indent {
				lines = append(lines, string(s.data[sp+indent:s.i]))
				continue
			}
			if indent < 0 && n > parent+1 && s.i < len(s.data) {
				s.slow() // leading blank lines longer than the content's indentation
			}
			lines = append(lines, "")
			continue
		}
		if indent < 0 {
			if n <= parent {
				*s = save
				break
			}
			indent = n
		}
		if n < indent {
			*s = save
			break
		}
		if s.data[s.i] == '\t' || s.data[s.i] == '\r' {
			s.slow()
		}
		for s.i < len(s.data) && s.data[s.i] != '\n' {
			if s.data[s.i] == '\r' {
				s.slow()
			}
			s.i++
		}
		lines = append(lines, string(s.data[sp+indent:s.i]))
		ended = s.i < len(s.data) // the line has its line break
	}
	// Trailing empty lines belong to the chomping, not the content; they
	// were read past the scalar's end only if the document ends.
	content := len(lines)
	for content > 0 && lines[content-1] == "" {
		content--
	}
	noBreak := !ended && content == len(lines) // the last line ends the file
	lines = lines[:content]
	if folded && len(lines) > 0 && lines[0] == "" {
		s.slow() // leading empty lines of a folded scalar
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			switch {
			case !folded:
				b.WriteByte('\n')
			case l == "" || lines[i-1] == "":
				if l == "" {
					b.WriteByte('\n')
				}
			case strings.HasPrefix(l, " ") || strings.HasPrefix(lines[i-1], " "):
				s.slow() // more-indented lines in a folded scalar
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	if folded {
		for _, l := range lines {
			if strings.HasPrefix(l, " ") {
				s.slow()
			}
		}
	}
	switch {
	case len(lines) == 0:
		return ""
	case chomp == '-', noBreak:
	case chomp == '+':
		s.slow()
	default:
		b.WriteByte('\n')
	}
	return b.String()
}

// flow reads a flow sequence or mapping that ends on the line it starts.
func (s *yscan) flow(at pos, depth int) (*pnode, any) {
	if depth >= s.maxDepth {
		s.slow()
	}
	open := s.data[s.i]
	s.i++
	p := s.slab.new()
	p.at = at
	if open == '[' {
		p.isSeq = true
		list := []any{}
		for {
			s.flowSpace()
			if s.data[s.i] == ']' {
				s.i++
				return p, list
			}
			ip := s.here()
			kid, v, text := s.flowValue(ip, depth)
			if kid == nil {
				item := s.slab.new()
				item.at = ip
				p.ents = append(p.ents, pent{key: text, at: ip, kid: item})
			} else {
				p.ents = append(p.ents, pent{at: ip, kid: kid})
			}
			list = append(list, v)
			if !s.flowNext(']') {
				s.i++
				return p, list
			}
		}
	}
	m := map[string]any{}
	for {
		s.flowSpace()
		if s.data[s.i] == '}' {
			s.i++
			return p, m
		}
		kp := s.here()
		var key string
		if c := s.data[s.i]; c == '"' || c == '\'' {
			k, ok := s.quoted()
			if !ok {
				s.slow()
			}
			key = k
		} else {
			_, key = s.flowPlain()
		}
		s.flowSpace()
		if s.data[s.i] != ':' || s.i+1 >= len(s.data) || s.data[s.i+1] != ' ' {
			s.slow()
		}
		s.i++
		if _, dup := m[key]; dup || key == "<<" {
			s.slow()
		}
		s.flowSpace()
		kid, v, _ := s.flowValue(kp, depth)
		if kid == nil {
			if str, isStr := v.(string); isStr && (key == "in" || key == "$ref") {
				if key == "in" {
					p.in = str
				} else {
					p.ref = str
				}
			}
		}
		m[key] = v
		p.ents = append(p.ents, pent{key: key, at: kp, kid: kid})
		if !s.flowNext('}') {
			s.i++
			return p, m
		}
	}
}

// flowSpace skips spaces inside a flow collection on one line.
func (s *yscan) flowSpace() {
	for s.i < len(s.data) && s.data[s.i] == ' ' {
		s.i++
	}
	if s.i >= len(s.data) || s.data[s.i] == '\n' || s.data[s.i] == '#' || s.data[s.i] == '\t' || s.data[s.i] == '\r' {
		s.slow()
	}
}

// flowNext moves past a comma and reports true, or stops at the closing
// bracket and reports false.
func (s *yscan) flowNext(close byte) bool {
	s.flowSpace()
	switch s.data[s.i] {
	case ',':
		s.i++
		return true
	case close:
		return false
	}
	s.slow()
	return false
}

func (s *yscan) flowValue(at pos, depth int) (*pnode, any, string) {
	switch c := s.data[s.i]; c {
	case '[', '{':
		n, v := s.flow(at, depth+1)
		return n, v, ""
	case '"', '\'':
		t, ok := s.quoted()
		if !ok {
			s.slow()
		}
		return nil, t, t
	}
	v, text := s.flowPlain()
	return nil, v, text
}

// flowPlain reads a plain scalar inside a flow collection.
func (s *yscan) flowPlain() (any, string) {
	if !plainStart(s.data, s.i) {
		s.slow()
	}
	start := s.i
	for s.i < len(s.data) {
		c := s.data[s.i]
		if c == ',' || c == ']' || c == '}' || c == '[' || c == '{' || c == '\n' ||
			c == ':' && (s.i+1 >= len(s.data) || strings.IndexByte(" \n,[]{}", s.data[s.i+1]) >= 0) ||
			c == '#' && s.data[s.i-1] == ' ' {
			break
		}
		if c == '\t' || c == '\r' {
			s.slow()
		}
		s.i++
	}
	text := strings.TrimRight(string(s.data[start:s.i]), " ")
	if s.i < len(s.data) && (s.data[s.i] == '[' || s.data[s.i] == '{') {
		s.slow()
	}
	return plainValue(text), text
}
