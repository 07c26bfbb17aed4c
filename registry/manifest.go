package registry

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/contractgate/contracts/compat"
)

// ManifestName is the file name of a service's manifest, at its root.
const ManifestName = "contracts.yaml"

// maxManifestBytes bounds a manifest; real ones are a few hundred bytes.
const maxManifestBytes = 1 << 20

// Manifest is a parsed contracts.yaml.
type Manifest struct {
	// File is the manifest's name as shown in messages.
	File    string
	Service string
	// Root widens the publish root to an ancestor folder: "", "..",
	// "../..", … (cleaned; "" is the manifest's own folder). Paths may then
	// climb up to it, never beyond. RootLine is where it is written.
	Root     string
	RootLine int
	Provides []ManifestProvision
	Consumes []ManifestConsumption
}

// ManifestProvision is one entry of `provides`.
type ManifestProvision struct {
	Contract string
	Kind     Kind
	// Path is the OpenAPI document, or the protobuf import root, relative to
	// the manifest's folder (cleaned; it starts with ".." only under a
	// widened Root).
	Path     string
	Messages []string
	Level    string
	// Retention is how long the topic keeps the messages (proto contracts
	// with messages only); empty when not declared.
	Retention Retention
	Line      int
}

// ManifestConsumption is one entry of `consumes`.
type ManifestConsumption struct {
	Contract     string
	Uses         []string
	Messages     []string
	Expectations string
	// Tolerates are compat.Tolerance names, validated.
	Tolerates []string
	Line      int
}

// ParseManifest parses and validates a manifest. Errors are
// *compat.InputError naming file, line and column.
func ParseManifest(data []byte, file string) (*Manifest, error) {
	if len(data) > maxManifestBytes {
		return nil, compat.Inputf(compat.Location{File: file}, "the manifest is %d bytes, more than the %d allowed", len(data), maxManifestBytes)
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, compat.Inputf(compat.Location{File: file}, "the manifest is empty; it needs at least `service:`")
		}
		return nil, yamlError(file, err)
	}
	p := &manifestParser{file: file}
	m := &Manifest{File: file}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil, p.errf(doc, "the manifest must be a mapping with service, provides and consumes")
	}
	// The root bounds every path, wherever it is written: read it first.
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "root" {
			r, err := p.root(doc.Content[i+1])
			if err != nil {
				return nil, err
			}
			m.Root, m.RootLine, p.depth = r, doc.Content[i+1].Line, rootDepth(r)
		}
	}
	seenContracts := map[string]int{}
	err := p.mapping(doc, []string{"service", "root", "provides", "consumes"}, func(key string, k, v *yaml.Node) error {
		switch key {
		case "service":
			s, err := p.str(v, "service")
			if err != nil {
				return err
			}
			if !ValidServiceName(s) {
				return p.errf(v, "service name %q is not valid: use lower-case letters, digits and '-', starting with a letter or digit, at most 63 characters", s)
			}
			m.Service = s
		case "provides":
			return p.list(v, "provides", func(item *yaml.Node) error {
				pr, err := p.provision(item)
				if err != nil {
					return err
				}
				if line, dup := seenContracts["provides "+pr.Contract]; dup {
					return p.errf(item, "contract %s is listed twice under provides (first at line %d)", pr.Contract, line)
				}
				seenContracts["provides "+pr.Contract] = item.Line
				m.Provides = append(m.Provides, pr)
				return nil
			})
		case "consumes":
			return p.list(v, "consumes", func(item *yaml.Node) error {
				c, err := p.consumption(item)
				if err != nil {
					return err
				}
				if line, dup := seenContracts["consumes "+c.Contract]; dup {
					return p.errf(item, "contract %s is listed twice under consumes (first at line %d)", c.Contract, line)
				}
				if _, own := seenContracts["provides "+c.Contract]; own {
					return p.errf(item, "contract %s is both provided and consumed by this service", c.Contract)
				}
				seenContracts["consumes "+c.Contract] = item.Line
				m.Consumes = append(m.Consumes, c)
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m.Service == "" {
		return nil, p.errf(doc, "the manifest has no `service:`; name the service it describes")
	}
	return m, nil
}

type manifestParser struct {
	file string
	// depth is how many folders above the manifest the root is.
	depth int
}

// root parses `root:`: the manifest's folder ("."), or an ancestor of it
// ("..", "../..", …). Whether that folder is inside the repository is for
// the working copy to check (LoadWorkingCopy).
func (p *manifestParser) root(n *yaml.Node) (string, error) {
	s, err := p.str(n, "root")
	if err != nil {
		return "", err
	}
	clean := path.Clean(strings.ReplaceAll(s, "\\", "/"))
	if clean == "." {
		return "", nil
	}
	for _, seg := range strings.Split(clean, "/") {
		if seg != ".." {
			return "", p.errf(n, "root %q must be the manifest's folder or one above it (.., ../.., …): the publish root is an ancestor folder of contracts.yaml inside its repository", s)
		}
	}
	return clean, nil
}

func (p *manifestParser) errf(n *yaml.Node, format string, args ...any) error {
	return compat.Inputf(compat.Location{File: p.file, Line: n.Line, Column: n.Column}, format, args...)
}

// mapping walks a mapping node, refusing keys not in allowed.
func (p *manifestParser) mapping(n *yaml.Node, allowed []string, each func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n, "expected a mapping with keys %s", strings.Join(allowed, ", "))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		ok := false
		for _, a := range allowed {
			if a == key {
				ok = true
			}
		}
		if !ok {
			hint := ""
			if s := closest(key, allowed); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			return p.errf(k, "unknown key %q (allowed here: %s)%s", key, strings.Join(allowed, ", "), hint)
		}
		if seen[key] {
			return p.errf(k, "key %q appears twice", key)
		}
		seen[key] = true
		if err := each(key, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *manifestParser) list(n *yaml.Node, what string, each func(*yaml.Node) error) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, "%s must be a list", what)
	}
	for _, item := range n.Content {
		if err := each(item); err != nil {
			return err
		}
	}
	return nil
}

func (p *manifestParser) str(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || strings.TrimSpace(n.Value) == "" {
		return "", p.errf(n, "%s must be a non-empty string", what)
	}
	return n.Value, nil
}

func (p *manifestParser) strs(n *yaml.Node, what string) ([]string, error) {
	var out []string
	err := p.list(n, what, func(item *yaml.Node) error {
		s, err := p.str(item, what+" entry")
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	if err == nil && len(out) == 0 {
		return nil, p.errf(n, "%s is empty; leave it out to rely on everything", what)
	}
	return out, err
}

func (p *manifestParser) relPath(n *yaml.Node, what string) (string, error) {
	s, err := p.str(n, what)
	if err != nil {
		return "", err
	}
	clean := path.Clean(strings.ReplaceAll(s, "\\", "/"))
	switch {
	case (path.IsAbs(clean) || climbs(clean) > p.depth) && p.depth == 0:
		return "", p.errf(n, "%s %q leaves the service's folder; paths are relative to contracts.yaml and stay inside its folder (a monorepo may widen that with `root:`)", what, s)
	case path.IsAbs(clean) || climbs(clean) > p.depth:
		return "", p.errf(n, "%s %q leaves the publish root %s; paths are relative to contracts.yaml and stay inside its root", what, s, strings.Repeat("../", p.depth-1)+"..")
	}
	return clean, nil
}

// climbs counts the ".." segments a clean relative path starts with.
func climbs(clean string) int {
	n := 0
	for clean == ".." || strings.HasPrefix(clean, "../") {
		n++
		clean = strings.TrimPrefix(strings.TrimPrefix(clean, ".."), "/")
	}
	return n
}

// rootDepth is how many folders above the manifest a cleaned root is.
func rootDepth(root string) int {
	if root == "" || root == "." {
		return 0
	}
	return strings.Count(root, "/") + 1
}

// pathDepth is how many folders deep a clean relative folder is ("" is 0).
func pathDepth(dir string) int {
	if dir == "" || dir == "." {
		return 0
	}
	return strings.Count(dir, "/") + 1
}

// RootPath turns a manifest-relative path into the path relative to the
// publish root, for a manifest in manifestDir (relative to that root).
func RootPath(manifestDir, p string) string {
	return path.Join(manifestDir, p)
}

// orDot shows an empty folder as ".".
func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}

func (p *manifestParser) contractName(n *yaml.Node) (string, error) {
	s, err := p.str(n, "contract")
	if err != nil {
		return "", err
	}
	if !ValidServiceName(s) {
		return "", p.errf(n, "contract name %q is not valid: use lower-case letters, digits and '-', at most 63 characters", s)
	}
	return s, nil
}

func (p *manifestParser) provision(n *yaml.Node) (ManifestProvision, error) {
	pr := ManifestProvision{Line: n.Line}
	var levelNode, messagesNode, retentionNode *yaml.Node
	err := p.mapping(n, []string{"contract", "openapi", "proto", "messages", "level", "retention"}, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "contract":
			pr.Contract, err = p.contractName(v)
		case "openapi", "proto":
			if pr.Kind != "" {
				return p.errf(k, "a contract is either openapi or proto, not both")
			}
			pr.Kind = Kind(key)
			pr.Path, err = p.relPath(v, key)
		case "messages":
			messagesNode = k
			pr.Messages, err = p.strs(v, "messages")
		case "level":
			levelNode = k
			pr.Level, err = p.str(v, "level")
			if err == nil {
				if _, perr := compat.ParseLevel(pr.Level); perr != nil {
					err = p.errf(v, "level %q is not one of wire, json, source", pr.Level)
				}
			}
		case "retention":
			retentionNode = k
			var s string
			if s, err = p.str(v, "retention"); err == nil {
				var perr error
				if pr.Retention, perr = ParseRetention(s); perr != nil {
					err = p.errf(v, "%v", perr)
				}
			}
		}
		return err
	})
	if err != nil {
		return pr, err
	}
	switch {
	case pr.Contract == "":
		return pr, p.errf(n, "a provided contract needs `contract:` (its name)")
	case pr.Kind == "":
		return pr, p.errf(n, "contract %s needs `openapi:` (a document) or `proto:` (an import root)", pr.Contract)
	case pr.Kind == OpenAPI && levelNode != nil:
		return pr, p.errf(levelNode, "`level` applies to proto contracts only")
	case pr.Kind == OpenAPI && messagesNode != nil:
		return pr, p.errf(messagesNode, "`messages` applies to proto contracts only")
	case retentionNode != nil && (pr.Kind != Proto || messagesNode == nil):
		return pr, p.errf(retentionNode, "`retention` applies to proto contracts with `messages` only: it says how long the topic keeps the messages this service publishes")
	}
	return pr, nil
}

func (p *manifestParser) consumption(n *yaml.Node) (ManifestConsumption, error) {
	c := ManifestConsumption{Line: n.Line}
	var usesNode *yaml.Node
	err := p.mapping(n, []string{"contract", "uses", "expectations", "messages", "tolerates"}, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "contract":
			c.Contract, err = p.contractName(v)
		case "uses":
			usesNode = k
			c.Uses, err = p.strs(v, "uses")
			if err == nil {
				for i, u := range c.Uses {
					if bad := checkUse(u); bad != "" {
						return p.errf(v.Content[i], "uses entry %q: %s", u, bad)
					}
				}
			}
		case "expectations":
			c.Expectations, err = p.relPath(v, "expectations")
		case "messages":
			c.Messages, err = p.strs(v, "messages")
		case "tolerates":
			c.Tolerates, err = p.strs(v, "tolerates")
			for i, t := range c.Tolerates {
				if err == nil {
					if _, terr := compat.ParseTolerance(t); terr != nil {
						err = p.errf(v.Content[i], "tolerates: %v", terr)
					}
				}
			}
		}
		return err
	})
	if err != nil {
		return c, err
	}
	if c.Contract == "" {
		return c, p.errf(n, "a consumed contract needs `contract:` (its name)")
	}
	if usesNode != nil && c.Expectations != "" {
		return c, p.errf(usesNode, "contract %s: give either `uses` or `expectations`, not both (expectations already name the operations)", c.Contract)
	}
	return c, nil
}

var httpMethods = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

// checkUse returns what is wrong with a `uses` entry, or "": an HTTP
// operation "METHOD /path" or an RPC "pkg.Service.Method" or
// "/pkg.Service/Method".
func checkUse(u string) string {
	if method, p, ok := strings.Cut(u, " "); ok {
		m := strings.ToUpper(method)
		valid := false
		for _, h := range httpMethods {
			valid = valid || h == m
		}
		if !valid {
			return fmt.Sprintf("%q is not an HTTP method", method)
		}
		if !strings.HasPrefix(strings.TrimSpace(p), "/") {
			return "the path must start with /"
		}
		return ""
	}
	if strings.Count(strings.Trim(u, "/"), ".") >= 1 {
		return ""
	}
	return `want an HTTP operation ("GET /orders/{id}") or an RPC ("orders.v1.OrderService.GetOrder")`
}

// yamlError turns a yaml.v3 error into an InputError with the line it names.
func yamlError(file string, err error) error {
	msg := err.Error()
	line := 0
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i:], "line %d", &line)
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	return &compat.InputError{Location: compat.Location{File: file, Line: line}, Msg: "not valid YAML: " + msg, Err: err}
}

// SortedContracts returns the names of the contracts m provides, sorted.
func (m *Manifest) SortedContracts() []string {
	var out []string
	for _, p := range m.Provides {
		out = append(out, p.Contract)
	}
	sort.Strings(out)
	return out
}
