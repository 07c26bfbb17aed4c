package openapi

import (
	"bytes"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/contractgate/contracts/compat"
)

// jsonDepthOK scans JSON for nesting deeper than max without decoding it,
// returning the line where the limit is crossed.
func jsonDepthOK(data []byte, max int) (line int, ok bool) {
	depth, inStr, esc := 0, false, false
	for i, c := range data {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return 1 + bytes.Count(data[:i], []byte("\n")), false
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return 0, true
}

// nodeDepthOK walks a YAML node tree for nesting deeper than max. Aliases are
// not followed, so a billion-laughs document cannot make it loop.
func nodeDepthOK(n *yaml.Node, max, depth int) (line int, ok bool) {
	if n == nil {
		return 0, true
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		depth++
		if depth > max {
			return n.Line, false
		}
	}
	for _, c := range n.Content {
		if line, ok := nodeDepthOK(c, max, depth); !ok {
			return line, false
		}
	}
	return 0, true
}

// pathLines records where each path and operation key of a Swagger 2.0 main
// file is, since the converted tree carries no origins.
func pathLines(data []byte, root *yaml.Node, file string) map[string]compat.Location {
	if root == nil {
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			return nil
		}
		root = &n
	}
	m := root
	if m.Kind == yaml.DocumentNode && len(m.Content) > 0 {
		m = m.Content[0]
	}
	paths := mapValue(m, "paths")
	if paths == nil {
		return nil
	}
	out := map[string]compat.Location{}
	for i := 0; i+1 < len(paths.Content); i += 2 {
		k, v := paths.Content[i], paths.Content[i+1]
		out[k.Value] = compat.Location{File: file, Line: k.Line, Column: k.Column}
		if v.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			mk := v.Content[j]
			out[k.Value+"\x00"+strings.ToLower(mk.Value)] = compat.Location{File: file, Line: mk.Line, Column: mk.Column}
		}
	}
	return out
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
