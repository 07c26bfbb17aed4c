package openapi

import (
	"bytes"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// danglingRef finds a local $ref ("#/...") in v that resolves to nothing in
// root, so the error for a broken document can name it.
func danglingRef(root, v any, depth int) (string, bool) {
	if depth > DefaultMaxDepth*2 {
		return "", false
	}
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok && strings.HasPrefix(ref, "#") {
			if !resolves(root, ref) {
				return ref, true
			}
		}
		for _, k := range sortedKeys(t) {
			if ref, ok := danglingRef(root, t[k], depth+1); ok {
				return ref, true
			}
		}
	case []any:
		for _, x := range t {
			if ref, ok := danglingRef(root, x, depth+1); ok {
				return ref, true
			}
		}
	}
	return "", false
}

// resolves follows a JSON pointer fragment ("#/components/schemas/Order")
// through a generic value.
func resolves(root any, ref string) bool {
	frag := strings.TrimPrefix(ref, "#")
	if u, err := url.PathUnescape(frag); err == nil {
		frag = u
	}
	if frag == "" {
		return true
	}
	cur := root
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return false
			}
			cur = c[i]
		default:
			return false
		}
	}
	return true
}

// lineOf is the line where s first appears in data, 0 when it does not.
func lineOf(data []byte, s string) int {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 0
	}
	return 1 + bytes.Count(data[:i], []byte("\n"))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
