package openapi

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// yamlTree is the former second walk, kept as the reference yamlBoth must
// match.
// (yamlTree turns yaml.v3 nodes into a pnode tree. Aliases are followed to
// a bounded depth, as the JSON conversion expands them too.)
func yamlTree(n *yaml.Node, at pos, s *slab, depth int) *pnode {
	if n == nil || depth > 512 {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		c := n.Content[0]
		return yamlTree(c, pos{int32(c.Line), int32(c.Column)}, s, depth)
	case yaml.AliasNode:
		return yamlTree(n.Alias, at, s, depth+1)
	case yaml.MappingNode:
		p := s.new()
		p.at = at
		p.ents = make([]pent, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			kp := pos{int32(k.Line), int32(k.Column)}
			if v.Kind == yaml.ScalarNode {
				switch k.Value {
				case "in":
					p.in = v.Value
				case "$ref":
					p.ref = v.Value
				}
			}
			p.ents = append(p.ents, pent{key: k.Value, at: kp, kid: yamlTree(v, kp, s, depth+1)})
		}
		return p
	case yaml.SequenceNode:
		p := s.new()
		p.at = at
		p.isSeq = true
		p.ents = make([]pent, 0, len(n.Content))
		for _, c := range n.Content {
			ip := pos{int32(c.Line), int32(c.Column)}
			if c.Kind == yaml.ScalarNode {
				item := s.new()
				item.at = ip
				p.ents = append(p.ents, pent{key: c.Value, at: ip, kid: item})
				continue
			}
			p.ents = append(p.ents, pent{at: ip, kid: yamlTree(c, ip, s, depth+1)})
		}
		return p
	}
	return nil
}

// TestYAMLBothMatchesTwoWalks checks that the single walk gives what
// nodeToAny and yamlTree gave, on every YAML file of the test data and on
// aliases, merge keys and a tight budget.
func TestYAMLBothMatchesTwoWalks(t *testing.T) {
	var docs [][]byte
	root := filepath.Join("..", "..", "testdata")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			if b, err := os.ReadFile(p); err == nil {
				docs = append(docs, b)
			}
		}
		return nil
	})
	if len(docs) == 0 {
		t.Fatal("no YAML test data found")
	}
	docs = append(docs,
		[]byte("a: &x {in: query, $ref: '#/r', l: [1, 2.5, true, ~, s]}\nb: *x\nc: [*x, *x]\n"),
		[]byte("a: &x [1]\nb: {<<: {c: 1}}\n"),
		[]byte("- &a {x: [y, z]}\n- [*a, *a, *a, *a]\n- {k: *a}\n"),
		[]byte(""),
		[]byte(strings.Repeat("- ", 1)+strings.Repeat("[", 600)+"{a: 1}"+strings.Repeat("]", 600)+"\n"),
	)
	for i, data := range docs {
		var n yaml.Node
		if yaml.Unmarshal(data, &n) != nil {
			continue
		}
		for _, budget := range []int{2*len(data) + 1024, 3, 7, 20} {
			b1, b2 := budget, budget
			wantG, wantErr := nodeToAny(&n, &b1)
			var s1, s2 slab
			var wantT *pnode
			if wantErr == nil {
				wantT = yamlTree(&n, pos{}, &s1, 0)
			}
			gotT, gotG, gotErr := yamlBoth(&n, pos{}, &s2, 0, &b2)
			if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
				t.Fatalf("doc %d budget %d: error %v, want %v", i, budget, gotErr, wantErr)
			}
			if wantErr != nil {
				continue
			}
			if b1 != b2 {
				t.Errorf("doc %d: budget left %d, want %d", i, b2, b1)
			}
			if !reflect.DeepEqual(gotG, wantG) {
				t.Errorf("doc %d: generic value differs", i)
			}
			if !reflect.DeepEqual(gotT, wantT) {
				t.Errorf("doc %d: position tree differs", i)
			}
		}
	}
}
