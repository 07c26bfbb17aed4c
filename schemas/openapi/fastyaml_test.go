package openapi

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// slowYAML is what the loader builds from a YAML file through yaml.v3.
func slowYAML(t testing.TB, data []byte) (*pnode, any) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatalf("yaml.v3: %v", err)
	}
	versionAsString(&root)
	budget := 2*len(data) + 1024
	tree, v, err := yamlBoth(&root, pos{}, &slab{}, 0, &budget)
	if err != nil {
		t.Fatalf("yamlBoth: %v", err)
	}
	return tree, v
}

// sameTree reports the first difference between two position trees.
func sameTree(a, b *pnode, path string) string {
	switch {
	case a == nil && b == nil:
		return ""
	case a == nil || b == nil:
		return fmt.Sprintf("%s: one side has no node (%v, %v)", path, a != nil, b != nil)
	case a.at != b.at || a.isSeq != b.isSeq || a.in != b.in || a.ref != b.ref || len(a.ents) != len(b.ents):
		return fmt.Sprintf("%s: node %+v %v %q %q %d vs %+v %v %q %q %d", path, a.at, a.isSeq, a.in, a.ref, len(a.ents), b.at, b.isSeq, b.in, b.ref, len(b.ents))
	}
	for i := range a.ents {
		ea, eb := a.ents[i], b.ents[i]
		p := path + "/" + ea.key
		if ea.key != eb.key || ea.at != eb.at {
			return fmt.Sprintf("%s: entry %d %q@%v vs %q@%v", path, i, ea.key, ea.at, eb.key, eb.at)
		}
		if d := sameTree(ea.kid, eb.kid, p); d != "" {
			return d
		}
	}
	return ""
}

func yamlFiles(t *testing.T) []string {
	var files []string
	for _, pattern := range []string{"../../testdata/openapi/*/*/*.yaml", "../../testdata/openapi/*/*/*.yml", "../../compat/openapi/testdata/*/*.yaml", "../../testdata/examples/*.yaml", "../../schemas/*.yaml", "../../../shared/corpus/stripe-12/*.yaml"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) < 50 {
		t.Fatalf("only %d YAML files found", len(files))
	}
	return files
}

// TestFastYAMLMatchesYAMLv3 pins that the fast scanner, wherever it reads
// a file, builds exactly what the yaml.v3 path builds: every testdata
// document and the Stripe corpus.
func TestFastYAMLMatchesYAMLv3(t *testing.T) {
	fast := 0
	files := yamlFiles(t)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var probe yaml.Node
		if yaml.Unmarshal(data, &probe) != nil {
			continue // malformed on purpose: the slow path reports it
		}
		tree, v, ok := scanYAML(data, DefaultMaxDepth, nil)
		if !ok {
			t.Logf("%s: yaml.v3 path", f)
			continue
		}
		fast++
		st, sv := slowYAML(t, data)
		if !reflect.DeepEqual(v, sv) {
			t.Errorf("%s: generic values differ", f)
		}
		if d := sameTree(tree, st, ""); d != "" {
			t.Errorf("%s: positions differ: %s", f, d)
		}
	}
	if fast < len(files)*3/4 {
		t.Errorf("the fast scanner read only %d of %d files", fast, len(files))
	}
}

// TestFastYAMLCases pins small shapes one by one against yaml.v3, and
// which of them the scanner leaves to it.
func TestFastYAMLCases(t *testing.T) {
	cases := []struct {
		doc  string
		fast bool
	}{
		{"a: 1\nb: x\n", true},
		{"openapi: 3.0\nx: 3.0\n", true},
		{"a:\n- 1\n- two\nb: {c: d, 'e': [1, 2]}\n", true},
		{"a:\n  - name: x\n    in: query\n  - $ref: '#/p'\n", true},
		{"a: long text\n  that continues\n\n  and a new paragraph\nb: 2\n", true},
		{"a: |\n  line one\n    indented\n\n  three\nb: >-\n  folded\n  text\n\n  next\nc: 1\n", true},
		{"a: \"esc\\\"aped\\n\" # comment\nb: 'it''s'\n", true},
		{"a: ~\nb: null\nc:\nd: true\ne: 0x1F\nf: 1e3\ng: 2001-12-14\nh: 1_000\ni: .inf\n", true},
		{"'200': {description: ok}\n\"x y\": [ ]\n", true},
		{"---\na: 1\n", true},
		{"a: &x 1\nb: *x\n", false},
		{"a: !tag 1\n", false},
		{"a:\n\tb: 1\n", false},
		{"a: 1\na: 2\n", false},
		{"a: [1,\n 2]\n", false},
		{"a: \"multi \n  line\n\n  para\"\nb: 'x\n   y'\n", true},
		{"a: \"multi\nline\"\n", false},
		{"? complex\n: key\n", false},
		{"<<: {a: 1}\n", false},
		{"a: b: c\n", false},
		{"a: 1\n---\nb: 2\n", false},
	}
	for _, c := range cases {
		tree, v, ok := scanYAML([]byte(c.doc), DefaultMaxDepth, nil)
		if ok != c.fast {
			t.Errorf("%q: fast = %t, want %t", c.doc, ok, c.fast)
			continue
		}
		if !ok {
			continue
		}
		st, sv := slowYAML(t, []byte(c.doc))
		if !reflect.DeepEqual(v, sv) {
			t.Errorf("%q: value %#v, yaml.v3 %#v", c.doc, v, sv)
		}
		if d := sameTree(tree, st, ""); d != "" {
			t.Errorf("%q: %s", c.doc, d)
		}
	}
}

// FuzzFastYAML checks the scanner against yaml.v3 on any input it accepts.
func FuzzFastYAML(f *testing.F) {
	for _, s := range []string{"a: 1\n", "a:\n- b: |\n    x\n", "a: {b: [1, 'c']}\n", "x: long\n  text\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, v, ok := scanYAML(data, 64, nil)
		if !ok {
			return
		}
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err != nil {
			t.Fatalf("scanned what yaml.v3 refuses (%v): %q", err, data)
		}
		if strings.Count(string(data), "\n") > 1000 {
			return
		}
		st, sv := slowYAML(t, data)
		if !reflect.DeepEqual(v, sv) {
			t.Fatalf("%q: value %#v, yaml.v3 %#v", data, v, sv)
		}
		if d := sameTree(tree, st, ""); d != "" {
			t.Fatalf("%q: %s", data, d)
		}
	})
}
